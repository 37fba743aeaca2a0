"""CFA of ordinal items by WLSMV: input checks, fit indices and result tables.

:func:`cfa_ordinal` is what ``analysis.cfa(..., ordered=True)`` runs.  Fit
indices follow lavaan 0.6.14's ``fitMeasures`` for a WLSMV fit: ``cfi``,
``tli`` and ``rmsea`` from the unscaled DWLS statistic and its baseline; the
``*_scaled`` ones from the scaled-shifted statistics of the model and of the
baseline (``rmsea_scaled = sqrt(max(T_scaled / N / df - 1 / N, 0)) sqrt(G)``,
0.6.14's formula, not the later "robust" RMSEA; ``N - G`` in place of ``N``
for the RMSEA and its interval, as lavaan does for WLSMV); SRMR is the root mean
square of the residual correlations over ``p(p-1)/2 + p`` entries per group,
averaged with weights ``N_g / N``.  There is no likelihood, so ``aic``,
``bic`` and ``loglik`` are NaN.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats
from scipy.special import ndtr

from analysis.structure.fit import rmsea_ci
from analysis.structure.inputs import model_data
from analysis.structure.ordinal_data import category_levels, recode
from analysis.structure.ordinal_model import (
    OrdLayout,
    carry_over,
    implied,
    ladder_layout,
    marker_layout,
    values,
)
from analysis.structure.result import CFAResult, CFAWarning, column_table, improper
from analysis.structure.wlsmv import Fit, Inference, OrdGroup, estimate, group_stats, inference
from survey.errors import DataError, Problem

__all__ = [
    "cfa_ordinal",
    "OrdinalFit",
    "ordinal_input",
    "OrdinalInput",
    "fit_ordinal",
    "ladder_fit",
    "SCALED_COLUMNS",
]

#: The scaled (WLSMV) columns the fit table adds to :data:`~analysis.structure.FIT_COLUMNS`.
SCALED_COLUMNS = (
    "chi2_scaled",
    "df_scaled",
    "scaled_p",
    "cfi_scaled",
    "tli_scaled",
    "rmsea_scaled",
    "rmsea_ci_low_scaled",
    "rmsea_ci_high_scaled",
)


@dataclass
class OrdinalInput:
    """Checked ordinal data: items, factors and every group's category codes."""

    names: list[str]
    items: list[str]
    factor_of: np.ndarray
    labels: list
    codes: list[np.ndarray]
    ncat: np.ndarray
    group: str | None


@dataclass
class OrdinalFit:
    """A WLSMV fit with what the scaled difference test needs."""

    result: CFAResult
    layout: OrdLayout
    fit: Fit
    inference: Inference
    groups: list[OrdGroup]


def _check_ordered(ordered: bool | Sequence[str], items: list[str]) -> None:
    if ordered is True:
        return
    if ordered is False:  # not reached through cfa()/invariance(), which dispatch on it
        raise DataError("ordered: WLSMV needs ordered=True or the list of ordinal items")
    names = [ordered] if isinstance(ordered, str) else list(ordered)
    left = [i for i in items if i not in names]
    if left:
        raise DataError(
            f"ordered: the model's items {left} are not listed as ordered; WLSMV "
            "here treats every item of the model as ordinal (pass ordered=True)"
        )


def ordinal_input(
    data: pd.DataFrame,
    factors: Mapping[str, Sequence[str]],
    *,
    group: str | None = None,
    ordered: bool | Sequence[str] = True,
) -> OrdinalInput:
    """Check the data and recode every item to categories ``0 .. K-1``.

    Raises
    ------
    DataError
        A factor or item problem (as :func:`~analysis.structure.cfa`), codes that
        are not whole numbers, a constant item, or (with ``group``) a category
        observed in one group but not in another, naming the item and the group.
    """
    names, items, factor_of, x, _, labels, gcodes = model_data(data, factors, group)
    _check_ordered(ordered, items)
    levels = category_levels(x[gcodes >= 0], items)
    codes, problems = [], []
    for g, label in enumerate(labels):
        rows = x[gcodes == g]
        if group is not None:
            for j, item in enumerate(items):
                seen = np.unique(rows[:, j])
                absent = [v for v in levels[j] if v not in seen]
                if absent:
                    shown = ", ".join(f"{v:g}" for v in absent)
                    problems.append(
                        Problem(
                            item,
                            f"category {shown} is observed in other groups "
                            f"but not in group {label!r} of {group!r}; thresholds "
                            "cannot be compared (merge rare categories or drop "
                            "the group)",
                            where=f"item {item!r}",
                        )
                    )
        codes.append(recode(rows, levels))
    if problems:
        raise DataError("data: the ordinal items do not have the same categories in every group", problems)
    return OrdinalInput(names, items, factor_of, labels, codes, np.array([lv.size for lv in levels]), group)


def _cfi_tli(chi2: float, df: float, base: float, base_df: float) -> tuple[float, float]:
    """lavaan's ``lav_fit_cfi`` and ``lav_fit_tli``."""
    t1, t2 = max(chi2 - df, 0.0), max(chi2 - df, base - base_df, 0.0)
    cfi = 1.0 if (abs(t1) < 1.5e-8 and abs(t2) < 1.5e-8) else 1.0 - t1 / t2
    num, den = (chi2 - df) * base_df, (base - base_df) * df
    tli = 1.0 - num / den if (df > 0 and abs(den) > 0) else 1.0
    return cfi, tli


def _rmsea(chi2: float, df: float, n: int, groups: int) -> float:
    """lavaan's RMSEA; for WLSMV lavaan passes ``N - G`` as ``n``."""
    return float(np.sqrt(max(chi2 / n / df - 1.0 / n, 0.0)) * np.sqrt(groups)) if df > 0 else 0.0


def _fit_row(lay: OrdLayout, fit: Fit, inf: Inference, groups: list[OrdGroup]) -> dict:
    n = sum(grp.n for grp in groups)
    g_count = len(groups)
    df, chi2, chi2_s = inf.df, fit.chi2, inf.chi2_scaled
    cfi, tli = _cfi_tli(chi2, df, inf.baseline_chi2, inf.baseline_df)
    cfi_s, tli_s = _cfi_tli(chi2_s, df, inf.baseline_chi2_scaled, inf.baseline_df)
    n_rmsea = n - g_count  # lavaan's lav_utils_get_ntotal for a non-ML estimator
    low, high = rmsea_ci(chi2, df, n_rmsea, g_count)
    low_s, high_s = rmsea_ci(chi2_s, df, n_rmsea, g_count)
    srmr = 0.0
    for g, grp in enumerate(groups):
        t = grp.sample.flat_thresholds.size
        resid = grp.rho - implied(lay, fit.x, g)[t:]
        srmr += grp.n / n * np.sqrt((resid**2).sum() / (resid.size + grp.sample.ncat.size))
    p = lambda s: float(stats.chi2.sf(s, df)) if df > 0 else np.nan  # noqa: E731
    return {
        "n": n,
        "chi2": chi2,
        "df": df,
        "p": p(chi2),
        "cfi": cfi,
        "tli": tli,
        "rmsea": _rmsea(chi2, df, n_rmsea, g_count),
        "rmsea_ci_low": low,
        "rmsea_ci_high": high,
        "srmr": float(srmr),
        "aic": np.nan,
        "bic": np.nan,
        "chi2_scaled": chi2_s,
        "df_scaled": df,
        "scaled_p": p(chi2_s),
        "cfi_scaled": cfi_s,
        "tli_scaled": tli_s,
        "rmsea_scaled": _rmsea(chi2_s, df, n_rmsea, g_count),
        "rmsea_ci_low_scaled": low_s,
        "rmsea_ci_high_scaled": high_s,
        "scaling_factor": inf.scaling,
        "shift": inf.shift,
        "npar": lay.npar,
        "loglik": np.nan,
        "baseline_chi2": inf.baseline_chi2,
        "baseline_df": inf.baseline_df,
        "baseline_chi2_scaled": inf.baseline_chi2_scaled,
        "estimator": "WLSMV",
    }


def _tables(
    lay: OrdLayout, x: np.ndarray, se: np.ndarray, inp: OrdinalInput
) -> tuple[dict[str, pd.DataFrame], list[str]]:
    """Loadings, factor correlations, residual variances (``1 / delta^2 - lambda^2
    psi``) and thresholds of every group (numpy columns, one DataFrame each), and the
    problems of an improper solution."""
    f, p, items, t = lay.factor_of, len(inp.items), list(inp.items), lay.item_of_th.size
    below = np.tril_indices(lay.k, -1)
    take_se = lambda idx: np.where(idx >= 0, se[np.maximum(idx, 0)], np.nan)  # noqa: E731
    number = np.zeros(t, dtype=int)  # the threshold's number within its item
    for j in range(p):
        number[lay.item_of_th == j] = np.arange(1, int((lay.item_of_th == j).sum()) + 1)
    load, cors, res, ths, problems = [], [], [], [], []
    for g, label in enumerate(inp.labels):
        v = values(lay, x, g)
        lam, psi, delta = v["lam"], v["psi"], v["delta"]
        sd_fac = np.sqrt(np.clip(np.diag(psi), 0, None))
        err, std = take_se(lay.idx["lam"][g]), lam * sd_fac[f] * delta
        theta = 1.0 / delta**2 - lam**2 * psi[f, f]
        with np.errstate(divide="ignore", invalid="ignore"):
            z = lam / err
            scale = sd_fac[below[0]] * sd_fac[below[1]]
            corr = np.where(scale > 0, psi[below] / scale, np.nan)
        load.append([[label] * p, [inp.names[j] for j in f], items, lam, err, z, 2 * ndtr(-np.abs(z)), std])
        res.append([[label] * p, items, theta, np.full(p, np.nan), theta * delta**2])
        th_items = [items[i] for i in lay.item_of_th]
        ths.append([[label] * t, th_items, number.tolist(), v["tau"], take_se(lay.idx["tau"][g])])
        names = [[label] * below[0].size, [inp.names[b] for b in below[1]], [inp.names[a] for a in below[0]]]
        cors.append([*names, psi[below], corr])
        problems += improper(items, theta, std, psi, f" in group {label!r}" if inp.group is not None else "")
    grouped = inp.group is not None
    columns = {
        "loadings": (load, ["group", "factor", "item", "estimate", "se", "z", "p", "std_all"]),
        "factor_correlations": (cors, ["group", "factor", "other", "covariance", "correlation"]),
        "residual_variances": (res, ["group", "item", "estimate", "se", "std_all"]),
        "thresholds": (ths, ["group", "item", "threshold", "estimate", "se"]),
    }
    return {name: column_table(parts, cols, grouped) for name, (parts, cols) in columns.items()}, problems


def fit_ordinal(
    inp: OrdinalInput,
    lay: OrdLayout,
    stats_cache: list[OrdGroup] | None = None,
    after: OrdinalFit | None = None,
) -> OrdinalFit:
    """Fit ``lay`` to the checked data by WLSMV (``stats_cache``: the groups'
    sample statistics when already computed, e.g. along the ladder; ``after``: the
    converged fit of the step below, to start from)."""

    def where(label: object) -> str:
        return f"group {label!r} of {inp.group!r}" if inp.group is not None else "the data"

    for g, label in enumerate(inp.labels):
        # thresholds are pinned down by each item's margins (every category is
        # observed, checked above); the rest of the model needs a row per parameter
        need = lay.group_npar(g, thresholds=False)
        if inp.codes[g].shape[0] < need:
            raise DataError(
                f"data: {where(label)} has {inp.codes[g].shape[0]} complete case(s); "
                f"expected at least {need}, the number of free parameters of its "
                "model besides the thresholds"
            )
    groups = stats_cache if stats_cache is not None else [group_stats(c, inp.ncat) for c in inp.codes]
    start = carry_over(after.layout, after.fit.x, lay) if after is not None and after.fit.converged else None
    fit = estimate(lay, groups, start)
    problems = [] if fit.converged else [fit.message]
    try:
        inf = inference(lay, fit, groups)
    except np.linalg.LinAlgError:
        raise DataError(
            "data: the model's information matrix is singular, so it is not "
            "identified by these data (too few categories or items?)"
        ) from None
    tables, improper = _tables(lay, fit.x, inf.se, inp)
    problems += improper
    if problems:
        warnings.warn(
            "cfa (WLSMV): " + "; ".join(problems) + "; the estimates are not trustworthy",
            CFAWarning,
            stacklevel=3,
        )
    row = pd.DataFrame([_fit_row(lay, fit, inf, groups)])
    for c in ("n", "df", "df_scaled", "npar", "baseline_df"):
        row[c] = row[c].astype("int64")
    result = CFAResult(
        fit=row,
        converged=not problems,
        problems=problems,
        groups=list(inp.labels) if inp.group is not None else [],
        iterations=fit.iterations,
        **tables,
    )
    return OrdinalFit(result, lay, fit, inf, groups)


def cfa_ordinal(
    data: pd.DataFrame,
    factors: Mapping[str, Sequence[str]],
    *,
    group: str | None = None,
    ordered: bool | Sequence[str] = True,
) -> CFAResult:
    """WLSMV CFA of ordinal items with lavaan's defaults (delta parameterization,
    each factor scaled by its first item; with ``group``, thresholds,
    loadings and factor covariances free in every group).  See
    :func:`analysis.structure.cfa` for the parameters."""
    inp = ordinal_input(data, factors, group=group, ordered=ordered)
    lay = marker_layout(inp.factor_of, len(inp.names), inp.ncat, len(inp.labels))
    return fit_ordinal(inp, lay).result


def ladder_fit(
    inp: OrdinalInput, step: str, stats_cache: list[OrdGroup] | None = None, after: OrdinalFit | None = None
) -> OrdinalFit:
    """One step of the Wu & Estabrook ladder (see :func:`~.ordinal_model.ladder_layout`)."""
    lay = ladder_layout(inp.factor_of, len(inp.names), inp.ncat, len(inp.labels), step)
    return fit_ordinal(inp, lay, stats_cache, after)
