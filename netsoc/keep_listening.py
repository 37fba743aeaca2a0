"""A fix for anywidget's start-up time-out, shared by every netsoc widget.

anywidget (0.9 to 0.11 at least) gives each model two seconds to load its
ES module.  A model that takes longer - a slow phone, a browser under load,
30 participants sharing one 2-core machine in the load test - is then deaf
for good: every later update from Python is dropped with "[anywidget] Failed
to initialize model.", so the page never changes (one participant in 30 was
stuck on a page that way).

:data:`KEEP_LISTENING_JS` is prepended to each netsoc ES module and exported
as its ``initialize``.  The first netsoc model to start, once per page:

- makes netsoc models handle messages from Python at once, with ipywidgets'
  own handler, instead of waiting for anywidget's start-up (a netsoc module
  registers no message handlers in ``initialize`` and its views read the
  state when drawn, so there is nothing to wait for); other anywidgets keep
  anywidget's behaviour;
- gives the netsoc models that already exist that handler too, and has them
  ask Python for their state again (``request_state``), in case an update
  was dropped before.

It reaches into ``widget_manager._models``, ``comm.on_msg`` and the model
class's ``_handle_comm_msg``; when a future anywidget or ipywidgets changes
those, it does nothing.
"""

from __future__ import annotations

__all__ = ["KEEP_LISTENING_JS"]

KEEP_LISTENING_JS = """
const NETSOC_PREFIX = "netsoc.";
function isNetsoc(model) {
  return String(model.get("_anywidget_id") || "").startsWith(NETSOC_PREFIX);
}
function keepListening({ model }) {
  const manager = model.widget_manager;
  if (!manager || !manager._models || manager.__netsocListening) return;
  manager.__netsocListening = true;
  // each model on its own, never waiting for all (one may be slow to load);
  // nothing awaited here: anywidget waits for initialize before the model is ready
  for (const promise of Object.values(manager._models)) {
    Promise.resolve(promise).then((m) => {
      if (!m || !isNetsoc(m) || !m.comm) return;
      const direct = patchModelClass(Object.getPrototypeOf(m));
      if (!direct) return;
      // the model bound its handler when it was made: bind the direct one instead
      m.comm.on_msg((msg) => direct.call(m, msg));
      m.comm.send({ method: "request_state" });
    }, () => {});
  }
}
// Models made from now on handle their messages at once (ipywidgets' own
// handler), without anywidget's wait for the module: a netsoc module adds no
// message handlers in initialize, and its views read the state when drawn.
function patchModelClass(proto) {
  const direct = Object.getPrototypeOf(proto)._handle_comm_msg;
  if (typeof direct !== "function") return null;
  if (!proto.__netsocListening) {
    const original = proto._handle_comm_msg;
    proto._handle_comm_msg = function (...msg) {
      return (isNetsoc(this) ? direct : original).apply(this, msg);
    };
    proto.__netsocListening = true;
  }
  return direct;
}
"""
