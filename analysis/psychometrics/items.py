"""Shared steps of the reliability statistics: item columns, their moments, Feldt's interval."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Literal

import numpy as np
import pandas as pd
from scipy import stats

from analysis._checks import (
    check_choice,
    check_frame,
    check_min_n,
    check_numeric,
    numeric_columns,
    numeric_matrix,
)
from analysis._moments import Moments, listwise_rows, pairwise_moments
from survey.errors import DataError

if TYPE_CHECKING:
    pass

__all__ = ["Missing", "Columns", "prepare_items", "item_moments", "alpha_from_cov", "feldt_ci"]


Missing = Literal["pairwise", "listwise"]

Columns = np.ndarray | list[np.ndarray]


def prepare_items(
    data: pd.DataFrame, columns: Sequence[str] | None, missing: str, *, min_items: int = 2
) -> tuple[list[str], Columns]:
    """Checked item columns and their values.

    Pairwise: the columns as float arrays (no copy for float64 columns);
    listwise: the matrix of complete rows.
    """
    check_frame(data, "data")
    cols = list(data.columns) if columns is None else list(columns)
    cols = check_numeric(data, cols, "data" if columns is None else "columns")
    check_choice(missing, ("pairwise", "listwise"), "missing")
    if len(cols) < min_items:
        raise DataError(f"data: got {len(cols)} item column(s) {cols}; expected at least {min_items}")
    if missing == "pairwise":
        return cols, numeric_columns(data, cols)
    x = numeric_matrix(data, cols)
    return cols, x[listwise_rows(x)]


def item_moments(x: Columns, cols: list[str], *, corr: bool = False) -> Moments:
    """Pairwise moments of the prepared values, checked for what alpha needs.

    ``rows`` of the result counts respondents with at least one answer
    (pairwise) or complete rows (listwise).
    """
    moments = pairwise_moments(x, corr=corr)
    check_min_n(moments.rows, 3, "data", "respondents")
    cov, count = moments.cov, moments.count
    if np.isnan(cov).any() or (count < 3).any():
        i, j = np.argwhere(np.isnan(cov) | (count < 3))[0]
        raise DataError(
            f"data: columns {cols[i]!r} and {cols[j]!r} are both answered by only "
            f"{int(count[i, j])} respondent(s); expected at least 3 for a covariance"
        )
    var = np.diag(cov)
    if (var <= 0).any():
        bad = [c for c, v in zip(cols, var) if v <= 0]
        raise DataError(
            f"data: column(s) {bad} have no variance (everyone gave the same answer); "
            "drop them before computing reliability"
        )
    return moments


def alpha_from_cov(C: np.ndarray) -> tuple[float, float]:
    k = C.shape[0]
    raw = k / (k - 1) * (1 - np.trace(C) / C.sum())
    d = np.sqrt(np.diag(C))
    R = C / np.outer(d, d)
    std = k / (k - 1) * (1 - k / R.sum())
    return float(raw), float(std)


def feldt_ci(alpha: float, n: int, k: int, ci: float = 0.95) -> tuple[float, float]:
    """Feldt's exact confidence interval for coefficient alpha.

    ``1 - (1 - alpha) * F_{q}(n - 1, (n - 1)(k - 1))`` for
    ``q = 1 - (1-ci)/2`` (lower) and ``(1-ci)/2`` (upper), as R's
    ``psych::alpha.ci``.
    """
    df1, df2 = n - 1, (n - 1) * (k - 1)
    tail = (1 - ci) / 2
    low = 1 - (1 - alpha) * stats.f.ppf(1 - tail, df1, df2)
    high = 1 - (1 - alpha) * stats.f.ppf(tail, df1, df2)
    return float(low), float(high)
