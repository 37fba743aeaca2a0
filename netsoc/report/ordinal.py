"""The answers as ordered categories (issue 24): the WLSMV CFA as the reported
structure, with the maximum-likelihood fit beside it, the Wu & Estabrook ladder per
grouping field with enough complete responses, and categorical omega.

WLSMV works on the polychoric correlations of the complete responses; the ML fit
(full information by default) uses every answer.  Both are shown so a reader sees
what the choice of estimator changes.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

import netsoc.report.apa as apa
from netsoc.report.study import Study, md_text
from netsoc.report.tables import ReportTable

__all__ = [
    "ordinal_fit",
    "ordinal_ladders",
    "ordinal_reason",
    "ordinal_note",
    "fit_comparison_table",
    "omega_categorical_by_scale",
    "ordinal_methods",
]

#: Fewest complete responses per group for an ordinal ladder (thresholds per item
#: and group need answers in every category).
ORDINAL_MIN_N = 100


def _model(study: Study) -> tuple[pd.DataFrame, dict[str, list[str]]]:
    from analysis.structure import instrument_model

    return instrument_model(study.included, study.instrument)


def ordinal_fit(study: Study) -> Any:
    """The WLSMV CFA of the instrument's model on the complete responses."""
    from analysis.structure import cfa
    from netsoc.report.structure import quiet

    data, factors = _model(study)
    return quiet(cfa, data, factors, ordered=True)


def _qualifying(study: Study, field: str) -> tuple[pd.DataFrame, dict, dict]:
    """The model's data with ``field`` ("na" dropped) and complete responses per group."""
    from netsoc.report.structure import group_sizes

    data, factors = _model(study)
    values = study.included[field]
    data[field] = values.where(values.astype("string") != "na")
    return data, factors, group_sizes(data, factors, field, "listwise")


def ordinal_ladders(study: Study) -> dict[str, pd.DataFrame | None]:
    """The ordinal ladder per grouping field with two or more groups of at least
    ``max(min_group_size, ORDINAL_MIN_N)`` complete responses (None otherwise)."""
    from analysis.structure import invariance
    from netsoc.report.structure import quiet
    from survey.errors import DataError

    minimum = max(study.options.min_group_size, ORDINAL_MIN_N)
    out: dict[str, pd.DataFrame | None] = {}
    for field in study.groups:
        data, factors, counts = _qualifying(study, field)
        from analysis.structure import invariance_groups

        counts = invariance_groups(data, factors, field, missing="listwise", min_n=minimum)
        keep = list(counts)
        if len(keep) < 2:
            out[field] = None
            continue
        sub = data[data[field].isin(keep)].reset_index(drop=True)
        sub[field] = sub[field].astype(object)
        try:
            out[field] = quiet(invariance, sub, factors, field, ordered=True)
        except DataError:
            out[field] = None
    return out


def ordinal_reason(study: Study, field: str, labels: dict[str, str]) -> str:
    """Why a field has no ordinal ladder: its complete responses per group."""
    _, _, counts = _qualifying(study, field)
    minimum = max(study.options.min_group_size, ORDINAL_MIN_N)
    sizes = ", ".join(
        f"{labels.get(str(g), g)} {n}" for g, n in sorted(counts.items(), key=lambda kv: -kv[1])
    )
    return (
        f"no ordinal ladder: WLSMV uses complete responses only, and it needs two groups "
        f"with at least {minimum} each ({sizes or 'none'})."
    )


def ordinal_note(study: Study, ordinal: Any, ml: Any) -> str:
    """Markdown: the reported (WLSMV) fit, and why it is the one reported (the ML
    fit's numbers are in the next paragraph and the fit table, said once)."""
    from analysis.structure import fit_sentence

    n = int(ordinal.fit["n"].iloc[0])
    text = (
        f"Treating the answers as ordered categories (WLSMV on polychoric correlations, "
        f"the n = {n} complete responses): {fit_sentence(ordinal)}."
    )
    if ml is not None:
        text += (
            " Maximum likelihood treats the answers as continuous, which understates the "
            "loadings of Likert items (Li, 2016), so the ordinal fit is the one reported; "
            "the maximum likelihood fit, which uses every answer, follows."
        )
    return md_text(text)


def fit_comparison_table(study: Study, ordinal: Any, ml: Any) -> ReportTable:
    """One row per estimator: WLSMV (scaled indices) and ML."""
    from netsoc.report.structure import estimator_text

    rows, raw = [], []
    for label, fit, scaled in (
        ("WLSMV (ordinal; complete responses)", ordinal, True),
        (
            "ML (" + ("full information" if study.options.missing == "ml" else "complete responses") + ")",
            ml,
            False,
        ),
    ):
        if fit is None:
            continue
        r = fit.fit.iloc[0]
        sfx = "_scaled" if scaled else ""
        rows.append(
            {
                "Estimator": label,
                "n": apa.integer(r["n"]),
                "χ²": apa.number(r[f"chi2{sfx}"]),
                "df": apa.integer(r[f"df{sfx}"]),
                "p": apa.p_value(r["scaled_p" if scaled else "p"]),
                "CFI": apa.bounded(r[f"cfi{sfx}"], 3),
                "TLI": apa.bounded(r[f"tli{sfx}"], 3),
                "RMSEA": apa.bounded(r[f"rmsea{sfx}"], 3),
                "SRMR": apa.bounded(r["srmr"], 3),
            }
        )
        raw.append(fit.fit.assign(model=label))
    note = (
        "WLSMV = diagonally weighted least squares with robust standard errors and the "
        "mean- and variance-adjusted (scaled-shifted) test, on polychoric correlations, delta "
        "parameterization (lavaan's defaults for ordered items; Muthén et al., 1997); its "
        f"χ², CFI, TLI and RMSEA are the scaled ones. ML: {estimator_text(study)}. Common guides: "
        "CFI and TLI ≥ .95, RMSEA ≤ .06, SRMR ≤ .08 (Hu & Bentler, 1999)."
    )
    return study.table(
        pd.DataFrame(rows),
        "Confirmatory factor analysis: model fit by estimator",
        note,
        pd.concat(raw, ignore_index=True),
    )


def omega_categorical_by_scale(study: Study) -> dict[str, float]:
    """Categorical omega (Green & Yang) of networking and socializing."""
    from analysis import omega_categorical
    from netsoc.report.structure import quiet

    data, factors = _model(study)
    table = quiet(omega_categorical, data, factors)
    return {str(r.factor): float(r.omega_categorical) for r in table.itertuples()}


def ordinal_methods(
    study: Study, ordinal: Any, ladders: dict[str, pd.DataFrame | None], omega: dict[str, float] | None
) -> str:
    """The ordinal sentences of the methods paragraph."""
    from analysis.structure import fit_sentence
    from netsoc.report.results import field_label

    if ordinal is None:
        return ""
    text = (
        "Because the answers are ordered categories, the model was also estimated by WLSMV "
        "(diagonally weighted least squares on polychoric correlations with robust standard "
        "errors and a scaled-shifted test, delta parameterization; Muthén et al., 1997) on "
        f"the n = {int(ordinal.fit['n'].iloc[0])} complete responses: {fit_sentence(ordinal)}."
    )
    tested = {f: lad for f, lad in ladders.items() if lad is not None}
    if tested:
        held = [field_label(study, f).lower() for f, lad in tested.items() if _all_supported(lad)]
        text += (
            " Ordinal invariance (Wu & Estabrook, 2016; scaled difference tests, Satorra, "
            "2000) was tested across " + ", ".join(field_label(study, f).lower() for f in tested) + "."
        )
        if held:
            text += " Every step up to equal intercepts held across " + ", ".join(held) + "."
    if omega:
        text += (
            " Beside Cronbach's alpha, reliability is given as categorical omega (Green & "
            "Yang, 2009): the reliability of each scale's sum score from the ordinal factor "
            "model (" + ", ".join(f"{k} {apa.bounded(v)}" for k, v in omega.items()) + ")."
        )
    return text


def _all_supported(lad: pd.DataFrame) -> bool:
    steps = lad["supported"].iloc[1:]
    return bool(len(steps)) and bool(steps.notna().all()) and bool(steps.astype(bool).all())
