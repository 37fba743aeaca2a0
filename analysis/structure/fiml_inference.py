"""Standard errors and robust tests of a full-information ML fit (:mod:`analysis.structure.fiml`).

Default (lavaan's ``missing = "ml"``): the observed information, the Hessian of
``-logL`` (analytic: :mod:`analysis.structure.fiml_information`); ``vcov = A^-1``.

``robust=True`` (lavaan's ``estimator = "MLR"`` with ``missing = "ml"``):

- Huber-White standard errors ``vcov = A^-1 B A^-1``, ``B`` the cross-product of the
  casewise scores ``d(-logL_i)/d theta``;
- the Yuan-Bentler scaled test as lavaan's ``"yuan.bentler.mplus"``: scaling factor
  ``c = (tr(A1^-1 B1) - tr(A0^-1 B0)) / df``, with ``A1``, ``B1`` the observed and
  first-order information of the saturated model at its EM estimates (means and the
  lower triangle of the covariances as parameters) and ``A0``, ``B0`` the model's;
  ``chi2_scaled = chi2 / c``;
- the baseline (independence) model scaled the same way, and from both the scaled
  CFI, TLI and RMSEA (lavaan's ``cfi.scaled``, ``tli.scaled``, ``rmsea.scaled``).
  lavaan's newer ``*.robust`` indices (Brosseau-Liard & Savalei) are not computed.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from scipy import stats

from analysis.structure._engine import Layout, group_params, implied, model_derivatives
from analysis.structure.fiml_information import observed_hessian
from analysis.structure.fit import incremental_fit
from analysis.structure.missing_stats import pattern_sums

__all__ = ["inference", "observed_vcov"]


def _central_hessian(gradient: Callable[[np.ndarray], np.ndarray], vec: np.ndarray) -> np.ndarray:
    """Hessian of ``-logL`` from the gradient of ``-2 logL`` (central differences)."""
    hess = np.zeros((vec.size, vec.size))
    for a in range(vec.size):
        h = 1e-5 * max(1.0, abs(vec[a]))
        up, down = vec.copy(), vec.copy()
        up[a] += h
        down[a] -= h
        hess[a] = (gradient(up) - gradient(down)) / (4.0 * h)
    return (hess + hess.T) / 2


def observed_vcov(lay: Layout, theta: np.ndarray, groups: list[Any]) -> np.ndarray:
    """Inverse of the observed information (the Hessian of ``-logL``)."""
    return np.linalg.inv(observed_hessian(lay, theta, groups) / 2.0)


def _scores(
    x: np.ndarray, sigma: np.ndarray, mu: np.ndarray, dsig: np.ndarray, dmu: np.ndarray
) -> np.ndarray:
    """Casewise ``d(-logL_i)/d theta`` (rows x parameters) for ``Sigma``/``mu`` derivatives."""
    obs = ~np.isnan(x)
    out = np.zeros((x.shape[0], dsig.shape[0]))
    masks, which = np.unique(obs, axis=0, return_inverse=True)
    which = np.asarray(which).ravel()
    for k, mask in enumerate(masks):
        rows, o = np.flatnonzero(which == k), np.flatnonzero(mask)
        inv = np.linalg.inv(sigma[np.ix_(o, o)])
        u = (x[np.ix_(rows, o)] - mu[o]) @ inv
        ds = dsig[:, o][:, :, o]
        const = np.tensordot(ds, inv, axes=([1, 2], [0, 1]))
        out[rows] = (const - np.einsum("aij,ni,nj->na", ds, u, u) - 2.0 * u @ dmu[:, o].T) / 2
    return out


def _linear_trace(grp: Any, sigma: np.ndarray, mu: np.ndarray, *, diagonal: bool) -> float:
    """``tr(A^-1 B)`` of the saturated (or, ``diagonal``, the independence) model at
    ``sigma``, ``mu``: parameters the means and the free (co)variances."""
    p = mu.size
    rows, cols = (np.arange(p), np.arange(p)) if diagonal else np.tril_indices(p)
    pairs = [(int(a), int(b)) for a, b in zip(rows, cols)]
    k = p + len(pairs)
    dsig, dmu = np.zeros((k, p, p)), np.zeros((k, p))
    dmu[np.arange(p), np.arange(p)] = 1.0
    for i, (a, b) in enumerate(pairs):
        dsig[p + i, a, b] = dsig[p + i, b, a] = 1.0
    vec = np.concatenate([mu, [sigma[a, b] for a, b in pairs]])

    def gradient(v: np.ndarray) -> np.ndarray:
        s = np.tensordot(v[p:], dsig[p:], axes=1)
        _, d_sigma, d_mu = pattern_sums(grp.patterns, s, v[:p], gradient=True)
        return np.tensordot(dsig, d_sigma, axes=([1, 2], [0, 1])) + dmu @ d_mu

    hess = _central_hessian(gradient, vec)
    scores = _scores(grp.x, np.tensordot(vec[p:], dsig[p:], axes=1), vec[:p], dsig, dmu)
    return float(np.trace(np.linalg.solve(hess, scores.T @ scores)))


def inference(
    lay: Layout, theta: np.ndarray, groups: list[Any], m2ll: float, *, robust: bool = False
) -> tuple[np.ndarray, dict[str, Any]]:
    """Standard errors, and with ``robust`` the MLR columns of the fit row."""
    a_inv = observed_vcov(lay, theta, groups)
    if not robust:
        return np.sqrt(np.clip(np.diag(a_inv), 0, None)), {}
    b0 = np.zeros((lay.npar, lay.npar))
    tr1 = tr_base = 0.0
    for g, grp in enumerate(groups):
        sigma, mu = implied(lay, theta, g)
        dsig, dmu = model_derivatives(lay, theta, g)
        own = group_params(lay, g)
        s = _scores(grp.x, sigma, mu, dsig, dmu)  # type: ignore[arg-type]
        b0[np.ix_(own, own)] += s.T @ s
        tr1 += _linear_trace(grp, grp.h1.cov, grp.h1.mean, diagonal=False)
        obs = ~np.isnan(grp.x)
        means = np.array([grp.x[obs[:, j], j].mean() for j in range(grp.x.shape[1])])
        variances = np.array([grp.x[obs[:, j], j].var() for j in range(grp.x.shape[1])])
        tr_base += _linear_trace(grp, np.diag(variances), means, diagonal=True)
    vcov = a_inv @ b0 @ a_inv
    p, ng, n = lay.factor_of.size, len(groups), sum(grp.n for grp in groups)
    df = ng * (p * (p + 1) // 2 + p) - lay.npar
    base_df = ng * p * (p - 1) // 2
    h1 = sum(grp.h1_m2ll for grp in groups)
    chi2 = max(m2ll - h1, 0.0)
    base = sum(grp.base_m2ll for grp in groups) - h1
    c = (tr1 - float(np.trace(a_inv @ b0))) / df if df > 0 else np.nan
    c_base = (tr1 - tr_base) / base_df
    chi2_s, base_s = chi2 / c, base / c_base
    cfi_s, tli_s, rmsea_s = incremental_fit(chi2_s, df, base_s, base_df, n, ng)
    scaled = {
        "estimator": "MLR",
        "chi2_scaled": chi2_s,
        "df_scaled": df,
        "scaling_factor": c,
        "scaled_p": float(stats.chi2.sf(chi2_s, df)) if df > 0 else np.nan,
        "cfi_scaled": cfi_s,
        "tli_scaled": tli_s,
        "rmsea_scaled": rmsea_s,
        "baseline_chi2_scaled": base_s,
    }
    return np.sqrt(np.clip(np.diag(vcov), 0, None)), scaled
