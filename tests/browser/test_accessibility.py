"""Accessibility and reflow of the questionnaire in a real browser (issues 13, 20, 21 point 7).

- axe-core (``axe-playwright-python``, its own copy of axe, nothing fetched)
  finds no WCAG 2.0/2.1 A or AA violation on any page: consent, every
  question page, the error state, the comment page, the feedback, the closed
  survey;
- at 320 px, in every language, nothing on any page runs past the viewport
  (measured box by box), and the comment page's privacy instruction is
  visible in full;
- a keyboard-only participant completes the whole survey: one tab stop per
  statement, arrow keys choose, Enter presses Next and Submit;
- page structure: ``lang``, one ``h1``, the page heading takes the focus,
  a labelled progress bar, 44 px targets.
"""

from __future__ import annotations

import numpy as np
import pytest

from tests.browser.form import (
    answer_page,
    finish,
    next_page,
    on_page,
    open_survey,
    overflow,
    phone,
    run_to_comment,
    shown_ids,
    start_survey,
    stored,
)

pytestmark = pytest.mark.browser
WCAG = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


def axe_violations(page):
    """WCAG 2.0/2.1 A and AA violations on the page as (rule, impact, targets) tuples."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(
        page, options={"runOnly": {"type": "tag", "values": WCAG}, "resultTypes": ["violations"]}
    )
    return [
        (v["id"], v["impact"], [n["target"] for n in v["nodes"]][:5]) for v in results.response["violations"]
    ]


def test_axe_finds_nothing_on_any_page(chromium_browser, server, inst):
    rng = np.random.default_rng(31)
    seen = {}
    with phone(chromium_browser) as page:
        open_survey(page, server.url + "?cohort=AXE")
        seen["consent"] = axe_violations(page)
        page.locator(".netsoc-resume").click()  # an empty code: the resume error state
        page.locator("[data-qid='resume'] .netsoc-error").wait_for()
        seen["resume error"] = axe_violations(page)
        page.locator(".netsoc-consent").click()
        on_page(page, 1)
        seen["fields"] = axe_violations(page)
        answer_page(page, inst, rng)
        next_page(page, 1)
        page.locator(".netsoc-next").click()
        page.locator(".netsoc-error-summary").wait_for()
        seen["errors"] = axe_violations(page)
        k = 2
        while page.locator(".netsoc-next").count():
            answer_page(page, inst, rng)
            next_page(page, k)
            k += 1
            seen[f"page {k}"] = axe_violations(page)
        page.locator(".netsoc-save").click()
        page.locator(".netsoc-code").wait_for()
        seen["resume code"] = axe_violations(page)
        finish(page, "fine")
        seen["feedback"] = axe_violations(page)
    with open_survey_closed(chromium_browser, server, inst) as page:
        seen["closed"] = axe_violations(page)
    assert {name: v for name, v in seen.items() if v} == {}


class open_survey_closed:
    """A phone page on a cohort whose collection is closed."""

    def __init__(self, browser, server, inst):
        from survey.store import open_store

        with open_store(server.db, instrument=inst) as store:
            store.set_collection_open("AXE-SHUT", False)
        self.cm = phone(browser)
        self.url = server.url + "?cohort=AXE-SHUT"

    def __enter__(self):
        page = self.cm.__enter__()
        page.goto(self.url)
        page.locator(".netsoc-closed").wait_for()
        return page

    def __exit__(self, *exc):
        return self.cm.__exit__(*exc)


@pytest.mark.parametrize("lang", ["en", "de", "fr"])
def test_every_page_fits_320_px_and_the_privacy_note_is_visible(chromium_browser, server, inst, lang):
    rng = np.random.default_rng(32)
    loc = inst.localized(lang)
    runs = {}
    with phone(chromium_browser, viewport={"width": 320, "height": 640}) as page:
        open_survey(page, server.url + f"?cohort=NARROW&lang={lang}")
        runs["consent"] = overflow(page)
        page.locator(".netsoc-consent").click()
        on_page(page, 1)
        k = 1
        while page.locator(".netsoc-next").count():
            runs[f"page {k}"] = overflow(page)
            answer_page(page, inst, rng)
            next_page(page, k)
            k += 1
        runs["comment"] = overflow(page)
        label = page.locator(f"label[for$='-q-{loc.comment.id}']")
        assert label.inner_text().strip() == loc.comment.label
        box = label.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= 320, box
        assert label.evaluate("e => e.scrollWidth <= e.clientWidth")
        area = page.locator("textarea").bounding_box()
        assert area["x"] + area["width"] <= 320
        finish(page)
        runs["feedback"] = overflow(page)
    assert {name: r for name, r in runs.items() if r} == {}


def test_page_structure_lang_headings_progress_and_targets(chromium_browser, server, inst):
    with phone(chromium_browser) as page:
        start_survey(page, server.url + "?cohort=STRUCT&lang=de")
        assert page.evaluate("document.documentElement.lang") == "de"
        assert page.locator("h1").count() == 1
        assert page.evaluate("document.activeElement.className") == "netsoc-page-heading"
        bar = page.get_by_role("progressbar")
        assert bar.get_attribute("value") == "1"
        assert bar.evaluate("e => e.labels.length || !!e.getAttribute('aria-labelledby')")
        next_page(page, 1)
        small = page.evaluate("""() => [...document.querySelectorAll(
            '.netsoc-option, .netsoc-app button')].filter(e => {
              const r = e.getBoundingClientRect(); return r.height < 44 || r.width < 44; })
            .map(e => e.className)""")
        assert small == []
        groups = page.get_by_role("group")
        assert groups.count() == len(shown_ids(page))


def focused(page):
    return page.evaluate("""() => { const e = document.activeElement;
        return { cls: String(e.className || ''), tag: e.tagName, type: e.type || '',
                 name: e.name || '' }; }""")


def tab_until(page, predicate, limit=40):
    for _ in range(limit):
        page.keyboard.press("Tab")
        f = focused(page)
        if predicate(f):
            return f
    raise AssertionError(f"Tab never reached the target; last focus {focused(page)}")


def test_keyboard_only_participant_completes_the_survey(chromium_browser, server, inst):
    rng = np.random.default_rng(33)
    keyed = {}
    with phone(chromium_browser) as page:
        open_survey(page, server.url + "?cohort=KEYS")
        tab_until(page, lambda f: "netsoc-consent" in f["cls"])
        page.keyboard.press("Enter")
        on_page(page, 1)
        tab_until(page, lambda f: "netsoc-next" in f["cls"])  # the grouping questions are optional
        page.keyboard.press("Enter")
        k = 2
        while True:
            on_page(page, k)
            page.wait_for_function("() => document.activeElement.classList.contains('netsoc-page-heading')")
            ids = shown_ids(page)
            if ids == [inst.comment.id]:
                break
            for qid in ids:
                labels = inst.value_labels(qid)
                page.keyboard.press("Tab")  # one tab stop per statement
                f = focused(page)
                assert f["type"] == "radio" and f["name"].endswith(f"-q-{qid}"), (qid, f)
                codes = list(labels)
                code = int(rng.choice(codes))
                page.keyboard.press("Space")
                for _ in range(codes.index(code)):
                    page.keyboard.press("ArrowRight")
                group = page.get_by_role("group", name=inst.item(qid).text)
                assert group.get_by_role("radio", name=labels[code], exact=True).is_checked()
                keyed[qid] = code
            tab_until(page, lambda f: "netsoc-next" in f["cls"], limit=3)
            page.keyboard.press("Enter")
            k += 1
        tab_until(page, lambda f: f["tag"] == "TEXTAREA")
        page.keyboard.type("Typed with the keyboard")
        tab_until(page, lambda f: "netsoc-submit" in f["cls"])
        page.keyboard.press("Enter")
        page.locator(".netsoc-feedback").wait_for(timeout=60_000)
    assert set(keyed) == set(inst.question_ids)
    row = stored(server.db, inst, cohort="KEYS").iloc[0]
    assert row["status"] == "submitted" and row["comment"] == "Typed with the keyboard"
    for qid, code in keyed.items():
        assert row[qid] == code, qid


def test_going_back_shows_each_choice_checked(chromium_browser, server, inst):
    rng = np.random.default_rng(34)
    with phone(chromium_browser) as page:
        start_survey(page, server.url + "?cohort=BACK")
        next_page(page, 1)
        chosen = answer_page(page, inst, rng)
        next_page(page, 2)
        page.locator(".netsoc-back").click()
        on_page(page, 2)
        for qid, code in chosen.items():
            group = page.get_by_role("group", name=inst.item(qid).text)
            assert group.get_by_role("radio", name=inst.value_labels(qid)[code], exact=True).is_checked()
        run_to_comment(page, inst, rng, start=2)
