"""The questionnaire's logic, without any widgets.

:class:`SurveyModel` is a small state machine over the pages that
:func:`netsoc.form.pages.build_pages` derives from the instrument (welcome,
fields, item pages, comment).

Navigation (:meth:`SurveyModel.next`, :meth:`~SurveyModel.back`), page
validation (:meth:`~SurveyModel.page_problems`, which reuses
:func:`survey.validate.validate_answers`), draft saving and resuming, and
submission exactly once (:mod:`netsoc.form.persistence`) are unit-tested without a browser.
The hosts (:mod:`netsoc.form.widget` in JupyterLab, :mod:`netsoc.server` for
phones) only carry messages (:mod:`netsoc.form.protocol`) to these methods.
This module never imports ipywidgets.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeAlias, cast

from traitlets import Bool, Dict, Enum, HasTraits, Int, Unicode

from netsoc.form import persistence
from netsoc.form.pages import Page, build_pages, order_pages, seed_for
from survey.errors import ResponseValidationError, StoreError
from survey.instrument import ChoiceField, Instrument
from survey.validate import validate_answers

if TYPE_CHECKING:
    from survey.store import ResponseStore

__all__ = [
    "Page",
    "SurveyModel",
    "build_pages",
    "order_pages",
    "seed_for",
    "REQUIRED_MESSAGE",
]

#: Shown under a required question that has no answer.
REQUIRED_MESSAGE = "Please answer this question - it is required."
#: A store, or a function that opens it (called on first use).
StoreLike: TypeAlias = "ResponseStore | Callable[[], ResponseStore] | None"


class SurveyModel(HasTraits):
    """State and rules of one participant's questionnaire.

    Parameters
    ----------
    instrument : Instrument
    store : ResponseStore or callable, optional
        Where answers go, or a function that opens it (called on first use,
        so that an unreachable database does not stop the form from showing).
        Without a store the form works but cannot save or submit.
    cohort : str, optional
        Workshop code fixed by the server or the page address (see
        :func:`netsoc.session.choose_cohort`).
    ask_cohort : bool, optional
        Whether the fields page asks for a workshop code; default: only when
        ``cohort`` is not given.
    randomize : bool, default True
        Shuffle the scored items within each item page.
    seed : int, optional
        Item-order seed; default :func:`seed_for` of the respondent id.
    respondent_id : str, optional
        Default: a new random id (:func:`survey.store.new_respondent_id`),
        which is also the resume code.
    per_page : int, default 8
    language : str, optional
        BCP 47 tag of the language the participant sees (default: the
        instrument's default language); stored with the response.
    clock : callable, default time.monotonic
        Seconds, for the pause after too many failed resume attempts.

    Traits
    ------
    page : int
        Index into :attr:`pages` of the page shown.
    state : {"active", "declined", "submitted"}
    answers : dict
        Answers so far (``consent`` is ``True`` once agreed).
    errors : dict
        Problems of the shown page, id -> message (``"cohort"`` and
        ``"resume"`` for those inputs).
    message : str
        A status line (saved, restored, store unreachable).
    busy : bool
        A submission is in progress.
    draft_saved : bool
        A draft exists in the store under :attr:`respondent_id`.
    code_shown : bool
        The participant asked to save and should see the resume code now
        (cleared on the next page change: the code is shown once).
    language : str
        The participant's language.
    browser : str
        A random token the browser keeps (empty when no browser sent one);
        a browser that already submitted cannot submit again.
    """

    page = Int(0)
    state = Enum(["active", "declined", "submitted"], default_value="active")
    answers = Dict()
    errors = Dict()
    message = Unicode("")
    busy = Bool(False)
    draft_saved = Bool(False)
    respondent_id = Unicode()
    cohort = Unicode(None, allow_none=True)
    code_shown = Bool(False)
    language = Unicode("")
    browser = Unicode("")

    def __init__(
        self,
        instrument: Instrument,
        store: StoreLike = None,
        *,
        cohort: str | None = None,
        ask_cohort: bool | None = None,
        randomize: bool = True,
        seed: int | None = None,
        respondent_id: str | None = None,
        per_page: int = 8,
        language: str | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__()
        from survey.store import new_respondent_id

        self.base_instrument = instrument
        self.instrument = instrument
        self.language = instrument.language
        if language is not None:
            self.set_language(language)
        self._store_source = store
        self._store: ResponseStore | None = None
        self._clock = clock
        self._resume_failures: list[float] = []
        #: Why the last resume failed (``resume_empty``, ``resume_locked``,
        #: ``resume_not_found``, ``store_down``), else "".
        self.resume_error = ""
        #: The draft was submitted from another device (the resume code's
        #: other holder); this one can no longer submit.
        self.taken = False
        #: The last draft save failed: the answers since the last save live only on the
        #: participant's device (the page keeps them queued and sends them again).
        self.unsaved = False
        self._saved: tuple[Any, ...] | None = None  # what the last draft save wrote
        self.cohort_locked = not (cohort is None if ask_cohort is None else ask_cohort)
        if cohort is not None and not instrument.cohort.accepts(cohort):
            raise ValueError(f"cohort: {cohort!r} does not match {instrument.cohort.pattern}")
        self.cohort = cohort
        self.randomize = randomize
        self._explicit_seed = seed
        self.per_page = per_page
        self.respondent_id = respondent_id or new_respondent_id()
        self.started_at: dt.datetime | None = None
        #: The wave and subject stored with this response (survey.waves.WaveTag), if any, and
        #: whether the participant may see their pre wave's result (netsoc.server.waves).
        self.wave_tag: Any = None
        self.pre_visible = False
        self._set_order()

    # ------------------------------------------------------------ language
    def set_language(self, tag: str) -> None:
        """Show the questionnaire in the language ``tag`` (answers are kept).

        Raises
        ------
        InstrumentError
            The instrument has no such language.
        """
        self.instrument = self.base_instrument.localized(tag)
        self.language = self.instrument.language

    def text(self, key: str, default: str, **values: Any) -> str:
        """A user-interface text of the instrument in the participant's language.

        ``default`` (English) serves keys the instrument does not define;
        ``values`` fill its ``{placeholders}``.
        """
        return (self.instrument.ui.get(key) or default).format(**values)

    # ----------------------------------------------------------- structure
    def _set_order(self) -> None:
        base = build_pages(self.instrument, per_page=self.per_page)
        if self.randomize:
            self.seed: int | None = (
                self._explicit_seed if self._explicit_seed is not None else seed_for(self.respondent_id)
            )
        else:
            self.seed = None
        self.pages = order_pages(base, self.instrument, self.seed)

    @property
    def n_pages(self) -> int:
        """Pages counted in the progress bar (every page but the welcome)."""
        return len(self.pages) - 1

    @property
    def current(self) -> Page:
        """The page shown."""
        return self.pages[self.page]

    @property
    def is_last(self) -> bool:
        """Whether the shown page is the one with Submit."""
        return self.page == len(self.pages) - 1

    @property
    def progress(self) -> tuple[int, int]:
        """``(k, n)`` for "page k of n"."""
        return self.current.number, self.n_pages

    def asks_cohort(self) -> bool:
        """Whether the fields page asks for the workshop code."""
        return not self.cohort_locked

    def is_required(self, qid: str) -> bool:
        """Whether an answer id must be answered before moving on."""
        if qid in self.instrument.question_ids:
            return self.instrument.item(qid).required
        for f in self.instrument.fields:
            if f.id == qid:
                return f.required
        return False

    # -------------------------------------------------------------- store
    def _open_store(self) -> ResponseStore:
        if self._store is None:
            src = self._store_source
            if src is None:
                raise StoreError("no response store is configured for this form")
            opened = src() if callable(src) and not hasattr(src, "submit") else src
            self._store = cast("ResponseStore", opened)
        return self._store

    def _store_call(self, fn: Callable[[Any], Any]) -> Any:
        """Run ``fn(store)``.  The store reports an unreachable database as
        :class:`StoreError`; a path that cannot even be opened is one too."""
        try:
            return fn(self._open_store())
        except OSError as exc:
            raise StoreError(f"the response store cannot be reached: {exc}") from exc

    # -------------------------------------------------------------- answers
    def set_answer(self, qid: str, value: Any) -> None:
        """Record (or, with ``None``, clear) one answer and clear its error."""
        known = set(self.instrument.question_ids) | set(self.instrument.field_ids)
        if self.instrument.comment is not None:
            known.add(self.instrument.comment.id)
        if qid not in known:
            raise KeyError(f"{qid!r} is not a question, field or comment of the instrument")
        new = dict(self.answers)
        if value is None or (
            isinstance(value, str) and not value.strip() and qid not in self.instrument.question_ids
        ):
            new.pop(qid, None)
        else:
            new[qid] = value
        self.answers = new
        if qid in self.errors:
            errs = dict(self.errors)
            errs.pop(qid)
            self.errors = errs

    def set_cohort(self, text: str | None) -> None:
        """The workshop code typed on the fields page (ignored when locked)."""
        if self.cohort_locked:
            return
        text = (text or "").strip()
        self.cohort = text or None
        if "cohort" in self.errors:
            errs = dict(self.errors)
            errs.pop("cohort")
            self.errors = errs

    def page_problems(self, index: int | None = None) -> dict[str, str]:
        """Problems that keep a page from being left forward.

        Returns
        -------
        dict
            Answer id -> message for the participant; empty when the page is
            complete.  Values are judged by
            :func:`survey.validate.validate_answers`.
        """
        page = self.pages[self.page if index is None else index]
        if page.kind == "welcome":
            consent = self.instrument.consent.id
            return (
                {}
                if self.answers.get(consent) is True
                else {consent: self.text("consent_required", "Please choose whether you agree to take part.")}
            )
        problems: dict[str, str] = {}
        given = {k: self.answers[k] for k in page.ids if k in self.answers}
        try:
            validate_answers(given, self.instrument, partial=True)
        except ResponseValidationError as exc:
            for qid, msg in exc.fields.items():
                problems[qid] = msg[:1].upper() + msg[1:] + "."
        for qid in page.ids:
            if self.is_required(qid) and self.answers.get(qid) is None:
                problems.setdefault(qid, self.text("required", REQUIRED_MESSAGE))
        if page.kind == "fields" and self.asks_cohort() and self.cohort is not None:
            spec = self.instrument.cohort
            if not spec.accepts(self.cohort):
                problems["cohort"] = self.text(
                    "cohort_invalid",
                    "A workshop code has at most {max_length} letters, "
                    "digits, - or _ (no spaces). Leave it empty if you have none.",
                    max_length=spec.max_length,
                )
        return problems

    def first_incomplete(self) -> int | None:
        """Index of the first page (after the welcome) with a problem."""
        for index in range(1, len(self.pages)):
            if self.page_problems(index):
                return index
        return None

    # ----------------------------------------------------------- navigation
    def consent(self, agree: bool) -> None:
        """Agree (go to the first page) or decline (end; nothing is stored)."""
        if self.state != "active" or self.page != 0:
            return
        if agree:
            self.answers = {**self.answers, self.instrument.consent.id: True}
            self.started_at = self.started_at or persistence.utcnow()
            self.errors = {}
            self.page = 1
        else:
            self.answers = {}
            self.errors = {}
            self.state = "declined"

    def next(self) -> bool:
        """Go forward if the shown page is complete; else set :attr:`errors`.

        Leaving a page saves the draft when a store is available; a failure
        to save is reported in :attr:`message` and does not block.
        """
        if self.state != "active" or self.is_last:
            return False
        problems = self.page_problems()
        if problems:
            self.errors = problems
            return False
        self.errors = {}
        if self.page >= 1:
            self.save_draft(quiet=True)
        self.code_shown = False
        self.page += 1
        return True

    def back(self) -> bool:
        """Go to the previous page (answers are kept); not past the welcome."""
        if self.state != "active" or self.page <= 1:
            return False
        self.errors = {}
        self.code_shown = False
        self.page -= 1
        return True

    # ------------------------------------------------- persistence (netsoc.form.persistence)
    def save_draft(self, *, quiet: bool = False) -> bool:
        """Store the answers so far under the resume code: :func:`netsoc.form.persistence.save_draft`."""
        return persistence.save_draft(self, quiet=quiet)

    def resume_locked(self) -> bool:
        """Whether too many failed resume attempts make this session wait."""
        return persistence.resume_locked(self)

    def resume(self, code: str) -> bool:
        """Restore a saved draft from its resume code: :func:`netsoc.form.persistence.resume`."""
        return persistence.resume(self, code)

    def submit(self) -> str | None:
        """Store the response exactly once: :func:`netsoc.form.persistence.submit`."""
        return persistence.submit(self)

    def submitted_elsewhere(self) -> bool:
        """Whether the resume code's other holder submitted this response already."""
        return persistence.submitted_elsewhere(self)

    def peer_responses(self) -> Any:
        """Submitted responses of the same cohort, without this respondent (or ``None``)."""
        return persistence.peer_responses(self)

    def choice_options(self, fid: str) -> dict[str, str]:
        """Option code -> label of a choice field."""
        f = next(f for f in self.instrument.fields if f.id == fid)
        return dict(f.options) if isinstance(f, ChoiceField) else {}
