// netsoc questionnaire: one ES module for every host (anywidget's front-end module convention).
//
// render({model, el}) draws consent, the fields, the item pages in the participant's
// order, the comment, progress, back/next, the language switch, resume, errors and the
// feedback from `model.get("spec")` (the instrument in one language) and the replies to
// its messages (`model.send(msg)` -> "msg:custom").  Python (SurveyModel) holds every rule;
// this module only draws and carries answers.  In JupyterLab anywidget is the host; on
// phones page.js is (JSON over HTTP).  With `model.get("storage")` set, answers not yet
// acknowledged by the server are kept in localStorage and sent again.

const h = (tag, attrs = {}, ...kids) => {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === null || v === undefined || v === false) continue;
    if (k === "class") e.className = v;
    else if (k === "text") e.textContent = v;
    else if (k.startsWith("on")) e.addEventListener(k.slice(2), v);
    else e.setAttribute(k, v === true ? "" : v);
  }
  for (const kid of kids.flat()) if (kid !== null && kid !== undefined && kid !== false)
    e.append(kid instanceof Node ? kid : document.createTextNode(String(kid)));
  return e;
};

const fill = (text, values = {}) =>
  String(text).replace(/\{(\w+)\}/g, (m, k) => (k in values ? String(values[k]) : m));

let counter = 0;

class Form {
  constructor(model, el) {
    this.model = model;
    this.el = el;
    this.uid = `nf${++counter}`;
    this.spec = model.get("spec");
    this.key = model.get("storage") || null;
    const saved = this.load();
    this.seq = saved.seq || 0;
    this.pending = saved.pending || {};
    this.feedback = saved.feedback || null;
    this.answers = {};
    this.pages = [];
    this.page = 0;
    this.state = "loading";
    this.errors = {};
    this.message = "";
    this.code = "";
    this.shownCode = "";  // the resume code last brought into view
    this.cohort = { value: null, ask: false, note: null };
    this.wave = saved.wave || null;  // {wave, linked, code}: the workshop runs in waves
    this.link = {};
    this.waiting = null;
    this.online = true;
    this.onReply = (msg) => this.reply(msg);
    this.onSpec = () => {
      this.spec = this.model.get("spec");
      this.draw(false);
      const sel = this.root.querySelector(".netsoc-language");
      if (sel) sel.focus(); else this.h2.focus();
    };
    this.onOnline = () => this.setOnline(this.model.get("online") !== false);
    model.on("msg:custom", this.onReply);
    model.on("change:spec", this.onSpec);
    model.on("change:online", this.onOnline);
    this.root = h("div", { class: "netsoc-app" });
    // One live region and one error summary for the form's life: screen readers announce
    // changes of a region they know, not a region that was just replaced.
    this.live = h("p", { class: "netsoc-message netsoc-live", role: "status" });
    this.summary = h("div", { class: "netsoc-error-summary", role: "alert", tabindex: "-1", hidden: true });
    el.append(this.root);
    const first = model.get("state");
    if (first) this.reply(first);
    else this.draw(true);
  }

  // "Your workshop": the feedback carries it when it can be shown; otherwise ask every 30 s
  // while the feedback is open, until it can (the feedback itself was the first answer).
  watchRoom() {
    if (this.roomTimer || !this.feedback || !this.feedback.room || this.roomDone) return;
    const ask = () => this.model.send({ type: "room", seq: 0, lang: this.spec.lang });
    this.roomTimer = setInterval(ask, 30000);
  }

  room(msg) {
    if (!msg.section) return;
    this.roomDone = true;
    clearInterval(this.roomTimer);
    const p = this.root.querySelector(".netsoc-room p");
    if (p) { p.textContent = msg.section.summary; p.className = ""; }
  }

  destroy() {
    clearInterval(this.roomTimer);
    this.model.off("msg:custom", this.onReply);
    this.model.off("change:spec", this.onSpec);
    this.model.off("change:online", this.onOnline);
    this.root.remove();
  }

  // ------------------------------------------------------------ storage
  load() {
    if (!this.key) return {};
    try { return JSON.parse(localStorage.getItem(this.key + ":form") || "{}"); } catch { return {}; }
  }

  save() {
    if (!this.key) return;
    try {
      localStorage.setItem(this.key + ":form", JSON.stringify(
        { seq: this.seq, pending: this.pending, feedback: this.feedback, wave: this.wave,
          answers: ["active", "closed"].includes(this.state) ? this.answers : {}, cohort: this.cohortText ?? null }));
    } catch { /* private mode: the server's draft still holds what was acknowledged */ }
  }

  t(key, values) { return fill(this.spec.ui[key] ?? key, values); }

  // ----------------------------------------------------------- messages
  send(msg) {
    if (this.online) this.notice = "";
    this.seq += 1;
    const out = { ...msg, seq: this.seq, lang: this.spec.lang };
    this.waiting = out;
    this.save();
    this.model.send(out);
    this.drawBusy();
  }

  sendPage(go, type = "page") {
    const ids = this.pages[this.page] ? this.pages[this.page][1] : [];
    // earlier pages' answers the server has not saved yet (a failed draft save) go along
    const answers = this.page >= 1 ? { ...this.pending } : {};
    for (const id of ids) if (id in this.answers) answers[id] = this.answers[id];
    const msg = { type, page: this.page, answers, go };
    if (this.page === 1 && this.consented) msg.consent = true;
    if (this.cohort.ask && this.kind() === "fields") msg.cohort = this.cohortText ?? "";
    if (type === "submit" && this.wave) msg.link = this.link;
    this.send(msg);
  }

  reply(msg) {
    if (msg && msg.type === "room") return this.room(msg);
    if (!msg || msg.type !== "state") return;
    if (this.waiting && msg.seq && msg.seq < this.waiting.seq) return;  // an older reply
    const acked = this.waiting && msg.seq === this.waiting.seq ? this.waiting : null;
    if (typeof msg.last === "number") this.seq = Math.max(this.seq, msg.last);
    if (acked) {
      // a draft the server could not save keeps its answers queued here (sent again)
      if (!msg.unsaved) for (const [id, v] of Object.entries(acked.answers || {}))
        if (this.pending[id] === v) delete this.pending[id];
      this.waiting = null;
    } else if (this.waiting === null || msg.seq === 0) {
      this.waiting = null;
    }
    const moved = msg.page !== this.page || msg.state !== this.state;
    if (msg.pages) this.pages = msg.pages;
    // "taken": the store no longer has this device's answers; keep the ones shown here
    if (msg.answers && msg.state !== "taken") this.answers = { ...msg.answers, ...this.pending };
    if (msg.cohort) this.cohort = msg.cohort;
    this.page = msg.page;
    this.state = msg.state;
    this.errors = msg.errors || {};
    this.message = msg.message || "";
    this.code = msg.code || "";
    if (msg.feedback) this.feedback = msg.feedback;
    if ("wave" in msg) this.wave = msg.wave;
    this.save();
    if (msg.lang && msg.lang !== this.spec.lang) this.model.send({ type: "describe", lang: msg.lang });
    this.draw(moved);
    const unsent = !msg.unsaved && this.state === "active" && this.page >= 1 && !this.waiting &&
      this.pages[this.page] && this.pages[this.page][1].some((id) => id in this.pending);
    if (unsent) this.sendPage("stay");
    else if (Object.keys(this.errors).length && !moved) this.focusSummary();
  }

  setOnline(online) {
    if (online === this.online) return;
    this.online = online;
    const down = !online && this.model.get("offline_reason") === "store";
    this.notice = this.t(online ? "back_online" : down ? "store_down" : "offline");  // kept until the next message
    this.status(this.notice);
  }

  // ------------------------------------------------------------ drawing
  kind() { return this.pages[this.page] ? this.pages[this.page][0] : "welcome"; }

  heading() {
    const s = this.state;
    if (s === "declined") return this.t("declined_heading");
    if (s === "submitted") return this.t("results_thanks");
    if (s === "closed") return this.t("closed_heading");
    if (s === "taken") return this.t("taken_heading");
    return this.t({ welcome: "consent_heading", fields: "about_you_heading",
      items: "items_prompt", comment: "almost_done" }[this.kind()]);
  }

  draw(moved = false) {
    const spec = this.spec;
    this.root.lang = spec.lang;
    this.root.replaceChildren();
    this.title = h("h1", { class: "netsoc-title", text: spec.title });
    this.h2 = h("h2", { class: "netsoc-page-heading", tabindex: "-1", id: `${this.uid}-h`,
      text: this.state === "loading" ? spec.title : this.heading() });
    const said = this.message || this.notice || "";
    if (this.live.textContent !== said) this.live.textContent = said;
    this.root.append(this.title, this.h2);
    if (this.state === "active" && this.page > 0) this.root.append(this.progress());
    if (this.state !== "active") this.summary.hidden = true;
    this.root.append(this.summary, this.live);
    const body = h("div", { class: "netsoc-body" });
    this.root.append(body);
    if (this.state === "active") {
      body.append(...{ welcome: () => this.welcome(), fields: () => this.fields(),
        items: () => this.items(), comment: () => this.comment() }[this.kind()]());
      if (this.page > 0) this.root.append(this.nav());
      if (this.code) this.root.append(this.codeBox());
      this.drawSummary();
    } else if (this.state === "submitted") { body.append(this.results()); this.watchRoom(); }
    else if (this.state === "declined") body.append(h("p", { text: this.t("declined_text") }));
    else if (this.state === "closed") body.append(...this.closed());
    else if (this.state === "taken") body.append(...this.taken());
    if (moved) this.h2.focus();
    this.showNewCode();
  }

  // A code just given (after "Save and finish later") is brought into view and focused,
  // so on a phone the page visibly changes and a screen reader reads it out.
  showNewCode() {
    const box = this.root.querySelector(".netsoc-resume-code");
    if (!box || this.code === this.shownCode) return;
    this.shownCode = this.code;
    box.scrollIntoView({ block: "center" });
    box.focus({ preventScroll: true });
  }

  status(text) { if (this.live) this.live.textContent = text; }

  // Closed by the facilitator: someone in the middle keeps their answers on the server and
  // can go on from the same page when it reopens ("Try again" asks whether it has).
  closed() {
    if (this.page < 1) return [h("p", { class: "netsoc-closed", text: this.t("closed_text") })];
    return [h("p", { class: "netsoc-closed", text: this.t("closed_kept") }),
      h("button", { type: "button", class: "netsoc-reopen",
        onclick: () => { if (!this.waiting) this.send({ type: "hello" }); } }, this.t("reopen_check"))];
  }

  drawBusy() {
    for (const b of this.root.querySelectorAll(".netsoc-nav button, .netsoc-resume"))
      b.setAttribute("aria-disabled", "true");
    const s = this.root.querySelector(".netsoc-submit");
    if (s && this.waiting && this.waiting.type === "submit") s.textContent = this.t("sending");
  }

  progress() {
    const [k, n] = this.progressOf();
    const label = this.t("progress", { page: k, pages: n });
    return h("div", { class: "netsoc-progress" },
      h("span", { class: "netsoc-progress-label", id: `${this.uid}-pl`, text: label }),
      h("progress", { class: "netsoc-progressbar", max: n, value: k, "aria-labelledby": `${this.uid}-pl` }));
  }

  progressOf() { return [this.page, this.pages.length - 1]; }

  setAnswer(id, value) {
    if (value === null || value === "") delete this.answers[id];
    else this.answers[id] = value;
    this.pending[id] = value === "" ? null : value;
    if (id in this.errors) {
      delete this.errors[id];
      const box = this.root.querySelector(`[data-qid="${id}"]`);
      if (box) this.markError(box, id);
      this.drawSummary();
    }
    this.save();
  }

  markError(box, id) {
    const err = box.querySelector(".netsoc-error");
    const problem = this.errors[id];
    err.textContent = problem ? problem.text : "";
    err.hidden = !problem;
    box.classList.toggle("netsoc-invalid", !!problem);
    for (const input of box.querySelectorAll("input, select, textarea")) {
      if (problem) input.setAttribute("aria-invalid", "true");
      else input.removeAttribute("aria-invalid");
    }
  }

  drawSummary() {
    const ids = Object.keys(this.errors).filter((id) => id !== "resume" && id !== this.spec.consent.id);
    this.summary.replaceChildren();
    this.summary.hidden = ids.length === 0;
    if (!ids.length) return;
    const text = ids.length === 1 ? this.t("page_errors_one") : this.t("page_errors_other", { n: ids.length });
    const list = h("ul", {});
    for (const id of ids) {
      const target = `${this.uid}-q-${id}`;
      list.append(h("li", {}, h("a", { href: `#${target}`, onclick: (ev) => {
        ev.preventDefault();
        const el = document.getElementById(target);
        if (el) el.focus();
      } }, this.errorName(id)),
      // a statement without an answer needs no more words; other problems say what is wrong
      " – ", this.errors[id].code === "required" ? this.t("no_answer_yet") : this.errors[id].text));
    }
    this.summary.append(h("p", { text }), list);
  }

  // What the summary names: the statement, field or comment the problem is in.
  errorName(id) {
    const q = this.spec.questions[id];
    const f = (this.spec.fields || []).find((x) => x.id === id);
    const c = this.spec.comment && this.spec.comment.id === id ? this.spec.comment : null;
    return (q && q.text) || (f && f.label) || (c && c.label) || (id === "cohort" && this.spec.cohort.label) || id;
  }

  focusSummary() { if (this.summary && !this.summary.hidden) this.summary.focus(); }

  errorEl(id) {
    return h("p", { class: "netsoc-error", id: `${this.uid}-e-${id}`, hidden: true });
  }

  welcome() {
    const s = this.spec;
    const parts = [];
    if (s.languages.length > 1) {
      const sel = h("select", { id: `${this.uid}-lang`, class: "netsoc-language",
        onchange: (ev) => this.model.send({ type: "describe", lang: ev.target.value }) },
        s.languages.map(([tag, name]) => h("option", { value: tag, selected: tag === s.lang, lang: tag }, name)));
      parts.push(h("p", { class: "netsoc-field" },
        h("label", { for: `${this.uid}-lang`, text: this.t("language") }), " ", sel));
    }
    if (this.cohort.note) parts.push(h("p", { class: "netsoc-note", text: this.cohort.note }));
    parts.push(h("p", { text: s.description }),
      h("p", { text: this.t("welcome_time", { minutes: s.minutes }) }),
      h("p", { text: s.consent.text }));
    const cid = s.consent.id;
    parts.push(h("div", { class: "netsoc-nav netsoc-consent-box" },
      h("button", { type: "button", class: "netsoc-consent netsoc-primary", onclick: () => this.agree() }, s.consent.agree),
      h("button", { type: "button", class: "netsoc-decline", onclick: () => this.send({ type: "decline" }) }, s.consent.decline)));
    const rid = `${this.uid}-resume`;
    const input = h("input", { type: "text", id: rid, class: "netsoc-resume-input", autocomplete: "off",
      autocapitalize: "characters", spellcheck: "false", maxlength: "40",
      placeholder: this.t("resume_placeholder", { code: "7K2M9QX4PT" }),
      "aria-describedby": `${this.uid}-e-resume` });
    const form = h("form", { class: "netsoc-resume-form", "data-qid": "resume", onsubmit: (ev) => {
      ev.preventDefault();
      this.send({ type: "resume", code: input.value });
    } },
      h("h3", { text: this.t("resume_heading") }), h("p", { text: this.t("resume_hint") }),
      h("label", { for: rid, text: this.t("resume_label") }), input,
      h("button", { type: "submit", class: "netsoc-resume" }, this.t("resume_button")),
      this.errorEl("resume"));
    this.markError(form, "resume");
    if (this.errors[cid]) parts.push(h("p", { class: "netsoc-error", text: this.errors[cid].text }));
    parts.push(form);
    return parts;
  }

  agree() {
    // Agreeing needs no round trip: consent travels with the first page's answers.
    this.consented = true;
    this.page = 1;
    this.errors = {};
    this.draw(true);
  }

  fields() {
    const parts = [h("p", { text: this.t("about_you_hint") })];
    for (const f of this.spec.fields) {
      const id = `${this.uid}-q-${f.id}`;
      let control;
      const describedby = `${this.uid}-e-${f.id}`;
      if (f.kind === "choice") {
        control = h("select", { id, class: `netsoc-item-${f.id}`, "aria-describedby": describedby,
          onchange: (ev) => this.setAnswer(f.id, ev.target.value || null) },
          h("option", { value: "" }, this.t("choose_answer")),
          f.options.map(([code, label]) => h("option", { value: code, selected: this.answers[f.id] === code }, label)));
      } else {
        control = h("input", { type: "text", id, class: `netsoc-item-${f.id}`, value: this.answers[f.id] ?? "",
          maxlength: f.max_length || 200, "aria-describedby": describedby,
          oninput: (ev) => this.setAnswer(f.id, ev.target.value) });
      }
      const box = h("div", { class: "netsoc-question netsoc-field", "data-qid": f.id },
        h("label", { for: id }, f.label, f.required ? "" : ` (${this.t("optional")})`), control, this.errorEl(f.id));
      this.markError(box, f.id);
      parts.push(box);
    }
    if (this.cohort.ask) {
      const id = `${this.uid}-q-cohort`;
      const input = h("input", { type: "text", id, class: "netsoc-cohort", maxlength: this.spec.cohort.max_length,
        value: this.cohortText ?? this.cohort.value ?? "", autocomplete: "off",
        "aria-describedby": `${this.uid}-e-cohort`, oninput: (ev) => {
          this.cohortText = ev.target.value;
          if (this.errors.cohort) { delete this.errors.cohort; this.markError(box, "cohort"); this.drawSummary(); }
        } });
      const box = h("div", { class: "netsoc-question netsoc-field", "data-qid": "cohort" },
        h("label", { for: id }, this.spec.cohort.label, ` (${this.t("optional")})`), input, this.errorEl("cohort"));
      this.markError(box, "cohort");
      parts.push(box);
    } else if (this.cohort.value) {
      parts.push(h("p", { class: "netsoc-workshop", text: this.t("workshop", { cohort: this.cohort.value }) }));
    }
    return parts;
  }

  items() {
    const all = this.pages.filter((p) => p[0] === "items").flatMap((p) => p[1]);
    return this.pages[this.page][1].map((qid) => this.question(qid, all.indexOf(qid) + 1, all.length));
  }

  question(qid, number, total) {
    const q = this.spec.questions[qid];
    const gid = `${this.uid}-q-${qid}`;
    const errId = `${this.uid}-e-${qid}`;
    const current = this.answers[qid];
    const options = h("div", { class: "netsoc-options" });
    q.options.forEach(([code, label], k) => {
      const oid = `${gid}-${k}`;
      const input = h("input", { type: "radio", name: gid, id: k === 0 ? gid : oid, value: code,
        checked: current === code, required: q.required, "aria-describedby": errId,
        onchange: () => this.setAnswer(qid, code) });
      // The first radio carries the group's id so the error summary can focus the group.
      if (k === 0) input.id = gid;
      options.append(h("label", { class: "netsoc-option", for: input.id }, input, h("span", { text: label })));
    });
    const legend = h("legend", {},
      h("span", { class: "netsoc-qnum", "aria-hidden": "true", text: `${number}.` }), " ",
      h("span", { class: "netsoc-qtext", text: q.text }),
      h("span", { class: "netsoc-sr-only", text: ` (${this.t("question_of", { number, total })})` }));
    const box = h("fieldset", { class: `netsoc-question netsoc-fieldset netsoc-item-${qid}`, "data-qid": qid },
      legend, options, this.errorEl(qid));
    this.markError(box, qid);
    return box;
  }

  comment() {
    const parts = [];
    const c = this.spec.comment;
    if (c) {
      const id = `${this.uid}-q-${c.id}`;
      const hintId = `${this.uid}-hint-${c.id}`;
      const area = h("textarea", { id, class: `netsoc-item-${c.id}`, maxlength: c.max_length, rows: 5,
        "aria-describedby": `${hintId} ${this.uid}-e-${c.id}`, oninput: (ev) => this.setAnswer(c.id, ev.target.value) });
      area.value = this.answers[c.id] ?? "";
      const box = h("div", { class: "netsoc-question netsoc-field netsoc-comment", "data-qid": c.id },
        h("label", { for: id, text: c.label }), area,
        h("p", { class: "netsoc-hint", id: hintId, text: this.t("comment_hint") }), this.errorEl(c.id));
      this.markError(box, c.id);
      parts.push(box);
    }
    if (this.wave && !this.wave.linked) parts.push(this.linkBox());
    parts.push(h("p", { text: this.t("submit_hint", { submit: this.t("submit") }) }));
    return parts;
  }

  // Linking the two rounds without a name (netsoc.server.waves): three answers only the
  // participant knows, and in the post wave the personal code the pre wave showed.
  linkBox() {
    const choices = { letter: [..."ABCDEFGHIJKLMNOPQRSTUVWXYZ"],
      day: Array.from({ length: 31 }, (_, i) => String(i + 1)), siblings: ["0", "1", "2", "3", "4", "5+"] };
    const hintId = `${this.uid}-link-hint`;
    const rows = Object.entries(choices).map(([key, values]) => {
      const id = `${this.uid}-link-${key}`;
      return h("div", { class: "netsoc-question netsoc-field" },
        h("label", { for: id, text: this.t(`link_${key}`) }),
        h("select", { id, class: `netsoc-link-${key}`, "aria-describedby": hintId,
          onchange: (ev) => { this.link[key] = ev.target.value || null; } },
          h("option", { value: "" }, this.t("choose_answer")),
          values.map((v) => h("option", { value: v, selected: this.link[key] === v }, v))));
    });
    if (this.wave.wave === "post") {
      const id = `${this.uid}-link-code`;
      rows.push(h("div", { class: "netsoc-question netsoc-field" },
        h("label", { for: id, text: this.t("link_code_label") }),
        h("input", { type: "text", id, class: "netsoc-link-code", autocomplete: "off", maxlength: "40",
          autocapitalize: "characters", spellcheck: "false", value: this.link.code || "",
          oninput: (ev) => { this.link.code = ev.target.value.trim() || null; } })));
    }
    return h("fieldset", { class: "netsoc-link" },
      h("legend", { text: this.t("link_heading") }), h("p", { class: "netsoc-hint", id: hintId, text: this.t("link_hint") }),
      ...rows);
  }

  nav() {
    const last = this.page === this.pages.length - 1;
    return h("div", { class: "netsoc-nav" },
      this.page > 1 ? h("button", { type: "button", class: "netsoc-back", onclick: () => this.go("back") }, this.t("back")) : null,
      last ? h("button", { type: "button", class: "netsoc-submit netsoc-primary", onclick: () => this.go("submit") }, this.t("submit"))
        : h("button", { type: "button", class: "netsoc-next netsoc-primary", onclick: () => this.go("next") }, this.t("next")),
      h("button", { type: "button", class: "netsoc-save", onclick: () => this.go("save") }, this.t("save")));
  }

  go(where) {
    if (this.waiting) return;  // one message at a time; the host resends it if needed
    if (where === "submit") this.sendPage("stay", "submit");
    else this.sendPage(where);
  }

  codeBox() {
    const status = h("span", { class: "netsoc-copy-status", role: "status" });
    return h("div", { class: "netsoc-resume-code", tabindex: "-1" },
      h("p", {}, this.t("resume_code_label"), " ", h("strong", { class: "netsoc-code", text: this.code })),
      h("button", { type: "button", class: "netsoc-copy", onclick: async () => {
        try { await navigator.clipboard.writeText(this.code); status.textContent = this.t("copied"); }
        catch { status.textContent = this.t("copy_failed"); }
      } }, this.t("copy")), status);
  }

  results() {
    const box = h("div", { class: "netsoc-feedback" });
    const fb = this.feedback;
    if (!fb) return box;
    const page = h("div", { class: "netsoc-feedback-body" });
    page.innerHTML = fb.html;  // built and escaped by the server (netsoc.feedback)
    const keep = h("button", { type: "button", class: "netsoc-keep-result", onclick: () =>
      download(fb.filename || "result.html", fb.result_html || resultPage(this.spec.lang, fb), "text/html") },
      this.t("keep_result"));
    box.append(h("div", { class: "netsoc-keep" }, keep, h("p", { class: "netsoc-hint", text: this.t("keep_result_hint") })), page);
    if (this.wave && this.wave.code) {  // the erase code (shown in the feedback) links the rounds
      box.append(h("section", { class: "netsoc-pre-code", "aria-labelledby": `${this.uid}-pc` },
        h("h3", { id: `${this.uid}-pc`, text: this.t("pre_code_heading") }),
        h("p", {}, this.t("pre_code_text"), " ",
          h("strong", { class: "netsoc-code", translate: "no", text: this.wave.code }))));
    }
    return box;
  }

  taken() {
    const lines = [this.spec.title, ""];
    for (const [, ids] of this.pages) for (const id of ids) {
      if (!(id in this.answers)) continue;
      const q = this.spec.questions[id];
      const f = this.spec.fields.find((x) => x.id === id);
      const v = this.answers[id];
      if (q) lines.push(`${q.text}: ${(q.options.find((o) => o[0] === v) || [v, v])[1]}`);
      else if (f && f.options) lines.push(`${f.label}: ${(f.options.find((o) => o[0] === v) || [v, v])[1]}`);
      else lines.push(`${(f && f.label) || (this.spec.comment && this.spec.comment.label) || id}: ${v}`);
    }
    return [h("p", { class: "netsoc-taken", text: this.t("taken_text") }),
      h("button", { type: "button", class: "netsoc-keep-answers", onclick: () =>
        download(`${this.spec.id}-my-answers.txt`, lines.join("\n"), "text/plain") }, this.t("keep_answers"))];
  }
}

// The feedback as a page of its own to keep: the server's escaped HTML, no script.
function resultPage(lang, fb) {
  const title = document.createElement("title");
  title.textContent = fb.title || "";
  return `<!doctype html><html lang="${lang}"><head><meta charset="utf-8">` +
    `<meta name="viewport" content="width=device-width, initial-scale=1">${title.outerHTML}</head>` +
    `<body>${fb.html}</body></html>`;
}

function download(name, text, type) {
  const url = URL.createObjectURL(new Blob([text], { type: `${type};charset=utf-8` }));
  const a = h("a", { href: url, download: name });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

export function render({ model, el }) {
  const form = new Form(model, el);
  return () => form.destroy();
}

export default { render };
