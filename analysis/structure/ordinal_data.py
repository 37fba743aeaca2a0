"""Ordinal items as category codes: checks, thresholds and bivariate tables.

Every item's categories are its distinct observed values in increasing order
(lavaan's ordered factor levels); they are recoded ``0 .. K-1``.  Thresholds
are ``qnorm`` of the cumulative proportions (the univariate probit maximum
likelihood without covariates, lavaan's ``lav_uvord_fit``).  All bivariate
tables come from one matrix product of the one-hot coded data, so no Python
loop runs over pairs or rows.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy.special import ndtri

from survey.errors import DataError, Problem

__all__ = ["OrdinalSample", "category_levels", "recode", "ordinal_sample", "pair_index"]

#: Rows of the one-hot matrix multiplied at once (keeps the buffers small).
_CHUNK = 8_192


@dataclass
class OrdinalSample:
    """The univariate and bivariate summaries of one group's ordinal items.

    Attributes
    ----------
    n : int
        Rows (complete cases).
    ncat : numpy.ndarray
        Categories per item.
    thresholds : numpy.ndarray
        ``(p, C - 1)`` thresholds padded with ``+inf`` (``C`` the largest ``ncat``).
    tables : numpy.ndarray
        ``(pairs, C, C)`` counts of every pair of items, pairs in
        :func:`pair_index` order.
    codes : numpy.ndarray
        ``(n, p)`` category codes ``0 .. K-1`` (int8).
    """

    n: int
    ncat: np.ndarray
    thresholds: np.ndarray
    tables: np.ndarray
    codes: np.ndarray

    @property
    def flat_thresholds(self) -> np.ndarray:
        """The thresholds item by item, without padding (lavaan's ``th`` order)."""
        return np.concatenate([self.thresholds[i, : k - 1] for i, k in enumerate(self.ncat)])


def pair_index(p: int) -> tuple[np.ndarray, np.ndarray]:
    """The pairs ``(j, i)`` with ``j < i`` in lavaan's order (``vech`` of the lower
    triangle without the diagonal: column by column)."""
    return np.triu_indices(p, 1)


def category_levels(x: np.ndarray, items: Sequence[str], where: str = "") -> list[np.ndarray]:
    """The sorted distinct values of every column of ``x`` (NaN ignored).

    Raises
    ------
    DataError
        A value that is not a whole number, or an item with a single category,
        naming the item (and ``where``, e.g. ``" in group 'a' of 'sex'"``).
    """
    levels, problems = [], []
    for j, item in enumerate(items):
        col = x[:, j]
        col = col[~np.isnan(col)]
        values = np.unique(col)
        bad = values[values != np.round(values)]
        if bad.size:
            problems.append(
                Problem(
                    item,
                    f"holds {bad[:3].tolist()}{where}; an ordinal item needs whole-number category codes",
                    where=f"item {item!r}",
                )
            )
        elif values.size < 2:
            shown = values.tolist() if values.size else "no values"
            problems.append(
                Problem(
                    item,
                    f"is constant ({shown}){where}; an ordinal item needs at "
                    "least two observed categories (drop it)",
                    where=f"item {item!r}",
                )
            )
        levels.append(values)
    if problems:
        raise DataError("data: the ordinal items cannot be used as they are", problems)
    return levels


def recode(x: np.ndarray, levels: list[np.ndarray]) -> np.ndarray:
    """Category codes ``0 .. K-1`` (int8) of complete rows ``x`` given each item's levels."""
    codes = np.empty(x.shape, dtype=np.int8)
    for j, lv in enumerate(levels):
        codes[:, j] = np.searchsorted(lv, x[:, j])
    return codes


def _onehot_gram(codes: np.ndarray, ncat: np.ndarray) -> np.ndarray:
    """``O'O`` of the one-hot coded data (exact counts), in chunks of rows."""
    offsets = np.concatenate([[0], np.cumsum(ncat)])
    total = int(offsets[-1])
    gram = np.zeros((total, total))
    cols = codes.astype(np.int64) + offsets[:-1]
    for start in range(0, codes.shape[0], _CHUNK):
        block = cols[start : start + _CHUNK]
        onehot = np.zeros((block.shape[0], total), dtype=np.float32)
        np.put_along_axis(onehot, block, 1.0, axis=1)
        gram += (onehot.T @ onehot).astype(np.float64)  # exact: integers below 2**24
    return gram


def ordinal_sample(codes: np.ndarray, ncat: np.ndarray) -> OrdinalSample:
    """Thresholds and all bivariate tables of complete category codes."""
    n, p = codes.shape
    c = int(ncat.max())
    gram = _onehot_gram(codes, ncat)
    offsets = np.concatenate([[0], np.cumsum(ncat)])
    cat = np.arange(c)
    valid = cat < ncat[:, None]  # (p, c)
    idx = np.minimum(offsets[:-1, None] + cat, offsets[-1] - 1)  # (p, c) one-hot column
    counts = np.where(valid, np.diag(gram)[idx], 0.0)
    cum = np.cumsum(counts, axis=1)[:, :-1] / n
    thresholds = np.where(np.arange(c - 1) < (ncat - 1)[:, None], ndtri(np.clip(cum, 0, 1)), np.inf)
    first, second = pair_index(p)
    tables = gram[idx[first][:, :, None], idx[second][:, None, :]]
    tables = np.where(valid[first][:, :, None] & valid[second][:, None, :], tables, 0.0)
    return OrdinalSample(n, np.asarray(ncat), thresholds, tables, codes)
