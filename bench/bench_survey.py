"""Benchmark the survey in a real browser (a script, not a test).

Serves the questionnaire with ``netsoc survey`` on 127.0.0.1 (throw-away
store), drives Debian's headless Chromium with Playwright at phone width and
measures, per run (each run is a new page, so a new kernel):

- ``open_to_consent_s``: opening the address -> the consent button clickable;
- ``open_to_first_question_s``: opening the address -> the first question
  (page 1) clickable, including the click on consent;
- ``submit_to_feedback_s``: clicking Submit -> the feedback page shown;
- what the phone transferred (Chrome DevTools Protocol: requests and encoded
  bytes) for the whole questionnaire with an empty cache, and when the same
  browser opens the address again (files from its cache).

Targets (issue 20, 2-core machine): first question 0.5 s, feedback 0.3 s,
150 KB and 12 requests on a first visit, 20 KB on a revisit.
Prints the figures against the targets and writes ``bench/results/survey.json``
(via ``bench/_common.py``, so ``bench/run_all.py`` collects them).  Without
``/usr/bin/chromium`` nothing is measured and an empty result is written.

Usage: ``python bench/bench_survey.py [--runs 3]`` (``NETSOC_BENCH_QUICK=1``: one run)
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1")

sys.path.insert(0, str(ROOT / "bench"))
from _common import QUICK, Figure, emit  # noqa: E402

from tests.browser.server import CHROMIUM, launch_chromium, run_server  # noqa: E402

TARGETS = {"open_to_first_question_s": 0.5, "submit_to_feedback_s": 0.3}


class Wire:
    """Requests and bytes on the wire of one page (Chrome DevTools Protocol)."""

    def __init__(self, page) -> None:
        self.requests, self.bytes = 0, 0
        cdp = page.context.new_cdp_session(page)
        cdp.send("Network.enable")
        cdp.on("Network.requestWillBeSent", lambda e: self._count())
        cdp.on("Network.loadingFinished", lambda e: self._add(e["encodedDataLength"]))

    def _count(self) -> None:
        self.requests += 1

    def _add(self, n: float) -> None:
        self.bytes += int(n)


def one_run(browser, url: str, seed: int) -> dict[str, float]:
    import numpy as np

    from survey.instrument import load_instrument
    from tests.browser.form import answer_page, on_page

    inst = load_instrument()
    rng = np.random.default_rng(seed)
    context = browser.new_context(viewport={"width": 375, "height": 812})
    page = context.new_page()
    page.set_default_timeout(60_000)
    wire = Wire(page)
    t0 = time.perf_counter()
    page.goto(url)
    page.locator(".netsoc-consent").click(trial=True)
    t_consent = time.perf_counter() - t0
    page.locator(".netsoc-consent").click()
    on_page(page, 1)
    t_first = time.perf_counter() - t0
    k = 1
    while page.locator(".netsoc-next").count():
        answer_page(page, inst, rng)
        page.locator(".netsoc-next").click()
        k += 1
        on_page(page, k)
    t1 = time.perf_counter()
    page.locator(".netsoc-submit").click()
    page.locator(".netsoc-feedback h2").wait_for()
    t_feedback = time.perf_counter() - t1
    page.wait_for_timeout(300)
    first = (wire.requests, wire.bytes)
    again = Wire(page)  # the same browser opens the address again: files come from its cache
    page.goto(url)
    page.locator(".netsoc-feedback h2").wait_for()
    page.wait_for_timeout(300)
    context.close()
    return {
        "open_to_consent_s": t_consent,
        "open_to_first_question_s": t_first,
        "submit_to_feedback_s": t_feedback,
        "first_visit_requests": first[0],
        "first_visit_kb": first[1] / 1024,
        "revisit_requests": again.requests,
        "revisit_kb": again.bytes / 1024,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=1 if QUICK else 3)
    args = parser.parse_args()
    if not CHROMIUM.exists():
        print(f"bench_survey: {CHROMIUM} is missing (apt-get install chromium); nothing measured")
        emit("survey", [], sizes={"runs": 0, "skipped": f"{CHROMIUM} missing"})
        return 0
    from playwright.sync_api import sync_playwright

    runs = []
    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as pw:
        browser = launch_chromium(pw)
        with run_server("survey", Path(tmp)) as server:
            startup = server.startup_s
            for i in range(args.runs):
                runs.append(one_run(browser, server.url + "?cohort=BENCH", seed=i))
                print(f"run {i + 1}: " + ", ".join(f"{k} {v:.2f}" for k, v in runs[-1].items()), flush=True)
        browser.close()
    median = {k: statistics.median(r[k] for r in runs) for k in runs[0]}
    note = f"median of {args.runs} page loads (each a new session), 375 px, headless Chromium"
    figures = [Figure("survey: server listening after start", startup, "s", note="TCP connect")]
    figures += [
        Figure(f"survey: {k.removesuffix('_s').replace('_', ' ')}", v, "s", target=TARGETS.get(k), note=note)
        for k, v in median.items()
        if k.endswith("_s")
    ]
    figures += [
        Figure(
            "survey in Chromium, first visit: transferred",
            median["first_visit_kb"],
            "KB",
            target=150,
            note="whole questionnaire with feedback, empty cache (CDP)",
        ),
        Figure(
            "survey in Chromium, first visit: requests", median["first_visit_requests"], "requests", target=12
        ),
        Figure(
            "survey in Chromium, reopened: transferred",
            median["revisit_kb"],
            "KB",
            target=20,
            note=f"{median['revisit_requests']:.0f} requests; files from the cache",
        ),
    ]
    emit("survey", figures, sizes={"runs": args.runs, "per_run": runs})
    return 0


if __name__ == "__main__":
    sys.exit(main())
