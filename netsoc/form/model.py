"""The questionnaire's logic, without any widgets.

:class:`SurveyModel` is a small state machine over the pages that
:func:`build_pages` derives from the instrument:

``welcome``
    The consent text; agreeing starts the survey, declining ends it politely
    and nothing is stored.  A saved draft can be resumed here with its code.
``fields``
    The grouping questions (and the workshop code when the page address did
    not give one).
``items``
    At most ``per_page`` questions a page.  Attention checks sit at fixed
    positions in the sequence; with ``randomize`` the scored items of each
    page are shuffled around them, from a seed that is stored with the
    response.
``comment``
    The optional comment and the Submit step.

Navigation (:meth:`SurveyModel.next`, :meth:`~SurveyModel.back`), page
validation (:meth:`~SurveyModel.page_problems`, which reuses
:func:`survey.validate.validate_answers`), draft saving and resuming, and
submission exactly once all live here and are unit-tested without a browser.
The hosts (:mod:`netsoc.form.widget` in JupyterLab, :mod:`netsoc.server` for
phones) only carry messages (:mod:`netsoc.form.protocol`) to these methods.
This module never imports ipywidgets.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import time
from collections.abc import Callable
from typing import Any, NamedTuple

import numpy as np
from traitlets import Bool, Dict, Enum, HasTraits, Int, Unicode

from survey.errors import AlreadySubmitted, DraftNotFound, ResponseValidationError, StoreError
from survey.instrument import ChoiceField, Instrument
from survey.validate import validate_answers

__all__ = [
    "Page",
    "SurveyModel",
    "build_pages",
    "order_pages",
    "seed_for",
    "REQUIRED_MESSAGE",
    "STORE_DOWN_MESSAGE",
]

#: Shown under a required question that has no answer.
REQUIRED_MESSAGE = "Please answer this question - it is required."
#: Shown when the response store cannot be reached.
STORE_DOWN_MESSAGE = (
    "We could not reach the response store just now, so nothing was sent. "
    "Your answers are still here - please wait a moment and try again, or ask "
    "the facilitator."
)
#: Shown when this browser already submitted a response.
ALREADY_SUBMITTED_MESSAGE = (
    "A response from this browser has already been submitted, so this one was not "
    "stored. Each person takes part once - thank you!"
)
#: Shown when the resume code's draft was submitted from another device.
TAKEN_MESSAGE = (
    "These answers were already submitted from another device, so nothing more was stored "
    "here. You can keep a copy of the answers you gave on this device."
)
#: Failed resume attempts before the session has to wait.
RESUME_ATTEMPTS = 5
#: Seconds a session waits after too many failed resume attempts.
RESUME_LOCK_SECONDS = 60.0
FORM_NOTE = "netsoc form 2"

StoreLike = Any  # survey.store.ResponseStore, or a callable returning one


class Page(NamedTuple):
    """One page of the questionnaire.

    Attributes
    ----------
    kind : {"welcome", "fields", "items", "comment"}
    ids : tuple of str
        The answer ids shown on the page, in display order.
    number : int
        1-based position among the counted pages (0 for the welcome page).
    """

    kind: str
    ids: tuple[str, ...]
    number: int


def _interleave(items: list[str], checks: list[str]) -> list[str]:
    """Put attention checks at fixed, evenly spaced positions among the items."""
    total = len(items) + len(checks)
    seq = list(items)
    for j, cid in enumerate(checks):
        seq.insert(min(round((j + 1) * total / (len(checks) + 1)), len(seq)), cid)
    return seq


def build_pages(instrument: Instrument, *, per_page: int = 8) -> list[Page]:
    """The pages of the questionnaire in their instrument order.

    Parameters
    ----------
    instrument : Instrument
    per_page : int, default 8
        Most questions on one item page.

    Returns
    -------
    list of Page
        ``welcome``, ``fields`` (always present: it also holds the workshop
        code), the item pages, and ``comment`` (the last page, with Submit).
    """
    if not isinstance(per_page, int) or per_page < 1:
        raise ValueError(f"per_page: expected a whole number of at least 1, got {per_page!r}")
    seq = _interleave(instrument.item_ids, instrument.attention_ids)
    pages = [Page("welcome", (), 0), Page("fields", tuple(instrument.field_ids), 1)]
    for start in range(0, len(seq), per_page):
        pages.append(Page("items", tuple(seq[start : start + per_page]), len(pages)))
    comment = (instrument.comment.id,) if instrument.comment is not None else ()
    pages.append(Page("comment", comment, len(pages)))
    return pages


def order_pages(pages: list[Page], instrument: Instrument, seed: int | None) -> list[Page]:
    """Shuffle the scored items within each item page; checks keep their slots.

    Parameters
    ----------
    pages : list of Page
        From :func:`build_pages`.
    instrument : Instrument
    seed : int or None
        ``None`` keeps the instrument order.

    Returns
    -------
    list of Page
        The same pages; the same seed always gives the same order.
    """
    if seed is None:
        return list(pages)
    rng = np.random.default_rng(seed)
    checks = set(instrument.attention_ids)
    out = []
    for page in pages:
        if page.kind != "items":
            out.append(page)
            continue
        ids = list(page.ids)
        slots = [k for k, qid in enumerate(ids) if qid not in checks]
        moved = [ids[k] for k in slots]
        for k, j in zip(slots, rng.permutation(len(moved))):
            ids[k] = moved[j]
        out.append(page._replace(ids=tuple(ids)))
    return out


def seed_for(respondent_id: str) -> int:
    """The item-order seed of a respondent: 31 bits of SHA-256 of the id.

    Derived from the (random) id so that a resumed draft shows the same order;
    it is also stored with the response.
    """
    return int.from_bytes(hashlib.sha256(respondent_id.encode()).digest()[:4], "big") >> 1


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


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
        self._store: Any = None
        self._clock = clock
        self._resume_failures: list[float] = []
        #: Why the last resume failed (``resume_empty``, ``resume_locked``,
        #: ``resume_not_found``, ``store_down``), else "".
        self.resume_error = ""
        #: The draft was submitted from another device (the resume code's
        #: other holder); this one can no longer submit.
        self.taken = False
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
    def _open_store(self) -> Any:
        if self._store is None:
            src = self._store_source
            if src is None:
                raise StoreError("no response store is configured for this form")
            self._store = src() if callable(src) and not hasattr(src, "submit") else src
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
            self.started_at = self.started_at or _utcnow()
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

    # ---------------------------------------------------------- persistence
    def _answers_to_store(self) -> dict[str, Any]:
        out = {k: v for k, v in self.answers.items() if v is not None}
        out[self.instrument.consent.id] = True
        return out

    def _valid_partial(self) -> dict[str, Any]:
        """Answers without the values that would not validate (for drafts).

        One validation of all the answers (not one per page).
        """
        answers = self._answers_to_store()
        try:
            validate_answers(answers, self.instrument, partial=True)
        except ResponseValidationError as exc:
            return {k: v for k, v in answers.items() if k not in exc.fields}
        return answers

    def save_draft(self, *, quiet: bool = False) -> bool:
        """Store the answers so far under the resume code.

        Parameters
        ----------
        quiet : bool
            Do not announce success in :attr:`message` (autosave); an
            autosave with nothing new since the last save writes nothing.

        Returns
        -------
        bool
            Whether the draft was saved; on failure :attr:`message` says why
            and every answer stays in the form.
        """
        if self.state != "active" or self.answers.get(self.instrument.consent.id) is not True:
            return False
        if self._store_source is None:
            return False
        cohort = self.cohort if self.page_problems(1).get("cohort") is None else None
        answers = self._valid_partial()
        snapshot = (self.respondent_id, answers, cohort, self.language)
        if quiet and self.draft_saved and snapshot == self._saved:
            return True
        try:
            self._store_call(
                lambda s: s.save_draft(
                    self.respondent_id,
                    answers,
                    cohort=cohort,
                    started_at=self.started_at,
                    randomization_seed=self.seed,
                    **self._store_extras(),
                )
            )
        except (StoreError, ResponseValidationError):
            self.message = self._save_failed()
            return False
        self._saved = snapshot
        self.draft_saved = True
        if quiet:
            if self.message == self._save_failed():
                self.message = ""
        else:
            self.code_shown = True
            self.message = self.text(
                "saved_private",
                ("Saved. Your resume code is shown below - copy it and keep it private, like a password."),
            )
        return True

    def _save_failed(self) -> str:
        return self.text(
            "save_failed",
            "Your progress could not be saved on the server just "
            "now. Your answers are kept here - you can carry on.",
        )

    def _store_extras(self, *, submit: bool = False) -> dict[str, Any]:
        """Keywords for the store's submit/save_draft beyond the answers."""
        extras: dict[str, Any] = {"language": self.language}
        if submit:
            extras["browser"] = self.browser or None
        return extras

    def resume_locked(self) -> bool:
        """Whether too many failed resume attempts make this session wait."""
        if len(self._resume_failures) < RESUME_ATTEMPTS:
            return False
        return self._clock() - self._resume_failures[-1] < RESUME_LOCK_SECONDS

    def resume(self, code: str) -> bool:
        """Restore a saved draft from its resume code.

        On success the answers are restored, the item order is the one the
        draft was started with, and the first incomplete page is shown.
        """
        from survey.store import normalise_code

        code = (code or "").strip()
        self.resume_error = ""
        if not code:
            self.resume_error = "resume_empty"
            self.errors = {
                "resume": self.text("resume_empty", "Please enter the resume code you were given.")
            }
            return False
        if self.resume_locked():
            self.resume_error = "resume_locked"
            self.errors = {
                "resume": self.text(
                    "resume_locked", "Too many codes were tried. Please wait a minute before trying again."
                )
            }
            return False
        try:
            answers = self._store_call(lambda s: s.load_draft(code))
        except StoreError as exc:
            if isinstance(exc, DraftNotFound):
                self._resume_failures.append(self._clock())
                self.resume_error = "resume_not_found"
                self.errors = {
                    "resume": self.text(
                        "resume_not_found",
                        "No unfinished answers were found for this code. "
                        "Check the code, or start a new survey.",
                    )
                }
            else:
                self.resume_error = "store_down"
                self.errors = {"resume": self.text("store_down", STORE_DOWN_MESSAGE)}
            return False
        self.respondent_id = normalise_code(code)
        self._set_order()
        self.answers = dict(answers)
        self.started_at = self.started_at or _utcnow()
        self.draft_saved = True
        self.errors = {}
        self._resume_failures.clear()
        self.message = " ".join(
            (
                self.text("resumed", "Welcome back - your earlier answers have been restored."),
                self.text(
                    "resumed_elsewhere",
                    "If you started on another device, submitting here replaces the answers saved there.",
                ),
            )
        )
        incomplete = self.first_incomplete()
        self.page = incomplete if incomplete is not None else len(self.pages) - 1
        return True

    def submit(self) -> str | None:
        """Store the response exactly once.

        Incomplete answers send the participant to the first page with a
        problem.  A second call (a double click) while submitting or after
        success stores nothing new.  If the store cannot be reached,
        :attr:`message` says so and the answers stay in the form.

        Returns
        -------
        str or None
            The respondent id once stored, else ``None``.
        """
        if self.state == "submitted":
            return self.respondent_id
        if self.state != "active" or self.busy or self.page == 0:
            return None
        incomplete = self.first_incomplete()
        if incomplete is not None:
            self.page = incomplete
            self.errors = self.page_problems()
            self.message = self.text(
                "incomplete", "A few answers are still missing - please complete this page."
            )
            return None
        self.busy = True
        try:
            rid = self._store_call(
                lambda s: s.submit(
                    self._answers_to_store(),
                    cohort=self.cohort,
                    started_at=self.started_at,
                    respondent_id=self.respondent_id,
                    note=FORM_NOTE,
                    randomization_seed=self.seed,
                    **self._store_extras(submit=True),
                )
            )
        except AlreadySubmitted:
            self.message = self.text("already_submitted", ALREADY_SUBMITTED_MESSAGE)
            return None
        except StoreError:
            if self.submitted_elsewhere():
                self.taken = True
                self.message = self.text("taken_text", TAKEN_MESSAGE)
            else:
                self.message = self.text("store_down", STORE_DOWN_MESSAGE)
            return None
        except ResponseValidationError as exc:
            self.message = self.text(
                "not_stored",
                "The answers could not be stored: {problems}",
                problems="; ".join(map(str, exc.problems)),
            )
            return None
        finally:
            self.busy = False
        self.respondent_id = rid
        self.errors = {}
        self.message = ""
        self.state = "submitted"
        return rid

    def submitted_elsewhere(self) -> bool:
        """Whether this respondent id was submitted already (from another device
        that used the resume code), so this device can no longer submit."""
        try:
            self._store_call(lambda s: s.load_draft(self.respondent_id))
        except DraftNotFound as exc:
            return bool(exc.submitted)
        except StoreError:
            return False
        return False

    def peer_responses(self) -> Any:
        """Submitted responses of the same cohort, without this respondent.

        ``None`` when there is no cohort or the store cannot be read.
        """
        if self.cohort is None or self.state != "submitted":
            return None
        try:
            frame = self._store_call(lambda s: s.to_frame(cohort=self.cohort))
        except StoreError:
            return None
        return frame[frame["respondent_id"] != self.respondent_id].reset_index(drop=True)

    def choice_options(self, fid: str) -> dict[str, str]:
        """Option code -> label of a choice field."""
        f = next(f for f in self.instrument.fields if f.id == fid)
        return dict(f.options) if isinstance(f, ChoiceField) else {}
