"""Benchmark ``netsoc report`` and the dashboard (issue 33 point 3, issue 6).

1. ``build_report`` end to end (read, hash, snapshot, the analysis notebook run in this
   process, HTML or Word) on 1,000 and on 10,000 demo respondents: <= 6 s and <= 15 s,
   peak memory <= 500 MB.  Each run is its own process (no cache carries over; its peak
   resident memory is its own); one cold run, then the best of 3.  The time spent in the
   statistics (the outermost calls into ``analysis`` but its figures) is measured apart;
   the rest (start, imports, notebook execution, figures, tables, HTML/Word writing) must
   be at most a third of the total.  The rest is split into figures, tables, the page and
   the remainder, and every time is shown as wall clock and as CPU (process) time, which
   a busy machine disturbs less.  The papermill kernel's floor is measured too: the
   start and round trip of an empty notebook in a kernel, which an in-process run avoids.
2. One dashboard refresh for 2,000 respondents in one cohort: <= 1 s (best of 5).

The load average is printed before and after; above 1.5 the figures are marked as taken
on a busy machine.  lavaan has no report, so nothing is compared with R here.

Run: ``.venv/bin/python bench/bench_report.py`` (``NETSOC_BENCH_QUICK=1``: 300
respondents, one timed run each).  Prints the table and writes ``bench/results/report.json``.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("MPLBACKEND", "agg")
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import QUICK, Figure, emit
from _race import MAX_LOAD, versions

from analysis.demo import make_demo
from survey.instrument import load_instrument
from survey.store import open_store

ROOT = Path(__file__).resolve().parent.parent
SIZES = {300: None} if QUICK else {1_000: 6.0, 10_000: 15.0}
ROUNDS = 1 if QUICK else 3
N_DASH = 200 if QUICK else 2_000

# One report in a fresh process: the outermost calls into the analysis layer (figures
# excepted) are timed as statistics; of the rest, the figures (netsoc.report.figures and
# Study.figure: drawing and saving), the tables (rendering them for the notebook) and the
# page (HTML or Word writing) apart; what remains is imports, reading and the notebook run.
# Wall and CPU (process) time both; prints them and the peak RSS as JSON.
_CHILD = r"""
import inspect, json, resource, sys, time
t0, c0 = time.perf_counter(), time.process_time()
import importlib
spent = {}
def timed(fn, part):
    depth = spent.setdefault(part, {"depth": 0, "wall": 0.0, "cpu": 0.0})
    def wrapper(*a, **k):
        depth["depth"] += 1
        start, cpu = time.perf_counter(), time.process_time()
        try:
            return fn(*a, **k)
        finally:
            depth["depth"] -= 1
            if depth["depth"] == 0:
                depth["wall"] += time.perf_counter() - start
                depth["cpu"] += time.process_time() - cpu
    wrapper.__wrapped__ = fn
    return wrapper
for name in ("analysis.scoring", "analysis.quality", "analysis.psychometrics", "analysis.compare",
             "analysis.summary", "analysis.structure", "analysis.longitudinal"):
    try:
        mod = importlib.import_module(name)
    except ImportError:
        continue
    for attr in getattr(mod, "__all__", []):
        obj = getattr(mod, attr)
        if inspect.isfunction(obj):
            setattr(mod, attr, timed(obj, "stats"))
from netsoc.report import build, figures, study, tables
for attr in figures.__all__:
    if inspect.isfunction(getattr(figures, attr)):
        setattr(figures, attr, timed(getattr(figures, attr), "figures"))
study.Study.figure = timed(study.Study.figure, "figures")
tables.ReportTable._repr_mimebundle_ = timed(tables.ReportTable._repr_mimebundle_, "tables")
build._html = timed(build._html, "page")
for attr in ("write_docx", "write_pdf"):
    setattr(build, attr, timed(getattr(build, attr), "page"))
from netsoc.report import build_report
build_report(data=sys.argv[1], out=sys.argv[2], format=sys.argv[3])
out = {"wall": time.perf_counter() - t0, "cpu": time.process_time() - c0,
       "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}
for part in ("stats", "figures", "tables", "page"):
    got = spent.get(part, {"wall": 0.0, "cpu": 0.0})
    out[part], out[part + "_cpu"] = got["wall"], got["cpu"]
print("NETSOC_REPORT", json.dumps(out))
"""

_KERNEL_FLOOR = r"""
import json, sys, time
import nbformat
t0 = time.perf_counter()
import papermill as pm
from netsoc.report.build import _ipc_kernel_manager
t1 = time.perf_counter()
nb = nbformat.v4.new_notebook()
nb.cells = [nbformat.v4.new_code_cell("1")]
nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
nbformat.write(nb, sys.argv[1])
t2 = time.perf_counter()
pm.execute_notebook(sys.argv[1], sys.argv[1], kernel_name="python3", progress_bar=False,
                    kernel_manager_class=_ipc_kernel_manager())
print("NETSOC_FLOOR", json.dumps({"import": t1 - t0, "kernel": time.perf_counter() - t2}))
"""


def _child(code: str, *args: str, tag: str) -> dict:
    env = dict(os.environ, PYTHONPATH=str(ROOT), MPLBACKEND="agg")
    out = subprocess.run(
        [sys.executable, "-c", code, *args], capture_output=True, text=True, env=env, cwd=ROOT, check=False
    )
    for line in out.stdout.splitlines():
        if line.startswith(tag):
            return json.loads(line.split(" ", 1)[1])
    raise SystemExit(f"the report run failed: {out.stderr.strip()[-2000:]}")


def _line(n: int, fmt: str, cold: dict, best: dict, peak: float) -> str:
    """One row of the table: wall times (CPU in brackets), the rest and its parts."""
    other, other_cpu = best["wall"] - best["stats"], best["cpu"] - best["stats_cpu"]
    parts = {p: (best[p], best[p + "_cpu"]) for p in ("figures", "tables", "page")}
    remainder = (other - sum(w for w, _ in parts.values()), other_cpu - sum(c for _, c in parts.values()))
    return (
        f"| {n:,} | {fmt} | {cold['wall']:.2f} s | {best['wall']:.2f} s ({best['cpu']:.2f}) | "
        f"{best['stats']:.2f} s ({best['stats_cpu']:.2f}) | "
        f"{other:.2f} s ({other_cpu:.2f}), {other / best['wall']:.0%} ({other_cpu / best['cpu']:.0%}) | "
        + " | ".join(f"{w:.2f} s ({c:.2f})" for w, c in (*parts.values(), remainder))
        + f" | {peak:.0f} MB |"
    )


def bench_reports(tmp: Path) -> tuple[list[Figure], list[str]]:
    inst = load_instrument()
    figures, lines = [], []
    for n, target in SIZES.items():
        data = tmp / f"responses-{n}.csv"
        make_demo(n=n, seed=2026, instrument=inst).to_csv(data, index=False)
        for fmt in ("html", "docx"):
            runs = [
                _child(_CHILD, str(data), str(tmp / f"report-{n}-{i}.{fmt}"), fmt, tag="NETSOC_REPORT")
                for i in range(ROUNDS + 1)
            ]
            best = min(runs[1:] if len(runs) > 1 else runs, key=lambda r: r["wall"])
            peak = max(r["peak_mb"] for r in runs)
            lines.append(_line(n, fmt, runs[0], best, peak))
            other, other_cpu = best["wall"] - best["stats"], best["cpu"] - best["stats_cpu"]
            note = (
                f"cold {runs[0]['wall']:.2f} s; statistics {best['stats']:.2f} s, the rest {other:.2f} s "
                f"({other / best['wall']:.0%}, target <= 33 %; CPU {other_cpu / best['cpu']:.0%}); "
                f"peak {peak:.0f} MB (target <= 500)"
            )
            figures.append(
                Figure(f"netsoc report, {n:,} respondents, {fmt}", best["wall"], "s", target, note=note)
            )
            figures.append(Figure(f"peak memory, {n:,} respondents, {fmt}", peak, "MB", 500.0))
    return figures, lines


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
    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="netsoc-bench-report-") as d:
        tmp = Path(d)
        floor = _child(_KERNEL_FLOOR, str(tmp / "empty.ipynb"), tag="NETSOC_FLOOR")
        figures, lines = bench_reports(tmp)
        figures += bench_dashboard(tmp)
    load_after = os.getloadavg()[0]
    figures.append(
        Figure(
            "papermill kernel floor (start + empty notebook)",
            floor["kernel"],
            "s",
            note=f"import papermill {floor['import']:.2f} s; what the in-process run avoids",
        )
    )
    print(f"cores: {os.cpu_count()}; load average (1 min) before {load_before:.2f}, after {load_after:.2f}")
    print(versions(None))
    if max(load_before, load_after) > MAX_LOAD:
        print(f"The load average exceeded {MAX_LOAD}: these times were taken on a busy machine.")
    print("Times are wall clock, CPU (process time) in brackets; the rest = all but the statistics,")
    print("of it: figures (drawing, saving), tables (rendering), page (HTML/Word writing), and the")
    print("remainder (imports, reading and snapshot, the notebook run itself).")
    print(
        "| respondents | format | cold | best of 3 | statistics | the rest, share | figures | tables "
        "| page | remainder | peak memory |"
    )
    print("| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    print("\n".join(lines), flush=True)
    emit("report", figures, sizes={"report_respondents": list(SIZES), "dashboard_respondents": N_DASH})


if __name__ == "__main__":
    main()
