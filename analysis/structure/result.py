"""The result of a CFA, whichever estimator ran: :class:`CFAResult`, its tables
(loadings, factor correlations, residual variances) and the improper-solution checks."""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy.special import ndtr

from analysis.structure._engine import Layout, implied, matrices

__all__ = ["CFAResult", "CFAWarning", "FIT_COLUMNS", "assemble_result", "result_tables"]

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


def result_tables(
    lay: Layout,
    x: np.ndarray,
    se: np.ndarray,
    names: list[str],
    items: list[str],
    labels: list,
    grouped: bool,
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, list[str]]:
    """The loadings, factor correlations and residual variances of every group (numpy
    columns, one DataFrame each), and the problems of an improper solution."""
    p, f = len(items), lay.factor_of
    below = np.tril_indices(lay.k, -1)
    take_se = lambda idx: np.where(idx >= 0, se[np.maximum(idx, 0)], np.nan)  # noqa: E731
    load, cors, res, problems = [], [], [], []
    for g, label in enumerate(labels):
        lam, phi, theta, _, _ = matrices(lay, x, g)
        sigma, _ = implied(lay, x, g)
        sd_item, sd_fac = np.sqrt(np.diag(sigma)), np.sqrt(np.clip(np.diag(phi), 0, None))
        est, err = lam[np.arange(p), f], take_se(lay.lam[g])
        std = est * sd_fac[f] / sd_item
        with np.errstate(divide="ignore", invalid="ignore"):
            z = est / err
            scale = sd_fac[below[0]] * sd_fac[below[1]]
            corr = np.where(scale > 0, phi[below] / scale, np.nan)
        pval = 2 * ndtr(-np.abs(z))
        load.append([[label] * p, [names[j] for j in f], list(items), est, err, z, pval, std])
        pairs = [[label] * below[0].size, [names[b] for b in below[1]], [names[a] for a in below[0]]]
        cors.append([*pairs, phi[below], corr])
        res.append([[label] * p, list(items), theta, take_se(lay.theta[g]), theta / np.diag(sigma)])
        problems += improper(items, theta, std, phi, f" in group {label!r}" if grouped else "")
    load_cols = ["group", "factor", "item", "estimate", "se", "z", "p", "std_all"]
    cor_cols = ["group", "factor", "other", "covariance", "correlation"]
    res_cols = ["group", "item", "estimate", "se", "std_all"]
    tables = (
        column_table(load, load_cols, grouped),
        column_table(cors, cor_cols, grouped),
        column_table(res, res_cols, grouped),
    )
    return *tables, problems


def improper(items: list[str], theta: np.ndarray, std: np.ndarray, phi: np.ndarray, where: str) -> list[str]:
    """The problems of an improper solution (ML and WLSMV alike): negative residual
    variances, standardized loadings beyond 1 (item by item) and a factor covariance
    matrix that is not positive definite."""
    problems = []
    for i in np.flatnonzero((theta < 0) | (np.abs(std) > 1)):
        if theta[i] < 0:
            problems.append(
                f"item {items[i]!r} has a negative residual variance ({theta[i]:.4g}){where} (a Heywood case)"
            )
        if abs(std[i]) > 1:
            problems.append(f"item {items[i]!r} has a standardized loading of {std[i]:.3f}{where}")
    if np.linalg.eigvalsh(phi)[0] <= 0:
        problems.append(
            f"the factor covariance matrix{where} is not positive definite "
            "(a factor variance is negative or a correlation is beyond ±1)"
        )
    return problems


def column_table(parts: list[list], columns: list[str], grouped: bool) -> pd.DataFrame:
    """One table from the groups' columns (lists or arrays, in ``columns`` order), built
    once; without ``group`` when the model has one group."""
    data = {
        c: [v for part in parts for v in part[i]]  # labels: as lists, so pandas infers their dtype
        if isinstance(parts[0][i], list)
        else np.concatenate([part[i] for part in parts]).astype(float)
        for i, c in enumerate(columns)
    }
    cols = columns if grouped else [c for c in columns if c != "group"]
    return pd.DataFrame({c: data[c] for c in cols})


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
    counts = ("n", "df", "npar", "baseline_df")
    table = pd.DataFrame({k: [int(v) if k in counts else v] for k, v in fit.items()})
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
