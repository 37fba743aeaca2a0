"""A score's change between two waves: retest reliability, paired tests, reliable change.

Each function takes the stacked table (one row per person per wave) and uses
the *complete pairs*: people linked by ``subject`` with ``dv`` at both waves
(see :mod:`analysis.longitudinal.waves`).  Differences are always second wave
minus first wave (``post - pre``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from analysis._checks import check_probability
from analysis.longitudinal.rci import rci, rci_category
from analysis.longitudinal.waves import paired_scores

__all__ = ["retest_reliability", "paired_change", "reliable_change", "ICC_TYPES"]

#: The rows of :func:`retest_reliability`, in psych's order.
ICC_TYPES = ("ICC1", "ICC2", "ICC3", "ICC1k", "ICC2k", "ICC3k")


def _mean_squares(x: np.ndarray) -> tuple[float, float, float, float]:
    """``MSB`` (people), ``MSJ`` (waves), ``MSE`` (residual) of the two-way ANOVA
    without interaction, and ``MSW`` (within people: waves and residual pooled)."""
    n, k = x.shape
    grand = x.mean()
    ssb = k * ((x.mean(axis=1) - grand) ** 2).sum()
    ssj = n * ((x.mean(axis=0) - grand) ** 2).sum()
    sse = ((x - grand) ** 2).sum() - ssb - ssj
    dfj, dfe = k - 1, (n - 1) * (k - 1)
    return ssb / (n - 1), ssj / dfj, sse / dfe, (ssj + sse) / (dfj + dfe)


def retest_reliability(data: pd.DataFrame, *, dv: str, time: str, subject: str) -> pd.DataFrame:
    """Retest reliability of ``dv``: the six intraclass correlations of psych's ``ICC(lmer=FALSE)``.

    The two waves are the "judges" and the people the "subjects" of Shrout and
    Fleiss (1979); mean squares come from the two-way ANOVA without interaction.

    Parameters
    ----------
    data : DataFrame
        Stacked table, one row per person per wave.
    dv : str
        The score (numeric column).
    time : str
        The wave column: two values, numbers (ascending) or ``pre`` and ``post``.
    subject : str
        The column linking one person's rows.

    Returns
    -------
    DataFrame
        One row per ``type``: ``ICC1`` (one-way random, absolute agreement),
        ``ICC2`` (two-way random, absolute agreement), ``ICC3`` (two-way mixed,
        consistency) and their averages over both waves ``ICC1k``, ``ICC2k``,
        ``ICC3k``.  Columns: ``type``; ``icc``; ``F``, ``df1``, ``df2`` and ``p``,
        the F test of ``icc = 0`` (``MSB / MSW`` for ICC1 and ICC1k, ``MSB / MSE``
        otherwise); ``lower`` and ``upper``, psych's 95 % confidence bounds.
        Unrounded.  ``attrs``: ``n`` (complete pairs) and ``waves``.

    Raises
    ------
    DataError
        A missing or non-numeric column, not exactly two waves, a person with two
        rows in one wave, or fewer than 3 complete pairs.

    Examples
    --------
    >>> import pandas as pd
    >>> d = pd.DataFrame({"id": [1, 2, 3, 4] * 2, "wave": ["pre"] * 4 + ["post"] * 4,
    ...                   "score": [1.0, 2.0, 3.0, 4.0, 1.5, 2.0, 3.5, 4.5]})
    >>> retest_reliability(d, dv="score", time="wave", subject="id").round(3).icc.tolist()
    [0.948, 0.949, 0.982, 0.973, 0.974, 0.991]
    """
    pairs, waves = paired_scores(data, dv=dv, time=time, subject=subject)
    x = pairs[["pre", "post"]].to_numpy()
    n, k = x.shape
    msb, msj, mse, msw = _mean_squares(x)
    icc = [
        (msb - msw) / (msb + (k - 1) * msw),
        (msb - mse) / (msb + (k - 1) * mse + k * (msj - mse) / n),
        (msb - mse) / (msb + (k - 1) * mse),
        (msb - msw) / msb,
        (msb - mse) / (msb + (msj - mse) / n),
        (msb - mse) / msb,
    ]
    f1, d1 = msb / msw, (n - 1, n * (k - 1))
    f2, d2 = msb / mse, (n - 1, (n - 1) * (k - 1))
    p1, p2 = stats.f.sf(f1, *d1), stats.f.sf(f2, *d2)
    lower, upper = _icc_bounds(n, k, icc[1], f1, f2, d1, d2, (msb, msj, mse))
    table = pd.DataFrame(
        {
            "type": list(ICC_TYPES),
            "icc": icc,
            "F": [f1, f2, f2, f1, f2, f2],
            "df1": [d1[0], d2[0], d2[0], d1[0], d2[0], d2[0]],
            "df2": [d1[1], d2[1], d2[1], d1[1], d2[1], d2[1]],
            "p": [p1, p2, p2, p1, p2, p2],
            "lower": lower,
            "upper": upper,
        }
    )
    table.attrs.update(n=n, waves=waves)
    return table


def _icc_bounds(n: int, k: int, icc2: float, f1: float, f2: float, d1: tuple, d2: tuple, ms: tuple) -> tuple:
    """psych's 95 % bounds of the six ICCs (Shrout & Fleiss; ICC2's by Satterthwaite's ``v``)."""
    msb, msj, mse = ms
    q = 0.975
    f1l, f1u = f1 / stats.f.ppf(q, *d1), f1 * stats.f.ppf(q, d1[1], d1[0])
    f3l, f3u = f2 / stats.f.ppf(q, *d2), f2 * stats.f.ppf(q, d2[1], d2[0])
    fj = msj / mse
    vn = (k - 1) * (n - 1) * (k * icc2 * fj + n * (1 + (k - 1) * icc2) - k * icc2) ** 2
    vd = (n - 1) * k**2 * icc2**2 * fj**2 + (n * (1 + (k - 1) * icc2) - k * icc2) ** 2
    v = vn / vd
    fu, fl = stats.f.ppf(q, n - 1, v), stats.f.ppf(q, v, n - 1)
    shared = k * msj + (k * n - k - n) * mse
    l2 = n * (msb - fu * mse) / (fu * shared + n * msb)
    u2 = n * (fl * msb - mse) / (shared + n * fl * msb)
    lower = [(f1l - 1) / (f1l + k - 1), l2, (f3l - 1) / (f3l + k - 1), 1 - 1 / f1l]
    upper = [(f1u - 1) / (f1u + k - 1), u2, (f3u - 1) / (f3u + k - 1), 1 - 1 / f1u]
    lower += [l2 * k / (1 + l2 * (k - 1)), 1 - 1 / f3l]
    upper += [u2 * k / (1 + u2 * (k - 1)), 1 - 1 / f3u]
    return lower, upper


def paired_change(data: pd.DataFrame, *, dv: str, time: str, subject: str, ci: float = 0.95) -> pd.DataFrame:
    """Mean change of ``dv`` with the paired t test, the Wilcoxon signed-rank test and dz.

    Parameters
    ----------
    data, dv, time, subject
        As :func:`retest_reliability`.
    ci : float
        Confidence level of the interval of the mean difference.

    Returns
    -------
    DataFrame
        One row: ``n`` (complete pairs); ``mean_diff`` (mean of post - pre);
        ``ci_lower``, ``ci_upper`` (its ``ci`` interval); ``t``, ``df``, ``p``
        (two-sided, R's ``t.test(post, pre, paired = TRUE)``); ``wilcoxon_v``
        (R's V: the sum of the ranks of the positive differences, zero differences
        dropped, tied absolute differences given their mean rank); ``wilcoxon_p``
        (two-sided, normal approximation with the tie and continuity corrections,
        R's ``wilcox.test(post, pre, paired = TRUE, exact = FALSE, correct =
        TRUE)``; NaN when every difference is zero); ``dz`` (mean difference over
        the SD of the differences, divisor n - 1).  Unrounded.  ``attrs``:
        ``waves``.

    Raises
    ------
    DataError
        As :func:`retest_reliability`; a ``ci`` outside (0, 1).

    Examples
    --------
    >>> import pandas as pd
    >>> d = pd.DataFrame({"id": [1, 2, 3, 4] * 2, "wave": [1] * 4 + [2] * 4,
    ...                   "score": [1.0, 2.0, 3.0, 4.0, 1.5, 2.0, 3.5, 4.5]})
    >>> paired_change(d, dv="score", time="wave", subject="id")[["n", "mean_diff", "wilcoxon_v"]]
       n  mean_diff  wilcoxon_v
    0  4      0.375         6.0
    """
    level = check_probability(ci, "ci")
    pairs, waves = paired_scores(data, dv=dv, time=time, subject=subject)
    d = (pairs["post"] - pairs["pre"]).to_numpy()
    n = d.size
    mean, sd = d.mean(), d.std(ddof=1)
    test = stats.ttest_1samp(d, 0.0)
    half = stats.t.ppf(0.5 + level / 2, n - 1) * sd / np.sqrt(n)
    v, p_w = _wilcoxon(d)
    row = {
        "n": n,
        "mean_diff": mean,
        "ci_lower": mean - half,
        "ci_upper": mean + half,
        "t": float(test.statistic),
        "df": n - 1,
        "p": float(test.pvalue),
        "wilcoxon_v": v,
        "wilcoxon_p": p_w,
        "dz": mean / sd if sd > 0 else np.nan,
    }
    table = pd.DataFrame([row])
    table.attrs.update(waves=waves)
    return table


def _wilcoxon(d: np.ndarray) -> tuple[float, float]:
    """R's paired ``wilcox.test(exact = FALSE, correct = TRUE)``: ``(V, p)``."""
    d = d[d != 0]
    n = d.size
    if n == 0:
        return 0.0, np.nan
    ranks = stats.rankdata(np.abs(d))
    v = float(ranks[d > 0].sum())
    _, ties = np.unique(ranks, return_counts=True)
    sigma = np.sqrt(n * (n + 1) * (2 * n + 1) / 24 - (ties**3 - ties).sum() / 48)
    z = v - n * (n + 1) / 4
    z = (z - np.sign(z) * 0.5) / sigma
    return v, float(2 * min(stats.norm.cdf(z), stats.norm.sf(z)))


def reliable_change(
    data: pd.DataFrame,
    *,
    dv: str,
    time: str,
    subject: str,
    reliability: float,
    higher_is_better: bool = True,
) -> pd.DataFrame:
    """The Jacobson-Truax reliable change index of every complete pair.

    Parameters
    ----------
    data, dv, time, subject
        As :func:`retest_reliability`.
    reliability : float
        The scale's reliability in (0, 1): Cronbach's alpha or omega of the first
        wave, or a retest ICC from :func:`retest_reliability`.
    higher_is_better : bool
        Whether a rise of ``dv`` is an improvement.

    Returns
    -------
    DataFrame
        One row per complete pair, sorted by ``subject``: ``subject``; ``pre``,
        ``post`` (the scores); ``difference`` (post - pre); ``rci`` = difference /
        (SD_pre * sqrt(2) * sqrt(1 - reliability)), SD_pre the SD (n - 1) of the
        first-wave scores of the complete pairs (:func:`~analysis.longitudinal.rci`);
        ``category``: ``improved`` / ``unchanged`` / ``deteriorated`` at
        |rci| > 1.96 (:func:`~analysis.longitudinal.rci_category`).  ``attrs``:
        ``sd_pre``, ``reliability``, ``se_difference`` (the SD of a difference due
        to measurement error alone) and ``waves``.

    Raises
    ------
    DataError
        As :func:`retest_reliability`; a reliability outside (0, 1); first-wave
        scores that do not vary.

    Examples
    --------
    >>> import pandas as pd
    >>> d = pd.DataFrame({"id": [1, 2, 3, 4] * 2, "wave": ["pre"] * 4 + ["post"] * 4,
    ...                   "score": [1.0, 2.0, 3.0, 4.0, 1.5, 2.0, 4.5, 4.5]})
    >>> rc = reliable_change(d, dv="score", time="wave", subject="id", reliability=0.9)
    >>> rc[["subject", "rci", "category"]].round(2)
      subject   rci   category
    0       1  0.87  unchanged
    1       2  0.00  unchanged
    2       3  2.60   improved
    3       4  0.87  unchanged
    """
    pairs, waves = paired_scores(data, dv=dv, time=time, subject=subject)
    sd_pre = float(pairs["pre"].std(ddof=1))
    diff = pairs["post"] - pairs["pre"]
    index = rci(diff.to_numpy(), sd_pre=sd_pre, reliability=reliability)
    table = pd.DataFrame(
        {
            "subject": pairs.index.to_numpy(),
            "pre": pairs["pre"].to_numpy(),
            "post": pairs["post"].to_numpy(),
            "difference": diff.to_numpy(),
            "rci": index,
            "category": [rci_category(float(r), higher_is_better=higher_is_better) for r in index],
        }
    )
    table.attrs.update(
        sd_pre=sd_pre,
        reliability=reliability,
        se_difference=sd_pre * np.sqrt(2.0) * np.sqrt(1.0 - reliability),
        waves=waves,
    )
    return table
