"""Polychoric correlations: :func:`polychoric`, lavaan's two-step estimate or psych's.

``method="lavaan"`` is ``lavaan::lavCor(data, ordered = names(data))``: complete
cases, thresholds from the univariate margins, then each correlation maximises
its bivariate table's likelihood with the thresholds held fixed (Olsson 1979's
two-step estimator), within ``[-0.999, 0.999]``; a 2 x 2 table with one empty
cell gets 0.5 added to it keeping the margins, as lavaan's ``zero.add``.
``method="psych"`` is ``psych::polychoric(data)`` (see
:mod:`analysis.structure.polychoric_psych`).

All pairs are estimated at once: the cell probabilities of every table come
from one vectorised bivariate normal evaluation (:mod:`analysis.structure.bvn`)
and Newton steps update all correlations together.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from analysis._checks import check_choice, check_frame, check_numeric, numeric_matrix
from analysis._moments import listwise_rows
from analysis.structure._threads import single_blas
from analysis.structure.bvn import cell_grid
from analysis.structure.ordinal_data import OrdinalSample, category_levels, ordinal_sample, pair_index, recode
from analysis.structure.polychoric_psych import psych_polychoric
from survey.errors import DataError

__all__ = [
    "polychoric",
    "PolychoricResult",
    "two_step_rho",
    "correlation_matrix",
    "METHODS",
]

METHODS = ("lavaan", "psych")
RHO_BOUND = 0.999  # lavaan's bounds for the two-step estimate


@dataclass
class PolychoricResult:
    """The polychoric correlations of ordinal items (see :func:`polychoric`).

    Attributes
    ----------
    rho : DataFrame
        Items x items correlation matrix.
    thresholds : DataFrame
        Tidy: ``item``, ``threshold`` (1, 2, ...), ``value``.
    n : int
        Rows used (complete cases for lavaan; all rows for psych, which counts
        each table over the rows where both items are present).
    method : str
        ``"lavaan"`` or ``"psych"``.
    empty_cells : list of tuple
        Pairs of items whose bivariate table has an empty cell.
    """

    rho: pd.DataFrame
    thresholds: pd.DataFrame
    n: int
    method: str
    empty_cells: list[tuple[str, str]] = field(default_factory=list)


def two_step_rho(sample: OrdinalSample, *, tol: float = 1e-12, max_iter: int = 200) -> np.ndarray:
    """lavaan's two-step polychoric correlations of every pair, all at once.

    Fisher scoring, then Newton steps once within 1e-3, on the bivariate
    log-likelihoods with the thresholds fixed, from the codes' Pearson
    correlation, inside a bracket of the maximum and within ``[-0.999,
    0.999]``, until every step is below ``tol``.
    """
    first, second = pair_index(sample.ncat.size)
    freq = sample.tables.copy()
    binary = (sample.ncat[first] == 2) & (sample.ncat[second] == 2)
    _zero_add_2x2(freq, binary)
    t1, t2 = sample.thresholds[first], sample.thresholds[second]
    n = freq.sum(axis=(1, 2))
    rho = np.clip(_pearson(freq), -0.9, 0.9)  # a close start: the correlation of the codes
    lo, hi = np.full(first.size, -RHO_BOUND), np.full(first.size, RHO_BOUND)
    moved = np.ones(first.size)
    for _ in range(max_iter):
        pi, dpi, d2pi = cell_grid(t1, t2, rho, second=True)
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = np.where(freq > 0, dpi / pi, 0.0)
            score = (freq * ratio).sum(axis=(1, 2))
            curv = (freq * (np.where(freq > 0, d2pi / pi, 0.0) - ratio**2)).sum(axis=(1, 2))
            fisher = n * np.where(pi > 0, dpi**2 / pi, 0.0).sum(axis=(1, 2))
        # the score falls through 0 at the maximum: keep a bracket around it
        lo = np.where(score > 0, np.maximum(lo, rho), lo)
        hi = np.where(score < 0, np.minimum(hi, rho), hi)
        # Fisher scoring while far (robust), Newton once close (fast)
        newton = np.isfinite(curv) & (curv < 0) & (moved < 1e-3)
        with np.errstate(divide="ignore", invalid="ignore"):
            step = np.where(newton, -score / np.where(newton, curv, 1.0), score / fisher)
        new = rho + step
        outside = ~np.isfinite(new) | (new < lo) | (new > hi)
        new = np.where(outside, (lo + hi) / 2.0, new)
        # at a bound with the likelihood still rising there: lavaan's estimate is the bound
        new = np.where((rho == RHO_BOUND) & (score > 0), RHO_BOUND, new)
        new = np.where((rho == -RHO_BOUND) & (score < 0), -RHO_BOUND, new)
        moved = np.abs(new - rho)
        rho = new
        if moved.max(initial=0.0) < tol:
            break
    # lavaan: a 2 x 2 table with proportional rows has correlation 0 exactly
    indep = binary & (freq[:, 0, 0] * freq[:, 1, 1] == freq[:, 0, 1] * freq[:, 1, 0])
    rho[indep] = 0.0
    return rho


def _pearson(freq: np.ndarray) -> np.ndarray:
    """Pearson correlation of the category codes of every table."""
    c = freq.shape[1]
    a = np.arange(c, dtype=float)
    n = freq.sum(axis=(1, 2))
    pr, pc = freq.sum(axis=2) / n[:, None], freq.sum(axis=1) / n[:, None]
    mr, mc = pr @ a, pc @ a
    vr, vc = pr @ a**2 - mr**2, pc @ a**2 - mc**2
    cov = np.einsum("qab,a,b->q", freq, a, a) / n - mr * mc
    with np.errstate(invalid="ignore", divide="ignore"):
        r = cov / np.sqrt(vr * vc)
    return np.where(np.isfinite(r), r, 0.0)


def _zero_add_2x2(freq: np.ndarray, binary: np.ndarray) -> None:
    """lavaan's ``zero.add = 0.5`` with ``zero.keep.margins``: one empty cell of a
    2 x 2 table gets 0.5, the other diagonal 0.5 more and the off-diagonal 0.5 less."""
    for q in np.flatnonzero(binary & ((freq[:, :2, :2] == 0).sum(axis=(1, 2)) == 1)):
        t = freq[q, :2, :2]
        sign = 1.0 if (t[0, 0] == 0 or t[1, 1] == 0) else -1.0
        t += sign * 0.5 * np.array([[1.0, -1.0], [-1.0, 1.0]])


def correlation_matrix(rho: np.ndarray, p: int) -> np.ndarray:
    """The ``p x p`` matrix of correlations given in :func:`pair_index` order."""
    first, second = pair_index(p)
    out = np.eye(p)
    out[first, second] = out[second, first] = rho
    return out


def _threshold_table(items: Sequence[str], thresholds: np.ndarray, ncat: np.ndarray) -> pd.DataFrame:
    rows = [
        {"item": item, "threshold": c + 1, "value": float(thresholds[i, c])}
        for i, item in enumerate(items)
        for c in range(int(ncat[i]) - 1)
    ]
    return pd.DataFrame(rows, columns=["item", "threshold", "value"])


@single_blas
def polychoric(
    data: pd.DataFrame, columns: Sequence[str] | None = None, *, method: str = "lavaan"
) -> PolychoricResult:
    """Polychoric correlations and thresholds of ordinal items.

    Parameters
    ----------
    data : DataFrame
        One row per respondent; the items hold whole-number category codes.
    columns : list of str, optional
        The items (default: every column of ``data``).
    method : {"lavaan", "psych"}
        ``"lavaan"``: the two-step estimate of ``lavaan::lavCor(ordered=)``
        on complete cases.  ``"psych"``: ``psych::polychoric``'s defaults
        (global thresholds when every item has the same number of
        categories, otherwise per-table thresholds with 0.5 added to empty
        cells; ``optimize``'s tolerance; each table over the rows where both
        items are present; a smoothed matrix when it is not positive definite).

    Returns
    -------
    PolychoricResult
        ``rho`` (DataFrame), ``thresholds`` (tidy), ``n``, ``method`` and
        ``empty_cells``.

    Raises
    ------
    DataError
        A missing or non-numeric column, a code that is not a whole number, a
        constant item, or fewer than two complete rows.

    Examples
    --------
    >>> import pandas as pd
    >>> from analysis import polychoric
    >>> d = pd.DataFrame({"a": [1, 2, 3, 2, 1, 3, 2, 3], "b": [1, 2, 3, 3, 1, 2, 2, 3]})
    >>> round(float(polychoric(d).rho.loc["a", "b"]), 3)  # lavaan::lavCor: 0.905572
    0.906
    """
    data = check_frame(data)
    check_choice(method, METHODS, "method")
    items = list(data.columns) if columns is None else list(columns)
    check_numeric(data, items, "columns")
    if len(items) < 2:
        raise DataError(f"columns: got {items!r}; a correlation needs at least two items")
    x = numeric_matrix(data, items)
    if method == "psych":
        rho, th, ncat, n = psych_polychoric(x, items)
        thresholds = _threshold_table(items, th, ncat)
        empty: list[tuple[str, str]] = []
    else:
        x = x[listwise_rows(x)]
        if x.shape[0] < 2:
            raise DataError(f"data: {x.shape[0]} complete row(s) over the items; expected at least 2")
        levels = category_levels(x, items)
        ncat = np.array([lv.size for lv in levels])
        sample = ordinal_sample(recode(x, levels), ncat)
        rho = correlation_matrix(two_step_rho(sample), len(items))
        thresholds = _threshold_table(items, sample.thresholds, ncat)
        n = sample.n
        first, second = pair_index(len(items))
        sizes = ncat[first][:, None, None], ncat[second][:, None, None]
        c = sample.tables.shape[1]
        inside = (np.arange(c)[None, :, None] < sizes[0]) & (np.arange(c)[None, None, :] < sizes[1])
        has_zero = ((sample.tables == 0) & inside).any(axis=(1, 2))
        empty = [(items[first[q]], items[second[q]]) for q in np.flatnonzero(has_zero)]
    frame = pd.DataFrame(rho, index=items, columns=items)
    return PolychoricResult(rho=frame, thresholds=thresholds, n=int(n), method=method, empty_cells=empty)
