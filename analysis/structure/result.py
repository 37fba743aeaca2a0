"""The result of a CFA, whichever estimator ran: :class:`CFAResult`, its tables
(loadings, factor correlations, residual variances) and the improper-solution checks."""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

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
