"""Browser fixtures: Debian's headless Chromium driven by Playwright, Voila servers.

Without ``/usr/bin/chromium`` or the playwright package the browser tests
skip with the reason; with ``CI=true`` they fail instead (``require``).
Screenshots go to ``test-artifacts/`` (git-ignored).
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from tests.browser.voila import CHROMIUM, ROOT, launch_chromium, run_voila
from tests.conftest import require

os.environ.setdefault("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1")
ARTIFACTS = ROOT / "test-artifacts"
PHONE = {"width": 375, "height": 812}


@pytest.fixture(scope="session")
def chromium_browser():
    """A headless Chromium for the whole session."""
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
    pg = context.new_page()
    pg.set_default_timeout(30_000)
    yield pg
    ARTIFACTS.mkdir(exist_ok=True)
    name = re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.name)
    try:
        pg.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
    finally:
        context.close()


@pytest.fixture
def artifacts() -> Path:
    """The folder for screenshots and other browser-test outputs."""
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


@pytest.fixture
def voila(tmp_path):
    """``voila(notebook, **kw)`` starts a server for this test (stopped afterwards)."""
    stack = []

    def start(notebook, **kwargs):
        cm = run_voila(notebook, tmp_path / f"voila{len(stack)}", **kwargs)
        server = cm.__enter__()
        stack.append(cm)
        return server

    yield start
    for cm in reversed(stack):
        cm.__exit__(None, None, None)
