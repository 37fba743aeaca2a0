"""Table layout for the Word report: column widths fitted to their content.

Text is measured with the metrics of the font the document names (Calibri; its
metric-compatible twin Carlito is what LibreOffice draws it with, and what is
measured here when installed; otherwise DejaVu Sans, which ships with
matplotlib and runs wider, so the widths err on the generous side).  A column
is never narrower than its longest word, so no word is broken inside a cell;
the room left on the line goes to the columns whose text would otherwise wrap
the most (text columns wide, number columns narrow), as a browser lays out an
``auto`` table.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from functools import lru_cache

__all__ = [
    "FONT",
    "PAGE",
    "TableLayout",
    "text_width",
    "word_width",
    "fit_widths",
    "plan_table",
    "is_numeric",
]

#: The document's font; LibreOffice draws it with the metric-compatible Carlito.
FONT = "Calibri"
_MEASURED_BY = ("Carlito", "Calibri")
#: Cell margins left + right (4 pt each, as the document sets them) plus 2 pt
#: and a 6 % margin for renderers' rounding and kerning.
PADDING = 10.0
SLACK = 1.06
#: Cells no longer than this (characters) stay on one line when the page allows.
SHORT = 24

_NUMERIC = re.compile(r"^[\u2212\-<\[\]\d.,\s%\u2013()]*$")


@dataclass(frozen=True)
class Page:
    """A4 with 2.54 cm margins, in points."""

    width: float = 595.3
    height: float = 841.9
    margin: float = 72.0

    def text_width(self, landscape: bool) -> float:
        return (self.height if landscape else self.width) - 2 * self.margin

    def text_height(self, landscape: bool) -> float:
        return (self.width if landscape else self.height) - 2 * self.margin


PAGE = Page()


@lru_cache(maxsize=4)
def _font(bold: bool) -> object:
    from matplotlib import font_manager
    from matplotlib.ft2font import FT2Font

    weight = "bold" if bold else "normal"
    for family in _MEASURED_BY:
        try:
            path = font_manager.findfont(
                font_manager.FontProperties(family=family, weight=weight), fallback_to_default=False
            )
            break
        except ValueError:
            continue
    else:
        path = font_manager.findfont(font_manager.FontProperties(family="DejaVu Sans", weight=weight))
    return FT2Font(path)


@lru_cache(maxsize=20000)
def text_width(text: str, size: float, bold: bool = False) -> float:
    """Width of ``text`` on one line, in points, at ``size`` points."""
    if not text:
        return 0.0
    font = _font(bold)
    font.set_size(size, 72)  # type: ignore[attr-defined]
    font.set_text(text, 0.0)  # type: ignore[attr-defined]
    return float(font.get_width_height()[0]) / 64.0  # type: ignore[attr-defined]


def word_width(text: str, size: float, bold: bool = False) -> float:
    """Width of the longest word of ``text`` (what a cell must hold unbroken)."""
    return max((text_width(w, size, bold) for w in text.split()), default=0.0)


def lines(text: str, width: float, size: float, bold: bool = False) -> int:
    """Lines ``text`` takes in a column ``width`` points wide (greedy wrap at spaces)."""
    room = width - PADDING
    count, used = 1, 0.0
    space = text_width(" ", size, bold)
    for word in text.split():
        w = text_width(word, size, bold) * SLACK
        if used and used + space + w > room:
            count, used = count + 1, w
        else:
            used = used + space + w if used else w
    return count


def is_numeric(values: list[str]) -> bool:
    """A column of numbers, intervals, p values and dashes (aligned right)."""
    return bool(values) and all(_NUMERIC.match(v) for v in values)


def fit_widths(
    least: list[float],
    most: list[float],
    room: float,
    cells: list[list[str]] | None = None,
    size: float = 9.0,
) -> list[float] | None:
    """Column widths: each at least ``least`` and at most ``most`` when the
    whole line allows; ``None`` when even ``least`` does not fit in ``room``.

    With the columns' ``cells``, the spare room goes step by step to the column
    whose widening saves the most lines of the table; what no column can use
    to save a line is shared out in proportion to what each still wants."""
    if sum(least) > room:
        return None
    if sum(most) <= room:
        return list(most)
    widths = list(least)
    if cells is not None:
        widths = _greedy(widths, most, room - sum(least), cells, size)
    spare = room - sum(widths)
    want = [max(m - w, 0.0) for w, m in zip(widths, most)]
    total = sum(want) or 1.0
    return [w + spare * x / total for w, x in zip(widths, want)]


def _greedy(
    widths: list[float], most: list[float], spare: float, cells: list[list[str]], size: float
) -> list[float]:
    step = max(spare / 40, 2.0)
    counts = [[lines(c, w, size) for c in col] for col, w in zip(cells, widths)]

    def height(table: list[list[int]]) -> int:
        return sum(max(row) for row in zip(*table))

    while spare >= step:
        now, best, gain = height(counts), None, 0
        for j, col in enumerate(cells):
            if widths[j] + step > most[j]:
                continue
            trial = [lines(c, widths[j] + step, size) for c in col]
            saved = now - height(counts[:j] + [trial] + counts[j + 1 :])
            if saved > gain:
                best, gain, best_counts = j, saved, trial
        if best is None:
            break
        widths[best] += step
        counts[best] = best_counts
        spare -= step
    return widths


@dataclass(frozen=True)
class TableLayout:
    """Where and how a table is drawn: column widths (points), font size,
    orientation, which columns are numeric, and its estimated height."""

    widths: list[float]
    size: float
    landscape: bool
    numeric: list[bool]
    height: float


def _bounds(
    columns: list[str], rows: list[list[str]], size: float, strict: bool
) -> tuple[list[float], list[float]]:
    """Each column's narrowest and natural width; ``strict``: a column of short
    cells (numbers, intervals, test statistics, short labels) keeps them on one line."""
    least, most = [], []
    for j, name in enumerate(columns):
        cells = [r[j] for r in rows]
        whole = strict and max((len(c) for c in cells), default=0) <= SHORT
        body = [text_width(c, size) if whole else word_width(c, size) for c in cells]
        least.append(max([word_width(name, size, True), *body]) * SLACK + PADDING)
        most.append(
            max([text_width(name, size, True)] + [text_width(c, size) for c in cells]) * SLACK + PADDING
        )
    return least, most


def _columns(rows: list[list[str]], n: int) -> list[list[str]]:
    return [[r[j] for r in rows] for j in range(n)]


def _height(columns: list[str], rows: list[list[str]], widths: list[float], size: float) -> float:
    line = size * 1.2
    head = max(lines(c, w, size, True) for c, w in zip(columns, widths))
    body = sum(max(lines(c, w, size) for c, w in zip(r, widths)) for r in rows)
    return (head + body) * line + 2 * len(rows)


def _fit(
    columns: list[str], rows: list[list[str]], landscape: bool, size: float, strict: bool
) -> TableLayout | None:
    least, most = _bounds(columns, rows, size, strict)
    widths = fit_widths(least, most, PAGE.text_width(landscape), _columns(rows, len(columns)), size)
    if widths is None:
        return None
    numeric = [is_numeric(col) for col in _columns(rows, len(columns))]
    return TableLayout(widths, size, landscape, numeric, _height(columns, rows, widths, size))


def plan_table(columns: list[str], rows: list[list[str]], *, size: float = 9.0) -> TableLayout:
    """Fit a table, trying in turn, with short cells on one line: portrait, then
    landscape at ``size``, both a point smaller, landscape at ``size`` - 2; and
    only then letting short cells wrap at their spaces.  A portrait table longer than
    two pages turns when that saves a third of its height."""
    small, smaller = size - 1, size - 2
    tries = [(False, size, True), (True, size, True), (False, small, True), (True, small, True)]
    tries += [(True, smaller, True), (False, size, False), (True, size, False), (True, smaller, False)]
    for landscape, pt, strict in tries:
        layout = _fit(columns, rows, landscape, pt, strict)
        if layout is None:
            continue
        if not landscape and layout.height > 2 * PAGE.text_height(False):
            wide = _fit(columns, rows, True, pt, strict)
            if wide is not None and wide.height < layout.height * 2 / 3:
                return wide
        return layout
    least, _ = _bounds(columns, rows, smaller, False)  # words longer than a landscape line
    widths = [float(math.floor(w * PAGE.text_width(True) / sum(least))) for w in least]
    numeric = [is_numeric(col) for col in _columns(rows, len(columns))]
    return TableLayout(widths, smaller, True, numeric, _height(columns, rows, widths, smaller))
