"""The survey in a real browser: ``netsoc survey`` on 127.0.0.1, headless Chromium at phone width.

Every page aborts requests that would leave the machine (``phone_page``), so
these tests also show that the questionnaire needs nothing from the internet.
The helpers at the top are shared with ``test_accessibility.py``.
"""

from __future__ import annotations

import re

import numpy as np
import pytest
from playwright.sync_api import expect

from survey.instrument import load_instrument
from survey.store import open_store
from tests.browser.load import ALL_DRAWN

pytestmark = pytest.mark.browser
FIRST_PAINT_MS = 90_000  # a cold server start can take a while on a busy 2-core machine


def shown_ids(page):
    """Ids of the questions shown on the current page, from their CSS hooks."""
    ids = []
    for cls in page.locator("[class*='netsoc-item-']:visible").evaluate_all(
            "els => els.map(e => e.className)"):
        m = re.search(r"netsoc-item-([a-z0-9_]+)", cls)
        if m and m.group(1) not in ids:
            ids.append(m.group(1))
    return ids


def progress_is(page, k, old=(), text=None):
    """Wait for page ``k``: its progress text (English unless given) and its own questions."""
    page.locator(".netsoc-progress").get_by_text(
        text or re.compile(rf"^Page {k} of \d+$")).wait_for()
    page.wait_for_function(
        """old => { const shown = [...document.querySelectorAll("[class*='netsoc-item-']")]
                      .filter(e => e.offsetParent !== null);
                    return shown.length > 0 && shown.every(e => !old.some(
                      id => e.classList.contains('netsoc-item-' + id))); }""",
        arg=list(old))
    page.wait_for_function(ALL_DRAWN)  # a busy browser draws some questions late


def goto_next(page, k):
    """Press Next on page ``k`` and wait for page ``k + 1``."""
    old = shown_ids(page)
    page.locator(".netsoc-next").click()
    progress_is(page, k + 1, old)


def open_survey(page, url):
    """Open the survey and wait until it is drawn: consent button, and the app's language set."""
    page.goto(url)
    page.locator(".netsoc-consent").wait_for(timeout=FIRST_PAINT_MS)
    # the widgets set the lang attribute once they are attached (a moment after the buttons show)
    page.locator(".netsoc-app[lang]").wait_for(state="attached", timeout=FIRST_PAINT_MS)


def start_survey(page, url):
    """Open the survey, consent with a click and wait for page 1."""
    open_survey(page, url)
    page.locator(".netsoc-consent").click()
    progress_is(page, 1)


def choose(page, inst, qid, code):
    """Click one option of a statement and wait until it reports itself checked."""
    group = page.get_by_role("radiogroup", name=inst.item(qid).text, exact=True)
    radio = group.get_by_role("radio", name=inst.value_labels(qid)[code], exact=True)
    radio.check()
    assert radio.is_checked()
    return group


def stored_row(db, inst):
    with open_store(db, instrument=inst) as store:
        df = store.to_frame(include_drafts=True)
    assert len(df) == 1, df
    return df.iloc[0]


def test_full_survey_stores_exactly_what_was_clicked(phone_page, served):
    page = phone_page
    inst = load_instrument()
    rng = np.random.default_rng(4)
    server = served("survey")
    start_survey(page, server.url + "?cohort=BROWSER-1")
    clicked = {}
    for f in inst.choice_fields.values():
        code = str(rng.choice(list(f.options)))
        page.locator(f".netsoc-item-{f.id} select").select_option(label=f.options[code])
        clicked[f.id] = code
    k = 1
    goto_next(page, k)
    k += 1
    while True:
        for qid in shown_ids(page):
            if qid == inst.comment.id:
                page.locator(f".netsoc-item-{qid} textarea").fill("Great <b>session</b> & thanks")
                clicked[qid] = "Great <b>session</b> & thanks"
                continue
            code = int(rng.choice(list(inst.value_labels(qid))))
            choose(page, inst, qid, code)
            clicked[qid] = code
        if page.locator(".netsoc-submit").is_visible():
            break
        goto_next(page, k)
        k += 1
    assert set(clicked) == set(inst.question_ids) | set(inst.choice_fields) | {"comment"}
    page.locator(".netsoc-item-comment textarea").press("Tab")
    page.wait_for_timeout(300)  # let the last text sync reach the server
    page.locator(".netsoc-submit").dblclick()
    feedback = page.locator(".netsoc-feedback")
    feedback.wait_for(timeout=60_000)
    assert "Your profile" in feedback.inner_text()
    assert "so far" not in feedback.inner_text()  # no cohort sizes for participants

    row = stored_row(server.db, inst)  # a double click stored one response
    assert row["status"] == "submitted" and row["cohort"] == "BROWSER-1"
    assert row["language"] == "en"
    for qid, value in clicked.items():
        assert row[qid] == value, (qid, row[qid], value)


def test_missing_required_answer_is_tied_to_its_statement(phone_page, served):
    page = phone_page
    inst = load_instrument()
    server = served("survey")
    open_survey(page, server.url)
    page.locator(".netsoc-consent").focus()
    page.keyboard.press("Enter")
    progress_is(page, 1)
    goto_next(page, 1)
    ids = shown_ids(page)
    assert len(ids) == 8
    for qid in ids[:-1]:
        choose(page, inst, qid, 4)
    page.locator(".netsoc-next").focus()
    page.keyboard.press("Enter")
    group = page.get_by_role("radiogroup", name=inst.item(ids[-1]).text, exact=True)
    page.wait_for_function("() => document.activeElement && document.activeElement.type === 'radio'"
                           " && document.activeElement.closest('.netsoc-invalid') !== null")
    assert group.get_attribute("aria-invalid") == "true"
    position_id, error_id = group.get_attribute("aria-describedby").split()
    assert page.locator(f"#{position_id}").text_content() == "Question 8 of 39"
    error = page.locator(f"#{error_id}")
    assert "required" in error.inner_text() and "netsoc-error" in error.get_attribute("class")
    assert page.locator(f".netsoc-item-{ids[-1]}.netsoc-invalid").count() == 1
    summary = page.get_by_role("alert").filter(has_text="needs your attention")
    assert summary.inner_text().startswith("1 answer on this page needs your attention")
    assert page.locator(".netsoc-progress").get_by_text("Page 2 of 7").is_visible()
    with open_store(server.db, instrument=inst) as store:
        assert store.count() == 0


def test_the_servers_workshop_code_wins_over_the_address(phone_page, served):
    page = phone_page
    inst = load_instrument()
    server = served("survey", args=["--cohort", "WS-A"])
    open_survey(page, server.url + "?cohort=WS-B")
    assert "this link is for another workshop" in page.locator(".netsoc-app").inner_text().lower()
    page.locator(".netsoc-consent").click()
    progress_is(page, 1)
    assert page.locator(".netsoc-cohort").count() == 0 and "WS-A" in page.inner_text("body")
    goto_next(page, 1)
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    page.locator(".netsoc-save").click()
    code = page.locator(".netsoc-resume-code")
    code.wait_for()
    row = stored_row(server.db, inst)
    assert row["cohort"] == "WS-A" and code.inner_text() == row["respondent_id"]
    # shown once, apart from the message, with a Copy button that copies it
    assert row["respondent_id"] not in page.get_by_role("status").first.inner_text()
    page.get_by_role("button", name="Copy", exact=True).click()
    page.get_by_text("Copied.").wait_for()
    assert page.evaluate("navigator.clipboard.readText()") == row["respondent_id"]


def test_resume_on_another_device_warns_and_wrong_codes_are_slowed(phone_page, served):
    from tests.browser.server import block_outside

    page = phone_page
    inst = load_instrument()
    server = served("survey")
    start_survey(page, server.url)
    goto_next(page, 1)
    first = shown_ids(page)[0]
    page.get_by_role("radiogroup", name=inst.item(first).text, exact=True).get_by_role(
        "radio", name=inst.value_labels(first)[5], exact=True).check()
    page.locator(".netsoc-save").click()
    shown = page.locator(".netsoc-resume-code")
    shown.wait_for()  # visible once the code has arrived
    code = shown.inner_text()
    assert len(code) == 10

    other = page.context.browser.new_context(viewport={"width": 375, "height": 812})
    blocked = block_outside(other)
    try:
        phone = other.new_page()
        phone.set_default_timeout(30_000)
        open_survey(phone, server.url)
        box = phone.get_by_role("textbox", name="Resume code")
        for _ in range(5):  # the server handles them in order
            box.fill("ZZZZZZZZZZ")
            phone.locator(".netsoc-resume").click()
        phone.get_by_text("No unfinished answers").wait_for()
        box.fill(code.lower())
        phone.locator(".netsoc-resume").click()
        phone.get_by_text("wait a minute").wait_for()  # five misses: this session waits
    finally:
        other.close()
    assert not blocked

    again = page.context.browser.new_context(viewport={"width": 375, "height": 812})
    try:
        tablet = again.new_page()
        tablet.set_default_timeout(30_000)
        open_survey(tablet, server.url)
        tablet.get_by_role("textbox", name="Resume code").fill(code.lower())
        tablet.locator(".netsoc-resume").click()
        tablet.get_by_role("status").filter(has_text="replaces the answers saved there").wait_for()
        progress_is(tablet, 2)  # the first page with unanswered statements
        group = tablet.get_by_role("radiogroup", name=inst.item(first).text, exact=True)
        assert group.get_by_role("radio", name=inst.value_labels(first)[5], exact=True).is_checked()
    finally:
        again.close()


def test_german_from_the_address(phone_page, served):
    page = phone_page
    inst = load_instrument()
    assert "de" in inst.languages, "the instrument has no German version"
    de = inst.localized("de")
    server = served("survey")
    open_survey(page, server.url + "?lang=de")
    assert page.locator("html").get_attribute("lang") == "de"
    assert page.locator(".netsoc-app").get_attribute("lang") == "de"
    assert de.consent.text[:40] in page.inner_text("body")
    page.get_by_role("button", name=de.consent.agree_label, exact=True).click()
    progress_is(page, 1, text=de.ui["progress"].format(page=1, pages=7))
    old = shown_ids(page)
    page.get_by_role("button", name=de.ui["next"], exact=True).click()
    progress_is(page, 2, old, text=de.ui["progress"].format(page=2, pages=7))
    for qid in shown_ids(page):
        group = page.get_by_role("radiogroup", name=de.item(qid).text, exact=True)
        group.get_by_role("radio", name=de.value_labels(qid)[3], exact=True).check()
    page.get_by_role("button", name=de.ui["save"], exact=True).click()
    page.locator(".netsoc-resume-code").wait_for()
    assert stored_row(server.db, inst)["language"] == "de"


def answer_everything(page, inst, code=3):
    """From the consent page to the feedback page, every statement answered with ``code``."""
    page.locator(".netsoc-consent").click()
    progress_is(page, 1)
    k = 1
    goto_next(page, k)
    k += 1
    while not page.locator(".netsoc-submit").is_visible():
        for qid in shown_ids(page):
            page.get_by_role("radiogroup", name=inst.item(qid).text, exact=True).get_by_role(
                "radio", name=inst.value_labels(qid)[code], exact=True).check()
        goto_next(page, k)
        k += 1
    page.locator(".netsoc-submit").click()


def test_one_submission_per_browser(phone_page, served):
    page = phone_page
    inst = load_instrument()
    server = served("survey", args=["--cohort", "ONCE"])
    open_survey(page, server.url)
    answer_everything(page, inst)
    page.locator(".netsoc-feedback").wait_for(timeout=60_000)
    # the same browser (same localStorage and cookies), a fresh page
    open_survey(page, server.url)
    answer_everything(page, inst, code=4)
    page.get_by_role("status").filter(has_text="already been submitted").wait_for()
    assert page.locator(".netsoc-feedback").count() == 0
    with open_store(server.db, instrument=inst) as store:
        df = store.to_frame()
    assert len(df) == 1 and (df[[q for q in inst.item_ids]] == 3).all(axis=None)


def test_language_switcher_on_the_consent_page(phone_page, served):
    page = phone_page
    inst = load_instrument()
    fr = inst.localized("fr")
    server = served("survey")
    page.set_extra_http_headers({"Accept-Language": "de-CH,de;q=0.9"})
    open_survey(page, server.url)
    de = inst.localized("de")
    page.get_by_role("button", name=de.consent.agree_label, exact=True).wait_for()
    switcher = page.get_by_role("combobox", name=de.ui["language"])
    switcher.select_option(label=fr.language_info["fr"].name)
    page.get_by_role("button", name=fr.consent.agree_label, exact=True).wait_for()
    expect(page.locator(".netsoc-app")).to_have_attribute("lang", "fr")
    page.wait_for_function("() => document.documentElement.lang === 'fr'")
    page.get_by_role("button", name=fr.consent.agree_label, exact=True).click()
    page.locator(".netsoc-progress").get_by_text(fr.ui["progress"].format(page=1, pages=7)).wait_for()
