"""The participant's personal feedback page.

Numbers come from :mod:`analysis.individual`; this module only turns them
into words (from the instrument's ``profiles`` and ``feedback`` texts) and
three small matplotlib figures:

- :func:`scores_figure` - networking, socializing and intentionality with
  their measurement-error bands;
- :func:`gauge_figure` - the balance index on a gauge from socializing (-1)
  to networking (+1);
- :func:`facet_figure` - networking vs socializing on each facet.

Figures are built with :class:`matplotlib.figure.Figure` (no pyplot state)
and embedded as PNG images with a text alternative.  Every text that could
come from a participant (the cohort code) is escaped.
"""

from __future__ import annotations

import base64
import html
import io
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from survey.instrument import Instrument

__all__ = [
    "FeedbackData",
    "feedback_data",
    "scores_figure",
    "gauge_figure",
    "facet_figure",
    "feedback_view",
]

NET_COLOR = "#1f5fa8"
SOC_COLOR = "#d9822b"


class FeedbackData(dict):
    """Everything the feedback page shows (a dict with documented keys).

    Keys: ``scores`` (:func:`analysis.individual.individual_scores`),
    ``facets`` (:func:`analysis.individual.facet_profile`), ``attention``
    (:func:`analysis.individual.attention_result`), ``profile`` (the
    instrument profile or ``None``), ``intentionality_level`` (level id or
    ``None``), ``cohort`` (code or ``None``).
    """


def feedback_data(answers: Mapping[str, Any], instrument: Instrument, *,
                  peers: pd.DataFrame | None = None, cohort: str | None = None,
                  reliability: Any = None) -> FeedbackData:
    """Compute the feedback of one participant.

    Parameters
    ----------
    answers : mapping
        The submitted answers.
    instrument : Instrument
    peers : DataFrame, optional
        Other respondents of the same cohort (wide table).
    cohort : str, optional
    reliability : optional
        Passed to :func:`analysis.individual.individual_scores`.
    """
    from analysis.individual import (
        answers_frame,
        attention_result,
        facet_profile,
        individual_scores,
    )
    from analysis.scoring import score

    row = answers_frame(answers, instrument)
    scored = score(row, instrument).iloc[0]
    profile_id = scored["profile"]
    profile = next((p for p in instrument.profiles if p.id == profile_id), None)
    level = scored["intentionality_level"]
    return FeedbackData(
        scores=individual_scores(row, instrument, cohort=peers, reliability=reliability),
        facets=facet_profile(row, instrument),
        attention=attention_result(row, instrument),
        profile=profile,
        intentionality_level=None if pd.isna(level) else str(level),
        cohort=cohort,
    )


# ------------------------------------------------------------------ figures
def _figure(width: float, height: float) -> Any:
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height), dpi=100, layout="constrained")


def scores_figure(scores: pd.DataFrame) -> Any:
    """Networking, socializing and intentionality with their error bands.

    Parameters
    ----------
    scores : DataFrame
        From :func:`analysis.individual.individual_scores`.

    Returns
    -------
    matplotlib.figure.Figure
    """
    fig = _figure(5.6, 2.4)
    ax = fig.add_subplot()
    rows = scores[scores["score"] != "balance"].reset_index(drop=True)
    colors = {"networking": NET_COLOR, "socializing": SOC_COLOR}
    y = np.arange(len(rows))[::-1]
    for yi, (_, r) in zip(y, rows.iterrows()):
        c = colors.get(r["score"], "#555555")
        ax.plot([r["ci_low"], r["ci_high"]], [yi, yi], color=c, lw=6, alpha=0.35,
                solid_capstyle="butt")
        ax.plot([r["estimate"]], [yi], "o", color=c, ms=10)
        ax.plot([r["norm_mean"]], [yi], "|", color="black", ms=16, mew=2)
    ax.set_yticks(y, rows["label"])
    lo, hi = float(rows["lo"].min()), float(rows["hi"].max())
    ax.set_xlim(lo - 0.1, hi + 0.1)
    ax.set_xticks(np.arange(lo, hi + 1))
    ax.set_xlabel("score (dot), likely range (band), reference average (|)")
    ax.spines[["top", "right"]].set_visible(False)
    return fig


def gauge_figure(balance: float, ci_low: float | None = None, ci_high: float | None = None) -> Any:
    """The balance index on a half-circle gauge.

    -1 (left) is all socializing, +1 (right) all networking.

    Returns
    -------
    matplotlib.figure.Figure
    """
    from matplotlib.patches import Wedge

    fig = _figure(4.2, 2.5)
    ax = fig.add_subplot()
    ax.set_aspect("equal")
    ax.axis("off")
    steps = np.linspace(-1, 1, 41)
    for a, b in zip(steps, steps[1:]):
        mid = (a + b) / 2
        color = SOC_COLOR if mid < 0 else NET_COLOR
        ax.add_patch(Wedge((0, 0), 1.0, 90 - b * 90, 90 - a * 90, width=0.3,
                           color=color, alpha=0.25 + 0.6 * abs(mid)))
    if ci_low is not None and ci_high is not None and not np.isnan(ci_low):
        ax.add_patch(Wedge((0, 0), 1.05, 90 - ci_high * 90, 90 - ci_low * 90, width=0.05,
                           color="black", alpha=0.6))
    if balance is not None and not np.isnan(balance):
        angle = np.deg2rad(90 - balance * 90)
        ax.annotate("", xy=(0.9 * np.cos(angle), 0.9 * np.sin(angle)), xytext=(0, 0),
                    arrowprops=dict(arrowstyle="-|>", lw=2.5, color="black"))
        ax.text(0, -0.18, f"{balance:+.2f}", ha="center", va="top", fontsize=14, weight="bold")
    ax.text(-1.0, -0.05, "socializing", ha="center", va="top", color=SOC_COLOR)
    ax.text(1.0, -0.05, "networking", ha="center", va="top", color=NET_COLOR)
    ax.set_xlim(-1.25, 1.25)
    ax.set_ylim(-0.4, 1.12)
    return fig


def facet_figure(facets: pd.DataFrame, lo: float = 1, hi: float = 5) -> Any:
    """Networking vs socializing on each facet (a dot plot).

    Parameters
    ----------
    facets : DataFrame
        From :func:`analysis.individual.facet_profile`.

    Returns
    -------
    matplotlib.figure.Figure
    """
    fig = _figure(5.6, 0.45 * len(facets) + 1.0)
    ax = fig.add_subplot()
    y = np.arange(len(facets))[::-1]
    ax.hlines(y, facets["socializing"], facets["networking"], color="#bbbbbb", lw=2)
    ax.plot(facets["networking"], y, "o", color=NET_COLOR, ms=9, label="networking")
    ax.plot(facets["socializing"], y, "s", color=SOC_COLOR, ms=8, label="socializing")
    ax.set_yticks(y, facets["label"])
    ax.set_xlim(lo - 0.2, hi + 0.2)
    ax.set_xticks(np.arange(lo, hi + 1))
    ax.legend(loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=2, frameon=False)
    ax.spines[["top", "right"]].set_visible(False)
    return fig


def figure_html(fig: Any, alt: str) -> str:
    """A figure as an ``<img>`` (PNG, base64) with an escaped text alternative."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    data = base64.b64encode(buf.getvalue()).decode("ascii")
    return (f'<img src="data:image/png;base64,{data}" alt="{html.escape(alt)}" '
            'style="max-width:100%;height:auto">')


# --------------------------------------------------------------------- text
def _ordinal_pct(p: float) -> str:
    return f"{p:.0f}%"


def _score_rows(data: FeedbackData) -> str:
    scores = data["scores"]
    rows = []
    for _, r in scores.iterrows():
        if pd.isna(r["estimate"]):
            rows.append(f"<tr><th scope='row'>{html.escape(r['label'])}</th>"
                        "<td colspan='3'>not enough answers to score</td></tr>")
            continue
        fmt = "{:+.2f}" if r["score"] == "balance" else "{:.2f}"
        band = f"{fmt.format(r['ci_low'])} to {fmt.format(r['ci_high'])}"
        norm = f"higher than about {_ordinal_pct(r['percentile_norm'])}"
        if pd.notna(r["percentile_cohort"]):
            cohort = f"higher than about {_ordinal_pct(r['percentile_cohort'])} of {int(r['n_cohort'])}"
        elif data.get("cohort"):
            cohort = f"shown once 5 others have answered ({int(r['n_cohort'])} so far)"
        else:
            cohort = "no workshop code given"
        rows.append(
            f"<tr><th scope='row'>{html.escape(r['label'])}</th>"
            f"<td><b>{fmt.format(r['estimate'])}</b> <small>(likely {band})</small></td>"
            f"<td>{norm}</td><td>{html.escape(cohort)}</td></tr>")
    return "".join(rows)


def feedback_html(data: FeedbackData, instrument: Instrument) -> dict[str, str]:
    """The text sections of the feedback page (escaped HTML).

    Returns
    -------
    dict
        ``heading``, ``warning`` (empty unless attention checks failed),
        ``profile``, ``table`` and ``explanations``.
    """
    fb = instrument.feedback
    esc = html.escape
    out = {"heading": "<h2>Your results</h2>", "warning": ""}
    if data["attention"]["failed"]:
        out["warning"] = (f"<div class='netsoc-attention-warning' role='alert'>"
                          f"<b>Please note:</b> {esc(fb.attention_warning)}</div>")
    p = data["profile"]
    if p is not None:
        out["profile"] = (
            f"<div class='netsoc-profile'><h3>Your profile: {esc(p.label)}</h3>"
            f"<p><b>{esc(p.summary)}</b></p><p>{esc(p.interpretation)}</p>"
            f"<p><b>A next step:</b> {esc(p.advice)}</p></div>")
    else:
        out["profile"] = "<p>Too few questions were answered to describe a profile.</p>"
    scores = data["scores"]
    level = scores.attrs.get("level", 0.95)
    cohort = data.get("cohort")
    cohort_head = f"Your workshop ({esc(cohort)})" if cohort else "Your workshop"
    out["table"] = (
        "<table class='netsoc-scores'><caption>Your scores. The likely range reflects "
        f"measurement error ({level:.0%} band).</caption><thead><tr><th scope='col'>Score</th>"
        "<th scope='col'>You</th><th scope='col'>Compared with the reference sample</th>"
        f"<th scope='col'>{cohort_head}</th></tr></thead>"
        f"<tbody>{_score_rows(data)}</tbody></table>")
    parts = [
        "<h3>What each orientation is for</h3>",
        f"<p><b>Networking.</b> {esc(fb.orientations['networking'])}</p>",
        f"<p><b>Socializing.</b> {esc(fb.orientations['socializing'])}</p>",
        f"<h3>Balance</h3><p>{esc(fb.balance)}</p>",
    ]
    lvl = data["intentionality_level"]
    if lvl is not None and lvl in fb.intentionality:
        parts.append(f"<h3>Clear intention</h3><p>{esc(fb.intentionality[lvl])}</p>")
    parts.append(f"<p><small>Reference sample: {esc(instrument.norms.source)}.</small></p>")
    out["explanations"] = "".join(parts)
    return out


def figures_html(data: FeedbackData) -> list[str]:
    """The three figures as ``<img>`` tags with text alternatives."""
    scores = data["scores"].set_index("score")
    bal = scores.loc["balance"]
    facets = data["facets"]
    out = []
    if pd.notna(bal["estimate"]):
        side = "networking" if bal["estimate"] > 0 else "socializing"
        out.append(figure_html(
            gauge_figure(bal["estimate"], bal["ci_low"], bal["ci_high"]),
            f"Balance gauge: {bal['estimate']:+.2f} on a scale from -1 (socializing) to +1 "
            f"(networking), leaning to {side}."))
    out.append(figure_html(
        scores_figure(data["scores"]),
        "Scores with likely ranges: " + "; ".join(
            f"{r['label']} {r['estimate']:.2f}" for _, r in data["scores"].iterrows()
            if r["score"] != "balance" and pd.notna(r["estimate"]))))
    out.append(figure_html(
        facet_figure(facets),
        "Facet profile: " + "; ".join(
            f"{r['label']}: networking {r['networking']:.1f}, socializing {r['socializing']:.1f}"
            for _, r in facets.iterrows())))
    return out


def feedback_view(data: FeedbackData, instrument: Instrument) -> Any:
    """The feedback page as an ipywidgets ``VBox`` with class ``netsoc-feedback``."""
    import ipywidgets as widgets

    text = feedback_html(data, instrument)
    figs = "".join(figures_html(data))
    box = widgets.VBox([
        widgets.HTML(text["heading"] + text["warning"] + text["profile"]),
        widgets.HTML(text["table"]),
        widgets.HTML(f"<div class='netsoc-figures'>{figs}</div>"),
        widgets.HTML(text["explanations"]),
    ])
    box.add_class("netsoc-feedback")
    return box


def warm_up(instrument: Instrument) -> None:
    """Load what the feedback page needs (reference reliability, matplotlib).

    The view runs this in a background thread while the participant answers,
    so that the feedback appears quickly after Submit.
    """
    from analysis.individual import reference_reliability

    reference_reliability(None, instrument)
    figure_html(gauge_figure(0.0), "warm-up")
