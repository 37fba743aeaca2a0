"""WLSMV as lavaan 0.6.14 computes it: DWLS estimates, robust standard errors and
the mean-and-variance adjusted (scaled-shifted) test.

With ``s_g`` the sample thresholds and polychorics of group ``g``, ``Gamma_g``
their NACOV (:func:`analysis.structure.nacov.nacov`) and ``V_g =
diag(Gamma_g)^-1``:

* estimates minimise ``T = sum_g (N_g - 1) (s_g - sigma_g)' V_g (s_g - sigma_g)``
  (Gauss-Newton with step halving); ``T`` is the unscaled test statistic
  (lavaan's DWLS objective carries the factor ``(N_g - 1) / N_g``);
* with ``f_g = N_g / N``, ``Delta_g`` the model Jacobian and ``E = sum_g f_g
  Delta_g' V_g Delta_g``: ``vcov = E^-1 (sum_g f_g Delta_g' V_g Gamma_g V_g
  Delta_g) E^-1 / (N - G)`` (lavaan's ``robust.sem``; ``G`` groups);
* ``U = V - V Delta E^-1 Delta' V`` over all groups (``V`` block diagonal in
  ``f_g V_g``, ``Gamma`` in ``Gamma_g / f_g``); ``a = sqrt(df / tr((U
  Gamma)^2))``, shift ``b = df - a tr(U Gamma)`` and ``T_scaled = a T + b``
  on ``df`` degrees of freedom (``scaled.shifted``);
* the baseline model has free thresholds and zero correlations.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import sparse

from analysis.structure._engine import bfgs, halve, inverse
from analysis.structure._threads import one_blas_thread
from analysis.structure.nacov import nacov
from analysis.structure.ordinal_data import OrdinalSample, ordinal_sample
from analysis.structure.ordinal_model import OrdLayout, implied, sparse_jacobian, start_values
from analysis.structure.polychoric import correlation_matrix, two_step_rho

__all__ = ["OrdGroup", "group_stats", "Fit", "estimate", "Inference", "inference", "u_gamma_traces"]

_MAX_ITER = 500


@dataclass
class OrdGroup:
    """One group's sample statistics for WLSMV."""

    sample: OrdinalSample
    obs: np.ndarray  # thresholds then polychorics
    gamma: np.ndarray  # NACOV
    weight: np.ndarray  # 1 / diag(NACOV)
    rho: np.ndarray

    @property
    def n(self) -> int:
        return self.sample.n


def group_stats(codes: np.ndarray, ncat: np.ndarray) -> OrdGroup:
    """Thresholds, polychorics and their NACOV of one group's category codes."""
    with one_blas_thread():  # small products: threads only contend
        sample = ordinal_sample(codes, ncat)
        rho = two_step_rho(sample)
        gamma = nacov(sample, rho)
    return OrdGroup(sample, np.concatenate([sample.flat_thresholds, rho]), gamma, 1.0 / np.diag(gamma), rho)


@dataclass
class Fit:
    x: np.ndarray
    chi2: float
    iterations: int
    converged: bool
    message: str


def _stat(lay: OrdLayout, x: np.ndarray, groups: list[OrdGroup]) -> float:
    total = 0.0
    for g, grp in enumerate(groups):
        r = grp.obs - implied(lay, x, g)
        total += (grp.n - 1) * float(r @ (grp.weight * r))
    return total


def estimate(lay: OrdLayout, groups: list[OrdGroup], start: np.ndarray | None = None) -> Fit:
    """Minimise the DWLS discrepancy from ``start`` or
    :func:`~analysis.structure.ordinal_model.start_values`, until a step changes ``T``
    by less than 1e-10 (relative) and moves no parameter by more than 1e-9.

    Gauss-Newton with step halving while the steps are large; near the minimum its
    curvature ``Delta' W Delta`` is no longer recomputed but corrected by BFGS updates
    from the exact gradients (Gauss-Newton alone converges only linearly when the
    residuals are not small), so an iteration costs one Jacobian and ``O(npar^2)``
    instead of a product ``m x npar^2`` and a solve.
    """
    if start is None:
        cors = [correlation_matrix(grp.rho, grp.sample.ncat.size) for grp in groups]
        ths = [grp.sample.flat_thresholds for grp in groups]
        start = start_values(lay, ths, cors)
    x = start
    with one_blas_thread():
        stat = _stat(lay, x, groups)
        hinv, grad = _gauss_newton(lay, x, groups)
        for it in range(1, _MAX_ITER + 1):
            step = hinv @ grad
            t, new = halve(lambda z: _stat(lay, z, groups), x, step, stat)
            if new > stat:
                return Fit(x, stat, it, False, "no step decreases the discrepancy")
            x = x + t * step
            change, stat = stat - new, new
            if change <= 1e-10 * max(1.0, stat) and np.abs(t * step).max(initial=0) < 1e-9:
                return Fit(x, stat, it, True, "converged")
            if change >= 10.0 or t < 1.0:
                hinv, grad = _gauss_newton(lay, x, groups)
                continue
            grad_new = _descent(lay, x, groups)
            hinv = bfgs(hinv, t * step, grad - grad_new)
            grad = grad_new
    return Fit(x, stat, _MAX_ITER, False, f"no convergence in {_MAX_ITER} iterations")


def _gauss_newton(lay: OrdLayout, x: np.ndarray, groups: list[OrdGroup]) -> tuple[np.ndarray, np.ndarray]:
    """The inverse of ``sum_g (N_g - 1) Delta_g' W_g Delta_g`` and :func:`_descent`."""
    info, grad = np.zeros((lay.npar, lay.npar)), np.zeros(lay.npar)
    for g, grp in enumerate(groups):
        jac = sparse_jacobian(lay, x, g)
        wj = jac.multiply(((grp.n - 1) * grp.weight)[:, None]).tocsr()
        info += (jac.T @ wj).toarray()
        grad += wj.T @ (grp.obs - implied(lay, x, g))
    return inverse(info), grad


def _descent(lay: OrdLayout, x: np.ndarray, groups: list[OrdGroup]) -> np.ndarray:
    """``sum_g (N_g - 1) Delta_g' W_g (s_g - sigma_g)``: minus half the gradient of ``T``."""
    grad = np.zeros(lay.npar)
    for g, grp in enumerate(groups):
        resid = (grp.n - 1) * grp.weight * (grp.obs - implied(lay, x, g))
        grad += sparse_jacobian(lay, x, g).T @ resid
    return grad


@dataclass
class Inference:
    """Robust standard errors and the scaled-shifted test of a WLSMV fit."""

    se: np.ndarray
    vcov: np.ndarray
    df: int
    trace_ug: float
    trace_ug2: float
    scaling: float  # 1 / a
    shift: float  # b
    chi2_scaled: float
    baseline_chi2: float
    baseline_df: int
    baseline_chi2_scaled: float
    #: ``E^-1`` (the inverse unit information) and, per group, ``Gamma_g V_g Delta_g``:
    #: what a difference test against this fit reuses
    e_inv: np.ndarray
    gamma_wd: list[np.ndarray]
    u_gamma: np.ndarray | None = None


def _scaled(chi2: float, df: float, tr1: float, tr2: float) -> tuple[float, float, float]:
    """lavaan's scaled-shifted statistic: ``(a T + b, 1 / a, b)``."""
    a = np.sqrt(df / tr2)
    shift = df - a * tr1
    return a * chi2 + shift, 1.0 / a, shift


def u_gamma_traces(
    diag: list[np.ndarray] | None,
    low: list[np.ndarray],
    gammas: list[np.ndarray],
    products: list[np.ndarray] | None = None,
) -> tuple[float, float]:
    """``tr(U Gamma)`` and ``tr((U Gamma)^2)`` for ``U = D - L L'`` (``D`` = the
    blocks of ``diag``, none when None: ``U = -L L'``, only traces of ``L L'``
    are then wanted and the sign is dropped) and block-diagonal ``Gamma``,
    without forming ``U``: with ``G = Gamma L`` and ``H = L' G``,
    ``tr(U Gamma) = sum d_i Gamma_ii - tr H`` and ``tr((U Gamma)^2) =
    ||D^1/2 Gamma D^1/2||^2 - 2 sum_i d_i ||G_i||^2 + tr(H^2)``; every product
    is ``m^2 k`` (``k`` the columns of ``L``) instead of ``m^3``.  ``products``: the
    blocks of ``G``, when the caller has them already."""
    g = products if products is not None else [gam @ part for gam, part in zip(gammas, low)]
    h = sum(part.T @ gp for part, gp in zip(low, g))
    tr1, tr2 = -float(np.trace(h)), float(np.sum(h * h.T))
    if diag is not None:
        for d, gam, gp in zip(diag, gammas, g):
            tr1 += float(d @ np.diag(gam))
            root = np.sqrt(d)
            tr2 += float(np.sum((root[:, None] * gam * root[None, :]) ** 2))
            tr2 -= 2.0 * float(d @ np.sum(gp * gp, axis=1))
    return tr1, tr2


def _traces(
    fg: np.ndarray,
    groups: list[OrdGroup],
    gamma_wd: list[np.ndarray],
    e_inv: np.ndarray,
    scaled_meat: np.ndarray,
) -> tuple[float, float]:
    """``tr(U Gamma)`` and ``tr((U Gamma)^2)`` of a fit: :func:`u_gamma_traces` with
    ``D = f_g V_g``, ``L = f_g V_g Delta_g C`` (``C C' = E^-1``) and ``Gamma_g / f_g``,
    where ``H = C' meat C``, so ``tr H = tr(meat E^-1)``, ``tr(H^2) = tr((meat E^-1)^2)``
    and ``||G_i||^2 = (Gamma V Delta)_i E^-1 (Gamma V Delta)_i'``: no product with
    ``C``."""
    tr1 = -float(np.trace(scaled_meat))
    tr2 = float(np.sum(scaled_meat * scaled_meat.T))
    for f, grp, gwd in zip(fg, groups, gamma_wd):
        root = np.sqrt(grp.weight)
        tr1 += float(grp.weight @ np.diag(grp.gamma))
        tr2 += float(np.sum((root[:, None] * grp.gamma * root[None, :]) ** 2))
        tr2 -= 2.0 * f * float(grp.weight @ np.sum((gwd @ e_inv) * gwd, axis=1))
    return tr1, tr2


def inference(lay: OrdLayout, fit: Fit, groups: list[OrdGroup]) -> Inference:
    """Sandwich standard errors, ``U Gamma`` traces, scaled test and baseline."""
    n_total = sum(grp.n for grp in groups)
    fg = np.array([grp.n / n_total for grp in groups])
    with one_blas_thread():
        # the Jacobians have a few non-zeros a row: sparse products, dense results
        wds = [
            sparse.csr_array(sparse_jacobian(lay, fit.x, g).multiply(grp.weight[:, None]))
            for g, grp in enumerate(groups)
        ]
        e = sum(f * (wd.T @ (wd / grp.weight[:, None])).toarray() for f, wd, grp in zip(fg, wds, groups))
        e_inv = np.linalg.inv(e)
        gamma_wd = [(wd.T @ grp.gamma).T for grp, wd in zip(groups, wds)]  # Gamma symmetric
        meat = sum(f * (wd.T @ gwd) for f, wd, gwd in zip(fg, wds, gamma_wd))
        scaled_meat = meat @ e_inv
        vcov = e_inv @ scaled_meat / (n_total - len(groups))
        se = np.sqrt(np.clip(np.diag(vcov), 0, None))
        tr1, tr2 = _traces(fg, groups, gamma_wd, e_inv, scaled_meat)
    sizes = np.cumsum([0] + [grp.obs.size for grp in groups])
    df = int(sizes[-1] - lay.npar)
    chi2_s, scaling, shift = _scaled(fit.chi2, df, tr1, tr2) if df > 0 else (fit.chi2, np.nan, np.nan)
    # baseline: thresholds free, correlations 0
    base, base_tr1, base_tr2, base_df = 0.0, 0.0, 0.0, 0
    for grp in groups:
        t = grp.sample.flat_thresholds.size
        w, gam = grp.weight[t:], grp.gamma[t:, t:]
        base += (grp.n - 1) * float(grp.rho @ (w * grp.rho))
        base_tr1 += float(w @ np.diag(gam))
        wg = w[:, None] * gam
        base_tr2 += float(np.sum(wg * wg.T))
        base_df += grp.rho.size
    base_s = _scaled(base, base_df, base_tr1, base_tr2)[0]
    return Inference(se, vcov, df, tr1, tr2, scaling, shift, chi2_s, base, base_df, base_s, e_inv, gamma_wd)
