"""Confirmatory factor analysis: :func:`cfa`, a thin composition of the estimators
(complete-case ML, FIML, WLSMV) and their shared result."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

import pandas as pd

from analysis.structure._threads import single_blas
from analysis.structure.fiml import cfa_fiml
from analysis.structure.fit import rmsea_ci, srmr
from analysis.structure.inputs import check_equal
from analysis.structure.ml import cfa_ml
from analysis.structure.ordinal_cfa import cfa_ordinal
from analysis.structure.result import FIT_COLUMNS, CFAResult, CFAWarning, assemble_result, result_tables
from survey.errors import DataError

__all__ = ["cfa", "CFAResult", "FIT_COLUMNS", "CFAWarning", "MISSING", "rmsea_ci", "srmr", "result_tables"]
__all__ += ["assemble_result"]

#: How :func:`cfa` treats missing answers: complete cases, or full-information ML.
MISSING = ("listwise", "ml")


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
        return cfa_ordinal(data, factors, group=group, ordered=ordered)
    if estimator not in ("ML", "MLR") or (estimator == "MLR" and missing != "ml"):
        raise DataError(
            f'estimator: got {estimator!r} with missing={missing!r}; expected "ML", '
            'or "MLR" (robust) together with missing="ml"'
        )
    if missing == "ml":
        return cfa_fiml(data, factors, group=group, equal=equal, robust=estimator == "MLR")
    return cfa_ml(data, factors, group=group, equal=equal)
