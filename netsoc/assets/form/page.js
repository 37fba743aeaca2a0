// netsoc phone host: the form module (form.js) on an ordinary page, speaking JSON over HTTP.
//
// It gives the form what anywidget gives it in JupyterLab (model.get/set/on/off/send/
// save_changes): `send` POSTs one message to the server with the signed token this browser
// keeps, and the reply comes back as "msg:custom".  A message that cannot be delivered
// (no network, server busy) is sent again until it is; the token and the form's
// unacknowledged answers live in localStorage, so a reload or a lost network loses nothing.

const boot = JSON.parse(document.getElementById("netsoc-boot").textContent);
const KEY = boot.storage;
const listeners = {};
const values = { spec: null, state: null, storage: KEY, online: true };
const specCache = {};

const stored = (() => { try { return JSON.parse(localStorage.getItem(KEY + ":host") || "{}"); } catch { return {}; } })();
let token = stored.token || boot.state.token;
const keep = () => { try { localStorage.setItem(KEY + ":host", JSON.stringify({ token })); } catch { /* private mode */ } };

function emit(name, payload) { for (const cb of listeners[name] || []) cb(payload); }

function set(name, value) {
  values[name] = value;
  emit(`change:${name}`, value);
}

const sleep = (ms) => new Promise((ok) => setTimeout(ok, ms));

async function spec(lang) {
  for (let wait = 500; !specCache[lang]; wait = Math.min(wait * 2, 8000)) {
    try {
      const r = await fetch(boot.specs[lang] || boot.specs[boot.lang]);
      if (r.ok) specCache[lang] = await r.json();
    } catch { /* no network yet: try again */ }
    if (!specCache[lang]) { if (!values.spec) loadFailed(); await sleep(wait); }
  }
  return specCache[lang];
}
let queue = Promise.resolve();

// What the form keeps in localStorage (every answer it holds, the unsent ones on top).
function restoreMessage(msg) {
  let kept = {};
  try { kept = JSON.parse(localStorage.getItem(KEY + ":form") || "{}"); } catch { /* private mode */ }
  const answers = { ...(kept.answers || {}), ...(kept.pending || {}), ...(msg.answers || {}) };
  return { type: "restore", seq: 0, lang: msg.lang, answers, cohort: kept.cohort ?? null };
}

async function deliver(msg) {
  let wait = 1000;
  for (;;) {
    let r = null;
    try {
      r = await fetch(boot.api, { method: "POST",
        headers: { "Content-Type": "application/json", "X-Netsoc-Token": token },
        body: JSON.stringify({ ...msg, token }), cache: "no-store" });
    } catch { r = null; }
    if (r && r.ok) {
      const reply = await r.json();
      if (reply.token) { token = reply.token; keep(); }
      if (!values.online) set("online", true);
      return reply;
    }
    if (r && (r.status === 403 || r.status === 422 || r.status === 413)) {
      // A token this server cannot read (a server with another secret): go on as a new
      // respondent with every answer this page holds, from where it was.
      const why = r.status === 403 ? await r.json().then((j) => j.reason, () => null) : null;
      if (why === "token" && msg.type !== "restore") {
        const reply = await deliver(restoreMessage(msg));
        if (reply.type === "state" && reply.token !== undefined) return { ...reply, seq: msg.seq };
      }
      return { type: "state", seq: msg.seq, state: values.lastState || "active", page: values.lastPage || 0,
        errors: {}, message: values.spec ? values.spec.ui.rejected : "" };
    }
    const reason = r && r.status === 503 ? await r.json().then((j) => j.reason, () => null) : null;
    values.offline_reason = reason === "store" ? "store" : null;  // the form names the store
    if (values.online) set("online", false);
    const after = r && Number(r.headers.get("Retry-After"));
    await sleep(after ? after * 1000 : wait);
    wait = Math.min(wait * 2, 8000);
  }
}

const model = {
  get: (name) => values[name],
  set: (name, value) => set(name, value),
  save_changes: () => {},
  on: (name, cb) => { (listeners[name] ||= []).push(cb); },
  off: (name, cb) => { listeners[name] = (listeners[name] || []).filter((f) => f !== cb); },
  send: (msg) => {
    if (msg.type === "describe") {
      spec(msg.lang).then((s) => { document.documentElement.lang = s.lang; set("spec", s); });
      return;
    }
    queue = queue.then(() => deliver(msg)).then((reply) => {
      if (reply.type === "state") { values.lastState = reply.state; values.lastPage = reply.page; }
      emit("msg:custom", reply);
    });
  },
};

// A file that could not be loaded (refused, no network) is asked for again with backoff,
// and the page says so in the participant's language instead of staying blank.
function loadFailed() {
  const root = document.getElementById("netsoc-root");
  if (root.querySelector(".netsoc-load-failed")) return;
  const p = document.createElement("p");
  p.className = "netsoc-message netsoc-load-failed";
  p.setAttribute("role", "status");
  p.textContent = boot.texts.load_failed;
  const app = document.createElement("div");
  app.className = "netsoc-app";
  app.append(p);
  root.replaceChildren(app);
}

async function loadForm() {
  for (let wait = 500, n = 0; ; wait = Math.min(wait * 2, 8000), n += 1) {
    try { return await import(n ? `${boot.form}?retry=${n}` : boot.form); } catch { loadFailed(); }
    await sleep(wait);
  }
}

async function start() {
  const root = document.getElementById("netsoc-root");
  const reopened = stored.token && stored.token !== boot.state.token;
  const first = reopened ? null : boot.state;
  if (!reopened) keep();
  values.spec = await spec(boot.lang);
  values.state = first;
  const { render } = await loadForm();
  root.replaceChildren();
  render({ model, el: root });
  if (reopened) model.send({ type: "hello", seq: 0 });
}

start();
