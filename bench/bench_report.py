"""Benchmark the report and the dashboard (targets from issue 6, 2-core machine).

1. ``netsoc report`` (build_report) for 10,000 respondents from a CSV file,
   end to end: read, hash, snapshot, execute the analysis notebook, HTML.
   Target: under 60 s.
2. One dashboard refresh for 2,000 respondents in one cohort: read the store,
   score, draw the four panels and encode their PNGs (what the view does when
   the count changes).  Target: under 1 s (best of 5; the median is printed too).

Run: ``.venv/bin/python bench/bench_report.py`` (``NETSOC_BENCH_QUICK=1`` for
tiny sizes).  Prints a table and writes ``bench/results/report.json``.
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("MPLBACKEND", "agg")
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import QUICK, Figure, emit  # noqa: E402

from analysis.demo import make_demo  # noqa: E402
from survey.instrument import load_instrument  # noqa: E402
from survey.store import open_store  # noqa: E402

N_REPORT = 1_000 if QUICK else 10_000
N_DASH = 200 if QUICK else 2_000


def bench_report(tmp: Path) -> Figure:
    from netsoc.report import build_report

    inst = load_instrument()
    data = tmp / "responses.csv"
    make_demo(n=N_REPORT, seed=2026, instrument=inst).to_csv(data, index=False)
    t0 = time.perf_counter()
    info = build_report(data=data, out=tmp / "report.html")
    took = time.perf_counter() - t0
    size = Path(info["out"]).stat().st_size / 1e6
    return Figure(
        f"report, {N_REPORT:,} respondents",
        took,
        "s",
        target=60.0,
        note=f"HTML {size:.1f} MB, sha256 {info['data_sha256'][:12]}",
    )


def bench_dashboard(tmp: Path) -> list[Figure]:
    from netsoc.dashboard import SHARED, Dashboard, DashboardSettings
    from netsoc.dashboard.join import JoinCheck
    from netsoc.dashboard.view import deck

    inst = load_instrument()
    db = f"sqlite:///{tmp / 'dash.sqlite'}"
    df = make_demo(n=N_DASH, seed=7, instrument=inst)
    df["cohort"] = "BENCH"
    with open_store(db, instrument=inst) as store:
        store.import_frame(df, source="bench")
    d = Dashboard(open_store(db, instrument=inst), DashboardSettings(db=db, cohort="BENCH"))
    check = JoinCheck(None, enabled=False)
    times = []
    for _ in range(5):
        SHARED.clear()
        t0 = time.perf_counter()
        deck(d, check)  # the room recomputed: read, score, publish, cards
        times.append(time.perf_counter() - t0)
    t0 = time.perf_counter()
    for _ in range(20):
        deck(d, check)  # nothing changed: the shared state, cards from it
    idle = (time.perf_counter() - t0) / 20
    return [
        Figure(
            f"dashboard refresh, {N_DASH:,} respondents (best of 5)",
            min(times),
            "s",
            target=1.0,
            note=f"median {statistics.median(times):.3f} s",
        ),
        Figure("dashboard poll, nothing changed", idle * 1000, "ms", note="between refreshes"),
    ]


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="netsoc-bench-report-") as d:
        tmp = Path(d)
        figures = [bench_report(tmp), *bench_dashboard(tmp)]
    emit("report", figures, sizes={"report_respondents": N_REPORT, "dashboard_respondents": N_DASH})


if __name__ == "__main__":
    main()
