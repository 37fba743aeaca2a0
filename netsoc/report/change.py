"""The report's "Change" section, shown when the data hold two waves (``pre`` and ``post``).

In the order a reader needs it: who took part in each wave and who was linked;
longitudinal measurement invariance (the scale must measure the same thing before
and after, or a difference of means is not a change of the construct); retest
reliability; the paired change of every outcome with its effect size; and the
distribution of the reliable change index.  The text follows the numbers: when
invariance fails (or could not be tested) it claims no change.

The statistics are :mod:`analysis.longitudinal`'s, so the API gives the same numbers.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

import netsoc.report.apa as apa
from netsoc.report.study import Study, md_text
from netsoc.report.tables import ReportFigure, ReportTable

__all__ = [
    "WAVES",
    "has_waves",
    "stacked_scores",
    "wave_flow",
    "change_ladder",
    "ladder_table",
    "retest_table",
    "paired_table",
    "reliable_change_table",
    "rci_figure",
    "change_text",
    "invariance_holds",
    "show_change",
    "HEADING",
]

#: The two waves the section compares, in order.
WAVES = ("pre", "post")
#: The section's heading and introduction (shown only with two waves).
HEADING = (
    "## Change\n\n"
    "The same people answered before (pre) and after (post). First who took part in each wave "
    "and who was linked; then whether the questionnaire measured the same thing at both waves "
    "(longitudinal measurement invariance), without which a difference of means is not a change; "
    "then the stability of the scores, the paired change with its effect size, and how many "
    "people changed by more than measurement error (Jacobson & Truax, 1991)."
)
#: The scales whose reliable change is classified (Cronbach's alpha of the first wave).
RCI_SCALES = ("networking", "socializing")


def has_waves(study: Study) -> bool:
    """Whether the analysed responses hold both waves (and a ``subject`` column)."""
    data = study.included
    if "wave" not in data.columns or "subject" not in data.columns:
        return False
    present = set(data["wave"].dropna().astype(str))
    return all(w in present for w in WAVES)


def stacked_scores(study: Study) -> pd.DataFrame:
    """The scores of the ``pre`` and ``post`` responses with ``wave`` and ``subject``."""
    data = study.included
    keep = data["wave"].astype("string").isin(WAVES).fillna(False).to_numpy()
    out = study.scores.loc[keep, list(study.outcomes)].copy()
    out["wave"] = data.loc[keep, "wave"].astype(str).to_numpy()
    out["subject"] = data.loc[keep, "subject"].astype(object).where(data.loc[keep, "subject"].notna())
    return out.reset_index(drop=True)


def _linked(study: Study) -> pd.Series:
    """Per analysed pre/post response: whether its subject has an analysed response in both waves."""
    data = study.included
    inwave = data["wave"].astype("string").isin(WAVES).fillna(False)
    subj = data["subject"].where(inwave)
    waves_per = data[inwave & subj.notna()].groupby("subject")["wave"].nunique()
    both = set(waves_per.index[waves_per == 2])
    return inwave & subj.isin(both)


def wave_flow(study: Study) -> ReportTable:
    """Responses read and analysed per wave, and who was linked across the waves."""
    read = study.responses["wave"].astype("string")
    used = study.included["wave"].astype("string")
    linked = _linked(study)
    rows = []
    for w in WAVES:
        rows.append((f"Wave {w}: responses collected", int((read == w).sum())))
        rows.append((f"Wave {w}: analysed (after exclusions)", int((used == w).sum())))
        rows.append((f"Wave {w}: linked to the other wave", int((linked & (used == w)).sum())))
    pairs = int((linked & (used == WAVES[0])).sum())
    rows.append(("People with both waves (pairs)", pairs))
    raw = pd.DataFrame(rows, columns=["Step", "n"])
    note = (
        "A response is linked when its subject code (a random id carried by the participant's "
        "browser or linking code, never a name) has an analysed response in the other wave. "
        "Paired statistics use the pairs; full-information ML uses every analysed response."
    )
    shown = apa.format_columns(raw, {"n": apa.integer})
    return study.table(shown, "Sample flow per wave: collected, analysed and linked", note, raw)


def change_ladder(study: Study) -> pd.DataFrame:
    """:func:`analysis.longitudinal_invariance` of the instrument's model across the waves
    (the run's ``missing`` option: FIML by default)."""
    from analysis.longitudinal import longitudinal_invariance
    from analysis.structure import instrument_model
    from netsoc.report.structure import quiet

    data = study.included
    keep = data["wave"].astype("string").isin(WAVES).fillna(False).to_numpy()
    items, factors = instrument_model(data[keep].reset_index(drop=True), study.instrument)
    items["wave"] = data.loc[keep, "wave"].astype(str).to_numpy()
    items["subject"] = (
        data.loc[keep, "subject"].astype(object).where(data.loc[keep, "subject"].notna()).to_numpy()
    )
    return quiet(
        longitudinal_invariance, items, factors, time="wave", subject="subject", missing=study.options.missing
    )


def invariance_holds(ladder: pd.DataFrame | None) -> bool:
    """Scalar invariance across the waves: every step supported and converged."""
    if ladder is None:
        return False
    steps = ladder.iloc[1:]
    return bool(ladder["converged"].all() and steps["supported"].fillna(False).all())


def ladder_table(study: Study, ladder: pd.DataFrame) -> ReportTable:
    """The longitudinal ladder: fit per step, the difference test, the changes and the
    decision (the columns and rule words of the group ladders' table)."""
    from netsoc.report.ladder_tables import ESTIMATOR_WORDS, rule_words, step_changes

    rows = []
    for step, r in ladder.iterrows():
        delta = (
            apa.DASH
            if pd.isna(r["delta_chi2"])
            else f"{apa.number(r['delta_chi2'])} ({apa.integer(r['delta_df'])})"
        )
        rows.append(
            {
                "Step": str(step).capitalize(),
                "χ² (df)": f"{apa.number(r['chi2'])} ({apa.integer(r['df'])})",
                "CFI": apa.bounded(r["cfi"], 3),
                "RMSEA": apa.bounded(r["rmsea"], 3),
                "SRMR": apa.bounded(r["srmr"], 3),
                "Δχ² (Δdf)": delta,
                "p(Δχ²)": apa.p_value(r["delta_p"]),
                **step_changes(r),
            }
        )
    estimator = ESTIMATOR_WORDS[ladder.attrs.get("missing", "listwise")]
    note = (
        f"n = {ladder.attrs.get('n')} people. Estimator: {estimator}. One factor per orientation and "
        "wave, each item's residuals correlated across the waves, first-wave factors standardised "
        "(semTools measEq.syntax conventions). Metric: equal loadings; scalar: equal intercepts "
        f"too, second-wave latent means free. {rule_words(ladder)[:1].upper()}{rule_words(ladder)[1:]}."
    )
    return study.table(
        pd.DataFrame(rows),
        "Longitudinal measurement invariance across the two waves",
        note,
        ladder.reset_index(),
    )


def retest_table(study: Study) -> ReportTable:
    """Retest reliability of every outcome: ICC(2,1) and ICC(3,1) with 95 % bounds."""
    from analysis.longitudinal import retest_reliability

    data = stacked_scores(study)
    rows = []
    for outcome in study.outcomes:
        icc = retest_reliability(data, dv=outcome, time="wave", subject="subject").set_index("type")
        for kind in ("ICC2", "ICC3"):
            r = icc.loc[kind]
            rows.append((outcome, kind, int(icc.attrs["n"]), r["icc"], r["lower"], r["upper"]))
    raw = pd.DataFrame(rows, columns=["score", "type", "n", "icc", "lower", "upper"])
    shown = pd.DataFrame(
        {
            "Score": raw["score"],
            "ICC": raw["type"].map({"ICC2": "ICC(2,1) agreement", "ICC3": "ICC(3,1) consistency"}),
            "n": raw["n"].map(apa.integer),
            "Estimate": raw["icc"].map(lambda v: apa.bounded(v, 2)),
            "95 % CI": [apa.interval(lo, hi, apa.bounded) for lo, hi in zip(raw["lower"], raw["upper"])],
        }
    )
    note = (
        "Intraclass correlations of the pairs (Shrout & Fleiss, 1979; psych's ICC). "
        "Between the waves lies the workshop, so these bound the stability from below."
    )
    return study.table(shown, "Retest reliability of the scores", note, raw)


def _paired_rows(study: Study) -> pd.DataFrame:
    from analysis.longitudinal import paired_change

    data = stacked_scores(study)
    rows = []
    for outcome in study.outcomes:
        res = paired_change(data, dv=outcome, time="wave", subject="subject").iloc[0].to_dict()
        pre = data.loc[data["wave"] == WAVES[0], outcome]
        post = data.loc[data["wave"] == WAVES[1], outcome]
        rows.append({"score": outcome, "pre_mean": pre.mean(), "post_mean": post.mean(), **res})
    return pd.DataFrame(rows)


def paired_table(study: Study) -> ReportTable:
    """Paired change of every outcome: mean difference with its 95 % interval, t, dz, Wilcoxon."""
    raw = _paired_rows(study)
    shown = pd.DataFrame(
        {
            "Score": raw["score"],
            "n pairs": raw["n"].map(apa.integer),
            "M pre": raw["pre_mean"].map(apa.number),
            "M post": raw["post_mean"].map(apa.number),
            "Change": raw["mean_diff"].map(apa.number),
            "95 % CI": [apa.interval(lo, hi) for lo, hi in zip(raw["ci_lower"], raw["ci_upper"])],
            "t": raw["t"].map(apa.number),
            "df": raw["df"].map(apa.integer),
            "p": raw["p"].map(apa.p_value),
            "dz": raw["dz"].map(apa.number),
            "Wilcoxon p": raw["wilcoxon_p"].map(apa.p_value),
        }
    )
    note = (
        "Change = post − pre over the pairs; paired t test, dz = mean change / SD of the changes; "
        "the Wilcoxon signed-rank test (normal approximation, continuity correction) as a check "
        "that does not assume normal changes. M pre and M post are over every analysed response."
    )
    return study.table(shown, "Paired change of the scores", note, raw)


def _reliable(study: Study) -> dict[str, pd.DataFrame]:
    """The reliable change of each scale of :data:`RCI_SCALES`, alpha from the first wave."""
    from analysis.longitudinal import reliable_change
    from analysis.psychometrics import cronbach_alpha
    from analysis.scoring import keyed_items

    data = stacked_scores(study)
    first = study.included["wave"].astype("string") == WAVES[0]
    keyed = keyed_items(study.included[first.fillna(False).to_numpy()], study.instrument)
    out = {}
    for scale in RCI_SCALES:
        items = [i.id for i in study.instrument.scale_items(scale)]
        alpha = float(cronbach_alpha(keyed, columns=items)["alpha"].iloc[0])
        out[scale] = reliable_change(data, dv=scale, time="wave", subject="subject", reliability=alpha)
    return out


def reliable_change_table(study: Study) -> ReportTable:
    """Share of the pairs who reliably rose, stayed and fell, per scale."""
    rows = []
    for scale, res in _reliable(study).items():
        counts = res["category"].value_counts()
        n = len(res)
        rows.append(
            {
                "score": scale,
                "n": n,
                "reliability": res.attrs["reliability"],
                "se_difference": res.attrs["se_difference"],
                **{c: int(counts.get(c, 0)) for c in ("improved", "unchanged", "deteriorated")},
            }
        )
    raw = pd.DataFrame(rows)
    share = lambda c: [f"{apa.integer(k)} ({apa.percent(k / n)} %)" for k, n in zip(raw[c], raw["n"])]  # noqa: E731
    shown = pd.DataFrame(
        {
            "Score": raw["score"],
            "n pairs": raw["n"].map(apa.integer),
            "α (pre)": raw["reliability"].map(apa.bounded),
            "Rose reliably": share("improved"),
            "No reliable change": share("unchanged"),
            "Fell reliably": share("deteriorated"),
        }
    )
    note = (
        "Jacobson & Truax (1991): RCI = change / (SD_pre · √2 · √(1 − α)), α Cronbach's alpha of the "
        "first wave; |RCI| > 1.96 is more change than measurement error would explain."
    )
    return study.table(shown, "Reliable change of the orientations", note, raw)


def rci_figure(study: Study) -> ReportFigure:
    """Histograms of the reliable change index per scale, with the ±1.96 bounds."""
    import matplotlib.pyplot as plt

    from analysis.longitudinal import RCI_CUTOFF

    results = _reliable(study)
    fig, axes = plt.subplots(1, len(results), figsize=(4 * len(results), 3), sharey=True)
    for ax, (scale, res) in zip(np.atleast_1d(axes), results.items()):
        ax.hist(res["rci"], bins=30, color="#4c72b0")
        for x in (-RCI_CUTOFF, RCI_CUTOFF):
            ax.axvline(x, color="black", linestyle="--", linewidth=1)
        ax.set_title(scale.capitalize())
        ax.set_xlabel("Reliable change index")
    np.atleast_1d(axes)[0].set_ylabel("People")
    alt = "; ".join(
        f"{scale}: {int((r['rci'] > RCI_CUTOFF).sum())} of {len(r)} rose reliably, "
        f"{int((r['rci'] < -RCI_CUTOFF).sum())} fell reliably"
        for scale, r in results.items()
    )
    caption = "Reliable change index per person; dashed lines at ±1.96"
    return study.figure(fig, caption, f"Histograms of the reliable change index. {alt}.")


def change_text(study: Study, ladder: pd.DataFrame | None) -> str:
    """Markdown that follows the numbers: no change is claimed unless invariance holds."""
    if ladder is None:
        return md_text(
            "Longitudinal measurement invariance could not be tested, so the differences below "
            "are not interpreted as change of the orientations."
        )
    if not invariance_holds(ladder):
        failed = [s for s in ladder.index[1:] if not _yes(ladder.loc[s, "supported"])] or ["configural"]
        return md_text(
            f"Longitudinal measurement invariance did not hold (the {failed[0]} step was not "
            "supported, or a model did not converge): the items may not have been understood the same "
            "way before and after, so the differences below are not interpreted as change."
        )
    return md_text(
        " ".join([_configural_sentence(ladder), _latent_sentence(ladder), *_paired_sentences(study)])
    )


def _configural_sentence(ladder: pd.DataFrame) -> str:
    """How well the configural model fits (CFI .90 and RMSEA .08, the usual bounds)."""
    r = ladder.iloc[0]
    good = r["cfi"] >= 0.90 and r["rmsea"] <= 0.08
    fit = f"CFI = {apa.bounded(r['cfi'], 3)}, RMSEA = {apa.bounded(r['rmsea'], 3)}"
    if good:
        return f"The two-wave model fits acceptably ({fit})."
    return (
        f"The two-wave model itself fits poorly ({fit}; acceptable: CFI of .90 or more and RMSEA "
        "of .08 or less), so what follows is tentative."
    )


def _yes(value: Any) -> bool:
    return bool(pd.notna(value) and value)


def _latent_sentence(ladder: pd.DataFrame) -> str:
    parts = []
    for _, r in ladder.attrs["latent_change"].iterrows():
        parts.append(
            f"{r['factor']} by {apa.number(r['estimate'])} SD of the first wave "
            f"(SE {apa.number(r['se'])}, p {_p_phrase(r['p'])})"
        )
    return (
        "Scalar invariance held across the waves, so the means can be compared. "
        "At the latent level the orientations moved: " + "; ".join(parts) + "."
    )


def _p_phrase(p: Any) -> str:
    text = apa.p_value(p)
    return text if text.startswith("<") else f"= {text}"


def _paired_sentences(study: Study) -> list[str]:
    alpha = study.options.alpha
    out = []
    for _, r in _paired_rows(study).iterrows():
        ci = apa.interval(r["ci_lower"], r["ci_upper"])
        test = f"t({apa.integer(r['df'])}) = {apa.number(r['t'])}, p {_p_phrase(r['p'])}"
        stats_text = (
            f"(change {apa.number(r['mean_diff'])}, 95 % CI {ci}, {test}, dz = {apa.number(r['dz'])})"
        )
        if r["p"] < alpha:
            verb = "rose" if r["mean_diff"] > 0 else "fell"
            out.append(f"The {r['score']} score {verb} from the first to the second wave {stats_text}.")
        else:
            out.append(f"The {r['score']} score showed no detectable change {stats_text}.")
    return out


def show_change(study: Study) -> None:
    """Display the whole section in the notebook (nothing without two waves); a part that
    the data cannot support shows a warning naming why, the others still show."""
    if not has_waves(study):
        return
    from IPython.display import Markdown, display

    from netsoc.report.guard import attempt, show

    display(Markdown(HEADING))
    show("the sample flow per wave", wave_flow, study)
    ladder = attempt("the longitudinal invariance ladder", change_ladder, study)
    if ladder is not None:
        display(ladder_table(study, ladder))
    display(Markdown(change_text(study, ladder)))
    show("the retest reliability", retest_table, study)
    show("the paired change", paired_table, study)
    show("the reliable change", reliable_change_table, study)
    show("the reliable change figure", rci_figure, study)
