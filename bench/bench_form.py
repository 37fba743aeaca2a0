"""Benchmark the questionnaire's server side: CPU per page change (issue 11, point 2).

A page change may cost the server at most 20 ms of CPU.  Measured as process
CPU time (``time.process_time``) of pressing Next in the widget view, with the
real model, real widgets (the anywidget radio groups) and a real SQLite store
shared by all sessions as a server shares it (``survey_app(store=...)``):

1. ``Next, first visit``: validate the page, save the draft, build the next
   page's widgets (8 radio groups) and show it - median and p95 over every page
   of many participants with seeded answers.
2. ``Next/Back, revisit``: a page already built (widgets are reused).
3. ``questionnaire without feedback``: one participant from opening the form to
   the last page (the feedback page is in ``bench_feedback.py``).

Run: ``.venv/bin/python bench/bench_form.py`` (``NETSOC_BENCH_QUICK=1`` for
fewer participants).  Prints a table and writes ``bench/results/form.json``.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import QUICK, Figure, emit  # noqa: E402

PARTICIPANTS = 5 if QUICK else 40
PAGE_TARGET_MS = 20.0


def _cpu(fn) -> float:
    t0 = time.process_time()
    fn()
    return time.process_time() - t0


def main() -> None:
    from netsoc.form.view import survey_app
    from netsoc.form.widgets import RadioGroup
    from survey.instrument import load_instrument
    from survey.store import open_store

    inst = load_instrument()
    rng = np.random.default_rng(2026)
    first, again, session = [], [], []
    with tempfile.TemporaryDirectory() as tmp:
        store = open_store(Path(tmp) / "bench.sqlite", instrument=inst)
        survey_app(store=store, query={}, environ={}, instrument=inst, warm_up=False)  # imports
        for _ in range(PARTICIPANTS):
            t0 = time.process_time()
            view = survey_app(store=store, query={"cohort": "BENCH"}, environ={},
                              instrument=inst, warm_up=False)
            view.model.consent(True)
            while not view.model.is_last:
                for qid in view.model.current.ids:
                    w = view.inputs.get(qid)
                    if isinstance(w, RadioGroup):
                        w.value = w.options[int(rng.integers(len(w.options)))][0]
                first.append(_cpu(view.next_button.click))
            session.append(time.process_time() - t0)
            for _ in range(3):
                again.append(_cpu(view.back_button.click))
                again.append(_cpu(view.next_button.click))
        store.close()
    ms = 1000.0
    figures = [
        Figure("Next, first visit (median)", float(np.median(first)) * ms, "ms", PAGE_TARGET_MS,
               note="validate + save draft + build 8 radio groups"),
        Figure("Next, first visit (p95)", float(np.percentile(first, 95)) * ms, "ms",
               PAGE_TARGET_MS),
        Figure("Next/Back, revisit (p95)", float(np.percentile(again, 95)) * ms, "ms",
               PAGE_TARGET_MS, note="page widgets reused"),
        Figure("questionnaire without feedback (median)", float(np.median(session)), "s", 0.3,
               note="open to last page; feedback: bench_feedback.py"),
    ]
    emit("form", figures, sizes={"participants": PARTICIPANTS, "pages": len(first)})


if __name__ == "__main__":
    main()
