"""``netsoc workshop``: one command, one printed block, a QR code that leads to the survey.

The printed QR code is decoded with zbarimg; the address it holds is opened from a
phone-sized Chromium context with its host replaced by 127.0.0.1 (tests send traffic to
loopback only, never to this machine's network address).
"""

from __future__ import annotations

import re
import socket
import urllib.request
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import numpy as np
import pytest

from netsoc.cli import main
from netsoc.cli.workshop_cmd import workshop_block
from netsoc.server.net import free_port
from survey.instrument import load_instrument
from tests.browser.workshop import Workshop
from tests.conftest import require
from tests.helpers import ZBAR, decode_matrix, svg_matrix, terminal_matrix
from tests.netsoc.workshop.block import block_field as _field
from tests.netsoc.workshop.block import loopback as _loopback
from tests.netsoc.workshop.block import qr_text as _qr_text


def test_block_names_join_dashboard_store_and_stop():
    text = workshop_block(
        cohort="WS-1",
        join="http://10.0.0.5:8866/?cohort=WS-1&token=abc",
        dashboard="http://127.0.0.1:8867/?token=def",
        store="/x/y.sqlite",
        qr="QR\n",
        note="cohort WS-1: no responses yet",
    )
    lines = text.splitlines()
    assert lines[0] == "netsoc workshop WS-1 is running."
    order = [
        "Participants join at:",
        "QR",
        "Dashboard (projector):",
        "Controls (laptop):",
        "Responses go to:",
        "cohort WS-1: no responses yet",
        "To stop:",
    ]
    found = [next(i for i, ln in enumerate(lines) if key in ln) for key in order]
    assert found == sorted(found)
    assert "http://10.0.0.5:8866/?cohort=WS-1&token=abc" in text and "Ctrl-C" in text
    assert "(short:" not in text  # the tokenised address is never offered as a "short" one to type
    assert "Controls (laptop):     http://127.0.0.1:8867/control?token=def" in text


def test_refusals_come_before_anything_is_printed(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("NETSOC_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("NETSOC_DB", raising=False)
    missing = tmp_path / "typo.sqlite"
    assert main(["workshop", "--cohort", "WS-X", "--db", str(missing)]) == 1
    out, err = capsys.readouterr()
    assert out == "" and f"store {missing}: no such store" in err and "--create" in err
    assert not missing.exists()
    assert main(["workshop", "--cohort", "no spaces"]) == 1
    assert "is not a valid workshop code" in capsys.readouterr().err
    with socket.socket() as busy:
        busy.bind(("0.0.0.0", 0))
        busy.listen()
        port = busy.getsockname()[1]
        assert (
            main(["workshop", "--cohort", "WS-X", "--port", str(port), "--dashboard-port", str(free_port())])
            == 1
        )
    out, err = capsys.readouterr()
    assert out == "" and f"port {port} on 0.0.0.0 is already in use" in err and "--port" in err
    assert main(["workshop", "--cohort", "WS-X", "--port", "9000", "--dashboard-port", "9000"]) == 1
    assert "two different ports" in capsys.readouterr().err
    free = ["--port", str(free_port()), "--dashboard-port", str(free_port())]
    assert main(["workshop", "--cohort", "WS-X", "--host", "127.0.0.1", *free]) == 1
    assert "(loopback), which phones cannot reach" in capsys.readouterr().err
    assert main(["workshop", "--cohort", "WS-X", "--workers", "2", *free]) == 1
    assert "needs a PostgreSQL --db" in capsys.readouterr().err


def _check_block(ws: Workshop, block: str, tmp_path: Path) -> tuple[str, str, str]:
    """The printed block: the store, the QR code (the join address), the dashboard and
    the controls link (which opens); returns ``(join, dashboard, store)``."""
    join = _field(block, "Participants join at")
    dashboard = _field(block, "Dashboard (projector)")
    store = _field(block, "Responses go to")
    # the default store lives in the per-user data folder, created for it
    assert Path(store) == tmp_path / "data" / "netsoc.sqlite" and Path(store).is_file()
    decoded = decode_matrix(terminal_matrix(_qr_text(block)), tmp_path)
    assert decoded == join
    parts = urlsplit(join)
    query = parse_qs(parts.query)
    assert parts.port == ws.port and query["cohort"] == ["WS-X"] and query["token"][0]
    assert parts.hostname not in ("127.0.0.1", "localhost", "0.0.0.0")  # phones can reach it
    assert urlsplit(dashboard).port == ws.dashboard_port and "token=" in dashboard
    controls = _field(block, "Controls (laptop)")
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor())  # token -> cookie
    with opener.open(controls, timeout=30) as reply:  # the printed link opens the controls
        assert reply.status == 200
    return join, dashboard, store


def _phone_takes_the_survey(browser, join: str, blocked: list[str]) -> None:
    """A phone opens the join address, answers everything, submits and keeps the result."""
    from tests.browser.form import finish, run_to_comment, start_survey
    from tests.browser.server import block_outside

    phone = browser.new_context(
        viewport={"width": 390, "height": 844},
        device_scale_factor=3,
        is_mobile=True,
        has_touch=True,
    )
    block_outside(phone, blocked)
    page = phone.new_page()
    start_survey(page, _loopback(join))  # the consent page, agreed: page 1
    assert "WS-X" in page.locator("body").inner_text()  # the workshop is named
    # answer everything, submit, and keep the result
    inst = load_instrument()
    run_to_comment(page, inst, np.random.default_rng(7))
    finish(page)
    feedback = page.locator(".netsoc-feedback")
    text = feedback.inner_text()
    order = [
        text.index(w)
        for w in (
            inst.ui["profile_heading"].split("{")[0],
            inst.ui["try_heading"],
            inst.ui["details_heading"],
        )
    ]
    assert order == sorted(order)  # profile, then what to try, then more detail
    assert "percentile" not in text and "synthetic" not in text
    with page.expect_download() as info:
        page.get_by_role("button", name=inst.ui["keep_result"]).click()
    kept = Path(info.value.path()).read_text(encoding="utf-8")
    assert kept.lstrip().lower().startswith("<!doctype html>")
    assert "<script" not in kept.lower() and "http://127.0.0.1" not in kept
    assert inst.ui["try_heading"] in kept
    assert not blocked


def _dashboard_shows_the_join_address(
    browser, dashboard: str, join: str, blocked: list[str], tmp_path: Path
) -> None:
    """The dashboard (facilitator's token) shows the same join address, as text and as QR code."""
    from tests.browser.server import block_outside

    desk = browser.new_context(viewport={"width": 1280, "height": 720})
    block_outside(desk, blocked)
    screen = desk.new_page()
    response = screen.goto(dashboard)
    assert response is not None and response.ok
    screen.wait_for_load_state("networkidle")
    html = screen.content()
    assert urlsplit(join).netloc in html  # the survey's real host and port
    qr = re.search(r'<svg[^>]*class="segno".*?</svg>', html, flags=re.S)
    assert qr, "no QR code on the dashboard"
    assert decode_matrix(svg_matrix(qr.group(0)), tmp_path) == join  # same token too
    assert not blocked


@pytest.mark.browser
def test_printed_qr_code_opens_the_survey_on_a_phone(tmp_path):
    from tests.browser.server import CHROMIUM, launch_chromium

    require(ZBAR is not None, "zbarimg is missing (apt-get install zbar-tools)")
    require(CHROMIUM.exists(), f"{CHROMIUM} is missing (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    ws = Workshop(tmp_path)
    try:
        join, dashboard, store = _check_block(ws, ws.block(), tmp_path)
        with sync_playwright() as pw:
            browser = launch_chromium(pw)
            try:
                blocked: list[str] = []
                _phone_takes_the_survey(browser, join, blocked)
                _dashboard_shows_the_join_address(browser, dashboard, join, blocked, tmp_path)
            finally:
                browser.close()
    finally:
        status = ws.stop()
    from survey.store import open_store

    with open_store(store) as kept_store:
        assert kept_store.count("WS-X") == 1  # the phone's answers, under the workshop code
    log = ws.log.read_text(encoding="utf-8")
    assert status == 0 and "netsoc workshop WS-X stopped" in log
    assert "Traceback" not in log
