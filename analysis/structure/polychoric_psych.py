"""``psych::polychoric`` (psych 2.2.9) with its defaults, vectorised over all pairs.

What psych does, and so this module:

* codes are shifted so the smallest code of all items is 1; ``nvalues`` is the
  range of all codes (more than 8 is refused, psych's ``max.cat``);
* global thresholds: ``qnorm`` of each item's cumulative proportions over its
  present values, for ``nvalues - 1`` cut points (an unused category gives a
  cut point of ``-inf`` or ``+inf``);
* every table is counted over the rows where both items are present;
* when all items have the same largest code, each correlation minimises
  ``-sum(p_ab log P_ab)`` (``p`` the table's proportions) with the global
  thresholds; otherwise (psych then sets ``global = FALSE``) each table drops
  its empty rows and columns, gets ``0.5 / n`` in every empty cell and its
  own thresholds from the corrected margins;
* the minimum is R's ``optimize`` on ``[-1, 1]`` with its default tolerance
  (``.Machine$double.eps^0.25``): Brent's method, ported from R's C source
  (``Brent_fmin``) and run on all pairs in lockstep, so the estimates agree
  with psych's to rounding, not merely to the tolerance;
* a matrix that is not positive definite is smoothed as ``psych::cor.smooth``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from scipy.special import ndtri

from analysis.structure.bvn import cell_grid
from analysis.structure.ordinal_data import category_levels, pair_index
from survey.errors import DataError

__all__ = ["psych_polychoric", "brent_fmin", "cor_smooth"]

MAX_CATEGORIES = 8
CORRECT = 0.5
_TOL = np.finfo(float).eps ** 0.25


@dataclass
class _Brent:
    """The state of ``size`` Brent searches: the bracket ``a``, ``b``, the best three points
    ``x``, ``w``, ``v`` with their values, and the last two steps ``d``, ``e``."""

    a: np.ndarray
    b: np.ndarray
    x: np.ndarray
    w: np.ndarray
    v: np.ndarray
    fx: np.ndarray
    fw: np.ndarray
    fv: np.ndarray
    d: np.ndarray
    e: np.ndarray


_GOLD = (3.0 - np.sqrt(5.0)) * 0.5
_EPS = np.sqrt(np.finfo(float).eps)


def brent_fmin(
    f: Callable[[np.ndarray], np.ndarray], lower: float, upper: float, size: int, tol: float = _TOL
) -> np.ndarray:
    """R's ``optimize(f, c(lower, upper))$minimum`` for ``size`` functions at once.

    ``f`` maps a vector of ``size`` arguments to their ``size`` values; each
    element follows R's ``Brent_fmin`` exactly (finished elements stay put).
    """
    a = np.full(size, float(lower))
    b = np.full(size, float(upper))
    x = a + _GOLD * (b - a)
    fx = f(x)
    st = _Brent(a, b, x, x.copy(), x.copy(), fx, fx.copy(), fx.copy(), np.zeros(size), np.zeros(size))
    tol3 = tol / 3.0
    active = np.ones(size, dtype=bool)
    while True:
        xm = (st.a + st.b) * 0.5
        tol1 = _EPS * np.abs(st.x) + tol3
        active &= ~(np.abs(st.x - xm) <= tol1 * 2.0 - (st.b - st.a) * 0.5)
        if not active.any():
            return st.x
        u = _trial(st, active, xm, tol1)
        _accept(st, active, u, f(u))


def _trial(st: _Brent, active: np.ndarray, xm: np.ndarray, tol1: np.ndarray) -> np.ndarray:
    """The next point of each active search: a parabolic step where it is safe, else golden."""
    a, b, x, size = st.a, st.b, st.x, st.x.size
    t2 = tol1 * 2.0
    p, q, r = np.zeros(size), np.zeros(size), np.zeros(size)
    fit = active & (np.abs(st.e) > tol1)
    r_ = (x - st.w) * (st.fx - st.fv)
    q_ = (x - st.v) * (st.fx - st.fw)
    p_ = (x - st.v) * q_ - (x - st.w) * r_
    q_ = (q_ - r_) * 2.0
    p_ = np.where(q_ > 0, -p_, p_)
    q_ = np.abs(q_)
    p = np.where(fit, p_, p)
    q = np.where(fit, q_, q)
    r = np.where(fit, st.e, r)
    e = np.where(fit, st.d, st.e)
    golden = (np.abs(p) >= np.abs(q * 0.5 * r)) | (p <= q * (a - x)) | (p >= q * (b - x))
    e_gold = np.where(x < xm, b - x, a - x)
    with np.errstate(divide="ignore", invalid="ignore"):
        d_par = p / q
    u_par = x + d_par
    near = (u_par - a < t2) | (b - u_par < t2)
    d_par = np.where(near, np.where(x >= xm, -tol1, tol1), d_par)
    st.e = np.where(active & golden, e_gold, e)
    st.d = np.where(active, np.where(golden, _GOLD * e_gold, d_par), st.d)
    u = np.where(np.abs(st.d) >= tol1, x + st.d, np.where(st.d > 0, x + tol1, x - tol1))
    return np.where(active, u, x)


def _accept(st: _Brent, active: np.ndarray, u: np.ndarray, fu: np.ndarray) -> None:
    """Narrow each bracket with ``u`` and keep the best three points."""
    x = st.x
    better = active & (fu <= st.fx)
    worse = active & ~(fu <= st.fx)
    st.b = np.where(better & (u < x), x, st.b)  # fu <= fx
    st.a = np.where(better & ~(u < x), x, st.a)
    st.a = np.where(worse & (u < x), u, st.a)  # fu > fx
    st.b = np.where(worse & ~(u < x), u, st.b)
    to_w = worse & ((fu <= st.fw) | (st.w == x))
    to_v = worse & ~to_w & ((fu <= st.fv) | (st.v == x) | (st.v == st.w))
    nv = np.where(better, st.w, np.where(to_w, st.w, np.where(to_v, u, st.v)))
    nfv = np.where(better, st.fw, np.where(to_w, st.fw, np.where(to_v, fu, st.fv)))
    nw = np.where(better, x, np.where(to_w, u, st.w))
    nfw = np.where(better, st.fx, np.where(to_w, fu, st.fw))
    st.x = np.where(better, u, x)
    st.fx = np.where(better, fu, st.fx)
    st.v, st.fv, st.w, st.fw = nv, nfv, nw, nfw


def cor_smooth(r: np.ndarray, eig_tol: float = 1e-12) -> np.ndarray:
    """``psych::cor.smooth``: lift eigenvalues below ``eig_tol`` when the smallest is
    below machine epsilon, rescale them to sum to ``p`` and return ``cov2cor``."""
    vals, vecs = np.linalg.eigh(r)
    if vals.min() >= np.finfo(float).eps:
        return r
    vals = np.where(vals < eig_tol, 100 * eig_tol, vals)
    vals = vals * r.shape[0] / vals.sum()
    s = (vecs * vals) @ vecs.T
    d = np.sqrt(np.diag(s))
    return s / np.outer(d, d)


def _cuts(prop: np.ndarray) -> np.ndarray:
    """``qnorm(cumsum(prop))`` without the last cut point, per row."""
    return ndtri(np.cumsum(prop, axis=-1)[..., :-1])


def psych_polychoric(x: np.ndarray, items: Sequence[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray, int]:
    """``psych::polychoric(x)``: ``(rho, tau, ncat, rows)``.

    ``tau`` is ``(p, nvalues - 1)``; ``ncat`` is ``nvalues`` for every item
    (psych's thresholds span the common range).
    """
    category_levels(x, items)  # whole numbers, not constant
    present = ~np.isnan(x)
    lo, hi = np.nanmin(x), np.nanmax(x)
    nvalues = int(hi - lo + 1)
    if nvalues > MAX_CATEGORIES:
        raise DataError(
            f"data: the codes span {nvalues} values ({lo:g} to {hi:g}); psych's "
            f"polychoric refuses more than {MAX_CATEGORIES} categories"
        )
    codes = np.where(present, x - lo, -1).astype(np.int64)
    p = x.shape[1]
    freq = np.stack([np.bincount(codes[present[:, j], j], minlength=nvalues) for j in range(p)])
    tau = _cuts(freq / freq.sum(axis=1, keepdims=True))
    first, second = pair_index(p)
    # all tables at once: one-hot over present values, one product
    onehot = np.zeros((x.shape[0], p * nvalues))
    rows, cols = np.nonzero(present)
    onehot[rows, cols * nvalues + codes[rows, cols]] = 1.0
    gram = (onehot.T @ onehot).reshape(p, nvalues, p, nvalues)
    tables = gram[first, :, second, :]  # (pairs, C, C)
    tot = tables.sum(axis=(1, 2))
    tab = tables / tot[:, None, None]
    same_max = np.nanmax(x, axis=0)
    if np.all(same_max == same_max[0]):
        t1, t2 = tau[first], tau[second]
    else:
        tab, t1, t2 = _local_tables(tab, tot)

    def objective(rho: np.ndarray) -> np.ndarray:
        pi = cell_grid(t1, t2, rho)[0]
        with np.errstate(divide="ignore", invalid="ignore"):
            lp = np.where(pi > 0, np.log(np.where(pi > 0, pi, 1.0)), 0.0)
        return -(tab * lp).sum(axis=(1, 2))

    rho = brent_fmin(objective, -1.0, 1.0, first.size)
    broken = ~np.isfinite(rho) | np.isnan(t1).any(axis=1) | np.isnan(t2).any(axis=1)
    bad = [f"{items[first[q]]} x {items[second[q]]}" for q in np.flatnonzero(broken)]
    if bad:  # psych 2.2.9 stops with an error on these tables too
        raise DataError(
            f"data: psych's polychoric cannot estimate {', '.join(bad[:5])}: the items have "
            "different numbers of categories and the 0.5 added to empty cells pushes a "
            "cumulative proportion past 1 (psych::polychoric stops here too); use "
            "method='lavaan' or merge rare categories"
        )
    mat = np.eye(p)
    mat[first, second] = mat[second, first] = rho
    return cor_smooth(mat), tau, np.full(p, nvalues), int(present.any(axis=1).sum())


def _local_tables(tab: np.ndarray, tot: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """psych's ``global = FALSE``: per table, drop empty rows and columns, put
    ``0.5 / n`` in empty cells and take thresholds from the corrected margins.
    Kept rows and columns move to the front; the rest is padding (``+inf`` cut
    points, zero proportions)."""
    pairs, c, _ = tab.shape
    out = np.zeros_like(tab)
    t1 = np.full((pairs, c - 1), np.inf)
    t2 = np.full((pairs, c - 1), np.inf)
    keep_r = tab.sum(axis=2) > 0
    keep_c = tab.sum(axis=1) > 0
    order_r = np.argsort(~keep_r, axis=1, kind="stable")
    order_c = np.argsort(~keep_c, axis=1, kind="stable")
    moved = np.take_along_axis(tab, order_r[:, :, None], axis=1)
    moved = np.take_along_axis(moved, order_c[:, None, :], axis=2)
    nr, nc = keep_r.sum(axis=1), keep_c.sum(axis=1)
    inside = (np.arange(c)[None, :, None] < nr[:, None, None]) & (
        np.arange(c)[None, None, :] < nc[:, None, None]
    )
    moved = np.where(inside & (moved == 0), CORRECT / tot[:, None, None], moved)
    out = np.where(inside, moved, 0.0)
    rcum = np.cumsum(out.sum(axis=2), axis=1)[:, :-1]
    ccum = np.cumsum(out.sum(axis=1), axis=1)[:, :-1]
    idx = np.arange(c - 1)[None, :]
    with np.errstate(invalid="ignore"):
        t1 = np.where(idx < (nr - 1)[:, None], ndtri(np.minimum(rcum, 2.0)), np.inf)
        t2 = np.where(idx < (nc - 1)[:, None], ndtri(np.minimum(ccum, 2.0)), np.inf)
    return out, t1, t2
