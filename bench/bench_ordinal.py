"""Benchmark the ordinal structure code against lavaan in the same run (issue 33).

Tasks (psych::bfi: 25 six-point items, 5 factors, 2,436 complete rows, two groups by
gender; tests/reference/ordinal_bfi.csv):

1. ``cfa(..., ordered=True)`` (WLSMV) against ``lavaan::cfa(ordered=)``: >= 30x;
2. the same on bfi's rows repeated to 100,000: >= 60x;
3. the 4-step Wu & Estabrook ladder with its 3 scaled difference tests
   (``invariance(..., ordered=True)``) against ``semTools::measEq.syntax(...,
   return.fit = TRUE)`` per step plus ``lavTestLRT`` per difference: >= 100x;
4. netsoc alone: WLSMV on the instrument's 37 items x 100,000 complete synthetic rows
   (``analysis.make_demo``, seeded): <= 5 s.

Protocol (bench/_race.py): one cold call each, then 3 rounds alternating netsoc and
lavaan, best of 3; each netsoc call on its own shuffled copy of the data; load average
before and after, no ratio above 1.5; netsoc alone when Rscript or lavaan is missing.

Run: ``.venv/bin/python bench/bench_ordinal.py`` (``NETSOC_BENCH_QUICK=1``: 2,000 rows,
lavaan not started).  Prints the table and writes ``bench/results/ordinal.json``.
"""

from __future__ import annotations

import os
import sys
import warnings
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import QUICK, emit
from _race import MAX_LOAD, RSession, Task, figures, model_syntax, race, report

from analysis import cfa, invariance, make_demo
from analysis.scoring import keyed_items
from survey.instrument import load_instrument

SEED = 24
N_BIG = 2_000 if QUICK else 100_000
BFI = Path(__file__).resolve().parent.parent / "tests" / "reference" / "ordinal_bfi.csv"
BFI_FACTORS = {
    "agreeableness": ["A2", "A1", "A3", "A4", "A5"],
    "conscientiousness": ["C1", "C2", "C3", "C4", "C5"],
    "extraversion": ["E3", "E1", "E2", "E4", "E5"],
    "neuroticism": ["N1", "N2", "N3", "N4", "N5"],
    "openness": ["O1", "O2", "O3", "O4", "O5"],
}

ITEMS = [i for f in BFI_FACTORS.values() for i in f]
R_SETUP = f"""
model <- "{model_syntax(BFI_FACTORS)}"
items <- c({", ".join(repr(i) for i in ITEMS)})
task_wlsmv <- function() cfa(model, data = bfi, ordered = items)
task_wlsmv_big <- function() cfa(model, data = big, ordered = items)
task_ladder <- function() {{
  steps <- list("", "thresholds", c("thresholds", "loadings"), c("thresholds", "loadings", "intercepts"))
  fits <- lapply(steps, function(eq) measEq.syntax(configural.model = model, data = bfi,
    ordered = items, parameterization = "delta", ID.fac = "std.lv",
    ID.cat = "Wu.Estabrook.2016", group = "gender", group.equal = eq, return.fit = TRUE))
  for (i in 2:4) lavTestLRT(fits[[i - 1]], fits[[i]])
}}
"""


def instrument_data(n: int) -> tuple[pd.DataFrame, dict[str, list[str]]]:
    """The first ``n`` complete synthetic respondents: keyed items + language."""
    inst = load_instrument()
    factors = {
        s: [i.id for i in inst.scale_items(s)] for s in ("networking", "socializing", "intentionality")
    }
    items = [i for f in factors.values() for i in f]
    raw = make_demo(int(n * 3.2) + 1_000, seed=SEED)  # about 1 in 3 rows is complete
    keyed = keyed_items(raw, inst)[items].astype("float64")
    keyed["language"] = raw["language"].astype(str)
    complete = keyed.dropna().head(n).reset_index(drop=True)
    if len(complete) < n:
        raise SystemExit(f"only {len(complete)} complete synthetic rows; draw more")
    return complete, factors


def main() -> None:
    warnings.simplefilter("ignore")
    bfi = pd.read_csv(BFI)[[*ITEMS, "gender"]]
    big = pd.concat([bfi] * (N_BIG // len(bfi) + 1), ignore_index=True).head(N_BIG)
    synthetic, factors = instrument_data(N_BIG)
    todo = [
        Task(
            "WLSMV CFA, bfi 25 items x 2,436",
            bfi[ITEMS],
            lambda d: cfa(d, BFI_FACTORS, ordered=True),
            "wlsmv",
            30,
        ),
        Task(
            f"WLSMV CFA, bfi rows repeated to {N_BIG:,}",
            big[ITEMS],
            lambda d: cfa(d, BFI_FACTORS, ordered=True),
            "wlsmv_big",
            60,
        ),
        Task(
            "ordinal ladder, 4 steps + 3 scaled difference tests, bfi by gender",
            bfi,
            lambda d: invariance(d, BFI_FACTORS, "gender", ordered=True),
            "ladder",
            100,
        ),
        Task(
            f"WLSMV CFA, instrument 37 items x {N_BIG:,}",
            synthetic.drop(columns="language"),
            lambda d: cfa(d, factors, ordered=True),
            target_seconds=5.0,
        ),
    ]
    load_before = os.getloadavg()[0]
    r = None if QUICK else RSession(R_SETUP, {"bfi": bfi, "big": big[ITEMS]})
    race(todo, r if r is not None and r.proc is not None else None)
    load_after = os.getloadavg()[0]
    if r is not None:
        r.close()
    print(report("WLSMV and the ordinal ladder against lavaan", todo, r, load_before, load_after), flush=True)
    busy = max(load_before, load_after) > MAX_LOAD
    emit(
        "ordinal",
        figures(todo, r, busy),
        sizes={"bfi_rows": len(bfi), "rows": N_BIG, "load": [load_before, load_after]},
    )


if __name__ == "__main__":
    main()
