"""Maximum likelihood on complete cases: the sample moments once, Fisher scoring on
them (:mod:`analysis.structure._engine`), expected-information standard errors."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

import numpy as np
import pandas as pd
from scipy import linalg

from analysis.structure._engine import Moments, estimate, layout
from analysis.structure._threads import one_blas_thread
from analysis.structure.fit import fit_row
from analysis.structure.inputs import check_equal, model_data
from analysis.structure.result import CFAResult, assemble_result
from survey.errors import DataError

__all__ = ["cfa_ml", "sample_moments"]


def sample_moments(x: np.ndarray, label: object, items: list[str]) -> Moments:
    """The sample moments, computed once from the data (the estimation then
    works on them alone): one pass for the means, one symmetric rank-N update
    of the centred data on one BLAS thread."""
    n = x.shape[0]
    mean = x.mean(axis=0)
    with one_blas_thread():
        xc = np.asfortranarray(x - mean)
        cov = linalg.blas.dsyrk(1.0 / n, xc, trans=1)
    cov = np.triu(cov) + np.triu(cov, 1).T
    sign, logdet = np.linalg.slogdet(cov)
    if sign <= 0:
        flat = [items[j] for j in np.flatnonzero(np.diag(cov) <= 1e-12)]
        why = f"item(s) {flat} do not vary" if flat else "some items are linear combinations of others"
        raise DataError(
            f"data: the covariance matrix of the items in group {label!r} is "
            f"singular ({why}); a CFA needs positive-definite covariances"
        )
    return Moments(n, cov, mean, float(logdet))


def cfa_ml(
    data: pd.DataFrame,
    factors: Mapping[str, Sequence[str]],
    *,
    group: str | None = None,
    equal: str | Iterable[str] = (),
) -> CFAResult:
    """:func:`analysis.structure.cfa` on complete cases (``missing="listwise"``)."""
    eq = check_equal(equal, group)
    names, items, factor_of, x, keep, labels, codes = model_data(data, factors, group)
    lay = layout(factor_of, len(names), len(labels), group is not None, eq)
    p = len(items)
    moments_count = len(labels) * (p * (p + 1) // 2 + (p if group is not None else 0))
    if lay.npar > moments_count:
        raise DataError(
            f"factors: the model has {lay.npar} free parameters but the data give only "
            f"{moments_count} moments; the model is not identified (add items)"
        )
    moments = []
    for g, label in enumerate(labels):
        rows = x if (len(labels) == 1 and keep.all()) else x[codes == g]  # no copy when all rows count
        need = lay.group_npar(g)
        if rows.shape[0] < need:
            where = f"group {label!r} of {group!r}" if group is not None else "the data"
            raise DataError(
                f"data: {where} has {rows.shape[0]} complete case(s); expected at least "
                f"{need}, the number of free parameters of its model"
            )
        moments.append(sample_moments(rows, label if group is not None else "all", items))
    est = estimate(lay, moments)
    problems = [] if est.converged else [est.message]
    n_total = sum(m.n for m in moments)
    try:
        vcov = np.linalg.inv(n_total * est.info)
        se = np.sqrt(np.clip(np.diag(vcov), 0, None))
    except np.linalg.LinAlgError:
        se = np.full(lay.npar, np.nan)
        problems.append("the information matrix is singular: no standard errors")
    fit = fit_row(lay, est.x, est.f, moments)
    grouped = group is not None
    return assemble_result(lay, est.x, se, fit, names, items, labels, grouped, problems, est.iterations)
