"""Accessible building blocks of the questionnaire, as anywidget ES modules.

ipywidgets has no radio group that a screen reader can use (ToggleButtons
are plain buttons with no group name and no checked state), no progress bar
role, and no way to move the keyboard focus to a heading.  These small
widgets fill those gaps; each ships its JavaScript as an ES module string
(no build step) and keeps its state in synced traits, so the Python side
(the model, the tests, nbval) never needs a browser:

- :class:`RadioGroup` - one statement: a ``fieldset`` whose ``legend`` is the
  statement, native ``input type=radio`` options (one ``name`` per group, so
  one tab stop and arrow keys move the choice) inside a ``role=radiogroup``
  labelled by the same legend, ``aria-invalid`` / ``aria-describedby`` tied
  to its error message.
- :class:`PageChrome` - the ``h1``, the page's ``h2`` (focused on a page
  change), and a ``role=progressbar`` with a visible "Page k of n"; it also
  sets the ``lang`` attribute on the enclosing ``.netsoc-app``.
- :class:`LiveRegion` - a persistent ``aria-live`` text (status messages,
  the validation summary), so changes are announced.
- :class:`ResumeCode` - the resume code with a Copy button.
- :class:`ResumeForm` - the box to type a resume code and its button, sent
  as one request.
- :class:`BrowserToken` - a random id kept in the browser's localStorage and
  sent to Python (one submission per browser).

Every text reaches the DOM through ``textContent``: nothing a participant or
an instrument author typed is parsed as HTML.
"""

from __future__ import annotations

from typing import Any

import anywidget
import traitlets as t

from netsoc.keep_listening import KEEP_LISTENING_JS

__all__ = ["RadioGroup", "PageChrome", "LiveRegion", "ResumeCode", "ResumeForm", "BrowserToken"]

# Shared by the widgets below: set the language on the enclosing app once the
# element is attached, and on the page itself when the host page has none.
_LANG_JS = KEEP_LISTENING_JS + """
function applyLang(el, lang) {
  if (!lang) return;
  el.setAttribute("lang", lang);
  let tries = 0;
  const apply = () => {
    const app = el.closest(".netsoc-app");
    if (app) {
      // the page's own language follows the questionnaire when the page is
      // the questionnaire (not inside JupyterLab, whose UI keeps its own)
      const root = document.documentElement;
      const before = app.getAttribute("lang");
      if (!document.querySelector(".jp-LabShell") &&
          (!root.getAttribute("lang") || root.getAttribute("lang") === before)) {
        root.setAttribute("lang", lang);
      }
      app.setAttribute("lang", lang);
    } else if (tries++ < 100) {
      setTimeout(apply, 50);
    }
  };
  apply();
}
function uid(prefix) {
  return prefix + Math.random().toString(36).slice(2, 10);
}
// Python asks for the focus by raising focus_request; the view that acts
// acknowledges with focus_done.  A view created after the request (Submit
// jumping to an incomplete page) still sees it, a view of a page shown
// again later does not act twice.
function followFocus(model, focus) {
  const check = () => {
    if (model.get("focus_request") > model.get("focus_done")) {
      model.set("focus_done", model.get("focus_request"));
      model.save_changes();
      setTimeout(focus, 0);
    }
  };
  model.on("change:focus_request", check);
  check();
}
"""

_RADIO_ESM = _LANG_JS + """
function render({ model, el }) {
  const id = uid("netsoc-rg-");
  el.classList.add("netsoc-question");
  const fieldset = document.createElement("fieldset");
  fieldset.className = "netsoc-fieldset";
  const legend = document.createElement("legend");
  legend.id = id + "-legend";
  legend.className = "netsoc-qtext";
  const num = document.createElement("span");
  num.className = "netsoc-qnum";
  num.setAttribute("aria-hidden", "true");
  const text = document.createElement("span");
  legend.append(num, text);
  const group = document.createElement("div");
  group.className = "netsoc-options";
  group.setAttribute("data-lm-suppress-shortcuts", "true");
  group.setAttribute("role", "radiogroup");
  group.setAttribute("aria-labelledby", legend.id);
  const error = document.createElement("p");
  error.id = id + "-error";
  error.className = "netsoc-error";
  const position = document.createElement("span");
  position.id = id + "-position";
  position.className = "netsoc-sr-only";
  fieldset.append(legend, position, group, error);
  el.replaceChildren(fieldset);
  let inputs = [];

  function drawOptions() {
    group.replaceChildren();
    inputs = model.get("options").map(([code, label], k) => {
      const lab = document.createElement("label");
      lab.className = "netsoc-option";
      const input = document.createElement("input");
      input.type = "radio";
      input.name = id;
      input.id = id + "-" + k;
      input.value = String(code);
      input.addEventListener("change", () => { if (input.checked) send(code); });
      const span = document.createElement("span");
      span.textContent = label;
      lab.append(input, span);
      group.append(lab);
      return input;
    });
  }
  // A choice travels as a state sync and as a message: ipywidgets holds back a
  // model's second state update until the first is acknowledged, so quick
  // arrow presses followed by Next could reach Python after the Next click;
  // the message keeps its order with the button clicks (both set the same value).
  function send(code) {
    if (model.get("value") === code) return;
    model.set("value", code);
    model.save_changes();
    model.send({ do: "choose", value: code });
  }
  // The arrow keys move and check, as native radios do; handled here because
  // some hosts (JupyterLab's notebook shortcuts) cancel the native action.
  const STEP = { ArrowRight: 1, ArrowDown: 1, ArrowLeft: -1, ArrowUp: -1 };
  group.addEventListener("keydown", (event) => {
    const step = STEP[event.key];
    const k = inputs.indexOf(event.target);
    if (!step || k < 0 || event.altKey || event.ctrlKey || event.metaKey) return;
    event.preventDefault();
    event.stopPropagation();
    const next = inputs[(k + step + inputs.length) % inputs.length];
    next.checked = true;
    next.focus();
    send(model.get("options")[inputs.indexOf(next)][0]);
  });
  function drawValue() {
    const v = model.get("value");
    for (const input of inputs) input.checked = v !== null && input.value === String(v);
  }
  function drawText() {
    num.textContent = model.get("number");
    text.textContent = model.get("statement");
    position.textContent = model.get("position");
    describe();
    if (model.get("required")) group.setAttribute("aria-required", "true");
    else group.removeAttribute("aria-required");
    applyLang(el, model.get("lang"));
  }
  function drawError() {
    const msg = model.get("error");
    error.textContent = msg;
    error.hidden = !msg;
    el.classList.toggle("netsoc-invalid", !!msg);
    if (msg) group.setAttribute("aria-invalid", "true");
    else group.removeAttribute("aria-invalid");
    describe();
  }
  function describe() {
    const ids = [];
    if (model.get("position")) ids.push(position.id);
    if (model.get("error")) ids.push(error.id);
    if (ids.length) group.setAttribute("aria-describedby", ids.join(" "));
    else group.removeAttribute("aria-describedby");
  }
  function focus() {
    const target = inputs.find((i) => i.checked) || inputs[0];
    if (target) {
      target.focus();
      el.scrollIntoView({ block: "center" });
    }
  }
  drawOptions(); drawValue(); drawText(); drawError();
  model.on("change:options", () => { drawOptions(); drawValue(); });
  model.on("change:value", drawValue);
  model.on("change:statement", drawText);
  model.on("change:number", drawText);
  model.on("change:lang", drawText);
  model.on("change:position", drawText);
  model.on("change:error", drawError);
  followFocus(model, focus);
}
export default { initialize: keepListening, render };
"""

_CHROME_ESM = _LANG_JS + """
function render({ model, el }) {
  const id = uid("netsoc-pc-");
  const h1 = document.createElement("h1");
  h1.className = "netsoc-title";
  const h2 = document.createElement("h2");
  h2.className = "netsoc-page-heading";
  h2.tabIndex = -1;
  const progress = document.createElement("div");
  progress.className = "netsoc-progress";
  const label = document.createElement("span");
  label.id = id + "-label";
  label.className = "netsoc-progress-label";
  const bar = document.createElement("div");
  bar.className = "netsoc-progressbar";
  bar.setAttribute("role", "progressbar");
  bar.setAttribute("aria-labelledby", label.id);
  const fill = document.createElement("div");
  fill.className = "netsoc-progressbar-fill";
  bar.append(fill);
  progress.append(label, bar);
  el.replaceChildren(h1, h2, progress);

  function draw() {
    h1.textContent = model.get("title");
    h2.textContent = model.get("heading");
    h2.hidden = !model.get("heading");
    const k = model.get("value"), n = model.get("max");
    progress.hidden = !model.get("show_progress");
    label.textContent = model.get("progress_text");
    bar.setAttribute("aria-valuemin", "1");
    bar.setAttribute("aria-valuemax", String(n));
    bar.setAttribute("aria-valuenow", String(k));
    bar.setAttribute("aria-valuetext", model.get("progress_text"));
    fill.style.width = (n > 0 ? Math.round(100 * k / n) : 0) + "%";
    applyLang(el, model.get("lang"));
  }
  draw();
  for (const name of ["title", "heading", "value", "max", "show_progress", "progress_text", "lang"])
    model.on("change:" + name, draw);
  followFocus(model, () => {
    draw();
    h2.focus();
    el.scrollIntoView({ block: "start" });
  });
}
export default { initialize: keepListening, render };
"""

_LIVE_ESM = _LANG_JS + """
function render({ model, el }) {
  const box = document.createElement("div");
  const assertive = model.get("politeness") === "assertive";
  if (assertive) box.setAttribute("role", "alert");
  else box.setAttribute("role", "status");
  box.setAttribute("aria-live", assertive ? "assertive" : "polite");
  box.setAttribute("aria-atomic", "true");
  box.className = "netsoc-live";
  el.replaceChildren(box);
  function draw() {
    box.textContent = model.get("text");
    el.classList.toggle("netsoc-live-empty", !model.get("text"));
    applyLang(el, model.get("lang"));
  }
  draw();
  model.on("change:text", draw);
  model.on("change:lang", draw);
}
export default { initialize: keepListening, render };
"""

_RESUME_ESM = _LANG_JS + """
function render({ model, el }) {
  const intro = document.createElement("p");
  const code = document.createElement("code");
  code.className = "netsoc-resume-code";
  const button = document.createElement("button");
  button.type = "button";
  button.className = "netsoc-copy";
  const status = document.createElement("span");
  status.setAttribute("role", "status");
  status.className = "netsoc-copy-status";
  const line = document.createElement("p");
  line.append(code, " ", button, " ", status);
  el.replaceChildren(intro, line);
  function draw() {
    intro.textContent = model.get("intro");
    code.textContent = model.get("code");
    button.textContent = model.get("copy_label");
    status.textContent = "";
    el.hidden = !model.get("code");
    applyLang(el, model.get("lang"));
  }
  async function copy() {
    const value = model.get("code");
    let ok = false;
    try {
      await navigator.clipboard.writeText(value);
      ok = true;
    } catch (e) {
      const area = document.createElement("textarea");
      area.value = value;
      area.setAttribute("readonly", "");
      area.style.position = "absolute";
      area.style.left = "-9999px";
      document.body.append(area);
      area.select();
      try { ok = document.execCommand("copy"); } catch (e2) { ok = false; }
      area.remove();
    }
    status.textContent = ok ? model.get("copied_label") : model.get("copy_failed_label");
  }
  button.addEventListener("click", copy);
  draw();
  for (const name of ["intro", "code", "copy_label", "lang"]) model.on("change:" + name, draw);
}
export default { initialize: keepListening, render };
"""

_RESUME_FORM_ESM = _LANG_JS + """
function render({ model, el }) {
  const id = uid("netsoc-rf-");
  const form = document.createElement("form");
  form.className = "netsoc-resume-form";
  form.noValidate = true;
  const label = document.createElement("label");
  label.htmlFor = id + "-code";
  const input = document.createElement("input");
  input.type = "text";
  input.id = id + "-code";
  input.className = "netsoc-resume-input";
  input.autocomplete = "off";
  input.spellcheck = false;
  input.maxLength = 40;
  input.setAttribute("autocapitalize", "characters");
  const button = document.createElement("button");
  button.type = "submit";
  button.className = "netsoc-resume";
  const error = document.createElement("p");
  error.id = id + "-error";
  error.className = "netsoc-error";
  form.append(label, input, button, error);
  el.replaceChildren(form);
  // the code travels with the request itself: no separate value sync that a
  // quick click could overtake
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    model.send({ do: "resume", code: input.value });
  });
  function draw() {
    label.textContent = model.get("label");
    input.placeholder = model.get("placeholder");
    button.textContent = model.get("button_label");
    const msg = model.get("error");
    error.textContent = msg;
    error.hidden = !msg;
    if (msg) {
      input.setAttribute("aria-invalid", "true");
      input.setAttribute("aria-describedby", error.id);
    } else {
      input.removeAttribute("aria-invalid");
      input.removeAttribute("aria-describedby");
    }
    applyLang(el, model.get("lang"));
  }
  draw();
  for (const name of ["label", "placeholder", "button_label", "error", "lang"])
    model.on("change:" + name, draw);
  followFocus(model, () => { input.focus(); input.select(); });
}
export default { initialize: keepListening, render };
"""

_TOKEN_ESM = KEEP_LISTENING_JS + """
const KEY = "netsoc-browser-token";
function fresh() {
  const bytes = new Uint8Array(16);
  crypto.getRandomValues(bytes);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}
function render({ model, el }) {
  el.hidden = true;
  let token = null;
  try {
    token = window.localStorage.getItem(KEY);
    if (!token || !/^[0-9a-f]{32}$/.test(token)) {
      token = fresh();
      window.localStorage.setItem(KEY, token);
    }
  } catch (e) {
    token = fresh();
  }
  if (model.get("token") !== token) {
    model.set("token", token);
    model.save_changes();
  }
}
export default { initialize: keepListening, render };
"""


class _Focusable(anywidget.AnyWidget):
    #: Raised by :meth:`focus`; the browser view that moves the focus sets
    #: ``focus_done`` to the same number (also when it renders later).
    focus_request = t.Int(0).tag(sync=True)
    focus_done = t.Int(0).tag(sync=True)

    def focus(self) -> None:
        """Move the keyboard focus here (now, or when the widget is next shown)."""
        self.focus_request = max(self.focus_request, self.focus_done) + 1


class RadioGroup(_Focusable):
    """One statement answered on a scale: a labelled group of native radios.

    Traits
    ------
    value : int or None
        The chosen answer code (``None`` until one is chosen).
    options : list of [code, label]
    statement : str
        The group's accessible name (the fieldset's legend).
    number : str
        A visible number before the statement (hidden from the name).
    position : str
        Read out as the group's description ("Question 3 of 39"), not shown.
    required : bool
    error : str
        The validation message; non-empty marks the group invalid and ties
        the message to it (``aria-describedby``).
    lang : str
        BCP 47 tag of the texts.
    """

    _esm = _RADIO_ESM
    value = t.Int(None, allow_none=True).tag(sync=True)
    options = t.List().tag(sync=True)
    statement = t.Unicode("").tag(sync=True)
    number = t.Unicode("").tag(sync=True)
    position = t.Unicode("").tag(sync=True)
    required = t.Bool(True).tag(sync=True)
    error = t.Unicode("").tag(sync=True)
    lang = t.Unicode("").tag(sync=True)

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.on_msg(self._on_choice)

    def _on_choice(self, _widget: Any, content: Any, _buffers: Any) -> None:
        """A choice from the browser (``{"do": "choose", "value": code}``)."""
        if isinstance(content, dict) and content.get("do") == "choose":
            value = content.get("value")
            try:
                # the browser already shows it: no update back (it could
                # overtake a newer choice and make the display flicker)
                with self._lock_property(value=value):
                    self.value = value
            except t.TraitError:
                pass  # not one of the offered codes: a forged message changes nothing

    @t.validate("value")
    def _known_code(self, proposal: dict[str, Any]) -> Any:
        value = proposal["value"]
        codes = [code for code, _label in self.options]
        if value is not None and codes and value not in codes:
            raise t.TraitError(f"value: expected one of {codes}, got {value!r}")
        return value


class PageChrome(_Focusable):
    """The survey title (h1), the page heading (h2) and the progress bar.

    ``focus()`` moves the keyboard focus to the page heading.
    """

    _esm = _CHROME_ESM
    title = t.Unicode("").tag(sync=True)
    heading = t.Unicode("").tag(sync=True)
    value = t.Int(0).tag(sync=True)
    max = t.Int(1).tag(sync=True)
    show_progress = t.Bool(False).tag(sync=True)
    progress_text = t.Unicode("").tag(sync=True)
    lang = t.Unicode("").tag(sync=True)


class LiveRegion(anywidget.AnyWidget):
    """A text that assistive technology announces whenever it changes.

    ``politeness`` is ``"polite"`` (role status) or ``"assertive"`` (role
    alert); it is fixed when the widget is created.
    """

    _esm = _LIVE_ESM
    text = t.Unicode("").tag(sync=True)
    politeness = t.Enum(["polite", "assertive"], default_value="polite").tag(sync=True)
    lang = t.Unicode("").tag(sync=True)


class ResumeCode(anywidget.AnyWidget):
    """The resume code with a Copy button; hidden while ``code`` is empty."""

    _esm = _RESUME_ESM
    code = t.Unicode("").tag(sync=True)
    intro = t.Unicode("").tag(sync=True)
    copy_label = t.Unicode("Copy").tag(sync=True)
    copied_label = t.Unicode("Copied.").tag(sync=True)
    copy_failed_label = t.Unicode("").tag(sync=True)
    lang = t.Unicode("").tag(sync=True)


class ResumeForm(_Focusable):
    """The resume-code box and its button, sent together as one request.

    ``on_resume(callback)`` registers ``callback(code)`` for each request;
    ``error`` is shown under the box and tied to it (``aria-describedby``).
    """

    _esm = _RESUME_FORM_ESM
    label = t.Unicode("Resume code").tag(sync=True)
    placeholder = t.Unicode("").tag(sync=True)
    button_label = t.Unicode("Continue").tag(sync=True)
    error = t.Unicode("").tag(sync=True)
    lang = t.Unicode("").tag(sync=True)

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._callbacks: list[Any] = []
        self.on_msg(self._on_request)

    def on_resume(self, callback: Any) -> None:
        """Call ``callback(code)`` whenever the participant asks to resume."""
        self._callbacks.append(callback)

    def _on_request(self, _widget: Any, content: Any, _buffers: Any) -> None:
        if isinstance(content, dict) and content.get("do") == "resume":
            code = content.get("code")
            code = code[:40] if isinstance(code, str) else ""
            for callback in self._callbacks:
                callback(code)


class BrowserToken(anywidget.AnyWidget):
    """A random id that the browser keeps in localStorage, sent to Python.

    ``token`` stays empty where no browser renders the widget (nbval, tests
    driving the widgets from Python).
    """

    _esm = _TOKEN_ESM
    token = t.Unicode("").tag(sync=True)

    @t.validate("token")
    def _hex(self, proposal: dict[str, Any]) -> str:
        token = proposal["value"]
        if token and (len(token) != 32 or any(c not in "0123456789abcdef" for c in token)):
            raise t.TraitError(f"token: expected 32 hexadecimal digits, got {token[:40]!r}")
        return token
