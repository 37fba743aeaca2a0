"""Fit a :class:`~analysis.structure.general_model.Spec` by ML, FIML or WLSMV, as lavaan 0.6.14.

One group; the conventions are those of the simple-structure fits
(:mod:`analysis.structure.cfa`, :mod:`analysis.structure.fiml`,
:mod:`analysis.structure.wlsmv`), whose sample statistics, fit indices and
scaled tests are reused here:

ML (complete cases)
    ``chi2 = N F`` with lavaan's ML discrepancy (mean structure), minimised by
    Fisher scoring; standard errors from the expected information.
FIML (``missing = "ml"``)
    ``-2 logL`` over every row with an answer, ``chi2`` against the EM saturated
    model; standard errors from the observed information (forward differences of
    the analytic gradient).
WLSMV (ordinal items)
    DWLS on the thresholds and polychorics, robust (sandwich) standard errors and
    the scaled-shifted test, lavaan's fit indices for it.
Difference tests
    ``lavTestLRT``'s defaults: the plain chi-square difference for ML and FIML;
    Satorra's (2000) scaled-shifted difference (``A.method = "delta"``) for WLSMV.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import linalg, stats

from analysis.structure._engine import Moments
from analysis.structure._threads import one_blas_thread
from analysis.structure.fit import incremental_fit, ml_fit_row
from analysis.structure.general_model import (
    Spec,
    implied,
    mean_derivatives,
    ordinal_implied,
    ordinal_jacobian,
    rank_two,
    values,
)
from analysis.structure.missing_stats import FimlGroup, pattern_sums
from analysis.structure.wlsmv import OrdGroup, u_gamma_traces
from survey.errors import DataError

__all__ = ["GeneralFit", "fit_ml", "fit_fiml", "fit_wlsmv", "difference", "estimates", "sample_moments"]

_MAX_ITER = 1000


@dataclass
class GeneralFit:
    """A fitted :class:`Spec`: estimates, standard errors, the fit (a one-row table, as
    :class:`~analysis.structure.CFAResult`'s, so a :class:`~analysis.structure.ladder.Step`
    takes it) and what the difference test needs (``data``: the sample statistics)."""

    spec: Spec
    x: np.ndarray
    se: np.ndarray
    fit: pd.DataFrame
    converged: bool
    message: str
    estimator: str
    data: Any = field(repr=False, default=None)


def sample_moments(rows: np.ndarray, names: list[str]) -> Moments:
    """Means and covariances (divisor N) of complete rows, refusing a singular matrix."""
    mean = rows.mean(axis=0)
    cov = np.cov(rows, rowvar=False, bias=True)
    sign, logdet = np.linalg.slogdet(cov)
    if sign <= 0:
        flat = [names[j] for j in np.flatnonzero(np.diag(cov) <= 1e-12)]
        why = f"item(s) {flat} do not vary" if flat else "some items are linear combinations of others"
        raise DataError(f"data: the covariance matrix of the items is singular ({why})")
    return Moments(rows.shape[0], cov, mean, float(logdet))


def _hessian(gradient: Callable[[np.ndarray], np.ndarray], x: np.ndarray) -> np.ndarray:
    """Hessian of ``-logL`` by forward differences of the analytic gradient of ``-2 logL``
    (one gradient per parameter; relative error about 1e-6, far inside the 1e-4 asked of
    standard errors), symmetrised."""
    g0 = gradient(x)
    steps = 1e-6 * np.maximum(1.0, np.abs(x))
    rows = [(gradient(x + h * e) - g0) / (2.0 * h) for h, e in zip(steps, np.eye(x.size))]
    hess = np.array(rows)
    return (hess + hess.T) / 2


def _scaled(chi2: float, df: float, tr1: float, tr2: float) -> float:
    """lavaan's scaled-shifted statistic ``a T + b``, ``a = sqrt(df / tr((U Gamma)^2))``."""
    a = np.sqrt(df / tr2)
    return float(a * chi2 + df - a * tr1)


def _minimise(
    objective: Callable[[np.ndarray, bool], tuple[float, np.ndarray]],
    metric: Callable[[np.ndarray], np.ndarray],
    x: np.ndarray,
) -> tuple[np.ndarray, float, bool, str]:
    """Scoring steps ``-metric^-1 grad``, halved until ``objective`` falls, until a step
    changes it by less than 1e-10 (relative) and the Newton decrement is as small."""
    f, grad = objective(x, True)
    if not np.isfinite(f):
        return x, f, False, "the starting values give no positive-definite model"
    for _ in range(_MAX_ITER):
        m = metric(x)
        try:
            step = -np.linalg.solve(m, grad)
        except np.linalg.LinAlgError:
            step = -np.linalg.lstsq(m, grad, rcond=None)[0]
        decrement = -float(grad @ step)
        t, f_new = 1.0, np.inf
        while t >= 1e-10:
            f_new = objective(x + t * step, False)[0]
            if f_new <= f:
                break
            t /= 2
        crit = 1e-10 * max(1.0, abs(f))
        if not f_new <= f:
            ok = decrement < crit * 1e2
            return x, f, ok, "converged" if ok else "no step decreases the discrepancy"
        x = x + t * step
        change = f - f_new
        f, grad = objective(x, True)
        if change < crit and decrement < crit:
            return x, f, True, "converged"
    return x, f, False, f"no convergence in {_MAX_ITER} iterations"


def _unit_information(spec: Spec, x: np.ndarray) -> np.ndarray:
    """The expected information of one row (mean structure included):
    ``0.5 tr(S^-1 dS_a S^-1 dS_b) + dmu_a' S^-1 dmu_b``, from the rank-two terms of
    :func:`~analysis.structure.general_model.rank_two`:
    ``0.5 tr(A (uw' + wu') A (st' + ts')) = (u'As)(w'At) + (u'At)(w'As)``."""
    sigma, _ = implied(spec, x)
    inv = np.linalg.inv(sigma)
    u, w, owners = rank_two(spec, x)
    ua, wa = u @ inv, w @ inv
    uu, ww, uw = ua @ u.T, wa @ w.T, ua @ w.T
    terms = uu * ww + uw * uw.T
    dmu = mean_derivatives(spec, x)
    return owners @ terms @ owners.T + dmu @ inv @ dmu.T


def _sigma_gradient(spec: Spec, x: np.ndarray, d_sigma: np.ndarray) -> np.ndarray:
    """``tr(D dSigma / dx_a)`` for every parameter, ``D`` symmetric: ``2 u'Dw`` per term."""
    u, w, owners = rank_two(spec, x)
    return owners @ (2.0 * np.einsum("kp,kp->k", u @ d_sigma, w))


def _srmr(sigma: np.ndarray, mu: np.ndarray, m: Moments) -> float:
    """Bentler's SRMR with the mean residuals (lavaan's ``srmr`` with a mean structure)."""
    sd = np.sqrt(np.diag(m.cov))
    r = (m.cov - sigma) / np.outer(sd, sd)
    sq = np.concatenate([r[np.tril_indices_from(r)] ** 2, ((m.mean - mu) / sd) ** 2])
    return float(np.sqrt(sq.mean()))


def fit_ml(spec: Spec, m: Moments, x0: np.ndarray) -> GeneralFit:
    """ML on complete cases from the sample moments ``m`` (divisor N), start ``x0``."""

    def objective(x: np.ndarray, gradient: bool) -> tuple[float, np.ndarray]:
        sigma, mu = implied(spec, x)
        try:
            chol = np.linalg.cholesky(sigma)
        except np.linalg.LinAlgError:
            return np.inf, np.zeros(spec.npar)
        inv = np.linalg.inv(sigma)
        d = m.mean - mu
        f = 2.0 * np.log(np.diag(chol)).sum() + np.sum(m.cov * inv) - m.logdet - spec.p + d @ inv @ d
        if not gradient:
            return m.n * f, np.zeros(spec.npar)
        g = _sigma_gradient(spec, x, inv @ (sigma - m.cov - np.outer(d, d)) @ inv)
        return m.n * f, m.n * (g - 2.0 * mean_derivatives(spec, x) @ (inv @ d))

    with one_blas_thread():
        x, chi2, ok, message = _minimise(objective, lambda x: 2.0 * m.n * _unit_information(spec, x), x0)
        try:
            se = np.sqrt(np.clip(np.diag(np.linalg.inv(m.n * _unit_information(spec, x))), 0, None))
        except np.linalg.LinAlgError:
            se = np.full(spec.npar, np.nan)
    p = spec.p
    sat = -m.n / 2 * (p * np.log(2 * np.pi) + m.logdet + p)
    sigma, mu = implied(spec, x)
    row = ml_fit_row(
        n=m.n,
        chi2=chi2,
        df=p * (p + 3) // 2 - spec.npar,
        base=m.n * (np.log(np.diag(m.cov)).sum() - m.logdet),
        base_df=p * (p - 1) // 2,
        groups=1,
        npar=spec.npar,
        loglik=sat - chi2 / 2,
        srmr_value=_srmr(sigma, mu, m),
    )
    return GeneralFit(spec, x, se, pd.DataFrame([row]), ok, message, "ML", m)


def fit_fiml(spec: Spec, grp: FimlGroup, x0: np.ndarray, *, se: bool = True) -> GeneralFit:
    """Full-information ML over the rows of ``grp`` (:func:`analysis.structure.fiml._group`)."""

    def objective(x: np.ndarray, gradient: bool) -> tuple[float, np.ndarray]:
        sigma, mu = implied(spec, x)
        try:
            m2ll, d_sigma, d_mu = pattern_sums(grp.patterns, sigma, mu, gradient=gradient)
        except np.linalg.LinAlgError:
            return np.inf, np.zeros(spec.npar)
        if not gradient:
            return m2ll, np.zeros(spec.npar)
        return m2ll, _sigma_gradient(spec, x, d_sigma) + mean_derivatives(spec, x) @ d_mu

    with one_blas_thread():
        x, m2ll, ok, message = _minimise(objective, lambda x: 2.0 * grp.n * _unit_information(spec, x), x0)
        ses = np.full(spec.npar, np.nan)
        if se:
            try:
                hess = _hessian(lambda t: objective(t, True)[1], x)
                ses = np.sqrt(np.clip(np.diag(np.linalg.inv(hess)), 0, None))
            except np.linalg.LinAlgError:
                pass
    p = spec.p
    sigma, mu = implied(spec, x)
    row = ml_fit_row(
        n=grp.n,
        chi2=max(m2ll - grp.h1_m2ll, 0.0),
        df=p * (p + 3) // 2 - spec.npar,
        base=grp.base_m2ll - grp.h1_m2ll,
        base_df=p * (p - 1) // 2,
        groups=1,
        npar=spec.npar,
        loglik=-m2ll / 2,
        srmr_value=_srmr(sigma, mu, grp.h1),
    )
    return GeneralFit(spec, x, ses, pd.DataFrame([row]), ok, message, "ML", grp)


def fit_wlsmv(spec: Spec, grp: OrdGroup, x0: np.ndarray) -> GeneralFit:
    """WLSMV (delta parameterization) on one group's thresholds and polychorics."""
    w = (grp.n - 1) * grp.weight

    def objective(x: np.ndarray, gradient: bool) -> tuple[float, np.ndarray]:
        r = grp.obs - ordinal_implied(spec, x)
        if not gradient:
            return float(r @ (w * r)), np.zeros(spec.npar)
        return float(r @ (w * r)), -2.0 * ordinal_jacobian(spec, x).T @ (w * r)

    def metric(x: np.ndarray) -> np.ndarray:
        jac = ordinal_jacobian(spec, x)
        return 2.0 * jac.T @ (w[:, None] * jac)

    with one_blas_thread():
        x, chi2, ok, message = _minimise(objective, metric, x0)
        se, tests = _wlsmv_inference(spec, x, grp, chi2)
    return GeneralFit(spec, x, se, pd.DataFrame([tests]), ok, message, "WLSMV", grp)


def _wlsmv_inference(spec: Spec, x: np.ndarray, grp: OrdGroup, chi2: float) -> tuple[np.ndarray, dict]:
    """Sandwich standard errors, the scaled-shifted test, the baseline and the fit row
    (as :func:`analysis.structure.wlsmv.inference` and ``ordinal_cfa``'s fit row)."""
    jac = ordinal_jacobian(spec, x)
    wj = grp.weight[:, None] * jac
    e_inv = np.linalg.inv(jac.T @ wj)
    vcov = e_inv @ (wj.T @ grp.gamma @ wj) @ e_inv / (grp.n - 1)
    se = np.sqrt(np.clip(np.diag(vcov), 0, None))
    tr1, tr2 = u_gamma_traces([grp.weight], [wj @ np.linalg.cholesky(e_inv)], [grp.gamma])
    df = int(grp.obs.size - spec.npar)
    chi2_s = _scaled(chi2, df, tr1, tr2) if df > 0 else chi2
    t = grp.sample.flat_thresholds.size
    wb, gam = grp.weight[t:], grp.gamma[t:, t:]
    base = (grp.n - 1) * float(grp.rho @ (wb * grp.rho))
    wg = wb[:, None] * gam
    base_s = _scaled(base, grp.rho.size, float(wb @ np.diag(gam)), float(np.sum(wg * wg.T)))
    # lavaan passes N - 1 (N - G) as the RMSEA's N for WLSMV
    cfi, tli, rmsea = incremental_fit(chi2, df, base, grp.rho.size, grp.n - 1, 1)
    cfi_s, tli_s, rmsea_s = incremental_fit(chi2_s, df, base_s, grp.rho.size, grp.n - 1, 1)
    resid = grp.rho - ordinal_implied(spec, x)[t:]
    p_of = lambda s: float(stats.chi2.sf(s, df)) if df > 0 else np.nan  # noqa: E731
    row = {
        "n": grp.n,
        "chi2": chi2,
        "df": df,
        "p": p_of(chi2),
        "cfi": cfi,
        "tli": tli,
        "rmsea": rmsea,
        "srmr": float(np.sqrt((resid**2).sum() / (resid.size + spec.p))),
        "chi2_scaled": chi2_s,
        "df_scaled": df,
        "scaled_p": p_of(chi2_s),
        "cfi_scaled": cfi_s,
        "tli_scaled": tli_s,
        "rmsea_scaled": rmsea_s,
        "npar": spec.npar,
    }
    return se, row


def difference(m1: GeneralFit, m0: GeneralFit) -> tuple[float, int, float]:
    """``lavTestLRT(m1, m0)`` for the freer ``m1`` and the constrained ``m0``:
    ``(delta_chi2, delta_df, delta_p)``."""
    f0, f1 = m0.fit.iloc[0], m1.fit.iloc[0]
    m = int(f0["df"] - f1["df"])
    t_diff = float(f0["chi2"] - f1["chi2"])
    if m <= 0:
        return t_diff, m, np.nan
    if m1.estimator == "ML":
        return t_diff, m, float(stats.chi2.sf(t_diff, m))
    grp: OrdGroup = m1.data
    with one_blas_thread():
        pi = ordinal_jacobian(m1.spec, m1.x)
        d0 = ordinal_jacobian(m0.spec, m0.x)
        p_inv = np.linalg.inv(pi.T @ (grp.weight[:, None] * pi))
        a = linalg.null_space((np.linalg.pinv(pi) @ d0).T).T
        vals, vecs = np.linalg.eigh(a @ p_inv @ a.T)
        keep = vals > vals.max() * 1e-12
        k = p_inv @ a.T @ (vecs[:, keep] / np.sqrt(vals[keep]))
        tr1, tr2 = u_gamma_traces(None, [grp.weight[:, None] * pi @ k], [grp.gamma])
    scale = np.sqrt(m / tr2)
    stat = t_diff * scale + (m + scale * tr1)
    return float(stat), m, float(stats.chi2.sf(stat, m))


def estimates(fit: GeneralFit, block: str) -> tuple[np.ndarray, np.ndarray]:
    """The values and standard errors (NaN for fixed entries) of one model matrix."""
    ids = fit.spec.idx[block]
    return values(fit.spec, fit.x)[block], np.where(ids >= 0, fit.se[np.maximum(ids, 0)], np.nan)
