"""Sentences about the structure for the report and the methods paragraph."""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from analysis.methods import fmt_num, fmt_p
from analysis.structure.cfa import CFAResult
from analysis.structure.invariance import invariance_level

__all__ = ["fit_sentence", "structure_methods"]


def fit_sentence(result: CFAResult) -> str:
    """``chi2(df) = ..., p ..., CFI = ..., TLI = ..., RMSEA = ... [90 % CI], SRMR = ...``."""
    f = result.fit.iloc[0]

    def num(x: float) -> str:
        return fmt_num(x, 3, leading_zero=False)

    return (f"\u03c7\u00b2({int(f.df)}) = {f.chi2:.2f}, {fmt_p(f.p)}, CFI = {num(f.cfi)}, "
            f"TLI = {num(f.tli)}, RMSEA = {num(f.rmsea)} [90 % CI {num(f.rmsea_ci_low)}, "
            f"{num(f.rmsea_ci_high)}], SRMR = {num(f.srmr)}")


def structure_methods(result: CFAResult | None,
                      ladders: Mapping[str, pd.DataFrame | None]) -> str:
    """Two sentences for the methods paragraph: the CFA and the invariance ladders.

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
    text = (f"The factor structure ({len(factors)} correlated factors: {', '.join(factors)}; "
            "the first item of each factor as its marker) was tested by maximum-likelihood "
            f"confirmatory factor analysis on the n = {int(result.fit.n.iloc[0])} complete "
            f"responses with lavaan's conventions ({fit_sentence(result)})"
            + ("" if result.converged else "; the solution was improper or did not converge: "
               + "; ".join(result.problems)) + ".")
    tested = {f: lad for f, lad in ladders.items() if lad is not None}
    if tested:
        held = [f for f, lad in tested.items() if invariance_level(lad) in ("scalar", "strict")]
        failed = [f for f in tested if f not in held]
        text += (" Measurement invariance across " + ", ".join(tested) + " was tested with "
                 "the configural, metric, scalar and strict multi-group models, a step failing "
                 "by Chen's (2007) criteria (\u0394CFI \u2264 \u2212.010 with \u0394RMSEA "
                 "\u2265 .015 or \u0394SRMR \u2265 .030/.010)")
        text += (f"; scalar invariance held across {', '.join(held)}" if held else "")
        text += (f"; it did not hold across {', '.join(failed)}, so mean differences there "
                 "are interpreted with caution" if failed else "")
        text += "."
    untested = [f for f, lad in ladders.items() if lad is None]
    if untested:
        text += (" Measurement invariance could not be tested across " + ", ".join(untested)
                 + " (too few complete responses per group), so mean differences there are "
                 "interpreted with caution.")
    return text
