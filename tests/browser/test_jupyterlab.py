"""The survey notebook in JupyterLab: the same form module as on phones, as an anywidget.

A real JupyterLab server on 127.0.0.1 (token required) opens a copy of
``01_take_survey.ipynb`` in headless Chromium, runs all cells from the menu,
and the participant clicks through consent to the grouping questions, where
the form asks for the workshop code (none is set), then answers a page with
the keyboard-accessible radio groups.  The copy keeps autosave away from the
committed notebook.
"""

from __future__ import annotations

import secrets
import shutil
import subprocess
import sys

import pytest

from netsoc.server import free_port, wait_for_port
from tests.browser.server import ROOT, isolated_env, stop_process_group

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture
def lab(tmp_path):
    root = tmp_path / "notebooks"
    root.mkdir()
    shutil.copy(ROOT / "notebooks" / "01_take_survey.ipynb", root)
    port, token = free_port(), secrets.token_hex(16)
    db = tmp_path / "lab.sqlite"
    env = isolated_env(tmp_path, db)
    cmd = [
        sys.executable,
        "-m",
        "jupyter",
        "lab",
        "--no-browser",
        "--ServerApp.ip=127.0.0.1",
        f"--ServerApp.port={port}",
        "--ServerApp.port_retries=0",
        "--allow-root",
        f"--IdentityProvider.token={token}",
        f"--ServerApp.root_dir={root}",
    ]
    log = open(tmp_path / "lab.log", "wb")
    proc = subprocess.Popen(cmd, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        wait_for_port(port, timeout=90, process=proc)
        yield f"http://127.0.0.1:{port}", token, db
    finally:
        stop_process_group(proc, timeout=15)
        log.close()


def test_survey_runs_in_jupyterlab(lab, chromium_browser, artifacts):
    base, token, db = lab
    context = chromium_browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(90_000)
    try:
        assert page.goto(f"{base}/lab").status == 403 or "token" in page.content().lower()
        page.goto(f"{base}/lab/tree/01_take_survey.ipynb?token={token}")
        page.locator("#jp-main-statusbar").get_by_text("Idle").first.wait_for()
        page.get_by_text("Run", exact=True).first.click()
        page.get_by_text("Run All Cells", exact=True).first.click()
        consent = page.locator(".netsoc-consent").first
        consent.wait_for(state="visible")
        page.screenshot(path=str(artifacts / "jupyterlab_survey.png"))
        consent.click()
        page.locator(".netsoc-progressbar[value='1']").wait_for()
        page.locator(".netsoc-item-role").first.wait_for(state="visible")
        page.locator(".netsoc-cohort").fill("LAB-1")  # asked: no workshop code is set
        page.locator(".netsoc-next").click()
        page.locator(".netsoc-progressbar[value='2']").wait_for()
        first = page.locator("fieldset.netsoc-question").first
        first.get_by_role("radio").nth(2).check()
        assert first.get_by_role("radio").nth(2).is_checked()
        page.screenshot(path=str(artifacts / "jupyterlab_survey_items.png"))
    finally:
        context.close()
    assert (ROOT / "notebooks" / "01_take_survey.ipynb").read_text().count('"outputs": []') >= 1
    from survey.instrument import load_instrument
    from survey.store import open_store

    with open_store(db, instrument=load_instrument()) as store:
        drafts = store.to_frame(include_drafts=True)
    assert list(drafts["cohort"]) == ["LAB-1"]  # the draft saved on Next, with the typed code
