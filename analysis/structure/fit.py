"""Fit indices of an ML CFA as lavaan computes them: chi-square, baseline, CFI, TLI,
RMSEA with its interval, SRMR, information criteria (in the spirit of lavaan's
``lav_fit_*.R`` files: one concern per file)."""

from __future__ import annotations

import numpy as np
from scipy import optimize, special, stats

from analysis.structure._engine import Layout, Moments, implied

__all__ = ["fit_row", "incremental_fit", "ml_fit_row", "rmsea_ci", "srmr"]


# ------------------------------------------------------------ fit indices
def rmsea_ci(chi2: float, df: float, n: int, groups: int, level: float = 0.90) -> tuple[float, float]:
    """lavaan's interval: invert the noncentral chi-square cdf in its noncentrality."""

    def cdf(lam: float) -> float:  # scipy's ncx2.cdf without its per-call overhead
        return float(special.chndtr(chi2, df, max(lam, 0.0)))

    hi_p, lo_p = 1 - (1 - level) / 2, (1 - level) / 2
    lower = upper = 0.0
    if df >= 1 and cdf(0) >= hi_p:
        lam = optimize.brentq(lambda v: cdf(v) - hi_p, 0, chi2, xtol=1e-12)
        lower = np.sqrt(lam / (n * df)) * np.sqrt(groups)
    top = max(n, 4 * chi2)
    if df >= 1 and cdf(top) <= lo_p and cdf(0) >= lo_p:
        lam = optimize.brentq(lambda v: cdf(v) - lo_p, 0, top, xtol=1e-12)
        upper = np.sqrt(lam / (n * df)) * np.sqrt(groups)
    return float(lower), float(upper)


def srmr(lay: Layout, x: np.ndarray, moments: list[Moments]) -> float:
    """Bentler's SRMR per group, residual means included with a mean structure,
    averaged with weights ``N_g / N`` (lavaan's ``srmr``)."""
    n_total = sum(m.n for m in moments)
    total = 0.0
    for g, m in enumerate(moments):
        sigma, mu = implied(lay, x, g)
        sd = np.sqrt(np.diag(m.cov))
        r = (m.cov - sigma) / np.outer(sd, sd)
        sq = r[np.tril_indices_from(r)] ** 2
        if mu is not None:
            sq = np.concatenate([sq, ((m.mean - mu) / sd) ** 2])
        total += m.n / n_total * np.sqrt(sq.mean())
    return float(total)


def incremental_fit(
    chi2: float, df: float, base: float, base_df: float, n: int, groups: int
) -> tuple[float, float, float]:
    """CFI, TLI and RMSEA (lavaan's formulas, ``sqrt(G)`` for ``G`` groups)."""
    d_model, d_base = max(chi2 - df, 0.0), max(base - base_df, 0.0)
    denom = max(d_model, d_base)
    cfi = 1.0 - d_model / denom if denom > 0 else 1.0
    tli = ((base / base_df - chi2 / df) / (base / base_df - 1.0)) if df > 0 else 1.0
    rmsea = float(np.sqrt(max(chi2 - df, 0.0) / (df * n)) * np.sqrt(groups)) if df > 0 else 0.0
    return cfi, tli, rmsea


def ml_fit_row(
    *,
    n: int,
    chi2: float,
    df: float,
    base: float,
    base_df: float,
    groups: int,
    npar: int,
    loglik: float,
    srmr_value: float,
) -> dict[str, float]:
    """The fit table's row of an ML fit (complete-case or FIML) from its chi-square,
    baseline and log-likelihood: p, CFI, TLI, RMSEA with its 90 % interval, AIC, BIC."""
    cfi, tli, rmsea = incremental_fit(chi2, df, base, base_df, n, groups)
    low, high = rmsea_ci(chi2, df, n, groups)
    return {
        "n": n,
        "chi2": chi2,
        "df": df,
        "p": float(stats.chi2.sf(chi2, df)) if df > 0 else np.nan,
        "cfi": cfi,
        "tli": tli,
        "rmsea": rmsea,
        "rmsea_ci_low": low,
        "rmsea_ci_high": high,
        "srmr": srmr_value,
        "aic": -2 * loglik + 2 * npar,
        "bic": -2 * loglik + npar * np.log(n),
        "npar": npar,
        "loglik": loglik,
        "baseline_chi2": base,
        "baseline_df": base_df,
    }


def fit_row(lay: Layout, x: np.ndarray, f: float, moments: list[Moments]) -> dict[str, float]:
    """One row of :data:`analysis.structure.cfa.FIT_COLUMNS` for an ML fit with
    minimum ``f`` of the fit function (chi-square ``n * f``, lavaan's conventions)."""
    n = sum(m.n for m in moments)
    p = lay.factor_of.size
    groups = len(moments)
    ms = lay.nu is not None
    df = groups * (p * (p + 1) // 2 + (p if ms else 0)) - lay.npar
    chi2 = n * f
    base = sum(m.n * (np.log(np.diag(m.cov)).sum() - m.logdet) for m in moments)
    base_df = groups * p * (p - 1) // 2
    sat = sum(-m.n / 2 * (p * np.log(2 * np.pi) + m.logdet + p) for m in moments)
    return ml_fit_row(
        n=n,
        chi2=chi2,
        df=df,
        base=base,
        base_df=base_df,
        groups=groups,
        npar=lay.npar,
        loglik=sat - chi2 / 2,
        srmr_value=srmr(lay, x, moments),
    )
