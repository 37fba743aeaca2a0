"""Benchmark the ML estimators against lavaan in the same run (issue 33 points 1 and 4).

Tasks (psych::bfi: 25 items, 5 factors; lavaan 0.6 with its defaults):

1. ML CFA on the 2,436 complete rows (tests/reference/ordinal_bfi.csv): >= 10x lavaan;
2. ML CFA on bfi's complete rows repeated to 100,000: >= 10x lavaan;
3. FIML with standard errors (``missing = "ml"``) on bfi's 15 items of agreeableness,
   conscientiousness and extraversion, 2,800 rows with their own missing answers
   (tests/reference/fiml_bfi.csv): >= 10x lavaan;
4. FIML + MLR (``estimator = "MLR"``) on the same: >= 10x lavaan;
5. FIML with standard errors on 40 items x 1,000 people, 10 % of the answers missing at
   random (about 1,000 patterns; seeded): <= 2 s (lavaan takes over a minute);
6. netsoc alone: the instrument's two-factor model on 100,000 synthetic respondents
   (<= 2 s) and its invariance ladder across 2 groups (<= 10 s).

Protocol (bench/_race.py): for each task one cold call of netsoc and one of lavaan, then
3 rounds alternating netsoc and lavaan, best of 3; each netsoc call gets its own copy of
the data with the rows shuffled (no cache carries over); load average before and after;
no ratio when it exceeds 1.5; netsoc alone when Rscript or lavaan is missing.

Run: ``.venv/bin/python bench/bench_cfa.py`` (``NETSOC_BENCH_QUICK=1``: tiny sizes,
lavaan not started).  Prints the table and writes ``bench/results/cfa.json``.
"""

from __future__ import annotations

import os
import sys
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import QUICK, emit
from _race import MAX_LOAD, RSession, Task, figures, model_syntax, race, report

from analysis import cfa, instrument_model, invariance
from survey.instrument import load_instrument

SEED = 2026
N_BIG = 5_000 if QUICK else 100_000
REFERENCE = Path(__file__).resolve().parent.parent / "tests" / "reference"
BFI_FACTORS = {
    "agreeableness": ["A1", "A2", "A3", "A4", "A5"],
    "conscientiousness": ["C1", "C2", "C3", "C4", "C5"],
    "extraversion": ["E1", "E2", "E3", "E4", "E5"],
    "neuroticism": ["N1", "N2", "N3", "N4", "N5"],
    "openness": ["O1", "O2", "O3", "O4", "O5"],
}
FIML_FACTORS = {k: BFI_FACTORS[k] for k in ("agreeableness", "conscientiousness", "extraversion")}
ITEMS40 = [f"x{i}" for i in range(40)]
FACTORS40 = {f"f{j}": ITEMS40[10 * j : 10 * j + 10] for j in range(4)}


R_SETUP = f"""
m_bfi <- "{model_syntax(BFI_FACTORS)}"
m_fiml <- "{model_syntax(FIML_FACTORS)}"
m_40 <- "{model_syntax(FACTORS40)}"
task_ml <- function() cfa(m_bfi, data = bfi)
task_ml_big <- function() cfa(m_bfi, data = big)
task_fiml <- function() cfa(m_fiml, data = fbfi, missing = "ml")
task_mlr <- function() cfa(m_fiml, data = fbfi, missing = "ml", estimator = "MLR")
task_fiml40 <- function() cfa(m_40, data = x40, missing = "ml")
"""


def mar40(n: int = 1_000, seed: int = 33) -> pd.DataFrame:
    """40 items of 4 correlated factors, 10 % of the answers missing at random (the
    chance of a missing answer grows with the first item's value, which is always given)."""
    rng = np.random.default_rng(seed)
    lat = rng.standard_normal((n, 4)) @ np.linalg.cholesky(0.3 + 0.7 * np.eye(4)).T
    x = np.repeat(lat, 10, axis=1) * 0.7 + 0.7 * rng.standard_normal((n, 40))
    chance = 0.2 / (1 + np.exp(-x[:, :1]))  # MAR on x0: mean about 0.1
    drop = rng.random((n, 40)) < chance
    drop[:, 0] = False
    x[drop] = np.nan
    return pd.DataFrame(x, columns=ITEMS40)


def answers(n: int, rng: np.random.Generator) -> pd.DataFrame:
    """Answer codes 1..5 of every scored item of the instrument plus a two-level ``group``."""
    inst = load_instrument()
    theta = rng.multivariate_normal([0, 0], [[1.0, 0.3], [0.3, 1.0]], size=n)
    scale = {"networking": 0, "socializing": 1}
    cols = {}
    for item in inst.items:
        lat = theta[:, scale[item.scale]] if item.scale in scale else theta.mean(axis=1)
        sign = -1.0 if item.keying == "reverse" else 1.0
        cols[item.id] = (
            np.digitize(sign * 0.7 * lat + 0.71 * rng.standard_normal(n), [-1.2, -0.4, 0.4, 1.2]) + 1
        )
    frame = pd.DataFrame(cols)
    frame["group"] = np.where(rng.random(n) < 0.5, "a", "b")
    return frame


def tasks() -> tuple[list[Task], dict[str, pd.DataFrame]]:
    items = [i for f in BFI_FACTORS.values() for i in f]
    bfi = pd.read_csv(REFERENCE / "ordinal_bfi.csv")[items]
    big = pd.concat([bfi] * (N_BIG // len(bfi) + 1), ignore_index=True).head(N_BIG)
    fbfi = pd.read_csv(REFERENCE / "fiml_bfi.csv")[[i for f in FIML_FACTORS.values() for i in f]]
    x40 = mar40(200 if QUICK else 1_000)
    inst = load_instrument()
    keyed, factors = instrument_model(answers(N_BIG, np.random.default_rng(SEED)), inst, group="group")
    out = [
        Task("ML CFA, bfi 25 items x 2,436", bfi, lambda d: cfa(d, BFI_FACTORS), "ml", 10),
        Task(f"ML CFA, bfi rows repeated to {N_BIG:,}", big, lambda d: cfa(d, BFI_FACTORS), "ml_big", 10),
        Task(
            "FIML with SEs, bfi 15 items x 2,800 (own missing)",
            fbfi,
            lambda d: cfa(d, FIML_FACTORS, missing="ml"),
            "fiml",
            10,
        ),
        Task(
            "FIML + MLR, bfi 15 items x 2,800",
            fbfi,
            lambda d: cfa(d, FIML_FACTORS, missing="ml", estimator="MLR"),
            "mlr",
            10,
        ),
        Task(
            f"FIML with SEs, 40 items x {len(x40):,}, 10 % MAR",
            x40,
            lambda d: cfa(d, FACTORS40, missing="ml"),
            "fiml40",
            target_seconds=2.0,
        ),
        Task(
            f"instrument model (2 factors, 32 items), {N_BIG:,} rows",
            keyed.drop(columns="group"),
            lambda d: cfa(d, factors),
            target_seconds=2.0,
        ),
        Task(
            f"invariance ladder (4 models), 2 groups, {N_BIG:,} rows",
            keyed,
            lambda d: invariance(d, factors, "group"),
            target_seconds=10.0,
        ),
    ]
    return out, {"bfi": bfi, "big": big, "fbfi": fbfi, "x40": x40}


def main() -> None:
    warnings.simplefilter("ignore")
    todo, files = tasks()
    load_before = os.getloadavg()[0]
    r = None if QUICK else RSession(R_SETUP, files)
    race(todo, r if r is not None and r.proc is not None else None)
    load_after = os.getloadavg()[0]
    if r is not None:
        r.close()
    print(report("ML, FIML and MLR against lavaan", todo, r, load_before, load_after), flush=True)
    busy = max(load_before, load_after) > MAX_LOAD
    emit("cfa", figures(todo, r, busy), sizes={"rows": N_BIG, "load": [load_before, load_after]})


if __name__ == "__main__":
    main()
