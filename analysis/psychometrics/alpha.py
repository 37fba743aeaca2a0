"""Cronbach's alpha with Feldt's interval, and item statistics (as ``psych::alpha``)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from analysis._checks import (
    check_probability,
    numeric_matrix,
)
from analysis.psychometrics.items import Missing, alpha_from_cov, feldt_ci, item_moments, prepare_items

if TYPE_CHECKING:
    pass

__all__ = ["cronbach_alpha", "item_statistics"]


def cronbach_alpha(
    data: pd.DataFrame,
    ci: float = 0.95,
    *,
    columns: Sequence[str] | None = None,
    missing: Missing = "pairwise",
) -> pd.DataFrame:
    """Cronbach's coefficient alpha with Feldt's confidence interval.

    Parameters
    ----------
    data : pandas.DataFrame
        Wide table, one row per respondent, one numeric column per item
        (reverse-keyed items already reflected).  Missing answers as NA.
    ci : float, default 0.95
        Confidence level of the interval.
    columns : list of str, optional
        Item columns to use; default every column of ``data``.
    missing : {"pairwise", "listwise"}, default "pairwise"
        ``"pairwise"``: covariances over pairwise-complete rows, as
        ``psych::alpha`` by default; respondents with no answer at all are
        dropped.  ``"listwise"``: only respondents who answered every item.

    Returns
    -------
    pandas.DataFrame
        One row with columns

        - ``alpha``: raw alpha, ``k/(k-1) (1 - tr(C)/sum(C))``
          (R: ``psych::alpha(x)$total$raw_alpha``).
        - ``std_alpha``: standardised alpha from ``cov2cor(C)``
          (R: ``$total$std.alpha``).
        - ``ci_low``, ``ci_high``: Feldt interval at level ``ci`` (exact F
          quantiles; R: ``psych::alpha.ci(alpha, n, k)`` / the "Feldt" row).
        - ``n``: respondents used (pairwise: with at least one answer;
          ``psych`` uses ``nrow(x)``, identical unless a row is empty;
          listwise: complete rows, where psych still uses ``nrow(x)``, so its
          Feldt interval is narrower than the data support).
        - ``k``: number of items.

    Raises
    ------
    DataError
        Fewer than 2 items, a non-numeric item, an item without variance,
        fewer than 3 respondents, or a pair of items answered together by
        fewer than 3 respondents.

    Examples
    --------
    >>> import pandas as pd
    >>> items = pd.DataFrame({"a": [1, 2, 3, 4, 5, 3], "b": [2, 2, 3, 5, 5, 3],
    ...                       "c": [1, 3, 3, 4, 4, 2]})
    >>> cronbach_alpha(items)[["alpha", "ci_low", "ci_high", "n", "k"]].round(3)
       alpha  ci_low  ci_high  n  k
    0  0.946   0.771    0.992  6  3
    """
    ci = check_probability(ci, "ci")
    cols, x = prepare_items(data, columns, missing)
    moments = item_moments(x, cols)
    raw, std = alpha_from_cov(moments.cov)
    n, k = moments.rows, len(cols)
    low, high = feldt_ci(raw, n, k, ci)
    out = pd.DataFrame(
        {"alpha": [raw], "std_alpha": [std], "ci_low": [low], "ci_high": [high], "n": [n], "k": [k]}
    )
    out.attrs.update(missing=missing, ci_method="Feldt (exact F quantiles)", ci_level=ci)
    return out


def item_statistics(
    data: pd.DataFrame, *, columns: Sequence[str] | None = None, missing: Missing = "pairwise"
) -> pd.DataFrame:
    """Per-item statistics of a scale, as ``psych::alpha(x)$item.stats``.

    Parameters
    ----------
    data : pandas.DataFrame
        Wide table of keyed item answers (see :func:`cronbach_alpha`).
    columns : list of str, optional
        Item columns; default every column.
    missing : {"pairwise", "listwise"}, default "pairwise"
        How the covariance matrix ``C`` is formed (see :func:`cronbach_alpha`).

    Returns
    -------
    pandas.DataFrame
        One row per item with columns

        - ``item``: column name.
        - ``n``: respondents who answered the item (among those used).
        - ``mean``, ``sd``: mean and standard deviation (n - 1) of the
          item over every answer given (psych computes these on all
          available answers in both modes; so do we).
        - ``r_drop``: corrected item-total (item-rest) correlation,
          ``(sum_j C_ij - C_ii) / sqrt(C_ii * sum(C without i))``
          (R: ``$item.stats$r.drop``).
        - ``alpha_if_dropped``: raw alpha of the remaining items
          (R: ``$alpha.drop$raw_alpha``).  NaN for a 2-item scale, where
          alpha of one item is undefined (psych prints the inter-item
          correlation there instead).

    Raises
    ------
    DataError
        As :func:`cronbach_alpha`.

    Examples
    --------
    >>> import pandas as pd
    >>> items = pd.DataFrame({"a": [1, 2, 3, 4, 5, 3], "b": [2, 2, 3, 5, 5, 3],
    ...                       "c": [1, 3, 3, 4, 4, 2]})
    >>> item_statistics(items).round(2)
      item  n  mean    sd  r_drop  alpha_if_dropped
    0    a  6  3.00  1.41    0.94              0.88
    1    b  6  3.33  1.37    0.90              0.91
    2    c  6  2.83  1.17    0.83              0.96
    """
    cols, x = prepare_items(data, columns, missing)
    moments = item_moments(x, cols)
    C = moments.cov
    k = len(cols)
    diag = np.diag(C)
    total = C.sum()
    colsum = C.sum(axis=0)
    rest = total - 2 * colsum + diag
    r_drop = (colsum - diag) / np.sqrt(diag * rest)
    if k > 2:
        tr_rest = np.trace(C) - diag
        alpha_drop = (k - 1) / (k - 2) * (1 - tr_rest / rest)
    else:
        alpha_drop = np.full(k, np.nan)
    raw = numeric_matrix(data, cols)
    with np.errstate(invalid="ignore"):
        mean = np.nanmean(raw, axis=0)
        sd = np.nanstd(raw, axis=0, ddof=1)
    n = np.diag(moments.count).astype(int)
    out = pd.DataFrame(
        {"item": cols, "n": n, "mean": mean, "sd": sd, "r_drop": r_drop, "alpha_if_dropped": alpha_drop}
    )
    out.attrs.update(missing=missing)
    return out
