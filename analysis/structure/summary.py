"""Sentences about the structure for the report and the methods paragraph."""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from analysis.methods import fmt_num, fmt_p
from analysis.structure.cfa import CFAResult
from analysis.structure.invariance import invariance_level

__all__ = [
    "fit_sentence",
    "ml_comparison_sentence",
    "structure_methods",
    "ORDINAL_REFERENCES",
    "ORDINAL_RELIABILITY_SENTENCE",
]

#: The methods sentence for the ordinal reliability coefficients.
ORDINAL_RELIABILITY_SENTENCE = (
    "Reliability is reported as Cronbach's alpha beside categorical omega (Green & Yang 2009: "
    "the reliability of each scale's sum score from the ordinal factor model, as semTools' "
    "compRelSEM) and ordinal alpha (alpha on the polychoric correlations; Zumbo, Gadermann & "
    "Zeisser 2007)."
)

#: The works the ordinal methods sentences cite.
ORDINAL_REFERENCES = (
    "Chen, F. F. (2007). Sensitivity of goodness of fit indexes to lack of measurement "
    "invariance. Structural Equation Modeling, 14(3), 464-504.",
    "Green, S. B., & Yang, Y. (2009). Reliability of summed item scores using structural "
    "equation modeling: An alternative to coefficient alpha. Psychometrika, 74(1), 155-167.",
    "Li, C.-H. (2016). Confirmatory factor analysis with ordinal data: Comparing robust maximum "
    "likelihood and diagonally weighted least squares. Behavior Research Methods, 48(3), 936-949.",
    "Muth\u00e9n, B. O., du Toit, S. H. C., & Spisic, D. (1997). Robust inference using weighted "
    "least squares and quadratic estimating equations in latent variable modeling with "
    "categorical and continuous outcomes. Unpublished technical report.",
    "Rosseel, Y. (2012). lavaan: An R package for structural equation modeling. Journal of "
    "Statistical Software, 48(2), 1-36.",
    "Satorra, A. (2000). Scaled and adjusted restricted tests in multi-sample analysis of moment "
    "structures. In Innovations in Multivariate Statistical Analysis (pp. 233-247). Kluwer.",
    "Wu, H., & Estabrook, R. (2016). Identification of confirmatory factor analysis models of "
    "different levels of invariance for ordered categorical outcomes. Psychometrika, 81(4), "
    "1014-1045.",
    "Zumbo, B. D., Gadermann, A. M., & Zeisser, C. (2007). Ordinal versions of coefficients "
    "alpha and theta for Likert rating scales. Journal of Modern Applied Statistical Methods, "
    "6(1), 21-29.",
)


def _wlsmv(result: CFAResult) -> bool:
    return "estimator" in result.fit.columns and result.fit["estimator"].iloc[0] == "WLSMV"


def fit_sentence(result: CFAResult) -> str:
    """``chi2(df) = ..., p ..., CFI = ..., TLI = ..., RMSEA = ... [90 % CI], SRMR = ...``.

    For a WLSMV fit (``ordered=True``) the scaled (mean- and variance-adjusted)
    chi-square and the scaled CFI, TLI and RMSEA.
    """
    f = result.fit.iloc[0]
    scaled = "_scaled" if _wlsmv(result) else ""

    def num(x: float) -> str:
        return fmt_num(x, 3, leading_zero=False)

    def col(name: str) -> float:
        return f["scaled_p" if (name == "p" and scaled) else name + scaled]

    chi = "\u03c7\u00b2"
    label = f"scaled {chi}" if scaled else chi
    return (
        f"{label}({int(f.df)}) = {col('chi2'):.2f}, {fmt_p(col('p'))}, CFI = {num(col('cfi'))}, "
        f"TLI = {num(col('tli'))}, RMSEA = {num(col('rmsea'))} [90 % CI "
        f"{num(col('rmsea_ci_low'))}, {num(col('rmsea_ci_high'))}], SRMR = {num(f.srmr)}"
    )


def ml_comparison_sentence(ml: CFAResult) -> str:
    """One line: the same model by maximum likelihood, treating answers as continuous."""
    return (
        "Treating the answers as continuous (maximum likelihood) gives "
        f"{fit_sentence(ml)}; ML on Likert items understates the loadings "
        "(Li 2016), so the ordinal fit is the one reported."
    )


def structure_methods(result: CFAResult | None, ladders: Mapping[str, pd.DataFrame | None]) -> str:
    """Two sentences for the methods paragraph: the CFA and the invariance ladders.

    A WLSMV result (``cfa(..., ordered=True)``) and ordinal ladders
    (``invariance(..., ordered=True)``) are described as such, with the
    works of :data:`ORDINAL_REFERENCES` cited by author and year.

    Parameters
    ----------
    result : CFAResult or None
        The CFA of the instrument's model (None: not fitted).
    ladders : mapping of str to DataFrame or None
        Grouping field -> :func:`invariance` ladder (None: too few cases).
    """
    if result is None:
        return ""
    factors = list(dict.fromkeys(result.loadings["factor"]))
    how = (
        "maximum-likelihood confirmatory factor analysis"
        if not _wlsmv(result)
        else "confirmatory factor analysis of the answers as ordinal categories: polychoric "
        "correlations and thresholds, WLSMV estimation (diagonally weighted least squares "
        "with robust standard errors and the mean- and variance-adjusted chi-square; "
        "Muth\u00e9n, du Toit & Spisic 1997) in the delta parameterization (Rosseel 2012)"
    )
    text = (
        f"The factor structure ({len(factors)} correlated factors: {', '.join(factors)}; "
        f"the first item of each factor as its marker) was tested by {how} on the "
        f"n = {int(result.fit.n.iloc[0])} complete "
        f"responses with lavaan's conventions ({fit_sentence(result)})"
        + (
            ""
            if result.converged
            else "; the solution was improper or did not converge: " + "; ".join(result.problems)
        )
        + "."
    )
    tested = {f: lad for f, lad in ladders.items() if lad is not None}
    if tested:
        text += _ladders_sentence(tested)
    untested = [f for f, lad in ladders.items() if lad is None]
    if untested:
        text += (
            " Measurement invariance could not be tested across "
            + ", ".join(untested)
            + " (too few complete responses per group), so mean differences there are "
            "interpreted with caution."
        )
    return text


def _ladders_sentence(tested: Mapping[str, pd.DataFrame]) -> str:
    """The methods' sentence on the invariance ladders that were tested."""
    held = [f for f, lad in tested.items() if invariance_level(lad) in ("scalar", "strict", "intercepts")]
    failed = [f for f in tested if f not in held]
    ordinal = any("thresholds" in lad.index for lad in tested.values())
    models = (
        "Wu and Estabrook's (2016) models for ordinal items (configural; equal "
        "thresholds; equal thresholds and loadings; equal thresholds, loadings and "
        "intercepts), each compared with the one before by the scaled chi-square "
        "difference test (Satorra 2000) and, on the scaled indices, a step failing"
        if ordinal
        else "the configural, metric, scalar and strict multi-group models, a step failing"
    )
    text = (
        " Measurement invariance across "
        + ", ".join(tested)
        + " was tested with "
        + models
        + " by Chen's (2007) criteria (\u0394CFI \u2264 \u2212.010 with "
        "\u0394RMSEA \u2265 .015 or \u0394SRMR \u2265 .030/.010)"
    )
    level = "intercept (scalar)" if ordinal else "scalar"
    text += f"; {level} invariance held across {', '.join(held)}" if held else ""
    text += (
        f"; it did not hold across {', '.join(failed)}, so mean differences there "
        "are interpreted with caution"
        if failed
        else ""
    )
    text += "."
    return text
