"""The questionnaire in JupyterLab: the form module (netsoc/assets/form/form.js) as an anywidget.

One widget per participant.  The same ES module that phones load from
``netsoc survey`` draws every page here; anywidget carries its messages to
:func:`netsoc.form.protocol.handle` on this participant's
:class:`~netsoc.form.model.SurveyModel` (which holds every rule) and the
replies back.  No per-statement widgets.
"""

from __future__ import annotations

import html
import logging
from collections.abc import Mapping
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

import anywidget
import traitlets

from netsoc.form.model import SurveyModel
from netsoc.form.protocol import describe, feedback_payload, handle, room_payload, state_reply

if TYPE_CHECKING:
    from survey.store import ResponseStore

__all__ = ["SurveyForm", "survey_app", "ASSETS", "NEEDS_WIDGETS"]

log = logging.getLogger("netsoc.form")
#: The form's front-end files (the same for JupyterLab and phones).
ASSETS = Path(str(resources.files("netsoc").joinpath("assets/form")))
_TYPES = {"page", "submit", "resume", "decline", "describe", "room"}
#: What a front end without widgets shows instead of the form (English default of
#: the instrument's ``needs_widgets`` text).
NEEDS_WIDGETS = (
    "The questionnaire cannot be shown here: it needs JupyterLab (or Jupyter Notebook 7) "
    "with widgets. Open this notebook in JupyterLab, or ask your facilitator for the "
    "survey's web address and answer on your phone."
)


class SurveyForm(anywidget.AnyWidget):
    """One participant's questionnaire as a widget.

    Parameters
    ----------
    model : SurveyModel
    note : str, optional
        A notice for the consent page (the workshop code in the address was ignored).
    min_group_size : int, optional
        k for the feedback's workshop comparison.
    """

    _esm = ASSETS / "form.js"
    _css = ASSETS / "form.css"
    spec = traitlets.Dict().tag(sync=True)
    state = traitlets.Dict().tag(sync=True)
    storage = traitlets.Unicode("").tag(sync=True)  # the kernel keeps the answers here
    online = traitlets.Bool(True).tag(sync=True)

    def __init__(
        self, model: SurveyModel, *, note: str | None = None, min_group_size: int | None = None
    ) -> None:
        self.model = model
        self.min_group_size = min_group_size
        super().__init__(
            spec=describe(model.base_instrument, model.language),
            state=state_reply(model, full=True, note=note),
        )
        self.on_msg(self._on_msg)

    def _repr_mimebundle_(self, **kwargs: Any) -> tuple[dict[str, Any], dict[str, Any]]:
        """The widget for a front end with widgets; for one without (a console, a
        notebook converted to HTML, a viewer), what to do instead of an object's address."""
        bundle = super()._repr_mimebundle_(**kwargs)
        data, meta = bundle if isinstance(bundle, tuple) else (bundle or {}, {})
        words = self.model.text("needs_widgets", NEEDS_WIDGETS)
        data = {
            **data,
            "text/plain": words,
            "text/html": f"<p class='netsoc-needs-widgets'>{html.escape(words)}</p>",
        }
        return data, meta

    def _on_msg(self, _widget: Any, content: Any, _buffers: Any) -> None:
        if not isinstance(content, Mapping) or content.get("type") not in _TYPES:
            log.warning("ignored a form message that is not one of %s", sorted(_TYPES))
            return
        if content["type"] == "describe":
            lang = content.get("lang")
            if lang in self.model.base_instrument.languages:
                self.spec = describe(self.model.base_instrument, lang)
            return
        if content["type"] == "room":
            try:
                store = self.model._open_store()
            except Exception:
                return
            self.send(room_payload(self.model, store, min_group_size=self.min_group_size))
            return
        if content.get("lang") not in self.model.base_instrument.languages:
            content = {k: v for k, v in content.items() if k != "lang"}
        reply = handle(
            self.model, content, feedback=lambda m: feedback_payload(m, min_group_size=self.min_group_size)
        )
        self.send(reply)


def survey_app(
    db: str | None = None,
    *,
    cohort: str | None = None,
    query: Mapping[str, str] | str | None = None,
    accept_language: str | None = None,
    min_group_size: int | None = None,
    store: ResponseStore | None = None,
    instrument: Any = None,
    randomize: bool = True,
    environ: Mapping[str, str] | None = None,
) -> SurveyForm:
    """The questionnaire, ready to display (the notebook's one call).

    Parameters
    ----------
    db : str, optional
        Store path or URL (default: ``NETSOC_DB``, else the default store).
        It is checked before the form shows (a store that cannot be opened
        raises a clear error naming the path), and opened on first use.
    cohort : str, optional
        The workshop code; default ``NETSOC_COHORT``.  Without one (and
        without ``?cohort=`` in ``query``) the form asks for it.
    query : mapping or str, optional
        ``cohort`` and ``lang`` as in a page address; default ``QUERY_STRING``.
    accept_language : str, optional
    min_group_size : int, optional
    store : ResponseStore, optional
        An open store to use instead of ``db``.
    instrument : Instrument, optional
    randomize : bool, default True
    environ : mapping, optional
        Where the defaults are read (default ``os.environ``).
    """
    import os

    from netsoc.session import choose_cohort, parse_query
    from survey.instrument import load_instrument, negotiate_language

    env = os.environ if environ is None else environ
    inst = instrument if instrument is not None else load_instrument()
    cohort = cohort if cohort is not None else (env.get("NETSOC_COHORT") or None)
    params = parse_query(query if query is not None else env.get("QUERY_STRING", ""))
    language = negotiate_language(inst, params.get("lang"), accept_language)
    choice = choose_cohort(inst.localized(language), cohort, params)
    if store is None:
        from netsoc.startup import check_store
        from survey.store import open_store

        url = check_store(db if db is not None else (env.get("NETSOC_DB") or None), create=True)
        source: Any = lambda: open_store(url, instrument=inst)  # noqa: E731
    else:
        source = store
    model = SurveyModel(
        inst, source, cohort=choice.cohort, ask_cohort=choice.ask, randomize=randomize, language=language
    )
    return SurveyForm(model, note=choice.note, min_group_size=min_group_size)
