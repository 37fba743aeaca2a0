"""Accessibility of the questionnaire in a real browser (issue 13).

- axe-core (``axe-playwright-python``, its own copy of axe, nothing fetched)
  finds no WCAG 2.0/2.1 A or AA violation on the consent page, every
  question page, the error state and the feedback page;
- a keyboard-only participant completes the whole survey: Tab reaches each
  statement once (one tab stop per radio group, found by
  ``get_by_role("radiogroup", name=<statement>)``), the arrow keys choose,
  Enter presses Next and Submit; the chosen option reports itself checked and
  the stored row holds exactly the keyed answers;
- page structure: ``lang``, one ``h1``, a heading per page that takes the
  focus on a page change, a ``progressbar`` with its values, 44 px targets.

Every request that would leave the machine is aborted (``phone_page``).
"""

from __future__ import annotations

import json

import numpy as np
import pytest

from survey.instrument import load_instrument
from tests.browser.test_jupyterlab import lab  # noqa: F401 - the JupyterLab server fixture
from tests.browser.test_survey_browser import (
    goto_next,
    open_survey,
    progress_is,
    shown_ids,
    start_survey,
    stored_row,
)

pytestmark = pytest.mark.browser
WCAG = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


def axe_violations(page):
    """WCAG 2.0/2.1 A and AA violations on the page as (rule, impact, targets) tuples."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page, options={"runOnly": {"type": "tag", "values": WCAG},
                                       "resultTypes": ["violations"]})
    return [(v["id"], v["impact"], [n["target"] for n in v["nodes"]][:5])
            for v in results.response["violations"]]


def focused(page):
    """Class, type, name and value of the focused element."""
    return page.evaluate("""() => { const e = document.activeElement;
        return { cls: String(e.className || ''), tag: e.tagName, type: e.type || '',
                 name: e.name || '', value: e.value || '',
                 group: e.closest('[role=radiogroup]') ?
                        e.closest('[role=radiogroup]').getAttribute('aria-labelledby') : null }; }""")


def tab_until(page, predicate, limit=40):
    """Press Tab until the focused element satisfies ``predicate``."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        f = focused(page)
        if predicate(f):
            return f
    raise AssertionError(f"Tab never reached the target; last focus {focused(page)}")


def test_axe_finds_no_wcag_a_or_aa_violation_on_any_page(phone_page, served):
    page = phone_page
    inst = load_instrument()
    rng = np.random.default_rng(13)
    server = served("survey", args=["--cohort", "AXE-1"])
    open_survey(page, server.url)
    found = {"consent": axe_violations(page)}
    page.locator(".netsoc-consent").click()
    progress_is(page, 1)
    found["page 1"] = axe_violations(page)
    goto_next(page, 1)
    k = 2
    page.locator(".netsoc-next").click()  # nothing answered: the error state
    page.get_by_role("alert").filter(has_text="need your attention").wait_for()
    found["error state"] = axe_violations(page)
    while True:
        for qid in shown_ids(page):
            if qid in inst.question_ids:
                code = int(rng.choice(list(inst.value_labels(qid))))
                page.get_by_role("radiogroup", name=inst.item(qid).text, exact=True).get_by_role(
                    "radio", name=inst.value_labels(qid)[code], exact=True).check()
        found[f"page {k}"] = axe_violations(page)
        if page.locator(".netsoc-submit").is_visible():
            break
        goto_next(page, k)
        k += 1
    page.locator(".netsoc-submit").click()
    page.locator(".netsoc-feedback").wait_for(timeout=60_000)
    found["feedback"] = axe_violations(page)
    assert k == 7
    bad = {where: v for where, v in found.items() if v}
    assert not bad, json.dumps(bad)


def test_page_structure_lang_headings_progress_and_targets(phone_page, served):
    page = phone_page
    server = served("survey")
    open_survey(page, server.url)
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.locator(".netsoc-app").get_attribute("lang") == "en"
    assert page.get_by_role("heading", level=1).count() == 1
    assert page.get_by_role("heading", level=2, name="Consent").is_visible()
    page.locator(".netsoc-consent").focus()
    page.keyboard.press("Enter")
    progress_is(page, 1)
    heading = page.get_by_role("heading", level=2, name="About you")
    heading.wait_for()
    page.wait_for_function("() => document.activeElement.classList.contains('netsoc-page-heading')")
    bar = page.get_by_role("progressbar", name="Page 1 of 7")
    assert (bar.get_attribute("aria-valuenow"), bar.get_attribute("aria-valuemin"),
            bar.get_attribute("aria-valuemax")) == ("1", "1", "7")
    assert page.locator(".netsoc-progress").get_by_text("Page 1 of 7").is_visible()
    goto_next(page, 1)
    page.wait_for_function("() => document.activeElement.classList.contains('netsoc-page-heading')")
    assert page.get_by_role("heading", level=1).count() == 1
    bar = page.get_by_role("progressbar", name="Page 2 of 7")
    assert bar.get_attribute("aria-valuenow") == "2"
    assert page.get_by_role("radiogroup").count() == 8 == page.get_by_role("group").count()
    # every option, and every button, is at least 44 x 44 px at phone width
    for loc in (page.locator(".netsoc-option"), page.locator(".netsoc-nav button")):
        for box in [b for b in (e.bounding_box() for e in loc.all()) if b]:
            assert box["width"] >= 44 and box["height"] >= 44, box
    # keyboard focus is visible: the focused option's box gets a 3 px outline
    page.keyboard.press("Tab")
    outline = page.evaluate("""() => { const l = document.activeElement.closest('.netsoc-option');
        const st = getComputedStyle(l); return [st.outlineStyle, st.outlineWidth]; }""")
    assert outline == ["solid", "3px"], outline
    # reflow: at 320 px nothing scrolls sideways
    page.set_viewport_size({"width": 320, "height": 640})
    page.wait_for_timeout(300)
    assert page.evaluate("document.documentElement.scrollWidth") <= 320


def test_keyboard_only_participant_completes_the_survey(phone_page, served):
    page = phone_page
    inst = load_instrument()
    rng = np.random.default_rng(21)
    server = served("survey", args=["--cohort", "KEYS-1"])
    open_survey(page, server.url)
    tab_until(page, lambda f: "netsoc-consent" in f["cls"])
    page.keyboard.press("Enter")
    progress_is(page, 1)
    tab_until(page, lambda f: "netsoc-next" in f["cls"])  # the grouping questions are optional
    page.keyboard.press("Enter")
    k, keyed = 2, {}
    while True:
        progress_is(page, k)
        page.wait_for_function(
            "() => document.activeElement.classList.contains('netsoc-page-heading')")
        ids = shown_ids(page)
        if ids == [inst.comment.id]:
            break
        for qid in ids:
            labels = inst.value_labels(qid)
            group = page.get_by_role("radiogroup", name=inst.item(qid).text, exact=True)
            group_id = group.get_attribute("aria-labelledby")
            # one Tab reaches the statement's group (its first option: none is checked)
            page.keyboard.press("Tab")
            f = focused(page)
            assert f["type"] == "radio" and f["group"] == group_id, (qid, f)
            code = int(rng.choice(list(labels)))
            codes = list(labels)
            if code == codes[0]:
                page.keyboard.press("Space")
            for _ in range(codes.index(code)):
                page.keyboard.press("ArrowRight")
            radio = group.get_by_role("radio", name=labels[code], exact=True)
            assert radio.is_checked()
            assert group.get_by_role("radio", checked=True).count() == 1
            keyed[qid] = code
        tab_until(page, lambda f: "netsoc-next" in f["cls"], limit=3)
        page.keyboard.press("Enter")
        k += 1
    tab_until(page, lambda f: f["tag"] == "TEXTAREA")
    page.keyboard.type("Typed with the keyboard")
    tab_until(page, lambda f: "netsoc-submit" in f["cls"])
    page.keyboard.press("Enter")
    page.locator(".netsoc-feedback").wait_for(timeout=60_000)
    page.wait_for_function("() => document.activeElement.classList.contains('netsoc-page-heading')")
    assert set(keyed) == set(inst.question_ids)
    row = stored_row(server.db, inst)
    assert row["status"] == "submitted" and row["cohort"] == "KEYS-1"
    assert row["comment"] == "Typed with the keyboard"
    for qid, code in keyed.items():
        assert row[qid] == code, qid


def test_going_back_shows_each_choice_checked(phone_page, served):
    page = phone_page
    inst = load_instrument()
    server = served("survey")
    start_survey(page, server.url)
    goto_next(page, 1)
    ids = shown_ids(page)
    for qid in ids:
        page.get_by_role("radiogroup", name=inst.item(qid).text, exact=True).get_by_role(
            "radio", name=inst.value_labels(qid)[2], exact=True).check()
    goto_next(page, 2)
    page.locator(".netsoc-back").click()
    progress_is(page, 2)
    for qid in ids:
        group = page.get_by_role("radiogroup", name=inst.item(qid).text, exact=True)
        assert group.get_by_role("radio", name=inst.value_labels(qid)[2], exact=True).is_checked()
        # the group is one tab stop: only the checked radio is in the tab order
        assert group.locator("input:checked").count() == 1


@pytest.mark.slow
def test_radio_groups_work_inside_jupyterlab(lab, chromium_browser):
    """The same widgets in an ordinary JupyterLab kernel (the researcher's path)."""
    from tests.browser.server import block_outside

    base, token, db = lab
    inst = load_instrument()
    context = chromium_browser.new_context(viewport={"width": 1280, "height": 900})
    blocked = block_outside(context)
    page = context.new_page()
    page.set_default_timeout(90_000)
    try:
        page.goto(f"{base}/lab/tree/01_take_survey.ipynb?token={token}")
        page.locator("#jp-main-statusbar").get_by_text("Idle").first.wait_for()
        page.get_by_text("Run", exact=True).first.click()
        page.get_by_text("Run All Cells", exact=True).first.click()
        page.locator(".netsoc-consent").first.click()
        page.locator(".netsoc-item-role").first.wait_for(state="visible")
        page.locator(".netsoc-next").first.click()
        first = page.locator("[role=radiogroup]").first
        first.wait_for()
        legend = page.locator("#" + first.get_attribute("aria-labelledby")).locator(
            "span:not(.netsoc-qnum)").inner_text()
        qid = next(q for q in inst.question_ids if inst.item(q).text == legend.strip())
        group = page.get_by_role("radiogroup", name=inst.item(qid).text, exact=True)
        assert page.get_by_role("group", name=inst.item(qid).text, exact=True).count() == 1
        group.get_by_role("radio").first.focus()
        page.keyboard.press("ArrowRight")
        second = inst.value_labels(qid)[list(inst.value_labels(qid))[1]]
        assert group.get_by_role("radio", name=second, exact=True).is_checked()
        page.locator(".netsoc-save").first.click()
        page.locator(".netsoc-resume-code").first.wait_for()
    finally:
        context.close()
    assert not blocked, blocked[:5]
    from survey.store import open_store

    with open_store(db, instrument=inst) as store:
        assert store.load_draft(store.to_frame(include_drafts=True)["respondent_id"][0])[qid] == 2
