"""Shared plumbing for benchmark scripts: time things, print a table, write JSON.

Every script under ``bench/`` builds a list of :class:`Figure` and calls
:func:`emit`, which prints the figures against their targets and writes
``bench/results/<name>.json``.  ``bench/run_all.py`` collects those files into
one JSON file and one Markdown table.  Benchmarks are never timed tests.
"""

from __future__ import annotations

import json
import os
import platform
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"
QUICK = os.environ.get("NETSOC_BENCH_QUICK") == "1"


@dataclass
class Figure:
    """One measured figure.

    ``better`` is ``"lower"`` (times, latencies) or ``"higher"`` (throughput,
    speed-up).  ``peer``/``peer_value`` name a reference implementation measured
    in the same run; ``ratio`` is peer_value / value for times (how many times
    faster we are) and value / peer_value for throughputs.
    """

    name: str
    value: float
    unit: str
    target: float | None = None
    better: str = "lower"
    peer: str | None = None
    peer_value: float | None = None
    note: str = ""

    @property
    def ratio(self) -> float | None:
        if self.peer_value is None or not self.value:
            return None
        return self.peer_value / self.value if self.better == "lower" else self.value / self.peer_value

    @property
    def passed(self) -> bool | None:
        if self.target is None:
            return None
        return self.value <= self.target if self.better == "lower" else self.value >= self.target

    def as_dict(self) -> dict:
        return asdict(self) | {"ratio": self.ratio, "passed": self.passed}


def best_of(fn: Callable[[], object], repeat: int = 3) -> float:
    """Best wall time in seconds of ``repeat`` calls of ``fn``."""
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def table(figures: list[Figure]) -> str:
    """A Markdown table of figures."""
    lines = [
        "| figure | measured | target | peer | ratio | result |",
        "| --- | ---: | ---: | --- | ---: | --- |",
    ]
    for f in figures:
        op = "<=" if f.better == "lower" else ">="
        target = f"{op} {f.target:g} {f.unit}" if f.target is not None else ""
        peer = f"{f.peer}: {f.peer_value:.4g} {f.unit}" if f.peer else ""
        ratio = f"{f.ratio:.1f}x" if f.ratio is not None else ""
        result = {True: "pass", False: "MISS", None: ""}[f.passed]
        lines.append(f"| {f.name} | {f.value:.4g} {f.unit} | {target} | {peer} | {ratio} | {result} |")
    return "\n".join(lines)


def emit(name: str, figures: list[Figure], *, sizes: dict | None = None) -> None:
    """Print the figures and write ``bench/results/<name>.json``."""
    print(table(figures), flush=True)
    RESULTS.mkdir(exist_ok=True)
    payload = {
        "benchmark": name,
        "quick": QUICK,
        "sizes": sizes or {},
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
        },
        "figures": [f.as_dict() for f in figures],
    }
    (RESULTS / f"{name}.json").write_text(json.dumps(payload, indent=2), encoding="utf-8")
