"""Scoring: from item answer codes to per-respondent scores and profiles.

Everything is vectorised over respondents: the answers become one float
matrix, reverse-keyed items are flipped as ``(min + max) - code``, and each
scale or facet is the mean of its answered items.  A scale is scored only when
at least the instrument's ``min_answered_share`` of its items is answered;
otherwise it is NA.  Unlike ``psych::scoreItems`` nothing is imputed.

The thresholds for engagement levels, intentionality levels and profiles come
from the instrument file.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from survey.errors import DataError
from survey.instrument import ORIENTATIONS, Instrument, Level, load_instrument

__all__ = ["score", "item_matrix", "keyed_items", "SCORE_COLUMNS"]

#: Columns that :func:`score` always returns, before the facet columns.
SCORE_COLUMNS: tuple[str, ...] = (
    "networking",
    "socializing",
    "balance",
    "engagement",
    "engagement_level",
    "profile",
    "intentionality",
    "intentionality_level",
)


def item_matrix(data: pd.DataFrame, item_ids: Sequence[str], lo: int, hi: int) -> np.ndarray:
    """Check item columns and return them as a float matrix (NaN = missing).

    Parameters
    ----------
    data : DataFrame
        Wide table, one row per respondent.
    item_ids : sequence of str
        The columns to take, in this order.
    lo, hi : int
        The lowest and highest valid answer code.

    Raises
    ------
    DataError
        A column is missing, holds non-numeric values, non-integer numbers or
        codes outside ``lo..hi``.  Such values are never turned into NA.
    """
    if not isinstance(data, pd.DataFrame):
        raise DataError(f"data: expected a pandas DataFrame, got {type(data).__name__}")
    missing = [c for c in item_ids if c not in data.columns]
    if missing:
        shown = ", ".join(missing[:10]) + (f" and {len(missing) - 10} more" if len(missing) > 10 else "")
        raise DataError(f"data: {len(missing)} item column(s) missing: {shown}")
    n = len(data)
    x = np.empty((n, len(item_ids)), order="F")  # columns contiguous: fast fill and sums
    problems: list[str] = []
    for j, c in enumerate(item_ids):
        col = data[c]
        if isinstance(col, pd.DataFrame):
            problems.append(f"column {c!r} appears more than once")
            continue
        if pd.api.types.is_bool_dtype(col):
            problems.append(f"column {c!r}: expected integer answer codes {lo}..{hi}, found booleans")
            continue
        if not pd.api.types.is_numeric_dtype(col):
            num = pd.to_numeric(col, errors="coerce")
            lost = col.notna() & num.isna()
            if lost.any():
                problems.append(
                    f"column {c!r}: expected integer answer codes {lo}..{hi}, found "
                    f"{col[lost].iloc[0]!r} at row {col.index[lost][0]} "
                    f"({int(lost.sum())} such value(s)); convert labels to codes first"
                )
                continue
            col = num
        v = col.to_numpy(dtype=float, na_value=np.nan)
        bad = (v < lo) | (v > hi) | (np.floor(v) != v)
        bad &= ~np.isnan(v)
        if bad.any():
            rows = np.flatnonzero(bad)
            labels = ", ".join(str(data.index[r]) for r in rows[:5])
            more = f" and {len(rows) - 5} more" if len(rows) > 5 else ""
            problems.append(
                f"column {c!r}: {len(rows)} value(s) outside the codes {lo}..{hi} "
                f"(e.g. {float(v[rows[0]]):g}) at rows {labels}{more}"
            )
            continue
        x[:, j] = v
    if problems:
        raise DataError("data: item columns are not valid answer codes", problems)
    return x


def _keyed_matrix(data: pd.DataFrame, inst: Instrument) -> np.ndarray:
    ids = inst.item_ids
    lo, hi = inst.response_range(ids[0])
    x = item_matrix(data, ids, lo, hi)
    for j, item in enumerate(inst.items):
        if item.keying == "reverse":
            np.subtract(lo + hi, x[:, j], out=x[:, j])
    return x


def keyed_items(data: pd.DataFrame, instrument: Instrument | None = None) -> pd.DataFrame:
    """Scored items with reverse-keyed items flipped, as floats (NaN = missing).

    Returns
    -------
    DataFrame
        One column per scored item of the instrument, aligned to
        ``data.index``; reverse-keyed items hold ``min + max - code``.
    """
    inst = instrument if instrument is not None else load_instrument()
    return pd.DataFrame(_keyed_matrix(data, inst), index=data.index, columns=inst.item_ids)


def _mean_with_rule(
    filled: np.ndarray, answered: np.ndarray, idx: Sequence[int], share: float
) -> tuple[np.ndarray, np.ndarray]:
    """Row means over columns ``idx`` of answered values; NaN where fewer than
    ``share`` of them are answered.  ``filled`` holds 0 where not answered.

    Sums run column by column over Fortran-ordered arrays (a loop over items,
    vectorised over respondents).
    """
    total = np.zeros(filled.shape[0])
    n = np.zeros(filled.shape[0], dtype=np.int64)
    for j in idx:
        total += filled[:, j]
        n += answered[:, j]
    enough = n >= np.ceil(share * len(idx) - 1e-9)
    mean = np.full(n.shape, np.nan)
    np.divide(total, n, out=mean, where=enough & (n > 0))
    return mean, n


def assign_levels(values: np.ndarray, levels: Sequence[Level], top: float) -> pd.Categorical:
    """Assign [min, max) levels (the top edge included) to values; NaN stays NA."""
    codes = np.full(values.shape, -1, dtype=np.int64)
    for code, lv in enumerate(levels):
        upper = (values < lv.max) | ((lv.max >= top) & (values <= lv.max))
        codes[(values >= lv.min) & upper] = code
    return pd.Categorical.from_codes(codes, categories=[lv.id for lv in levels])


def assign_profiles(
    balance: np.ndarray, engagement: np.ndarray, inst: Instrument, top: float
) -> pd.Categorical:
    """The instrument's profile of each (balance, engagement) pair; NA where either is missing."""
    codes = np.full(balance.shape, -1, dtype=np.int64)
    for code, p in enumerate(inst.profiles):
        (b0, b1), (e0, e1) = p.balance, p.engagement
        in_b = (balance >= b0) & ((balance < b1) | ((b1 >= 1.0) & (balance <= b1)))
        in_e = (engagement >= e0) & ((engagement < e1) | ((e1 >= top) & (engagement <= e1)))
        codes[in_b & in_e] = code
    return pd.Categorical.from_codes(codes, categories=[p.id for p in inst.profiles])


def score(data: pd.DataFrame, instrument: Instrument | None = None) -> pd.DataFrame:
    """Score every respondent.

    Parameters
    ----------
    data : DataFrame
        Wide table with one integer-code column per scored item (extra columns
        are ignored).  Missing answers are NA.
    instrument : Instrument, optional
        Default: the shipped questionnaire.

    Returns
    -------
    DataFrame
        Aligned to ``data.index``, with columns

        - ``networking``, ``socializing`` : mean of the keyed items (1..5).
        - ``balance`` : ``(networking - socializing) / (max - min)``, in [-1, 1];
          positive leans to networking.
        - ``engagement`` : mean of networking and socializing (1..5).
        - ``engagement_level`` : categorical level id from the instrument.
        - ``profile`` : categorical profile id from the instrument.
        - ``intentionality`` and ``intentionality_level``.
        - ``networking_<facet>``, ``socializing_<facet>`` for every facet.
        - ``n_answered_<scale>`` : answered items per scale (int).

        A scale (or facet) with fewer answered items than its
        ``min_answered_share`` is NA, and so is everything derived from it.
        Nothing is imputed.

    Raises
    ------
    DataError
        Item columns are missing or hold values that are not valid codes.

    Examples
    --------
    >>> from analysis import make_demo
    >>> from survey.instrument import load_instrument
    >>> instrument = load_instrument()
    >>> data = make_demo(200, seed=1)
    >>> scores = score(data, instrument)
    >>> list(scores.columns[:6])
    ['networking', 'socializing', 'balance', 'engagement', 'engagement_level', 'profile']
    >>> bool(scores["balance"].dropna().between(-1, 1).all())
    True
    """
    inst = instrument if instrument is not None else load_instrument()
    keyed = _keyed_matrix(data, inst)
    answered = ~np.isnan(keyed)
    filled = np.where(answered, keyed, 0.0)
    lo, hi = inst.response_range(inst.item_ids[0])
    col = {iid: j for j, iid in enumerate(inst.item_ids)}
    means: dict[str, np.ndarray] = {}
    counts: dict[str, np.ndarray] = {}
    for name, spec in inst.scales.items():
        idx = [col[i.id] for i in inst.scale_items(name)]
        means[name], counts[name] = _mean_with_rule(filled, answered, idx, spec.min_answered_share)
    net, soc = means["networking"], means["socializing"]
    balance = (net - soc) / (hi - lo)
    engagement = (net + soc) / 2
    result = pd.DataFrame(
        {
            "networking": net,
            "socializing": soc,
            "balance": balance,
            "engagement": engagement,
            "engagement_level": assign_levels(engagement, inst.scoring.engagement_levels, hi),
            "profile": assign_profiles(balance, engagement, inst, hi),
            "intentionality": means["intentionality"],
            "intentionality_level": assign_levels(
                means["intentionality"], inst.scoring.intentionality_levels, hi
            ),
        },
        index=data.index,
    )
    for orient in ORIENTATIONS:
        for facet, spec in inst.facets.items():
            idx = [col[i.id] for i in inst.scale_items(orient, facet)]
            result[f"{orient}_{facet}"] = _mean_with_rule(filled, answered, idx, spec.min_answered_share)[0]
    for name in inst.scales:
        result[f"n_answered_{name}"] = counts[name].astype("int64")
    return result
