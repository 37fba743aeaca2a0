"""The table of an invariance ladder, one builder for every ladder (groups or waves,
ML, FIML or WLSMV): the fit per step, the difference test, the changes and the decision,
with the cut-offs read from the ladder itself (``attrs["cutoffs"]``)."""

from __future__ import annotations

import pandas as pd

import netsoc.report.apa as apa
from netsoc.report.study import Study
from netsoc.report.tables import ReportTable

__all__ = ["ladder_table", "ladder_groups", "rule_words", "step_changes", "ESTIMATOR_WORDS"]

#: The ML estimators in words, by how missing answers are used (``missing=``).
ESTIMATOR_WORDS = {
    "ml": 'maximum likelihood with every answer used (full-information ML, lavaan\'s missing = "ml")',
    "listwise": "maximum likelihood on the complete responses (listwise deletion)",
}


def step_changes(r: pd.Series) -> dict[str, str]:
    """A ladder row's changes from the step before and whether the step is supported."""
    supported = r["supported"]
    return {
        "ΔCFI": apa.bounded(r["delta_cfi"], 3),
        "ΔRMSEA": apa.bounded(r["delta_rmsea"], 3),
        "ΔSRMR": apa.bounded(r["delta_srmr"], 3),
        "Supported": apa.DASH if pd.isna(supported) else ("yes" if bool(supported) else "no"),
    }


def ladder_groups(lad: pd.DataFrame, labels: dict[str, str]) -> str:
    """``"Hybrid: n = 221; Remote: n = 172"`` from a ladder's ``attrs["n"]``."""
    return "; ".join(f"{labels.get(str(g), g)}: n = {n}" for g, n in lad.attrs.get("n", {}).items())


#: What each step of either ladder holds equal, for the table's note.
_STEP_WORDS = {
    "configural": "same structure",
    "metric": "equal loadings",
    "scalar": "equal loadings and intercepts",
    "strict": "equal residual variances too",
    "thresholds": "equal thresholds",
    "loadings": "equal loadings too",
    "intercepts": "equal intercepts too",
}


def _upper_first(text: str) -> str:
    return text[:1].upper() + text[1:]


def _cut(value: float) -> str:
    return apa.bounded(value, 3)


def rule_words(lad: pd.DataFrame) -> str:
    """The ladder's decision rule in words, from its ``attrs["cutoffs"]`` (Chen, 2007)."""
    cut = lad.attrs["cutoffs"]
    scaled = "the scaled " if cut["scaled"] else ""
    by: dict[float, list[str]] = {}
    for step, value in cut["delta_srmr"].items():
        by.setdefault(value, []).append(step)
    srmr = " / ".join(f"{_cut(v)} ({', '.join(steps)})" for v, steps in by.items())
    return (
        f"a step is supported unless {scaled}CFI drops by {_cut(cut['delta_cfi'])} or more together "
        f"with {scaled}RMSEA rising by {_cut(cut['delta_rmsea'])} or more or SRMR by {srmr} or "
        "more (Chen, 2007)"
    )


def _ladder_row(step: object, r: pd.Series, scaled: str) -> dict[str, str]:
    return {
        "Step": str(step).capitalize(),
        ("χ² (df), scaled" if scaled else "χ² (df)"): (
            f"{apa.number(r['chi2' + scaled])} ({apa.integer(r['df' + scaled])})"
        ),
        "CFI": apa.bounded(r["cfi" + scaled], 3),
        "RMSEA": apa.bounded(r["rmsea" + scaled], 3),
        "SRMR": apa.bounded(r["srmr"], 3),
        "Δχ² (Δdf)": (
            apa.DASH
            if pd.isna(r["delta_chi2"])
            else f"{apa.number(r['delta_chi2'])} ({apa.integer(r['delta_df'])})"
        ),
        "p(Δχ²)": apa.p_value(r["delta_p"]),
        **step_changes(r),
    }


def ladder_table(study: Study, field: str, lad: pd.DataFrame, labels: dict[str, str]) -> ReportTable:
    """One row per invariance step with its fit and the change from the step before,
    for either ladder (ML/FIML or the ordinal WLSMV one, told apart by its cut-offs)."""
    from netsoc.report.results import field_label

    ordinal = bool(lad.attrs["cutoffs"]["scaled"])
    scaled = "_scaled" if ordinal else ""
    rows = [_ladder_row(step, r, scaled) for step, r in lad.iterrows()]
    steps = "; ".join(f"{step}: {_STEP_WORDS.get(str(step), str(step))}" for step in lad.index)
    if ordinal:
        how = (
            f"Groups (complete responses): {ladder_groups(lad, labels)}. WLSMV; steps after Wu "
            f"and Estabrook (2016): {steps}; Δχ² and p(Δχ²) = scaled difference test "
            "(Satorra, 2000)"
        )
        title = f"Ordinal measurement invariance across {field_label(study, field).lower()}"
    else:
        estimator = ESTIMATOR_WORDS[lad.attrs.get("missing", "listwise")]
        how = f"Groups: {ladder_groups(lad, labels)}. Estimator: {estimator}. {_upper_first(steps)}"
        title = f"Measurement invariance across {field_label(study, field).lower()}"
    note = f"{how}. {_upper_first(rule_words(lad))}."
    return study.table(pd.DataFrame(rows), title, note, lad.reset_index())
