"""Exports of an executed report notebook: a Word document with real tables
and figures (python-docx), and every table as CSV and LaTeX.

The notebook hands its numbered tables and figures over as outputs with
:data:`~netsoc.report.tables.TABLE_MIME` / :data:`~netsoc.report.tables.FIGURE_MIME`
next to their HTML; :func:`parts` reads them in order with the Markdown text,
and :func:`strip_hand_over` removes them before the HTML is written.
"""

from __future__ import annotations

import base64
import io
import os
import re
from pathlib import Path
from typing import Any

from netsoc.report.tables import FIGURE_MIME, TABLE_MIME

__all__ = ["parts", "strip_hand_over", "write_docx", "write_tables"]

_LINK = re.compile(r"\[([^\]]+)\]\([^)]*\)")
_ESCAPE = re.compile(r"\\([!-/:-@\[-`{-~])")
_RUN = re.compile(r"(\*\*[^*]+\*\*|\*[^*]+\*|`[^`]+`)")


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
        for suffix, text in ((".csv", table["csv"]), (".tex", table["latex"])):
            path = target / f"{table['name']}{suffix}"
            partial = path.with_name(path.name + ".partial")
            partial.write_text(text, encoding="utf-8")
            partial.replace(path)
            written.append(path)
    return written


def _plain(text: str) -> str:
    return _ESCAPE.sub(r"\1", _LINK.sub(r"\1", text))


def _runs(paragraph: Any, text: str) -> None:
    for piece in _RUN.split(_plain(text)):
        if not piece:
            continue
        if piece.startswith("**"):
            paragraph.add_run(piece[2:-2]).bold = True
        elif piece.startswith("*"):
            paragraph.add_run(piece[1:-1]).italic = True
        elif piece.startswith("`"):
            paragraph.add_run(piece[1:-1]).font.name = "Courier New"
        else:
            paragraph.add_run(piece)


def _markdown(doc: Any, text: str) -> None:
    block: list[str] = []

    def flush() -> None:
        if block:
            _runs(doc.add_paragraph(), " ".join(s.strip() for s in block))
            block.clear()

    for line in text.splitlines():
        stripped = line.strip().rstrip("\\").rstrip()
        heading = re.match(r"^(#{1,4})\s+(.*)$", stripped)
        if heading:
            flush()
            doc.add_heading(_plain(heading.group(2)), level=len(heading.group(1)) - 1 or 0)
        elif re.match(r"^[-*]\s+", stripped):
            flush()
            _runs(doc.add_paragraph(style="List Bullet"), re.sub(r"^[-*]\s+", "", stripped))
        elif re.match(r"^\d+\.\s+", stripped):
            flush()
            _runs(doc.add_paragraph(style="List Number"), re.sub(r"^\d+\.\s+", "", stripped))
        elif not stripped:
            flush()
        else:
            block.append(stripped)
            if line.endswith("  "):  # a hard line break ends the paragraph here
                flush()
    flush()


def _table(doc: Any, table: dict[str, Any]) -> None:
    from docx.shared import Pt

    title = doc.add_paragraph()
    title.add_run(table["title"]).bold = True
    doc.add_paragraph().add_run(table["caption"]).italic = True
    grid = doc.add_table(rows=1, cols=len(table["columns"]))
    grid.style = "Table Grid"
    for cell, name in zip(grid.rows[0].cells, table["columns"]):
        cell.text = ""
        cell.paragraphs[0].add_run(name).bold = True
    for row in table["rows"]:
        cells = grid.add_row().cells
        for cell, value in zip(cells, row):
            cell.text = str(value)
    for row in grid.rows:
        for cell in row.cells:
            for p in cell.paragraphs:
                for run in p.runs:
                    run.font.size = Pt(9)
    if table.get("note"):
        note = doc.add_paragraph()
        note.add_run("Note. ").italic = True
        note.add_run(table["note"])


def _figure(doc: Any, figure: dict[str, Any]) -> None:
    from docx.shared import Inches

    run = doc.add_paragraph().add_run()
    shape = run.add_picture(io.BytesIO(base64.b64decode(figure["png"])), width=Inches(6))
    shape._inline.docPr.set("descr", figure["alt"])  # the picture's alternative text
    caption = doc.add_paragraph()
    caption.add_run(f"{figure['title']}. ").bold = True
    caption.add_run(figure["caption"])


def write_docx(items: list[tuple[str, Any]], path: str | os.PathLike[str], *, title: str) -> Path:
    """A Word document: headings and text, numbered tables as Word tables, figures
    as pictures with their alternative text and captions (written via a temporary name)."""
    from docx import Document

    doc = Document()
    doc.core_properties.title = title
    for kind, payload in items:
        if kind == "markdown":
            _markdown(doc, payload)
        elif kind == "table":
            _table(doc, payload)
        else:
            _figure(doc, payload)
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(out.name + ".partial")
    doc.save(str(partial))
    partial.replace(out)
    return out
