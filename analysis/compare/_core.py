"""Numerical engines shared by the group-comparison functions.

Pure functions on numpy arrays (values and integer group codes); the public
functions in this package validate input and shape the tidy tables.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from scipy import optimize, special, stats

from analysis._checks import check_frame, check_levels, check_numeric
from survey.errors import DataError

SHAPIRO_MAX = 5000


# ------------------------------------------------------------------ input
def dv_and_groups(
    data: pd.DataFrame,
    dv: str,
    group: str,
    *,
    min_per_group: int = 2,
    levels: Sequence[Any] | None = None,
) -> tuple[np.ndarray, np.ndarray, list[Any]]:
    """Validate and extract ``dv`` values and integer codes of ``group``.

    Rows with a missing ``dv`` or ``group`` are dropped (listwise for the
    pair).  Returns ``(y, codes, levels)`` with ``codes`` indexing ``levels``.
    """
    check_frame(data, "data")
    check_numeric(data, dv, "dv")
    if group not in data.columns:
        from analysis._checks import check_columns

        check_columns(data, group, "group")
    if group == dv:
        raise DataError(f"group: column {group!r} is also the dv; expected a different column")
    keep = data[dv].notna() & data[group].notna()
    y = data.loc[keep, dv].to_numpy(dtype="float64")
    g = data.loc[keep, group]
    found = check_levels(g, "group")
    if levels is not None:
        levels = list(levels)
        unknown = [lv for lv in levels if lv not in found]
        if unknown:
            raise DataError(f"levels: {unknown!r} not found in column {group!r} (levels: {found!r})")
        sel = g.isin(levels).to_numpy()
        y, g = y[sel], g[sel]
        found = levels
    codes = pd.Categorical(g, categories=found).codes.astype(np.int64)
    counts = np.bincount(codes, minlength=len(found))
    small = [f"{lv!r} (n={c})" for lv, c in zip(found, counts) if c < min_per_group]
    if small:
        raise DataError(
            f"group: level(s) {', '.join(small)} of column {group!r} have fewer than "
            f"{min_per_group} respondents with a value of dv {dv!r}; expected at least {min_per_group}"
        )
    return y, codes, list(found)


def group_moments(y: np.ndarray, codes: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per-group n, mean and variance (ddof 1), vectorised with bincount."""
    n = np.bincount(codes, minlength=k).astype("float64")
    s = np.bincount(codes, weights=y, minlength=k)
    mean = s / n
    dev = y - mean[codes]
    var = np.bincount(codes, weights=dev * dev, minlength=k) / (n - 1)
    return n, mean, var


# ------------------------------------------------------------------ two groups
def welch_t(m1: float, m2: float, v1: float, v2: float, n1: float, n2: float, ci: float) -> dict[str, float]:
    se = np.sqrt(v1 / n1 + v2 / n2)
    t = (m1 - m2) / se
    df = (v1 / n1 + v2 / n2) ** 2 / ((v1 / n1) ** 2 / (n1 - 1) + (v2 / n2) ** 2 / (n2 - 1))
    p = 2 * stats.t.sf(abs(t), df)
    q = stats.t.ppf(1 - (1 - ci) / 2, df)
    diff = m1 - m2
    return dict(mean_diff=diff, ci_low=diff - q * se, ci_high=diff + q * se, t=t, df=df, p=p, se=se)


def hedges_j(df: float) -> float:
    """Exact small-sample correction ``Gamma(df/2) / (sqrt(df/2) Gamma((df-1)/2))``."""
    return float(np.exp(special.gammaln(df / 2) - 0.5 * np.log(df / 2) - special.gammaln((df - 1) / 2)))


def cohen_d(
    m1: float, m2: float, v1: float, v2: float, n1: float, n2: float, ci: float | None
) -> dict[str, float]:
    """Cohen's d (pooled SD) with a noncentral-t CI, and Hedges' g."""
    df = n1 + n2 - 2
    sp = np.sqrt(((n1 - 1) * v1 + (n2 - 1) * v2) / df)
    d = (m1 - m2) / sp
    j = hedges_j(df)
    out = dict(cohen_d=d, hedges_g=d * j)
    if ci is None:
        return out
    scale = np.sqrt(1 / n1 + 1 / n2)
    t_obs = d / scale
    tail = (1 - ci) / 2

    def ncp_for(prob: float) -> float:
        f = lambda ncp: stats.nct.cdf(t_obs, df, ncp) - prob  # noqa: E731
        step = 1.0
        lo, hi = t_obs - step, t_obs + step
        while f(lo) < 0:  # cdf falls as ncp rises: expand gently
            step *= 1.5
            lo -= step
        step = 1.0
        while f(hi) > 0:
            step *= 1.5
            hi += step
        return optimize.brentq(f, lo, hi, xtol=1e-12, rtol=1e-12)

    d_low = ncp_for(1 - tail) * scale
    d_high = ncp_for(tail) * scale
    out.update(
        cohen_d_ci_low=d_low, cohen_d_ci_high=d_high, hedges_g_ci_low=d_low * j, hedges_g_ci_high=d_high * j
    )
    return out


def mann_whitney(y1: np.ndarray, y2: np.ndarray) -> dict[str, float]:
    """Mann-Whitney U of group 1 (R's ``W``) with the rank-biserial correlation.

    Exact p when both groups have fewer than 50 values and there are no ties,
    otherwise the normal approximation with tie and continuity correction -
    the choice R's ``wilcox.test(x, y)`` makes.
    """
    n1, n2 = len(y1), len(y2)
    both = np.concatenate([y1, y2])
    ties = len(np.unique(both)) < len(both)
    method = "exact" if (n1 < 50 and n2 < 50 and not ties) else "asymptotic"
    res = stats.mannwhitneyu(y1, y2, alternative="two-sided", use_continuity=True, method=method)
    u = float(res.statistic)
    return dict(u=u, u_p=float(res.pvalue), rank_biserial=2 * u / (n1 * n2) - 1)


# ------------------------------------------------------------------ k groups
def oneway_anova(y: np.ndarray, codes: np.ndarray, levels: list[Any]) -> dict[str, float]:
    """Classic one-way ANOVA with type II sums of squares (statsmodels)."""
    from statsmodels.formula.api import ols
    from statsmodels.stats.anova import anova_lm

    frame = pd.DataFrame({"y": y, "g": pd.Categorical.from_codes(codes, range(len(levels)))})
    fit = ols("y ~ C(g)", data=frame).fit()
    table = anova_lm(fit, typ=2)
    ss_b, ss_w = table["sum_sq"].iloc[0], table["sum_sq"].iloc[1]
    df_b, df_w = table["df"].iloc[0], table["df"].iloc[1]
    ms_w = ss_w / df_w
    ss_t = ss_b + ss_w
    return dict(
        f=float(table["F"].iloc[0]),
        df1=float(df_b),
        df2=float(df_w),
        p=float(table["PR(>F)"].iloc[0]),
        eta_sq=ss_b / ss_t,
        omega_sq=(ss_b - df_b * ms_w) / (ss_t + ms_w),
        resid=np.asarray(fit.resid),
    )


def welch_anova(n: np.ndarray, mean: np.ndarray, var: np.ndarray) -> dict[str, float]:
    """Welch's (1951) heteroscedastic one-way ANOVA (R: ``oneway.test(var.equal = FALSE)``)."""
    k = len(n)
    w = n / var
    wsum = w.sum()
    grand = (w * mean).sum() / wsum
    a = (w * (mean - grand) ** 2).sum() / (k - 1)
    tmp = ((1 - w / wsum) ** 2 / (n - 1)).sum()
    b = 1 + 2 * (k - 2) / (k**2 - 1) * tmp
    f = a / b
    df2 = (k**2 - 1) / (3 * tmp)
    return dict(welch_f=f, welch_df1=float(k - 1), welch_df2=df2, welch_p=float(stats.f.sf(f, k - 1, df2)))


def kruskal(y: np.ndarray, codes: np.ndarray, k: int) -> dict[str, float]:
    """Kruskal-Wallis H with tie correction (as R) and epsilon-squared ``H/(n-1)``."""
    samples = [y[codes == i] for i in range(k)]
    res = stats.kruskal(*samples)
    n = len(y)
    return dict(h=float(res.statistic), kw_p=float(res.pvalue), epsilon_sq=float(res.statistic) / (n - 1))


# ------------------------------------------------------------------ assumptions
def levene(y: np.ndarray, codes: np.ndarray, k: int) -> float:
    """Brown-Forsythe/Levene p (median-centred; R: ``car::leveneTest`` default)."""
    samples = [y[codes == i] for i in range(k)]
    with np.errstate(invalid="ignore", divide="ignore"):
        return float(stats.levene(*samples, center="median").pvalue)


def shapiro_resid(resid: np.ndarray, seed: int) -> float:
    """Shapiro-Wilk p of residuals; above 5000 on a seeded random subsample."""
    r = np.asarray(resid, dtype="float64")
    if len(r) < 3:
        return float("nan")
    if np.ptp(r) == 0:
        return float("nan")
    if len(r) > SHAPIRO_MAX:
        r = np.random.default_rng(seed).choice(r, SHAPIRO_MAX, replace=False)
    return float(stats.shapiro(r).pvalue)
