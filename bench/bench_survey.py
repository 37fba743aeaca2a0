"""Benchmark the survey in a real browser (a script, not a test).

Serves the questionnaire with ``netsoc survey`` on 127.0.0.1 (throw-away
store), drives Debian's headless Chromium with Playwright at phone width and
measures, per run (each run is a new page, so a new kernel):

- ``open_to_consent_s``: opening the address -> the consent button clickable;
- ``open_to_first_question_s``: opening the address -> the first question
  (page 1) clickable, including the click on consent;
- ``submit_to_feedback_s``: clicking Submit -> the feedback page shown.

Targets (2-core machine): first question under 5 s, feedback under 1.5 s.
Prints the figures against the targets and writes ``bench/results/survey.json``
(via ``bench/_common.py``, so ``bench/run_all.py`` collects them).  Without
``/usr/bin/chromium`` nothing is measured and an empty result is written.

Usage: ``python bench/bench_survey.py [--runs 3]`` (``NETSOC_BENCH_QUICK=1``: one run)
"""

from __future__ import annotations

import argparse
import os
import re
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

TARGETS = {"open_to_first_question_s": 5.0, "submit_to_feedback_s": 1.5}


def one_run(browser, url: str, seed: int) -> dict[str, float]:
    import numpy as np

    from survey.instrument import load_instrument

    inst = load_instrument()
    rng = np.random.default_rng(seed)
    context = browser.new_context(viewport={"width": 375, "height": 812})
    page = context.new_page()
    page.set_default_timeout(60_000)
    t0 = time.perf_counter()
    page.goto(url)
    page.locator(".netsoc-consent").click(trial=True)
    t_consent = time.perf_counter() - t0
    page.locator(".netsoc-consent").click()
    page.locator(".netsoc-progress").get_by_text("Page 1 of").wait_for()
    t_first = time.perf_counter() - t0
    for f in inst.choice_fields.values():  # answer the page-1 fields, as a participant does
        code = str(rng.choice(list(f.options)))
        page.locator(f".netsoc-item-{f.id} select").select_option(label=f.options[code])
    k = 1
    while not page.locator(".netsoc-submit").is_visible():
        ids = []
        for cls in page.locator("[class*='netsoc-item-']:visible").evaluate_all(
                "els => els.map(e => e.className)"):
            m = re.search(r"netsoc-item-([a-z0-9_]+)", cls)
            qid = m.group(1) if m else ""
            if qid in inst.question_ids and qid not in ids:
                ids.append(qid)
        for qid in ids:
            labels = inst.value_labels(qid)
            page.locator(f".netsoc-item-{qid}").get_by_role(
                "radio", name=labels[int(rng.choice(list(labels)))], exact=True).check()
        page.locator(".netsoc-next").click()
        k += 1
        page.locator(".netsoc-progress").get_by_text(f"Page {k} of").wait_for()
        if ids:
            page.locator(f".netsoc-item-{ids[0]}").wait_for(state="detached")
    page.wait_for_timeout(500)  # let the last answers reach the kernel
    t1 = time.perf_counter()
    page.locator(".netsoc-submit").click()
    page.locator(".netsoc-feedback svg[role=img]").first.wait_for(state="visible")
    t_feedback = time.perf_counter() - t1
    context.close()
    return {"open_to_consent_s": t_consent, "open_to_first_question_s": t_first,
            "submit_to_feedback_s": t_feedback}


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
                print(f"run {i + 1}: " + ", ".join(f"{k} {v:.2f} s" for k, v in runs[-1].items()),
                      flush=True)
        browser.close()
    median = {k: statistics.median(r[k] for r in runs) for k in runs[0]}
    note = f"median of {args.runs} page loads (each a new session), 375 px, headless Chromium"
    figures = [Figure("survey: server listening after start", startup, "s", note="TCP connect")]
    figures += [Figure(f"survey: {k.removesuffix('_s').replace('_', ' ')}", v, "s",
                       target=TARGETS.get(k), note=note) for k, v in median.items()]
    emit("survey", figures, sizes={"runs": args.runs, "per_run": runs})
    return 0


if __name__ == "__main__":
    sys.exit(main())
