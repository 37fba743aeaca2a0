"""A room you can trust, in Chromium (issue 34): closing mid-questionnaire and reopening, a
server that cannot read the page's token (another secret), the join code typed on the start
page.  Real ``netsoc survey`` processes on 127.0.0.1; screenshots to test-artifacts/."""

from __future__ import annotations

import time

import numpy as np
import pytest
from playwright.sync_api import expect

from survey.instrument import load_instrument
from survey.store import open_store
from tests.browser.form import answer_page, next_page, on_page, start_survey
from tests.helpers import axe_violations

pytestmark = pytest.mark.browser


def test_closing_mid_questionnaire_keeps_the_answers_and_reopening_goes_on(served, phone_page, artifacts):
    inst = load_instrument()
    server = served("survey", args=["--cohort", "BR1"])
    page = phone_page
    page.set_extra_http_headers({"Accept-Language": "de"})
    start_survey(page, server.url)
    rng = np.random.default_rng(3)
    first = answer_page(page, inst, rng)
    next_page(page, 1)
    second = answer_page(page, inst, rng)
    with open_store(server.db, instrument=inst) as store:
        store.set_collection_open("BR1", False)
    time.sleep(2.5)  # every worker sees the switch within 2 s
    page.locator(".netsoc-next").click()
    de = inst.localized("de").ui
    expect(page.locator(".netsoc-closed")).to_have_text(de["closed_kept"])
    assert de["closed_text"] not in page.locator("body").inner_text()  # never "nothing stored"
    assert not axe_violations(page)
    page.screenshot(path=str(artifacts / "room-closed-de-375.png"), full_page=True)
    with open_store(server.db, instrument=inst) as store:
        draft = store.to_frame(cohort="BR1", include_drafts=True).iloc[0]
        assert all(draft[k] == v for k, v in {**first, **second}.items())  # this page's answers too
        store.set_collection_open("BR1", True)
    time.sleep(2.5)
    page.get_by_role("button", name=de["reopen_check"]).click()
    on_page(page, 2)
    page.locator(".netsoc-next").click()  # the page's answers are there: it goes on
    on_page(page, 3)


def test_a_server_that_cannot_read_the_token_goes_on_with_the_answers(served, phone_page, tmp_path):
    """A server started with another signing secret (``--secret-file``) on the same port and
    store: the page sends the answers it holds and goes on, never from the start."""
    inst = load_instrument()
    db = tmp_path / "shared.sqlite"
    first = served("survey", db=db, args=["--cohort", "BR2"])
    page = phone_page
    start_survey(page, first.url)
    rng = np.random.default_rng(5)
    answers = answer_page(page, inst, rng)
    next_page(page, 1)
    answers |= answer_page(page, inst, rng)
    first.process.terminate()
    first.process.wait(timeout=30)
    secret = tmp_path / "other-secret"
    served("survey", db=db, port=first.port, args=["--cohort", "BR2", "--secret-file", str(secret)])
    page.locator(".netsoc-next").click()
    expect(page.locator(".netsoc-live")).to_have_text(inst.ui["restored"], timeout=30_000)
    assert page.locator(".netsoc-progressbar").get_attribute("value") != "0"
    with open_store(db, instrument=inst) as store:
        frame = store.to_frame(cohort="BR2", include_drafts=True)
    kept = frame[frame.notna().sum(axis=1) == frame.notna().sum(axis=1).max()].iloc[0]
    assert all(kept[k] == v for k, v in answers.items())  # every answer, in the new draft


def test_the_join_code_typed_on_the_start_page_opens_the_questionnaire(served, phone_page, artifacts):
    inst = load_instrument()
    server = served("survey", args=["--cohort", "BR3", "--public", "--ip", "127.0.0.1"])
    with open_store(server.db, instrument=inst) as store:
        code = store.room_keys("BR3").join_code
    page = phone_page
    page.set_extra_http_headers({"Accept-Language": "fr"})
    page.goto(server.url)
    fr = inst.localized("fr").ui
    field = page.get_by_label(fr["join_label"])
    field.fill("1234567" if code != "1234567" else "7654321")
    field.press("Enter")
    expect(page.get_by_role("alert")).to_have_text(fr["join_wrong"])
    assert not axe_violations(page)  # the start page's form: label, error named by the field
    page.screenshot(path=str(artifacts / "room-join-fr-375.png"), full_page=True)
    page.get_by_label(fr["join_label"]).fill(f"{code[:3]} {code[3:]}")
    page.get_by_role("button", name=fr["join_button"]).click()
    page.locator(".netsoc-consent").wait_for()
    assert page.locator("html").get_attribute("lang") == "fr"


def test_a_phone_that_began_while_the_store_refused_writes_sends_every_answer(phone_page, tmp_path):
    """34.8: a full disk refuses every draft save: the page keeps the answers queued (they go
    along with each later message) and the submit, once the store writes again, stores them
    all; the participant is never told answers are missing."""
    import threading

    import sqlalchemy as sa
    import uvicorn

    from netsoc.server import free_port, wait_for_port
    from netsoc.server.app import survey_app
    from netsoc.server.config import ServerConfig
    from tests.browser.form import finish, run_to_comment

    inst = load_instrument()
    store = open_store(tmp_path / "full.sqlite", instrument=inst)
    full = [True]

    @sa.event.listens_for(store.engine, "connect")
    def refuse_writes(dbapi_conn, record):
        if full[0]:
            dbapi_conn.execute("PRAGMA query_only = ON")

    store.engine.dispose()
    app = survey_app(
        ServerConfig(kind="survey", secret="f" * 32, cohort="FULL").check(), instrument=inst, store=store
    )
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        wait_for_port(port, timeout=30)
        page = phone_page
        start_survey(page, f"http://127.0.0.1:{port}/")
        answers = run_to_comment(page, inst, np.random.default_rng(11))
        assert store.count("FULL", include_drafts=True) == 0  # nothing could be saved
        full[0] = False
        store.engine.dispose()  # the disk has room again
        finish(page)
    finally:
        server.should_exit = True
        thread.join(timeout=10)
    frame = store.to_frame(cohort="FULL")
    assert len(frame) == 1
    assert all(frame.loc[0, k] == v for k, v in answers.items())
    store.close()


def test_a_refused_file_load_is_tried_again_and_the_page_says_so(served, phone_page, artifacts):
    """34.2: the form module and the description refused at first (as an overloaded venue link
    does): the page says so in the participant's language, retries with backoff, and the
    questionnaire appears; never a blank page."""
    inst = load_instrument()
    server = served("survey", args=["--cohort", "BR4"])
    page = phone_page
    page.set_extra_http_headers({"Accept-Language": "fr"})
    refused = {"form": 0, "spec": 0}

    def flaky(route):
        kind = "spec" if "/spec-" in route.request.url else "form"
        if refused[kind] < 2:
            refused[kind] += 1
            route.abort()
        else:
            route.continue_()

    page.route(lambda url: "/static/spec-" in url or ("/static/form." in url and ".js" in url), flaky)
    page.goto(server.url)
    fr = inst.localized("fr").ui
    expect(page.locator(".netsoc-load-failed")).to_have_text(fr["load_failed"])
    page.screenshot(path=str(artifacts / "room-load-failed-fr-375.png"), full_page=True)
    page.locator(".netsoc-consent").wait_for(timeout=30_000)
    assert refused == {"form": 2, "spec": 2}
    assert page.locator(".netsoc-load-failed").count() == 0
