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

all read off one Gram matrix ``A'A`` of ``A = [X0, M, X0*X0]`` per chunk

with ``X0`` the data (centred by the column means for numerical stability)
and zero where missing.  Then ``cov_ij = (P_ij - S_ij S_ji / N_ij) / (N_ij - 1)``.
"""

from __future__ import annotations

import contextlib
import os
from concurrent.futures import ThreadPoolExecutor
from collections.abc import Iterator

import numpy as np

__all__ = ["pairwise_moments", "listwise_rows"]

_CHUNK = 65_536
_WORKERS = min(4, os.cpu_count() or 1)
_EXACT_MAX = 15   # 65_536 * 15**2 < 2**24: float32 sums stay exact



def listwise_rows(x: np.ndarray) -> np.ndarray:
    """Boolean mask of the rows with no missing value."""
    return ~np.isnan(x).any(axis=1)


def pairwise_moments(x: np.ndarray, *, corr: bool = False, integer: bool = False
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
    integer : bool
        The caller knows the values are integers (an integer dtype); skips
        the per-chunk integrality check of the exact float32 path.  Chunks of
        centred integers within +-15 are summed in float32, which is exact
        there; everything else in float64.

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
    # Shift by the (rounded) means of the first rows: any shift leaves
    # covariances unchanged and a rough centre is enough for stability.
    with np.errstate(invalid="ignore", divide="ignore"):
        head = x[:_CHUNK]
        cnt = (~np.isnan(head)).sum(axis=0)
        mu = np.where(cnt > 0, np.nansum(head, axis=0) / np.maximum(cnt, 1), 0.0)
    mu = np.rint(mu)
    # One Gram matrix per chunk of [x0, mask (, x0^2)] gives every pairwise
    # sum at once; the buffers are reused so large arrays are not re-allocated.
    blocks = 3 if corr else 2
    starts = list(range(0, n, _CHUNK))
    workers = max(1, min(_WORKERS, len(starts)))

    def fill(a: np.ndarray, chunk: np.ndarray, miss: np.ndarray) -> None:
        x0 = a[:, :k]
        np.subtract(chunk, mu, out=x0, casting="unsafe")
        np.isnan(x0, out=miss)
        np.logical_not(miss, out=a[:, k:2 * k], casting="unsafe")
        np.copyto(x0, 0.0, where=miss)
        if corr:
            np.multiply(x0, x0, out=a[:, 2 * k:])

    def work(part: list[int]) -> np.ndarray:
        rows = min(_CHUNK, max(n, 1))
        buf64 = np.empty((rows, blocks * k))
        buf32 = np.empty((rows, blocks * k), dtype=np.float32)
        miss_buf = np.empty((rows, k), dtype=bool)
        G = np.zeros((blocks * k, blocks * k))
        for start in part:
            _accumulate(x[start:start + _CHUNK], G, fill, buf32, buf64, miss_buf, k, integer)
        return G

    # Chunks are shared out to a few threads (numpy and BLAS release the GIL),
    # each running single-threaded BLAS on its own buffers.
    with _single_threaded_blas():
        if workers == 1:
            G = work(starts)
        else:
            with ThreadPoolExecutor(workers) as pool:
                G = sum(pool.map(work, [starts[i::workers] for i in range(workers)]))

    P = G[:k, :k]
    S = G[:k, k:2 * k]
    N = G[k:2 * k, k:2 * k]
    Q = G[2 * k:, k:2 * k] if corr else None
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


def _accumulate(chunk: np.ndarray, G: np.ndarray, fill, buf32: np.ndarray,  # noqa: ANN001
                buf64: np.ndarray, miss_buf: np.ndarray, k: int, integer: bool) -> None:
    """Add one chunk's Gram matrix to ``G``."""
    m = chunk.shape[0]
    miss = miss_buf[:m]
    # Exact single-precision path: centred integer codes with |x0| <= 15
    # make every product and every chunk sum an integer below 2**24.
    a = buf32[:m]
    fill(a, chunk, miss)
    x0 = a[:, :k]
    exact = (x0.max(initial=0) <= _EXACT_MAX and x0.min(initial=0) >= -_EXACT_MAX
             and (integer or bool(np.array_equal(np.rint(x0), x0))))
    if not exact:
        a = buf64[:m]
        fill(a, chunk, miss)
    G += (a.T @ a).astype(np.float64)


@contextlib.contextmanager
def _single_threaded_blas() -> Iterator[None]:
    """Run the chunk products on one BLAS thread.

    The products are tall and thin (chunk x 2k); OpenBLAS's own threading
    gains little on them and collapses when the cores are shared (measured
    0.28 s single-threaded against 1.5 s with 2 threads on a busy 2-core
    machine for 1M x 40).  Uses ``threadpoolctl`` when it is installed
    (it comes with scikit-learn / pingouin); otherwise BLAS runs as configured.
    """
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        yield
        return
    with threadpool_limits(limits=1, user_api="blas"):
        yield
