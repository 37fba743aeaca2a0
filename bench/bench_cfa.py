"""Benchmark the CFA: the instrument's model on 100,000 respondents, and the ladder.

Figures (targets from issue 14, for a 2-core machine):

1. ``instrument_model`` + ``cfa`` of the instrument's two correlated
   orientations (32 items, reverse-keyed ones reflected) on 100,000
   respondents' answer codes (all 37 scored items): <= 2 s.
2. ``invariance`` (configural, metric, scalar, strict) of the same model
   across 2 groups of 50,000: <= 10 s.
3. Against lavaan 0.6.14 in the same run (issue 24 point 7: at least 5x
   faster at any size): ``cfa`` on psych::bfi (25 items, 5 factors, 2,436
   complete rows, tests/reference/ordinal_bfi.csv) and on the 100,000 rows
   above, against ``lavaan::cfa(model, data)`` (data reading not timed).
   lavaan is timed when Rscript is found; the bench says so when it is not.

Why today's cost no longer grows with the rows: the data enter once, as
sample moments (one ``dsyrk`` of the centred complete rows, no copy of the
rows when all are complete), and the estimation works on those alone.  What
made it grow before was elsewhere: scipy's ``ncx2.cdf`` (0.5 ms a call) inside
the RMSEA interval's root search, whose noncentrality grows with ``N``, and
multithreaded OpenBLAS on small matrices (Fisher scoring 0.35 s instead of
0.02 s on a busy 2-core machine); both are gone.

Data: answer codes from the instrument's model (two correlated factors,
loadings 0.7, reverse-keyed items negative, cut into five codes), seeded.
Each figure is the best of 3 (2 for the ladder).

Run: ``.venv/bin/python bench/bench_cfa.py`` (``NETSOC_BENCH_QUICK=1`` for
tiny sizes).  Prints a table and writes ``bench/results/cfa.json``.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import QUICK, Figure, best_of, emit  # noqa: E402
from _lavaan import WHY, lavaan_times, model_syntax  # noqa: E402

from analysis import cfa, instrument_model, invariance  # noqa: E402
from survey.instrument import load_instrument  # noqa: E402

SEED = 2026
N = 5_000 if QUICK else 100_000
BFI = Path(__file__).resolve().parent.parent / "tests" / "reference" / "ordinal_bfi.csv"
BFI_FACTORS = {
    "agreeableness": ["A2", "A1", "A3", "A4", "A5"],
    "conscientiousness": ["C1", "C2", "C3", "C4", "C5"],
    "extraversion": ["E3", "E1", "E2", "E4", "E5"],
    "neuroticism": ["N1", "N2", "N3", "N4", "N5"],
    "openness": ["O1", "O2", "O3", "O4", "O5"],
}


def against_lavaan(label: str, data: pd.DataFrame, factors: dict[str, list[str]]) -> Figure:
    """``cfa`` (best of 5) against ``lavaan::cfa`` on the same data."""
    fit = cfa(data, factors)
    ours = best_of(lambda: cfa(data, factors), repeat=5)
    body = f'model <- "{model_syntax(factors)}"\ntimed("fit", for (i in 1:3) cfa(model, data = d))\n'
    times = lavaan_times(data, body)
    peer = times["fit"] / 3 if times and "fit" in times else None
    note = (
        f"ML; chi2({int(fit.fit.df.iloc[0])}) = {fit.fit.chi2.iloc[0]:.1f}; lavaan: mean of 3"
        if peer
        else f"ML; {WHY.get('reason', 'lavaan not timed')}"
    )
    return Figure(
        f"cfa (ML) vs lavaan, {label}",
        ours,
        "s",
        target=peer / 5 if peer else None,
        peer="lavaan 0.6.14" if peer else None,
        peer_value=peer,
        note=note + "; target: 5x faster than lavaan",
    )


def answers(n: int, inst, rng: np.random.Generator) -> pd.DataFrame:
    """Answer codes 1..5 of every scored item plus a two-level ``group``."""
    cov = np.array([[1.0, 0.3], [0.3, 1.0]])
    theta = rng.multivariate_normal([0, 0], cov, size=n)
    scale = {"networking": 0, "socializing": 1}
    cols = {}
    for item in inst.items:
        lat = theta[:, scale[item.scale]] if item.scale in scale else theta.mean(axis=1)
        sign = -1.0 if item.keying == "reverse" else 1.0
        y = sign * 0.7 * lat + 0.71 * rng.standard_normal(n)
        cols[item.id] = np.digitize(y, [-1.2, -0.4, 0.4, 1.2]) + 1
    frame = pd.DataFrame(cols)
    frame["group"] = np.where(rng.random(n) < 0.5, "a", "b")
    return frame


def main() -> None:
    inst = load_instrument()
    data = answers(N, inst, np.random.default_rng(SEED))

    def one_cfa():
        keyed, factors = instrument_model(data, inst)
        return cfa(keyed, factors)

    fit = one_cfa()
    if not fit.converged:
        raise SystemExit(f"the benchmark CFA did not converge: {fit.problems}")
    t_cfa = best_of(one_cfa, repeat=3)

    keyed, factors = instrument_model(data, inst, group="group")
    ladder = invariance(keyed, factors, "group")
    if not ladder["converged"].all():
        raise SystemExit("a model of the benchmark ladder did not converge")
    t_ladder = best_of(lambda: invariance(keyed, factors, "group"), repeat=2)

    row = fit.fit.iloc[0]
    figures = [
        Figure(
            f"cfa, instrument model (2 factors, 32 items), n={N:,}",
            t_cfa,
            "s",
            target=2.0,
            note=f"instrument_model + cfa from answer codes; best of 3; {fit.iterations} "
            f"Fisher-scoring iterations, chi2({int(row.df)}) = {row.chi2:.1f}",
        ),
        Figure(
            f"invariance ladder (4 models), 2 groups, n={N:,}",
            t_ladder,
            "s",
            target=10.0,
            note="configural, metric, scalar, strict; best of 2",
        ),
    ]
    bfi = pd.read_csv(BFI)
    items = [i for f in factors.values() for i in f]
    figures += [
        against_lavaan("psych::bfi 25 items x 2,436 rows", bfi, BFI_FACTORS),
        against_lavaan(f"instrument 32 items x {N:,} rows", keyed[items], factors),
    ]
    emit("cfa", figures, sizes={"rows": N, "items": 32, "groups": 2})


if __name__ == "__main__":
    main()
