"""The feedback charts as small inline SVG strings (no matplotlib, nothing per person but markers).

Each chart is an ``<svg role="img">`` named by a short summary sentence
(``aria-label``) and pointing at the table that holds its numbers
(``aria-describedby``).  The parts that do not depend on the person (axes,
ticks, row labels, legend) are built once per instrument language and
cached; a participant's chart is that template plus a few markers.

Colour never carries meaning alone: rows are labelled in text, networking is
a circle and socializing a square, and the legend names every mark.  All
text is near-black on a white panel (17:1), and every mark has at least
4.5:1 contrast against the panel.  The SVGs scale with their container
(``viewBox``, ``width="100%"``), so they reflow down to 320 px.
"""

from __future__ import annotations

import functools
import html
from collections.abc import Sequence

__all__ = ["NET_COLOR", "SOC_COLOR", "INK", "balance_svg", "scores_svg", "facets_svg"]

#: Networking (6.4:1 on white), socializing (4.8:1), text and axes (17:1).
NET_COLOR = "#1f5fa8"
SOC_COLOR = "#b35900"
INK = "#1a1a1a"
GREY = "#595959"  # 7:1

W = 400
_FONT = 'font-size="13" fill="' + INK + '"'


def _a(text: str) -> str:
    return html.escape(text, quote=True)


def _svg(height: float, label: str, described_by: str, body: str) -> str:
    return (
        f'<svg role="img" aria-label="{_a(label)}" aria-describedby="{_a(described_by)}" '
        f'viewBox="0 0 {W} {height:g}" width="100%" preserveAspectRatio="xMinYMin meet" '
        f'style="max-width:{W * 1.25:g}px;height:auto;display:block" '
        f'xmlns="http://www.w3.org/2000/svg"><rect width="{W}" height="{height:g}" '
        f'fill="#ffffff"/>{body}</svg>'
    )


def _x(value: float, lo: float, hi: float, x0: float, x1: float) -> float:
    return x0 + (min(max(value, lo), hi) - lo) / (hi - lo) * (x1 - x0)


def _ticks(lo: float, hi: float, step: float, x0: float, x1: float, y: float, labels: Sequence[str]) -> str:
    out = []
    n = round((hi - lo) / step)
    for i, lab in zip(range(n + 1), labels):
        x = _x(lo + i * step, lo, hi, x0, x1)
        out.append(
            f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{y:g}" y2="{y + 5:g}" stroke="{GREY}"/>'
            f'<text x="{x:.1f}" y="{y + 18:g}" text-anchor="middle" {_FONT}>{_a(lab)}</text>'
        )
    return "".join(out)


# ------------------------------------------------------------------ balance
_B0, _B1, _BY = 30.0, 370.0, 46.0


@functools.lru_cache(maxsize=32)
def _balance_template(left: str, right: str, tick_labels: tuple[str, ...]) -> str:
    return (
        f'<line x1="{_B0}" x2="{_B1}" y1="{_BY}" y2="{_BY}" stroke="{GREY}" stroke-width="2"/>'
        + _ticks(-1, 1, 0.5, _B0, _B1, _BY, tick_labels)
        + f'<text x="{_B0}" y="{_BY + 38}" text-anchor="start" {_FONT}>\u2190 {_a(left)}</text>'
        + f'<text x="{_B1}" y="{_BY + 38}" text-anchor="end" {_FONT}>{_a(right)} \u2192</text>'
    )


def balance_svg(
    value: float,
    low: float,
    high: float,
    *,
    left: str,
    right: str,
    value_text: str,
    tick_labels: Sequence[str],
    label: str,
    described_by: str,
) -> str:
    """The balance index on a line from -1 (``left``, socializing) to +1 (``right``).

    A dark diamond marks the value (printed above it), a bracket its likely range.
    """
    body = _balance_template(left, right, tuple(tick_labels))
    if value == value:
        x = _x(value, -1, 1, _B0, _B1)
        if low == low and high == high:
            xl, xh = _x(low, -1, 1, _B0, _B1), _x(high, -1, 1, _B0, _B1)
            body += (
                f'<path d="M{xl:.1f} {_BY - 8} v-6 H{xh:.1f} v6" fill="none" '
                f'stroke="{INK}" stroke-width="2"/>'
            )
        body += (
            f'<path d="M{x:.1f} {_BY - 9} l8 9 l-8 9 l-8 -9 z" fill="{INK}"/>'
            f'<text x="{min(max(x, 40), W - 40):.1f}" y="{_BY - 20}" text-anchor="middle" '
            f'font-size="14" font-weight="bold" fill="{INK}">{_a(value_text)}</text>'
        )
    return _svg(_BY + 48, label, described_by, body)


# ------------------------------------------------------------------- scores
_S0, _S1, _ROW, _TOP = 112.0, 388.0, 36.0, 8.0


def _legend(y: float, entries: Sequence[tuple[str, str]]) -> tuple[str, float]:
    """A legend: (mark svg at origin, text) pairs left to right, wrapping; returns (svg, bottom)."""
    out, x = [], 8.0
    for mark, text in entries:
        width = 16 + 7.5 * len(text)
        if x > 8 and x + width > W - 4:
            x, y = 8.0, y + 22
        out.append(
            f'<g transform="translate({x:g},{y:g})">{mark}</g>'
            f'<text x="{x + 16:g}" y="{y + 4:g}" {_FONT}>{_a(text)}</text>'
        )
        x += width + 18
    return "".join(out), y + 16


@functools.lru_cache(maxsize=32)
def _scores_template(
    labels: tuple[str, ...], lo: float, hi: float, legend: tuple[str, str, str]
) -> tuple[str, float]:
    rows = []
    for i, lab in enumerate(labels):
        y = _TOP + _ROW * i + _ROW / 2
        rows.append(
            f'<text x="4" y="{y + 4:g}" {_FONT}>{_a(lab)}</text>'
            f'<line x1="{_S0}" x2="{_S1}" y1="{y:g}" y2="{y:g}" stroke="#d0d0d0"/>'
        )
    axis_y = _TOP + _ROW * len(labels) + 4
    ticks = [f"{lo + i:g}" for i in range(int(hi - lo) + 1)]
    key, bottom = _legend(
        axis_y + 40,
        [
            entry
            for entry in [
                (f'<circle r="6" fill="{INK}"/>', legend[0]),
                (
                    f'<rect x="-7" y="-5" width="14" height="10" fill="none" stroke="{INK}" '
                    'stroke-width="2"/>',
                    legend[1],
                ),
                (f'<line y1="-8" y2="8" stroke="{INK}" stroke-width="3"/>', legend[2]),
            ]
            if entry[1]
        ],
    )
    body = (
        "".join(rows)
        + f'<line x1="{_S0}" x2="{_S1}" y1="{axis_y:g}" y2="{axis_y:g}" stroke="{GREY}"/>'
        + _ticks(lo, hi, 1, _S0, _S1, axis_y, ticks)
        + key
    )
    return body, bottom


def scores_svg(
    rows: Sequence[tuple[str, float, float, float, float, str]],
    lo: float,
    hi: float,
    *,
    legend: tuple[str, str, str],
    label: str,
    described_by: str,
) -> str:
    """Scores on a common axis: a dot per score, its likely range as a box, the reference mean as a bar.

    Parameters
    ----------
    rows : sequence of (label, estimate, low, high, reference mean, colour)
    lo, hi : float
        The scores' range.
    legend : (you, likely range, reference average)
        An empty text leaves its entry out (no reference shown).
    """
    body, height = _scores_template(tuple(r[0] for r in rows), lo, hi, legend)
    marks = []
    for i, (_lab, est, low, high, ref, color) in enumerate(rows):
        y = _TOP + _ROW * i + _ROW / 2
        if low == low and high == high:
            xl, xh = _x(low, lo, hi, _S0, _S1), _x(high, lo, hi, _S0, _S1)
            marks.append(
                f'<rect x="{xl:.1f}" y="{y - 7:g}" width="{max(xh - xl, 1):.1f}" '
                f'height="14" fill="none" stroke="{color}" stroke-width="2"/>'
            )
        if ref == ref:
            xr = _x(ref, lo, hi, _S0, _S1)
            marks.append(
                f'<line x1="{xr:.1f}" x2="{xr:.1f}" y1="{y - 12:g}" y2="{y + 12:g}" '
                f'stroke="{INK}" stroke-width="3"/>'
            )
        if est == est:
            marks.append(
                f'<circle cx="{_x(est, lo, hi, _S0, _S1):.1f}" cy="{y:g}" r="6" '
                f'fill="{color}" stroke="#ffffff" stroke-width="1"/>'
            )
    return _svg(height, label, described_by, body + "".join(marks))


# ------------------------------------------------------------------- facets
_F0, _F1, _FROW = 8.0, 392.0, 44.0


@functools.lru_cache(maxsize=32)
def _facets_template(
    labels: tuple[str, ...], lo: float, hi: float, legend: tuple[str, str]
) -> tuple[str, float]:
    rows = []
    for i, lab in enumerate(labels):
        y = 8 + _FROW * i
        rows.append(
            f'<text x="{_F0}" y="{y + 12:g}" {_FONT}>{_a(lab)}</text>'
            f'<line x1="{_F0}" x2="{_F1}" y1="{y + 28:g}" y2="{y + 28:g}" '
            'stroke="#d0d0d0"/>'
        )
    axis_y = 8 + _FROW * len(labels) + 4
    ticks = [f"{lo + i:g}" for i in range(int(hi - lo) + 1)]
    key, bottom = _legend(
        axis_y + 40,
        [
            (f'<circle r="6" fill="{NET_COLOR}"/>', legend[0]),
            (f'<rect x="-6" y="-6" width="12" height="12" fill="{SOC_COLOR}"/>', legend[1]),
        ],
    )
    body = (
        "".join(rows)
        + f'<line x1="{_F0}" x2="{_F1}" y1="{axis_y:g}" y2="{axis_y:g}" stroke="{GREY}"/>'
        + _ticks(lo, hi, 1, _F0 + 8, _F1 - 8, axis_y, ticks)
        + key
    )
    return body, bottom


def facets_svg(
    rows: Sequence[tuple[str, float, float]],
    lo: float,
    hi: float,
    *,
    legend: tuple[str, str],
    label: str,
    described_by: str,
) -> str:
    """Networking (circle) and socializing (square) on each facet, joined by a line.

    Parameters
    ----------
    rows : sequence of (facet label, networking, socializing)
    legend : (networking, socializing)
    """
    body, height = _facets_template(tuple(r[0] for r in rows), lo, hi, legend)
    marks = []
    for i, (_lab, net, soc) in enumerate(rows):
        y = 8 + _FROW * i + 28
        xn = _x(net, lo, hi, _F0 + 8, _F1 - 8) if net == net else None
        xs = _x(soc, lo, hi, _F0 + 8, _F1 - 8) if soc == soc else None
        if xn is not None and xs is not None:
            marks.append(
                f'<line x1="{xs:.1f}" x2="{xn:.1f}" y1="{y:g}" y2="{y:g}" stroke="{GREY}" stroke-width="3"/>'
            )
        if xs is not None:
            marks.append(
                f'<rect x="{xs - 6:.1f}" y="{y - 6:g}" width="12" height="12" '
                f'fill="{SOC_COLOR}" stroke="#ffffff" stroke-width="1"/>'
            )
        if xn is not None:
            marks.append(
                f'<circle cx="{xn:.1f}" cy="{y:g}" r="6" fill="{NET_COLOR}" '
                'stroke="#ffffff" stroke-width="1"/>'
            )
    return _svg(height, label, described_by, body + "".join(marks))
