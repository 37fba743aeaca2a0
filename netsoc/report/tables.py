"""Numbered tables and figures of the report.

A :class:`ReportTable` is text already formatted the APA way (see
:mod:`netsoc.report.apa`), with labelled columns, a caption and a note; it
shows as a great_tables table in the notebook and the HTML report, and hands
its content to the exports (Word, CSV, LaTeX) as a second output with
:data:`TABLE_MIME` (the LaTeX is made from it only when tables are written).
A :class:`ReportFigure` is a PNG with a text alternative saying what it shows
and a numbered caption saying what its marks are (:data:`FIGURE_MIME`).
Numbers come from the study's counters, in the order the notebook shows them.
"""

from __future__ import annotations

import base64
import contextlib
import html
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

__all__ = [
    "ReportTable",
    "ReportFigure",
    "TABLE_MIME",
    "FIGURE_MIME",
    "Numbering",
    "slug",
    "tables_as_html",
]

TABLE_MIME = "application/vnd.netsoc.table+json"
FIGURE_MIME = "application/vnd.netsoc.figure+json"

# Whether a table shows itself as great_tables HTML (see tables_as_html).
_AS_HTML = [True]


@contextlib.contextmanager
def tables_as_html(enabled: bool) -> Iterator[None]:
    """Within this block, tables show their great_tables HTML only when ``enabled``.

    A Word or PDF report reads each table from its hand-over output (:data:`TABLE_MIME`)
    and never shows the HTML; rendering it is then wasted (a tenth of a second a table).
    Without the HTML, the notebook shows the table's title as text.
    """
    before = _AS_HTML[0]
    _AS_HTML[0] = enabled
    try:
        yield
    finally:
        _AS_HTML[0] = before


def slug(text: str) -> str:
    """``"Item descriptives: networking"`` -> ``"item-descriptives-networking"``."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:60] or "table"


@dataclass
class Numbering:
    """Counters for tables and figures (one per report run)."""

    tables: int = 0
    figures: int = 0

    def next_table(self) -> int:
        self.tables += 1
        return self.tables

    def next_figure(self) -> int:
        self.figures += 1
        return self.figures


@dataclass
class ReportTable:
    """A publication table.

    Attributes
    ----------
    number : int
    caption : str
        The title, in sentence case, without "Table N".
    frame : DataFrame
        Text cells, one column per labelled column (the labels are the column
        names); no index.
    note : str
        What the reader needs: abbreviations, what intervals are, how p was adjusted.
    data : DataFrame, optional
        The unformatted numbers (written to CSV); default: ``frame``.
    """

    number: int
    caption: str
    frame: pd.DataFrame
    note: str = ""
    data: pd.DataFrame | None = None
    name: str = field(default="")

    def __post_init__(self) -> None:
        self.frame = self.frame.reset_index(drop=True)
        if not self.name:
            self.name = f"table-{self.number:02d}-{slug(self.caption)}"

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ReportTable:
        """The table its hand-over output (:meth:`to_json`) describes."""
        frame = pd.DataFrame(data["rows"], columns=data["columns"], dtype=object)
        return cls(int(data["number"]), data["caption"], frame, data["note"], name=data["name"])

    @property
    def title(self) -> str:
        return f"Table {self.number}"

    def gt(self) -> Any:
        """The great_tables object (title, caption as subtitle, the note as source note)."""
        from great_tables import GT
        from great_tables import html as gt_html

        table = GT(self.frame, id=f"table-{self.number}")
        table = table.tab_header(
            title=gt_html(f"<strong>{self.title}</strong>"),
            subtitle=gt_html(f"<em>{html.escape(self.caption)}</em>"),
        )
        if self.note:
            table = table.tab_source_note(gt_html(f"<em>Note.</em> {html.escape(self.note)}"))
        numeric = [
            c
            for c in self.frame.columns
            if self.frame[c].astype(str).str.match(r"^[\u2212\-<\[\]\d.,\s%\u2013()]+$").all()
        ]
        if numeric:
            table = table.cols_align(align="right", columns=numeric)
        return table.opt_table_font(stack="system-ui")

    def html(self) -> str:
        return self.gt().as_raw_html(inline_css=False)

    def latex(self) -> str:
        return self.gt().as_latex()

    def to_json(self) -> dict[str, Any]:
        data = self.data if self.data is not None else self.frame
        return {
            "number": self.number,
            "title": self.title,
            "caption": self.caption,
            "note": self.note,
            "name": self.name,
            "columns": [str(c) for c in self.frame.columns],
            "rows": self.frame.astype(str).values.tolist(),
            "csv": data.to_csv(index=False),
        }

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, Any]:
        bundle = {"text/plain": f"{self.title}. {self.caption}", TABLE_MIME: self.to_json()}
        if _AS_HTML[0]:
            bundle["text/html"] = self.html()
        return bundle


@dataclass
class ReportFigure:
    """A numbered figure: PNG, text alternative (what it shows) and caption (what its marks are)."""

    number: int
    caption: str
    alt: str
    png: bytes

    @property
    def title(self) -> str:
        return f"Figure {self.number}"

    def html(self) -> str:
        data = base64.b64encode(self.png).decode("ascii")
        return (
            f'<figure class="netsoc-figure" id="figure-{self.number}">'
            f'<img src="data:image/png;base64,{data}" alt="{html.escape(self.alt, quote=True)}" '
            'style="max-width:100%;height:auto">'
            f"<figcaption><strong>{self.title}.</strong> {html.escape(self.caption)}"
            "</figcaption></figure>"
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "number": self.number,
            "title": self.title,
            "caption": self.caption,
            "alt": self.alt,
            "png": base64.b64encode(self.png).decode("ascii"),
        }

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, Any]:
        return {
            "text/html": self.html(),
            "text/plain": f"{self.title}. {self.caption}",
            FIGURE_MIME: self.to_json(),
        }
