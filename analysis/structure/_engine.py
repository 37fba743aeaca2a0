"""Maximum-likelihood estimation of a (multi-group) CFA: layout, fit, information.

The model of group ``g`` is ``Sigma = Lambda Phi Lambda' + Theta`` (``Theta``
diagonal) and, with a mean structure, ``mu = nu + Lambda alpha``.  Every free
number is one entry of the parameter vector; an equality constraint across
groups is the same entry used in several groups (so the constrained model has
fewer parameters, exactly as lavaan's ``group.equal``).

The discrepancy is lavaan's: ``F = sum_g (N_g / N) f_g`` with
``f_g = log|Sigma| + tr(S Sigma^-1) - log|S| - p + (m - mu)' Sigma^-1 (m - mu)``,
``chi2 = N F``.  It is minimised on the analytic gradient (:func:`gradient`), by
Fisher scoring with the expected information while the steps are large, then by
BFGS updates of its inverse, halving steps that do not decrease ``F``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from scipy import linalg

from analysis.structure._threads import one_blas_thread

EQUALITY = ("loadings", "intercepts", "residuals")
_MAX_ITER = 500


@dataclass(frozen=True)
class Layout:
    """Where each free parameter sits, per group (-1 = fixed).

    ``lam[g, i]`` indexes item ``i``'s loading on factor ``factor_of[i]``
    (fixed to 1 for the factor's first item); ``phi[g]`` is symmetric;
    ``nu``/``alpha`` exist only with a mean structure (``alpha`` fixed to 0
    unless intercepts are equal, then free in every group but the first).
    """

    factor_of: np.ndarray
    k: int
    lam: np.ndarray
    phi: np.ndarray
    theta: np.ndarray
    nu: np.ndarray | None
    alpha: np.ndarray | None
    npar: int

    @property
    def groups(self) -> int:
        return self.lam.shape[0]

    def group_npar(self, g: int) -> int:
        """Free parameters that enter group ``g`` (shared ones included)."""
        return int(group_params(self, g).size)


def layout(
    factor_of: np.ndarray, k: int, groups: int, meanstructure: bool, equal: tuple[str, ...] = ()
) -> Layout:
    """Number the free parameters of a simple-structure CFA in ``groups`` groups."""
    p = factor_of.size
    counter = iter(range(10**9))
    marker = np.zeros(p, dtype=bool)
    for j in range(k):
        marker[np.flatnonzero(factor_of == j)[0]] = True
    lam = np.full((groups, p), -1)
    phi = np.full((groups, k, k), -1)
    theta = np.full((groups, p), -1)
    nu = np.full((groups, p), -1)  # dropped below without a mean structure
    alpha = np.full((groups, k), -1)
    for g in range(groups):
        if g and "loadings" in equal:
            lam[g] = lam[0]
        else:
            lam[g, ~marker] = [next(counter) for _ in range(int((~marker).sum()))]
        for a in range(k):
            for b in range(a + 1):
                phi[g, a, b] = phi[g, b, a] = next(counter)
        theta[g] = theta[0] if g and "residuals" in equal else [next(counter) for _ in range(p)]
        if meanstructure:
            nu[g] = nu[0] if g and "intercepts" in equal else [next(counter) for _ in range(p)]
            if g and "intercepts" in equal:
                alpha[g] = [next(counter) for _ in range(k)]
    if not meanstructure:
        return Layout(factor_of, k, lam, phi, theta, None, None, next(counter))
    return Layout(factor_of, k, lam, phi, theta, nu, alpha, next(counter))


def carry_over(before: Layout, x: np.ndarray, after: Layout, start: np.ndarray) -> np.ndarray:
    """Start values for ``after`` from the estimate ``x`` of ``before`` (the step below on a
    ladder): every free number of ``after`` that was free in ``before`` takes its value there
    (a parameter now shared across groups takes the first group's), the rest keep ``start``."""
    out = start.copy()
    parts = ["lam", "phi", "theta"] + (
        ["nu", "alpha"] if after.nu is not None and before.nu is not None else []
    )
    for name in parts:
        new, old = getattr(after, name), getattr(before, name)
        for g in reversed(range(after.groups)):  # group 0 last: shared parameters take its value
            both = (new[g] >= 0) & (old[g] >= 0)
            out[new[g][both]] = x[old[g][both]]
    return out


def matrices(lay: Layout, x: np.ndarray, g: int):
    """``Lambda, Phi, theta (diagonal), nu, alpha`` of group ``g`` at ``x``."""
    p = lay.factor_of.size
    take = lambda idx, fixed: np.where(idx >= 0, x[np.maximum(idx, 0)], fixed)  # noqa: E731
    lam = np.zeros((p, lay.k))
    lam[np.arange(p), lay.factor_of] = take(lay.lam[g], 1.0)
    phi = take(lay.phi[g], 0.0)
    theta = take(lay.theta[g], 0.0)
    nu = take(lay.nu[g], 0.0) if lay.nu is not None else None
    alpha = take(lay.alpha[g], 0.0) if lay.alpha is not None else None
    return lam, phi, theta, nu, alpha


def implied(lay: Layout, x: np.ndarray, g: int) -> tuple[np.ndarray, np.ndarray | None]:
    """Model-implied covariance matrix and means (None without mean structure)."""
    lam, phi, theta, nu, alpha = matrices(lay, x, g)
    sigma = lam @ phi @ lam.T + np.diag(theta)
    return sigma, (nu + lam @ alpha if nu is not None else None)


def group_params(lay: Layout, g: int) -> np.ndarray:
    """Sorted indices of the free parameters that enter group ``g``."""
    parts = [lay.lam[g], lay.phi[g].ravel(), lay.theta[g]]
    if lay.nu is not None and lay.alpha is not None:
        parts += [lay.nu[g], lay.alpha[g]]
    idx = np.concatenate(parts)
    return np.unique(idx[idx >= 0])


def model_derivatives(lay: Layout, x: np.ndarray, g: int) -> tuple[np.ndarray, np.ndarray | None]:
    """d Sigma / d x and d mu / d x of group ``g``, for the group's own
    parameters only (rows in the order of :func:`group_params`)."""
    p = lay.factor_of.size
    own = group_params(lay, g)
    local = np.full(lay.npar, -1)
    local[own] = np.arange(own.size)
    lam, phi, _, _, alpha = matrices(lay, x, g)
    dsig = np.zeros((own.size, p, p))
    dmu = np.zeros((own.size, p)) if lay.nu is not None else None
    lphi = lam @ phi
    for i in np.flatnonzero(lay.lam[g] >= 0):
        a, j = local[lay.lam[g, i]], lay.factor_of[i]
        dsig[a, i, :] += lphi[:, j]
        dsig[a, :, i] += lphi[:, j]
        if dmu is not None:
            dmu[a, i] += alpha[j]
    for r in range(lay.k):
        for c in range(r + 1):
            outer = np.outer(lam[:, r], lam[:, c])
            dsig[local[lay.phi[g, r, c]]] += outer if r == c else outer + outer.T
    dsig[local[lay.theta[g]], np.arange(p), np.arange(p)] += 1.0
    if dmu is not None and lay.nu is not None and lay.alpha is not None:
        dmu[local[lay.nu[g]], np.arange(p)] += 1.0
        for j in np.flatnonzero(lay.alpha[g] >= 0):
            dmu[local[lay.alpha[g, j]]] += lam[:, j]
    return dsig, dmu


@dataclass
class Moments:
    """Sample moments of one group (covariances with divisor N)."""

    n: int
    cov: np.ndarray
    mean: np.ndarray
    logdet: float


def discrepancy(lay: Layout, x: np.ndarray, moments: list[Moments], *, derivatives: bool = False):
    """``F`` (and, if asked, its gradient and the weighted unit expected information).

    Returns ``inf`` when an implied covariance matrix is not positive definite.
    """
    n_total = sum(m.n for m in moments)
    f = 0.0
    grad = np.zeros(lay.npar)
    info = np.zeros((lay.npar, lay.npar))
    for g, m in enumerate(moments):
        sigma, mu = implied(lay, x, g)
        try:
            chol = np.linalg.cholesky(sigma)
        except np.linalg.LinAlgError:
            return (np.inf, None, None) if derivatives else np.inf
        inv = np.linalg.inv(sigma)
        logdet = 2.0 * np.log(np.diag(chol)).sum()
        p = sigma.shape[0]
        fg = logdet + np.sum(m.cov * inv) - m.logdet - p
        d = m.mean - mu if mu is not None else None
        if d is not None:
            fg += d @ inv @ d
        w = m.n / n_total
        f += w * fg
        if derivatives:
            own = group_params(lay, g)
            dsig, dmu = model_derivatives(lay, x, g)
            resid = sigma - m.cov
            if d is not None:
                resid = resid - np.outer(d, d)
            gmat = inv @ resid @ inv
            grad_g = np.tensordot(dsig, gmat, axes=([1, 2], [0, 1]))
            k_a = (inv @ dsig).reshape(own.size, -1)  # Sigma^-1 dSigma_a
            k_t = (dsig @ inv).reshape(own.size, -1)  # its transpose, flattened
            info_g = 0.5 * k_a @ k_t.T
            if dmu is not None:
                grad_g -= 2.0 * dmu @ (inv @ d)
                info_g += dmu @ inv @ dmu.T
            grad[own] += w * grad_g
            info[np.ix_(own, own)] += w * info_g
    return (f, grad, info) if derivatives else f


def start_values(lay: Layout, moments: list[Moments]) -> np.ndarray:
    """Starting values: marker-scaled first principal component loadings per
    factor, factor variances from it, factor covariances the median of the
    loading-scaled cross covariances (at most a correlation of 0.5), residual
    variances half the observed variances (as lavaan), intercepts the sample
    means, latent means 0."""
    x = np.zeros(lay.npar)
    for g in reversed(range(lay.groups)):  # group 0 last: shared parameters start from it
        m = moments[g]
        for j in range(lay.k):
            items = np.flatnonzero(lay.factor_of == j)
            vals, vecs = np.linalg.eigh(m.cov[np.ix_(items, items)])
            load = vecs[:, -1] * np.sqrt(max(vals[-1], 1e-12))
            if abs(load[0]) < 1e-3 * np.abs(load).max():
                scaled, var = np.ones(items.size), 0.05
            else:
                scaled, var = load / load[0], load[0] ** 2
            free = lay.lam[g, items] >= 0
            x[lay.lam[g, items][free]] = scaled[free]
            x[lay.phi[g, j, j]] = var
        lam = np.ones(lay.factor_of.size)
        free = lay.lam[g] >= 0
        lam[free] = x[lay.lam[g][free]]
        for a in range(lay.k):
            for b in range(a):
                ia, ib = np.flatnonzero(lay.factor_of == a), np.flatnonzero(lay.factor_of == b)
                cov = m.cov[np.ix_(ia, ib)] / np.outer(lam[ia], lam[ib])
                bound = 0.5 * np.sqrt(x[lay.phi[g, a, a]] * x[lay.phi[g, b, b]])
                x[lay.phi[g, a, b]] = np.clip(np.median(cov), -bound, bound)
        x[lay.theta[g]] = 0.5 * np.diag(m.cov)
        if lay.nu is not None and lay.alpha is not None:
            x[lay.nu[g]] = m.mean
            free = lay.alpha[g] >= 0
            x[lay.alpha[g][free]] = 0.0
    return x


@dataclass
class Estimate:
    x: np.ndarray
    f: float
    info: np.ndarray
    iterations: int
    converged: bool
    message: str


def estimate(lay: Layout, moments: list[Moments], *, tol: float = 1e-6) -> Estimate:
    """Minimise ``F`` with one BLAS thread (the matrices are small: more
    threads only contend); see :func:`_estimate`."""
    with one_blas_thread():
        return _estimate(lay, moments, tol=tol)


def gradient(lay: Layout, x: np.ndarray, moments: list[Moments]) -> tuple[float, np.ndarray]:
    """``F`` and its gradient in matrix form (no per-parameter derivative matrices):
    with ``G = Sigma^-1 (Sigma - S - d d') Sigma^-1`` and ``v = Sigma^-1 d``
    (``d = m - mu``), a loading's derivative is ``2 (G Lambda Phi)_ij - 2 v_i alpha_j``,
    a factor (co)variance's ``(2 -) (Lambda' G Lambda)_rc``, a residual's ``G_ii``, an
    intercept's ``-2 v_i`` and a latent mean's ``-2 (Lambda' v)_j``.  Called only where
    :func:`discrepancy` is finite (every implied covariance matrix positive definite)."""
    n_total = sum(m.n for m in moments)
    f, grad = 0.0, np.zeros(lay.npar)
    rows = np.arange(lay.factor_of.size)
    for g, m in enumerate(moments):
        lam, phi, theta, nu, alpha = matrices(lay, x, g)
        sigma = lam @ phi @ lam.T + np.diag(theta)
        chol = linalg.cho_factor(sigma, lower=True, check_finite=False)
        inv = linalg.cho_solve(chol, np.eye(sigma.shape[0]), check_finite=False)
        resid = sigma - m.cov
        fg = 2.0 * np.log(np.diag(chol[0])).sum() + np.sum(m.cov * inv) - m.logdet - sigma.shape[0]
        d = v = None
        if nu is not None and alpha is not None:
            d = m.mean - (nu + lam @ alpha)
            v = inv @ d
            fg += d @ v
            resid = resid - np.outer(d, d)
        w = m.n / n_total
        f += w * fg
        gmat = inv @ resid @ inv
        dlam = 2.0 * (gmat @ lam @ phi)[rows, lay.factor_of]
        dphi = 2.0 * (lam.T @ gmat @ lam) - np.diag(np.diag(lam.T @ gmat @ lam))
        if v is not None and alpha is not None and lay.nu is not None and lay.alpha is not None:
            dlam -= 2.0 * v * alpha[lay.factor_of]
            _scatter(grad, lay.nu[g], -2.0 * w * v)
            _scatter(grad, lay.alpha[g], -2.0 * w * (lam.T @ v))
        _scatter(grad, lay.lam[g], w * dlam)
        _scatter(grad, np.tril(lay.phi[g] + 1) - 1, w * dphi)
        _scatter(grad, lay.theta[g], w * np.diag(gmat))
    return f, grad


def _scatter(grad: np.ndarray, index: np.ndarray, values: np.ndarray) -> None:
    """Add ``values`` to ``grad`` at the free ``index`` entries (-1: fixed; a shared
    parameter collects every contribution)."""
    free = index >= 0
    np.add.at(grad, index[free], values[free])


def _estimate(lay: Layout, moments: list[Moments], *, tol: float = 1e-6) -> Estimate:
    """Minimise ``F`` by Fisher scoring, then quasi-Newton, with step halving.

    While the steps are large the curvature is the expected information at the current
    estimate; near the minimum it is that information corrected by BFGS updates from
    the exact gradients (Fisher scoring alone converges only linearly when the model
    fits badly).  Stops when a step changes ``chi2 = N F`` by less than ``tol * 1e-4``
    and the expected further decrease (the Newton decrement) is below that too, which
    leaves ``chi2`` well within ``tol`` of its minimum; the information returned is
    the one at the estimate.
    """
    n_total = sum(m.n for m in moments)
    x = start_values(lay, moments)
    f, grad, info = discrepancy(lay, x, moments, derivatives=True)
    if not np.isfinite(f):
        return Estimate(x, f, info, 0, False, "the starting values give no positive-definite model")
    crit, hinv = tol * 1e-4, inverse(2.0 * info)
    for it in range(1, _MAX_ITER + 1):
        step = -hinv @ grad
        decrement = -grad @ step * n_total
        t, f_new = halve(lambda z: discrepancy(lay, z, moments), x, step, f)
        if not np.isfinite(f_new) or (f_new > f and t < 1e-10):
            return Estimate(x, f, info, it, False, "no step decreases the discrepancy")
        x = x + t * step
        change = (f - f_new) * n_total
        if abs(change) < crit and decrement < crit:
            f, _, info = discrepancy(lay, x, moments, derivatives=True)
            return Estimate(x, f, info, it, True, "converged")
        if change >= 10.0 or t < 1.0:
            f, grad, info = discrepancy(lay, x, moments, derivatives=True)
            hinv = inverse(2.0 * info)
            continue
        f, grad_new = gradient(lay, x, moments)
        hinv = bfgs(hinv, t * step, grad_new - grad)
        grad = grad_new
    return Estimate(x, f, info, _MAX_ITER, False, f"no convergence in {_MAX_ITER} iterations")


def halve(objective: Callable[[np.ndarray], float], x: np.ndarray, step: np.ndarray, f: float):
    """The step length (1, 1/2, 1/4, ...) whose ``objective(x + t * step)`` does not exceed
    ``f``, and that value (the line search of every estimator's Newton-type iterations)."""
    t = 1.0
    while True:
        f_new = objective(x + t * step)
        if f_new <= f or t < 1e-10:
            return t, f_new
        t /= 2


def bfgs(inverse: np.ndarray, s: np.ndarray, y: np.ndarray) -> np.ndarray:
    """The BFGS update of an inverse curvature by the step ``s`` and the gradient change
    ``y``, in ``O(npar^2)`` (no solve): ``(I - r s y') inverse (I - r y s') + r s s'``
    with ``r = 1 / y's``; kept as it is when the pair carries no positive curvature."""
    ys = y @ s
    if ys <= 1e-12 * np.sqrt((y @ y) * (s @ s)):
        return inverse
    hy = inverse @ y
    return inverse - (np.outer(s, hy) + np.outer(hy, s)) / ys + (1.0 + y @ hy / ys) * np.outer(s, s) / ys


def inverse(curvature: np.ndarray) -> np.ndarray:
    """The inverse of a curvature matrix by its Cholesky factor; the pseudo-inverse (least
    squares steps) when it is singular, e.g. a factor variance near 0."""
    factor, bad = linalg.lapack.dpotrf(curvature, lower=1)
    if bad == 0:
        inv, bad = linalg.lapack.dpotri(factor, lower=1)
    if bad != 0:
        return np.linalg.pinv(curvature)
    return np.tril(inv) + np.tril(inv, -1).T
