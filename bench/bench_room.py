"""A room of participants at the protocol level: ``make bench-room N=200``.

Starts ``netsoc survey`` (one process, or ``--workers`` processes on
consecutive ports sharing ``--db``) on 127.0.0.1 with a throw-away SQLite
store unless ``--db`` names one, and lets ``N`` simulated participants arrive
evenly within ``--arrival`` seconds.  Each speaks Solara's widget protocol
over one websocket (:mod:`tests.browser.protocol`, no browser): agrees,
answers every page with its own seed (and, with ``--think``, reads each page
for a few seconds first, as people do), writes a comment naming itself,
submits and waits for the feedback.  Everything is loopback, bounded (each
step ``--step-timeout``, the whole run ``--deadline``) and stops by itself.

Reports p50/p95/p99 of open-to-first-question (page request to the first
question page), page change (Next to the next page) and submit-to-feedback,
errors, whether every response is stored exactly once, and the server's CPU
seconds per participant and peak memory (psutil on the server processes,
sampled every 0.2 s).  Targets from issue 11: 200 participants within 60 s,
0 errors, p95 page change < 0.5 s, p95 open < 3 s, p95 feedback < 1 s,
memory < 1.5 GB.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
import threading
import time
from contextlib import ExitStack
from pathlib import Path

import numpy as np
import psutil

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from _common import QUICK, Figure, emit  # noqa: E402
from tests.browser.protocol import Outcome, ProtocolParticipant  # noqa: E402
from tests.browser.server import run_server  # noqa: E402

COHORT = "ROOM"


class Sampler:
    """Peak memory (RSS of the processes and their children) every ``period`` seconds."""

    def __init__(self, pids: list[int], period: float = 0.2) -> None:
        self.procs = [psutil.Process(p) for p in pids]
        self.period = period
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _tree(self) -> list[psutil.Process]:
        out = []
        for p in self.procs:
            try:
                out += [p, *p.children(recursive=True)]
            except psutil.NoSuchProcess:
                pass
        return out

    def rss(self) -> int:
        total = 0
        for p in self._tree():
            try:
                total += p.memory_info().rss
            except psutil.NoSuchProcess:
                pass
        return total

    def cpu(self) -> float:
        total = 0.0
        for p in self._tree():
            try:
                t = p.cpu_times()
                total += t.user + t.system
            except psutil.NoSuchProcess:
                pass
        return total

    def _run(self) -> None:
        while not self._stop.wait(self.period):
            self.peak = max(self.peak, self.rss())

    def __enter__(self) -> Sampler:
        self.peak = self.rss()
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


async def _room(urls: list[str], n: int, arrival: float, seed: int, step_timeout: float,
                deadline: float, think: float) -> list[Outcome]:
    gaps = arrival / max(n, 1)

    async def one(i: int) -> Outcome:
        await asyncio.sleep(i * gaps)
        p = ProtocolParticipant(urls[i % len(urls)], i, seed=seed + i, query=f"cohort={COHORT}",
                                comment=f"room-{i}", timeout=step_timeout, think=think)
        return await p.run()

    tasks = [asyncio.create_task(one(i)) for i in range(n)]
    done, pending = await asyncio.wait(tasks, timeout=deadline)
    for t in pending:
        t.cancel()
    out = []
    for i, t in enumerate(tasks):
        if t in done and not t.cancelled() and t.exception() is None:
            out.append(t.result())
        else:
            out.append(Outcome(i, error=f"not finished within the {deadline:.0f} s limit"))
    return out


def stored_once(db: str, n: int) -> tuple[int, int]:
    """(responses stored for the room, participants whose comment appears exactly once)."""
    from survey.instrument import load_instrument
    from survey.store import open_store

    with open_store(db, instrument=load_instrument()) as store:
        df = store.to_frame(cohort=COHORT)
    counts = df["comment"].astype(str).value_counts()
    return len(df), int(sum(counts.get(f"room-{i}", 0) == 1 for i in range(n)))


def pct(values: list[float], q: float) -> float:
    arr = np.asarray([v for v in values if np.isfinite(v)], dtype=float)
    return float(np.percentile(arr, q)) if arr.size else float("nan")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=5 if QUICK else 200, help="participants")
    ap.add_argument("--arrival", type=float, default=5.0 if QUICK else 60.0,
                    help="seconds over which they arrive")
    ap.add_argument("--workers", type=int, default=1, help="server processes")
    ap.add_argument("--db", help="store URL shared by the workers (default: throw-away SQLite)")
    ap.add_argument("--think", type=float, default=0.0 if QUICK else 5.0,
                    help="mean seconds a participant reads each page before Next (0.5x-1.5x, "
                    "seeded); 0 = as fast as the server answers")
    ap.add_argument("--seed", type=int, default=2026)
    ap.add_argument("--step-timeout", type=float, default=60.0)
    ap.add_argument("--deadline", type=float, default=600.0)
    ap.add_argument("--name", default="room", help="results file name (bench/results/<name>.json)")
    args = ap.parse_args(argv)
    if not 1 <= args.n <= 5000 or not 1 <= args.workers <= 16:
        ap.error("--n must be 1..5000 and --workers 1..16")

    with tempfile.TemporaryDirectory() as tmp, ExitStack() as stack:
        db = args.db or f"sqlite:///{Path(tmp) / 'room.sqlite'}"
        servers = [stack.enter_context(run_server(
            "survey", Path(tmp) / f"w{i}", db=db,
            args=["--max-sessions", str(args.n + 50), "--session-timeout", "60"]))
            for i in range(args.workers)]
        for s in servers:  # warm each process (imports, instrument) before timing
            warm = ProtocolParticipant(s.url, -1, seed=0, query="cohort=WARMUP", comment="warm-up",
                                       timeout=120)
            asyncio.run(warm.run())
        sampler = Sampler([s.process.pid for s in servers])
        # one participant alone: the server CPU of each step
        cs = sampler.cpu()
        solo = asyncio.run(ProtocolParticipant(
            servers[0].url, -2, seed=1, query="cohort=SOLO", comment="solo", timeout=120,
            cpu_probe=sampler.cpu).run())
        solo_cpu = sampler.cpu() - cs
        cpu0 = sampler.cpu()
        rss0 = sampler.rss()
        t0 = time.perf_counter()
        with sampler:
            people = asyncio.run(_room([s.url for s in servers], args.n, args.arrival, args.seed,
                                       args.step_timeout, args.deadline, args.think))
        wall = time.perf_counter() - t0
        cpu = sampler.cpu() - cpu0
        rows, once = stored_once(db, args.n)

    errors = [p for p in people if p.error]
    opens = [p.open_s for p in people]
    pages = [s for p in people for s in p.page_s]
    submits = [p.submit_s for p in people]
    n = args.n
    sizes = {"participants": n, "arrival_s": args.arrival, "workers": args.workers,
             "wall_s": round(wall, 1), "stored_rows": rows, "stored_exactly_once": once,
             "errors": len(errors), "first_errors": [p.error for p in errors[:5]],
             "baseline_rss_mb": round(rss0 / 2**20, 1), "solo_error": solo.error,
             "think_s": args.think}
    figures = [
        Figure("one participant alone: server CPU per page change (median)",
               float(np.median(solo.page_cpu)) * 1000 if solo.page_cpu else float("nan"), "ms",
               target=20, note=f"max {max(solo.page_cpu, default=float('nan')) * 1000:.0f} ms"),
        Figure("one participant alone: server CPU open to first question",
               solo.open_cpu * 1000, "ms"),
        Figure("one participant alone: server CPU submit and feedback", solo.submit_cpu * 1000, "ms"),
        Figure("one participant alone: server CPU, whole questionnaire", solo_cpu, "s", target=0.3),
        Figure(f"room {n}: errors", len(errors), "participants", target=0),
        Figure(f"room {n}: responses not stored exactly once", n - once, "participants", target=0,
               note=f"{rows} rows for {n} participants"),
        Figure(f"room {n}: open to first question p50", pct(opens, 50), "s"),
        Figure(f"room {n}: open to first question p95", pct(opens, 95), "s", target=3.0),
        Figure(f"room {n}: open to first question p99", pct(opens, 99), "s"),
        Figure(f"room {n}: page change p50", pct(pages, 50), "s"),
        Figure(f"room {n}: page change p95", pct(pages, 95), "s", target=0.5),
        Figure(f"room {n}: page change p99", pct(pages, 99), "s"),
        Figure(f"room {n}: submit to feedback p50", pct(submits, 50), "s"),
        Figure(f"room {n}: submit to feedback p95", pct(submits, 95), "s", target=1.0),
        Figure(f"room {n}: submit to feedback p99", pct(submits, 99), "s"),
        Figure(f"room {n}: server CPU per participant", cpu / n, "s", target=0.3,
               note=f"{cpu:.1f} s over {args.workers} process(es)"),
        Figure(f"room {n}: server peak memory", sampler.peak / 2**20, "MB", target=1536,
               note=f"baseline {rss0 / 2**20:.0f} MB; "
                    f"{(sampler.peak - rss0) / 2**20 / n:.1f} MB per participant"),
    ]
    emit(args.name, figures, sizes=sizes)
    print(json.dumps(sizes))
    return 0 if not errors and once == n else 1


if __name__ == "__main__":
    sys.exit(main())
