"""Group means, omnibus tests with effect sizes, post-hoc tests and the
regression: the tables of the report's results section."""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import pandas as pd

import netsoc.report.apa as apa
from netsoc.report.study import Study
from netsoc.report.tables import ReportTable

__all__ = [
    "level_labels",
    "field_label",
    "score_label",
    "group_means_table",
    "omnibus_table",
    "posthoc_table",
    "regression_table",
    "effect_intervals",
]

_SCORES = {
    "balance": "Balance",
    "networking": "Networking",
    "socializing": "Socializing",
    "intentionality": "Intentionality",
    "engagement": "Engagement",
}
_EFFECTS = {"omega_sq": "ω²", "hedges_g": "g", "rank_biserial": "r(rb)", "epsilon_sq": "ε²"}
_TERM = re.compile(r"^C\((?P<field>[^)]+)\)\[T\.(?P<level>.+)\]$")


def score_label(study: Study, name: str) -> str:
    if name in _SCORES:
        return _SCORES[name]
    parts = name.split("_", 1)
    if len(parts) == 2 and parts[0] in _SCORES:
        facet = study.instrument.facets.get(parts[1]) if hasattr(study.instrument, "facets") else None
        return f"{_SCORES[parts[0]]}: {getattr(facet, 'label', parts[1])}"
    return name.replace("_", " ").capitalize()


def field_label(study: Study, field: str) -> str:
    """A grouping field's short name (``career_stage`` -> "Career stage"; its question is
    in the codebook)."""
    return field.replace("_", " ").capitalize()


def level_labels(study: Study, field: str) -> dict[str, str]:
    """Level code -> label as participants see it, in the report's language."""
    return {str(k): str(v) for k, v in study.labels.value_labels(field).items()}


def group_means_table(study: Study, field: str) -> ReportTable:
    """Mean and 95 % CI of every outcome per level of ``field`` (small groups left out)."""
    from analysis.summary import group_means

    k = study.options.min_group_size
    labels = level_labels(study, field)
    frames, hidden = [], set()
    for dv in study.outcomes:
        t = group_means(study.scores, dv=dv, group=field)
        small = t["n"] < k
        hidden |= set(t.loc[small, "group"].astype(str))
        frames.append(t[~small].assign(dv=dv))
    long = pd.concat(frames, ignore_index=True)
    levels = [lv for lv in pd.unique(long["group"].astype(str))]
    rows = []
    for lv in levels:
        sub = long[long["group"].astype(str) == lv].set_index("dv")
        row: dict[str, Any] = {
            field_label(study, field): labels.get(lv, lv),
            "n": apa.integer(sub["n"].max()),
        }
        for dv in study.outcomes:
            if dv in sub.index:
                r = sub.loc[dv]
                row[f"{score_label(study, dv)} M [95% CI]"] = (
                    f"{apa.number(r['mean'])} {apa.interval(r['ci_low'], r['ci_high'])}"
                )
            else:
                row[f"{score_label(study, dv)} M [95% CI]"] = apa.DASH
        rows.append(row)
    note = (
        "M = mean; 95% CI = t-based confidence interval of the mean. Balance runs from −1 "
        "(socializing only) to 1 (networking only); the other scores from "
        f"{_range(study)}."
    )
    if hidden:
        note += (
            f" Not shown (fewer than {k} responses): "
            + ", ".join(labels.get(h, h) for h in sorted(hidden))
            + "."
        )
    return study.table(pd.DataFrame(rows), f"Scores by {field_label(study, field).lower()}", note, long)


def _range(study: Study) -> str:
    lo, hi = study.instrument.response_range(study.instrument.item_ids[0])
    return f"{lo} to {hi}"


def effect_intervals(study: Study, comparisons: pd.DataFrame, *, n_boot: int = 1000) -> pd.DataFrame:
    """Percentile bootstrap 95 % CIs of the effect sizes (resampling within groups,
    seeded by the study's seed); ``ci_low``/``ci_high`` NaN where not computed."""
    rng = np.random.default_rng(study.seed)
    lows, highs = [], []
    for row in comparisons.itertuples():
        if not getattr(row, "tested", True) or row.effect not in ("omega_sq", "hedges_g"):
            lows.append(np.nan)
            highs.append(np.nan)
            continue
        levels = [lv.strip() for lv in str(row.levels).split(";")]
        groups = [
            study.scores.loc[study.scores[row.group].astype(str) == lv, row.dv].dropna().to_numpy(float)
            for lv in levels
        ]
        groups = [g for g in groups if g.size]
        draws = _effect(row.effect, [g[rng.integers(0, g.size, (n_boot, g.size))] for g in groups])
        lows.append(float(np.nanpercentile(draws, 2.5)))
        highs.append(float(np.nanpercentile(draws, 97.5)))
    return comparisons.assign(ci_low=lows, ci_high=highs)


def _effect(kind: str, groups: list[np.ndarray]) -> np.ndarray:
    """The effect size of each bootstrap draw (groups: arrays of draws x respondents)."""
    n = np.array([g.shape[1] for g in groups], dtype=float)
    means = np.stack([g.mean(axis=1) for g in groups], axis=1)
    ss = np.stack([((g - g.mean(axis=1, keepdims=True)) ** 2).sum(axis=1) for g in groups], axis=1)
    if kind == "hedges_g":
        sp = np.sqrt(ss.sum(axis=1) / (n.sum() - 2))
        return (means[:, 0] - means[:, 1]) / sp * (1 - 3 / (4 * n.sum() - 9))
    grand = (means * n).sum(axis=1) / n.sum()
    ssb = (n * (means - grand[:, None]) ** 2).sum(axis=1)
    ssw = ss.sum(axis=1)
    msw = ssw / (n.sum() - len(groups))
    return (ssb - (len(groups) - 1) * msw) / (ssb + ssw + msw)


def _statistic(row: Any) -> str:
    if row.test.startswith("Welch t") or row.test == "t":
        return f"t({apa.number(row.df1, 1)}) = {apa.number(row.statistic)}"
    if "F" in row.test:
        return f"F({apa.integer(row.df1)}, {apa.number(row.df2, 1)}) = {apa.number(row.statistic)}"
    return f"{row.test} = {apa.number(row.statistic)}"


def omnibus_table(study: Study, comparisons: pd.DataFrame) -> ReportTable:
    """One row per outcome and grouping field: test, p, adjusted p, effect size with CI."""
    cmp = effect_intervals(study, comparisons)
    rows = []
    for r in cmp.itertuples():
        tested = bool(getattr(r, "tested", True))
        est = max(r.estimate, 0.0) if r.effect == "omega_sq" and tested else r.estimate
        lo = max(r.ci_low, 0.0) if r.effect == "omega_sq" else r.ci_low
        hi = max(r.ci_high, 0.0) if r.effect == "omega_sq" else r.ci_high
        fmt = apa.bounded if r.effect in ("omega_sq", "epsilon_sq", "rank_biserial") else apa.number
        rows.append(
            {
                "Outcome": score_label(study, r.dv),
                "Grouping": field_label(study, r.group),
                "Groups": apa.integer(r.k),
                "n": apa.integer(r.n),
                "Test": _statistic(r) if tested else f"not tested: {r.reason}",
                "p": apa.p_value(r.p) if tested else apa.DASH,
                "p (adj.)": apa.p_value(r.adj_p) if tested else apa.DASH,
                "Effect": _EFFECTS.get(r.effect, str(r.effect)),
                "Estimate [95% CI]": (f"{fmt(est)} {apa.interval(lo, hi, fmt)}" if tested else apa.DASH),
            }
        )
    corr = {"holm": "Holm", "fdr_bh": "Benjamini-Hochberg", "bonferroni": "Bonferroni"}
    note = (
        f"Welch's t test (two groups) or Welch's ANOVA (more groups); p (adj.) = p adjusted "
        f"for the {len(cmp)} tests by the {corr.get(study.options.correction)} method; "
        f"α = {apa.bounded(study.options.alpha)}. ω² = omega squared (negative estimates "
        "reported as .00), g = Hedges' g; effect-size intervals are percentile bootstrap "
        f"95% CIs (1,000 resamples within groups, seed {study.seed}). Groups with fewer "
        f"than {study.options.min_group_size} responses and “prefer not to say” are not "
        "tested."
    )
    return study.table(pd.DataFrame(rows), "Group comparisons: omnibus tests and effect sizes", note, cmp)


def posthoc_table(
    study: Study, comparisons: pd.DataFrame, omnibus: ReportTable | None = None
) -> ReportTable | None:
    """Games-Howell pairs for every omnibus test with more than two groups and adjusted p < alpha."""
    from analysis.compare import posthoc

    rows, raw = [], []
    for r in comparisons.itertuples():
        if not getattr(r, "tested", True) or r.k < 3 or not r.adj_p < study.options.alpha:
            continue
        levels = [lv.strip() for lv in str(r.levels).split(";")]
        data = study.scores[study.scores[r.group].astype(str).isin(levels)]
        pairs = posthoc(data, r.dv, r.group, method="games-howell")
        labels = level_labels(study, r.group)
        raw.append(pairs)
        for p in pairs.itertuples():
            rows.append(
                {
                    "Outcome": score_label(study, r.dv),
                    "Grouping": field_label(study, r.group),
                    "Pair": f"{labels.get(str(p.level_1), p.level_1)} vs "
                    f"{labels.get(str(p.level_2), p.level_2)}",
                    "ΔM [95% CI]": f"{apa.number(p.mean_diff)} {apa.interval(p.ci_low, p.ci_high)}",
                    "p (adj.)": apa.p_value(p.adj_p),
                }
            )
    if not rows:
        return None
    note = (
        "Games-Howell pairwise comparisons (separate variances, Welch degrees of freedom), "
        f"shown for the omnibus tests{f' of Table {omnibus.number}' if omnibus else ''} "
        "with more than two groups and an "
        "adjusted p below α; ΔM = difference of means (first minus second) with a "
        "simultaneous 95% CI; p (adj.) is adjusted for all pairs of that test."
    )
    return study.table(pd.DataFrame(rows), "Post-hoc comparisons", note, pd.concat(raw, ignore_index=True))


def regression_table(study: Study, model: pd.DataFrame, data: pd.DataFrame) -> ReportTable:
    """Coefficients with HC3 standard errors; dummy terms named with their reference level."""
    refs = {}
    for g in study.groups:
        if g in data.columns:
            levels = sorted(data[g].dropna().astype(str).unique())
            if levels:
                refs[g] = levels[0]
    rows = []
    for r in model.itertuples():
        m = _TERM.match(str(r.term))
        if r.term == "Intercept":
            term = "Intercept (every field at its reference level)"
        elif m:
            labels = level_labels(study, m["field"])
            term = (
                f"{field_label(study, m['field'])}: {labels.get(m['level'], m['level'])} "
                f"(vs {labels.get(refs.get(m['field'], ''), refs.get(m['field'], ''))})"
            )
        else:
            term = str(r.term)
        rows.append(
            {
                "Term": term,
                "b": apa.number(r.estimate),
                "SE": apa.number(r.se),
                "95% CI": apa.interval(r.ci_low, r.ci_high),
                "t": apa.number(r.t),
                "p": apa.p_value(r.p),
            }
        )
    first = model.iloc[0]
    ref_text = "; ".join(
        f"{field_label(study, g)}: {level_labels(study, g).get(lv, lv)}" for g, lv in refs.items()
    )
    note = (
        f"Ordinary least squares on the balance score with HC3 heteroscedasticity-robust "
        f"standard errors; n = {apa.integer(first['n'])}, R² = {apa.bounded(first['r2'])}, "
        f"adjusted R² = {apa.bounded(first['r2_adj'])}. Dummy (treatment) coding; reference "
        f"levels: {ref_text}. “Prefer not to say” and groups with fewer than "
        f"{study.options.min_group_size} responses are set to missing."
    )
    return study.table(pd.DataFrame(rows), "Regression of the balance on the grouping fields", note, model)
