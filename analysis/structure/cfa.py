"""Confirmatory factor analysis: :func:`cfa` and its result."""

from __future__ import annotations

import warnings
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import linalg, stats

from analysis.structure._engine import Layout, Moments, estimate, implied, layout, matrices
from analysis.structure._threads import one_blas_thread, single_blas
from analysis.structure.fit import fit_row, rmsea_ci, srmr
from analysis.structure.inputs import check_equal, model_data
from survey.errors import DataError

__all__ = ["cfa", "CFAResult", "FIT_COLUMNS", "CFAWarning", "MISSING", "rmsea_ci", "srmr", "result_tables"]

#: How :func:`cfa` treats missing answers: complete cases, or full-information ML.
MISSING = ("listwise", "ml")

#: The columns of :attr:`CFAResult.fit`, in order.
FIT_COLUMNS = (
    "n",
    "chi2",
    "df",
    "p",
    "cfi",
    "tli",
    "rmsea",
    "rmsea_ci_low",
    "rmsea_ci_high",
    "srmr",
    "aic",
    "bic",
)


class CFAWarning(UserWarning):
    """A CFA did not converge or has an improper solution (a Heywood case)."""


@dataclass
class CFAResult:
    """The fit of a CFA (see :func:`cfa`).

    Attributes
    ----------
    fit : DataFrame
        One row: :data:`FIT_COLUMNS`, plus ``npar``, ``loglik``,
        ``baseline_chi2`` and ``baseline_df``.
    loadings : DataFrame
        ``group`` (only when grouped), ``factor``, ``item``, ``estimate``,
        ``se``, ``z``, ``p``, ``std_all``; a marker loading is fixed to 1 and
        has NaN ``se``, ``z`` and ``p``.
    factor_correlations : DataFrame
        ``group`` (when grouped), ``factor``, ``other``, ``covariance``,
        ``correlation``.
    residual_variances : DataFrame
        ``group`` (when grouped), ``item``, ``estimate``, ``se``, ``std_all``.
    converged : bool
        False when the optimiser did not converge or the solution is improper
        (a negative residual variance, a factor covariance matrix that is not
        positive definite, a standardized loading beyond 1); see ``problems``.
    problems : list of str
        What went wrong, in words (empty when all is well).
    groups : list
        The group labels in model order (first appearance in the data).
    iterations : int
        Fisher-scoring iterations (Gauss-Newton for WLSMV).
    thresholds : DataFrame or None
        WLSMV only (``ordered=``): ``group`` (when grouped), ``item``,
        ``threshold`` (1, 2, ...), ``estimate``, ``se``; None for ML.
    """

    fit: pd.DataFrame
    loadings: pd.DataFrame
    factor_correlations: pd.DataFrame
    residual_variances: pd.DataFrame
    converged: bool
    problems: list[str] = field(default_factory=list)
    groups: list = field(default_factory=list)
    iterations: int = 0
    thresholds: pd.DataFrame | None = None

    def __repr__(self) -> str:
        row = self.fit.iloc[0]
        state = "converged" if self.converged else "NOT converged: " + "; ".join(self.problems)
        return (
            f"CFAResult(n={int(row.n)}, chi2={row.chi2:.3f}, df={int(row.df)}, "
            f"cfi={row.cfi:.3f}, rmsea={row.rmsea:.3f}, srmr={row.srmr:.3f}, {state})"
        )


# ----------------------------------------------------------------- input
def _moments(x: np.ndarray, label: object, items: list[str]) -> Moments:
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


# ------------------------------------------------------------- estimates
def result_tables(
    lay: Layout,
    x: np.ndarray,
    se: np.ndarray,
    names: list[str],
    items: list[str],
    labels: list,
    grouped: bool,
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, list[str]]:
    p = len(items)
    load_rows, cor_rows, res_rows, problems = [], [], [], []
    take_se = lambda idx: se[idx] if idx >= 0 else np.nan  # noqa: E731
    for g, label in enumerate(labels):
        lam, phi, theta, _, _ = matrices(lay, x, g)
        sigma, _ = implied(lay, x, g)
        sd_item, sd_fac = np.sqrt(np.diag(sigma)), np.sqrt(np.clip(np.diag(phi), 0, None))
        where = f" in group {label!r}" if grouped else ""
        for i in range(p):
            j = lay.factor_of[i]
            est = lam[i, j]
            s = take_se(lay.lam[g, i])
            std = est * sd_fac[j] / sd_item[i]
            load_rows.append(
                {
                    "group": label,
                    "factor": names[j],
                    "item": items[i],
                    "estimate": est,
                    "se": s,
                    "z": est / s,
                    "std_all": std,
                }
            )
            res_rows.append(
                {
                    "group": label,
                    "item": items[i],
                    "estimate": theta[i],
                    "se": take_se(lay.theta[g, i]),
                    "std_all": theta[i] / sigma[i, i],
                }
            )
            if theta[i] < 0:
                problems.append(
                    f"item {items[i]!r} has a negative residual variance "
                    f"({theta[i]:.4g}){where} (a Heywood case)"
                )
            if abs(std) > 1:
                problems.append(f"item {items[i]!r} has a standardized loading of {std:.3f}{where}")
        for a in range(lay.k):
            for b in range(a):
                corr = phi[a, b] / (sd_fac[a] * sd_fac[b]) if sd_fac[a] * sd_fac[b] > 0 else np.nan
                cor_rows.append(
                    {
                        "group": label,
                        "factor": names[b],
                        "other": names[a],
                        "covariance": phi[a, b],
                        "correlation": corr,
                    }
                )
        if np.linalg.eigvalsh(phi)[0] <= 0:
            problems.append(
                f"the factor covariance matrix{where} is not positive definite "
                "(a factor variance is negative or a correlation is beyond ±1)"
            )
    pvals = 2 * stats.norm.sf(np.abs(np.array([r["z"] for r in load_rows], dtype=float)))
    for row, pval in zip(load_rows, pvals):
        row["p"] = pval
    load = _frame(load_rows, ["group", "factor", "item", "estimate", "se", "z", "p", "std_all"], grouped)
    cors = _frame(cor_rows, ["group", "factor", "other", "covariance", "correlation"], grouped)
    res = _frame(res_rows, ["group", "item", "estimate", "se", "std_all"], grouped)
    return load, cors, res, problems


def _frame(rows: list[dict], columns: list[str], grouped: bool) -> pd.DataFrame:
    """A table built column by column (several times faster than from row dicts);
    without ``group`` when the model has one group."""
    cols = columns if grouped else [c for c in columns if c != "group"]
    return pd.DataFrame({c: [r[c] for r in rows] for c in cols}, columns=cols)


@single_blas
def cfa(
    data: pd.DataFrame,
    factors: Mapping[str, Sequence[str]],
    *,
    group: str | None = None,
    equal: str | Iterable[str] = (),
    ordered: bool | Sequence[str] = False,
    missing: str = "listwise",
    estimator: str = "ML",
) -> CFAResult:
    """Maximum-likelihood confirmatory factor analysis, as lavaan's ``cfa()``.

    Parameters
    ----------
    data : DataFrame
        Wide table, one row per respondent, one numeric column per item
        (already keyed: reverse-keyed items reflected, see
        :func:`~analysis.structure.instrument_model`).  Rows with a missing
        item (or group) are left out (complete cases, lavaan's listwise).
    factors : mapping of str to list of str
        ``{factor: [item, ...]}``; every item in exactly one factor, at least
        2 items per factor.  The first item of each factor is its marker.
    group : str, optional
        A grouping column: a multi-group model with a mean structure, groups
        in order of first appearance (lavaan's ``group=``).
    equal : str or iterable of str
        Equal across groups (lavaan's ``group.equal``): any of
        ``"loadings"``, ``"intercepts"`` (latent means then free in every
        group but the first) and ``"residuals"``.
    ordered : bool or list of str
        True (or a list naming every item of the model): the items are
        ordinal and the model is fitted as lavaan's ``cfa(ordered=)`` does,
        by WLSMV on polychoric correlations and thresholds (delta
        parameterization; see :mod:`analysis.structure.ordinal_cfa`).  The
        fit table then adds :data:`~analysis.structure.ordinal_cfa.SCALED_COLUMNS`
        and ``thresholds`` is filled.  Equalities across groups for ordinal
        items: use :func:`~analysis.structure.invariance` with ``ordered=True``.
    missing : {"listwise", "ml"}
        ``"listwise"``: complete cases only (lavaan's default).  ``"ml"``:
        full-information maximum likelihood, every row with an answer used
        (lavaan's ``missing = "ml"``: a mean structure, the saturated model by
        EM for the test, observed-information standard errors); see
        :mod:`analysis.structure.fiml`.
    estimator : {"ML", "MLR"}
        ``"MLR"`` (with ``missing="ml"``): lavaan's robust ML, Huber-White standard
        errors and the Yuan-Bentler scaled test; ``fit`` then also has
        ``chi2_scaled``, ``df_scaled``, ``scaled_p``, ``scaling_factor``,
        ``cfi_scaled``, ``tli_scaled``, ``rmsea_scaled`` and ``estimator``
        (:mod:`analysis.structure.fiml_inference`).

    Returns
    -------
    CFAResult
        ``fit``, ``loadings``, ``factor_correlations``,
        ``residual_variances``, ``converged`` and ``problems``.

    Raises
    ------
    DataError
        A missing or non-numeric item column, a factor with fewer than two
        items, an item in two factors, an unknown equality, fewer than two
        groups, a group (or the sample) with fewer complete cases than the
        free parameters its model has, a model with more free parameters
        than moments, or items that do not vary.

    Warns
    -----
    CFAWarning
        When the optimiser does not converge or the solution is improper;
        ``converged`` is then False.

    Examples
    --------
    >>> from analysis import cfa, instrument_model, make_demo
    >>> data, factors = instrument_model(make_demo(600, seed=1))
    >>> fit = cfa(data, factors)
    >>> fit.fit[["chi2", "df", "cfi", "rmsea", "srmr"]]  # doctest: +SKIP
    """
    if missing not in MISSING:
        raise DataError(f"missing: got {missing!r}; expected one of {list(MISSING)}")
    if ordered is not False:
        if missing != "listwise" or check_equal(equal, group):
            raise DataError(
                "ordered: WLSMV uses complete cases and no equality constraints here; "
                "use invariance(..., ordered=True) for the ordinal invariance ladder"
            )
        from analysis.structure.ordinal_cfa import cfa_ordinal

        return cfa_ordinal(data, factors, group=group, ordered=ordered)
    if estimator not in ("ML", "MLR") or (estimator == "MLR" and missing != "ml"):
        raise DataError(
            f'estimator: got {estimator!r} with missing={missing!r}; expected "ML", '
            'or "MLR" (robust) together with missing="ml"'
        )
    if missing == "ml":
        from analysis.structure.fiml import cfa_fiml

        return cfa_fiml(data, factors, group=group, equal=equal, robust=estimator == "MLR")
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
        moments.append(_moments(rows, label if group is not None else "all", items))
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


def assemble_result(
    lay: Layout,
    x: np.ndarray,
    se: np.ndarray,
    fit: Mapping[str, Any],
    names: list[str],
    items: list[str],
    labels: list,
    grouped: bool,
    problems: list[str],
    iterations: int,
    *,
    stacklevel: int = 3,
) -> CFAResult:
    """The :class:`CFAResult` of an ML fit (complete-case or FIML): its tables, the
    fit row with integer counts, and one :class:`CFAWarning` naming every problem
    (``stacklevel`` points the warning at the user's call)."""
    load, cors, res, improper = result_tables(lay, x, se, names, items, labels, grouped)
    problems = problems + improper
    table = pd.DataFrame([fit])
    for c in ("n", "df", "npar", "baseline_df"):
        table[c] = table[c].astype("int64")
    if problems:
        warnings.warn(
            "cfa: " + "; ".join(problems) + "; the estimates are not trustworthy",
            CFAWarning,
            stacklevel=stacklevel,
        )
    return CFAResult(
        fit=table,
        loadings=load,
        factor_correlations=cors,
        residual_variances=res,
        converged=not problems,
        problems=problems,
        groups=labels if grouped else [],
        iterations=iterations,
    )
