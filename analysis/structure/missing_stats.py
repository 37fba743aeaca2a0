"""Sample statistics for full-information ML, computed once per group and shared by
every model fitted to it (lavaan's ``lav_samplestats`` with ``missing = "ml"``): the
rows by pattern of answered items, the saturated model (h1) by EM and the
independence model's ``-2 logL``.

The one costly routine is :func:`pattern_sums`: the ``-2 logL`` of the rows under
``N(mu, Sigma)`` and its gradient with respect to ``Sigma`` and ``mu``.  It works on
the patterns stacked by their number of answers (a few batched factorisations instead
of one per pattern) and on a pattern's sufficient statistics (its mean and scatter),
so single rows cost a matrix-vector product.  With ``D = sum_pattern n P - P C P``
(``P = Sigma_oo^-1``, ``C`` the scatter about ``mu``) and ``g = sum_pattern n P d``,
an EM step is ``mu + Sigma g / N`` and ``Sigma + (Sigma (-D) Sigma + ...) / N`` (see
:func:`em_step`): EM needs nothing the gradient does not compute already.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from analysis._moments import pairwise_moments
from analysis.structure._engine import Moments
from survey.errors import DataError

__all__ = ["Pattern", "FimlGroup", "patterns", "pattern_sums", "fiml_group", "LOG2PI"]

LOG2PI = float(np.log(2 * np.pi))
_EM_MAX_ITER = 10_000
_EM_TOL = 1e-10


@dataclass
class Pattern:
    """The patterns of answered items with ``k`` answers: sufficient statistics, stacked."""

    o: np.ndarray  # (m, k) indices of the answered items of each pattern
    n: np.ndarray  # (m,) rows per pattern
    mean: np.ndarray  # (m, k) means of the answered items
    scatter: np.ndarray  # (m, k, k) sum of (x - mean)(x - mean)' over the rows
    multi: np.ndarray  # indices of the patterns with more than one row (a scatter)
    flat: np.ndarray  # (m, k * k) positions of the answered pairs in a p x p matrix
    mis: np.ndarray  # (m, p - k) indices of the missing items of each pattern


@dataclass
class FimlGroup:
    """One group's rows by pattern, its h1 (EM) and baseline ``-2 logL``."""

    n: int
    patterns: list[Pattern]
    h1: Moments
    h1_m2ll: float
    base_m2ll: float
    x: np.ndarray  # the rows (NaN = missing), for casewise scores


def patterns(x: np.ndarray) -> list[Pattern]:
    """The rows' sufficient statistics by pattern, stacked by number of answers."""
    p = x.shape[1]
    obs = ~np.isnan(x)
    masks, inverse = np.unique(obs, axis=0, return_inverse=True)
    inverse = np.asarray(inverse).ravel()
    order = np.argsort(inverse, kind="stable")
    bounds = np.searchsorted(inverse[order], np.arange(masks.shape[0] + 1))
    blocks: dict[int, list[tuple[np.ndarray, int, np.ndarray, np.ndarray]]] = {}
    for k, mask in enumerate(masks):
        o = np.flatnonzero(mask)
        rows = x[order[bounds[k] : bounds[k + 1]]][:, o]
        mean = rows.mean(axis=0)
        dev = rows - mean
        blocks.setdefault(o.size, []).append((o, rows.shape[0], mean, dev.T @ dev))
    out = []
    for blk in blocks.values():
        o = np.stack([b[0] for b in blk])
        n = np.array([b[1] for b in blk], dtype=float)
        flat = (o[:, :, None] * p + o[:, None, :]).reshape(o.shape[0], -1)
        scatter = np.stack([b[3] for b in blk])
        mis = np.stack([np.setdiff1d(np.arange(p), b[0]) for b in blk])
        out.append(Pattern(o, n, np.stack([b[2] for b in blk]), scatter, np.flatnonzero(n > 1), flat, mis))
    return out


def _observed_side(
    blk: Pattern, sigma: np.ndarray, mu: np.ndarray, gradient: bool
) -> tuple[float, np.ndarray | None, np.ndarray | None]:
    """A stack's ``-2 logL`` (and gradient) from its answered items' submatrices."""
    p = sigma.shape[0]
    o, n, m = blk.o, blk.n, blk.multi
    s_oo = sigma[o[:, :, None], o[:, None, :]]
    chol = np.linalg.cholesky(s_oo)
    logdet = 2.0 * np.log(np.diagonal(chol, axis1=1, axis2=2)).sum(axis=1)
    d = blk.mean - mu[o]
    inv = np.linalg.inv(s_oo) if gradient else None
    p_multi = inv[m] if inv is not None else np.linalg.inv(s_oo[m])
    pd_ = (
        np.einsum("mij,mj->mi", inv, d) if inv is not None else np.linalg.solve(s_oo, d[:, :, None])[:, :, 0]
    )
    total = float((n * (o.shape[1] * LOG2PI + logdet + np.einsum("mi,mi->m", d, pd_))).sum())
    total += float(np.einsum("mij,mji->", p_multi, blk.scatter[m]))
    if inv is None:
        return total, None, None
    g_sigma = n[:, None, None] * (inv - pd_[:, :, None] * pd_[:, None, :])
    g_sigma[m] -= p_multi @ blk.scatter[m] @ p_multi
    d_sigma = np.bincount(blk.flat.ravel(), weights=g_sigma.ravel(), minlength=p * p).reshape(p, p)
    return total, d_sigma, -2.0 * np.bincount(o.ravel(), weights=(n[:, None] * pd_).ravel(), minlength=p)


def _missing_side(
    blk: Pattern, k_inv: np.ndarray, logdet: float, mu: np.ndarray, gradient: bool
) -> tuple[float, np.ndarray | None, np.ndarray | None]:
    """The same from the missing items' side: with ``K = Sigma^-1``, the embedded
    ``Sigma_oo^-1`` is ``Z = K - K_.m K_mm^-1 K_m.`` and ``|Sigma_oo| = |Sigma| |K_mm|``,
    so a pattern with ``j`` missing items costs ``p^2 j`` instead of ``k^3``."""
    p = k_inv.shape[0]
    o, mis, n, m = blk.o, blk.mis, blk.n, blk.multi
    dt = np.zeros((n.size, p))
    np.put_along_axis(dt, o, blk.mean - mu[o], axis=1)
    u = np.moveaxis(k_inv[:, mis], 0, 1)  # (m, p, j)
    k_mm = k_inv[mis[:, :, None], mis[:, None, :]]
    chol = np.linalg.cholesky(k_mm)
    logdets = logdet + 2.0 * np.log(np.diagonal(chol, axis1=1, axis2=2)).sum(axis=1)
    kd = dt @ k_inv
    v = np.linalg.solve(k_mm, np.swapaxes(u, 1, 2)) if gradient or m.size else None
    a = np.linalg.solve(k_mm, np.take_along_axis(kd, mis, axis=1)[:, :, None])[:, :, 0]
    y = kd - np.einsum("mpj,mj->mp", u, a)  # Z d
    total = float((n * (o.shape[1] * LOG2PI + logdets + np.einsum("mp,mp->m", dt, y))).sum())
    z_multi = k_inv - u[m] @ v[m] if v is not None else np.zeros((0, p, p))
    w = np.zeros((m.size, p, p))
    w.reshape(m.size, p * p)[np.arange(m.size)[:, None], blk.flat[m]] = blk.scatter[m].reshape(
        m.size, blk.flat.shape[1]
    )
    total += float(np.einsum("mij,mji->", z_multi, w))
    if not gradient or v is None:
        return total, None, None
    j = mis.shape[1]
    uv = np.moveaxis(u * n[:, None, None], 0, 1).reshape(p, n.size * j) @ v.reshape(n.size * j, p)
    d_sigma = n.sum() * k_inv - uv
    d_sigma -= (y * n[:, None]).T @ y + (z_multi @ w @ z_multi).sum(axis=0)
    return total, d_sigma, -2.0 * (n @ y)


def pattern_sums(
    pats: list[Pattern], sigma: np.ndarray, mu: np.ndarray, *, gradient: bool = False
) -> tuple[float, np.ndarray, np.ndarray]:
    """``-2 logL`` of the rows under ``N(mu, Sigma)`` (answered items only), and its
    gradient: ``D`` with ``d(-2 logL) = tr(D dSigma)`` and ``d(-2 logL)/d mu`` (zeros
    unless ``gradient``).  Stacks with fewer missing than answered items are worked from
    the missing side (:func:`_missing_side`) when ``Sigma`` is positive definite.

    Raises ``np.linalg.LinAlgError`` when a submatrix is not positive definite.
    """
    p = sigma.shape[0]
    try:
        chol = np.linalg.cholesky(sigma)
        k_inv = np.linalg.inv(sigma)
        logdet = 2.0 * float(np.log(np.diag(chol)).sum())
    except np.linalg.LinAlgError:
        k_inv = None
    total, d_sigma, d_mu = 0.0, np.zeros((p, p)), np.zeros(p)
    for blk in pats:
        if k_inv is not None and blk.mis.shape[1] < blk.o.shape[1]:
            f, ds, dm = _missing_side(blk, k_inv, logdet, mu, gradient)
        else:
            f, ds, dm = _observed_side(blk, sigma, mu, gradient)
        total += f
        if ds is not None and dm is not None:
            d_sigma += ds
            d_mu += dm
    return total, d_sigma, d_mu


def em_step(
    pats: list[Pattern], n: int, sigma: np.ndarray, mu: np.ndarray
) -> tuple[np.ndarray, np.ndarray, float]:
    """One EM step of the saturated model from the gradient of ``-2 logL``.

    With ``g = -d_mu / 2`` and ``R = -D``: ``E[sum x] = N mu + Sigma g`` and
    ``E[sum x x'] = N (mu mu' + Sigma) + mu (Sigma g)' + (Sigma g) mu' + Sigma R Sigma``.
    Returns the new ``Sigma``, ``mu`` and ``-2 logL`` at the old ones.
    """
    m2ll, d_sigma, d_mu = pattern_sums(pats, sigma, mu, gradient=True)
    sg = sigma @ (-d_mu / 2.0)
    mu_new = mu + sg / n
    t2 = n * (np.outer(mu, mu) + sigma) + np.outer(mu, sg) + np.outer(sg, mu) - sigma @ d_sigma @ sigma
    sigma_new = t2 / n - np.outer(mu_new, mu_new)
    return (sigma_new + sigma_new.T) / 2.0, mu_new, m2ll


def _start(x: np.ndarray, label: object, items: list[str]) -> tuple[np.ndarray, np.ndarray]:
    counts = (~np.isnan(x)).sum(axis=0)
    thin = [items[j] for j in np.flatnonzero(counts < 2)]
    if thin:
        raise DataError(
            f"data: item(s) {thin} have fewer than 2 answers in group {label!r}; "
            "full-information ML needs every item answered at least twice"
        )
    var = np.nanvar(x, axis=0)
    if np.any(var <= 1e-12):
        flat = [items[j] for j in np.flatnonzero(var <= 1e-12)]
        raise DataError(
            f"data: item(s) {flat} do not vary in group {label!r}; a CFA needs positive-definite covariances"
        )
    start = pairwise_moments(x).cov * ((counts - 1) / counts)[:, None]  # near h1, if positive definite
    try:
        np.linalg.cholesky(start)
    except np.linalg.LinAlgError:
        start = np.diag(var)
    return np.nanmean(x, axis=0), (start + start.T) / 2


def _squarem(
    pats: list[Pattern], n: int, sigma: np.ndarray, mu: np.ndarray
) -> tuple[np.ndarray, np.ndarray, float]:
    """One SQUAREM cycle (Varadhan & Roland 2008, scheme S3): two EM steps, an
    extrapolation along them, and an EM step from there; plain EM when the
    extrapolated point is not positive definite or has a lower likelihood."""
    s1, m1, f0 = em_step(pats, n, sigma, mu)
    s2, m2, f1 = em_step(pats, n, s1, m1)
    r = np.concatenate([(s1 - sigma).ravel(), m1 - mu])
    v = np.concatenate([(s2 - 2 * s1 + sigma).ravel(), m2 - 2 * m1 + mu])
    if not np.any(v):
        return s2, m2, f1
    alpha = min(-np.sqrt((r @ r) / (v @ v)), -1.0)
    p = sigma.shape[0]
    step = -2 * alpha * r + alpha**2 * v
    s_x, m_x = sigma + step[: p * p].reshape(p, p), mu + step[p * p :]
    try:
        s3, m3, f_x = em_step(pats, n, (s_x + s_x.T) / 2, m_x)
    except np.linalg.LinAlgError:
        return s2, m2, f1
    if f_x > f1:
        return s2, m2, f1
    return s3, m3, f_x


def em_h1(
    pats: list[Pattern], n: int, x: np.ndarray, label: object, items: list[str]
) -> tuple[Moments, float]:
    """The saturated model by EM (accelerated by SQUAREM): means and covariances
    (divisor N) and its ``-2 logL``.

    Stops when no mean or covariance moves by more than 1e-10 in a cycle; ``-2 logL``
    is then exact to far below 1e-10 (the likelihood is flat at its maximum).
    """
    mu, sigma = _start(x, label, items)
    for _ in range(_EM_MAX_ITER):
        try:
            sigma_new, mu_new, _ = _squarem(pats, n, sigma, mu)
        except np.linalg.LinAlgError:  # the moments run singular (fewer rows than items)
            sigma = np.zeros_like(sigma)
            break
        change = max(np.abs(mu_new - mu).max(), np.abs(sigma_new - sigma).max())
        mu, sigma = mu_new, sigma_new
        if change < _EM_TOL:
            break
    sign, logdet = np.linalg.slogdet(sigma)
    if sign <= 0:
        raise DataError(
            f"data: the EM covariance matrix of the items in group {label!r} is "
            "singular (fewer responses than items, or some items are linear combinations of others)"
        )
    m2ll, _, _ = pattern_sums(pats, sigma, mu)
    return Moments(n, sigma, mu, float(logdet)), m2ll


def baseline_m2ll(x: np.ndarray) -> float:
    """``-2 logL`` of the independence model: item by item, ML mean and variance."""
    answered = (~np.isnan(x)).sum(axis=0)
    return float((answered * (LOG2PI + np.log(np.nanvar(x, axis=0)) + 1.0)).sum())


def fiml_group(x: np.ndarray, label: object, items: list[str]) -> FimlGroup:
    """Everything FIML needs of one group's rows, computed once (a ladder's steps share it)."""
    pats = patterns(x)
    h1, h1_m2ll = em_h1(pats, x.shape[0], x, label, items)
    return FimlGroup(x.shape[0], pats, h1, h1_m2ll, baseline_m2ll(x), x)
