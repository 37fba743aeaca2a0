"""Benchmark the ordinal structure code (issue 24 point 7) against lavaan in the same run.

Figures:

1. ``cfa(..., ordered=True)`` (WLSMV) and the 4-step Wu & Estabrook ladder
   (``invariance(..., ordered=True)``) on psych::bfi: 25 six-point items,
   five factors, 2,436 complete rows, two groups (gender); the data file is
   tests/reference/ordinal_bfi.csv.
2. The same on the instrument's 37 items (networking, socializing and
   intentionality factors, reverse-keyed items reflected) x 100,000 complete
   synthetic rows drawn by ``analysis.make_demo`` (first 100,000 complete
   respondents of a seeded draw), two groups (answer language).

Targets: at least 10x faster than lavaan 0.6.14 (``lavaan::cfa(ordered=)``;
the ladder as ``semTools::measEq.syntax(..., return.fit = TRUE)`` for each
step plus ``lavTestLRT`` for each difference), and the WLSMV fit on
100,000 x 37 under 5 s.  lavaan is timed when Rscript is found (the bench
says so when it is not); its reading of the CSV is not timed.  A lavaan run
longer than ``NETSOC_BENCH_LAVAAN_TIMEOUT`` seconds (default 900) is stopped
and reported as a lower bound.

Run: ``.venv/bin/python bench/bench_ordinal.py`` (``NETSOC_BENCH_QUICK=1``:
2,000 synthetic rows and lavaan not timed).  Prints a table and writes ``bench/results/ordinal.json``.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import QUICK, Figure, best_of, emit  # noqa: E402
from _lavaan import WHY, lavaan_times, model_syntax  # noqa: E402

from analysis import cfa, invariance, make_demo  # noqa: E402
from analysis.scoring import keyed_items  # noqa: E402
from survey.instrument import load_instrument  # noqa: E402

SEED = 24
N_BIG = 2_000 if QUICK else 100_000
TIMEOUT = float(os.environ.get("NETSOC_BENCH_LAVAAN_TIMEOUT", "900"))
BFI = Path(__file__).resolve().parent.parent / "tests" / "reference" / "ordinal_bfi.csv"
BFI_FACTORS = {
    "agreeableness": ["A2", "A1", "A3", "A4", "A5"],
    "conscientiousness": ["C1", "C2", "C3", "C4", "C5"],
    "extraversion": ["E3", "E1", "E2", "E4", "E5"],
    "neuroticism": ["N1", "N2", "N3", "N4", "N5"],
    "openness": ["O1", "O2", "O3", "O4", "O5"],
}

_FIT_R = 'timed("fit", cfa(model, data = d, ordered = items))\n'
_LADDER_R = """timed("ladder", {
  steps <- list("", "thresholds", c("thresholds", "loadings"),
                c("thresholds", "loadings", "intercepts"))
  fits <- lapply(steps, function(eq) measEq.syntax(configural.model = model, data = d,
    ordered = items, parameterization = "delta", ID.fac = "std.lv",
    ID.cat = "Wu.Estabrook.2016", group = group, group.equal = eq, return.fit = TRUE))
  for (i in 2:4) lavTestLRT(fits[[i - 1]], fits[[i]])
})
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


def lavaan(data: pd.DataFrame, factors: dict[str, list[str]], group: str, what: str) -> float | None:
    if QUICK:  # the smoke run has minutes for every benchmark; lavaan's ladder alone takes longer
        WHY["reason"] = "quick run: lavaan not timed"
        return None
    items = [i for f in factors.values() for i in f]
    head = (
        f'model <- "{model_syntax(factors)}"\n'
        f"items <- c({', '.join(repr(i) for i in items)})\ngroup <- {group!r}\n"
    )
    times = lavaan_times(data, head + (_FIT_R if what == "fit" else _LADDER_R), timeout=TIMEOUT)
    if times is None:
        return None
    return times.get(what, float("inf"))


def figures_for(
    label: str,
    data: pd.DataFrame,
    factors: dict[str, list[str]],
    group: str,
    repeat: int,
    fit_target: float | None,
) -> list[Figure]:
    fit = cfa(data, factors, ordered=True)
    ladder = invariance(data, factors, group, ordered=True)
    if not (fit.converged and ladder["converged"].all()):
        raise SystemExit(f"{label}: a WLSMV model did not converge: {fit.problems}")
    t_fit = best_of(lambda: cfa(data, factors, ordered=True), repeat=repeat)
    t_ladder = best_of(lambda: invariance(data, factors, group, ordered=True), repeat=1)
    peer_fit, peer_ladder = lavaan(data, factors, group, "fit"), lavaan(data, factors, group, "ladder")
    row = fit.fit.iloc[0]
    out = []
    for what, ours, peer, note in (
        (
            "WLSMV cfa",
            t_fit,
            peer_fit,
            f"scaled chi2({int(row.df)}) = {row.chi2_scaled:.1f}, CFI {row.cfi_scaled:.3f}; best of {repeat}",
        ),
        (
            "Wu & Estabrook ladder (4 WLSMV fits + 3 scaled difference tests)",
            t_ladder,
            peer_ladder,
            f"by {group}; one run",
        ),
    ):
        lower = peer is not None and not np.isfinite(peer)
        value = TIMEOUT if lower else peer
        note += f"; lavaan stopped after {TIMEOUT:.0f} s (ratio is a lower bound)" if lower else ""
        note += "" if peer is not None else f"; {WHY.get('reason', 'lavaan not timed')}"
        out.append(
            Figure(
                f"{what}, {label}",
                ours,
                "s",
                target=value / 10 if value else None,
                peer="lavaan 0.6.14" if value else None,
                peer_value=value,
                note=note + "; target: 10x faster than lavaan",
            )
        )
    if fit_target is not None:
        out.append(
            Figure(
                f"WLSMV cfa, {label} (absolute)", t_fit, "s", target=fit_target, note="issue 24: under 5 s"
            )
        )
    return out


def main() -> None:
    bfi = pd.read_csv(BFI)
    figures = figures_for(
        "psych::bfi 25 items x 2,436 rows, 5 factors", bfi, BFI_FACTORS, "gender", repeat=3, fit_target=None
    )
    big, factors = instrument_data(N_BIG)
    figures += figures_for(
        f"instrument 37 items x {N_BIG:,} rows, 3 factors",
        big,
        factors,
        "language",
        repeat=2 if not QUICK else 3,
        fit_target=5.0,
    )
    emit("ordinal", figures, sizes={"bfi_rows": len(bfi), "synthetic_rows": N_BIG, "items": 37})


if __name__ == "__main__":
    main()
