"""A room of phones, paying what a phone pays: ``make bench-room N=200``.

Starts ``netsoc survey`` on 127.0.0.1 (a throw-away SQLite store unless
``--db``); with ``--workers W`` > 1 it starts W servers sharing one signing
secret and store behind nginx (round robin, no sticky sessions), as README's
set-up.  Each simulated participant (:class:`tests.browser.protocol.HttpParticipant`,
its own connection and empty cache) fetches the page and every file the page
names (read from the served page, compressed as a browser accepts), then
answers the questionnaire with the form's JSON messages, reading each page for
``--think`` seconds (0.5x-1.5x, seeded), waits for the feedback and asks for
"Your workshop" as the feedback page does.  The phones speak through
:class:`tests.browser.wire.WireClient` (one kept-alive connection each, exact
bytes on the wire), which costs the generator a third of what httpx did, so
the server, not the generator, is what is measured.

Reported against issue 20's targets: one participant alone (transfer and
requests on a first visit and on a visit with the files cached, server CPU for
the whole questionnaire and per page change); the room (errors, stored
exactly once, p95 page change, open-to-first-question, submit-to-feedback,
server peak memory, server CPU); and the load generator's own CPU apart from
the server's.  Loopback only, bounded (``--deadline``), stops by itself.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import resource
import sys
import tempfile
import threading
import time
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import psutil

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from _common import QUICK, Figure, emit  # noqa: E402

from tests.browser.protocol import HttpParticipant, Outcome  # noqa: E402
from tests.browser.server import run_nginx, run_server  # noqa: E402
from tests.browser.wire import WireClient  # noqa: E402

#: The room's workshop code: new for every run, so a store shared between runs (PostgreSQL)
#: counts only this run's responses.
COHORT = f"ROOM-{time.strftime('%Y%m%d-%H%M%S')}"


class Sampler:
    """Peak memory and CPU of the server processes (and their children), every 0.2 s."""

    def __init__(self, pids: list[int], period: float = 0.2) -> None:
        self.procs = [psutil.Process(p) for p in pids]
        self.period, self.peak = period, 0
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

    def _sum(self, fn) -> float:
        total = 0.0
        for p in self._tree():
            try:
                total += fn(p)
            except psutil.NoSuchProcess:
                pass
        return total

    def rss(self) -> float:
        return self._sum(lambda p: p.memory_info().rss)

    def cpu(self) -> float:
        return self._sum(lambda p: sum(p.cpu_times()[:2]))

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


def own_cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


async def _one(
    url: str, i: int, *, seed: int, think: float, cache: dict | None = None, timeout: float = 60.0
) -> Outcome:
    rng = np.random.default_rng(seed + i)
    pause = think * float(rng.uniform(0.5, 1.5)) if think else 0.0
    async with WireClient(timeout=timeout) as client:
        p = HttpParticipant(
            client,
            url + f"?cohort={COHORT}",
            seed=seed + i,
            think=pause,
            forwarded_for=f"10.{(i >> 16) & 255}.{(i >> 8) & 255}.{i & 255}",
            comment=f"room-{i}",
            cache=cache,
        )
        return await p.run()


async def _room(url: str, n: int, arrival: float, seed: int, think: float, deadline: float) -> list[Outcome]:
    gap = arrival / max(n, 1)

    async def later(i: int) -> Outcome:
        await asyncio.sleep(i * gap)
        return await _one(url, i, seed=seed, think=think)

    tasks = [asyncio.create_task(later(i)) for i in range(n)]
    done, pending = await asyncio.wait(tasks, timeout=deadline)
    for t in pending:
        t.cancel()
    out = []
    for t in tasks:
        if t in done and not t.cancelled() and t.exception() is None:
            out.append(t.result())
        else:
            out.append(Outcome(errors=[f"not finished within the {deadline:.0f} s limit"]))
    return out


async def _page_changes(url: str, count: int) -> tuple[HttpParticipant, int]:
    """A participant who goes back and forth between two item pages ``count`` times."""
    async with WireClient(timeout=60) as client:
        p = HttpParticipant(client, url + "?cohort=SOLO", seed=7, forwarded_for="10.200.0.1")
        first = await p.open()
        p.pages, p.state = first["pages"], {**first, "page": 1}
        await p.page()
        await p.page()
        for k in range(count):
            await p.page("next" if k % 2 == 0 else "back")
        return p, count


def stored_once(db: str, n: int) -> tuple[int, int]:
    """(responses stored for the room, participants whose comment is stored exactly once)."""
    from survey.instrument import load_instrument
    from survey.store import open_store

    with open_store(db, instrument=load_instrument()) as store:
        df = store.to_frame(cohort=COHORT)
    counts = df["comment"].astype(str).value_counts()
    return len(df), int(sum(counts.get(f"room-{i}", 0) == 1 for i in range(n)))


def pct(values: list[float], q: float) -> float:
    arr = np.asarray([v for v in values if np.isfinite(v)], dtype=float)
    return float(np.percentile(arr, q)) if arr.size else float("nan")


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=20 if QUICK else 200, help="participants")
    ap.add_argument(
        "--arrival", type=float, default=5.0 if QUICK else 60.0, help="seconds over which they arrive"
    )
    ap.add_argument(
        "--think",
        type=float,
        default=0.5 if QUICK else 5.0,
        help="mean seconds of reading per page (0.5x-1.5x, seeded)",
    )
    ap.add_argument("--workers", type=int, default=1, help="servers behind nginx (round robin); 1: no proxy")
    ap.add_argument("--db", help="store URL shared by the servers (default: throw-away SQLite)")
    ap.add_argument("--seed", type=int, default=2026)
    ap.add_argument("--deadline", type=float, default=900.0)
    ap.add_argument("--name", default="room", help="results file name (bench/results/<name>.json)")
    args = ap.parse_args(argv)
    if not 1 <= args.n <= 10_000 or not 1 <= args.workers <= 16:
        ap.error("--n must be 1..10000 and --workers 1..16")
    return args


@dataclass
class Run:
    """What one run measured: one participant alone, page changes, and the room."""

    db: str
    solo: Outcome
    cached: Outcome
    solo_cpu: float
    changes: int
    change_cpu: float
    people: list[Outcome]
    wall: float
    cpu: float
    gen_cpu: float
    rss0: float
    peak: float
    rows: int
    once: int
    logs: list[str]


def _measure(args: argparse.Namespace) -> Run:
    """Start the servers (behind nginx when more than one) from a temporary folder, warm
    them, measure one participant alone, page changes, then the room; stop them."""
    with tempfile.TemporaryDirectory() as tmp, ExitStack() as stack:
        tmpdir = Path(tmp)
        db = args.db or f"sqlite:///{tmpdir / 'room.sqlite'}"
        secret = tmpdir / "secret"
        server_args = ["--trusted-proxy", "127.0.0.1", "--secret-file", str(secret), "--max-sessions", "400"]
        servers = [
            stack.enter_context(run_server("survey", tmpdir / f"s{i}", db=db, args=server_args))
            for i in range(args.workers)
        ]
        if args.workers > 1:
            url = stack.enter_context(run_nginx([s.port for s in servers], tmpdir / "ng"))
        else:
            url = servers[0].url
        sampler = Sampler([s.process.pid for s in servers])
        for w in range(2 * args.workers):  # warm every server's imports and caches (round robin)
            asyncio.run(_one(url, 20_000_000 + w, seed=0, think=0))

        c0 = sampler.cpu()
        browser_cache: dict = {}
        solo = asyncio.run(_one(url, 10_000_001, seed=1, think=0, cache=browser_cache))
        solo_cpu = sampler.cpu() - c0
        cached = asyncio.run(_one(url, 10_000_002, seed=2, think=0, cache=browser_cache))
        c0 = sampler.cpu()
        _, changes = asyncio.run(_page_changes(url, 200))
        change_cpu = (sampler.cpu() - c0) / (changes + 2)

        cpu0, own0, rss0 = sampler.cpu(), own_cpu(), sampler.rss()
        t0 = time.perf_counter()
        with sampler:
            people = asyncio.run(_room(url, args.n, args.arrival, args.seed, args.think, args.deadline))
        wall = time.perf_counter() - t0
        cpu, gen_cpu = sampler.cpu() - cpu0, own_cpu() - own0
        rows, once = stored_once(db, args.n)
        logs = [s.log_text()[-2000:] for s in servers]
    return Run(
        db,
        solo,
        cached,
        solo_cpu,
        changes,
        change_cpu,
        people,
        wall,
        cpu,
        gen_cpu,
        rss0,
        sampler.peak,
        rows,
        once,
        logs,
    )


def _sizes(args: argparse.Namespace, run: Run) -> dict:
    """The run's settings and counts (the results file's ``sizes``)."""
    errors = [o for o in run.people if o.errors]
    return {
        "participants": args.n,
        "arrival_s": args.arrival,
        "think_s": args.think,
        "servers": args.workers,
        "proxy": "nginx round robin" if args.workers > 1 else None,
        "store": "postgresql" if run.db.startswith("postgres") else "sqlite",
        "wall_s": round(run.wall, 1),
        "stored_rows": run.rows,
        "stored_exactly_once": run.once,
        "errors": len(errors),
        "first_errors": [o.errors[0] for o in errors[:5]],
        "retries": sum(o.retries for o in run.people),
        "solo_errors": run.solo.errors,
        "baseline_rss_mb": round(run.rss0 / 2**20, 1),
        "server_log_tail": run.logs if errors else [],
    }


def _solo_figures(run: Run) -> list[Figure]:
    """One participant alone: what a phone transfers and what the server spends."""
    solo, cached, solo_cpu, change_cpu, changes = (
        run.solo,
        run.cached,
        run.solo_cpu,
        run.change_cpu,
        run.changes,
    )
    return [
        Figure("one participant, first visit: transferred", solo.bytes / 1024, "KB", target=150),
        Figure("one participant, first visit: requests", solo.requests, "requests", target=12),
        Figure(
            "one participant, files cached: transferred",
            cached.bytes / 1024,
            "KB",
            target=20,
            note=f"{cached.requests} requests",
        ),
        Figure(
            "one participant: server CPU, whole questionnaire with feedback", solo_cpu * 1000, "ms", target=30
        ),
        Figure(
            "one participant: server CPU per page change",
            change_cpu * 1000,
            "ms",
            target=3,
            note=f"mean of {changes + 2} page messages",
        ),
    ]


def _room_figures(args: argparse.Namespace, run: Run) -> list[Figure]:
    """The room: errors, stored exactly once, latencies, memory and CPU."""
    n, people, rows, once, rss0 = args.n, run.people, run.rows, run.once, run.rss0
    errors = [o for o in people if o.errors]
    cpu, gen_cpu = run.cpu, run.gen_cpu

    def one(target: float) -> float | None:
        # issue 20 sets latencies and memory for one worker (the 1,000 room); over several
        # servers behind nginx its target is that nothing is lost
        return target if args.workers == 1 else None

    opens = [o.open_s for o in people]
    pages = [s for o in people for s in o.page_s]
    feedback = [o.feedback_s for o in people]
    return [
        Figure(f"room {n}: errors", len(errors), "participants", target=0),
        Figure(
            f"room {n}: responses not stored exactly once",
            n - once,
            "participants",
            target=0,
            note=f"{rows} rows for {n} participants",
        ),
        Figure(f"room {n}: page change p50", pct(pages, 50) * 1000, "ms"),
        Figure(f"room {n}: page change p95", pct(pages, 95) * 1000, "ms", target=one(100)),
        Figure(
            f"room {n}: open to first question p95",
            pct(opens, 95) * 1000,
            "ms",
            target=one(500),
            note=f"p50 {pct(opens, 50) * 1000:.0f} ms; page, files and the first page's "
            "answers (consent travels with them)",
        ),
        Figure(
            f"room {n}: submit to feedback p95",
            pct(feedback, 95) * 1000,
            "ms",
            target=one(300),
            note=f"p50 {pct(feedback, 50) * 1000:.0f} ms",
        ),
        Figure(
            f"room {n}: phones that had to ask for 'Your workshop'",
            int(sum(np.isfinite(o.room_s) for o in people)),
            "participants",
            note="the others got it with their feedback (p95 of the asking: "
            f"{pct([o.room_s for o in people], 95) * 1000:.0f} ms)",
        ),
        Figure(
            f"room {n}: server peak memory",
            run.peak / 2**20,
            "MB",
            target=one(400),
            note=f"baseline {rss0 / 2**20:.0f} MB over {args.workers} server(s)",
        ),
        Figure(f"room {n}: server CPU per participant", cpu / n * 1000, "ms", note=f"{cpu:.1f} s in all"),
        Figure(
            f"room {n}: load generator CPU per participant",
            gen_cpu / n * 1000,
            "ms",
            note=f"{gen_cpu:.1f} s in all (not the server's)",
        ),
    ]


def main(argv: list[str] | None = None) -> int:
    args = _arguments(argv)
    run = _measure(args)
    sizes = _sizes(args, run)
    emit(args.name, _solo_figures(run) + _room_figures(args, run), sizes=sizes)
    print(json.dumps({k: v for k, v in sizes.items() if k != "server_log_tail"}))
    errors = [o for o in run.people if o.errors]
    if errors:
        print("\n".join(run.logs)[-3000:], file=sys.stderr)
    return 0 if not errors and run.once == args.n else 1


if __name__ == "__main__":
    sys.exit(main())
