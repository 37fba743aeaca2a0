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
- :func:`protect_scores` and :func:`protect_counts` - secondary suppression
  (:mod:`survey.disclosure`): the profile, balance and grid tables are checked
  together, and as many further cells are hidden (zeros first) as it takes so
  that no hidden count can be worked out from what is shown and the room's
  size; every hidden cell looks the same ("not shown").
- :func:`survey.privacy.safe_mean` - means are shown to
  :data:`survey.privacy.MEAN_DIGITS` decimal (the feedback's "Your workshop"
  follows the same two rules).
- Groups under k are left out without being named (the texts say "groups with
  fewer than k people are not shown").
- Comments are released by the facilitator in batches of at least k, as a
  snapshot in random order (:mod:`survey.store.moderation`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

__all__ = [
    "binned_counts",
    "grid_counts",
    "BALANCE_EDGES",
    "balance_edges",
    "protect_scores",
    "protect_counts",
    "apply_hidden",
    "score_classes",
    "possible_means",
    "band_index",
]

#: Bands of the balance index (-1 .. 1) on the projector (from 30 answers on).
BALANCE_EDGES = np.linspace(-1.0, 1.0, 9)


def balance_edges(n: int) -> np.ndarray:
    """Bands of the balance index for a room of ``n``: 4 below 30 answers (so a small room's
    bands reach k and the chart shows something), then the 8 of :data:`BALANCE_EDGES`."""
    return np.linspace(-1.0, 1.0, 5) if n < 30 else BALANCE_EDGES


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


def band_index(values: np.ndarray, edges: np.ndarray) -> np.ndarray:
    """The band of each value as :func:`numpy.histogram` counts it (the last band closed)."""
    x = np.clip(np.asarray(values, dtype=float), edges[0], edges[-1])
    return np.minimum(np.searchsorted(edges, x, side="right") - 1, len(edges) - 2)


def possible_means(n_items: int, share: float, low: int, high: int) -> np.ndarray:
    """Every mean a scale of ``n_items`` answer codes ``low..high`` can take when at least
    ``share`` of its items are answered (the scoring rule of :func:`analysis.scoring.score`)."""
    least = max(1, int(np.ceil(share * n_items - 1e-9)))
    values = {s / m for m in range(least, n_items + 1) for s in range(low * m, high * m + 1)}
    return np.array(sorted(values))


def score_classes(
    networking: np.ndarray,
    socializing: np.ndarray,
    instrument: Any,
    grid_edges: np.ndarray,
    band_edges: np.ndarray = BALANCE_EDGES,
) -> pd.DataFrame:
    """Profile, balance band and grid cell of each (networking, socializing) pair.

    Returns
    -------
    DataFrame
        ``profile`` (code in the instrument's order, -1 for none), ``band``
        (of ``band_edges``), ``col`` (socializing) and ``row`` (networking).
    """
    from analysis.scoring import assign_profiles

    lo, hi = instrument.response_range(instrument.item_ids[0])
    net, soc = np.asarray(networking, dtype=float), np.asarray(socializing, dtype=float)
    balance = (net - soc) / (hi - lo)
    profile = assign_profiles(balance, (net + soc) / 2, instrument, hi)
    return pd.DataFrame(
        {
            "profile": np.asarray(profile.codes, dtype=np.int64),
            "band": band_index(balance, band_edges),
            "col": band_index(soc, grid_edges),
            "row": band_index(net, grid_edges),
        }
    )


#: The classes a pair of scale means can fall in, per instrument version and grid.
_CLASSES: dict[tuple[str, str, tuple[float, ...], tuple[float, ...]], pd.DataFrame] = {}


def _possible_classes(
    instrument: Any, grid_edges: tuple[float, ...], band_edges: tuple[float, ...]
) -> pd.DataFrame:
    key = (instrument.id, instrument.version, grid_edges, band_edges)
    if key not in _CLASSES:
        _CLASSES[key] = _all_classes(instrument, grid_edges, band_edges)
    return _CLASSES[key]


def _all_classes(
    instrument: Any, grid_edges: tuple[float, ...], band_edges: tuple[float, ...]
) -> pd.DataFrame:
    lo, hi = instrument.response_range(instrument.item_ids[0])
    axes = []
    for name in ("networking", "socializing"):
        spec = instrument.scales[name]
        axes.append(possible_means(len(instrument.scale_items(name)), spec.min_answered_share, lo, hi))
    net, soc = np.meshgrid(axes[0], axes[1], indexing="ij")
    classes = score_classes(
        net.ravel(), soc.ravel(), instrument, np.asarray(grid_edges), np.asarray(band_edges)
    )
    return classes.drop_duplicates(ignore_index=True)


def protect_scores(
    scores: pd.DataFrame,
    instrument: Any,
    grid_edges: np.ndarray,
    min_group_size: int,
    band_edges: np.ndarray = BALANCE_EDGES,
) -> dict[str, np.ndarray]:
    """Which profile, balance-band and grid counts to hide, the three tables checked together.

    Every respondent with both scores is in one profile, one balance band and one
    grid cell, and the three are linked through the scores (a grid cell spans
    some balance bands only, a profile some bands and cells), so hiding a cell
    in one table is not enough when the others give it away.  The atoms are the
    (profile, band, cell) classes a pair of scale means can fall in
    (:func:`possible_means` on both scales), and
    :func:`survey.disclosure.protect` hides cells until no hidden one can be
    worked out from everything shown and the room's size.

    Returns
    -------
    dict
        ``profiles`` (per profile, the instrument's order), ``balance`` (per
        band) and ``quadrant`` (per cell, in :func:`grid_counts`' order):
        boolean arrays, True where hidden.
    """
    from survey.disclosure import protect

    both = scores[["networking", "socializing"]].apply(pd.to_numeric, errors="coerce").dropna()
    seen = score_classes(both["networking"], both["socializing"], instrument, grid_edges, band_edges)
    possible = _possible_classes(instrument, tuple(grid_edges), tuple(band_edges))
    atoms = pd.concat([possible, seen]).drop_duplicates(ignore_index=True)
    key = ["profile", "band", "col", "row"]
    counts = seen.value_counts(key).reindex(pd.MultiIndex.from_frame(atoms[key]), fill_value=0)
    size = len(grid_edges) - 1
    parts = {
        "profiles": [atoms["profile"].to_numpy() == p for p in range(len(instrument.profiles))],
        "balance": [atoms["band"].to_numpy() == b for b in range(len(band_edges) - 1)],
        "quadrant": [
            (atoms["col"].to_numpy() == c) & (atoms["row"].to_numpy() == r)
            for c in range(size)
            for r in range(size)
        ],
    }
    incidence = np.array([row for rows in parts.values() for row in rows], dtype=bool)
    tables = np.repeat(np.arange(len(parts)), [len(rows) for rows in parts.values()])
    hidden = protect(incidence, counts.to_numpy(), min_group_size)
    return {name: hidden[tables == i] for i, name in enumerate(parts)}


def protect_counts(counts: Sequence[int], min_group_size: int) -> np.ndarray:
    """Which counts of one table on its own (answers to one statement) to hide (True)."""
    from survey.disclosure import protect

    n = len(counts)
    return protect(np.eye(n, dtype=bool), np.asarray(counts), min_group_size)


def apply_hidden(table: pd.DataFrame, hidden: np.ndarray) -> pd.DataFrame:
    """``table`` (of :func:`binned_counts` or :func:`grid_counts`) with ``hidden`` cells
    suppressed: ``count`` None and ``suppressed`` True."""
    out = table.copy()
    out["count"] = [None if h else c for c, h in zip(out["count"], hidden)]
    out["suppressed"] = np.asarray(hidden, dtype=bool)
    return out
