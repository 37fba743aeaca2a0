"""Many outcomes x many grouping fields in one corrected table."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

import analysis.compare._core as _core
from analysis._checks import as_list, check_choice, check_columns, check_frame, check_numeric
from survey.errors import DataError
from survey.schema import MIN_GROUP_SIZE, check_min_group_size

__all__ = ["compare_groups", "TESTS", "CORRECTIONS"]

TESTS = ("welch", "anova", "rank")
CORRECTIONS = ("holm", "fdr_bh", "bonferroni")

COLUMNS = [
    "dv",
    "group",
    "test",
    "k",
    "n",
    "statistic",
    "df1",
    "df2",
    "p",
    "adj_p",
    "effect",
    "estimate",
    "levene_p",
    "shapiro_p",
    "levels",
    "suppressed",
    "tested",
    "reason",
]


def _rank(y: np.ndarray, codes: np.ndarray, k: int) -> dict[str, Any]:
    """Mann-Whitney U for two groups, Kruskal-Wallis H for more."""
    if k == 2:
        mw = _core.mann_whitney(y[codes == 0], y[codes == 1])
        return dict(
            statistic=mw["u"],
            df1=np.nan,
            df2=np.nan,
            p=mw["u_p"],
            effect="rank_biserial",
            estimate=mw["rank_biserial"],
            name="Mann-Whitney U",
        )
    kw = _core.kruskal(y, codes, k)
    return dict(
        statistic=kw["h"],
        df1=float(k - 1),
        df2=np.nan,
        p=kw["kw_p"],
        effect="epsilon_sq",
        estimate=kw["epsilon_sq"],
        name="Kruskal-Wallis H",
    )


def _welch(n: np.ndarray, mean: np.ndarray, var: np.ndarray, omega: float) -> dict[str, Any]:
    """Welch t (effect Hedges' g) for two groups, Welch's ANOVA (effect omega squared) for more."""
    if (var <= 0).any():
        raise ZeroDivisionError("a group has no variance")
    if len(n) == 2:
        w = _core.welch_t(mean[0], mean[1], var[0], var[1], n[0], n[1], 0.95)
        d = _core.cohen_d(mean[0], mean[1], var[0], var[1], n[0], n[1], None)
        return dict(
            statistic=w["t"],
            df1=w["df"],
            df2=np.nan,
            p=w["p"],
            effect="hedges_g",
            estimate=d["hedges_g"],
            name="Welch t",
        )
    wa = _core.welch_anova(n, mean, var)
    return dict(
        statistic=wa["welch_f"],
        df1=wa["welch_df1"],
        df2=wa["welch_df2"],
        p=wa["welch_p"],
        effect="omega_sq",
        estimate=omega,
        name="Welch F",
    )


def _run(test: str, y: np.ndarray, codes: np.ndarray, k: int) -> dict[str, Any]:
    """One test of ``y`` across the ``k`` groups of ``codes``: its statistic, p and effect."""
    if test == "rank":
        return _rank(y, codes, k)
    n, mean, var = _core.group_moments(y, codes, k)
    grand = y.mean()
    ss_b = float((n * (mean - grand) ** 2).sum())
    ss_w = float(((n - 1) * var).sum())
    df_b, df_w = k - 1, len(y) - k
    ms_w = ss_w / df_w
    omega = (ss_b - df_b * ms_w) / (ss_b + ss_w + ms_w)
    if test != "anova":
        return _welch(n, mean, var, omega)
    f = (ss_b / df_b) / ms_w
    return dict(
        statistic=f,
        df1=float(df_b),
        df2=float(df_w),
        p=float(stats.f.sf(f, df_b, df_w)),
        effect="omega_sq",
        estimate=omega,
        name="one-way ANOVA F",
    )


def compare_groups(
    data: pd.DataFrame,
    dvs: str | Sequence[str],
    groups: str | Sequence[str],
    correction: str = "holm",
    *,
    tests: str | Sequence[str] = ("welch",),
    min_group_size: int = MIN_GROUP_SIZE,
    exclude_levels: Sequence[Any] = ("na",),
    seed: int = 2026,
) -> pd.DataFrame:
    """Test every outcome against every grouping field, with corrected p values.

    Parameters
    ----------
    data : pandas.DataFrame
        Wide table, one row per respondent (e.g. scores joined with the
        grouping fields).
    dvs : str or list of str
        Numeric outcome columns.
    groups : str or list of str
        Grouping columns.
    correction : {"holm", "fdr_bh", "bonferroni"}, default "holm"
        Multiple-comparison correction (statsmodels ``multipletests``),
        applied separately within each test type over all dv x group rows
        that were tested (R: ``p.adjust(p, "holm" | "BH" | "bonferroni")``).
    tests : str or list of {"welch", "anova", "rank"}, default ("welch",)
        ``"welch"``: Welch t for two groups (effect ``hedges_g``), Welch's
        ANOVA for more (effect ``omega_sq`` from the classic ANOVA sums of
        squares).  ``"anova"``: classic one-way F (effect ``omega_sq``).
        ``"rank"``: Mann-Whitney U (effect ``rank_biserial``) or
        Kruskal-Wallis H (effect ``epsilon_sq``).
    min_group_size : int, default :data:`survey.schema.MIN_GROUP_SIZE`
        Levels with fewer respondents (with a value of the dv) are not tested
        and are listed in ``suppressed``; this also protects anonymity.
    exclude_levels : list, default ("na",)
        Level codes that are not groups (the instrument's "prefer not to say").
    seed : int, default 2026
        Seed of the subsample used by the Shapiro-Wilk check above 5000 residuals.

    Returns
    -------
    pandas.DataFrame
        One row per dv x group x test, never omitted, with columns

        - ``dv``, ``group``, ``test`` (e.g. ``"Welch t"``, ``"Welch F"``,
          ``"one-way ANOVA F"``, ``"Mann-Whitney U"``, ``"Kruskal-Wallis H"``;
          the requested kind when not tested).
        - ``k``: levels tested; ``n``: respondents in them.
        - ``statistic``, ``df1``, ``df2`` (NA where the test has none; for
          Welch t ``df1`` is the Welch df), ``p``, ``adj_p``.
        - ``effect`` (name) and ``estimate`` (value) of the effect size.
        - ``levene_p``: Brown-Forsythe (median-centred Levene) test of equal
          variances; ``shapiro_p``: Shapiro-Wilk test of the residuals from the
          group means (on a seeded random subsample of 5000 above that size).
        - ``levels``: the levels tested, ``"; "``-joined.
        - ``suppressed``: levels dropped as smaller than ``min_group_size``,
          as ``"level (n=3)"`` joined by ``"; "``; empty if none.
        - ``tested`` (bool) and ``reason`` (why not tested; empty if tested).

    Notes
    -----
    For each dv x group, respondents missing either value are dropped.

    Raises
    ------
    DataError
        Unknown or non-numeric dvs, unknown groups, a column used both as dv
        and group, an unknown correction or test, a bad ``min_group_size``.

    Examples
    --------
    >>> import pandas as pd
    >>> data = pd.DataFrame({"score": [3.1, 3.4, 2.9, 3.8, 4.0, 4.2, 3.9, 4.4, 2.0, 2.5, 2.2, 2.8],
    ...                      "group": ["a"] * 4 + ["b"] * 4 + ["c"] * 4})
    >>> result = compare_groups(data, "score", "group", min_group_size=4)
    >>> result[["test", "k", "n", "statistic", "adj_p", "effect", "estimate"]].round(3)
          test  k   n  statistic  adj_p    effect  estimate
    0  Welch F  3  12     32.884  0.001  omega_sq      0.82
    """
    check_frame(data, "data")
    dv_list = check_numeric(data, as_list(dvs, "dvs"), "dvs")
    group_list = check_columns(data, as_list(groups, "groups"), "groups")
    both = sorted(set(dv_list) & set(group_list))
    if both:
        raise DataError(f"groups: column(s) {both} are also dvs; expected separate columns")
    check_choice(correction, CORRECTIONS, "correction")
    test_list = as_list(tests, "tests")
    for t in test_list:
        check_choice(t, TESTS, "tests")
    check_min_group_size(min_group_size)
    excluded = set(exclude_levels)
    rows: list[dict[str, Any]] = []
    for group in group_list:
        g = data[group]
        g_ok = g.notna().to_numpy() & ~g.isin(excluded).to_numpy()
        cat = pd.Categorical(g.where(g_ok))
        for dv in dv_list:
            yv = data[dv].to_numpy(dtype="float64", na_value=np.nan)
            pair = _pair(dv, yv, g_ok, cat, min_group_size, seed)
            base = dict(dv=dv, group=group, **pair.base)
            rows += [_tested(base, t, pair) for t in test_list]
    out = _corrected(pd.DataFrame(rows), correction)
    out.attrs.update(correction=correction, min_group_size=min_group_size, exclude_levels=list(excluded))
    return out


class _Pair:
    """One dv x group: the values and group codes kept, and what every test's row shares."""

    def __init__(self, y: np.ndarray, codes: np.ndarray, k: int, base: dict[str, Any]) -> None:
        self.y, self.codes, self.k, self.base = y, codes, k, base


def _pair(
    dv: str, yv: np.ndarray, g_ok: np.ndarray, cat: pd.Categorical, min_group_size: int, seed: int
) -> _Pair:
    """Keep the levels with at least ``min_group_size`` values; the assumption checks once."""
    all_levels = list(cat.categories)
    keep = g_ok & ~np.isnan(yv)
    codes = cat.codes.astype(np.int64)[keep]
    counts = np.bincount(codes, minlength=len(all_levels))
    big = counts >= min_group_size
    suppressed = "; ".join(f"{lv} (n={c})" for lv, c in zip(all_levels, counts) if 0 < c < min_group_size)
    levels = [lv for lv, b in zip(all_levels, big) if b]
    remap = np.full(len(all_levels), -1)
    remap[big] = np.arange(big.sum())
    new = remap[codes]
    sel = new >= 0
    y, c = yv[keep][sel], new[sel]
    k = len(levels)
    reason = ""
    if k < 2:
        reason = f"{k} level(s) with at least {min_group_size} respondents; at least 2 needed"
    elif np.ptp(y) == 0:
        reason = f"dv {dv!r} is constant"
    levene_p = shapiro_p = np.nan
    if not reason:
        levene_p = _core.levene(y, c, k)
        means = np.bincount(c, weights=y, minlength=k) / np.bincount(c, minlength=k)
        shapiro_p = _core.shapiro_resid(y - means[c], seed)
    base = dict(k=k, n=int(len(y)), levels="; ".join(map(str, levels)), suppressed=suppressed)
    return _Pair(y, c, k, dict(base, levene_p=levene_p, shapiro_p=shapiro_p, reason=reason))


def _tested(base: dict[str, Any], test: str, pair: _Pair) -> dict[str, Any]:
    """The row of one test: its result, or why it was not run."""
    row = dict(base, test=test, statistic=np.nan, df1=np.nan, df2=np.nan, p=np.nan)
    row.update(effect=None, estimate=np.nan, tested=False, kind=test)
    if row["reason"]:
        return row
    try:
        res = _run(test, pair.y, pair.codes, pair.k)
    except ZeroDivisionError:
        row["reason"] = "a group has no variance; Welch's test is undefined"
    else:
        name = res.pop("name")
        row.update(res, test=name, tested=True)
    return row


def _corrected(out: pd.DataFrame, correction: str) -> pd.DataFrame:
    """``adj_p``: the correction within each test kind, over the rows that were tested."""
    from statsmodels.stats.multitest import multipletests

    out["adj_p"] = np.nan
    for idx in out[out["tested"]].groupby("kind").groups.values():
        if len(idx):
            out.loc[idx, "adj_p"] = multipletests(out.loc[idx, "p"].to_numpy(), method=correction)[1]
    return out[COLUMNS]
