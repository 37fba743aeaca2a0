"""Full-information maximum likelihood: a CFA that uses every response.

``cfa(..., missing="ml")`` and ``invariance(..., missing="ml")`` land here, with the
conventions of ``lavaan::cfa(missing = "ml")`` (0.6):

Data
    Every row with an answer (and a group, when grouped); rows missing every item are dropped.
Likelihood
    Casewise normal log-density of each row's answered items under the model's ``mu`` and
    ``Sigma`` restricted to them, summed by pattern of answered items from the patterns'
    sufficient statistics; always a mean structure (free intercepts).
Estimation
    Scoring on ``-2 logL`` with the complete-data expected information as the metric (steps
    halved until ``logL`` rises), until a step changes ``-2 logL`` by less than 1e-10 and the
    gradient's norm is below 1e-6 per respondent.
h1 and fit
    The saturated model by EM; ``chi2 = 2 (logL_h1 - logL_h0)``; the baseline is the
    independence model (its likelihood separates by item); CFI, TLI, RMSEA (N = rows used)
    as with complete data; SRMR against the EM moments, means included; AIC/BIC count the
    intercepts.  Standard errors (observed information) and the robust MLR variants:
    :mod:`analysis.structure.fiml_inference`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from threadpoolctl import threadpool_limits

from analysis._checks import check_frame, numeric_matrix
from analysis.structure._engine import (
    Layout,
    Moments,
    discrepancy,
    group_params,
    implied,
    layout,
    model_derivatives,
    start_values,
)
from analysis.structure.cfa import CFAResult, assemble_result
from analysis.structure.fit import ml_fit_row, srmr
from analysis.structure.inputs import check_equal, check_factors, group_codes
from survey.errors import DataError

__all__ = ["cfa_fiml", "used_counts", "minus2_loglik", "objective", "LOG2PI", "FimlGroup", "fiml_group"]

LOG2PI = float(np.log(2 * np.pi))
_MAX_ITER = 1000
_EM_MAX_ITER = 20000


@dataclass
class _Pattern:
    """The patterns of answered items with ``k`` answers: sufficient statistics, stacked."""

    o: np.ndarray  # (m, k) indices of the answered items of each pattern
    n: np.ndarray  # (m,) rows per pattern
    mean: np.ndarray  # (m, k) means of the answered items
    scatter: np.ndarray  # (m, k, k) sum of (x - mean)(x - mean)' over the rows


@dataclass
class _Group:
    """The rows of one group by pattern, and h1 (EM) and baseline ``-2 logL``."""

    n: int
    patterns: list[_Pattern]
    h1: Moments
    h1_m2ll: float
    base_m2ll: float
    x: np.ndarray  # the rows (NaN = missing), for casewise scores


def _patterns(x: np.ndarray) -> list[_Pattern]:
    """The rows' sufficient statistics by pattern, stacked by number of answers (so that
    the likelihood and EM work on a few batches of small matrices)."""
    obs = ~np.isnan(x)
    masks, inverse = np.unique(obs, axis=0, return_inverse=True)
    inverse = np.asarray(inverse).ravel()
    blocks: dict[int, list[tuple[np.ndarray, int, np.ndarray, np.ndarray]]] = {}
    for k, mask in enumerate(masks):
        rows = x[inverse == k][:, mask]
        mean = rows.mean(axis=0)
        dev = rows - mean
        blocks.setdefault(int(mask.sum()), []).append(
            (np.flatnonzero(mask), rows.shape[0], mean, dev.T @ dev)
        )
    return [
        _Pattern(
            np.stack([b[0] for b in blk]),
            np.array([b[1] for b in blk], dtype=float),
            np.stack([b[2] for b in blk]),
            np.stack([b[3] for b in blk]),
        )
        for blk in blocks.values()
    ]


def minus2_loglik(
    patterns: list[_Pattern], sigma: np.ndarray, mu: np.ndarray, *, gradient: bool = False
) -> tuple[float, np.ndarray, np.ndarray]:
    """``-2 logL`` of the rows under ``N(mu, Sigma)`` (answered items only), and
    its derivatives with respect to ``Sigma`` (as a symmetric matrix) and ``mu``
    (zeros unless ``gradient``).

    Raises ``np.linalg.LinAlgError`` when a submatrix is not positive definite.
    """
    p = sigma.shape[0]
    total = 0.0
    d_sigma = np.zeros((p, p))
    d_mu = np.zeros(p)
    for blk in patterns:
        o, n = blk.o, blk.n
        s_oo = sigma[o[:, :, None], o[:, None, :]]
        chol = np.linalg.cholesky(s_oo)
        inv = np.linalg.inv(s_oo)
        d = blk.mean - mu[o]
        c = blk.scatter + n[:, None, None] * d[:, :, None] * d[:, None, :]
        logdet = 2.0 * np.log(np.diagonal(chol, axis1=1, axis2=2)).sum(axis=1)
        total += float((n * (o.shape[1] * LOG2PI + logdet)).sum() + (inv * c).sum())
        if gradient:
            pairs = (o[:, :, None] * p + o[:, None, :]).ravel()
            g_sigma = n[:, None, None] * inv - inv @ c @ inv
            d_sigma += np.bincount(pairs, weights=g_sigma.ravel(), minlength=p * p).reshape(p, p)
            g_mu = -2.0 * n[:, None] * np.einsum("mij,mj->mi", inv, d)
            d_mu += np.bincount(o.ravel(), weights=g_mu.ravel(), minlength=p)
    return total, d_sigma, d_mu


def _em(
    patterns: list[_Pattern], n: int, x: np.ndarray, label: object, items: list[str]
) -> tuple[Moments, float]:
    """The saturated model by EM: means and covariances (divisor N) and its ``-2 logL``."""
    p = x.shape[1]
    counts = (~np.isnan(x)).sum(axis=0)
    thin = [items[j] for j in np.flatnonzero(counts < 2)]
    if thin:
        raise DataError(
            f"data: item(s) {thin} have fewer than 2 answers in group {label!r}; "
            "full-information ML needs every item answered at least twice"
        )
    mu = np.nanmean(x, axis=0)
    sigma = np.diag(np.nanvar(x, axis=0))
    if np.any(np.diag(sigma) <= 1e-12):
        flat = [items[j] for j in np.flatnonzero(np.diag(sigma) <= 1e-12)]
        raise DataError(
            f"data: item(s) {flat} do not vary in group {label!r}; a CFA needs positive-definite covariances"
        )
    for _ in range(_EM_MAX_ITER):
        t1 = np.zeros(p)
        t2 = np.zeros((p, p))
        for blk in patterns:
            o, m = blk.o, blk.n
            b = np.swapaxes(sigma[:, o], 0, 1) @ np.linalg.inv(sigma[o[:, :, None], o[:, None, :]])
            mean_hat = mu + np.einsum("mpk,mk->mp", b, blk.mean - mu[o])  # means of E[x | x_o]
            t1 += m @ mean_hat
            t2 += (
                np.einsum("m,mp,mq->pq", m, mean_hat, mean_hat)
                + np.einsum("mpk,mkl,mql->pq", b, blk.scatter, b, optimize=True)
                + m.sum() * sigma
                - np.einsum("m,mpk,mkq->pq", m, b, sigma[o, :])
            )
        mu_new = t1 / n
        sigma_new = t2 / n - np.outer(mu_new, mu_new)
        sigma_new = (sigma_new + sigma_new.T) / 2
        change = max(np.abs(mu_new - mu).max(), np.abs(sigma_new - sigma).max())
        mu, sigma = mu_new, sigma_new
        if change < 1e-12:
            break
    sign, logdet = np.linalg.slogdet(sigma)
    if sign <= 0:
        raise DataError(
            f"data: the EM covariance matrix of the items in group {label!r} is "
            "singular (some items are linear combinations of others)"
        )
    m2ll, _, _ = minus2_loglik(patterns, sigma, mu)
    return Moments(n, sigma, mu, float(logdet)), m2ll


def _baseline(x: np.ndarray) -> float:
    """``-2 logL`` of the independence model: item by item, ML mean and variance."""
    answered = (~np.isnan(x)).sum(axis=0)
    return float((answered * (LOG2PI + np.log(np.nanvar(x, axis=0)) + 1.0)).sum())


_H1_CACHE: dict[str, _Group] = {}


def _group(x: np.ndarray, label: object, items: list[str]) -> _Group:
    key = hashlib.sha256(np.ascontiguousarray(x).tobytes() + str(x.shape).encode()).hexdigest()
    if key not in _H1_CACHE:  # the steps of a ladder share their groups' h1
        if len(_H1_CACHE) > 64:
            _H1_CACHE.clear()
        patterns = _patterns(x)
        h1, h1_m2ll = _em(patterns, x.shape[0], x, label, items)
        _H1_CACHE[key] = _Group(x.shape[0], patterns, h1, h1_m2ll, _baseline(x), x)
    return _H1_CACHE[key]


def objective(
    lay: Layout, theta: np.ndarray, groups: list[_Group], *, gradient: bool = False
) -> tuple[float, np.ndarray]:
    """``-2 logL`` of the model at ``theta`` (inf when a Sigma is not positive definite)
    and its gradient (zeros unless ``gradient``)."""
    total = 0.0
    grad = np.zeros(lay.npar)
    for g, grp in enumerate(groups):
        sigma, mu = implied(lay, theta, g)
        if mu is None:
            raise RuntimeError("fiml: the layout has no mean structure")
        try:
            m2ll, d_sigma, d_mu = minus2_loglik(grp.patterns, sigma, mu, gradient=gradient)
        except np.linalg.LinAlgError:
            return np.inf, grad
        total += m2ll
        if gradient:
            own = group_params(lay, g)
            dsig, dmu = model_derivatives(lay, theta, g)
            if dmu is None:
                raise RuntimeError("fiml: the layout has no mean structure")
            grad[own] += np.tensordot(dsig, d_sigma, axes=([1, 2], [0, 1])) + dmu @ d_mu
    return total, grad


def _estimate(lay: Layout, groups: list[_Group]) -> tuple[np.ndarray, float, int, bool, str]:
    """Minimise ``-2 logL`` from lavaan-like start values (see the module docstring)."""
    moments = [grp.h1 for grp in groups]
    n_total = sum(grp.n for grp in groups)
    theta = start_values(lay, moments)
    f, grad = objective(lay, theta, groups, gradient=True)
    if not np.isfinite(f):
        return theta, f, 0, False, "the starting values give no positive-definite model"
    for it in range(1, _MAX_ITER + 1):
        _, _, info = discrepancy(lay, theta, moments, derivatives=True)
        metric = 2.0 * n_total * info if info is not None else np.eye(lay.npar)
        try:
            step = -np.linalg.solve(metric, grad)
        except np.linalg.LinAlgError:
            step = -np.linalg.lstsq(metric, grad, rcond=None)[0]
        t = 1.0
        while True:
            f_new, _ = objective(lay, theta + t * step, groups)
            if f_new <= f or t < 1e-10:
                break
            t /= 2
        if not np.isfinite(f_new) or (f_new > f and t < 1e-10):
            small = np.linalg.norm(grad) / n_total < 1e-6
            return theta, f, it, bool(small), ("converged" if small else "no step decreases -2 logL")
        theta = theta + t * step
        change = f - f_new
        f, grad = objective(lay, theta, groups, gradient=True)
        if abs(change) < 1e-10 and np.linalg.norm(grad) / n_total < 1e-6:
            return theta, f, it, True, "converged"
    return theta, f, _MAX_ITER, False, f"no convergence in {_MAX_ITER} iterations"


def used_counts(data: pd.DataFrame, items: Sequence[str], group: str | None = None) -> pd.Series:
    """Rows that full-information ML uses (at least one item answered), per group
    level in order of first appearance (one entry ``"all"`` without ``group``)."""
    answered = data[list(items)].notna().any(axis=1)
    if group is None:
        return pd.Series({"all": int(answered.sum())})
    ok = answered & data[group].notna()
    counts = data.loc[ok, group].value_counts(sort=False)
    return counts.reindex(pd.unique(data[group].dropna())).fillna(0).astype(int)


def cfa_fiml(
    data: pd.DataFrame,
    factors: Mapping[str, Sequence[str]],
    *,
    group: str | None = None,
    equal: str | Iterable[str] = (),
    se: bool = True,
    robust: bool = False,
) -> CFAResult:
    """:func:`analysis.structure.cfa` with ``missing="ml"`` (module docstring).

    Returns a :class:`~analysis.structure.CFAResult` whose ``fit`` row also has
    ``unrestricted_loglik`` (h1) and whose ``n`` counts the rows used.
    ``se=False`` skips the standard errors (NaN; the numerical Hessian is the
    costly part), for callers that show fit only.  ``robust=True`` is lavaan's
    ``estimator = "MLR"``: Huber-White standard errors and the Yuan-Bentler scaled
    test with scaled CFI, TLI and RMSEA (:mod:`analysis.structure.fiml_inference`).
    """

    data = check_frame(data)
    factors = check_factors(data, factors)
    eq = check_equal(equal, group)
    names = list(factors)
    items = [i for f in factors.values() for i in f]
    factor_of = np.repeat(np.arange(len(names)), [len(factors[f]) for f in names])
    x = numeric_matrix(data, items)
    keep = ~np.isnan(x).all(axis=1)
    if group is None:
        labels, codes = [None], np.where(keep, 0, -1)
    else:
        labels, codes = group_codes(data, group, keep)
    lay = layout(factor_of, len(names), len(labels), True, eq)
    p = len(items)
    moments_count = len(labels) * (p * (p + 1) // 2 + p)
    if lay.npar > moments_count:
        raise DataError(
            f"factors: the model has {lay.npar} free parameters but the data give only "
            f"{moments_count} moments; the model is not identified (add items)"
        )
    from analysis.structure.fiml_inference import inference

    with threadpool_limits(limits=1, user_api="blas"):
        groups = []
        for g, label in enumerate(labels):
            rows = x[codes == g]
            need = lay.group_npar(g)
            if rows.shape[0] < need:
                where = f"group {label!r} of {group!r}" if group is not None else "the data"
                raise DataError(
                    f"data: {where} has {rows.shape[0]} response(s) with an answer; "
                    f"expected at least {need}, the free parameters of its model"
                )
            groups.append(_group(rows, label if group is not None else "all", items))
        theta, m2ll, iterations, converged, message = _estimate(lay, groups)
        problems = [] if converged else [message]
        ses, scaled = np.full(lay.npar, np.nan), dict[str, object]()
        if se or robust:
            try:
                ses, scaled = inference(lay, theta, groups, m2ll, robust=robust)
            except np.linalg.LinAlgError:
                problems.append("the information matrix is singular: no standard errors")
    fit = {**_fit_row(lay, theta, m2ll, groups), **scaled}
    grouped = group is not None
    return assemble_result(
        lay, theta, ses, fit, names, items, labels, grouped, problems, iterations, stacklevel=4
    )


def _fit_row(lay: Layout, theta: np.ndarray, m2ll: float, groups: list[_Group]) -> dict[str, float]:
    n = sum(grp.n for grp in groups)
    p = lay.factor_of.size
    ng = len(groups)
    df = ng * (p * (p + 1) // 2 + p) - lay.npar
    h1 = sum(grp.h1_m2ll for grp in groups)
    chi2 = max(m2ll - h1, 0.0)
    base = sum(grp.base_m2ll for grp in groups) - h1
    base_df = ng * p * (p - 1) // 2
    row = ml_fit_row(
        n=n,
        chi2=chi2,
        df=df,
        base=base,
        base_df=base_df,
        groups=ng,
        npar=lay.npar,
        loglik=-m2ll / 2,
        srmr_value=srmr(lay, theta, [grp.h1 for grp in groups]),
    )
    return {**row, "unrestricted_loglik": -h1 / 2}


#: One group's rows by pattern with its EM saturated model and baseline, for models
#: fitted outside this module (:mod:`analysis.structure.general_fit`).
FimlGroup = _Group
fiml_group = _group
