"""The standard bivariate normal distribution, vectorised over any number of points.

:func:`bvn_cdf` is Genz's BVND algorithm (Genz 2004, "Numerical computation of
rectangular bivariate and trivariate normal and t probabilities", Statistics
and Computing 14, 251-260; the algorithm of Fortran TVPACK, R's ``pbivnorm`` and
``mnormt``), written with numpy so that one call evaluates every cell of every
pair of items: Drezner and Wesolowsky's integral in ``asin(r)`` for
``|r| < 0.925`` and Genz's series with a Gauss-Legendre correction otherwise.
As in Genz's code, the Gauss-Legendre rule has 6 points for ``|r| < 0.3``, 12
for ``|r| < 0.75`` and 20 above, each accurate to about 1e-15 in its range.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike
from scipy.special import ndtr

__all__ = ["bvn_cdf", "bvn_pdf", "cell_grid", "threshold_edges"]


def _half_rule(points: int) -> tuple[np.ndarray, np.ndarray]:
    """Genz's half rule: the negative Gauss-Legendre nodes and their weights."""
    nodes, weights = np.polynomial.legendre.leggauss(points)
    return nodes[nodes < 0], weights[nodes < 0]


_X, _W = _half_rule(20)
#: Genz's rules by ``|r|``: (upper bound, nodes, weights)
_RULES = ((0.3, *_half_rule(6)), (0.75, *_half_rule(12)), (0.925, _X, _W))
_TWOPI = 2.0 * np.pi


def bvn_pdf(h: ArrayLike, k: ArrayLike, r: ArrayLike) -> np.ndarray:
    """Density of the standard bivariate normal with correlation ``r`` at ``(h, k)``.

    Infinite arguments give 0.
    """
    h, k, r = np.broadcast_arrays(*(np.asarray(v, dtype=float) for v in (h, k, r)))
    one = 1.0 - r * r
    with np.errstate(invalid="ignore", over="ignore"):
        out = np.exp(-(h * h - 2.0 * r * h * k + k * k) / (2.0 * one)) / (_TWOPI * np.sqrt(one))
    return np.where(np.isfinite(h) & np.isfinite(k), out, 0.0)


def bvn_cdf(h: ArrayLike, k: ArrayLike, r: ArrayLike) -> np.ndarray:
    """``P(X < h, Y < k)`` for standard bivariate normal ``(X, Y)`` with correlation ``r``.

    Parameters
    ----------
    h, k : array_like
        Upper limits (``-inf`` and ``inf`` allowed); broadcast together with ``r``.
    r : array_like
        Correlations, ``|r| < 1``.

    Returns
    -------
    numpy.ndarray
        The probabilities, shaped as the broadcast arguments.
    """
    h, k, r = np.broadcast_arrays(*(np.asarray(v, dtype=float) for v in (h, k, r)))
    out = np.empty(h.shape)
    fin = np.isfinite(h) & np.isfinite(k)
    # an infinite limit reduces the probability to a univariate one (or 0 / 1)
    hh, kk = np.where(np.isnan(h), 0, h), np.where(np.isnan(k), 0, k)
    out[~fin] = np.where((hh == -np.inf) | (kk == -np.inf), 0.0, np.where(hh == np.inf, ndtr(kk), ndtr(hh)))[
        ~fin
    ]
    out[fin] = _bvnu(-h[fin], -k[fin], r[fin])
    return out


def _bvnu(h: np.ndarray, k: np.ndarray, r: np.ndarray) -> np.ndarray:
    """Genz's BVNU: ``P(X > h, Y > k)`` for finite one-dimensional ``h``, ``k``, ``r``."""
    out = np.empty(h.shape)
    hk = h * k
    lower = 0.0
    for upper, nodes, weights in _RULES:
        band = (np.abs(r) >= lower) & (np.abs(r) < upper)
        lower = upper
        if band.any():
            out[band] = _bvnu_low(h[band], k[band], r[band], hk[band], nodes, weights)
    high = np.abs(r) >= 0.925
    if high.any():
        out[high] = _bvnu_high(h[high], k[high], r[high], hk[high])
    return out


def _bvnu_low(
    h: np.ndarray, k: np.ndarray, r: np.ndarray, hk: np.ndarray, nodes: np.ndarray, weights: np.ndarray
) -> np.ndarray:
    """BVNU for ``|r| < 0.925``: Drezner and Wesolowsky's integral in ``asin(r)``."""
    hs = (h * h + k * k) / 2.0
    asr = np.arcsin(r)[:, None]
    total = np.zeros(h.shape)
    for sign in (-1.0, 1.0):
        sn = np.sin(asr * (1.0 + sign * nodes) / 2.0)
        total += (weights * np.exp((sn * hk[:, None] - hs[:, None]) / (1.0 - sn * sn))).sum(axis=1)
    return total * asr[:, 0] / (2.0 * _TWOPI) + ndtr(-h) * ndtr(-k)


def _bvnu_high(h: np.ndarray, k: np.ndarray, r: np.ndarray, hk: np.ndarray) -> np.ndarray:
    """BVNU for ``|r| >= 0.925`` (Genz's series and its Gauss-Legendre correction)."""
    neg = r < 0
    k = np.where(neg, -k, k)
    hk = np.where(neg, -hk, hk)
    bvn = np.zeros(h.shape)
    inner = np.abs(r) < 1
    with np.errstate(divide="ignore", invalid="ignore", over="ignore", under="ignore"):
        as_ = (1.0 - r) * (1.0 + r)
        a = np.sqrt(as_)
        bs = (h - k) ** 2
        c = (4.0 - hk) / 8.0
        d = (12.0 - hk) / 16.0
        val = (
            a
            * np.exp(-(bs / as_ + hk) / 2.0)
            * (1.0 - c * (bs - as_) * (1.0 - d * bs / 5.0) / 3.0 + c * d * as_ * as_ / 5.0)
        )
        b = np.sqrt(bs)
        tail = (
            np.exp(-hk / 2.0)
            * np.sqrt(_TWOPI)
            * ndtr(-b / a)
            * b
            * (1.0 - c * bs * (1.0 - d * bs / 5.0) / 3.0)
        )
        val = np.where(hk > -160.0, val - tail, val)
        half = (a / 2.0)[:, None]
        for sign in (-1.0, 1.0):
            xs = (half * (sign * _X + 1.0)) ** 2
            rs = np.sqrt(1.0 - xs)
            asr = -(bs[:, None] / xs + hk[:, None]) / 2.0
            term = (
                half
                * _W
                * np.exp(asr)
                * (
                    np.exp(-hk[:, None] * xs / (2.0 * (1.0 + rs) ** 2)) / rs
                    - (1.0 + c[:, None] * xs * (1.0 + d[:, None] * xs))
                )
            )
            val = val + np.where(asr > -100.0, term, 0.0).sum(axis=1)
        bvn = np.where(inner, -val / _TWOPI, 0.0)
    mx = np.maximum(h, k)
    pos_part = bvn + ndtr(-mx)
    neg_part = -bvn + np.maximum(0.0, ndtr(-h) - ndtr(-k))
    return np.where(neg, neg_part, pos_part)


def threshold_edges(th: np.ndarray) -> np.ndarray:
    """Thresholds ``(P, C-1)`` with ``-inf`` and ``+inf`` added: ``(P, C+1)``."""
    inf = np.full((th.shape[0], 1), np.inf)
    return np.concatenate([-inf, th, inf], axis=1)


def _cells(grid: np.ndarray) -> np.ndarray:
    """Rectangle sums of a ``(P, C+1, C+1)`` grid of corner values."""
    return grid[:, 1:, 1:] - grid[:, :-1, 1:] - grid[:, 1:, :-1] + grid[:, :-1, :-1]


def cell_grid(
    t1: np.ndarray, t2: np.ndarray, rho: np.ndarray, *, second: bool = False
) -> tuple[np.ndarray, ...]:
    """Cell probabilities of every pair's table and their derivatives in ``rho``.

    Parameters
    ----------
    t1, t2 : numpy.ndarray
        ``(P, C-1)`` thresholds of the first and second item of each pair
        (padded with ``+inf``).
    rho : numpy.ndarray
        ``(P,)`` correlations.
    second : bool
        Also return the second derivative.

    Returns
    -------
    tuple of numpy.ndarray
        ``pi``, ``dpi`` (and ``d2pi``), each ``(P, C, C)``.
    """
    h, k = threshold_edges(t1)[:, :, None], threshold_edges(t2)[:, None, :]
    r = rho[:, None, None]
    pi = _cells(bvn_cdf(h, k, r))
    dens = bvn_pdf(h, k, r)
    out = [pi, _cells(dens)]
    if second:
        one = 1.0 - r * r
        with np.errstate(invalid="ignore"):
            hh, kk = np.where(np.isfinite(h), h, 0.0), np.where(np.isfinite(k), k, 0.0)
            q = hh * hh - 2.0 * r * hh * kk + kk * kk
            dlog = r / one + hh * kk / one - r * q / (one * one)
        out.append(_cells(dens * dlog))
    return tuple(out)
