"""Benchmark the feedback page: server CPU seconds per participant (issue 11, point 2).

The whole questionnaire may cost at most 0.3 s of server CPU per participant;
the feedback page should take well under 0.2 s of that.  Measured as process
CPU time (``time.process_time``, all threads) per page, median and p95 over
many participants with seeded random answers:

1. ``feedback page, no workshop``: ``feedback_data`` + ``page_html`` +
   ``result_html`` (score once with numpy, three SVG charts, the page and the
   result to keep, as the survey server sends them).
2. ``feedback page, workshop of N``: as the form does it - read the cohort's
   submitted responses from a real SQLite store (``to_frame(cohort=...)``),
   drop the participant, score the peers, band, build the page.
3. ``first page (cold)``: the first page in a fresh process, building the
   per-instrument caches (scorer, norms, chart templates) - paid once.
4. For reference, the DataFrame route of :mod:`analysis.individual`
   (``answers_frame`` + ``individual_scores`` + ``facet_profile`` +
   ``attention_result``, scoring three times as the old page did).

Run: ``.venv/bin/python bench/bench_feedback.py`` (``NETSOC_BENCH_QUICK=1``
for fewer participants).  Prints a table and writes
``bench/results/feedback.json``.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import QUICK, Figure, emit

N_PAGES = 30 if QUICK else 300
COHORTS = (30,) if QUICK else (30, 300)
TARGET = 0.2  # s of CPU per feedback page (issue 11: 0.3 s for the whole questionnaire)


def _answers(inst, rng) -> dict:
    codes = rng.integers(1, 6, len(inst.question_ids))
    return {q: int(v) for q, v in zip(inst.question_ids, codes)} | {"consent": True}


def _cpu(fn) -> float:
    t0 = time.process_time()
    fn()
    return time.process_time() - t0


def main() -> None:
    t0 = time.process_time()
    from netsoc.feedback import feedback_data, page_html, result_html
    from survey.instrument import load_instrument
    from survey.store import open_store

    inst = load_instrument()
    rng = np.random.default_rng(2026)
    imports = time.process_time() - t0

    def sent(data) -> str:  # what the server sends: the page and the result to keep
        return page_html(data) + result_html(data)

    cold = _cpu(lambda: sent(feedback_data(_answers(inst, rng), inst)))

    figures: list[Figure] = [
        Figure("imports (once per server process)", imports, "s CPU"),
        Figure("first page (cold caches, once per process)", cold, "s CPU"),
    ]

    def pages(make) -> np.ndarray:
        return np.array([_cpu(make(_answers(inst, rng))) for _ in range(N_PAGES)])

    alone = pages(lambda a: lambda: sent(feedback_data(a, inst)))
    figures += [
        Figure("feedback page, no workshop: median", float(np.median(alone)), "s CPU", target=TARGET),
        Figure("feedback page, no workshop: p95", float(np.quantile(alone, 0.95)), "s CPU", target=TARGET),
    ]

    with tempfile.TemporaryDirectory() as tmp:
        store = open_store(Path(tmp) / "bench.sqlite", instrument=inst)
        for n in COHORTS:
            code = f"W{n}"
            for _ in range(n):
                store.submit(_answers(inst, rng), cohort=code)
            rid = store.submit(_answers(inst, rng), cohort=code)

            def page(a, code=code, rid=rid):
                def run():
                    frame = store.to_frame(cohort=code)  # as SurveyModel.peer_responses
                    peers = frame[frame["respondent_id"] != rid].reset_index(drop=True)
                    sent(feedback_data(a, inst, peers=peers, cohort=code))

                return run

            with_cohort = pages(page)
            figures += [
                Figure(
                    f"feedback page, workshop of {n}: median",
                    float(np.median(with_cohort)),
                    "s CPU",
                    target=TARGET,
                ),
                Figure(
                    f"feedback page, workshop of {n}: p95",
                    float(np.quantile(with_cohort, 0.95)),
                    "s CPU",
                    target=TARGET,
                ),
            ]
        store.close()

    from analysis.individual import (
        answers_frame,
        attention_result,
        facet_profile,
        individual_scores,
    )

    def frame_route(a):
        def run():
            row = answers_frame(a, inst)
            individual_scores(row, inst)
            facet_profile(row, inst)
            attention_result(row, inst)

        return run

    route = pages(frame_route)
    figures[2].peer, figures[2].peer_value = "DataFrame route (3 scorings)", float(np.median(route))
    emit("feedback", figures, sizes={"pages": N_PAGES, "cohorts": list(COHORTS)})


if __name__ == "__main__":
    main()
