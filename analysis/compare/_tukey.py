"""The studentized range distribution on arrays, by fixed Gauss-Legendre quadrature.

``P(Q <= q; k, df) = int f_S(s) W(q s) ds`` with ``S = sqrt(chi2_df / df)`` and
``W(w) = k int phi(z) [Phi(z) - Phi(z - w)]^(k-1) dz`` the range distribution of ``k``
standard normals (the double integral of R's ``ptukey`` and scipy's
``studentized_range``).  scipy evaluates it with adaptive ``nquad`` per element (about
25 ms each); here both integrals use fixed nodes (128 in ``s`` between the 1e-15 and
1 - 1e-15 quantiles of ``S``, 96 in ``z`` on [-8.5, 8.5]) for every element at once:
agreement with scipy to about 1e-11 over k = 2..8, df = 2..9,000, at a thousandth of
the time; above 25,000 df the limit ``S = 1``, as R's ``ptukey``.  The quantile starts
from statsmodels' table interpolation and takes Newton steps on these.
"""

from __future__ import annotations

import numpy as np
from scipy import special, stats

__all__ = ["sr_cdf", "sr_sf", "sr_ppf"]

_ZN, _ZW = np.polynomial.legendre.leggauss(96)
_SN, _SW = np.polynomial.legendre.leggauss(128)
_ZMAX = 8.5
_DF_LARGE = 25_000  # above it, the infinite-df distribution (R's ptukey: dlarg)
_CHUNK = 128  # elements per batch of (elements x 128 x 96) arrays
_Z = _ZMAX * _ZN
_PHI_W = _ZMAX * _ZW * np.exp(-0.5 * _Z * _Z) / np.sqrt(2.0 * np.pi)


def _s_nodes(df: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Nodes in ``s`` and their weights times the density of ``S`` (rows: elements)."""
    lo = np.sqrt(stats.chi2.ppf(1e-15, df) / df)
    hi = np.sqrt(stats.chi2.isf(1e-15, df) / df)
    half = (hi - lo)[:, None] / 2
    s = (lo + hi)[:, None] / 2 + half * _SN[None, :]
    nu = df[:, None]
    logf = (nu - 1) * np.log(s) - nu * s * s / 2  # the density up to its constant ...
    weight = np.exp(logf - logf.max(axis=1, keepdims=True)) * half * _SW[None, :]
    return s, weight / weight.sum(axis=1, keepdims=True)  # ... which the nodes' total sets


def _integrals(q: np.ndarray, k: int, df: np.ndarray, *, density: bool) -> np.ndarray:
    s, weight = _s_nodes(df)
    large = df > _DF_LARGE  # R's ptukey (and scipy) take the limit: S = 1
    s[large], weight[large] = 1.0, 0.0
    weight[large, 0] = 1.0
    diff = special.ndtr(_Z) - special.ndtr(_Z - (q[:, None] * s)[..., None])
    diff = np.clip(diff, 0.0, 1.0)
    if not density:
        return (weight * (k * diff ** (k - 1) @ _PHI_W)).sum(axis=1)
    w = q[:, None] * s
    shifted = np.exp(-0.5 * (_Z - w[..., None]) ** 2) / np.sqrt(2.0 * np.pi)
    inner = k * (k - 1) * (shifted * diff ** (k - 2)) @ _PHI_W
    return (weight * s * inner).sum(axis=1)


def _apply(q: np.ndarray | float, k: int, df: np.ndarray | float, *, density: bool) -> np.ndarray:
    q_arr, df_arr = np.broadcast_arrays(np.asarray(q, dtype=float), np.asarray(df, dtype=float))
    flat_q, flat_df = q_arr.ravel(), np.minimum(df_arr.ravel(), 1e7)
    out = np.empty(flat_q.size)
    for start in range(0, flat_q.size, _CHUNK):
        part = slice(start, start + _CHUNK)
        out[part] = _integrals(flat_q[part], k, flat_df[part], density=density)
    return out.reshape(q_arr.shape)


def sr_cdf(q: np.ndarray | float, k: int, df: np.ndarray | float) -> np.ndarray:
    """``P(Q <= q)`` of the studentized range of ``k`` means with ``df`` degrees of freedom."""
    return np.clip(_apply(q, k, df, density=False), 0.0, 1.0)


def sr_sf(q: np.ndarray | float, k: int, df: np.ndarray | float) -> np.ndarray:
    """``P(Q > q)``: the p value of a studentized range ``q``."""
    return 1.0 - sr_cdf(q, k, df)


def sr_ppf(p: float, k: int, df: np.ndarray) -> np.ndarray:
    """The ``p`` quantile for every ``df`` (Newton from statsmodels' ``qsturng`` start)."""
    from statsmodels.stats.libqsturng import qsturng

    df = np.asarray(df, dtype=float)
    if 0.1 <= p <= 0.999:
        q = np.array([qsturng(p, k, min(d, 1e38)) for d in df.ravel()], dtype=float).reshape(df.shape)
    else:  # outside qsturng's table: the normal range's quantile is a fair start
        q = np.full(df.shape, float(stats.studentized_range.ppf(p, k, np.inf)))
    for _ in range(4):
        step = (sr_cdf(q, k, df) - p) / _apply(q, k, df, density=True)
        q = q - step
        if np.all(np.abs(step) < 1e-12 * np.maximum(1.0, q)):
            break
    return q
