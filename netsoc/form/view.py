"""The questionnaire's widgets: a thin view over :class:`SurveyModel`.

The view builds the widgets of a page the first time it is shown, forwards
every change to the model, and re-renders when the model's traits change.
No rule lives here.

Stable hooks for automated clients (CSS classes): ``netsoc-item-<ID>`` on
each question's widget (ToggleButtons for items, Dropdown for choice fields,
Textarea for the comment), ``netsoc-consent`` / ``netsoc-decline``,
``netsoc-next``, ``netsoc-back``, ``netsoc-submit``, ``netsoc-save``,
``netsoc-error`` on validation messages, ``netsoc-progress``,
``netsoc-feedback`` on the feedback page, ``netsoc-resume-code`` on the
shown resume code, ``netsoc-resume-input`` / ``netsoc-resume``, ``netsoc-cohort``,
``netsoc-message`` on status messages.
"""

from __future__ import annotations

import html
import threading
from collections.abc import Mapping
from typing import Any

import ipywidgets as widgets

from netsoc.form.model import SurveyModel, cohort_from_environ
from survey.instrument import ChoiceField, Instrument

__all__ = ["SurveyView", "survey_app", "CSS"]

#: Phone-friendly layout, large tap targets and a visible keyboard focus.
CSS = """<style>
.netsoc-app { max-width: 760px; margin: 0 auto; font-size: 16px; line-height: 1.45; }
.netsoc-app .widget-html-content { font-size: 16px; line-height: 1.45; }
.netsoc-app .widget-html, .netsoc-app .widget-html-content { white-space: normal; overflow-wrap: anywhere; }
.netsoc-app h1 { font-size: 1.6em; margin: 0.3em 0; }
.netsoc-app .jupyter-button, .netsoc-app select, .netsoc-app input, .netsoc-app textarea {
  min-height: 44px; font-size: 16px; }
.netsoc-app .jupyter-button { padding: 0 14px; }
.netsoc-app .widget-toggle-buttons { flex-wrap: wrap; height: auto; width: auto !important; }
.netsoc-app .widget-toggle-buttons .widget-toggle-button { height: auto; min-height: 44px;
  white-space: normal; margin: 3px; flex: 1 1 auto; }
.netsoc-app .widget-toggle-buttons > div { display: flex; flex-wrap: wrap; width: 100%; }
.netsoc-app .mod-active { font-weight: 700; box-shadow: inset 0 0 0 3px #1f5fa8; }
.netsoc-app :focus-visible { outline: 3px solid #1a56db !important; outline-offset: 2px; }
.netsoc-app .netsoc-question { border-left: 4px solid transparent; padding: 4px 0 8px 8px;
  margin-bottom: 6px; width: 100%; box-sizing: border-box; }
.netsoc-app .netsoc-invalid { border-left-color: #b00020; background: #fff5f5; }
.netsoc-app .netsoc-error { color: #b00020; font-weight: 600; }
.netsoc-app .netsoc-field, .netsoc-app .netsoc-cohort { flex-wrap: wrap; width: auto !important;
  height: auto !important; }
.netsoc-app .netsoc-field .widget-label, .netsoc-app .netsoc-cohort .widget-label,
.netsoc-app .netsoc-item-comment .widget-label {
  width: 100% !important; max-width: 100%; white-space: normal; text-align: left; }
.netsoc-app .netsoc-field select, .netsoc-app .netsoc-cohort input { width: 100%;
  max-width: min(420px, 100%); box-sizing: border-box; height: 44px; flex: 1 1 100%; margin: 0; }
.netsoc-app .netsoc-item-comment { flex-wrap: wrap; width: 100%; height: auto !important; }
.netsoc-app .netsoc-item-comment textarea { width: 100%; min-height: 6em; }
.netsoc-app .netsoc-nav { flex-wrap: wrap; gap: 8px; margin-top: 12px; }
.netsoc-app .netsoc-progress { width: 100%; align-items: center; }
.netsoc-app .netsoc-progress .progress { height: 12px; }
.netsoc-app .netsoc-scores { border-collapse: collapse; width: 100%; font-size: 15px; }
.netsoc-app .netsoc-scores th, .netsoc-app .netsoc-scores td { border-bottom: 1px solid #ddd;
  padding: 6px 4px; text-align: left; vertical-align: top; overflow-wrap: normal;
  word-break: normal; hyphens: auto; }
.netsoc-app .netsoc-attention-warning { background: #fff3cd; border: 1px solid #e0b000;
  padding: 8px; margin: 8px 0; }
.netsoc-app .netsoc-message { color: #1d4f91; }
.netsoc-app .netsoc-resume-code { font-family: monospace; font-size: 1.2em; font-weight: 700;
  letter-spacing: 0.08em; }
@media (max-width: 600px) {
  .netsoc-app .widget-toggle-buttons .widget-toggle-button { flex: 1 1 100%; width: 100% !important; }
  .netsoc-app .netsoc-scores { font-size: 14px; }
}
</style>"""


def _html(text: str = "", *classes: str) -> widgets.HTML:
    w = widgets.HTML(text)
    for c in classes:
        w.add_class(c)
    return w


def _button(label: str, cls: str, style: str = "", tooltip: str = "") -> widgets.Button:
    b = widgets.Button(description=label, button_style=style, tooltip=tooltip or label,
                       layout=widgets.Layout(width="auto"))
    b.add_class(cls)
    return b


def _show(w: widgets.Widget, visible: bool) -> None:
    w.layout.display = None if visible else "none"


class SurveyView(widgets.VBox):
    """The questionnaire as widgets, driven by a :class:`SurveyModel`.

    Parameters
    ----------
    model : SurveyModel
    note : str, optional
        A plain-text notice for the welcome page (escaped), e.g. that the
        workshop code in the address was ignored.
    warm_up : bool, default True
        Prepare the feedback page's numbers and figures in a background
        thread after consent.
    """

    def __init__(self, model: SurveyModel, *, note: str | None = None,
                 warm_up: bool = True, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.add_class("netsoc-app")
        self.model = model
        self.inst: Instrument = model.instrument
        self._note = note
        self._warm = warm_up
        self._warm_thread: threading.Thread | None = None
        self._pages: dict[int, widgets.VBox] = {}
        self.inputs: dict[str, widgets.Widget] = {}
        self.errors: dict[str, widgets.HTML] = {}
        self.boxes: dict[str, widgets.Box] = {}

        self.progress_bar = widgets.IntProgress(value=0, min=0, max=model.n_pages,
                                                layout=widgets.Layout(width="60%"))
        self.progress_text = _html("")
        self.progress = widgets.HBox([self.progress_text, self.progress_bar])
        self.progress.add_class("netsoc-progress")
        self.message = _html("", "netsoc-message")
        self.page_error = _html("", "netsoc-error")
        self.body = widgets.VBox()
        self.back_button = _button("Back", "netsoc-back")
        self.next_button = _button("Next", "netsoc-next", "primary")
        self.submit_button = _button("Submit", "netsoc-submit", "success")
        self.save_button = _button("Save and finish later", "netsoc-save")
        self.nav = widgets.HBox([self.back_button, self.next_button, self.submit_button,
                                 self.save_button])
        self.nav.add_class("netsoc-nav")
        self.resume_code = _html("", "netsoc-resume-code")
        self.resume_line = widgets.HBox([_html("Your resume code:"), self.resume_code])
        self.feedback: widgets.Widget | None = None

        self.back_button.on_click(self._on_back)
        self.next_button.on_click(self._on_next)
        self.submit_button.on_click(self._on_submit)
        self.save_button.on_click(self._on_save)
        model.observe(self._on_page, names=["page", "state"])
        model.observe(self._on_errors, names=["errors"])
        model.observe(self._on_message, names=["message"])
        model.observe(self._on_code, names=["draft_saved", "respondent_id"])
        model.observe(self._on_busy, names=["busy"])

        self.children = [_html(CSS), _html(f"<h1>{html.escape(self.inst.title)}</h1>"),
                         self.progress, self.message, self.body, self.page_error,
                         self.nav, self.resume_line]
        self._render()
        self._on_code()

    # ------------------------------------------------------------ building
    def _question(self, qid: str, number: int, total: int) -> widgets.Box:
        q = self.inst.item(qid)
        labels = self.inst.value_labels(qid)
        text = _html(f"<p class='netsoc-qtext'><b>{number}.</b> {html.escape(q.text)}"
                     f"<span class='sr-only' style='position:absolute;left:-9999px'>"
                     f" Question {number} of {total}</span></p>")
        toggle = widgets.ToggleButtons(
            options=[(lab, code) for code, lab in labels.items()],
            value=self.model.answers.get(qid), tooltips=list(labels.values()),
            style={"button_width": "auto"}, layout=widgets.Layout(width="100%"))
        toggle.add_class(f"netsoc-item-{qid}")
        toggle.add_class("netsoc-choice")
        toggle.observe(self._answer_handler(qid), names="value")
        return self._wrap(qid, toggle, [text, toggle])

    def _field(self, field: Any) -> widgets.Box:
        if isinstance(field, ChoiceField):
            options = [("(choose an answer)", None)] + [(lab, c) for c, lab in field.options.items()]
            current = self.model.answers.get(field.id)
            w: widgets.Widget = widgets.Dropdown(
                options=options, index=[v for _, v in options].index(current),
                description=field.label,
                style={"description_width": "initial"}, layout=widgets.Layout(width="100%"))
        else:
            w = widgets.Text(value=self.model.answers.get(field.id) or "", description=field.label,
                             style={"description_width": "initial"},
                             layout=widgets.Layout(width="100%"))
        w.add_class(f"netsoc-item-{field.id}")
        w.add_class("netsoc-field")
        w.observe(self._answer_handler(field.id), names="value")
        return self._wrap(field.id, w, [w])

    def _wrap(self, qid: str, control: widgets.Widget, parts: list[widgets.Widget]) -> widgets.Box:
        err = _html("", "netsoc-error")
        _show(err, False)
        box = widgets.VBox([*parts, err])
        box.add_class("netsoc-question")
        self.inputs[qid], self.errors[qid], self.boxes[qid] = control, err, box
        return box

    def _answer_handler(self, qid: str) -> Any:
        def handler(change: Mapping[str, Any]) -> None:
            self.model.set_answer(qid, change["new"])
        return handler

    def _welcome(self) -> widgets.VBox:
        c = self.inst.consent
        parts: list[widgets.Widget] = []
        if self._note:
            parts.append(_html(f"<p class='netsoc-note'>{html.escape(self._note)}</p>"))
        parts.append(_html(
            f"<p>{html.escape(self.inst.description)}</p>"
            f"<p>About {self.inst.estimated_minutes} minutes. You get your personal "
            f"feedback straight after submitting.</p><h2>Consent</h2><p>{html.escape(c.text)}</p>"))
        agree = _button(c.agree_label, "netsoc-consent", "primary")
        decline = _button(c.decline_label, "netsoc-decline")
        agree.on_click(lambda _b: self.model.consent(True))
        decline.on_click(lambda _b: self.model.consent(False))
        consent_box = widgets.HBox([agree, decline])
        consent_box.add_class("netsoc-nav")
        consent_err = _html("", "netsoc-error")
        _show(consent_err, False)
        self.errors[c.id] = consent_err
        code = widgets.Text(placeholder="e.g. 7K2M9QX4PT", description="Resume code",
                            style={"description_width": "initial"})
        code.add_class("netsoc-resume-input")
        resume = _button("Continue where I left off", "netsoc-resume")
        resume.on_click(lambda _b: self.model.resume(code.value))
        resume_err = _html("", "netsoc-error")
        _show(resume_err, False)
        self.errors["resume"] = resume_err
        self.inputs["resume"] = code
        parts += [consent_box, consent_err,
                  _html("<h3>Started already?</h3><p>Enter the resume code you were given.</p>"),
                  widgets.HBox([code, resume], layout=widgets.Layout(flex_flow="row wrap")),
                  resume_err]
        return widgets.VBox(parts)

    def _fields_page(self) -> widgets.VBox:
        parts: list[widgets.Widget] = [_html(
            "<h2>About you</h2><p>These questions are optional; they are used only for "
            "anonymous group comparisons.</p>")]
        parts += [self._field(f) for f in self.inst.fields]
        if self.model.asks_cohort():
            spec = self.inst.cohort
            w = widgets.Text(value=self.model.cohort or "", description=spec.label,
                             placeholder="optional", style={"description_width": "initial"},
                             layout=widgets.Layout(width="100%"))
            w.add_class("netsoc-cohort")
            w.observe(lambda ch: self.model.set_cohort(ch["new"]), names="value")
            parts.append(self._wrap("cohort", w, [w]))
        elif self.model.cohort:
            parts.append(_html(f"<p>Workshop: <b>{html.escape(self.model.cohort)}</b></p>"))
        return widgets.VBox(parts)

    def _items_page(self, index: int) -> widgets.VBox:
        order = [q for p in self.model.pages if p.kind == "items" for q in p.ids]
        total = len(order)
        page = self.model.pages[index]
        parts: list[widgets.Widget] = [_html(
            "<p>How far do you agree with each statement?</p>")]
        for qid in page.ids:
            parts.append(self._question(qid, order.index(qid) + 1, total))
        return widgets.VBox(parts)

    def _comment_page(self) -> widgets.VBox:
        parts: list[widgets.Widget] = [_html("<h2>Almost done</h2>")]
        cm = self.inst.comment
        if cm is not None:
            w = widgets.Textarea(value=self.model.answers.get(cm.id) or "", description=cm.label,
                                 placeholder="optional", style={"description_width": "initial"},
                                 layout=widgets.Layout(width="100%"))
            w.add_class(f"netsoc-item-{cm.id}")
            w.observe(self._answer_handler(cm.id), names="value")
            parts.append(self._wrap(cm.id, w, [w]))
        parts.append(_html("<p>Press <b>Submit</b> to send your answers and see your "
                           "personal feedback.</p>"))
        return widgets.VBox(parts)

    def _page_widget(self, index: int) -> widgets.VBox:
        if index not in self._pages:
            kind = self.model.pages[index].kind
            build = {"welcome": lambda: self._welcome(), "fields": self._fields_page,
                     "items": lambda: self._items_page(index), "comment": self._comment_page}[kind]
            self._pages[index] = build()
        return self._pages[index]

    # ----------------------------------------------------------- rendering
    def _render(self) -> None:
        m = self.model
        if m.state == "declined":
            self.body.children = [_html(
                "<h2>Thank you</h2><p>You chose not to take part, so nothing has been stored. "
                "You can close this page.</p>")]
            for w in (self.progress, self.nav, self.page_error, self.resume_line):
                _show(w, False)
            return
        if m.state == "submitted":
            self.body.children = [self._feedback_widget()]
            for w in (self.progress, self.nav, self.page_error):
                _show(w, False)
            self.message.value = ""
            return
        self.body.children = [self._page_widget(m.page)]
        k, n = m.progress
        _show(self.progress, m.page > 0)
        self.progress_bar.value = k
        self.progress_text.value = f"Page {k} of {n}"
        _show(self.nav, m.page > 0)
        _show(self.back_button, m.page > 1)
        _show(self.next_button, not m.is_last)
        _show(self.submit_button, m.is_last)
        _show(self.save_button, m.page > 0)
        self._on_errors()
        if m.page > 0:
            self._start_warm_up()

    def _feedback_widget(self) -> widgets.Widget:
        if self.feedback is None:
            from netsoc.feedback import feedback_data, feedback_view

            self._join_warm_up()
            data = feedback_data(self.model.answers, self.inst,
                                 peers=self.model.peer_responses(), cohort=self.model.cohort)
            self.feedback = feedback_view(data, self.inst)
        return self.feedback

    def _start_warm_up(self) -> None:
        if self._warm and self._warm_thread is None:
            from netsoc.feedback import warm_up

            self._warm_thread = threading.Thread(target=warm_up, args=(self.inst,), daemon=True)
            self._warm_thread.start()

    def _join_warm_up(self) -> None:
        if self._warm_thread is not None:
            self._warm_thread.join(timeout=30)

    # ----------------------------------------------------------- observers
    def _on_page(self, _change: Any = None) -> None:
        self._render()

    def _on_errors(self, _change: Any = None) -> None:
        errs = self.model.errors
        for qid, w in self.errors.items():
            msg = errs.get(qid)
            w.value = html.escape(msg) if msg else ""
            _show(w, bool(msg))
            box = self.boxes.get(qid)
            if box is not None:
                (box.add_class if msg else box.remove_class)("netsoc-invalid")
        on_page = [q for q in errs if q in self.errors and q not in ("resume",)]
        if on_page and self.model.page > 0:
            n = len(on_page)
            self.page_error.value = (f"{n} answer{'s' if n > 1 else ''} on this page "
                                     f"need{'' if n > 1 else 's'} your attention (marked in red).")
            _show(self.page_error, True)
        else:
            self.page_error.value = ""
            _show(self.page_error, False)

    def _on_message(self, _change: Any = None) -> None:
        msg = self.model.message
        self.message.value = (f"<div role='status' aria-live='polite'>{html.escape(msg)}</div>"
                              if msg else "")

    def _on_code(self, _change: Any = None) -> None:
        saved = self.model.draft_saved and self.model.state == "active"
        self.resume_code.value = html.escape(self.model.respondent_id) if saved else ""
        _show(self.resume_line, saved)

    def _on_busy(self, _change: Any = None) -> None:
        self.submit_button.disabled = self.model.busy
        self.submit_button.description = "Sending..." if self.model.busy else "Submit"

    # ------------------------------------------------------------- buttons
    def _on_back(self, _b: Any) -> None:
        self.model.back()

    def _on_next(self, _b: Any) -> None:
        self.model.next()

    def _on_submit(self, _b: Any) -> None:
        self.submit_button.disabled = True
        try:
            self.model.submit()
        finally:
            self.submit_button.disabled = self.model.state == "submitted"

    def _on_save(self, _b: Any) -> None:
        self.model.save_draft()
        self._on_code()


def survey_app(db: str | None = None, *, cohort: str | None = None,
               environ: Mapping[str, str] | None = None, instrument: Instrument | None = None,
               randomize: bool = True, warm_up: bool = True) -> SurveyView:
    """The questionnaire, ready to display (the notebook's one call).

    Parameters
    ----------
    db : str, optional
        Store path or URL; default ``NETSOC_DB`` (see :mod:`survey.config`).
        The store is opened on first use, so an unreachable database does not
        stop the form from showing.
    cohort : str, optional
        Workshop code; default from the page address (``?cohort=CODE``, which
        Voila passes as ``QUERY_STRING``) or ``NETSOC_COHORT``.
    environ : mapping, optional
        Environment to read those from (default ``os.environ``).
    instrument : Instrument, optional
    randomize : bool, default True
        Shuffle the items within each page (seed stored with the response).
    warm_up : bool, default True
        Prepare the feedback in the background.
    """
    from survey.instrument import load_instrument
    from survey.store import open_store

    inst = instrument if instrument is not None else load_instrument()
    note = None
    if cohort is None:
        cohort, note = cohort_from_environ(inst, environ)
    model = SurveyModel(inst, lambda: open_store(db, instrument=inst), cohort=cohort,
                        randomize=randomize)
    return SurveyView(model, note=note, warm_up=warm_up)
