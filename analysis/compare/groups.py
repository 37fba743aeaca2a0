"""Comparing an outcome between two or more groups, and post-hoc pairs."""

from __future__ import annotations

from collections.abc import Sequence
from itertools import combinations
from typing import Any, Literal

import numpy as np
import pandas as pd

import analysis.compare._core as _core
from analysis._checks import check_choice, check_probability
from analysis.compare._tukey import sr_ppf, sr_sf
from survey.errors import DataError

__all__ = ["two_groups", "many_groups", "posthoc"]


def two_groups(
    data: pd.DataFrame, dv: str, group: str, *, ci: float = 0.95, levels: Sequence[Any] | None = None
) -> pd.DataFrame:
    """Compare ``dv`` between two groups: Welch t, Cohen's d, Hedges' g, Mann-Whitney.

    Parameters
    ----------
    data : pandas.DataFrame
        Long or wide table with one row per respondent.
    dv : str
        Numeric outcome column.
    group : str
        Grouping column with exactly two levels (or pass ``levels``).
    ci : float, default 0.95
        Confidence level of every interval.
    levels : pair of values, optional
        The two levels to compare, in this order (others are ignored).
        Default: the two levels in sorted order.

    Returns
    -------
    pandas.DataFrame
        One row with columns

        - ``dv``, ``group``, ``level_1``, ``level_2``; ``n_1``, ``n_2``,
          ``mean_1``, ``mean_2``, ``sd_1``, ``sd_2``.
        - ``mean_diff`` (``mean_1 - mean_2``), ``ci_low``, ``ci_high``: its
          Welch interval.
        - ``t``, ``df``, ``p``: Welch's t test (R: ``t.test(dv ~ group)``).
        - ``cohen_d``, ``cohen_d_ci_low``, ``cohen_d_ci_high``: d with the
          pooled SD; the interval inverts the noncentral t distribution
          (R: ``effectsize::cohens_d(dv ~ group)``).
        - ``hedges_g``, ``hedges_g_ci_low``, ``hedges_g_ci_high``: d times the
          exact correction ``J(n_1 + n_2 - 2)``.
        - ``u``, ``u_p``: Mann-Whitney U of group 1 (R's ``W``) and its p
          (R: ``wilcox.test(dv ~ group)``: exact without ties when both
          groups are below 50, else normal with tie and continuity correction).
        - ``rank_biserial``: ``2u/(n_1 n_2) - 1``; positive when group 1
          tends to be higher.

    Notes
    -----
    Rows with a missing ``dv`` or ``group`` are dropped.

    Raises
    ------
    DataError
        Unknown or non-numeric ``dv``, unknown ``group``, not exactly two
        levels, or a group with fewer than 2 values.

    Examples
    --------
    >>> import pandas as pd
    >>> data = pd.DataFrame({"score": [3.1, 3.4, 2.9, 3.8, 4.0, 4.2, 3.9, 4.4, 2.0, 2.5, 2.2, 2.8],
    ...                      "group": ["a"] * 4 + ["b"] * 4 + ["c"] * 4})
    >>> two = two_groups(data[data["group"] != "c"], dv="score", group="group")
    >>> two[["level_1", "level_2", "mean_diff", "t", "df", "p", "hedges_g"]].round(3)
      level_1 level_2  mean_diff      t     df      p  hedges_g
    0       a       b     -0.825 -3.667  4.745  0.016    -2.252
    """
    ci = check_probability(ci, "ci")
    if levels is not None and len(list(levels)) != 2:
        raise DataError(f"levels: got {list(levels)!r}; expected exactly two levels")
    y, codes, found = _core.dv_and_groups(data, dv, group, levels=levels)
    if len(found) != 2:
        raise DataError(
            f"group: column {group!r} has {len(found)} levels {found!r}; expected exactly 2 "
            "(use many_groups, or pass levels=)"
        )
    n, mean, var = _core.group_moments(y, codes, 2)
    w = _core.welch_t(mean[0], mean[1], var[0], var[1], n[0], n[1], ci)
    d = _core.cohen_d(mean[0], mean[1], var[0], var[1], n[0], n[1], ci)
    mw = _core.mann_whitney(y[codes == 0], y[codes == 1])
    row = dict(
        dv=dv,
        group=group,
        level_1=found[0],
        level_2=found[1],
        n_1=int(n[0]),
        n_2=int(n[1]),
        mean_1=mean[0],
        mean_2=mean[1],
        sd_1=np.sqrt(var[0]),
        sd_2=np.sqrt(var[1]),
        mean_diff=w["mean_diff"],
        ci_low=w["ci_low"],
        ci_high=w["ci_high"],
        t=w["t"],
        df=w["df"],
        p=w["p"],
        **d,
        **mw,
    )
    return pd.DataFrame([row])


def many_groups(data: pd.DataFrame, dv: str, group: str) -> pd.DataFrame:
    """One-way comparison of ``dv`` across the levels of ``group``.

    Parameters
    ----------
    data : pandas.DataFrame
        Table with one row per respondent.
    dv : str
        Numeric outcome column.
    group : str
        Grouping column with at least two levels.

    Returns
    -------
    pandas.DataFrame
        One row with columns

        - ``dv``, ``group``; ``k`` (levels) and ``n`` (respondents used).
        - ``f``, ``df1``, ``df2``, ``p``: classic one-way ANOVA, type II
          sums of squares from statsmodels (for one factor types I-III agree;
          R: ``anova(lm(dv ~ group))``).
        - ``eta_sq``: ``SS_between / SS_total``; ``omega_sq``:
          ``(SS_between - df1 MS_within) / (SS_total + MS_within)``.
        - ``welch_f``, ``welch_df1``, ``welch_df2``, ``welch_p``: Welch's
          ANOVA (R: ``oneway.test(dv ~ group)``).
        - ``h``, ``kw_p``: Kruskal-Wallis with tie correction
          (R: ``kruskal.test(dv ~ group)``); ``epsilon_sq``: ``h / (n - 1)``.

    Notes
    -----
    Rows with a missing ``dv`` or ``group`` are dropped.

    Raises
    ------
    DataError
        Unknown or non-numeric ``dv``, unknown ``group``, fewer than two
        levels, or a level with fewer than 2 values.

    Examples
    --------
    >>> import pandas as pd
    >>> data = pd.DataFrame({"score": [3.1, 3.4, 2.9, 3.8, 4.0, 4.2, 3.9, 4.4, 2.0, 2.5, 2.2, 2.8],
    ...                      "group": ["a"] * 4 + ["b"] * 4 + ["c"] * 4})
    >>> many_groups(data, dv="score", group="group")[["k", "n", "welch_f", "welch_p", "omega_sq"]].round(3)
       k   n  welch_f  welch_p  omega_sq
    0  3  12   32.884    0.001      0.82
    """
    y, codes, found = _core.dv_and_groups(data, dv, group)
    k = len(found)
    n, mean, var = _core.group_moments(y, codes, k)
    if (var <= 0).any():
        flat = [lv for lv, v in zip(found, var) if v <= 0]
        raise DataError(
            f"dv: column {dv!r} has no variance within level(s) {flat!r} of {group!r}; "
            "Welch's ANOVA needs variation in every group"
        )
    a = _core.oneway_anova(y, codes, found)
    a.pop("resid")
    row = dict(
        dv=dv,
        group=group,
        k=k,
        n=len(y),
        **a,
        **_core.welch_anova(n, mean, var),
        **_core.kruskal(y, codes, k),
    )
    return pd.DataFrame([row])


def posthoc(
    data: pd.DataFrame,
    dv: str,
    group: str,
    *,
    method: Literal["tukey", "games-howell"] = "tukey",
    ci: float = 0.95,
) -> pd.DataFrame:
    """All pairwise comparisons of the levels of ``group``.

    Parameters
    ----------
    data : pandas.DataFrame
        Table with one row per respondent.
    dv : str
        Numeric outcome column.
    group : str
        Grouping column with at least two levels.
    method : {"tukey", "games-howell"}, default "tukey"
        ``"tukey"``: Tukey-Kramer HSD with the pooled error variance
        (as ``scipy.stats.tukey_hsd``; R: ``TukeyHSD(aov(dv ~ group))``).
        ``"games-howell"``: separate variances and Welch degrees of freedom
        per pair, p from the studentized range (R:
        ``rstatix::games_howell_test``).
        Both take their p values and the interval's quantile (once per distinct
        df) from the studentized range computed on the array of pairs at once
        (:mod:`analysis.compare._tukey`; scipy's ``studentized_range`` to 1e-11).
    ci : float, default 0.95
        Family-wise confidence level of the intervals.

    Returns
    -------
    pandas.DataFrame
        One row per pair (levels in sorted order, ``level_1 < level_2``) with
        columns ``dv``, ``group``, ``level_1``, ``level_2``, ``n_1``,
        ``n_2``, ``mean_diff`` (``mean_1 - mean_2``), ``se``, ``t``
        (``mean_diff / se``; the studentized range statistic is ``|t| sqrt 2``),
        ``df``, ``adj_p`` (family-wise adjusted p), ``ci_low``, ``ci_high``
        (simultaneous interval of ``mean_diff``) and ``method``.

    Raises
    ------
    DataError
        As :func:`many_groups`, or an unknown ``method``.

    Examples
    --------
    >>> import pandas as pd
    >>> data = pd.DataFrame({"score": [3.1, 3.4, 2.9, 3.8, 4.0, 4.2, 3.9, 4.4, 2.0, 2.5, 2.2, 2.8],
    ...                      "group": ["a"] * 4 + ["b"] * 4 + ["c"] * 4})
    >>> posthoc(data, dv="score", group="group")[["level_1", "level_2", "mean_diff", "adj_p"]].round(3)
      level_1 level_2  mean_diff  adj_p
    0       a       b     -0.825  0.016
    1       a       c      0.925  0.008
    2       b       c      1.750  0.000
    """
    check_choice(method, ("tukey", "games-howell"), "method")
    ci = check_probability(ci, "ci")
    y, codes, found = _core.dv_and_groups(data, dv, group)
    k = len(found)
    n, mean, var = _core.group_moments(y, codes, k)
    pairs = list(combinations(range(k), 2))
    i = np.array([p[0] for p in pairs])
    j = np.array([p[1] for p in pairs])
    diff = mean[i] - mean[j]
    if method == "tukey":  # Tukey-Kramer: the pooled variance, one df for every pair
        df_err = len(y) - k
        mse = ((n - 1) * var).sum() / df_err
        se = np.sqrt(mse * (1 / n[i] + 1 / n[j]))
        df = np.full(len(pairs), float(df_err))
    else:  # Games-Howell: each pair's own variances and Welch df
        vi, vj = var[i] / n[i], var[j] / n[j]
        se = np.sqrt(vi + vj)
        df = (vi + vj) ** 2 / (vi**2 / (n[i] - 1) + vj**2 / (n[j] - 1))
    adj_p = sr_sf(np.abs(diff) / se * np.sqrt(2), k, df)
    unique_df, where = np.unique(df, return_inverse=True)
    crit = sr_ppf(ci, k, unique_df)[where] / np.sqrt(2)
    low, high = diff - crit * se, diff + crit * se
    return pd.DataFrame(
        {
            "dv": dv,
            "group": group,
            "level_1": [found[a] for a in i],
            "level_2": [found[b] for b in j],
            "n_1": n[i].astype("int64"),
            "n_2": n[j].astype("int64"),
            "mean_diff": diff,
            "se": se,
            "t": diff / se,
            "df": df,
            "adj_p": np.clip(adj_p, 0, 1),
            "ci_low": low,
            "ci_high": high,
            "method": method,
        }
    )
