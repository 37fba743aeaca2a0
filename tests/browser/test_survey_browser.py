"""The survey in a real browser: ``netsoc survey`` on 127.0.0.1, headless Chromium at phone width.

One server for the module (no ``--cohort``: each test uses its own ``?cohort=``);
every context aborts requests that would leave the machine.
"""

from __future__ import annotations

import re

import numpy as np
import pytest
from playwright.sync_api import expect

from survey.store import open_store
from tests.browser.form import (
    answer_page,
    choose,
    finish,
    next_page,
    on_page,
    open_survey,
    phone,
    run_to_comment,
    shown_ids,
    start_survey,
    stored,
)
from tests.browser.server import run_server

pytestmark = pytest.mark.browser


def test_full_survey_stores_exactly_what_was_clicked(chromium_browser, server, inst, tmp_path):
    rng = np.random.default_rng(11)
    with phone(chromium_browser, accept_downloads=True) as page:
        start_survey(page, server.url + "?cohort=FULL")
        answers = run_to_comment(page, inst, rng)
        # the server sends each page's answers; going back shows them checked
        page.locator(".netsoc-back").click()
        on_page(page, int(page.locator(".netsoc-progressbar").get_attribute("max")) - 1)
        for qid in shown_ids(page):
            label = inst.value_labels(qid)[answers[qid]]
            group = page.get_by_role("group", name=inst.item(qid).text)
            assert group.get_by_role("radio", name=label, exact=True).is_checked()
        page.locator(".netsoc-next").click()
        finish(page, "Great <b>session</b> & thanks")
        expect(page.locator(".netsoc-feedback h2")).to_be_visible()
        with page.expect_download() as dl:
            page.locator(".netsoc-keep-result").click()
        kept = dl.value.path().read_text()
        assert "<script" not in kept and "<svg" in kept and re.search(r"lang=['\"]en['\"]", kept)
    row = stored(server.db, inst, cohort="FULL")
    assert len(row) == 1 and row.iloc[0]["status"] == "submitted"
    row = row.iloc[0]
    for qid, value in answers.items():
        assert row[qid] == value, qid
    assert row["comment"] == "Great <b>session</b> & thanks"


def test_missing_answer_is_tied_to_its_statement_and_the_heading_takes_the_focus(
    chromium_browser, server, inst
):
    rng = np.random.default_rng(12)
    with phone(chromium_browser) as page:
        start_survey(page, server.url + "?cohort=MISS")
        assert page.evaluate("document.activeElement.className") == "netsoc-page-heading"
        answer_page(page, inst, rng)
        next_page(page, 1)
        assert page.evaluate("document.activeElement.className") == "netsoc-page-heading"
        ids = shown_ids(page)
        answer_page(page, inst, rng, skip=(ids[2],))
        page.locator(".netsoc-next").click()
        summary = page.locator(".netsoc-error-summary")
        expect(summary).to_contain_text("1 answer on this page needs your attention")
        expect(summary).to_be_focused()
        group = page.locator(f"[data-qid='{ids[2]}']")
        expect(group).to_have_class(re.compile("netsoc-invalid"))
        radio = group.get_by_role("radio").first
        expect(radio).to_have_attribute("aria-invalid", "true")
        described = radio.get_attribute("aria-describedby")
        expect(page.locator(f"#{described}")).to_have_text("Please answer this question - it is required.")
        on_page(page, 2)  # refused: still page 2
        summary.get_by_role("link").click()
        expect(radio).to_be_focused()
        choose(page, inst, ids[2], 3)
        expect(radio).not_to_have_attribute("aria-invalid", "true")
        next_page(page, 2)


def test_german_from_the_address_and_french_from_the_browser(chromium_browser, server, inst):
    de = inst.localized("de")
    with phone(chromium_browser) as page:
        open_survey(page, server.url + "?lang=de&cohort=LANG")
        assert page.evaluate("document.documentElement.lang") == "de"
        expect(page.locator(".netsoc-consent")).to_have_text(de.consent.agree_label)
        page.locator(".netsoc-consent").click()
        on_page(page, 1)
        next_page(page, 1)
        page.locator(".netsoc-next").click()
        error = page.locator(".netsoc-error:visible").first
        expect(error).to_have_text(de.ui["required"])
        expect(page.locator(".netsoc-next")).to_have_text(de.ui["next"])
    fr = inst.localized("fr")
    with phone(
        chromium_browser, locale="fr-FR", extra_http_headers={"Accept-Language": "fr-FR,fr;q=0.9"}
    ) as page:
        open_survey(page, server.url + "?cohort=LANG")
        expect(page.locator(".netsoc-consent")).to_have_text(fr.consent.agree_label)


def test_language_switcher_on_the_consent_page(chromium_browser, server, inst):
    de = inst.localized("de")
    with phone(chromium_browser) as page:
        open_survey(page, server.url + "?cohort=SWITCH")
        page.get_by_label("Language").select_option("de")
        expect(page.locator(".netsoc-consent")).to_have_text(de.consent.agree_label)
        expect(page.locator(".netsoc-language")).to_be_focused()
        page.locator(".netsoc-consent").click()
        on_page(page, 1)
        assert page.evaluate("document.documentElement.lang") == "de"
        next_page(page, 1)
        expect(page.locator("legend").first).to_contain_text(de.item(shown_ids(page)[0]).text)
    row = stored(server.db, inst, cohort="SWITCH")
    assert list(row["language"]) == ["de"]


def test_a_reload_mid_page_continues_on_the_same_page_with_every_answer(chromium_browser, server, inst):
    rng = np.random.default_rng(13)
    with phone(chromium_browser) as page:
        start_survey(page, server.url + "?cohort=RELOAD")
        answers = answer_page(page, inst, rng)
        next_page(page, 1)
        answers.update(answer_page(page, inst, rng))
        next_page(page, 2)
        half = shown_ids(page)[:4]
        answers.update(answer_page(page, inst, rng, skip=tuple(shown_ids(page)[4:])))
        page.reload()
        on_page(page, 3)
        assert shown_ids(page)[:4] == half
        for qid in half:  # kept in this browser until the server acknowledged them
            group = page.get_by_role("group", name=inst.item(qid).text)
            label = inst.value_labels(qid)[answers[qid]]
            expect(group.get_by_role("radio", name=label, exact=True)).to_be_checked()
        answers.update(answer_page(page, inst, rng, skip=tuple(half)))
        next_page(page, 3)
        answers.update(run_to_comment(page, inst, rng, start=4))
        finish(page)
    row = stored(server.db, inst, cohort="RELOAD").iloc[0]
    assert row["status"] == "submitted"
    assert {q: row[q] for q in answers} == answers


def test_thirty_seconds_offline_mid_page_loses_nothing(chromium_browser, server, inst):
    rng = np.random.default_rng(14)
    with phone(chromium_browser) as page:
        start_survey(page, server.url + "?cohort=OFFLINE")
        answers = answer_page(page, inst, rng)
        next_page(page, 1)
        page.context.set_offline(True)
        answers.update(answer_page(page, inst, rng))
        page.locator(".netsoc-next").click()
        expect(page.locator(".netsoc-message")).to_contain_text("No connection", timeout=15_000)
        page.wait_for_timeout(30_000)
        page.context.set_offline(False)
        on_page(page, 3)
        expect(page.locator(".netsoc-message")).to_contain_text("Connected again")
        answers.update(run_to_comment(page, inst, rng, start=3))
        finish(page)
    row = stored(server.db, inst, cohort="OFFLINE").iloc[0]
    assert {q: row[q] for q in answers} == answers


def test_a_phone_locked_for_ten_minutes_mid_page_loses_nothing(chromium_browser, server, inst):
    """The screen locks with a page answered but not sent: no network, and ten minutes pass on
    the phone's clock (its retry timers run their course); unlocked, the page goes on."""
    rng = np.random.default_rng(17)
    with phone(chromium_browser) as page:
        page.clock.install()
        start_survey(page, server.url + "?cohort=LOCKED")
        answers = answer_page(page, inst, rng)
        next_page(page, 1)
        answers.update(answer_page(page, inst, rng))
        page.context.set_offline(True)
        page.locator(".netsoc-next").click()
        expect(page.locator(".netsoc-message")).to_contain_text("No connection", timeout=15_000)
        page.clock.fast_forward("10:00")
        page.context.set_offline(False)
        on_page(page, 3)
        expect(page.locator(".netsoc-message")).to_contain_text("Connected again")
        answers.update(run_to_comment(page, inst, rng, start=3))
        finish(page)
    row = stored(server.db, inst, cohort="LOCKED").iloc[0]
    assert row["status"] == "submitted" and {q: row[q] for q in answers} == answers


def test_your_workshop_appears_by_itself_once_k_have_answered(chromium_browser, server, inst):
    """Alone in the room, the feedback says the summary comes once k have answered; the page asks
    every 30 s (its clock moved on here) and shows the summary when four more have answered."""
    from tests.helpers import keyed_answers

    rng = np.random.default_rng(18)
    with phone(chromium_browser) as page:
        page.clock.install()
        start_survey(page, server.url + "?cohort=ALONE")
        run_to_comment(page, inst, rng)
        finish(page)
        room = page.locator(".netsoc-room p")
        expect(room).to_contain_text("once at least 5 people have answered")
        with open_store(server.db, instrument=inst) as store:
            for i in range(4):
                store.submit(keyed_answers(inst, 2 + i % 3, 4 - i % 3, consent=True), cohort="ALONE")
        for _ in range(10):  # the server reuses a room's summary for up to 10 s
            page.clock.fast_forward(30_000)
            page.wait_for_timeout(2_000)
            if "The average balance of your workshop" in (room.text_content() or ""):
                break
        expect(room).to_contain_text("The average balance of your workshop is")


def test_one_submission_per_browser_and_reopening_shows_the_result(chromium_browser, server, inst):
    rng = np.random.default_rng(15)
    with phone(chromium_browser) as page:
        start_survey(page, server.url + "?cohort=ONCE")
        run_to_comment(page, inst, rng)
        finish(page)
        page.goto(server.url + "?cohort=ONCE")
        expect(page.locator(".netsoc-feedback")).to_be_visible()
        expect(page.locator(".netsoc-consent")).to_have_count(0)
    assert len(stored(server.db, inst, cohort="ONCE")) == 1


def test_resume_on_another_device_then_the_first_device_is_told_the_truth(chromium_browser, server, inst):
    rng = np.random.default_rng(16)
    with phone(chromium_browser, accept_downloads=True) as first, phone(chromium_browser) as second:
        start_survey(first, server.url + "?cohort=MOVE")
        answer_page(first, inst, rng)
        next_page(first, 1)
        answer_page(first, inst, rng)
        first.locator(".netsoc-save").click()
        code = first.locator(".netsoc-code").inner_text()
        assert re.fullmatch(r"[0-9A-Z]{8,}", code.replace("-", ""))
        open_survey(second, server.url + "?cohort=MOVE")
        for _ in range(2):
            second.get_by_label("Resume code").fill("WRONGCODE0")
            second.locator(".netsoc-resume").click()
            expect(second.locator("[data-qid='resume'] .netsoc-error")).to_be_visible()
        second.get_by_label("Resume code").fill(code)
        second.locator(".netsoc-resume").click()
        on_page(second, 3)  # the first page with a missing answer
        expect(second.locator(".netsoc-message")).to_contain_text("Welcome back")
        run_to_comment(second, inst, rng, start=3)
        finish(second)
        # the first device goes on: the truth, and a copy of its own answers
        first.locator(".netsoc-next").click()
        expect(first.locator(".netsoc-taken")).to_contain_text("already submitted from another device")
        with first.expect_download() as dl:
            first.locator(".netsoc-keep-answers").click()
        assert len(dl.value.path().read_text().splitlines()) > 10
    assert len(stored(server.db, inst, cohort="MOVE")) == 1


def test_wrong_resume_codes_lock_the_form_for_a_minute(chromium_browser, server):
    with phone(chromium_browser) as page:
        open_survey(page, server.url + "?cohort=LOCK")
        messages = []
        for k in range(6):
            page.get_by_label("Resume code").fill(f"WRONG{k:05d}")
            page.locator(".netsoc-resume").click()
            err = page.locator("[data-qid='resume'] .netsoc-error")
            expect(err).to_be_visible()
            page.wait_for_function("() => !document.querySelector('.netsoc-resume[aria-disabled]')")
            messages.append(err.inner_text())
        assert "wait" in messages[-1].lower() and "wait" not in messages[0].lower()


def test_a_closed_survey_says_so_and_stores_nothing(chromium_browser, server, inst):
    with open_store(server.db, instrument=inst) as store:
        store.set_collection_open("SHUT", False)
    with phone(chromium_browser) as page:
        page.goto(server.url + "?cohort=SHUT")
        expect(page.locator(".netsoc-page-heading")).to_have_text("This survey is closed")
        expect(page.locator(".netsoc-closed")).to_be_visible()
        expect(page.locator(".netsoc-consent")).to_have_count(0)
    assert len(stored(server.db, inst, cohort="SHUT")) == 0


def test_the_servers_workshop_code_wins_over_the_address(chromium_browser, inst, tmp_path):
    rng = np.random.default_rng(17)
    with (
        run_server("survey", tmp_path / "w", args=["--cohort", "SERVER"]) as s,
        phone(chromium_browser) as page,
    ):
        open_survey(page, s.url + "?cohort=OTHER")
        expect(page.locator(".netsoc-note")).to_contain_text("SERVER")
        page.locator(".netsoc-consent").click()
        on_page(page, 1)
        expect(page.locator(".netsoc-workshop")).to_contain_text("SERVER")
        expect(page.locator(".netsoc-cohort")).to_have_count(0)
        run_to_comment(page, inst, rng)
        finish(page)
        assert list(stored(s.db, inst)["cohort"]) == ["SERVER"]
