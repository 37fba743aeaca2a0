"""Browser fixtures: Debian's headless Chromium driven by Playwright, netsoc servers.

Without ``/usr/bin/chromium`` or the playwright package the browser tests
skip with the reason; with ``CI=true`` they fail instead (``require``).
Screenshots go to ``test-artifacts/`` (git-ignored).  Every page made here
aborts requests that would leave the machine (anything not 127.0.0.1 or
localhost) and the test fails if one was attempted.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from tests.browser.server import CHROMIUM, ROOT, block_outside, launch_chromium, run_server
from tests.conftest import require

os.environ.setdefault("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1")
ARTIFACTS = ROOT / "test-artifacts"
PHONE = {"width": 375, "height": 812}


@pytest.fixture(scope="package")
def chromium_browser():
    """A headless Chromium for the browser tests.

    Package scope, not session: Playwright's sync API keeps an event loop running
    in the main thread while it is open, which would break every later test that
    runs its own loop (asyncio.run, another sync_playwright).
    """
    require(CHROMIUM.exists(), f"{CHROMIUM} is missing (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        require(False, "the playwright package is not installed (pip install -e '.[test]')")
    with sync_playwright() as pw:
        b = launch_chromium(pw)
        yield b
        b.close()


@pytest.fixture
def phone_page(chromium_browser, request):
    """A fresh phone-sized page; a screenshot is kept in test-artifacts/ afterwards."""
    context = chromium_browser.new_context(viewport=PHONE)
    blocked = block_outside(context)
    pg = context.new_page()
    pg.set_default_timeout(30_000)
    yield pg
    ARTIFACTS.mkdir(exist_ok=True)
    name = re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.name)
    try:
        pg.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
    finally:
        context.close()
    assert not blocked, f"the page tried to leave the machine: {blocked[:5]}"


@pytest.fixture
def artifacts() -> Path:
    """The folder for screenshots and other browser-test outputs."""
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


@pytest.fixture
def served(tmp_path):
    """``served(kind, db=..., args=[...])`` runs ``netsoc <kind>`` for this test (stopped afterwards)."""
    stack = []

    def start(kind, **kwargs):
        cm = run_server(kind, tmp_path / f"server{len(stack)}", **kwargs)
        server = cm.__enter__()
        stack.append(cm)
        return server

    yield start
    for cm in reversed(stack):
        cm.__exit__(None, None, None)


@pytest.fixture(scope="module")
def inst():
    """The shipped instrument, loaded once per test module."""
    from survey.instrument import load_instrument

    return load_instrument()


@pytest.fixture(scope="module")
def server(tmp_path_factory, request):
    """One real ``netsoc survey`` per test module, in an empty folder of its own."""
    with run_server("survey", tmp_path_factory.mktemp(request.module.__name__.rpartition(".")[2])) as s:
        yield s
