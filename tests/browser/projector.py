"""Measuring the projector's shown card in the browser (shared by the dashboard's browser tests)."""

from __future__ import annotations

__all__ = ["MEASURE", "OVERLAPS"]

#: A JS function: the pairs of text boxes ``{el, t, x, y, r, b}`` that overlap (neither inside
#: the other), by their texts; defined inside each measuring function that needs it.
OVERLAPS = """
  const overlapsOf = boxes => {
    const found = [];
    for (let i = 0; i < boxes.length; i++) for (let j = i + 1; j < boxes.length; j++) {
      const a = boxes[i], b = boxes[j];
      if (a.el.contains(b.el) || b.el.contains(a.el)) continue;
      const w = Math.min(a.r, b.r) - Math.max(a.x, b.x), h = Math.min(a.b, b.b) - Math.max(a.y, b.y);
      if (w > 1 && h > 1) found.push([a.t, b.t]);
    }
    return found;
  };
"""

#: The boxes of every visible text-bearing element of the shown card: overlaps, overflow, sizes
MEASURE = (
    "() => {"
    + OVERLAPS
    + """
  const card = document.querySelector('#deck .card:not([hidden])');
  const leaves = [...card.querySelectorAll('h2,p,li,th,td,dt,dd,caption,span,label,button')]
    .filter(el => el.offsetParent !== null && el.innerText && el.innerText.trim()
             && !el.closest('.visually-hidden, thead.visually-hidden'));
  const texts = [...document.querySelectorAll('body *')].filter(el =>
      el.offsetParent !== null && [...el.childNodes].some(n => n.nodeType === 3 && n.textContent.trim())
      && !el.closest('.visually-hidden'));
  const small = texts.map(el => [el.tagName, el.innerText.slice(0, 30),
                                 parseFloat(getComputedStyle(el).fontSize)])
                     .filter(x => x[2] < 24);
  const boxes = leaves.map(el => { const r = el.getBoundingClientRect();
      return {el, t: el.innerText.slice(0, 30), x: r.left, y: r.top, r: r.right, b: r.bottom}; });
  const overlaps = overlapsOf(boxes);
  const outside = boxes.filter(x => x.x < -1 || x.y < -1 || x.r > innerWidth + 1
                                    || x.b > innerHeight + 1).map(x => x.t);
  const qr = card.querySelector('.qr svg');
  return {card: card.dataset.card, small, overlaps, outside,
          qr: qr ? qr.getBoundingClientRect().height / innerHeight : null,
          scroll: [document.documentElement.scrollWidth, document.documentElement.scrollHeight]};
}"""
)
