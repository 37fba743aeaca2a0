"""A fix for anywidget's start-up time-out, shared by every netsoc widget.

anywidget (0.9 to 0.11 at least) gives each model two seconds to load its
ES module.  A model that takes longer - a slow phone, a browser under load,
30 participants sharing one 2-core machine in the load test - is then deaf
for good: every later update from Python is dropped with "[anywidget] Failed
to initialize model.", so the page never changes (one participant in 30 was
stuck on a page that way).

:data:`KEEP_LISTENING_JS` is prepended to each netsoc ES module and exported
as its ``initialize``.  The first netsoc model to start, once per page:

- lets a message whose wait ended in that time-out be applied all the same
  (netsoc widgets only; other anywidgets keep anywidget's behaviour);
- asks Python for the state of every netsoc widget that already exists
  (``request_state``), in case an update was dropped before the fix was in.

It reaches into ``widget_manager._models`` and the model class's
``_handle_comm_msg``; when a future anywidget or ipywidgets changes those,
it does nothing.
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
  // not awaited: anywidget waits for initialize before the model is ready
  listenAgain(manager).catch((error) => console.warn("[netsoc] keepListening:", error));
}
async function listenAgain(manager) {
  const settled = await Promise.allSettled(Object.values(manager._models));
  const ours = settled.filter((r) => r.status === "fulfilled" && r.value && isNetsoc(r.value))
    .map((r) => r.value);
  if (!ours.length) return;
  const proto = Object.getPrototypeOf(ours[0]);
  const base = Object.getPrototypeOf(proto)._handle_comm_msg;
  if (!proto.__netsocListening && typeof base === "function") {
    const original = proto._handle_comm_msg;
    proto._handle_comm_msg = async function (...msg) {
      try {
        return await original.apply(this, msg);
      } catch (error) {
        if (!isNetsoc(this) || !String(error && error.message).includes("Failed to initialize model"))
          throw error;
        if (!this.__netsocLate) {
          this.__netsocLate = true;
          console.warn("[netsoc] a widget started after anywidget's time-out; its updates are applied");
        }
        return base.apply(this, msg);
      }
    };
    proto.__netsocListening = true;
  }
  for (const m of ours) if (m.comm) m.comm.send({ method: "request_state" });
}
"""

