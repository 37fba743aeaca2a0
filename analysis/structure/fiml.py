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
    Start from the complete-data ML fit to the EM moments (the FIML estimate's close
    neighbour), then scoring on ``-2 logL`` with the complete-data expected information as
    the metric (steps halved until ``logL`` rises), until a step changes ``-2 logL`` by less
    than 1e-10 and the gradient's norm is below 1e-6 per respondent.  The patterns and h1 are
    computed once per group (:mod:`analysis.structure.missing_stats`) and shared by every step
    of a ladder (:func:`fiml_groups`, :func:`fit_fiml`).
h1 and fit
    The saturated model by EM; ``chi2 = 2 (logL_h1 - logL_h0)``; the baseline is the
    independence model (its likelihood separates by item); CFI, TLI, RMSEA (N = rows used)
    as with complete data; SRMR against the EM moments, means included; AIC/BIC count the
    intercepts.  Standard errors (observed information) and the robust MLR variants:
    :mod:`analysis.structure.fiml_inference`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import NamedTuple

import numpy as np
import pandas as pd

from analysis._checks import check_frame, numeric_matrix
from analysis.structure._engine import (
    Layout,
    carry_over,
    discrepancy,
    estimate,
    group_params,
    implied,
    layout,
    model_derivatives,
    start_values,
)
from analysis.structure._threads import one_blas_thread
from analysis.structure.fiml_inference import inference
from analysis.structure.fit import ml_fit_row, srmr
from analysis.structure.inputs import check_equal, check_factors, group_codes, rows_used
from analysis.structure.ladder import Step
from analysis.structure.missing_stats import FimlGroup, fiml_group, pattern_sums
from analysis.structure.result import CFAResult, assemble_result
from survey.errors import DataError

__all__ = ["cfa_fiml", "fiml_groups", "fit_fiml", "fiml_ladder", "FimlData", "objective"]

_MAX_ITER = 1000
_STALL = 25


def objective(
    lay: Layout, theta: np.ndarray, groups: list[FimlGroup], *, gradient: bool = False
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
            m2ll, d_sigma, d_mu = pattern_sums(grp.patterns, sigma, mu, gradient=gradient)
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


def _metric(lay: Layout, theta: np.ndarray, groups: list[FimlGroup]) -> np.ndarray:
    """The scoring metric: the complete-data expected information at the h1 moments."""
    n_total = sum(grp.n for grp in groups)
    _, _, info = discrepancy(lay, theta, [grp.h1 for grp in groups], derivatives=True)
    return 2.0 * n_total * info if info is not None else np.eye(lay.npar)


def _direction(metric: np.ndarray, grad: np.ndarray) -> np.ndarray:
    try:
        return -np.linalg.solve(metric, grad)
    except np.linalg.LinAlgError:
        return -np.linalg.lstsq(metric, grad, rcond=None)[0]


def _line_search(
    lay: Layout, theta: np.ndarray, step: np.ndarray, f: float, groups: list[FimlGroup]
) -> tuple[float, float]:
    t = 1.0
    while True:
        f_new, _ = objective(lay, theta + t * step, groups)
        if f_new <= f or t < 1e-10:
            return t, f_new
        t /= 2


def _estimate(
    lay: Layout, groups: list[FimlGroup], start: np.ndarray | None = None
) -> tuple[np.ndarray, float, int, bool, str]:
    """Minimise ``-2 logL`` from ``start`` or the ML fit to the h1 moments (module
    docstring).  The metric is computed once and again only when its step fails."""
    n_total = sum(grp.n for grp in groups)
    theta = start if start is not None else estimate(lay, [grp.h1 for grp in groups]).x
    f, grad = objective(lay, theta, groups, gradient=True)
    if not np.isfinite(f):
        return theta, f, 0, False, "the starting values give no positive-definite model"
    metric, fresh, stalled = _metric(lay, theta, groups), True, 0
    for it in range(1, _MAX_ITER + 1):
        step = _direction(metric, grad)
        t, f_new = _line_search(lay, theta, step, f, groups)
        if not np.isfinite(f_new) or (f_new > f and t < 1e-10):
            if not fresh:  # an old metric: renew it and try again
                metric, fresh = _metric(lay, theta, groups), True
                continue
            small = np.linalg.norm(grad) / n_total < 1e-6
            return theta, f, it, bool(small), ("converged" if small else "no step decreases -2 logL")
        theta, fresh = theta + t * step, False
        change = f - f_new
        f, grad = objective(lay, theta, groups, gradient=True)
        small = np.linalg.norm(grad) / n_total < 1e-6
        if abs(change) < 1e-10 and small:
            return theta, f, it, True, "converged"
        stalled = stalled + 1 if change < 1e-8 else 0
        if stalled >= _STALL:  # creeping along a boundary (a Heywood case): give up early
            return theta, f, it, False, f"no progress in {_STALL} iterations (-2 logL changes by < 1e-8)"
    return theta, f, _MAX_ITER, False, f"no convergence in {_MAX_ITER} iterations"


class FimlData(NamedTuple):
    """The checked data of a FIML fit, by group, computed once (:func:`fiml_groups`)."""

    names: list[str]
    items: list[str]
    factor_of: np.ndarray
    labels: list
    group: str | None
    groups: list[FimlGroup]


def fiml_groups(
    data: pd.DataFrame, factors: Mapping[str, Sequence[str]], group: str | None = None
) -> FimlData:
    """Check the data and compute every group's patterns, h1 and baseline once."""
    data = check_frame(data)
    factors = check_factors(data, factors)
    names = list(factors)
    items = [i for f in factors.values() for i in f]
    factor_of = np.repeat(np.arange(len(names)), [len(factors[f]) for f in names])
    x = numeric_matrix(data, items)
    keep = rows_used(x, "ml")
    if group is None:
        labels, codes = [None], np.where(keep, 0, -1)
    else:
        labels, codes = group_codes(data, group, keep)
    with one_blas_thread():
        groups = [
            fiml_group(x[codes == g], label if group is not None else "all", items)
            for g, label in enumerate(labels)
        ]
    return FimlData(names, items, factor_of, labels, group, groups)


def _check_size(prep: FimlData, lay: Layout) -> None:
    p = len(prep.items)
    moments_count = len(prep.labels) * (p * (p + 1) // 2 + p)
    if lay.npar > moments_count:
        raise DataError(
            f"factors: the model has {lay.npar} free parameters but the data give only "
            f"{moments_count} moments; the model is not identified (add items)"
        )
    for g, label in enumerate(prep.labels):
        need = lay.group_npar(g)
        if prep.groups[g].n < need:
            where = f"group {label!r} of {prep.group!r}" if prep.group is not None else "the data"
            raise DataError(
                f"data: {where} has {prep.groups[g].n} response(s) with an answer; "
                f"expected at least {need}, the free parameters of its model"
            )


def _fit(
    prep: FimlData, equal: tuple[str, ...], se: bool, robust: bool, after: tuple[Layout, np.ndarray] | None
) -> tuple[CFAResult, Layout, np.ndarray]:
    lay = layout(prep.factor_of, len(prep.names), len(prep.labels), True, equal)
    _check_size(prep, lay)
    with one_blas_thread():
        start = None
        if after is not None:
            start = carry_over(after[0], after[1], lay, start_values(lay, [grp.h1 for grp in prep.groups]))
        theta, m2ll, iterations, converged, message = _estimate(lay, prep.groups, start)
        problems = [] if converged else [message]
        ses, scaled = np.full(lay.npar, np.nan), dict[str, object]()
        if se or robust:
            try:
                ses, scaled = inference(lay, theta, prep.groups, m2ll, robust=robust)
            except np.linalg.LinAlgError:
                problems.append("the information matrix is singular: no standard errors")
    fit = {**_fit_row(lay, theta, m2ll, prep.groups), **scaled}
    grouped = prep.group is not None
    args = (lay, theta, ses, fit, prep.names, prep.items, prep.labels, grouped, problems, iterations)
    return assemble_result(*args, stacklevel=6), lay, theta


def fit_fiml(
    prep: FimlData, equal: tuple[str, ...] = (), *, se: bool = True, robust: bool = False
) -> CFAResult:
    """Fit the model with the equalities ``equal`` to data prepared by :func:`fiml_groups`."""
    return _fit(prep, equal, se, robust, None)[0]


def fiml_ladder(prep: FimlData, steps: Mapping[str, tuple[str, ...]]) -> list[Step]:
    """The steps of a ladder on data prepared once, each started from the step below
    (:func:`~analysis.structure._engine.carry_over`); fit only, no standard errors."""
    out, after = [], None
    for name, equal in steps.items():
        result, lay, theta = _fit(prep, equal, False, False, after)
        out.append(Step(name, result))
        after = (lay, theta) if result.converged else None
    return out


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
    ``se=False`` skips the standard errors (NaN), for callers that show fit only.
    ``robust=True`` is lavaan's ``estimator = "MLR"``: Huber-White standard errors and
    the Yuan-Bentler scaled test with scaled CFI, TLI and RMSEA
    (:mod:`analysis.structure.fiml_inference`).
    """
    eq = check_equal(equal, group)
    prep = fiml_groups(data, factors, group)
    return _fit(prep, eq, se, robust, None)[0]


def _fit_row(lay: Layout, theta: np.ndarray, m2ll: float, groups: list[FimlGroup]) -> dict[str, float]:
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
