"""The questionnaire's widgets: a thin view over :class:`SurveyModel`.

The view builds the widgets of a page the first time it is shown (and keeps
them: a page change only swaps children and updates a few traits), forwards
every change to the model, and re-renders when the model's traits change.
No rule lives here.

Accessibility: every scale statement is a :class:`~netsoc.form.widgets.RadioGroup`
(fieldset/legend plus ``role=radiogroup``, native radios); the title (h1), the
page heading (h2, focused on every page change) and a ``role=progressbar``
come from :class:`~netsoc.form.widgets.PageChrome`; status messages and the
validation summary are live regions; after a failed Next the focus goes to
the first unanswered statement.  The ``lang`` attribute follows the
participant's language.

Stable hooks for automated clients (CSS classes): ``netsoc-item-<ID>`` on
each question's outer element (the radio group of an item, the Dropdown of a
choice field, the Textarea of the comment), ``netsoc-consent`` /
``netsoc-decline``, ``netsoc-next``, ``netsoc-back``, ``netsoc-submit``,
``netsoc-save``, ``netsoc-error`` on validation messages, ``netsoc-progress``,
``netsoc-feedback`` on the feedback page, ``netsoc-resume-code`` on the shown
resume code, ``netsoc-resume-input`` / ``netsoc-resume`` (the box and button of the
resume form), ``netsoc-cohort``,
``netsoc-language``, ``netsoc-message`` on status messages.
"""

from __future__ import annotations

import html
import threading
from types import MappingProxyType
from collections.abc import Mapping
from typing import Any

import ipywidgets as widgets

from netsoc.form.model import SurveyModel, query_from_environ, resolve_cohort
from netsoc.form.widgets import (
    BrowserToken,
    LiveRegion,
    PageChrome,
    RadioGroup,
    ResumeCode,
    ResumeForm,
)
from survey.instrument import ChoiceField, Instrument

__all__ = ["SurveyView", "survey_app", "CSS"]

#: Phone-friendly layout, 44 px targets, a visible keyboard focus, AA contrast.
CSS = """<style>
.netsoc-app { max-width: 760px; margin: 0 auto; font-size: 16px; line-height: 1.45;
  color: #1a1a1a; background: #ffffff; }
.netsoc-app .widget-html-content { font-size: 16px; line-height: 1.45; }
.netsoc-app .widget-html, .netsoc-app .widget-html-content { white-space: normal; overflow-wrap: anywhere; }
.netsoc-app h1 { font-size: 1.6em; margin: 0.3em 0; }
.netsoc-app h2 { font-size: 1.3em; margin: 0.4em 0; }
.netsoc-app .jupyter-button, .netsoc-app select, .netsoc-app input[type=text], .netsoc-app textarea {
  min-height: 44px; font-size: 16px; }
.netsoc-app .jupyter-button { padding: 0 14px; min-width: 44px; }
.netsoc-app .jupyter-button.mod-primary { background: #1a56db; color: #ffffff; }
.netsoc-app .jupyter-button.mod-success { background: #1e6b34; color: #ffffff; }
.netsoc-app :focus-visible, .netsoc-app .netsoc-option:has(input:focus-visible) {
  outline: 3px solid #1a56db !important; outline-offset: 2px; }
.netsoc-app .netsoc-page-heading:focus { outline: none; }
.netsoc-app .netsoc-page-heading:focus-visible { outline: 3px solid #1a56db; }
.netsoc-app .netsoc-question { border-left: 4px solid transparent; padding: 4px 0 8px 8px;
  margin-bottom: 6px; width: 100%; box-sizing: border-box; }
.netsoc-app .netsoc-sr-only { position: absolute; width: 1px; height: 1px; padding: 0;
  margin: -1px; overflow: hidden; clip: rect(0, 0, 0, 0); white-space: nowrap; border: 0; }
.netsoc-app .netsoc-fieldset { border: 0; margin: 0; padding: 0; min-width: 0; }
.netsoc-app .netsoc-qtext { font-weight: 600; padding: 0; margin-bottom: 6px; }
.netsoc-app .netsoc-qnum { margin-right: 0.3em; }
.netsoc-app .netsoc-options { display: flex; flex-wrap: wrap; gap: 6px; }
.netsoc-app .netsoc-option { display: flex; align-items: center; gap: 8px; min-height: 44px;
  min-width: 44px; box-sizing: border-box; padding: 6px 12px; border: 1px solid #6b6b6b;
  border-radius: 6px; cursor: pointer; flex: 1 1 auto; background: #ffffff; color: #1a1a1a; }
.netsoc-app .netsoc-option input { width: 22px; height: 22px; margin: 0; accent-color: #1a56db;
  flex: 0 0 auto; }
.netsoc-app .netsoc-option:has(input:checked) { border: 2px solid #1a56db; background: #e8effc;
  font-weight: 700; }
.netsoc-app .netsoc-invalid { border-left-color: #b00020; background: #fff5f5; }
.netsoc-app .netsoc-error { color: #b00020; font-weight: 600; margin: 4px 0; }
.netsoc-app .netsoc-error[hidden], .netsoc-app [hidden] { display: none !important; }
.netsoc-app .netsoc-live-empty { display: block; min-height: 0; }
.netsoc-app .netsoc-field, .netsoc-app .netsoc-cohort, .netsoc-app .netsoc-language {
  flex-wrap: wrap; width: auto !important; height: auto !important; }
.netsoc-app .netsoc-field .widget-label, .netsoc-app .netsoc-cohort .widget-label,
.netsoc-app .netsoc-language .widget-label, .netsoc-app .netsoc-item-comment .widget-label {
  width: 100% !important; max-width: 100%; white-space: normal; text-align: left; }
.netsoc-app .netsoc-field select, .netsoc-app .netsoc-cohort input,
.netsoc-app .netsoc-language select { width: 100%;
  max-width: min(420px, 100%); box-sizing: border-box; height: 44px; flex: 1 1 100%; margin: 0; }
.netsoc-app .netsoc-item-comment { flex-wrap: wrap; width: 100%; height: auto !important; }
.netsoc-app .netsoc-item-comment textarea { width: 100%; min-height: 6em; }
.netsoc-app .netsoc-nav { flex-wrap: wrap; gap: 8px; margin-top: 12px; }
.netsoc-app .netsoc-progress { display: flex; flex-wrap: wrap; align-items: center; gap: 8px;
  width: 100%; margin: 4px 0 8px; }
.netsoc-app .netsoc-progressbar { flex: 1 1 160px; height: 12px; border: 1px solid #6b6b6b;
  border-radius: 6px; background: #ffffff; overflow: hidden; }
.netsoc-app .netsoc-progressbar-fill { height: 100%; background: #1a56db; }
.netsoc-app .netsoc-scores { border-collapse: collapse; width: 100%; font-size: 15px; }
.netsoc-app .netsoc-scores th, .netsoc-app .netsoc-scores td { border-bottom: 1px solid #ddd;
  padding: 6px 4px; text-align: left; vertical-align: top; overflow-wrap: normal;
  word-break: normal; hyphens: auto; }
.netsoc-app .netsoc-attention-warning { background: #fff3cd; border: 1px solid #e0b000;
  padding: 8px; margin: 8px 0; }
.netsoc-app .netsoc-message { color: #1d4f91; }
.netsoc-app .netsoc-resume-code { font-family: monospace; font-size: 1.2em; font-weight: 700;
  letter-spacing: 0.08em; }
.netsoc-app .netsoc-resume-form { display: flex; flex-wrap: wrap; align-items: center; gap: 8px; }
.netsoc-app .netsoc-resume-form label { flex: 1 1 100%; }
.netsoc-app .netsoc-resume-form input { min-height: 44px; font-size: 16px; flex: 1 1 200px;
  max-width: 420px; box-sizing: border-box; padding: 0 8px; border: 1px solid #6b6b6b; }
.netsoc-app .netsoc-resume-form .netsoc-error { flex: 1 1 100%; }
.netsoc-app .netsoc-resume, .netsoc-app .netsoc-copy { min-height: 44px; min-width: 44px;
  font-size: 16px; padding: 0 14px; }
@media (max-width: 600px) {
  .netsoc-app .netsoc-option { flex: 1 1 100%; }
  .netsoc-app .netsoc-scores { font-size: 14px; }
}
</style>"""

#: Language names shown in the switcher when the instrument gives none.
LANGUAGE_NAMES = MappingProxyType({
    "en": "English", "de": "Deutsch", "fr": "Français", "es": "Español", "it": "Italiano",
    "nl": "Nederlands", "pt": "Português"})

def _html(text: str = "", *classes: str) -> widgets.HTML:
    w = widgets.HTML(text)
    for c in classes:
        w.add_class(c)
    return w


def _button(label: str, cls: str, style: str = "") -> widgets.Button:
    b = widgets.Button(description=label, button_style=style, layout=widgets.Layout(width="auto"))
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
    min_group_size : int, optional
        Passed to the feedback page (smallest cohort it compares with).
    """

    def __init__(self, model: SurveyModel, *, note: str | None = None,
                 warm_up: bool = True, min_group_size: int | None = None,
                 **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.add_class("netsoc-app")
        self.model = model
        self._note = note
        self._warm = warm_up
        self._min_group_size = min_group_size
        self._warm_thread: threading.Thread | None = None
        self._pages: dict[int, widgets.VBox] = {}
        self.inputs: dict[str, widgets.Widget] = {}
        self.errors: dict[str, widgets.HTML] = {}
        self.boxes: dict[str, widgets.Box] = {}
        self.feedback: widgets.Widget | None = None
        self._shown: tuple[int, str] | None = None
        self._browser_from_server = bool(model.browser)
        # every radio group shares one Layout: one widget instead of one per
        # statement (they are never hidden one by one)
        self._group_layout = widgets.Layout()

        self.chrome = PageChrome()
        self.chrome.add_class("netsoc-chrome")
        self.token = BrowserToken()
        self.message = LiveRegion(politeness="polite")
        self.message.add_class("netsoc-message")
        self.page_error = LiveRegion(politeness="assertive")
        self.page_error.add_class("netsoc-error-summary")
        self.body = widgets.VBox()
        self.back_button = _button("Back", "netsoc-back")
        self.next_button = _button("Next", "netsoc-next", "primary")
        self.submit_button = _button("Submit", "netsoc-submit", "success")
        self.save_button = _button("Save and finish later", "netsoc-save")
        self.nav = widgets.HBox([self.back_button, self.next_button, self.submit_button,
                                 self.save_button])
        self.nav.add_class("netsoc-nav")
        self.resume_code = ResumeCode()
        self.resume_code.add_class("netsoc-resume-box")

        self.back_button.on_click(self._on_back)
        self.next_button.on_click(self._on_next)
        self.submit_button.on_click(self._on_submit)
        self.save_button.on_click(self._on_save)
        self.token.observe(self._on_token, names=["token"])
        model.observe(self._on_page, names=["page", "state"])
        model.observe(self._on_errors, names=["errors"])
        model.observe(self._on_message, names=["message"])
        model.observe(self._on_code, names=["code_shown", "respondent_id", "state"])
        model.observe(self._on_busy, names=["busy"])
        model.observe(self._on_language, names=["language"])

        self.children = [_html(CSS), self.token, self.chrome, self.message, self.body,
                         self.page_error, self.nav, self.resume_code]
        self._texts()
        self._render()
        self._on_code()

    @property
    def inst(self) -> Instrument:
        """The instrument in the participant's language."""
        return self.model.instrument

    @property
    def language(self) -> str:
        """BCP 47 tag of the language shown (for the page's ``lang``)."""
        return self.model.language

    def _t(self, key: str, default: str, **values: Any) -> str:
        return self.model.text(key, default, **values)

    # ------------------------------------------------------------ building
    def _question(self, qid: str, number: int, total: int) -> RadioGroup:
        q = self.inst.item(qid)
        labels = self.inst.value_labels(qid)
        group = RadioGroup(layout=self._group_layout,
                           options=[[int(code), lab] for code, lab in labels.items()],
                           value=self.model.answers.get(qid), statement=q.text,
                           number=f"{number}.", required=self.model.is_required(qid),
                           position=self._t("question_of", "Question {number} of {total}",
                                            number=number, total=total),
                           lang=self.language)
        group.add_class(f"netsoc-item-{qid}")
        group.observe(self._answer_handler(qid), names="value")
        self.inputs[qid] = self.boxes[qid] = group
        return group

    def _field(self, field: Any) -> widgets.Box:
        if isinstance(field, ChoiceField):
            options = ([(self._t("choose_answer", "(choose an answer)"), None)]
                       + [(lab, c) for c, lab in field.options.items()])
            current = self.model.answers.get(field.id)
            w: widgets.Widget = widgets.Dropdown(
                options=options, index=[v for _, v in options].index(current),
                description=field.label,
                style={"description_width": "initial"}, layout=widgets.Layout(width="100%"))
        else:
            w = widgets.Text(continuous_update=False, value=self.model.answers.get(field.id) or "",
                             description=field.label, style={"description_width": "initial"},
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

    # Text boxes sync when they lose the focus (continuous_update=False): one
    # message with the whole text, sent before the click that follows, where
    # per-keystroke updates can be queued behind the click and lost.
    def _answer_handler(self, qid: str) -> Any:
        def handler(change: Mapping[str, Any]) -> None:
            self.model.set_answer(qid, change["new"])
        return handler

    def _language_switcher(self) -> widgets.Widget | None:
        base = self.model.base_instrument
        if len(base.languages) < 2:
            return None
        info = base.language_info
        options = [(info[tag].name if tag in info else LANGUAGE_NAMES.get(tag.split("-")[0], tag),
                    tag) for tag in base.languages]
        w = widgets.Dropdown(options=options, value=self.language,
                             description=self._t("language", "Language"),
                             style={"description_width": "initial"})
        w.add_class("netsoc-language")
        w.observe(lambda ch: self.model.set_language(ch["new"]), names="value")
        self.inputs["language"] = w
        return w

    def _welcome(self) -> widgets.VBox:
        c = self.inst.consent
        parts: list[widgets.Widget] = []
        switcher = self._language_switcher()
        if switcher is not None:
            parts.append(switcher)
        if self._note:
            parts.append(_html(f"<p class='netsoc-note'>{html.escape(self._note)}</p>"))
        minutes = self._t("welcome_time", "About {minutes} minutes. You get your personal "
                          "feedback straight after submitting.",
                          minutes=self.inst.estimated_minutes)
        parts.append(_html(
            f"<p>{html.escape(self.inst.description)}</p><p>{html.escape(minutes)}</p>"
            f"<p>{html.escape(c.text)}</p>"))
        agree = _button(c.agree_label, "netsoc-consent", "primary")
        decline = _button(c.decline_label, "netsoc-decline")
        agree.on_click(lambda _b: self.model.consent(True))
        decline.on_click(lambda _b: self.model.consent(False))
        consent_box = widgets.HBox([agree, decline])
        consent_box.add_class("netsoc-nav")
        consent_err = _html("", "netsoc-error")
        _show(consent_err, False)
        self.errors[c.id] = consent_err
        self.inputs[c.id] = agree
        resume = ResumeForm(
            label=self._t("resume_label", "Resume code"),
            placeholder=self._t("resume_placeholder", "e.g. {code}", code="7K2M9QX4PT"),
            button_label=self._t("resume_button", "Continue where I left off"),
            error=self.model.errors.get("resume", ""), lang=self.language)
        resume.on_resume(lambda code: self.model.resume(code) or self._focus_first_error())
        self.inputs["resume"] = self.boxes["resume"] = resume
        started = html.escape(self._t("resume_heading", "Started already?"))
        enter = html.escape(self._t("resume_hint", "Enter the resume code you were given."))
        parts += [consent_box, consent_err, _html(f"<h3>{started}</h3><p>{enter}</p>"), resume]
        return widgets.VBox(parts)

    def _fields_page(self) -> widgets.VBox:
        intro = self._t("about_you_hint", "These questions are optional; they are used only "
                        "for anonymous group comparisons.")
        parts: list[widgets.Widget] = [_html(f"<p>{html.escape(intro)}</p>")]
        parts += [self._field(f) for f in self.inst.fields]
        if self.model.asks_cohort():
            spec = self.inst.cohort
            w = widgets.Text(continuous_update=False, value=self.model.cohort or "",
                             description=spec.label,
                             placeholder=self._t("optional", "optional"),
                             style={"description_width": "initial"},
                             layout=widgets.Layout(width="100%"))
            w.add_class("netsoc-cohort")
            w.observe(lambda ch: self.model.set_cohort(ch["new"]), names="value")
            parts.append(self._wrap("cohort", w, [w]))
        elif self.model.cohort:
            text = self._t("workshop", "Workshop: {cohort}", cohort=self.model.cohort)
            parts.append(_html(f"<p>{html.escape(text)}</p>", "netsoc-workshop"))
        return widgets.VBox(parts)

    def _items_page(self, index: int) -> widgets.VBox:
        order = {q: k for k, q in enumerate(
            q for p in self.model.pages if p.kind == "items" for q in p.ids)}
        page = self.model.pages[index]
        return widgets.VBox([self._question(qid, order[qid] + 1, len(order)) for qid in page.ids])

    def _comment_page(self) -> widgets.VBox:
        parts: list[widgets.Widget] = []
        cm = self.inst.comment
        if cm is not None:
            w = widgets.Textarea(continuous_update=False,
                                 value=self.model.answers.get(cm.id) or "", description=cm.label,
                                 placeholder=self._t("optional", "optional"),
                                 style={"description_width": "initial"},
                                 layout=widgets.Layout(width="100%"))
            w.add_class(f"netsoc-item-{cm.id}")
            w.observe(self._answer_handler(cm.id), names="value")
            parts.append(self._wrap(cm.id, w, [w]))
        hint = self._t("submit_hint", "Press {submit} to send your answers and see your "
                       "personal feedback.", submit=self._t("submit", "Submit"))
        parts.append(_html(f"<p>{html.escape(hint)}</p>"))
        return widgets.VBox(parts)

    def _page_widget(self, index: int) -> widgets.VBox:
        if index not in self._pages:
            kind = self.model.pages[index].kind
            build = {"welcome": lambda: self._welcome(), "fields": self._fields_page,
                     "items": lambda: self._items_page(index), "comment": self._comment_page}[kind]
            self._pages[index] = build()
        return self._pages[index]

    # ----------------------------------------------------------- rendering
    def _heading(self) -> str:
        m = self.model
        if m.state == "declined":
            return self._t("declined_heading", "Thank you")
        if m.state == "submitted":
            return self._t("results_thanks", "Thank you - your answers are stored")
        key, default = {
            "welcome": ("consent_heading", "Consent"),
            "fields": ("about_you_heading", "About you"),
            "items": ("items_prompt", "How far do you agree with each statement?"),
            "comment": ("almost_done", "Almost done"),
        }[m.current.kind]
        return self._t(key, default)

    def _texts(self) -> None:
        """Words that follow the language: buttons and the chrome."""
        lang = self.language
        with self.chrome.hold_sync():
            self.chrome.title = self.inst.title
            self.chrome.lang = lang
        for w in (self.message, self.page_error, self.resume_code):
            w.lang = lang
        self.back_button.description = self._t("back", "Back")
        self.next_button.description = self._t("next", "Next")
        self.submit_button.description = self._t("submit", "Submit")
        self.save_button.description = self._t("save", "Save and finish later")
        with self.resume_code.hold_sync():
            self.resume_code.intro = self._t("resume_code_label", "Your resume code:")
            self.resume_code.copy_label = self._t("copy", "Copy")
            self.resume_code.copied_label = self._t("copied", "Copied.")
            self.resume_code.copy_failed_label = self._t(
                "copy_failed", "Copying did not work - please write the code down.")

    def _render(self) -> None:
        m = self.model
        shown = (m.page, m.state)
        changed = self._shown is not None and shown != self._shown
        self._shown = shown
        k, n = m.progress
        with self.chrome.hold_sync():
            self.chrome.heading = self._heading()
            self.chrome.show_progress = m.state == "active" and m.page > 0
            self.chrome.value, self.chrome.max = k, n
            self.chrome.progress_text = self._t("progress", "Page {page} of {pages}",
                                                page=k, pages=n)
        if m.state == "declined":
            self.body.children = [_html("<p>" + html.escape(self._t(
                "declined_text", "You chose not to take part, so nothing has been stored. "
                "You can close this page.")) + "</p>")]
            for w in (self.nav, self.page_error, self.resume_code):
                _show(w, False)
        elif m.state == "submitted":
            self.body.children = [self._feedback_widget()]
            for w in (self.nav, self.page_error):
                _show(w, False)
            self.message.text = ""
        else:
            self.body.children = [self._page_widget(m.page)]
            _show(self.nav, m.page > 0)
            _show(self.back_button, m.page > 1)
            _show(self.next_button, not m.is_last)
            _show(self.submit_button, m.is_last)
            _show(self.save_button, m.page > 0)
            self._on_errors()
        if changed:
            self.chrome.focus()
        if m.state == "active" and m.page > 0:
            self._start_warm_up()

    def _feedback_widget(self) -> widgets.Widget:
        if self.feedback is None:
            from netsoc.feedback import feedback_data, feedback_view

            self._join_warm_up()
            extra = ({} if self._min_group_size is None
                     else {"min_group_size": self._min_group_size})
            data = feedback_data(self.model.answers, self.inst,
                                 peers=self.model.peer_responses(), cohort=self.model.cohort,
                                 language=self.model.language, **extra)
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

    def _on_language(self, _change: Any = None) -> None:
        """Rebuild the pages in the new language (answers live in the model)."""
        self._pages.clear()
        for store in (self.inputs, self.errors, self.boxes):
            store.clear()
        self._texts()
        self._shown = None
        self._render()
        if "language" in self.inputs:
            self.inputs["language"].focus()  # the switcher was rebuilt under the pointer

    def _on_errors(self, _change: Any = None) -> None:
        errs = self.model.errors
        for qid, box in self.boxes.items():
            if isinstance(box, (RadioGroup, ResumeForm)):
                box.error = errs.get(qid, "")
        for qid, w in self.errors.items():
            msg = errs.get(qid)
            w.value = html.escape(msg) if msg else ""
            _show(w, bool(msg))
            box = self.boxes.get(qid)
            if box is not None:
                (box.add_class if msg else box.remove_class)("netsoc-invalid")
        shown = self.model.current.ids if self.model.state == "active" else ()
        on_page = [q for q in shown if q in errs] + [q for q in ("cohort",) if q in errs]
        if on_page and self.model.page > 0:
            n = len(on_page)
            summary = (self._t("page_errors_one", "1 answer on this page needs your attention.")
                       if n == 1 else
                       self._t("page_errors_other", "{n} answers on this page need your "
                               "attention.", n=n))
            self.page_error.text = summary
            _show(self.page_error, True)
        else:
            self.page_error.text = ""
            _show(self.page_error, False)

    def _focus_first_error(self) -> None:
        """After a refused Next or Submit: focus the first control with a problem."""
        errs = self.model.errors
        shown = self.model.current.ids if self.model.state == "active" else ()
        first = next((q for q in (*shown, self.inst.consent.id, "cohort", "resume")
                      if q in errs and q in self.inputs), None)
        if first is not None:
            self.inputs[first].focus()

    def _on_message(self, _change: Any = None) -> None:
        self.message.text = self.model.message

    def _on_code(self, _change: Any = None) -> None:
        show = self.model.code_shown and self.model.state == "active"
        self.resume_code.code = self.model.respondent_id if show else ""
        _show(self.resume_code, show)

    def _on_busy(self, _change: Any = None) -> None:
        self.submit_button.disabled = self.model.busy
        self.submit_button.description = (self._t("sending", "Sending...") if self.model.busy
                                          else self._t("submit", "Submit"))

    def _on_token(self, change: Mapping[str, Any]) -> None:
        if not self._browser_from_server:
            self.model.browser = change["new"]

    # ------------------------------------------------------------- buttons
    def _on_back(self, _b: Any) -> None:
        self.model.back()

    def _on_next(self, _b: Any) -> None:
        if not self.model.next():
            self._focus_first_error()

    def _on_submit(self, _b: Any) -> None:
        self.submit_button.disabled = True
        try:
            self.model.submit()
        finally:
            self.submit_button.disabled = self.model.state == "submitted"
        if self.model.state == "active":
            self._focus_first_error()

    def _on_save(self, _b: Any) -> None:
        self.model.save_draft()


def survey_app(db: str | None = None, *, cohort: str | None = None,
               query: Mapping[str, str] | None = None, accept_language: str | None = None,
               browser: str | None = None, min_group_size: int | None = None,
               store: Any = None,
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
        The server's workshop code (``netsoc survey --cohort``); it always
        wins over the address.  Default: ``NETSOC_COHORT`` of ``environ``.
    query : mapping, optional
        The page's query parameters (``cohort``, ``lang``).  Default: the
        ``QUERY_STRING`` that Voila puts in ``environ``.
    accept_language : str, optional
        The browser's Accept-Language header.
    browser : str, optional
        A per-browser id known to the server (e.g. a hash of its session
        cookie); default: the random token the page keeps in localStorage.
        A browser that already submitted cannot submit again.
    min_group_size : int, optional
        Smallest cohort the feedback compares with (default: the feedback
        page's own).
    store : ResponseStore, optional
        An open store to use instead of opening ``db`` for this participant:
        a server shares one store (it is thread-safe) across its sessions,
        so no session pays for opening the database.
    environ : mapping, optional
        Environment to read the defaults from (default ``os.environ``).
    instrument : Instrument, optional
    randomize : bool, default True
        Shuffle the items within each page (seed stored with the response).
    warm_up : bool, default True
        Prepare the feedback in the background.
    """
    import os

    from survey.instrument import load_instrument, negotiate_language
    from survey.store import open_store

    env = os.environ if environ is None else environ
    inst = instrument if instrument is not None else load_instrument()
    if cohort is None:
        cohort = env.get("NETSOC_COHORT") or None
    if query is None:
        query = query_from_environ(env)
    language = negotiate_language(inst, query.get("lang"), accept_language)
    choice = resolve_cohort(inst.localized(language), cohort, query)
    source = store if store is not None else (lambda: open_store(db, instrument=inst))
    model = SurveyModel(inst, source, cohort=choice.cohort,
                        ask_cohort=choice.ask, randomize=randomize, language=language)
    model.browser = browser or ""
    return SurveyView(model, note=choice.note, warm_up=warm_up, min_group_size=min_group_size)
