"""Sample, missing data, item descriptives, reliability and intercorrelations:
the tables of the report's method section."""

from __future__ import annotations

import numpy as np
import pandas as pd

import netsoc.report.apa as apa
from netsoc.report.study import Study
from netsoc.report.tables import ReportTable

__all__ = [
    "sample_flow",
    "missing_by_item",
    "missing_patterns",
    "item_descriptives",
    "reliability_table",
    "intercorrelations",
    "model_data",
]

_CRITERIA = {
    "flag_attention": "Failed an attention check",
    "flag_longstring": "Same answer too many times in a row (longstring)",
    "flag_irv": "Too little spread across answers (IRV)",
    "flag_speed": "Finished too fast",
}


def model_data(study: Study) -> tuple[pd.DataFrame, dict[str, list[str]]]:
    """The analysed responses' orientation items, reverse-keyed items reflected."""
    from analysis.structure import instrument_model

    return instrument_model(study.included, study.instrument)


def _pct(n: int, total: int) -> str:
    return apa.percent(n / total if total else float("nan"))


def sample_flow(study: Study) -> ReportTable:
    """From responses collected to responses analysed, each exclusion rule counted."""
    flags, n = study.flags, study.n_total
    criteria = flags.attrs.get("criteria", {})
    rows: list[tuple[str, str, int | None]] = [("Responses collected", "all submitted responses read", n)]
    for col, label in _CRITERIA.items():
        rule = criteria.get(col)
        rows.append(
            (
                f"  Flagged: {label[0].lower() + label[1:]}",
                rule or "not used",
                int(flags[col].sum()) if rule else None,
            )
        )
    rule = study.exclusion_rule
    rows.append(("Excluded", rule, study.n_excluded))
    rows.append(("Analysed", "", len(study.included)))
    data, factors = model_data(study)
    items = [i for f in factors.values() for i in f]
    answered = int(data[items].notna().any(axis=1).sum())
    complete = int(data[items].notna().all(axis=1).sum())
    rows.append(("  Used by the factor models (one answer or more; FIML)", "", answered))
    rows.append(("  Complete on every item (listwise)", "", complete))
    raw = pd.DataFrame(rows, columns=["Step", "Rule", "n"])
    raw["%"] = [n_ / n * 100 if n_ is not None and n else np.nan for n_ in raw["n"]]
    shown = apa.format_columns(raw, {"n": apa.integer, "%": lambda v: apa.number(v, 1)})
    note = (
        "A response can raise several flags; the exclusion rule decides which flags "
        "exclude it. Percentages are of the responses collected. Flags are computed "
        "with analysis.flag_careless, so the API gives the same numbers."
    )
    return study.table(shown, "Sample flow: responses collected, excluded and analysed", note, raw)


def missing_by_item(study: Study) -> ReportTable:
    """Missing answers per item of the analysed responses."""
    inst = study.instrument
    items = list(inst.item_ids)
    present = [i for i in items if i in study.included.columns]
    n = len(study.included)
    text = _statements(inst)
    raw = pd.DataFrame(
        {
            "Item": present,
            "Statement": [text.get(i, apa.DASH) for i in present],
            "Scale": [_scale_of(inst, i) for i in present],
            "Answered": [int(study.included[i].notna().sum()) for i in present],
        }
    )
    raw["Missing"] = n - raw["Answered"]
    raw["% missing"] = raw["Missing"] / n * 100 if n else np.nan
    shown = apa.format_columns(
        raw, {"Answered": apa.integer, "Missing": apa.integer, "% missing": lambda v: apa.number(v, 1)}
    )
    return study.table(
        shown,
        "Missing answers per item",
        f"Analysed responses: n = {n}. Items could be skipped; no answer was imputed.",
        raw,
    )


def _statements(inst) -> dict[str, str]:  # noqa: ANN001
    """Item id -> its statement in full (whitespace tidied)."""
    return {i.id: " ".join(str(i.text).split()) for name in inst.scales for i in inst.scale_items(name)}


def _scale_of(inst, item: str) -> str:  # noqa: ANN001
    for name in inst.scales:
        if item in [i.id for i in inst.scale_items(name)]:
            return str(inst.scales[name].label)
    return apa.DASH


def missing_patterns(study: Study, *, top: int = 6) -> ReportTable:
    """Responses by number of missing items, and the most frequent patterns."""
    items = [i for i in study.instrument.item_ids if i in study.included.columns]
    miss = study.included[items].isna()
    n = len(miss)
    per = miss.sum(axis=1)
    rows = []
    for k, count in per.value_counts().sort_index().items():
        rows.append((f"{int(k)} item{'s' if k != 1 else ''} missing", int(count)))
    text = _statements(study.instrument)
    patterns = miss[per > 0].apply(lambda r: tuple(r.index[r]), axis=1).value_counts()
    for pattern, count in patterns.head(top).items():
        rows.append((f"Only unanswered: {'; '.join(f'“{text.get(i, i)}”' for i in pattern)}", int(count)))
    raw = pd.DataFrame(rows, columns=["Missing", "n"])
    raw["%"] = raw["n"] / n * 100 if n else np.nan
    shown = apa.format_columns(raw, {"n": apa.integer, "%": lambda v: apa.number(v, 1)})
    note = (
        f"Analysed responses: n = {n}; {int((per == 0).sum())} answered every item, "
        f"{len(patterns)} distinct patterns of missing items; the {min(top, len(patterns))} "
        "most frequent are listed. The factor models use every answer (full-information "
        "maximum likelihood, which assumes answers are missing at random)."
    )
    return study.table(shown, "Missing answers by pattern", note, raw)


def item_descriptives(study: Study, scale: str) -> ReportTable:
    """Mean, SD, skew, % missing, corrected item-total r and alpha if deleted, per item."""
    from analysis.psychometrics import item_statistics
    from analysis.scoring import keyed_items as keyed

    inst = study.instrument
    spec = inst.scale_items(scale)
    ids = [i.id for i in spec]
    data = keyed(study.included, inst)
    stats = item_statistics(data, columns=ids)
    x = data[ids].astype("float64")
    raw = pd.DataFrame(
        {
            "Item": ids,
            "Statement": [_statements(inst)[i.id] for i in spec],
            "Keying": ["reversed" if i.keying == "reverse" else "direct" for i in spec],
            "M": x.mean().to_numpy(),
            "SD": x.std().to_numpy(),
            "Skew": x.skew().to_numpy(),
            "% missing": x.isna().mean().to_numpy() * 100,
            "r(it)": stats["r_drop"].to_numpy(),
            "α if deleted": stats["alpha_if_dropped"].to_numpy(),
        }
    )
    shown = apa.format_columns(
        raw,
        {
            "M": apa.number,
            "SD": apa.number,
            "Skew": apa.number,
            "% missing": lambda v: apa.number(v, 1),
            "r(it)": apa.bounded,
            "α if deleted": apa.bounded,
        },
    )
    label = inst.scales[scale].label
    note = (
        "Reverse-keyed items are reflected before every statistic. r(it) = corrected "
        "item-total correlation (the item against the sum of the other items); α if "
        "deleted = Cronbach's alpha of the scale without the item; pairwise-complete "
        f"answers, n = {len(data)} analysed responses."
    )
    return study.table(shown, f"Item descriptives: {label}", note, raw)


def reliability_table(
    study: Study, rel: pd.DataFrame, omega_categorical: dict[str, float] | None = None
) -> ReportTable:
    """Cronbach's alpha (Feldt 95 % CI), McDonald's omega and (when given) categorical
    omega per scale and facet."""
    inst = study.instrument
    facets = {f: getattr(spec, "label", f) for f, spec in getattr(inst, "facets", {}).items()}
    rows = rel.copy()
    raw = pd.DataFrame(
        {
            "Scale": [
                inst.scales[s].label if s in inst.scales else str(s).capitalize() for s in rows["scale"]
            ],
            "Facet": [facets.get(f, f) if isinstance(f, str) else apa.DASH for f in rows["facet"]],
            "k": rows["k"].to_numpy(),
            "n": rows["n"].to_numpy(),
            "α": rows["alpha"].to_numpy(),
            "95% CI low": rows["ci_low"].to_numpy(),
            "95% CI high": rows["ci_high"].to_numpy(),
            "ω(t)": rows["omega_total"].to_numpy(),
        }
    )
    shown = apa.format_columns(
        raw.drop(columns=["95% CI low", "95% CI high"]),
        {"k": apa.integer, "n": apa.integer, "α": apa.bounded, "ω(t)": apa.bounded},
    )
    shown.insert(
        5,
        "α 95% CI",
        [apa.interval(a, b, apa.bounded) for a, b in zip(raw["95% CI low"], raw["95% CI high"])],
    )
    note = (
        "α = Cronbach's alpha with a Feldt (1965) 95 % confidence interval; ω(t) = "
        "McDonald's omega total from a one-factor model; k = items; the balance row is the "
        "reliability of the difference score (networking − socializing). A dash: not "
        "computable for this row (e.g. two-item facets have no omega)."
    )
    if omega_categorical:
        whole = rows["facet"].isna().to_numpy()
        raw["ω(cat)"] = [
            omega_categorical.get(str(s), float("nan")) if w else float("nan")
            for s, w in zip(rows["scale"], whole)
        ]
        shown["ω(cat)"] = [apa.bounded(v) for v in raw["ω(cat)"]]
        note += (
            " ω(cat) = categorical omega (Green & Yang, 2009) of the whole scale from the "
            "ordinal (WLSMV) factor model, on the complete responses."
        )
    single = [
        f"{raw['Scale'][i]}" + (f" ({raw['Facet'][i]})" if raw["Facet"][i] != apa.DASH else "")
        for i in np.flatnonzero(rows["method"].to_numpy() == "one item")
    ]
    if single:
        note += (
            " Warning: reliability could not be computed for "
            + "; ".join(single)
            + ": measured by one item, which has no internal consistency to estimate."
        )
    return study.table(shown, "Reliability of the scales and facets", note, raw)


def intercorrelations(study: Study, rel: pd.DataFrame | None = None) -> ReportTable:
    """Means, SDs and Pearson correlations of the scale scores, alpha on the diagonal."""
    cols = [
        c for c in ("networking", "socializing", "balance", "intentionality") if c in study.scores.columns
    ]
    x = study.scores[cols].astype("float64")
    r = x.corr()
    names = [c.capitalize() for c in cols]
    alpha = {}
    if rel is not None:
        for row in rel[rel["facet"].isna()].itertuples():
            alpha[str(row.scale)] = row.alpha
    rows = []
    for i, c in enumerate(cols):
        cells = [f"{i + 1}. {names[i]}", apa.number(x[c].mean()), apa.number(x[c].std())]
        for j in range(len(cols)):
            if j < i:
                cells.append(apa.bounded(r.iloc[i, j]))
            elif j == i:
                cells.append(f"({apa.bounded(alpha[c])})" if c in alpha else apa.DASH)
            else:
                cells.append("")
        rows.append(cells)
    shown = pd.DataFrame(rows, columns=["Score", "M", "SD", *[str(j + 1) for j in range(len(cols))]])
    n = int(x.dropna().shape[0])
    note = (
        f"Pearson correlations of the scale scores, n = {n} analysed responses with every "
        "score; Cronbach's alpha on the diagonal in parentheses. Balance = networking − "
        "socializing (a difference score): its correlations with its own parts are high by "
        "construction, and its reliability depends on the correlation of the parts."
    )
    raw = pd.concat([x.mean().rename("mean"), x.std().rename("sd"), r], axis=1)
    return study.table(
        shown,
        "Means, standard deviations and intercorrelations of the scores",
        note,
        raw.rename_axis("score").reset_index(),
    )
