// The presenter view (netsoc.dashboard.view.presenter_page): one card at a time, arrow keys
// (Home / End: first / last card),
// auto-advance, full screen, and a poll of ./deck that swaps in new cards without a reload.
// Settings come from data- attributes on <body>; texts from the server (already translated).
const body = document.body;
const deck = document.getElementById("deck");
const pos = document.getElementById("nav-pos");
const live = document.getElementById("live");
const pauseButton = document.getElementById("nav-pause");
const interval = Math.max(1, Number(body.dataset.interval || 3)) * 1000;
const advance = Number(body.dataset.advance || 0) * 1000;
let index = 0;
let paused = advance <= 0;
let timer = null;

function cards() { return Array.from(deck.querySelectorAll(".card")); }

function show(i) {
  const all = cards();
  if (!all.length) return;
  index = (i + all.length) % all.length;
  all.forEach((card, j) => { card.hidden = j !== index; });
  pos.textContent = (body.dataset.of || "{i} / {n}")
    .replace("{i}", String(index + 1)).replace("{n}", String(all.length));
}

function restart() {
  if (timer) clearInterval(timer);
  timer = paused ? null : setInterval(() => show(index + 1), advance);
}

function setPaused(value) {
  paused = value || advance <= 0;
  pauseButton.setAttribute("aria-pressed", String(paused));
  pauseButton.textContent = paused ? body.dataset.play : body.dataset.pause;
  restart();
}

document.getElementById("nav-prev").addEventListener("click", () => { show(index - 1); restart(); });
document.getElementById("nav-next").addEventListener("click", () => { show(index + 1); restart(); });
pauseButton.addEventListener("click", () => setPaused(!paused));
document.getElementById("nav-full").addEventListener("click", () => {
  if (document.fullscreenElement) document.exitFullscreen();
  else document.documentElement.requestFullscreen().catch(() => {});
});
document.addEventListener("keydown", (event) => {
  if (event.target.closest && event.target.closest("button, select, input, a")
      && event.key === " ") return;  // a focused button handles its own Space
  if (event.key === "ArrowRight" || event.key === "PageDown") { show(index + 1); restart(); }
  else if (event.key === "ArrowLeft" || event.key === "PageUp") { show(index - 1); restart(); }
  else if (event.key === "Home") { show(0); restart(); }
  else if (event.key === "End") { show(cards().length - 1); restart(); }
  else if (event.key === " ") { event.preventDefault(); setPaused(!paused); }
  else if (event.key === "f" || event.key === "F") document.getElementById("nav-full").click();
  else return;
});

async function poll() {
  try {
    const response = await fetch("deck", { credentials: "same-origin", cache: "no-store" });
    if (response.ok) {
      const data = await response.json();
      if (data.html !== deck.dataset.html) {
        const current = cards()[index];
        const name = current ? current.dataset.card : null;
        deck.innerHTML = data.html;        // built and escaped on the server
        deck.dataset.html = data.html;
        const again = cards().findIndex((card) => card.dataset.card === name);
        show(again >= 0 ? again : 0);
      }
      if (live.textContent !== data.live) live.textContent = data.live;
    }
  } catch (error) {
    // the server restarts or the network blinks: keep the cards on screen and try again
  }
  setTimeout(poll, interval);
}

deck.dataset.html = deck.innerHTML;
if (advance <= 0) pauseButton.hidden = true;  // nothing to pause without auto-advance
show(0);
setPaused(paused);
setTimeout(poll, interval);
