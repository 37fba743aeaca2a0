"""Structure before comparison: the CFA of the instrument's model and the
invariance ladder per grouping field, with full-information ML by default
(``ReportOptions.missing``), counted the way the estimator uses the responses."""

from __future__ import annotations

from typing import Any

import pandas as pd

import netsoc.report.apa as apa
from netsoc.report.ladder_tables import ESTIMATOR_WORDS, ladder_table
from netsoc.report.study import Study, md_text
from netsoc.report.tables import ReportTable
from survey.errors import DataError

__all__ = [
    "INVARIANCE_MIN_N",
    "ladder",
    "ladder_reason",
    "structure_fit",
    "structure_ladders",
    "structure_note",
    "structure_methods",
    "fit_table",
    "loadings_table",
    "ladder_table",
    "used_responses",
]

#: Fewest responses per group for an invariance ladder (a two-factor CFA of 32
#: items per group; with fewer the multi-group fit is unstable).
#: ``min_group_size`` applies too.
INVARIANCE_MIN_N = 100


def quiet(func: Any, *args: Any, **kwargs: Any) -> Any:
    """Run a CFA function with its CFAWarning silenced (the report states
    ``converged`` and the problems in words instead)."""
    import warnings

    from analysis.structure import CFAWarning

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", CFAWarning)
        return func(*args, **kwargs)


def _k(study: Study, min_group_size: int | None) -> int:
    return int(min_group_size if min_group_size is not None else study.options.min_group_size)


def used_responses(study: Study) -> tuple[int, int]:
    """(responses the factor models use, complete responses) among the analysed ones."""
    from analysis.structure import instrument_model
    from analysis.structure.inputs import used_rows

    data, factors = instrument_model(study.included, study.instrument)
    items = [i for f in factors.values() for i in f]
    return int(used_rows(data, items, missing=study.options.missing).sum()), int(used_rows(data, items).sum())


def _field_data(study: Study, field: str, values: pd.Series) -> tuple[pd.DataFrame, dict]:
    from analysis.structure import instrument_model

    data, factors = instrument_model(study.included, study.instrument)
    data[field] = values.where(values.astype("string") != "na")
    return data, factors


def ladder(
    study: Study, field: str, values: pd.Series, *, min_group_size: int | None = None
) -> pd.DataFrame | None:
    """The invariance ladder of the instrument's model across ``values``.

    Only groups with at least ``max(min_group_size, INVARIANCE_MIN_N)``
    responses as the estimator uses them (with FIML: every response with an
    answer; listwise: complete ones) take part, and "na" (prefer not to say) is
    never a group; ``None`` when fewer than two groups qualify
    (:func:`ladder_reason` says why in words).
    """
    from analysis.structure import invariance, invariance_groups

    data, factors = _field_data(study, field, values)
    missing = study.options.missing
    keep = invariance_groups(
        data, factors, field, missing=missing, min_n=max(_k(study, min_group_size), INVARIANCE_MIN_N)
    )
    if len(keep) < 2:
        return None
    data = data[data[field].isin(list(keep))].reset_index(drop=True)
    data[field] = data[field].astype(object)
    try:
        return quiet(invariance, data, factors, field, missing=missing)
    except DataError:
        return None


def ladder_reason(
    study: Study, field: str, values: pd.Series, labels: dict[str, str], *, min_group_size: int | None = None
) -> str:
    """Why a field has no ladder, in plain words (the groups and their sizes)."""
    data, factors = _field_data(study, field, values)
    counts = group_sizes(data, factors, field, study.options.missing)
    minimum = max(_k(study, min_group_size), INVARIANCE_MIN_N)
    sizes = ", ".join(
        f"{labels.get(str(g), g)} {n}" for g, n in sorted(counts.items(), key=lambda kv: -kv[1])
    )
    big = sum(1 for n in counts.values() if n >= minimum)
    return (
        f"no invariance ladder: it needs two groups with at least {minimum} responses "
        f"each, and {big or 'none'} {'has' if big == 1 else 'have'} that many "
        f"({sizes or 'no responses'}); compare its means with caution."
    )


def group_sizes(data: pd.DataFrame, factors: dict, field: str, missing: str) -> dict[object, int]:
    """Responses per group as the estimator uses them: with an answer (``"ml"``) or complete."""
    from analysis.structure.inputs import used_counts

    counts = used_counts(data, [i for f in factors.values() for i in f], field, missing)
    return {g: int(n) for g, n in counts.items() if n > 0}


def structure_fit(study: Study) -> Any:
    """The CFA of the instrument's model (networking and socializing, correlated)
    on the analysed responses; ``None`` when the data cannot carry it."""
    from analysis.structure import cfa, instrument_model

    data, factors = instrument_model(study.included, study.instrument)
    try:
        return quiet(cfa, data, factors, missing=study.options.missing)
    except DataError:
        return None


def structure_ladders(study: Study, *, min_group_size: int | None = None) -> dict[str, pd.DataFrame | None]:
    """The invariance ladder for every grouping field of the study (None: too few responses)."""
    return {
        f: ladder(study, f, study.included[f], min_group_size=min_group_size)
        for f in study.groups
        if f in study.included.columns
    }


def estimator_text(study: Study) -> str:
    return ESTIMATOR_WORDS[study.options.missing]


def structure_note(
    study: Study, fit: Any, ladders: dict[str, pd.DataFrame | None], *, min_group_size: int | None = None
) -> str:
    """Markdown: the CFA in one sentence with the responses it used and why,
    then one sentence per grouping field on whether comparing its means is warranted."""
    from analysis.structure import fit_sentence, invariance_sentence
    from netsoc.report.results import field_label, level_labels

    used, complete = used_responses(study)
    n = len(study.included)
    if fit is None:
        lines = [
            "The analysed responses cannot carry a confirmatory factor analysis of the "
            "instrument's model (too few responses, or items that do not vary)."
        ]
    else:
        why = (
            f"all {used} analysed responses with at least one answer ({complete} of them "
            "complete); missing answers are assumed missing at random"
            if study.options.missing == "ml"
            else f"the {complete} complete responses of {n} analysed; {n - complete} with a "
            "missing answer are left out"
        )
        lines = [
            f"Two correlated factors, networking and socializing, estimated by "
            f"{estimator_text(study)}: {fit_sentence(fit)}. It used {why}."
        ]
        if not fit.converged:
            lines.append("**The solution is not trustworthy:** " + md_text("; ".join(fit.problems)) + ".")
    for field, lad in ladders.items():
        name = md_text(field_label(study, field))
        if lad is None:
            reason = ladder_reason(
                study, field, study.included[field], level_labels(study, field), min_group_size=min_group_size
            )
            lines.append(f"- **{name}**: " + md_text(reason))
        else:
            labels = level_labels(study, field)
            shown = lad.copy()
            shown.attrs = {
                **lad.attrs,
                "groups": [labels.get(str(g), str(g)) for g in lad.attrs.get("groups", [])],
            }
            lines.append(f"- **{name}**: " + md_text(invariance_sentence(shown, name)))
    return "\n".join(lines)


def structure_methods(study: Study, fit: Any, ladders: dict[str, pd.DataFrame | None]) -> str:
    """The structure sentences of the methods paragraph: estimator, responses used,
    fit, invariance steps and their criteria, with references."""
    from analysis.structure import fit_sentence, invariance_level
    from netsoc.report.results import field_label

    if fit is None:
        return ""
    used, complete = used_responses(study)
    how = (
        f"full-information maximum likelihood, which uses every answer given (n = {used} "
        f"responses, {complete} of them complete; Enders & Bandalos, 2001)"
        if study.options.missing == "ml"
        else f"maximum likelihood on the n = {complete} complete responses"
    )
    text = (
        "The factor structure (two correlated factors, networking and socializing; the "
        "first item of each factor as its marker) was tested by confirmatory factor "
        f"analysis estimated by {how}, following lavaan's conventions (Rosseel, 2012): "
        f"{fit_sentence(fit)}"
    )
    text += (
        "" if fit.converged else "; the solution was improper or did not converge: " + "; ".join(fit.problems)
    ) + "."
    tested = {f: lad for f, lad in ladders.items() if lad is not None}
    names = {f: field_label(study, f).lower() for f in ladders}
    if tested:
        held = [names[f] for f, lad in tested.items() if invariance_level(lad) in ("scalar", "strict")]
        failed = [names[f] for f in tested if names[f] not in held]
        text += (
            " Measurement invariance across "
            + ", ".join(names[f] for f in tested)
            + " was tested with the configural, metric (equal loadings), scalar (equal "
            "intercepts too) and strict (equal residual variances too) multi-group models, "
            "a step failing by Chen's (2007) criteria (\u0394CFI \u2264 \u2212.010 with "
            "\u0394RMSEA \u2265 .015 or \u0394SRMR \u2265 .030/.010)"
        )
        text += f"; scalar invariance held across {', '.join(held)}" if held else ""
        text += (
            f"; it did not hold across {', '.join(failed)}, so mean differences there are "
            "interpreted with caution"
            if failed
            else ""
        )
        text += "."
    untested = [names[f] for f, lad in ladders.items() if lad is None]
    if untested:
        text += (
            " Measurement invariance could not be tested across "
            + ", ".join(untested)
            + f" (fewer than two groups with {INVARIANCE_MIN_N} or more responses), so "
            "mean differences there are interpreted with caution."
        )
    return text


def fit_table(study: Study, fit: Any) -> ReportTable:
    """The CFA's fit in one row: chi-square test, CFI, TLI, RMSEA with CI, SRMR."""
    r = fit.fit.iloc[0]
    row = {
        "Model": "Two correlated factors",
        "n": apa.integer(r["n"]),
        "χ²": apa.number(r["chi2"]),
        "df": apa.integer(r["df"]),
        "p": apa.p_value(r["p"]),
        "CFI": apa.bounded(r["cfi"], 3),
        "TLI": apa.bounded(r["tli"], 3),
        "RMSEA [90% CI]": f"{apa.bounded(r['rmsea'], 3)} "
        f"{apa.interval(r['rmsea_ci_low'], r['rmsea_ci_high'], lambda v: apa.bounded(v, 3))}",
        "SRMR": apa.bounded(r["srmr"], 3),
    }
    note = (
        f"Estimator: {estimator_text(study)}; n = responses used. χ² = likelihood-ratio test "
        "against the saturated model; CFI = comparative fit index; TLI = Tucker-Lewis index; "
        "RMSEA = root mean square error of approximation; SRMR = standardized root mean "
        "square residual. Common guides: CFI and TLI ≥ .95, RMSEA ≤ .06, SRMR ≤ .08 "
        "(Hu & Bentler, 1999)."
    )
    return study.table(pd.DataFrame([row]), "Confirmatory factor analysis: model fit", note, fit.fit)


def loadings_table(study: Study, fit: Any, ordinal: Any = None) -> ReportTable:
    """Loadings (unstandardized with SE, and standardized) of every item; with an
    ordinal fit, its standardized loadings beside them."""
    inst = study.instrument
    text = {i.id: " ".join(str(i.text).split()) for name in inst.scales for i in inst.scale_items(name)}
    wlsmv = dict(zip(ordinal.loadings["item"], ordinal.loadings["std_all"])) if ordinal else {}
    rows = []
    for r in fit.loadings.itertuples():
        statement = text.get(r.item, "")
        row = {
            "Factor": str(r.factor).capitalize(),
            "Item": r.item,
            "Statement": statement,
            "λ": apa.number(r.estimate),
            "SE": apa.number(r.se),
            "λ (std.)": apa.bounded(r.std_all),
        }
        if wlsmv:
            row["λ (std.), WLSMV"] = apa.bounded(wlsmv.get(r.item))
        rows.append(row)
    cors = fit.factor_correlations
    latent = (
        f" The latent correlation of networking and socializing is "
        f"r = {apa.bounded(cors['correlation'].iloc[0])}."
        if len(cors)
        else ""
    )
    info = "observed" if study.options.missing == "ml" else "expected"
    note = (
        "Maximum likelihood: λ = unstandardized loading (the first item of each factor is "
        "fixed to 1 and has no SE); λ (std.) = completely standardized loading; SE from the "
        f"{info} information; reverse-keyed items are reflected first." + latent
    )
    if wlsmv:
        note += (
            " λ (std.), WLSMV = standardized loading of the ordinal model (complete "
            "responses), for comparison."
        )
    return study.table(pd.DataFrame(rows), "Confirmatory factor analysis: loadings", note, fit.loadings)
