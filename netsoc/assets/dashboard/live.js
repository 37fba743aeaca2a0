// The dashboard's live region (netsoc.dashboard.view.LiveHTML); keepListening is prepended
// from netsoc/keep_listening.py.
function render({ model, el }) {
  const box = document.createElement("div");
  box.setAttribute("role", "status");
  box.setAttribute("aria-live", "polite");
  box.setAttribute("aria-atomic", "true");
  box.className = "netsoc-live";
  el.replaceChildren(box);
  function draw() {
    box.innerHTML = model.get("html");   // built and escaped on the server
    const lang = model.get("lang");
    const dash = el.closest(".netsoc-dash");
    if (lang && dash) dash.setAttribute("lang", lang);
    if (lang) el.setAttribute("lang", lang);
  }
  draw();
  model.on("change:html", draw);
  model.on("change:lang", draw);
}
export default { initialize: keepListening, render };
