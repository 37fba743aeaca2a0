"""Time lavaan on the same data in the same run (when Rscript is found).

:func:`lavaan_times` writes the data to a temporary CSV, runs an R snippet that
times its steps with ``proc.time()`` (elapsed seconds, data reading excluded)
and returns ``{step: seconds}``; ``None`` (with the reason in :data:`WHY`) when
Rscript or lavaan is missing or the run failed.  A step that exceeds the
budget is reported as ``inf`` so the caller can print a lower bound.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
from pathlib import Path

import pandas as pd

__all__ = ["lavaan_times", "rscript", "model_syntax", "WHY"]

WHY: dict[str, str] = {}

_PRELUDE = """
suppressPackageStartupMessages({library(lavaan); library(semTools); library(jsonlite)})
args <- commandArgs(trailingOnly = TRUE)
d <- read.csv(args[1], stringsAsFactors = FALSE)
times <- list()
timed <- function(name, expr) {
  t0 <- proc.time()[["elapsed"]]
  force(expr)
  times[[name]] <<- proc.time()[["elapsed"]] - t0
}
"""
_EPILOGUE = """
cat("NETSOC_TIMES", toJSON(times, auto_unbox = TRUE, digits = NA), "\\n")
"""


def rscript() -> str | None:
    """The Rscript executable, or None."""
    return shutil.which("Rscript")


def model_syntax(factors: dict[str, list[str]]) -> str:
    """lavaan model syntax of a simple-structure CFA."""
    return "\\n".join(f"{name} =~ {' + '.join(items)}" for name, items in factors.items())


def lavaan_times(data: pd.DataFrame, body: str, *, timeout: float = 1800.0) -> dict | None:
    """Run ``body`` (R code using ``d`` and ``timed(name, expr)``) and return its times."""
    exe = rscript()
    if exe is None:
        WHY["reason"] = "Rscript not found: lavaan not timed"
        return None
    with tempfile.TemporaryDirectory() as tmp:
        csv = Path(tmp) / "data.csv"
        data.to_csv(csv, index=False)
        script = Path(tmp) / "time.R"
        script.write_text(_PRELUDE + body + _EPILOGUE)
        try:
            out = subprocess.run(
                [exe, str(script), str(csv)], capture_output=True, text=True, timeout=timeout, check=False
            )
        except subprocess.TimeoutExpired:
            WHY["reason"] = f"lavaan did not finish within {timeout:.0f} s"
            return {"timeout": float("inf")}
    for line in out.stdout.splitlines():
        if line.startswith("NETSOC_TIMES"):
            return json.loads(line.split(" ", 1)[1])
    WHY["reason"] = "the lavaan run failed: " + (out.stderr.strip().splitlines() or ["?"])[-1]
    return None
