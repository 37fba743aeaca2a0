"""Benchmark the analysis layer: scoring + alpha at 1M x 40, alpha vs pingouin, compare_groups.

Figures (targets from issue 5, for a 2-core machine):

1. ``score()`` plus ``cronbach_alpha()`` (pairwise, as psych) on a
   1,000,000 x 40 answer matrix (37 items, 2 attention checks, 1 extra
   column) with 5 % of answers missing completely at random: <= 2 s.
2. ``cronbach_alpha`` alone on the same matrix as a float64 DataFrame against
   ``pingouin.cronbach_alpha(nan_policy="pairwise")`` on that very DataFrame,
   in this one process: at least 5x faster.  Both are timed 3 times,
   alternating (ours, pingouin, ours, pingouin, ...), so that both see the
   same machine load and warm caches, and each side reports its median.
3. ``compare_groups`` over 6 outcomes x 5 grouping fields on 100,000
   respondents (Welch test with Levene and Shapiro checks): <= 10 s.

Run: ``.venv/bin/python bench/bench_analysis.py`` (``NETSOC_BENCH_QUICK=1`` for
tiny sizes).  Prints a table and writes ``bench/results/analysis.json``.
"""

from __future__ import annotations

import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import QUICK, Figure, best_of, emit

from analysis.compare import compare_groups
from analysis.psychometrics import cronbach_alpha
from analysis.scoring import score
from survey.instrument import load_instrument

SEED = 2026
N_ALPHA = 20_000 if QUICK else 1_000_000
N_COMPARE = 5_000 if QUICK else 100_000
MISSING = 0.05


def answer_matrix(n: int, inst, rng: np.random.Generator) -> pd.DataFrame:
    """n x 40 nullable-integer answers from a one-factor model, 5 % MCAR missing."""
    cols = inst.item_ids + inst.attention_ids + ["extra_1"]
    k = len(cols)
    theta = rng.standard_normal(n, dtype=np.float32)[:, None]
    y = 0.6 * theta + 0.8 * rng.standard_normal((n, k), dtype=np.float32)
    codes = np.clip(np.rint(3 + 1.1 * y), 1, 5)
    codes[rng.random((n, k), dtype=np.float32) < MISSING] = np.nan
    frame = pd.DataFrame(codes.astype("float64"), columns=cols)
    return frame.astype("Int64")


def compare_table(n: int, rng: np.random.Generator) -> tuple[pd.DataFrame, list[str], list[str]]:
    dvs = [f"y{i}" for i in range(6)]
    groups = {"role": 9, "career_stage": 5, "work_mode": 4, "age_band": 6, "introversion": 6}
    data = {g: pd.Categorical(rng.integers(0, m, n).astype(str)) for g, m in groups.items()}
    base = rng.standard_normal((n, 6))
    for i, dv in enumerate(dvs):
        data[dv] = base[:, i] + 0.1 * data["work_mode"].codes
    return pd.DataFrame(data), dvs, list(groups)


def alternating_medians(fns: list[Callable[[], object]], repeat: int = 3) -> list[float]:
    """Median wall time of each function, the functions called in turn ``repeat`` times."""
    times: list[list[float]] = [[] for _ in fns]
    for _ in range(repeat):
        for fn, ts in zip(fns, times):
            t0 = time.perf_counter()
            fn()
            ts.append(time.perf_counter() - t0)
    return [statistics.median(ts) for ts in times]


def main() -> None:
    import pingouin

    inst = load_instrument()
    rng = np.random.default_rng(SEED)
    t0 = time.perf_counter()
    answers = answer_matrix(N_ALPHA, inst, rng)
    build = time.perf_counter() - t0

    def score_and_alpha() -> None:
        score(answers, inst)
        cronbach_alpha(answers)

    ours_both = best_of(score_and_alpha, repeat=3)
    ours_score = best_of(lambda: score(answers, inst), repeat=3)
    # alpha against pingouin on the very same float64 DataFrame (pingouin
    # needs floats for NaN), median of 3 alternating runs each
    as_float = answers.astype("float64")
    ours_value = cronbach_alpha(as_float)["alpha"].iloc[0]
    peer_value, _ = pingouin.cronbach_alpha(as_float, nan_policy="pairwise")
    if not np.isclose(ours_value, peer_value, atol=1e-9):
        raise SystemExit(f"alpha disagrees with pingouin: {ours_value} vs {peer_value}")
    ours_alpha, peer_alpha = alternating_medians(
        [
            lambda: cronbach_alpha(as_float),
            lambda: pingouin.cronbach_alpha(as_float, nan_policy="pairwise"),
        ]
    )

    scores, dvs, groups = compare_table(N_COMPARE, rng)
    ours_compare = best_of(lambda: compare_groups(scores, dvs, groups), repeat=2)

    size = f"{N_ALPHA:,} x {answers.shape[1]}"
    figures = [
        Figure(
            f"score + cronbach_alpha, {size} Int64 table, 5% missing",
            ours_both,
            "s",
            target=2.0,
            note="analysis.scoring.score, then pairwise alpha over all 40 columns; best of 3",
        ),
        Figure(
            f"  of which score() alone, {size}",
            ours_score,
            "s",
            note="informational: the scoring share of the figure above",
        ),
        Figure(
            f"cronbach_alpha pairwise, {size} float64",
            ours_alpha,
            "s",
            target=None,
            peer="pingouin.cronbach_alpha(nan_policy='pairwise')",
            peer_value=peer_alpha,
            note=f"median of 3 alternating runs each; alpha {ours_value:.9f} (pingouin {peer_value:.9f})",
        ),
        Figure(
            "alpha speed-up over pingouin",
            peer_alpha / ours_alpha,
            "x",
            target=5.0,
            better="higher",
            note="ratio of the two medians above",
        ),
        Figure(
            f"compare_groups 6 dvs x 5 groupings, n={N_COMPARE:,}",
            ours_compare,
            "s",
            target=10.0,
            note="Welch tests with Levene and Shapiro checks, Holm",
        ),
    ]
    emit(
        "analysis",
        figures,
        sizes={
            "alpha_rows": N_ALPHA,
            "alpha_columns": answers.shape[1],
            "missing": MISSING,
            "compare_rows": N_COMPARE,
            "build_seconds": round(build, 2),
        },
    )


if __name__ == "__main__":
    main()
