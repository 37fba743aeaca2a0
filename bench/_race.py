"""netsoc against lavaan in one run, alternately (issue 33 point 4).

One R process is started per benchmark and kept: it reads the data files once (not
timed), defines one R function per task, and then runs a task each time Python asks,
reporting its elapsed seconds.  For every task the protocol is:

1. one cold call of netsoc, then one cold call of lavaan;
2. three rounds of (netsoc, lavaan); the figure is the best of the 3.

Every timed netsoc call gets its own copy of the data with the rows in another order
(:func:`fresh`), so no cache can carry work from one timed call to the next.  The load
average is read before and after; when either exceeds :data:`MAX_LOAD` no ratio is
printed, and the table says why.  Without Rscript (or lavaan) netsoc's times are
printed alone, with the reason.
"""

from __future__ import annotations

import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

import pandas as pd
from _lavaan import model_syntax

__all__ = ["Task", "RSession", "race", "fresh", "MAX_LOAD", "versions", "report", "figures", "model_syntax"]

#: Above this 1-minute load average the machine is too busy for an honest ratio.
MAX_LOAD = 1.5
_PACKAGES = ("numpy", "scipy", "pandas", "statsmodels", "netsoc")


@dataclass
class Task:
    """One timed comparison: netsoc's call (given a fresh copy of the data) and the
    name of the R task (None: netsoc only), with the issue's target ratio."""

    name: str
    data: pd.DataFrame
    run: Callable[[pd.DataFrame], object]
    r_task: str | None = None
    target_ratio: float | None = None
    target_seconds: float | None = None
    netsoc: list[float] = field(default_factory=list)  # cold first, then the rounds
    lavaan: list[float] = field(default_factory=list)


def fresh(data: pd.DataFrame, seed: int) -> pd.DataFrame:
    """A copy of ``data`` with its rows in another order (nothing shared with the original)."""
    return data.sample(frac=1.0, random_state=seed).reset_index(drop=True).copy(deep=True)


class RSession:
    """A persistent Rscript running the tasks defined by ``setup`` (R code that reads
    the CSV files given as ``files`` into variables and defines ``task_<name>``)."""

    _LOOP = """
suppressPackageStartupMessages({library(lavaan); library(semTools)})
args <- commandArgs(trailingOnly = TRUE)
for (a in args) { kv <- strsplit(a, "=", fixed = TRUE)[[1]]; assign(kv[1], read.csv(kv[2])) }
%s
cat("VERSIONS", R.version.string, "| lavaan", as.character(packageVersion("lavaan")),
    "| semTools", as.character(packageVersion("semTools")), "\\n")
con <- file("stdin"); open(con)
repeat {
  line <- readLines(con, n = 1)
  if (length(line) == 0 || line == "quit") break
  f <- get(paste0("task_", line))
  t0 <- proc.time()[["elapsed"]]
  invisible(suppressWarnings(f()))
  cat("TIME", proc.time()[["elapsed"]] - t0, "\\n")
  flush(stdout())
}
"""

    def __init__(self, setup: str, files: dict[str, pd.DataFrame]) -> None:
        self.reason = ""
        self.versions = ""
        self.proc: subprocess.Popen[str] | None = None
        exe = shutil.which("Rscript")
        if exe is None:
            self.reason = "Rscript not found: lavaan not timed"
            return
        self._tmp = tempfile.TemporaryDirectory(prefix="netsoc-race-")
        tmp = Path(self._tmp.name)
        args = []
        for name, frame in files.items():
            frame.to_csv(tmp / f"{name}.csv", index=False)
            args.append(f"{name}={tmp / f'{name}.csv'}")
        (tmp / "race.R").write_text(self._LOOP % setup, encoding="utf-8")
        self.proc = subprocess.Popen(
            [exe, str(tmp / "race.R"), *args],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        line = self._line()
        if line is None or not line.startswith("VERSIONS"):
            self.reason = "lavaan could not be started: " + self._error()
            self.proc = None
        else:
            self.versions = line.removeprefix("VERSIONS").strip()

    def _line(self) -> str | None:
        assert self.proc is not None and self.proc.stdout is not None
        line = self.proc.stdout.readline()
        return line.strip() if line else None

    def _error(self) -> str:
        if self.proc is None or self.proc.stderr is None:
            return "?"
        self.proc.kill()
        lines = self.proc.stderr.read().strip().splitlines()
        return lines[-1] if lines else "?"

    def time(self, task: str) -> float | None:
        """Run ``task_<task>()`` in R; its elapsed seconds (None when R failed)."""
        if self.proc is None or self.proc.stdin is None:
            return None
        self.proc.stdin.write(task + "\n")
        self.proc.stdin.flush()
        line = self._line()
        if line is None or not line.startswith("TIME"):
            self.reason = f"lavaan failed on {task}: " + self._error()
            self.proc = None
            return None
        return float(line.split()[1])

    def close(self) -> None:
        if self.proc is not None and self.proc.stdin is not None:
            self.proc.stdin.write("quit\n")
            self.proc.stdin.flush()
            self.proc.wait(timeout=60)
            self.proc = None


def _timed(fn: Callable[[], object]) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def race(tasks: list[Task], r: RSession | None, *, rounds: int = 3) -> None:
    """Time every task by the module's protocol (cold, then ``rounds`` alternating)."""
    for task in tasks:
        for i in range(rounds + 1):
            copy = fresh(task.data, i)  # its own copy, used once
            task.netsoc.append(_timed(lambda run=task.run, c=copy: run(c)))
            del copy
            if r is not None and task.r_task is not None:
                took = r.time(task.r_task)
                if took is not None:
                    task.lavaan.append(took)
            print(f"  {task.name}: round {i} done", file=sys.stderr, flush=True)


def versions(r: RSession | None) -> str:
    """Python, package and R versions, one line."""
    parts = [f"Python {platform.python_version()}"]
    for name in _PACKAGES:
        try:
            parts.append(f"{name} {metadata.version(name)}")
        except metadata.PackageNotFoundError:
            continue
    parts.append(r.versions if r is not None and r.versions else "R: " + (r.reason if r else "not used"))
    return "; ".join(parts)


def _fmt(seconds: float | None) -> str:
    return "" if seconds is None else f"{seconds:.4g} s"


def report(title: str, tasks: list[Task], r: RSession | None, load_before: float, load_after: float) -> str:
    """The Markdown table of a race, with its load average, versions and verdicts."""
    busy = max(load_before, load_after) > MAX_LOAD
    lines = [
        f"## {title}",
        "",
        f"cores: {os.cpu_count()}; load average (1 min) before {load_before:.2f}, after {load_after:.2f}",
        versions(r),
        "",
        "| task | netsoc cold | netsoc best of 3 | lavaan cold | lavaan best of 3 | ratio | target |",
        "| --- | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    for t in tasks:
        ours = min(t.netsoc[1:]) if len(t.netsoc) > 1 else None
        theirs = min(t.lavaan[1:]) if len(t.lavaan) > 1 else None
        ratio = f"{theirs / ours:.1f}x" if (ours and theirs and not busy) else ""
        target = []
        if t.target_ratio:
            target.append(f">= {t.target_ratio:g}x lavaan")
        if t.target_seconds:
            verdict = "pass" if ours is not None and ours <= t.target_seconds else "MISS"
            target.append(f"<= {t.target_seconds:g} s ({verdict})")
        lines.append(
            f"| {t.name} | {_fmt(t.netsoc[0] if t.netsoc else None)} | {_fmt(ours)} | "
            f"{_fmt(t.lavaan[0] if t.lavaan else None)} | {_fmt(theirs)} | {ratio} | {'; '.join(target)} |"
        )
    if busy:
        lines += [
            "",
            f"No ratio printed: the load average exceeded {MAX_LOAD} (before {load_before:.2f}, "
            f"after {load_after:.2f}), so other work shared the cores and the times are not comparable.",
        ]
    if r is None or r.reason:
        lines += ["", f"lavaan: {r.reason if r else 'not used'}; netsoc's times alone."]
    return "\n".join(lines)


def figures(tasks: list[Task], r: RSession | None, busy: bool) -> list:
    """The race as :class:`_common.Figure` rows for ``bench/results`` (no peer, so no
    ratio, when the machine was busy; lavaan's time then stays in the note)."""
    from _common import Figure

    out = []
    for t in tasks:
        ours = min(t.netsoc[1:]) if len(t.netsoc) > 1 else t.netsoc[0]
        theirs = min(t.lavaan[1:]) if len(t.lavaan) > 1 else None
        note = f"cold {t.netsoc[0]:.4g} s; best of {len(t.netsoc) - 1} on fresh copies"
        if theirs is not None:
            note += f"; lavaan cold {t.lavaan[0]:.4g} s, best {theirs:.4g} s"
        elif t.r_task is not None:
            note += "; " + (r.reason if r is not None and r.reason else "lavaan not timed")
        if busy:
            note += f"; no ratio: load average above {MAX_LOAD}"
        target = t.target_seconds
        if target is None and t.target_ratio and theirs is not None:
            target = theirs / t.target_ratio
        peer = theirs is not None and not busy
        out.append(
            Figure(
                t.name,
                ours,
                "s",
                target=target,
                peer="lavaan" if peer else None,
                peer_value=theirs if peer else None,
                note=note,
            )
        )
    return out
