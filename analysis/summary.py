"""A short summary of scored data: group means with confidence intervals and
profile counts (the tables ``make demo`` prints)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from survey.errors import DataError

__all__ = ["group_means", "profile_counts"]


def group_means(data: pd.DataFrame, *, dv: str, group: str, ci: float = 0.95) -> pd.DataFrame:
    """Mean of ``dv`` per level of ``group`` with a t-based confidence interval.

    Parameters
    ----------
    data : DataFrame
        One row per respondent.
    dv : str
        Numeric column; NA values are dropped per group.
    group : str
        Grouping column; NA groups are dropped.  Categorical levels keep
        their order; empty levels are left out.
    ci : float
        Confidence level, between 0 and 1.

    Returns
    -------
    DataFrame
        One row per group: ``group`` (the level), ``n``, ``mean``, ``sd``,
        ``ci_low``, ``ci_high``.  Groups with ``n == 1`` have NaN ``sd`` and
        interval.

    Examples
    --------
    >>> import pandas as pd
    >>> data = pd.DataFrame({"balance": [0.2, 0.4, -0.1, 0.0, 0.3, -0.2],
    ...                      "mode": ["x", "x", "x", "y", "y", "y"]})
    >>> group_means(data, dv="balance", group="mode").round(2)
      group  n  mean    sd  ci_low  ci_high
    0     x  3  0.17  0.25   -0.46     0.79
    1     y  3  0.03  0.25   -0.59     0.66
    """
    for arg, col in (("dv", dv), ("group", group)):
        if col not in data.columns:
            raise DataError(
                f"{arg}: column {col!r} is not in the data (columns: {list(data.columns)[:12]}...)"
            )
    if not pd.api.types.is_numeric_dtype(data[dv]):
        raise DataError(f"dv: column {dv!r} is not numeric (dtype {data[dv].dtype})")
    if not 0 < ci < 1:
        raise DataError(f"ci: expected a level between 0 and 1, got {ci!r}")
    g = data[[group, dv]].dropna().groupby(group, observed=True)[dv]
    out = g.agg(n="count", mean="mean", sd="std").reset_index().rename(columns={group: "group"})
    se = out["sd"] / np.sqrt(out["n"])
    q = stats.t.ppf(0.5 + ci / 2, df=(out["n"] - 1).where(out["n"] > 1))
    out["ci_low"] = out["mean"] - q * se
    out["ci_high"] = out["mean"] + q * se
    out["n"] = out["n"].astype("int64")
    return out


def profile_counts(data: pd.DataFrame, *, profile: str = "profile") -> pd.DataFrame:
    """Count and share of respondents per profile (NA profiles counted as ``unscored``).

    Parameters
    ----------
    data : DataFrame
        Scored table (:func:`analysis.scoring.score`).
    profile : str, default "profile"
        Column holding the profile of each respondent.

    Returns
    -------
    DataFrame
        Columns ``profile``, ``n``, ``share`` (of all rows).

    Examples
    --------
    >>> import pandas as pd
    >>> kinds = ["reserved", "socializer", "balanced", "networker"]
    >>> scores = pd.DataFrame({"profile": pd.Categorical(["balanced", "networker", "balanced"], kinds)})
    >>> profile_counts(scores).round(3)
          profile  n  share
    0    reserved  0  0.000
    1  socializer  0  0.000
    2    balanced  2  0.667
    3   networker  1  0.333
    """
    if profile not in data.columns:
        raise DataError(f"profile: column {profile!r} is not in the data")
    counts = data[profile].value_counts(sort=False, dropna=False)
    out = counts.rename_axis("profile").reset_index(name="n")
    out["profile"] = out["profile"].astype("string").fillna("unscored")
    out["share"] = out["n"] / max(len(data), 1)
    return out
