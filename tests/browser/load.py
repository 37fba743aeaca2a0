"""Many real-browser participants taking the survey at the same time.

:func:`run_load` drives ``n`` browser contexts of one headless Chromium
concurrently (Playwright's async API) against ``netsoc survey`` on 127.0.0.1
(every request that would leave the machine is aborted and reported):
each participant agrees, answers every page with a seeded random choice,
writes a comment naming itself (``load-<i>``), submits and waits for the
feedback.  It returns what each participant clicked and how long each page
took (from the click on "Next" to the next page showing), so the caller can
compare the store with the clicks.  Used by ``tests/browser/test_load.py``
and ``bench/bench_load.py``; everything is bounded by timeouts.
"""

from __future__ import annotations

import asyncio
import threading
import time
from dataclasses import dataclass, field

import numpy as np

from survey.instrument import Instrument
from tests.browser.server import CHROMIUM, CHROMIUM_ARGS, is_local

PHONE = {"width": 375, "height": 812}


@dataclass
class Participant:
    """What one simulated participant did."""

    index: int
    clicked: dict = field(default_factory=dict)
    page_seconds: list[float] = field(default_factory=list)
    open_seconds: float = float("nan")
    submit_seconds: float = float("nan")
    error: str | None = None


async def _shown_ids(page) -> list[str]:
    return [
        q
        for q in await page.locator(".netsoc-body [data-qid]").evaluate_all(
            "els => els.map(e => e.dataset.qid)"
        )
        if q != "resume"
    ]


async def _participant(
    browser,
    url: str,
    inst: Instrument,
    p: Participant,
    seed: int,
    timeout_ms: int,
) -> None:
    rng = np.random.default_rng(seed)
    context = await browser.new_context(viewport=PHONE)
    blocked: list[str] = []
    await context.route("**/*", lambda route: _local_only(route, blocked))
    page = await context.new_page()
    page.set_default_timeout(timeout_ms)
    events = _watch(page)
    try:
        t0 = time.perf_counter()
        await page.goto(url)
        await page.locator(".netsoc-consent").click()
        await page.locator(".netsoc-progressbar[value='1']").wait_for()
        p.open_seconds = time.perf_counter() - t0
        k = 1
        while True:
            ids = await _shown_ids(page)
            for qid in ids:
                if qid == inst.comment.id:
                    text = f"load-{p.index}"
                    await page.locator("textarea").fill(text)
                    p.clicked[qid] = text
                elif qid in inst.choice_fields:
                    f = inst.choice_fields[qid]
                    code = str(rng.choice(list(f.options)))
                    await page.locator(f".netsoc-item-{qid}").select_option(code)
                    p.clicked[qid] = code
                elif qid in inst.question_ids:
                    labels = inst.value_labels(qid)
                    code = int(rng.choice(list(labels)))
                    await (
                        page.locator(f".netsoc-item-{qid}")
                        .get_by_role("radio", name=labels[code], exact=True)
                        .check()
                    )
                    p.clicked[qid] = code
            if await page.locator(".netsoc-submit").count():
                break
            t = time.perf_counter()
            await page.locator(".netsoc-next").click()
            k += 1
            await page.locator(f".netsoc-progressbar[value='{k}']").wait_for()
            p.page_seconds.append(time.perf_counter() - t)
        t = time.perf_counter()
        await page.locator(".netsoc-submit").click()
        await page.locator(".netsoc-feedback").wait_for()
        p.submit_seconds = time.perf_counter() - t
        if blocked:
            raise RuntimeError(f"the page tried to leave the machine: {blocked[:3]}")
    except Exception as exc:  # reported to the caller, which fails the test
        p.error = (
            f"{type(exc).__name__}: {str(exc)[:500]}\n"
            f"page shows: {await _visible_state(page)}\nbrowser events: {events[-20:]}"
        )
    finally:
        await context.close()


def _watch(page) -> list[str]:
    """Console errors and failed requests of one page, for the failure report."""
    events: list[str] = []
    start = time.perf_counter()

    def note(text: str) -> None:
        events.append(f"{time.perf_counter() - start:.1f}s {text[:300]}")

    page.on(
        "console", lambda m: note(f"console.{m.type}: {m.text}") if m.type in ("error", "warning") else None
    )
    page.on("pageerror", lambda e: note(f"pageerror: {e}"))
    page.on("requestfailed", lambda r: note(f"request failed: {r.url}"))
    return events


async def _visible_state(page) -> str:
    """What a participant stuck on a page would see: progress, heading, errors."""
    try:
        return await page.evaluate("""() => [
          ".netsoc-progress", ".netsoc-page-heading", ".netsoc-live", ".netsoc-error:not([hidden])",
          ".netsoc-next"]
          .map(s => s + ": " + Array.from(document.querySelectorAll(s))
               .map(e => (e.innerText || "").trim()).filter(Boolean).join(" | "))
          .join("; ")""")
    except Exception as exc:
        return f"(unreadable: {type(exc).__name__})"


async def _local_only(route, blocked: list[str]) -> None:
    if is_local(route.request.url):
        await route.continue_()
    else:
        blocked.append(route.request.url)
        await route.abort()


async def _run(
    url: str, inst: Instrument, n: int, seed: int, timeout_ms: int, deadline_s: float
) -> list[Participant]:
    from playwright.async_api import async_playwright

    people = [Participant(i) for i in range(n)]
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        try:
            await asyncio.wait_for(
                asyncio.gather(
                    *[_participant(browser, url, inst, p, seed + p.index, timeout_ms) for p in people]
                ),
                timeout=deadline_s,
            )
        except TimeoutError:
            for p in people:
                p.error = p.error or f"the whole run passed its {deadline_s:.0f} s limit"
        finally:
            await browser.close()
    return people


def run_load(
    url: str,
    inst: Instrument,
    n: int,
    *,
    seed: int = 2026,
    timeout_ms: int = 120_000,
    deadline_s: float = 300.0,
) -> list[Participant]:
    """Let ``n`` participants take the survey at ``url`` at the same time.

    Parameters
    ----------
    url : str
        The survey's address (127.0.0.1), with any ``?cohort=`` query.
    inst : Instrument
    n : int
        Participants, one browser context each, all started together.
    seed : int
        Participant ``i`` chooses answers with ``default_rng(seed + i)``.
    timeout_ms : int
        Limit for each single browser step.
    deadline_s : float
        Limit for the whole run; afterwards everyone still going is stopped.

    Returns
    -------
    list of Participant
    """
    # in a thread of its own: a session-wide sync Playwright keeps an event
    # loop running in the main thread
    out: list[list[Participant]] = []
    worker = threading.Thread(
        target=lambda: out.append(asyncio.run(_run(url, inst, n, seed, timeout_ms, deadline_s)))
    )
    worker.start()
    worker.join()
    if not out:
        raise RuntimeError("the load run ended without a result (see the output above)")
    return out[0]


def page_times(people: list[Participant]) -> np.ndarray:
    """All page-to-page times in seconds, over every participant."""
    return np.array([s for p in people for s in p.page_seconds], dtype=float)
