"""The asymptotic covariance matrix of thresholds and polychoric correlations.

lavaan's ``muthen1984`` (Muthen 1984; lavaan's ``lav_samplestats_step2`` for
ordered items without covariates): with ``SC`` the case-wise scores of the
univariate threshold likelihoods and of each pair's bivariate likelihood in
its correlation,

* ``INNER = SC' SC``;
* ``A11`` the univariate blocks of ``INNER`` (item by item), ``A22`` the
  diagonal of the correlation scores' cross products, ``A21`` the cross
  products of each correlation score with the derivative of its bivariate
  log-likelihood in the two items' thresholds;
* ``B^-1 = [[A11^-1, 0], [-A22^-1 A21 A11^-1, A22^-1]]`` and
  ``NACOV = N B^-1 INNER B^-T`` (``gamma.n.minus.one = FALSE``).

Everything but ``INNER`` comes from the bivariate tables (sums over cells);
``INNER`` is one symmetric rank-``N`` update built in chunks of rows from
per-cell score tables (no Python loop over rows or pairs).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import sparse
from scipy.linalg.blas import dsyrk, ssyrk
from scipy.special import ndtr

from analysis.structure._threads import one_blas_thread
from analysis.structure.bvn import bvn_pdf, cell_grid, threshold_edges
from analysis.structure.ordinal_data import OrdinalSample, pair_index

__all__ = ["Scores", "scores", "nacov"]

_CHUNK = 2_048
#: ``N m^2`` above which INNER is formed from float32 chunk products (see :func:`nacov`).
SINGLE_ABOVE = 1e10


@dataclass
class Scores:
    """Per-cell scores and the blocks of ``B`` (see the module docstring)."""

    uni: list[np.ndarray]  # per item: (K, K-1) threshold scores of each category
    ratio: np.ndarray  # (pairs, C, C) correlation score of each cell
    a11_inv: list[np.ndarray]  # per item: (K-1, K-1)
    a21: np.ndarray  # (pairs, T) sparse in effect: the pair's two items only
    a22: np.ndarray  # (pairs,)
    th_start: np.ndarray  # first threshold column of each item


def _univariate(sample: OrdinalSample) -> tuple[list[np.ndarray], list[np.ndarray]]:
    uni, a11_inv = [], []
    for i, k in enumerate(sample.ncat):
        th = sample.thresholds[i, : k - 1]
        edges = np.concatenate([[-np.inf], th, [np.inf]])
        prob = np.diff(ndtr(edges))
        dens = np.exp(-(th**2) / 2) / np.sqrt(2 * np.pi)
        s = np.zeros((k, k - 1))
        s[np.arange(k - 1), np.arange(k - 1)] = dens / prob[:-1]  # upper cut of category a
        s[np.arange(1, k), np.arange(k - 1)] -= dens / prob[1:]  # lower cut of category a
        counts = np.bincount(sample.codes[:, i], minlength=k).astype(float)
        a11 = (s * counts[:, None]).T @ s
        uni.append(s)
        a11_inv.append(np.linalg.inv(a11))
    return uni, a11_inv


def scores(sample: OrdinalSample, rho: np.ndarray) -> Scores:
    """Score tables and ``B``'s blocks at the thresholds and correlations ``rho``."""
    p = sample.ncat.size
    first, second = pair_index(p)
    t1, t2 = sample.thresholds[first], sample.thresholds[second]
    n = sample.tables
    pi, dpi = cell_grid(t1, t2, rho)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(pi > 0, dpi / pi, 0.0)
        q = np.where(n > 0, n * ratio / pi, 0.0)
    h, k = threshold_edges(t1), threshold_edges(t2)
    s = np.sqrt(1.0 - rho * rho)[:, None, None]
    r = rho[:, None, None]
    hh, kk = h[:, :, None], k[:, None, :]
    with np.errstate(invalid="ignore"):
        # d Phi2(h_a, k_b) / d h_a and / d k_b at the interior cut points
        d1 = np.where(
            np.isfinite(hh),
            bvn_pdf(hh, 0.0, 0.0)
            * np.sqrt(2 * np.pi)
            * ndtr((kk - r * np.where(np.isfinite(hh), hh, 0.0)) / s),
            0.0,
        )
        d2 = np.where(
            np.isfinite(kk),
            bvn_pdf(0.0, kk, 0.0)
            * np.sqrt(2 * np.pi)
            * ndtr((hh - r * np.where(np.isfinite(kk), kk, 0.0)) / s),
            0.0,
        )
    c = n.shape[1]
    g1 = d1[:, 1:c, 1:] - d1[:, 1:c, :-1]  # (pairs, C-1 cuts, C cells of item 2)
    g2 = d2[:, 1:, 1:c] - d2[:, :-1, 1:c]  # (pairs, C cells of item 1, C-1 cuts)
    a21_first = (g1 * (q[:, :-1, :] - q[:, 1:, :])).sum(axis=2)  # (pairs, C-1)
    a21_second = (g2 * (q[:, :, :-1] - q[:, :, 1:])).sum(axis=1)  # (pairs, C-1)
    uni, a11_inv = _univariate(sample)
    th_start = np.concatenate([[0], np.cumsum(sample.ncat - 1)])
    a21 = np.zeros((first.size, int(th_start[-1])))
    cut = np.arange(c - 1)
    for item_of, part in ((first, a21_first), (second, a21_second)):
        valid = cut[None, :] < (sample.ncat[item_of] - 1)[:, None]
        rows = np.repeat(np.arange(first.size), valid.sum(axis=1))
        cols = (th_start[item_of][:, None] + cut[None, :])[valid]
        a21[rows, cols] = part[valid]
    a22 = (n * ratio**2).sum(axis=(1, 2))
    return Scores(uni, ratio, a11_inv, a21, a22, th_start[:-1])


def _b_inverse(sc: Scores) -> np.ndarray:
    t = sum(a.shape[0] for a in sc.a11_inv)
    a11_inv = np.zeros((t, t))
    for start, block in zip(sc.th_start, sc.a11_inv):
        a11_inv[start : start + block.shape[0], start : start + block.shape[0]] = block
    pstar = sc.a22.size
    binv = np.zeros((t + pstar, t + pstar))
    binv[:t, :t] = a11_inv
    binv[t:, :t] = -(sc.a21 @ a11_inv) / sc.a22[:, None]
    binv[t:, t:] = np.diag(1.0 / sc.a22)
    return binv


def _inner(sample: OrdinalSample, sc: Scores, single: bool) -> np.ndarray:
    """``SC' SC`` accumulated over chunks of rows (one BLAS thread: the
    products are tall and thin).  ``single``: each chunk's product in float32,
    summed in float64 (see :func:`nacov`)."""
    codes = sample.codes.astype(np.int64)
    p = codes.shape[1]
    first, second = pair_index(p)
    c = sc.ratio.shape[1]
    dtype = np.float32 if single else np.float64
    syrk = ssyrk if single else dsyrk
    flat_ratio = sc.ratio.reshape(-1).astype(dtype)
    uni = [u.astype(dtype) for u in sc.uni]
    base = np.arange(first.size) * c * c
    t = int(sum(u.shape[1] for u in sc.uni))
    m = t + first.size
    inner = np.zeros((m, m))
    buf = np.empty((_CHUNK, m), order="F", dtype=dtype)
    with one_blas_thread():
        for start in range(0, codes.shape[0], _CHUNK):
            block = codes[start : start + _CHUNK]
            rows = block.shape[0]
            a = buf[:rows]
            for i, u in enumerate(uni):
                a[:, sc.th_start[i] : sc.th_start[i] + u.shape[1]] = u[block[:, i]]
            a[:, t:] = flat_ratio[base + block[:, first] * c + block[:, second]]
            inner += syrk(1.0, a, trans=1, lower=0)
    return np.triu(inner) + np.triu(inner, 1).T


def nacov(sample: OrdinalSample, rho: np.ndarray, *, single: bool | None = None) -> np.ndarray:
    """``NACOV`` of ``(thresholds, polychorics)`` in lavaan's order (thresholds
    item by item, then the correlations in :func:`pair_index` order).

    ``single``: form ``INNER`` from float32 products of chunks of
    :data:`_CHUNK` rows, each added to a float64 sum.  That halves the one
    cost that grows with ``N m^2`` (``m`` thresholds + correlations; 100,000
    rows x 37 items is 6.6e10 multiply-adds); its relative error, about 1e-6
    at most per chunk and smaller in the sum, is far below the sampling error
    of ``NACOV``.  Default (None): single precision above
    :data:`SINGLE_ABOVE` multiply-adds, double below (every reference data
    set of the tests is below).
    """
    sc = scores(sample, rho)
    binv = sparse.csr_array(_b_inverse(sc))  # block-triangular, a few non-zeros a row
    m = binv.shape[0]
    if single is None:
        single = sample.n * m * m > SINGLE_ABOVE
    with one_blas_thread():
        half = binv @ _inner(sample, sc, single)  # B^-1 INNER
        return sample.n * (binv @ half.T).T  # (B^-1 (B^-1 INNER)')' = B^-1 INNER B^-T
