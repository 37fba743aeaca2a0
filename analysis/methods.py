"""A methods paragraph written from the numbers of an actual run.

Everything in the text (N, exclusions and the rule, reliabilities, tests,
corrections, the significance level, the regression) comes from the result
tables passed in; nothing is typed by hand, so the paragraph cannot drift
from the analysis it describes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from survey.instrument import Instrument

__all__ = ["methods_paragraph", "fmt_p", "fmt_num"]

_CORRECTION_NAMES = {
    "holm": "Holm's step-down method",
    "fdr_bh": "the Benjamini-Hochberg false discovery rate procedure",
    "bonferroni": "the Bonferroni correction",
}
_TEST_NAMES = {
    "Welch t": "Welch's t test",
    "Welch F": "Welch's ANOVA",
    "one-way ANOVA F": "one-way ANOVA",
    "Mann-Whitney U": "the Mann-Whitney U test",
    "Kruskal-Wallis H": "the Kruskal-Wallis test",
}
_EFFECT_NAMES = {
    "hedges_g": "Hedges' g",
    "omega_sq": "\u03c9\u00b2",
    "rank_biserial": "the rank-biserial correlation",
    "epsilon_sq": "\u03b5\u00b2",
}


def fmt_num(x: float, digits: int = 2, *, leading_zero: bool = True) -> str:
    """Fixed decimals; APA style drops the leading zero for values bounded by 1."""
    if x is None or (isinstance(x, float) and np.isnan(x)):
        return "NA"
    s = f"{x:.{digits}f}"
    if not leading_zero and abs(x) < 1:
        s = s.replace("0.", ".", 1)
    return s


def fmt_p(p: float) -> str:
    """APA p value: ``p < .001`` or ``p = .034``."""
    if p is None or np.isnan(p):
        return "p = NA"
    return "p < .001" if p < 0.001 else f"p = {fmt_num(p, 3, leading_zero=False)}"


def _join(words: list[str]) -> str:
    if len(words) <= 1:
        return "".join(words)
    return ", ".join(words[:-1]) + " and " + words[-1]


def _reliability_sentence(rel: pd.DataFrame) -> str:
    rows = rel[rel["facet"].isna()]
    parts = []
    for r in rows.itertuples():
        if r.method == "alpha":
            om = (
                f", \u03c9t = {fmt_num(r.omega_total, leading_zero=False)}"
                if not np.isnan(r.omega_total)
                else ""
            )
            parts.append(
                f"{r.scale} (k = {r.k}, \u03b1 = {fmt_num(r.alpha, leading_zero=False)}, "
                f"95 % CI [{fmt_num(r.ci_low, leading_zero=False)}, "
                f"{fmt_num(r.ci_high, leading_zero=False)}]{om})"
            )
        else:
            parts.append(f"the balance difference score (reliability {fmt_num(r.alpha, leading_zero=False)})")
    facets = rel[rel["facet"].notna() & (rel["method"] == "alpha")]
    text = "Internal consistency was " + _join(parts) + "."
    if len(facets):
        text += (
            f" Facet reliabilities ranged from {fmt_num(facets['alpha'].min(), leading_zero=False)}"
            f" to {fmt_num(facets['alpha'].max(), leading_zero=False)}"
            + (
                f" ({facets['k'].min()} items each)."
                if facets["k"].min() == facets["k"].max()
                else f" ({facets['k'].min()}-{facets['k'].max()} items per facet)."
            )
        )
    return text


def _comparison_sentences(cmp: pd.DataFrame, alpha: float) -> str:
    if cmp is None or len(cmp) == 0:
        return ""
    tested = cmp[cmp["tested"]]
    dvs = list(dict.fromkeys(cmp["dv"]))
    groups = list(dict.fromkeys(cmp["group"]))
    tests = [_TEST_NAMES.get(t, t) for t in dict.fromkeys(tested["test"])]
    effects = [_EFFECT_NAMES.get(e, str(e)) for e in dict.fromkeys(tested["effect"].dropna())]
    corr = _CORRECTION_NAMES.get(cmp.attrs.get("correction", ""), str(cmp.attrs.get("correction")))
    k_min = cmp.attrs.get("min_group_size", "")
    text = (
        f"Group differences in {_join(dvs)} by {_join(groups)} were tested with "
        f"{_join(tests) or 'no test'} ({len(tested)} tests"
        + (f"; {len(cmp) - len(tested)} comparisons could not be tested" if len(tested) < len(cmp) else "")
        + f"), with effect sizes reported as {_join(effects) or 'NA'}. "
        f"Levels with fewer than {k_min} respondents and the answer \u201cprefer not to say\u201d "
        f"were left out of the comparisons. p values were adjusted for multiple comparisons with "
        f"{corr} and compared with \u03b1 = {fmt_num(alpha, 3, leading_zero=False).rstrip('0')}."
    )
    sig = tested[tested["adj_p"] < alpha]
    if len(sig):
        parts = [
            f"{r.dv} by {r.group} ({_stat(r)}, {fmt_p(r.adj_p).replace('p', 'adj_p', 1)}, "
            f"{_EFFECT_NAMES.get(r.effect, r.effect)} = "
            f"{fmt_num(r.estimate, leading_zero=r.effect in ('hedges_g', 'cohen_d'))})"
            for r in sig.itertuples()
        ]
        text += (
            f" After correction, {len(sig)} of {len(tested)} differences were significant: "
            + "; ".join(parts)
            + "."
        )
    else:
        text += f" After correction, none of the {len(tested)} differences was significant."
    return text


def _stat(r: Any) -> str:
    name = str(r.test)
    if name.endswith(" t"):
        return f"t({fmt_num(r.df1, 1)}) = {fmt_num(r.statistic)}"
    if name.endswith(" F"):
        return f"F({fmt_num(r.df1, 0)}, {fmt_num(r.df2, 1)}) = {fmt_num(r.statistic)}"
    if name.endswith(" H"):
        return f"H({fmt_num(r.df1, 0)}) = {fmt_num(r.statistic)}"
    return f"U = {fmt_num(r.statistic, 1)}"


def _regression_sentence(reg: pd.DataFrame, alpha: float) -> str:
    if reg is None or len(reg) == 0:
        return ""
    formula = reg.attrs.get("formula", "")
    robust = reg.attrs.get("robust")
    r0 = reg.iloc[0]
    se = " with HC3 heteroscedasticity-consistent standard errors" if robust == "HC3" else ""
    terms = reg[reg["term"] != "Intercept"]
    sig = terms[terms["p"] < alpha]
    text = (
        f"An ordinary least squares regression ({formula}){se} on n = {int(r0['n'])} "
        f"respondents explained R\u00b2 = {fmt_num(r0['r2'], 3, leading_zero=False)} "
        f"(adjusted {fmt_num(r0['r2_adj'], 3, leading_zero=False)}) of the variance; "
        f"{len(sig)} of {len(terms)} coefficients had p < "
        f"{fmt_num(alpha, 3, leading_zero=False).rstrip('0')} (not adjusted)."
    )
    return text


def methods_paragraph(
    *,
    instrument: Instrument,
    n_total: int,
    n_excluded: int,
    exclusion_rule: str,
    reliability: pd.DataFrame | None = None,
    structure: str | None = None,
    comparisons: pd.DataFrame | None = None,
    regression: pd.DataFrame | None = None,
    alpha: float = 0.05,
    seed: int | None = None,
    data_sha256: str | None = None,
    packages: dict[str, str] | None = None,
) -> str:
    """The methods paragraph for a paper, from the results of one run.

    Parameters
    ----------
    instrument : Instrument
        Name, version, items per scale.
    n_total, n_excluded : int
        Responses read and excluded.
    exclusion_rule : str
        The rule in words (``flag_careless(...).attrs["rule"]``).
    reliability : DataFrame, optional
        :func:`analysis.psychometrics.reliability`.
    structure : str, optional
        The CFA and invariance sentences
        (:func:`analysis.structure.structure_methods`).
    comparisons : DataFrame, optional
        :func:`analysis.compare.compare_groups` (its ``attrs`` carry the
        correction and minimum group size).
    regression : DataFrame, optional
        :func:`analysis.compare.regress` (``attrs["formula"]``, ``"robust"``).
    alpha : float
        Significance level.
    seed, data_sha256, packages
        Stated at the end for reproducibility.

    Returns
    -------
    str
        Plain text (Markdown-safe), one paragraph.
    """
    n = n_total - n_excluded
    share = n_excluded / n_total if n_total else 0.0
    lo, hi = instrument.response_range(instrument.item_ids[0])
    k = {s: len(instrument.scale_items(s)) for s in instrument.scales}
    scales = _join([f"{s} ({k[s]} items)" for s in instrument.scales])
    parts = [
        f"Participants completed the {instrument.title} questionnaire ({instrument.id} "
        f"version {instrument.version}), which measures {scales} on a "
        f"{hi - lo + 1}-point agreement scale ({lo}-{hi}), with "
        f"{len(instrument.attention_checks)} attention-check items.",
        f"Of N = {n_total} responses, {n_excluded} ({share:.1%}) were excluded as careless "
        f"({exclusion_rule}), leaving n = {n} for analysis."
        if n_excluded
        else f"Of N = {n_total} responses none were excluded ({exclusion_rule}); n = {n} were analysed.",
        "Scale scores were the means of the answered items after reflecting reverse-keyed items; "
        "a scale was scored only when enough of its items were answered, and nothing was imputed. "
        f"The balance index is (networking \u2212 socializing) / {hi - lo}, ranging from \u22121 "
        "(socializing only) to 1 (networking only).",
    ]
    if reliability is not None and len(reliability):
        parts.append(_reliability_sentence(reliability))
    if structure:
        parts.append(structure)
    if comparisons is not None:
        parts.append(_comparison_sentences(comparisons, alpha))
    if regression is not None:
        parts.append(_regression_sentence(regression, alpha))
    tail = []
    if packages:
        tail.append(
            "Analyses used netsoc "
            + packages.get("netsoc", "")
            + " with "
            + ", ".join(f"{p} {v}" for p, v in packages.items() if p in ("pandas", "scipy", "statsmodels"))
        )
    if seed is not None:
        tail.append(f"random seed {seed}")
    if data_sha256:
        tail.append(f"data SHA-256 {data_sha256[:16]}")
    if tail:
        parts.append("; ".join(tail) + ".")
    return " ".join(p for p in parts if p)
