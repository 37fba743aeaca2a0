"""Pairwise-complete covariance and correlation matrices, vectorised.

R's ``cov(x, use = "pairwise")`` and ``cor(x, use = "pairwise")`` (and
``pandas.DataFrame.cov``/``corr``) compute each entry over the rows where
both variables are present, with means taken over those same rows.  Doing that
pair by pair is slow on a million rows; here every pairwise sum is one matrix
product over the missingness mask, accumulated over row chunks so memory stays
bounded:

* ``N = M'M``             pair counts,
* ``S = X0'M``            sum of x_i over rows where i and j are present,
* ``P = X0'X0``           sum of x_i x_j over those rows,
* ``Q = (X0*X0)'M``       sum of x_i^2 over those rows (correlations only),

with ``X0`` the data (centred by the column means for numerical stability)
and zero where missing.  Then ``cov_ij = (P_ij - S_ij S_ji / N_ij) / (N_ij - 1)``.
"""

from __future__ import annotations

import numpy as np

__all__ = ["pairwise_moments", "listwise_rows"]

_CHUNK = 131_072


def listwise_rows(x: np.ndarray) -> np.ndarray:
    """Boolean mask of the rows with no missing value."""
    return ~np.isnan(x).any(axis=1)


def pairwise_moments(x: np.ndarray, *, corr: bool = False
                     ) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """Pairwise-complete covariance (and optionally correlation) matrix.

    Parameters
    ----------
    x : numpy.ndarray
        ``n x k`` float array, NaN for missing.
    corr : bool
        Also return the pairwise-complete correlation matrix (each entry
        standardised by the standard deviations over the same pair of rows,
        as R's ``cor(use = "pairwise")``; this is *not* ``cov2cor`` of the
        covariance matrix when data are missing).

    Returns
    -------
    cov : numpy.ndarray
        ``k x k`` covariances; NaN where a pair has fewer than 2 rows.
    count : numpy.ndarray
        ``k x k`` number of rows where both items are present.
    cor : numpy.ndarray or None
        ``k x k`` correlations if requested.
    """
    n, k = x.shape
    # Shift by the means of the first rows: any shift leaves covariances
    # unchanged and a rough centre is enough for numerical stability.
    with np.errstate(invalid="ignore", divide="ignore"):
        head = x[:_CHUNK]
        cnt = (~np.isnan(head)).sum(axis=0)
        mu = np.where(cnt > 0, np.nansum(head, axis=0) / np.maximum(cnt, 1), 0.0)
    N = np.zeros((k, k))
    S = np.zeros((k, k))
    P = np.zeros((k, k))
    Q = np.zeros((k, k)) if corr else None
    for start in range(0, n, _CHUNK):
        xc = x[start:start + _CHUNK] - mu
        miss = np.isnan(xc)
        if not miss.any():
            N += xc.shape[0]
            S += xc.sum(axis=0)[:, None]
            P += xc.T @ xc
            if corr:
                Q += np.einsum("ij,ij->j", xc, xc)[:, None]
            continue
        np.copyto(xc, 0.0, where=miss)
        mf = (~miss).astype(np.float32)
        N += (mf.T @ mf).astype(np.float64)
        mf64 = mf.astype(np.float64)
        S += xc.T @ mf64
        P += xc.T @ xc
        if corr:
            Q += (xc * xc).T @ mf64
    with np.errstate(invalid="ignore", divide="ignore"):
        dev = P - S * S.T / N
        cov = dev / (N - 1)
        cov[N < 2] = np.nan
        cor = None
        if corr:
            ss = Q - S * S / N
            cor = dev / np.sqrt(ss * ss.T)
            cor[N < 2] = np.nan
            np.fill_diagonal(cor, 1.0)
    return cov, N, cor
