"""What the projector may show without giving away one person (issue 22).

A viewer who sees the dashboard before and after one submission must learn
nothing about that respondent beyond what ``min_group_size`` (k) others share.
The rules, each a small function here, used by :mod:`netsoc.dashboard.room`:

- :func:`published` - the charts are computed from the earliest
  ``floor(n / k) * k`` submitted responses only, so two views differ by a
  whole batch of at least k people (or not at all); the newest ``n mod k``
  wait for their batch.  Any process computes the same set from the store.
- :func:`binned_counts` - people are counted in bands (one score) or cells
  (two scores), never drawn one by one; a band or cell with fewer than k
  people is suppressed (its count is not shown, and it is not drawn).
- :func:`safe_mean` - means are shown to :data:`MEAN_DIGITS` decimal.
- Groups under k are left out without being named (the texts say "groups with
  fewer than k people are not shown").
- Comments are released by the facilitator in batches of at least k, as a
  snapshot in random order (:mod:`survey.store.moderation`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["published", "binned_counts", "grid_counts", "safe_mean", "MEAN_DIGITS", "BALANCE_EDGES"]

#: Decimals of every mean on the dashboard (one person in a batch of k moves a
#: 1-5 mean of 20 people by at most 0.2, so a second decimal would only add noise).
MEAN_DIGITS = 1
#: Bands of the balance index (-1 .. 1) on the projector.
BALANCE_EDGES = np.linspace(-1.0, 1.0, 9)


def published(frame: pd.DataFrame, min_group_size: int) -> pd.DataFrame:
    """The responses the dashboard may use: the earliest whole batches of ``min_group_size``.

    Parameters
    ----------
    frame : DataFrame
        Submitted responses with ``submitted_at`` and ``respondent_id``.
    min_group_size : int
        k.

    Returns
    -------
    DataFrame
        The first ``floor(len(frame) / k) * k`` rows in order of submission
        (ties broken by the random respondent id), in a shuffled order seeded by
        their number, with the index reset.
    """
    n = (len(frame) // min_group_size) * min_group_size
    if n == 0:
        return frame.iloc[0:0].reset_index(drop=True)
    order = frame.sort_values(["submitted_at", "respondent_id"], kind="stable")
    chosen = order.iloc[:n]
    return chosen.sample(frac=1.0, random_state=n).reset_index(drop=True)


def binned_counts(values: pd.Series, edges: np.ndarray, min_group_size: int) -> pd.DataFrame:
    """People per band of one score, bands under k suppressed.

    Returns
    -------
    DataFrame
        ``low``, ``high``, ``count`` (None when suppressed) and ``suppressed``,
        one row per band.
    """
    x = pd.to_numeric(values, errors="coerce").dropna().clip(edges[0], edges[-1])
    counts, _ = np.histogram(x, bins=edges)
    rows = []
    for lo, hi, c in zip(edges[:-1], edges[1:], counts):
        small = 0 < c < min_group_size
        rows.append(
            {
                "low": float(lo),
                "high": float(hi),
                "count": None if small else int(c),
                "suppressed": bool(small),
            }
        )
    return pd.DataFrame(rows)


def grid_counts(x: pd.Series, y: pd.Series, edges: np.ndarray, min_group_size: int) -> pd.DataFrame:
    """People per cell of two scores (``x`` across, ``y`` up), cells under k suppressed.

    Returns
    -------
    DataFrame
        ``col``, ``row`` (0 = lowest), ``count`` (None when suppressed) and
        ``suppressed``, one row per cell.
    """
    both = pd.DataFrame(
        {"x": pd.to_numeric(x, errors="coerce"), "y": pd.to_numeric(y, errors="coerce")}
    ).dropna()
    both = both.clip(edges[0], edges[-1])
    counts, _, _ = np.histogram2d(both["x"], both["y"], bins=[edges, edges])
    rows = []
    for col in range(len(edges) - 1):
        for row in range(len(edges) - 1):
            c = int(counts[col, row])
            small = 0 < c < min_group_size
            rows.append({"col": col, "row": row, "count": None if small else c, "suppressed": bool(small)})
    return pd.DataFrame(rows)


def safe_mean(values: pd.Series) -> float:
    """The mean rounded to :data:`MEAN_DIGITS` decimals (NaN without values)."""
    x = pd.to_numeric(values, errors="coerce").dropna()
    return round(float(x.mean()), MEAN_DIGITS) + 0.0 if len(x) else float("nan")  # no -0.0
