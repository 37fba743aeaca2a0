"""The report as a Word manuscript (python-docx) and as PDF pages (LibreOffice).

Tables follow APA 7 as JASP and papaja print them: a numbered label in bold and
the caption in italics above, a rule above and below the header row and at the
bottom and no other lines, the header row repeated on every page, and the note
below.  Column widths are fitted to the content and written into the document
(the table grid and every cell; fixed layout, never the word processor's
autofit), see :mod:`netsoc.report.layout`; no word is hyphenated.  A table
whose words do not fit a portrait line, or longer than two pages which turning
the page shortens by a third, gets a landscape section.  Figures carry a numbered label and title
above and their note below; the picture keeps its alternative text.

The PDF is LibreOffice's rendering of the same document: one layout for the
manuscript and its PDF, with the same fitted tables, instead of a second
layout (a print stylesheet for the HTML) that could drift from it.
"""

from __future__ import annotations

import base64
import io
import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

from netsoc.report.layout import FONT, PAGE, TableLayout, plan_table
from survey.errors import DataError

__all__ = ["write_docx", "write_pdf", "soffice"]

_LINK = re.compile(r"\[([^\]]+)\]\([^)]*\)")
_ESCAPE = re.compile(r"\\([!-/:-@\[-`{-~])")
_RUN = re.compile(r"(\*\*[^*]+\*\*|\*[^*]+\*|`[^`]+`)")
_RULE = {"val": "single", "sz": "8", "space": "0", "color": "000000"}
_NONE = ("left", "right", "insideH", "insideV")


def _el(tag: str, **attrs: str) -> Any:
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    el = OxmlElement(tag)
    for k, v in attrs.items():
        el.set(qn(f"w:{k}"), v)
    return el


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


def _heading(doc: Any, text: str, level: int, fresh_page: bool) -> None:
    para = doc.add_heading(_plain(text), level=level)
    if level == 1 and text.lower().startswith("appendix") and not fresh_page:
        para.paragraph_format.page_break_before = True


def _markdown(doc: Any, text: str, fresh_page: bool = False) -> None:
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
            _heading(doc, heading.group(2), len(heading.group(1)) - 1, fresh_page)
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


def _label(doc: Any, kind: str, number: int, title: str) -> None:
    """``Table 3`` (bold, a Word SEQ field so lists of tables work) and the title in italics."""
    label = doc.add_paragraph()
    label.paragraph_format.keep_with_next = True
    label.paragraph_format.space_after = 0
    label.add_run(f"{kind} ").bold = True
    field = _el("w:fldSimple", instr=f" SEQ {kind} \\* ARABIC ")
    run = label.add_run(str(number))
    run.bold = True
    run._r.addprevious(field)
    field.append(run._r)
    caption = doc.add_paragraph()
    caption.paragraph_format.keep_with_next = True
    caption.add_run(title).italic = True


def _note(doc: Any, text: str, size: float) -> None:
    from docx.shared import Pt

    note = doc.add_paragraph()
    note.paragraph_format.space_before = Pt(3)
    for run, italic in ((note.add_run("Note. "), True), (note.add_run(text), False)):
        run.italic = italic
        run.font.size = Pt(size)


def _table_properties(grid: Any, widths: list[float]) -> None:
    """Fixed layout, the fitted widths in the grid, APA rules on the table."""
    from docx.oxml.ns import qn
    from docx.shared import Pt

    grid.autofit = False
    props = grid._tbl.tblPr
    props.append(_el("w:tblW", w=str(round(sum(widths) * 20)), type="dxa"))
    props.append(_el("w:tblLayout", type="fixed"))
    borders = _el("w:tblBorders")
    for side in ("top", "left", "bottom", "right", "insideH", "insideV"):
        borders.append(_el(f"w:{side}", **(_RULE if side in ("top", "bottom") else {"val": "nil"})))
    props.append(borders)
    margins = _el("w:tblCellMar")
    for side in ("left", "right"):
        margins.append(_el(f"w:{side}", w="80", type="dxa"))
    props.append(margins)
    for col, width in zip(grid._tbl.tblGrid.findall(qn("w:gridCol")), widths):
        col.set(qn("w:w"), str(round(width * 20)))
    for col, width in zip(grid.columns, widths):
        col.width = Pt(width)


def _cell(cell: Any, text: str, *, width: float, size: float, right: bool, header: bool) -> None:
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Pt

    cell.width = Pt(width)
    para = cell.paragraphs[0]
    para.paragraph_format.space_before = para.paragraph_format.space_after = Pt(1)
    para.paragraph_format.line_spacing = 1.0
    para._p.get_or_add_pPr().append(_el("w:suppressAutoHyphens"))
    if right:
        para.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    run = para.add_run(text)
    run.font.size = Pt(size)
    if header:
        para.paragraph_format.keep_with_next = True
        borders = _el("w:tcBorders")
        borders.append(_el("w:bottom", **_RULE))
        cell._tc.get_or_add_tcPr().append(borders)


def _row(row: Any, values: list[str], layout: TableLayout, header: bool) -> None:
    props = row._tr.get_or_add_trPr()
    props.append(_el("w:cantSplit"))
    if header:
        props.append(_el("w:tblHeader"))
    for cell, value, width, right in zip(row.cells, values, layout.widths, layout.numeric):
        _cell(cell, value, width=width, size=layout.size, right=right, header=header)


def _table(doc: Any, table: dict[str, Any], layout: TableLayout) -> None:
    _label(doc, "Table", int(table["number"]), table["caption"])
    columns = [str(c) for c in table["columns"]]
    grid = doc.add_table(rows=1 + len(table["rows"]), cols=len(columns))
    _table_properties(grid, layout.widths)
    _row(grid.rows[0], columns, layout, header=True)
    for row, values in zip(grid.rows[1:], table["rows"]):
        _row(row, [str(v) for v in values], layout, header=False)
    if table.get("note"):  # the last row stays with the note
        for cell in grid.rows[-1].cells:
            cell.paragraphs[0].paragraph_format.keep_with_next = True
        _note(doc, table["note"], layout.size)


def _figure(doc: Any, figure: dict[str, Any]) -> None:
    """Label and title above, the picture (at most the text block's size), the note below."""
    from docx.image.image import Image
    from docx.shared import Pt

    title, _, note = figure["caption"].partition(". ")
    _label(doc, "Figure", int(figure["number"]), title.rstrip("."))
    blob = base64.b64decode(figure["png"])
    image = Image.from_blob(blob)
    width = PAGE.text_width(False)
    height = width * image.px_height / image.px_width
    room = PAGE.text_height(False) - 90  # the label, title and a line of note
    if height > room:
        width, height = width * room / height, room
    para = doc.add_paragraph()
    para.paragraph_format.keep_with_next = bool(note)
    shape = para.add_run().add_picture(io.BytesIO(blob), width=Pt(width), height=Pt(height))
    shape._inline.docPr.set("descr", figure["alt"])  # the picture's alternative text
    if note:
        _note(doc, note, 10)


def _styles(doc: Any, title: str) -> None:
    """Calibri throughout, black headings, A4, page numbers, no automatic hyphenation."""
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Pt, RGBColor

    doc.core_properties.title = title
    for name in ("Normal", "Title", "Heading 1", "Heading 2", "Heading 3"):
        style = doc.styles[name]
        style.font.name = FONT
        fonts = style.element.rPr.rFonts
        for attr in [a for a in fonts.attrib if a.endswith("Theme")]:  # the theme would win
            del fonts.attrib[attr]
        if name != "Normal":
            style.font.color.rgb = RGBColor(0, 0, 0)
    doc.styles["Normal"].font.size = Pt(11)
    settings = doc.settings.element
    settings.append(_el("w:autoHyphenation", val="false"))
    section = doc.sections[0]
    section.page_width, section.page_height = Pt(PAGE.width), Pt(PAGE.height)
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(section, side, Pt(PAGE.margin))
    footer = section.footer.paragraphs[0]
    footer.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = footer.add_run("1")
    field = _el("w:fldSimple", instr=" PAGE ")
    run._r.addprevious(field)
    field.append(run._r)


def _orient(doc: Any, landscape: bool) -> bool:
    """Start a new section in this orientation unless the current one has it;
    True when a new page was started."""
    from docx.enum.section import WD_ORIENT, WD_SECTION
    from docx.shared import Pt

    if (doc.sections[-1].orientation == WD_ORIENT.LANDSCAPE) == landscape:
        return False
    section = doc.add_section(WD_SECTION.NEW_PAGE)
    section.orientation = WD_ORIENT.LANDSCAPE if landscape else WD_ORIENT.PORTRAIT
    long_side, short_side = Pt(PAGE.height), Pt(PAGE.width)
    section.page_width, section.page_height = (
        (long_side, short_side) if landscape else (short_side, long_side)
    )
    return True


def _plan(items: list[tuple[str, Any]]) -> list[TableLayout | None]:
    """Each table's layout; a short text right before a landscape table (its
    heading) turns with it, so the heading never stands alone on a page."""
    plans: list[TableLayout | None] = [
        plan_table([str(c) for c in p["columns"]], [[str(v) for v in r] for r in p["rows"]])
        if kind == "table"
        else None
        for kind, p in items
    ]
    for i, (kind, payload) in enumerate(items[:-1]):
        after = plans[i + 1]
        if kind == "markdown" and after is not None and after.landscape and len(payload) < 600:
            plans[i] = after
    return plans


def write_docx(items: list[tuple[str, Any]], path: str | os.PathLike[str], *, title: str) -> Path:
    """A Word document: headings and text, numbered APA tables with fitted
    widths, figures as pictures with their alternative text and captions
    (written via a temporary name)."""
    from docx import Document

    doc = Document()
    _styles(doc, title)
    for (kind, payload), plan in zip(items, _plan(items)):
        fresh = _orient(doc, plan is not None and plan.landscape)
        if kind == "markdown":
            _markdown(doc, payload, fresh)
        elif kind == "table":
            assert plan is not None
            _table(doc, payload, plan)
        else:
            _figure(doc, payload)
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(out.name + ".partial")
    doc.save(str(partial))
    partial.replace(out)
    return out


def soffice() -> str:
    """LibreOffice's command, or a DataError saying how to get it."""
    found = shutil.which("soffice") or shutil.which("libreoffice")
    if found is None:
        raise DataError(
            "format pdf: LibreOffice is needed to turn the Word report into PDF and "
            "`soffice` is not on PATH; install it (Debian/Ubuntu: apt-get install "
            "libreoffice-writer-nogui fonts-crosextra-carlito) or write --format docx"
        )
    return found


def write_pdf(items: list[tuple[str, Any]], path: str | os.PathLike[str], *, title: str) -> Path:
    """The Word report turned into PDF pages by LibreOffice (headless, its own
    throw-away profile), written via a temporary name."""
    command = soffice()
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="netsoc-pdf-") as tmp:
        docx = write_docx(items, Path(tmp) / "report.docx", title=title)
        run = subprocess.run(
            [
                command,
                "--headless",
                f"-env:UserInstallation={Path(tmp, 'profile').as_uri()}",
                "--convert-to",
                "pdf",
                "--outdir",
                tmp,
                str(docx),
            ],
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
        made = Path(tmp) / "report.pdf"
        if run.returncode != 0 or not made.exists():
            raise DataError(
                f"format pdf: LibreOffice could not convert the report: {run.stderr.strip()[-300:]}"
            )
        partial = out.with_name(out.name + ".partial")
        shutil.copyfile(made, partial)
        partial.replace(out)
    return out
