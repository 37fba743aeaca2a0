"""Language versions: responses, reliability and the invariance ladder per version."""

from __future__ import annotations

import pandas as pd

import netsoc.report.apa as apa
from netsoc.report.structure import INVARIANCE_MIN_N, ladder
from netsoc.report.study import Study, md_text
from netsoc.report.tables import ReportTable

__all__ = [
    "LANGUAGE_MIN_N",
    "language_counts",
    "reliability_by_language",
    "invariance_by_language",
    "language_note",
    "language_labels",
    "language_table",
]


def _k(study: Study, min_group_size: int | None) -> int:
    return int(study.options.min_group_size if min_group_size is None else min_group_size)


def language_labels(study: Study) -> dict[str, str]:
    """Language tag -> the language's name."""
    info = study.instrument.language_info
    return {str(t): (info[t].name if t in info else str(t)) for t in study.instrument.languages}


def language_table(study: Study, rel_lang: pd.DataFrame) -> ReportTable:
    """Reliability of the whole scales per language version."""
    rows = rel_lang[rel_lang["facet"].isna()]
    scales = study.instrument.scales
    raw = rows[["language_name", "scale", "n", "alpha", "ci_low", "ci_high", "omega_total"]]
    shown = pd.DataFrame(
        {
            "Language": rows["language_name"].to_numpy(),
            "Scale": [scales[s].label if s in scales else str(s).capitalize() for s in rows["scale"]],
            "n": [apa.integer(v) for v in rows["n"]],
            "α [95% CI]": [
                f"{apa.bounded(a)} {apa.interval(lo, hi, apa.bounded)}"
                for a, lo, hi in zip(rows["alpha"], rows["ci_low"], rows["ci_high"])
            ],
            "ω(t)": [apa.bounded(v) for v in rows["omega_total"]],
        }
    )
    small = rel_lang.attrs.get("too_small", {})
    names = language_labels(study)
    note = (
        "Cronbach's alpha with a Feldt 95 % CI and McDonald's omega total per language "
        f"version with at least {rel_lang.attrs.get('minimum', LANGUAGE_MIN_N)} analysed "
        "responses."
    )
    if small:
        note += (
            " Too few to show: " + ", ".join(f"{names.get(t, t)} (n = {n})" for t, n in small.items()) + "."
        )
    return study.table(shown, "Reliability per language version", note, raw)


#: Fewest analysed respondents a language version needs for its own
#: reliability (alpha, omega) row: below about 30 the Feldt interval of alpha
#: spans most of [0, 1] for the 2-item facets.  ``min_group_size`` applies too.
LANGUAGE_MIN_N = 30


def language_counts(study: Study) -> pd.Series:
    """Analysed responses per language version (tag -> n), largest first."""
    inst = study.instrument
    lang = (
        study.included["language"].astype("string").fillna(inst.default_language)
        if "language" in study.included.columns
        else pd.Series(inst.default_language, index=study.included.index, dtype="string")
    )
    return lang.value_counts().rename_axis("language").rename("n")


def _languages_with(study: Study, minimum: int) -> list[str]:
    counts = language_counts(study)
    return [str(t) for t, n in counts.items() if n >= minimum]


def reliability_by_language(study: Study, *, min_group_size: int | None = None) -> pd.DataFrame:
    """:func:`analysis.psychometrics.reliability` per language version.

    Only languages with at least ``max(min_group_size, LANGUAGE_MIN_N)``
    analysed responses get rows; the others are counted in
    ``attrs["too_small"]`` (tag -> n).  Each version is scored with its own
    localized instrument (the codes, and so the numbers, do not depend on it).

    Returns
    -------
    DataFrame
        ``language`` (tag), ``language_name``, then the columns of
        :func:`~analysis.psychometrics.reliability`; empty with fewer than
        two languages present (the main Reliability table covers one).
    """
    from analysis.psychometrics import reliability

    inst = study.instrument
    counts = language_counts(study)
    minimum = max(_k(study, min_group_size), LANGUAGE_MIN_N)
    keep = _languages_with(study, minimum)
    parts = []
    if len(counts) >= 2:
        lang = study.included.get("language")
        for tag in keep:
            sub = study.included[lang.astype("string") == tag] if lang is not None else study.included
            version = inst.localized(tag) if tag in inst.languages else inst
            rel = reliability(sub.reset_index(drop=True), version)
            name = inst.language_info[tag].name if tag in inst.language_info else tag
            parts.append(rel.assign(language=tag, language_name=name))
    out = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()
    if len(out):
        out = out[
            ["language", "language_name", *[c for c in out.columns if c not in ("language", "language_name")]]
        ]
    out.attrs["too_small"] = {str(t): int(n) for t, n in counts.items() if n < minimum}
    out.attrs["minimum"] = minimum
    return out


def invariance_by_language(study: Study, *, min_group_size: int | None = None) -> pd.DataFrame | None:
    """The measurement-invariance ladder across language versions.

    Fits the instrument's two-factor model (networking, socializing: their
    items, correlated) across the languages with at least
    ``max(min_group_size, INVARIANCE_MIN_N)`` analysed responses, with
    ``analysis.invariance`` (configural, metric, scalar, strict).

    Returns
    -------
    DataFrame or None
        The ladder; ``None`` when fewer than two languages have enough
        complete responses (see :func:`netsoc.report.structure.ladder`).
    """
    if "language" not in study.included.columns:
        return None
    language = (
        study.included["language"].astype("string").fillna(study.instrument.default_language).astype(object)
    )
    return ladder(study, "language", language, min_group_size=min_group_size)


def language_note(study: Study, *, min_group_size: int | None = None) -> str:
    """One Markdown paragraph: which language versions were analysed and why not others."""
    inst = study.instrument
    counts = language_counts(study)
    names = {t: (inst.language_info[t].name if t in inst.language_info else t) for t in counts.index}
    listed = ", ".join(f"{md_text(names[t])} ({md_text(t)}): {int(n)}" for t, n in counts.items())
    if len(counts) < 2:
        return (
            f"All analysed responses are in one language ({listed}); "
            "there is nothing to compare across languages."
        )
    rel_min = max(_k(study, min_group_size), LANGUAGE_MIN_N)
    inv_min = max(_k(study, min_group_size), INVARIANCE_MIN_N)
    text = (
        f"Responses per language version: {listed}. Reliability is shown for versions "
        f"with at least {rel_min} responses; the invariance ladder across languages needs "
        f"at least two versions with {inv_min} or more."
    )
    review = [
        f"{md_text(names[t])} ({md_text(inst.language_info[t].review_status)})"
        for t in counts.index
        if t in inst.language_info and inst.language_info[t].review_status not in ("", "original", "reviewed")
    ]
    if review:
        text += " Translation status: " + "; ".join(review) + "."
    return text
