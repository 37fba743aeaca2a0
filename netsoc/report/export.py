"""Exports of an executed report notebook: a Word document with real tables
and figures and its PDF (:mod:`netsoc.report.word`), and every table as CSV
and LaTeX.

The notebook hands its numbered tables and figures over as outputs with
:data:`~netsoc.report.tables.TABLE_MIME` / :data:`~netsoc.report.tables.FIGURE_MIME`
next to their HTML; :func:`parts` reads them in order with the Markdown text,
and :func:`strip_hand_over` removes them before the HTML is written.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from netsoc.report.tables import FIGURE_MIME, TABLE_MIME, ReportTable
from netsoc.report.word import write_docx, write_pdf

__all__ = ["parts", "strip_hand_over", "write_docx", "write_pdf", "write_tables"]


def parts(notebook: Any) -> list[tuple[str, Any]]:
    """``("markdown", text)``, ``("table", dict)`` and ``("figure", dict)`` in order."""
    out: list[tuple[str, Any]] = []
    for cell in notebook.cells:
        if cell.cell_type == "markdown":
            out.append(("markdown", cell.source))
            continue
        for o in cell.get("outputs", []):
            data = o.get("data", {})
            if TABLE_MIME in data:
                out.append(("table", dict(data[TABLE_MIME])))
            elif FIGURE_MIME in data:
                out.append(("figure", dict(data[FIGURE_MIME])))
            elif "text/markdown" in data:
                out.append(("markdown", data["text/markdown"]))
    return out


def strip_hand_over(notebook: Any) -> None:
    """Drop the hand-over outputs (the HTML keeps the rendered tables and figures)."""
    for cell in notebook.cells:
        for o in cell.get("outputs", []):
            for mime in (TABLE_MIME, FIGURE_MIME):
                o.get("data", {}).pop(mime, None)


def write_tables(items: list[tuple[str, Any]], folder: str | os.PathLike[str]) -> list[Path]:
    """Every table as ``<name>.csv`` (the unformatted numbers) and ``<name>.tex``."""
    target = Path(folder)
    target.mkdir(parents=True, exist_ok=True)
    written = []
    for kind, table in items:
        if kind != "table":
            continue
        latex = ReportTable.from_json(table).latex()
        for suffix, text in ((".csv", table["csv"]), (".tex", latex)):
            path = target / f"{table['name']}{suffix}"
            partial = path.with_name(path.name + ".partial")
            partial.write_text(text, encoding="utf-8")
            partial.replace(path)
            written.append(path)
    return written
