"""The dashboard's exports (issue 21 p4, 22 p4, 31 p2): every released comment, the QR code and
the join code in the slides and the pages; one PNG page (1600x900, drawn by headless Chromium)
per card the room can show, cached per dashboard version and rate-limited per viewer; a PDF
handout with a page per card; an Excel workbook of the published numbers only."""

from __future__ import annotations

import io
import re
import struct
from datetime import UTC, datetime

from starlette.testclient import TestClient

from analysis.demo import make_demo
from netsoc.dashboard import Dashboard, DashboardSettings, dashboard_app
from netsoc.dashboard.export import PNG_CACHE, pdf_handout, png_page, workbook
from netsoc.dashboard.pages import export_cards
from survey.store import open_store
from tests.helpers import ZBAR, needs_zbar

TOKEN = "export-token-1"
JOIN = "http://192.0.2.7:8866/?cohort=W1&token=Ab_3-x"
AT = datetime(2026, 12, 7, 14, 32, tzinfo=UTC)


def _room(tmp_path, instrument, n=30):
    store = open_store(tmp_path / "e.sqlite", instrument=instrument)
    df = make_demo(n=n, seed=4, instrument=instrument)
    df["cohort"] = "W1"
    df["comment"] = [f"comment {i:02d} " + "words " * (i * 7 % 150) for i in range(n)]
    store.import_frame(df, source="test")
    settings = DashboardSettings(
        db=store.url,
        cohort="W1",
        token=TOKEN,
        survey_url=JOIN,
        join_code="4821937",
        join_short_url="http://192.0.2.7:8866/",
        check_join=False,
    )
    return store, Dashboard(store, settings)


def test_slides_and_png_carry_every_comment_and_the_qr_code(tmp_path, instrument):
    store, d = _room(tmp_path, instrument)
    client = TestClient(dashboard_app(d.settings, dashboard=d))
    client.get(f"/?token={TOKEN}")
    assert client.post("/control/release").status_code == 200
    comments = d.released_comments()
    assert len(comments) == 30
    slides = client.get("/export/slides.html")
    assert slides.headers["content-disposition"].startswith("attachment")
    text = slides.text
    assert all(c.strip() in text for c in comments)
    pages = re.findall(r"data-card='(comments-\d+)'", text)
    assert len(pages) > 1  # paginated, none left out
    assert 'class="segno"' in text and "192.0.2.7:8866" in text  # the QR code and short address
    assert "482 1937" in text and "Ab_3-x" not in text  # the join code, never the token
    cards = export_cards(d, AT)
    names = [c.name for c in cards]
    assert names[:3] == ["moment", "profiles", "facets"] and names[-1] == "join"
    assert sum(n.startswith("comments-") for n in names) == len(pages)
    control = client.get("/control").text
    assert control.count("export/page-") == len(cards)  # one PNG page per card, linked
    for link in ("export/handout.pdf", "export/slides.html", "export/aggregates.xlsx"):
        assert link in control
    last = client.get(f"/export/page-{len(cards)}.png")
    assert last.status_code == 200 and last.content[:8] == b"\x89PNG\r\n\x1a\n"
    assert client.get(f"/export/page-{len(cards) + 1}.png").status_code == 404
    store.close()


@needs_zbar
def test_png_pages_are_1600x900_and_the_join_page_decodes(tmp_path, instrument):
    import subprocess

    store, d = _room(tmp_path, instrument, n=10)
    cards = export_cards(d, AT)
    png = png_page(d, len(cards), key=("decode",), at=AT)
    assert struct.unpack(">II", png[16:24]) == (1600, 900)
    path = tmp_path / "p.png"
    path.write_bytes(png)
    out = subprocess.run([ZBAR, "--raw", "-q", str(path)], capture_output=True, text=True, timeout=120)
    assert out.stdout.strip() == JOIN
    store.close()


def test_png_is_cached_per_version_and_rate_limited_per_viewer(tmp_path, instrument):
    store, d = _room(tmp_path, instrument, n=10)
    client = TestClient(dashboard_app(d.settings, dashboard=d))
    client.get(f"/?token={TOKEN}")
    before = PNG_CACHE.builds
    first = client.get("/export/page-2.png")
    assert first.status_code == 200
    again = client.get("/export/page-2.png")
    assert again.status_code == 429 and "Please wait" in again.text
    assert int(again.headers["retry-after"]) >= 1
    assert PNG_CACHE.builds == before + 1
    png_page(d, 2, key=("cached",), at=AT)
    assert png_page(d, 2, key=("cached",), at=AT)[:8] == b"\x89PNG\r\n\x1a\n"
    assert PNG_CACHE.builds == before + 2  # the same key: drawn once
    assert client.get("/export/page-1.png").status_code == 200  # another page at once: saved in a row
    store.close()


def test_pdf_handout_has_a_page_per_card_and_the_workbook_only_published_numbers(tmp_path, instrument):
    import subprocess

    from openpyxl import load_workbook

    store, d = _room(tmp_path, instrument, n=12)
    d.release()
    cards = export_cards(d, AT)
    pdf = pdf_handout(d, at=AT)
    path = tmp_path / "h.pdf"
    path.write_bytes(pdf)
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, timeout=60).stdout
    assert int(re.search(r"Pages:\s+(\d+)", info).group(1)) == len(cards)
    words = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, timeout=60).stdout
    assert "482 1937" in words and "2026-12-07 at 14:32: 12 answers" in words
    assert all(c.strip()[:30] in " ".join(words.split()) for c in d.released_comments()[:3])
    book = load_workbook(io.BytesIO(workbook(d, at=AT)))
    assert book.sheetnames[0] == "About" and "Profiles in the room" in book.sheetnames
    state = d.state()
    sheet = book["Profiles in the room"]
    shown = [row[1] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert shown == [b.value for b in state.profiles]  # hidden counts stay empty
    cells = " ".join(
        str(v) for ws in book for row in ws.iter_rows(values_only=True) for v in row if v is not None
    )
    frame = store.to_frame(cohort="W1")
    assert not any(rid in cells for rid in frame["respondent_id"].astype(str))  # nothing per person
    store.close()


def test_without_a_working_browser_the_export_says_what_to_do(tmp_path, instrument, monkeypatch):
    store, d = _room(tmp_path, instrument, n=10)
    monkeypatch.setenv("NETSOC_CHROMIUM", str(tmp_path / "no-such-browser"))
    client = TestClient(dashboard_app(d.settings, dashboard=d), raise_server_exceptions=False)
    client.get(f"/?token={TOKEN}")
    for path in ("/export/page-1.png", "/export/handout.pdf"):
        r = client.get(path)
        assert r.status_code == 503 and "NETSOC_CHROMIUM" in r.text and "Traceback" not in r.text
    store.close()
