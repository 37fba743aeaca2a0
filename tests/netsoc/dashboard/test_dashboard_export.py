"""The dashboard's exports (issue 21 p4, 22 p4): every released comment and the QR code in the
slides and the PNG pages, PNG pages cached per dashboard version and rate-limited per viewer,
and 40 exports leave the process's memory within 20 MB of where it was."""

from __future__ import annotations

import gc
import re

import psutil
from starlette.testclient import TestClient

from analysis.demo import make_demo
from netsoc.dashboard import Dashboard, DashboardSettings, dashboard_app
from netsoc.dashboard.export import PNG_CACHE, png_comment_pages, png_page
from survey.store import open_store
from tests.helpers import ZBAR, needs_zbar

TOKEN = "export-token-1"
JOIN = "http://192.0.2.7:8866/?cohort=W1&token=Ab_3-x"


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
    png_pages = png_comment_pages(comments)
    assert sum(len(p) for p in png_pages) == 30 and len(png_pages) > 1
    control = client.get("/control").text
    assert control.count("export/page-") == 1 + len(png_pages)
    last = client.get(f"/export/page-{1 + len(png_pages)}.png")
    assert last.status_code == 200 and last.content[:8] == b"\x89PNG\r\n\x1a\n"
    assert client.get(f"/export/page-{2 + len(png_pages)}.png").status_code == 404
    store.close()


@needs_zbar
def test_png_join_code_decodes(tmp_path, instrument):
    import io
    import subprocess

    from matplotlib.image import imread

    store, d = _room(tmp_path, instrument, n=10)
    png = png_page(d, 1, key=("decode",))
    img = imread(io.BytesIO(png))[..., :3].mean(axis=2)
    path = tmp_path / "p.png"
    path.write_bytes(png)
    out = subprocess.run([ZBAR, "--raw", "-q", str(path)], capture_output=True, text=True, timeout=120)
    assert out.stdout.strip() == JOIN and img.shape[0] == 900
    store.close()


def test_png_is_cached_per_version_and_rate_limited_per_viewer(tmp_path, instrument):
    store, d = _room(tmp_path, instrument, n=10)
    client = TestClient(dashboard_app(d.settings, dashboard=d))
    client.get(f"/?token={TOKEN}")
    before = PNG_CACHE.builds
    first = client.get("/export/page-1.png")
    assert first.status_code == 200
    again = client.get("/export/page-1.png")
    assert again.status_code == 429 and "Please wait" in again.text
    assert int(again.headers["retry-after"]) >= 1
    assert png_page(d, 1, key=(d.version(), d.choices, (), d.language)) == first.content
    assert PNG_CACHE.builds == before + 1  # the same version: drawn once
    store.close()


def test_forty_exports_give_their_memory_back(tmp_path, instrument):
    store, d = _room(tmp_path, instrument, n=40)
    process = psutil.Process()
    for i in range(3):  # warm up: fonts, matplotlib's caches
        png_page(d, 1, key=("warm", i))
    gc.collect()
    start = process.memory_info().rss
    for i in range(40):  # a new key each time: drawn, never served from the cache
        png_page(d, 1, key=("leak", i))
    PNG_CACHE.clear()
    gc.collect()
    grown = (process.memory_info().rss - start) / 2**20
    assert grown < 20, f"40 PNG exports kept {grown:.1f} MB"
    store.close()
