"""Pairwise-complete covariance and correlation matrices, vectorised.

R's ``cov(x, use = "pairwise")`` and ``cor(x, use = "pairwise")`` (and
``pandas.DataFrame.cov``/``corr``) compute each entry over the rows where
both variables are present, with means taken over those same rows.  Doing that
pair by pair is slow on a million rows; here every pairwise sum is one matrix
product over the missingness mask ``M`` (1 where present), accumulated over
row chunks small enough to stay in the CPU cache:

* ``N = M'M``             pair counts,
* ``S = X0'M``            sum of x_i over rows where i and j are present,
* ``P = X0'X0``           sum of x_i x_j over those rows,
* ``Q = (X0*X0)'M``       sum of x_i^2 over those rows (correlations only),

all read off one Gram matrix ``A'A`` of ``A = [X0, M (, X0*X0)]`` per chunk,
with ``X0`` the data shifted by a rough centre of each column (any shift
leaves covariances unchanged; it avoids cancellation) and zero where missing.
Then ``cov_ij = (P_ij - S_ij S_ji / N_ij) / (N_ij - 1)``.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import NamedTuple

import numpy as np

__all__ = ["Moments", "pairwise_moments", "listwise_rows"]

_CHUNK = 4_096  # rows per product: the chunk buffers stay in a core's L2 cache
_HEAD = 65_536  # rows that set the centre of each column
_WORKERS = min(4, os.cpu_count() or 1)


class Moments(NamedTuple):
    """Pairwise-complete moments of a data matrix (see :func:`pairwise_moments`)."""

    cov: np.ndarray
    count: np.ndarray  # type: ignore[assignment]  # a field, shadowing tuple.count
    cor: np.ndarray | None
    rows: int


def listwise_rows(x: np.ndarray) -> np.ndarray:
    """Boolean mask of the rows with no missing value."""
    return ~np.isnan(x).any(axis=1)


def pairwise_moments(x: np.ndarray | Sequence[np.ndarray], *, corr: bool = False) -> Moments:
    """Pairwise-complete covariance (and optionally correlation) matrix.

    Parameters
    ----------
    x : numpy.ndarray or sequence of numpy.ndarray
        ``n x k`` float array, NaN for missing, or its ``k`` columns as
        one-dimensional float arrays of length ``n`` (so the columns of a
        DataFrame can be used without copying them into one matrix).
    corr : bool
        Also return the pairwise-complete correlation matrix (each entry
        standardised by the standard deviations over the same pair of rows,
        as R's ``cor(use = "pairwise")``; this is *not* ``cov2cor`` of the
        covariance matrix when data are missing).

    Returns
    -------
    Moments
        ``cov``: ``k x k`` covariances, NaN where a pair has fewer than 2
        rows; ``count``: ``k x k`` rows where both items are present;
        ``cor``: ``k x k`` correlations if requested, else None;
        ``rows``: rows with at least one value present.
    """
    columns = list(x.T) if isinstance(x, np.ndarray) else [np.asarray(c) for c in x]
    k = len(columns)
    n = len(columns[0]) if k else 0
    mu = _centre(columns)
    blocks = 3 if corr else 2
    starts = list(range(0, n, _CHUNK))
    # a thread only pays for itself with a few dozen chunks to do
    workers = max(1, min(_WORKERS, len(starts) // 16))

    def work(part: list[int]) -> tuple[np.ndarray, int]:
        acc = _Accumulator(columns, mu, blocks, min(_CHUNK, max(n, 1)))
        for start in part:
            acc.add(start)
        return acc.G, acc.rows

    # Chunks are shared out to a few threads (numpy and BLAS release the GIL),
    # each running single-threaded BLAS on its own buffers.
    with _single_threaded_blas():
        if workers == 1:
            parts = [work(starts)]
        else:
            with ThreadPoolExecutor(workers) as pool:
                parts = list(pool.map(work, [starts[i::workers] for i in range(workers)]))
    G: np.ndarray = np.sum([p[0] for p in parts], axis=0)
    rows = sum(p[1] for p in parts)

    P = G[:k, :k]
    S = G[:k, k : 2 * k]
    N = G[k : 2 * k, k : 2 * k]
    with np.errstate(invalid="ignore", divide="ignore"):
        dev = P - S * S.T / N
        cov = dev / (N - 1)
        cov[N < 2] = np.nan
        cor = None
        if corr:
            Q = G[2 * k :, k : 2 * k]
            ss = Q - S * S / N
            cor = dev / np.sqrt(ss * ss.T)
            cor[N < 2] = np.nan
            np.fill_diagonal(cor, 1.0)
    return Moments(cov, N, cor, int(rows))


def _centre(columns: list[np.ndarray]) -> np.ndarray:
    """Mean of the first rows of each column (0 for an empty column).

    Any shift leaves covariances unchanged and a rough centre is enough to
    avoid cancellation in ``P - S S' / N``.
    """
    mu = np.zeros(len(columns))
    with np.errstate(invalid="ignore", divide="ignore"):
        for j, col in enumerate(columns):
            head = col[:_HEAD]
            present = ~np.isnan(head)
            if present.any():
                mu[j] = head[present].mean()
    return mu


class _Accumulator:
    """Gram matrix of ``[X0, M (, X0^2)]`` summed over chunks, with reused buffers."""

    def __init__(self, columns: list[np.ndarray], mu: np.ndarray, blocks: int, rows: int) -> None:
        k = len(columns)
        self.columns, self.mu, self.k = columns, mu, k
        self.corr = blocks == 3
        # Fortran order: each column is contiguous, as is each source column.
        self.buf = np.empty((rows, blocks * k), order="F")
        self.miss = np.empty((rows, k), dtype=bool, order="F")
        self.G = np.zeros((blocks * k, blocks * k))
        self.rows = 0

    def add(self, start: int) -> None:
        """Add the Gram matrix of the chunk starting at row ``start``."""
        k = self.k
        stop = min(start + _CHUNK, len(self.columns[0]))
        m = stop - start
        a = self.buf[:m]
        x0 = a[:, :k]
        for j, col in enumerate(self.columns):
            np.subtract(col[start:stop], self.mu[j], out=x0[:, j])
        miss = self.miss[:m]
        np.isnan(x0, out=miss)
        self.rows += m - int(np.count_nonzero(miss.all(axis=1)))
        np.copyto(x0, 0.0, where=miss)
        np.logical_not(miss, out=a[:, k : 2 * k], casting="unsafe")
        if self.corr:
            np.multiply(x0, x0, out=a[:, 2 * k :])
        self.G += a.T @ a


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
