"""The survey in a real browser: Voila on 127.0.0.1, headless Chromium at phone width."""

from __future__ import annotations

import re

import numpy as np
import pytest

from survey.instrument import load_instrument
from survey.store import open_store
from tests.browser.server import ROOT

pytestmark = pytest.mark.browser
NOTEBOOK = ROOT / "notebooks" / "01_take_survey.ipynb"
FIRST_PAINT_MS = 60_000  # a cold Voila start can take a while on 2 cores


def shown_ids(page):
    """Ids of the questions shown on the current page, from their CSS hooks."""
    ids = []
    for cls in page.locator("[class*='netsoc-item-']:visible").evaluate_all(
            "els => els.map(e => e.className)"):
        m = re.search(r"netsoc-item-([a-z0-9_]+)", cls)
        if m and m.group(1) not in ids:
            ids.append(m.group(1))
    return ids


def goto_next(page, k):
    old = shown_ids(page)
    page.locator(".netsoc-next").click()
    page.locator(".netsoc-progress").get_by_text(f"Page {k + 1} of").wait_for()
    if old:
        page.locator(f".netsoc-item-{old[0]}").wait_for(state="detached")


def test_full_survey_stores_exactly_what_was_clicked(phone_page, voila):
    page = phone_page
    inst = load_instrument()
    rng = np.random.default_rng(4)
    server = voila(NOTEBOOK)
    page.goto(server.url + "?cohort=BROWSER-1")
    page.locator(".netsoc-consent").click(timeout=FIRST_PAINT_MS)
    page.locator(".netsoc-progress").get_by_text("Page 1 of 7").wait_for()
    clicked = {}
    for f in inst.choice_fields.values():
        code = str(rng.choice(list(f.options)))
        page.locator(f".netsoc-item-{f.id} select").select_option(label=f.options[code])
        clicked[f.id] = code
    k = 1
    goto_next(page, k)
    k += 1
    while True:
        ids = shown_ids(page)
        for qid in ids:
            if qid == inst.comment.id:
                page.locator(f".netsoc-item-{qid} textarea").fill("Great <b>session</b> & thanks")
                clicked[qid] = "Great <b>session</b> & thanks"
                continue
            labels = inst.value_labels(qid)
            code = int(rng.choice(list(labels)))
            button = page.locator(f".netsoc-item-{qid}").get_by_role(
                "button", name=labels[code], exact=True)
            button.click()
            page.locator(f".netsoc-item-{qid} .mod-active").get_by_text(
                labels[code], exact=True).wait_for()
            clicked[qid] = code
        if page.locator(".netsoc-submit").is_visible():
            break
        goto_next(page, k)
        k += 1
    assert set(clicked) == set(inst.question_ids) | set(inst.choice_fields) | {"comment"}
    page.locator(".netsoc-item-comment textarea").press("Tab")
    page.wait_for_timeout(300)  # let the last text sync reach the kernel
    page.locator(".netsoc-submit").dblclick()
    feedback = page.locator(".netsoc-feedback")
    feedback.wait_for(timeout=30_000)
    assert "Your profile" in feedback.inner_text()
    assert feedback.locator("img").count() == 3

    with open_store(server.db, instrument=inst) as store:
        df = store.to_frame(include_drafts=True)
    assert len(df) == 1, df  # a double click stored one response
    row = df.iloc[0]
    assert row["status"] == "submitted" and row["cohort"] == "BROWSER-1"
    for qid, value in clicked.items():
        assert row[qid] == value, (qid, row[qid], value)


def test_missing_required_answer_shows_the_error(phone_page, voila):
    page = phone_page
    inst = load_instrument()
    server = voila(NOTEBOOK)
    page.goto(server.url)
    # keyboard only: focus the controls and press Enter / Space
    page.locator(".netsoc-consent").wait_for(timeout=FIRST_PAINT_MS)
    page.locator(".netsoc-consent").focus()
    page.keyboard.press("Enter")
    page.locator(".netsoc-progress").get_by_text("Page 1 of 7").wait_for()
    goto_next(page, 1)
    ids = shown_ids(page)
    assert len(ids) == 8
    for qid in ids[:-1]:
        page.locator(f".netsoc-item-{qid}").get_by_role("button", name="Agree", exact=True).focus()
        page.keyboard.press("Space")
        page.locator(f".netsoc-item-{qid} .mod-active").get_by_text("Agree", exact=True).wait_for()
    page.locator(".netsoc-next").focus()
    page.keyboard.press("Enter")
    error = page.locator(".netsoc-error:visible").first
    error.wait_for()
    assert "required" in page.locator(".netsoc-question.netsoc-invalid .netsoc-error").inner_text()
    assert page.locator(".netsoc-question.netsoc-invalid").locator(
        f".netsoc-item-{ids[-1]}").count() == 1
    assert page.locator(".netsoc-progress").get_by_text("Page 2 of 7").is_visible()
    with open_store(server.db, instrument=inst) as store:
        assert store.count() == 0
