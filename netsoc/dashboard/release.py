"""What the projector may show without giving away one person (issue 22).

A viewer who sees the dashboard before and after one submission must learn
nothing about that respondent beyond what ``min_group_size`` (k) others share.
The rules, used by :mod:`netsoc.dashboard.room`:

- :func:`survey.privacy.published` - the charts are computed from the earliest
  ``floor(n / k) * k`` submitted responses only, so two views differ by a
  whole batch of at least k people (or not at all); the newest ``n mod k``
  wait for their batch.  Any process computes the same set from the store.
  Below k the projector gives no count ("fewer than k answers so far").
- :func:`binned_counts` - people are counted in bands (one score) or cells
  (two scores), never drawn one by one; a band or cell with fewer than k
  people is suppressed (its count is not shown, and it is not drawn).
- :func:`survey.privacy.safe_mean` - means are shown to
  :data:`survey.privacy.MEAN_DIGITS` decimal (the feedback's "Your workshop"
  follows the same two rules).
- Groups under k are left out without being named (the texts say "groups with
  fewer than k people are not shown").
- Comments are released by the facilitator in batches of at least k, as a
  snapshot in random order (:mod:`survey.store.moderation`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["binned_counts", "grid_counts", "BALANCE_EDGES"]

#: Bands of the balance index (-1 .. 1) on the projector.
BALANCE_EDGES = np.linspace(-1.0, 1.0, 9)


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
