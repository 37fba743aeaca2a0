"""Before and after in real browsers: ``netsoc workshop --wave pre``, phones, the facilitator's switch,
the projector's shift card (issue 32.8).

- Three phones answer the pre wave: A, B (keeps the personal code it is shown) and C (gives the
  self-generated linking code).
- The facilitator switches to the post wave on the controls page.
- Phone A reopens the page in the same browser, gets the post wave by itself, and sees its change.
- Phone B answers the post wave in another browser context, types its personal code, and sees
  its change; now k = 2 pairs exist and the projector shows the shift card.
- Phone C answers the post wave in another context with the same linking code: one more pair,
  and the shift card does not change (pairs are published in whole batches of k).

Screenshots (phone 390 and 320 px, German, projector 1280x720) go to test-artifacts/.
"""

from __future__ import annotations

import numpy as np
import pytest
from playwright.sync_api import expect

from survey.instrument import load_instrument
from survey.store import open_store
from tests.browser.form import finish, on_page, open_survey, run_to_comment, start_survey
from tests.browser.projector import MEASURE
from tests.browser.server import block_outside
from tests.browser.workshop import Workshop
from tests.helpers import axe_violations
from tests.netsoc.workshop.block import block_field as field
from tests.netsoc.workshop.block import loopback

pytestmark = pytest.mark.browser
K = 2
LINK = {"letter": "R", "day": "17", "siblings": "2"}


def new_phone(browser, width=390, **kw):
    ctx = browser.new_context(viewport={"width": width, "height": 844}, is_mobile=True, has_touch=True, **kw)
    blocked = block_outside(ctx)
    page = ctx.new_page()
    page.set_default_timeout(30_000)
    return ctx, page, blocked


def answer(page, inst, seed, *, link=None, code=None):
    """Answer every page (from page 1), fill the linking box, submit, wait for the feedback."""
    run_to_comment(page, inst, np.random.default_rng(seed))
    box = page.locator(".netsoc-link")
    if link is not None:
        for key, value in link.items():
            box.locator(f".netsoc-link-{key}").select_option(value)
    if code is not None:
        box.get_by_label(inst.ui["link_code_label"]).fill(code)
    finish(page)


def shift_card(screen, dashboard):
    screen.goto(dashboard)
    screen.locator("#deck").wait_for()
    card = screen.locator("[data-card='shift']")
    return card.inner_html() if card.count() else None


def show_card(screen, name):
    """Move the presenter to the card ``name`` with the arrow key; returns its measurement."""
    screen.locator("#nav-pause").click()
    screen.keyboard.press("Home")
    for _ in range(int(screen.locator("#nav-pos").inner_text().split()[-1])):
        measured = screen.evaluate(MEASURE)
        if measured["card"] == name:
            return measured
        screen.keyboard.press("ArrowRight")
    raise AssertionError(f"no {name} card")


def test_pre_post_linking_and_the_shift_card(tmp_path, chromium_browser, artifacts):
    inst = load_instrument()
    ws = Workshop(tmp_path, "--wave", "pre", "--min-group-size", str(K))
    try:
        block = ws.block()
        assert "collecting the pre wave" in block
        join = loopback(field(block, "Participants join at"))
        dashboard = field(block, "Dashboard (projector)")
        store = field(block, "Responses go to")
        b = chromium_browser
        phone_a, page_a, blocked = new_phone(b)
        start_survey(page_a, join)
        answer(page_a, inst, 1)
        expect(page_a.locator(".netsoc-pre-code")).to_be_visible()
        assert page_a.locator(".netsoc-change").count() == 0
        phone_b, page_b, _ = new_phone(b)
        start_survey(page_b, join)
        answer(page_b, inst, 2)
        code_b = page_b.locator(".netsoc-pre-code .netsoc-code").inner_text()
        phone_b.close()
        phone_c, page_c, _ = new_phone(b, width=320)
        start_survey(page_c, join)
        run_to_comment(page_c, inst, np.random.default_rng(3))
        expect(page_c.locator(".netsoc-link")).to_be_visible()
        assert page_c.locator(".netsoc-link-code").count() == 0  # the pre wave has no earlier code
        page_c.screenshot(path=str(artifacts / "waves-link-box-320.png"), full_page=True)
        assert not axe_violations(page_c)
        for key, value in LINK.items():
            page_c.locator(f".netsoc-link-{key}").select_option(value)
        finish(page_c)
        phone_c.close()

        # the facilitator switches to the post wave on the controls
        desk = b.new_context(viewport={"width": 1280, "height": 720})
        block_outside(desk, blocked)
        screen = desk.new_page()
        screen.goto(dashboard)
        screen.goto(dashboard.split("?")[0] + "control")
        screen.get_by_role("button", name="Switch to the 'after' wave").click()
        expect(screen.locator(".flash")).to_contain_text("Collecting now: the 'after' wave.")
        assert shift_card(screen, dashboard) is None  # no pairs yet

        # phone A: the same browser reopens the page and gets the post wave by itself
        page_a.wait_for_timeout(2500)  # the survey reads the cohort's wave every 2 s
        open_survey(page_a, join)
        page_a.locator(".netsoc-consent").click()
        on_page(page_a, 1)
        run_to_comment(page_a, inst, np.random.default_rng(11))
        assert page_a.locator(".netsoc-link").count() == 0  # linked by its own token already
        finish(page_a)
        change = page_a.locator(".netsoc-change")
        expect(change).to_be_visible()
        expect(change.get_by_role("heading")).to_have_text(inst.ui["change_heading"])
        assert change.locator("tbody tr").count() == 3
        page_a.screenshot(path=str(artifacts / "waves-change-390.png"), full_page=True)
        assert not axe_violations(page_a)
        with page_a.expect_download() as info:
            page_a.get_by_role("button", name=inst.ui["keep_result"]).click()
        kept = open(info.value.path(), encoding="utf-8").read()
        assert inst.ui["change_heading"] in kept
        assert shift_card(screen, dashboard) is None  # one pair: nothing below k

        # phone B: another browser context, linked with its personal code, in German
        phone_b2, page_b2, _ = new_phone(b, locale="de-DE", extra_http_headers={"Accept-Language": "de"})
        start_survey(page_b2, join)
        de = inst.localized("de")
        answer(page_b2, de, 12, code=code_b.lower())
        expect(page_b2.locator(".netsoc-change")).to_contain_text(de.ui["change_heading"])
        page_b2.screenshot(path=str(artifacts / "waves-change-de-390.png"), full_page=True)
        two = shift_card(screen, dashboard)
        assert two is not None and f"{K} people answered before and after" in two
        measured = show_card(screen, "shift")  # on the projector: readable, nothing overlapping
        screen.screenshot(path=str(artifacts / "waves-shift-1280.png"))
        assert not (measured["small"] or measured["overlaps"] or measured["outside"]), measured
        assert not axe_violations(screen)

        # phone C: another context, the same linking code: one more pair, the card stays as it was
        phone_c2, page_c2, _ = new_phone(b)
        start_survey(page_c2, join)
        answer(page_c2, inst, 13, link=LINK)
        assert page_c2.locator(".netsoc-change").count() == 0  # a guessable code never shows the past
        assert shift_card(screen, dashboard) == two
        for ctx in (phone_a, phone_b2, phone_c2, desk):
            ctx.close()
        assert not blocked
    finally:
        status = ws.stop()
    with open_store(store) as s:
        frame = s.to_frame(cohort="WS-X")
    assert status == 0
    assert frame["wave"].tolist() == ["pre"] * 3 + ["post"] * 3
    pre, post = frame[frame.wave == "pre"], frame[frame.wave == "post"]
    assert list(post["subject"]) == list(pre["subject"])  # A by its token, B by its code, C by the answers
    assert pre["subject"].is_unique
