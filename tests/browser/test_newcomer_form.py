"""What a newcomer meets on the phone form (issue 31, point 5), in headless Chromium:
an empty page's error summary names its statements, "Save and finish later" brings the
code into view at 390 and 320 px, and the comment field says comments may be projected."""

from __future__ import annotations

import numpy as np
import pytest
from playwright.sync_api import expect

from tests.browser.form import answer_page, next_page, on_page, phone, shown_ids, start_survey

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_an_empty_pages_summary_names_each_statement(chromium_browser, server, inst, lang):
    local = inst.localized(lang)
    with phone(chromium_browser, viewport={"width": 390, "height": 844}) as page:
        start_survey(page, f"{server.url}?cohort=EMPTY&lang={lang}")
        next_page(page, 1)
        ids = shown_ids(page)
        page.locator(".netsoc-next").click()
        summary = page.locator(".netsoc-error-summary")
        expect(summary).to_be_focused()
        links = summary.get_by_role("link")
        expect(links).to_have_count(len(ids))
        assert links.all_inner_texts() == [local.item(q).text for q in ids]
        items = summary.locator("li").all_inner_texts()
        assert all(t.endswith(f"– {local.ui['no_answer_yet']}") for t in items), items
        assert local.ui["required"] not in summary.inner_text()
        links.nth(3).click()
        group = page.get_by_role("group", name=local.item(ids[3]).text)
        expect(group.get_by_role("radio").first).to_be_focused()


@pytest.mark.parametrize("width", [390, 320])
def test_save_and_finish_later_brings_the_code_into_view(chromium_browser, server, inst, width):
    rng = np.random.default_rng(width)
    with phone(chromium_browser, viewport={"width": width, "height": 640}) as page:
        start_survey(page, f"{server.url}?cohort=SAVE")
        answer_page(page, inst, rng)
        next_page(page, 1)
        answer_page(page, inst, rng)
        page.locator(".netsoc-save").scroll_into_view_if_needed()
        page.locator(".netsoc-save").click()
        box = page.locator(".netsoc-resume-code")
        expect(box).to_be_focused()
        expect(box).to_be_in_viewport(ratio=1.0)
        code = page.locator(".netsoc-code").inner_text()
        assert len(code) >= 6


def test_the_comment_field_says_comments_may_be_projected(chromium_browser, server, inst):
    rng = np.random.default_rng(3)
    with phone(chromium_browser, viewport={"width": 390, "height": 844}) as page:
        start_survey(page, f"{server.url}?cohort=NOTE&lang=de")
        k = 1
        while page.locator(".netsoc-next").count():
            answer_page(page, inst, rng)
            next_page(page, k)
            k += 1
        area = page.locator("textarea")
        hint = inst.localized("de").ui["comment_hint"]
        assert "Beamer" in hint
        expect(page.locator(f"#{area.get_attribute('aria-describedby').split()[0]}")).to_have_text(hint)
        on_page(page, k)
