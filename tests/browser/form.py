"""Driving the questionnaire in a real browser, as a participant does (shared by the browser tests).

Questions are found by role and name (a statement is a ``group`` named by its
legend; its options are ``radio`` buttons named by their labels), pages by the
progress bar's value, and the shown questions by their ``data-qid`` hooks.
"""

from __future__ import annotations

import contextlib
from typing import Any

import numpy as np
from playwright.sync_api import Page, expect

from survey.instrument import ChoiceField, Instrument
from survey.store import open_store

FIRST_PAINT_MS = 60_000

__all__ = [
    "open_survey",
    "start_survey",
    "on_page",
    "shown_ids",
    "answer_page",
    "next_page",
    "choose",
    "finish",
    "stored",
    "overflow",
    "run_to_comment",
]


def open_survey(page: Page, url: str) -> None:
    """Open the survey and wait for the consent page."""
    page.goto(url)
    page.locator(".netsoc-consent").wait_for(timeout=FIRST_PAINT_MS)


def on_page(page: Page, k: int) -> None:
    """Wait until page ``k`` (progress bar value) is drawn."""
    page.locator(f".netsoc-progressbar[value='{k}']").wait_for()


def start_survey(page: Page, url: str) -> None:
    """Open the survey, agree, and wait for page 1."""
    open_survey(page, url)
    page.locator(".netsoc-consent").click()
    on_page(page, 1)


def shown_ids(page: Page) -> list[str]:
    """Ids of the questions on the shown page, in order."""
    return [
        q
        for q in page.locator(".netsoc-body [data-qid]").evaluate_all("els => els.map(e => e.dataset.qid)")
        if q != "resume"
    ]


def choose(page: Page, inst: Instrument, qid: str, code: int) -> Any:
    """Click one option of a statement (found by role and name); return its group."""
    group = page.get_by_role("group", name=inst.item(qid).text)
    radio = group.get_by_role("radio", name=inst.value_labels(qid)[code], exact=True)
    radio.check()
    assert radio.is_checked()
    return group


def answer_page(
    page: Page, inst: Instrument, rng: np.random.Generator, *, skip: tuple[str, ...] = ()
) -> dict[str, Any]:
    """Answer every question shown (choice fields too); return what was chosen."""
    inst = inst.localized(page.locator(".netsoc-app").get_attribute("lang") or inst.language)
    chosen: dict[str, Any] = {}
    fields = {f.id: f for f in inst.fields}
    for qid in shown_ids(page):
        if qid in skip:
            continue
        if qid in inst.question_ids:
            code = int(rng.choice(list(inst.value_labels(qid))))
            choose(page, inst, qid, code)
            chosen[qid] = code
        elif isinstance(fields.get(qid), ChoiceField):
            code = str(rng.choice(list(fields[qid].options)))
            page.locator(f".netsoc-item-{qid}").select_option(code)
            chosen[qid] = code
    return chosen


def next_page(page: Page, k: int) -> None:
    """Press Next on page ``k`` and wait for page ``k + 1``."""
    page.locator(".netsoc-next").click()
    on_page(page, k + 1)


def run_to_comment(page: Page, inst: Instrument, rng: np.random.Generator, start: int = 1) -> dict[str, Any]:
    """Answer from page ``start`` to the comment page; return every answer."""
    answers: dict[str, Any] = {}
    k = start
    while page.locator(".netsoc-next").count():
        answers.update(answer_page(page, inst, rng))
        next_page(page, k)
        k += 1
    return answers


def finish(page: Page, comment: str = "") -> None:
    """Write the comment, submit, wait for the feedback."""
    if comment:
        page.locator("textarea").fill(comment)
    page.locator(".netsoc-submit").click()
    expect(page.locator(".netsoc-feedback")).to_be_visible(timeout=30_000)


def stored(db: Any, inst: Instrument, **where: Any) -> Any:
    """The store's table (drafts included)."""
    with open_store(db, instrument=inst) as store:
        return store.to_frame(include_drafts=True, **where)


def overflow(page: Page) -> list[str]:
    """Elements whose box runs past the viewport's right edge (empty when the page reflows)."""
    return page.evaluate("""() => {
      const w = document.documentElement.clientWidth, out = [];
      const sw = document.documentElement.scrollWidth;
      if (sw > w) out.push('document ' + sw);
      for (const e of document.querySelectorAll('.netsoc-app *')) {
        const r = e.getBoundingClientRect();
        if (r.width && r.right > w + 0.5 && getComputedStyle(e).position !== 'absolute')
          out.push(e.tagName + '.' + e.className + ' ' + Math.round(r.right));
      }
      return out; }""")


@contextlib.contextmanager
def phone(browser: Any, **kw: Any):
    """A phone-sized context and page, closed afterwards."""
    from tests.browser.server import block_outside

    ctx = browser.new_context(viewport=kw.pop("viewport", {"width": 375, "height": 812}), **kw)
    blocked = block_outside(ctx)
    page = ctx.new_page()
    page.set_default_timeout(30_000)
    try:
        yield page
    except BaseException:
        from tests.browser.server import ROOT

        (ROOT / "test-artifacts").mkdir(exist_ok=True)
        with contextlib.suppress(Exception):
            page.screenshot(path=str(ROOT / "test-artifacts" / f"failed-{id(page)}.png"), full_page=True)
        raise
    finally:
        ctx.close()
    assert not blocked, f"the page tried to leave the machine: {blocked[:5]}"
