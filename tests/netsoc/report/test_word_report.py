"""The Word report as co-authors get it: opened and laid out by LibreOffice
(Carlito standing in for Calibri), its pages read back as text.

Fails on a word broken inside a table cell (a piece of a word on the pages that
the document never wrote), a vertical line, equal-width columns in a table with
a text column, a table or figure without its numbered caption, a cut statement,
a codebook longer than a fifth of the document, and on any table, heading or
number that differs from the HTML report of the same data.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import unicodedata
from pathlib import Path

import pytest

from analysis.demo import make_demo
from netsoc.report import build_report
from netsoc.report.layout import PADDING, SLACK, fit_widths, plan_table, text_width
from netsoc.report.references import SECTIONS
from survey.instrument import load_instrument
from tests.conftest import require

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
VERTICAL = ("left", "right", "start", "end", "insideV")


def _soffice() -> str:
    found = shutil.which("soffice")
    require(found is not None, "LibreOffice is missing (apt-get install libreoffice-writer-nogui)")
    require(
        subprocess.run(["fc-list", "Carlito"], capture_output=True, text=True).stdout.strip() != "",
        "the Carlito font is missing (apt-get install fonts-crosextra-carlito)",
    )
    return str(found)


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    """(docx Document, its PDF pages as text, the HTML report's path, folder)."""
    soffice = _soffice()
    folder = tmp_path_factory.mktemp("word")
    data = folder / "responses.csv"
    make_demo(n=320, seed=23).to_csv(data, index=False)
    build_report(out=folder / "report.docx", data=data, format="docx")
    build_report(out=folder / "report.html", data=data)
    run = subprocess.run(
        [soffice, "--headless", f"-env:UserInstallation={(folder / 'lo').as_uri()}", "--convert-to", "pdf"]
        + ["--outdir", str(folder), str(folder / "report.docx")],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stderr
    from docx import Document

    return Document(str(folder / "report.docx")), _pages(folder / "report.pdf"), folder


def _pages(pdf: Path) -> list[str]:
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    return [unicodedata.normalize("NFKC", page) for page in text.split("\f")[:-1]]


def _words(text: str) -> set[str]:
    return set(unicodedata.normalize("NFKC", text).split())


def test_no_word_is_broken_inside_a_table_cell(report):
    doc, pages, _ = report
    written = _words("\n".join(p.text for p in doc.paragraphs))
    for table in doc.tables:
        for row in table.rows:
            for cell in row.cells:
                written |= _words(cell.text)
    # a line may end after a hyphen ("know-" / "how"), which pdftotext joins as "knowhow"
    written |= {w[: m.start()] + w[m.end() :] for w in written for m in re.finditer("-", w)}
    printed = _words("\n".join(pages))
    # page and list numbers and bullets are all LibreOffice adds; the rest must be whole written words
    pieces = sorted(w for w in printed - written if not re.fullmatch(r"\d+\.?|\uf0b7|•", w))
    assert pieces == [], f"words broken on the pages: {pieces[:20]}"


def test_tables_have_apa_rules_and_no_vertical_line(report):
    doc, _, _ = report
    body = doc.element.body
    for borders in body.iter(f"{W}tblBorders", f"{W}tcBorders"):
        for side in borders:
            name = side.tag.removeprefix(W)
            if name in VERTICAL:
                assert side.get(f"{W}val") in ("nil", "none"), f"a vertical line: {name}"
    for table in doc.tables:
        assert table.style is None or table.style.name == "Normal Table"
        rules = {b.tag.removeprefix(W): b.get(f"{W}val") for b in table._tbl.tblPr.find(f"{W}tblBorders")}
        assert rules["top"] == rules["bottom"] == "single" and rules["insideH"] == "nil"
        head = table.rows[0]._tr
        assert head.trPr.find(f"{W}tblHeader") is not None  # repeated on every page
        for tc in head.findall(f"{W}tc"):
            assert tc.tcPr.find(f"{W}tcBorders/{W}bottom").get(f"{W}val") == "single"
        assert all(r._tr.trPr.find(f"{W}tblHeader") is None for r in table.rows[1:])


def _numeric(values: list[str]) -> bool:
    return all(re.fullmatch(r"[\u2212\-<\[\]\d.,\s%\u2013()]*", v) for v in values)


def test_widths_are_fitted_and_written_into_the_document(report):
    doc, _, _ = report
    assert doc.settings.element.find(f"{W}autoHyphenation").get(f"{W}val") == "false"
    for table in doc.tables:
        tbl = table._tbl
        assert tbl.tblPr.find(f"{W}tblLayout").get(f"{W}type") == "fixed"
        grid = [int(c.get(f"{W}w")) for c in tbl.tblGrid.findall(f"{W}gridCol")]
        for row in table.rows:
            cells = [int(tc.tcPr.find(f"{W}tcW").get(f"{W}w")) for tc in row._tr.findall(f"{W}tc")]
            assert cells == grid
            for tc in row._tr.findall(f"{W}tc"):
                assert tc.find(f"{W}p/{W}pPr/{W}suppressAutoHyphens") is not None
        head = [c.text for c in table.rows[0].cells]
        columns = list(zip(*[[c.text for c in r.cells] for r in table.rows[1:]]))
        size = table.rows[0].cells[0].paragraphs[0].runs[0].font.size.pt
        if any(not _numeric(list(col)) for col in columns):
            assert len(set(grid)) > 1, f"equal widths in {head[0]!r}…"
        for name, col, width in zip(head, columns, grid):
            if _numeric(list(col)):  # numbers get their width and no more: the rest goes to text
                natural = max(text_width(v, size, bold=v == name) for v in (name, *col))
                assert width <= (natural * SLACK + PADDING) * 20 + 2, (head[0], name)


def _captions(doc) -> tuple[list[str], list[str]]:
    tables, figures, last = [], [], []
    for block in doc.element.body.iterchildren():
        if block.tag == f"{W}tbl":
            tables.append(" | ".join(last[-2:]))
        elif block.tag == f"{W}p":
            text = "".join(t.text or "" for t in block.iter(f"{W}t"))
            if block.find(f".//{W}drawing") is not None:
                figures.append(" | ".join(last[-2:]))
            last.append(text)
    return tables, figures


def test_every_table_and_figure_has_a_numbered_caption_above(report):
    doc, pages, _ = report
    tables, figures = _captions(doc)
    assert len(tables) == len(doc.tables) >= 18 and len(figures) == len(doc.inline_shapes) >= 12
    for n, caption in enumerate(tables, 1):
        assert re.fullmatch(rf"Table {n} \| \S.{{4,}}", caption), caption
    for n, caption in enumerate(figures, 1):
        assert re.fullmatch(rf"Figure {n} \| \S.{{8,}}", caption), caption
    alts = [s._inline.docPr.get("descr") for s in doc.inline_shapes]
    assert all(a and len(a) > 30 for a in alts)
    text = "\n".join(pages)
    assert all(f"Table {n}\n" in text for n in range(1, len(tables) + 1))
    assert "Note." in text and "NaN" not in text


def test_statements_are_in_full(report):
    doc, _, _ = report
    inst = load_instrument()
    statements = {i.id: " ".join(i.text.split()) for s in inst.scales for i in inst.scale_items(s)}
    seen = 0
    for table in doc.tables:
        head = [c.text for c in table.rows[0].cells]
        assert all("…" not in c.text for r in table.rows for c in r.cells)
        if "Statement" in head and "Item" in head:
            item, statement = head.index("Item"), head.index("Statement")
            for row in table.rows[1:]:
                assert row.cells[statement].text == statements[row.cells[item].text]
                seen += 1
    assert seen >= len(statements) + 30  # item descriptives and loadings


def test_codebook_is_a_landscape_appendix_of_at_most_a_fifth(report):
    doc, pages, _ = report
    first = max(i for i, p in enumerate(pages) if "Appendix: codebook" in p)  # not the contents
    assert (len(pages) - first) / len(pages) <= 0.2, (first, len(pages))
    from docx.enum.section import WD_ORIENT

    assert doc.sections[-1].orientation == WD_ORIENT.LANDSCAPE
    assert doc.sections[0].orientation == WD_ORIENT.PORTRAIT


def test_the_same_sections_tables_and_numbers_as_the_html(report):
    import lxml.html

    doc, _, folder = report
    headings = [p.text for p in doc.paragraphs if p.style.name == "Heading 1"]
    assert headings == list(SECTIONS)
    page = lxml.html.parse(str(folder / "report.html"))
    html_tables = page.xpath('//table[contains(@class, "gt_table")]')
    assert len(html_tables) == len(doc.tables)
    for shown, table in zip(html_tables, doc.tables):
        head = [th.text_content().strip() for th in shown.xpath('.//th[contains(@class, "gt_col_heading")]')]
        rows = [[td.text_content().strip() for td in tr.xpath("./td")] for tr in shown.xpath(".//tbody/tr")]
        words = [[c.text.strip() for c in r.cells] for r in table.rows]
        assert words[0] == head
        assert words[1:] == [[c if c else "" for c in r] for r in rows]


def test_format_pdf_writes_the_pages_of_the_word_report(report):
    _, pages, folder = report
    out = folder / "cli.pdf"
    run = subprocess.run(
        [sys.executable, "-m", "netsoc", "report", "--data", str(folder / "responses.csv")]
        + ["--format", "pdf", "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert run.returncode == 0, run.stderr[-2000:]
    assert out.read_bytes().startswith(b"%PDF") and len(_pages(out)) == len(pages)


def test_format_pdf_without_libreoffice_says_what_to_install(tmp_path):
    data = tmp_path / "responses.csv"
    make_demo(n=40, seed=3).to_csv(data, index=False)
    run = subprocess.run(
        [sys.executable, "-m", "netsoc", "report", "--data", str(data), "--format", "pdf"]
        + ["--out", str(tmp_path / "r.pdf")],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "PATH": str(Path(sys.executable).parent)},
    )
    assert run.returncode != 0 and "Traceback" not in run.stderr
    assert "LibreOffice" in run.stderr and "--format docx" in run.stderr
    assert not (tmp_path / "r.pdf").exists()


def test_fitting_gives_text_the_room_and_numbers_their_width():
    columns = ["Item", "Statement", "M", "SD"]
    rows = [["net_purpose_1", "I go to events with a concrete professional aim " * 3, "3.48", "1.04"]] * 5
    layout = plan_table(columns, rows)
    assert not layout.landscape and layout.numeric == [False, False, True, True]
    item, statement, m, sd = layout.widths
    assert statement > item > m and abs(m - sd) < 4
    assert fit_widths([50, 60], [80, 90], 100) is None
    assert fit_widths([10, 20], [30, 40], 100) == [30, 40]
