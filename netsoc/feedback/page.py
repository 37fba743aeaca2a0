"""The participant's personal feedback page.

:func:`feedback_data` scores the participant once, with the instrument's
precomputed numpy scorer (:func:`analysis.individual.respondent_scorer`),
and gathers everything the page shows; :func:`feedback_html` turns it into
escaped HTML with three inline SVG charts (:mod:`netsoc.feedback.charts`),
each with a summary sentence and its numbers in a table;
:func:`feedback_view` wraps that in one ipywidgets ``HTML`` inside a box
with the CSS hook ``netsoc-feedback``.

Words come from the (localized) instrument: ``profiles``, ``feedback`` and
the ``ui:`` section (:mod:`netsoc.feedback.texts`).  Every text that could
come from a participant (the cohort code) is escaped.  The comparison with
the participant's workshop is a coarse band (:func:`analysis.individual.cohort_band`),
never an exact percentile or a count.
"""

from __future__ import annotations

import html
import math
import secrets
from collections.abc import Mapping
from typing import Any

import pandas as pd

from analysis.individual import (
    FEEDBACK_SCORES,
    MIN_GROUP_SIZE,
    facet_rows,
    respondent_scorer,
    score_range,
    score_rows,
)
from netsoc.feedback.charts import NET_COLOR, SOC_COLOR, balance_svg, facets_svg, scores_svg
from netsoc.feedback.reference import Reference, reference_for
from netsoc.feedback.texts import esc_text, fmt_number, fmt_percent, ordinal, text
from survey.instrument import Instrument

__all__ = ["FeedbackData", "feedback_data", "feedback_html", "feedback_view", "warm_up", "CSS"]

#: Styles of the page, scoped to the ``netsoc-feedback`` hook: near-black on
#: white, wrapping tables (nothing scrolls sideways, down to 320 px).
CSS = """<style>
.netsoc-feedback-page{color:#1a1a1a;background:#ffffff;line-height:1.45;max-width:46rem;
  overflow-wrap:break-word;white-space:normal}
.netsoc-feedback-page h2,.netsoc-feedback-page h3{line-height:1.25;margin:.9em 0 .4em}
.netsoc-feedback-page p{margin:.5em 0}
.netsoc-feedback-page strong,.netsoc-feedback-page caption{font-weight:bold}
.netsoc-feedback-page figure{margin:1em 0}
.netsoc-feedback-page figcaption{margin:.3em 0}
.netsoc-feedback-page table{border-collapse:collapse;width:100%;margin:.4em 0 1em}
.netsoc-feedback-page caption{text-align:left;font-weight:bold;padding:.3em 0}
.netsoc-feedback-page th,.netsoc-feedback-page td{border:1px solid #767676;padding:.3em .45em;
  text-align:left;vertical-align:top;overflow-wrap:break-word}
.netsoc-feedback-page .netsoc-note{border-left:4px solid #1a1a1a;background:#f2f2f2;
  padding:.35em .7em;margin:.5em 0}
.netsoc-feedback-page .netsoc-attention-warning{border:2px solid #1a1a1a;padding:.4em .7em}
@media (max-width:36em){
.netsoc-feedback-page table.netsoc-stack,.netsoc-stack tbody,.netsoc-stack tr,.netsoc-stack th,
.netsoc-stack td,.netsoc-stack caption{display:block;width:auto}
.netsoc-stack thead{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);
  clip-path:inset(50%);white-space:nowrap}
.netsoc-stack tr{border:1px solid #767676;margin:0 0 .6em}
.netsoc-stack th,.netsoc-stack td{border:0;overflow-wrap:break-word}
.netsoc-stack td[data-label]::before{content:attr(data-label) ": ";font-weight:bold}
}
</style>"""


class FeedbackData(dict):
    """Everything the feedback page shows (a dict with documented keys).

    Keys: ``scores`` (list of dicts, one per score in
    :data:`analysis.individual.FEEDBACK_SCORES`, the columns of
    :func:`analysis.individual.individual_scores` plus ``reference``: the
    norm percentile with its interval ``(pct, low, high)`` or ``None``),
    ``facets`` (list of dicts as :func:`analysis.individual.facet_profile`),
    ``attention`` (``n_checks``, ``n_failed``, ``failed``), ``profile``
    (the instrument profile or ``None``), ``intentionality_level`` (level id
    or ``None``), ``cohort`` (code or ``None``), ``reference``
    (:class:`netsoc.feedback.reference.Reference`), ``ci`` and
    ``min_group_size``, ``language``.
    """


def _localized(instrument: Instrument, language: str | None) -> Instrument:
    if language is None or language == instrument.language:
        return instrument
    return instrument.localized(language)


def feedback_data(answers: Mapping[str, Any], instrument: Instrument, *,
                  peers: pd.DataFrame | None = None, cohort: str | None = None,
                  reliability: Any = None, language: str | None = None, ci: float = 0.95,
                  min_group_size: int = MIN_GROUP_SIZE) -> FeedbackData:
    """Compute the feedback of one participant (scored once, with numpy).

    Parameters
    ----------
    answers : mapping
        The submitted answers ``{question id: code, ...}``.
    instrument : Instrument
        Preferably already localized to the participant's language.
    peers : DataFrame, optional
        Other submitted respondents of the same cohort (wide table).
    cohort : str, optional
        The workshop code (shown escaped; only its presence changes the text).
    reliability : mapping, optional
        Reliability per score (default: the norms').
    language : str, optional
        Show the page in this language of the instrument.
    ci : float, default 0.95
        Confidence level of the bands and percentile intervals.
    min_group_size : int, default :data:`analysis.individual.MIN_GROUP_SIZE`
        The workshop band needs ``2 * min_group_size`` responses.
    """
    inst = _localized(instrument, language)
    scorer = respondent_scorer(inst)
    own = scorer.score_answers(answers)
    others = None
    if peers is not None:
        others = (scorer.score_frame(peers) if len(peers)
                  else {name: [] for name in FEEDBACK_SCORES})
    ref = reference_for(inst)
    rows = score_rows(own, inst, peers=others, reliability=reliability,
                      norms=ref.params or None, ci=ci, min_group_size=min_group_size)
    for r in rows:
        r["reference"] = (ref.percentile(r["score"], r["estimate"], r["ci_low"], r["ci_high"])
                          if not math.isnan(r["estimate"]) else None)
    profile = next((p for p in inst.profiles if p.id == own["profile"]), None)
    n_failed = int(own["attention_failures"])
    return FeedbackData(
        scores=rows, facets=facet_rows(own, inst),
        attention=dict(n_checks=int(own["attention_answered"]), n_failed=n_failed,
                       failed=n_failed > 0),
        profile=profile, intentionality_level=own["intentionality_level"], cohort=cohort,
        reference=ref, ci=ci, min_group_size=min_group_size, language=inst.language)


# --------------------------------------------------------------------- text
def _num(inst: Instrument, x: float, balance: bool = False) -> str:
    return fmt_number(x, inst.language, 2, sign=balance)


def _percentile_text(inst: Instrument, ref: tuple[float, float, float], ci: float) -> str:
    pct, low, high = (min(max(round(v), 1), 99) if v == v else "\u2013" for v in ref)
    return text(inst, "percentile", ordinal=ordinal(pct, inst.language),
                level=fmt_percent(ci, inst.language), low=low, high=high)


def _workshop_text(inst: Instrument, row: Mapping[str, Any], cohort: str | None) -> str:
    if row["cohort_band"] is not None:
        return text(inst, f"band_{row['cohort_band']}")
    return text(inst, "cohort_waiting") if cohort else text(inst, "no_cohort")


def _reference_note(inst: Instrument, ref: Reference) -> str:
    if ref.lookup is None:
        return f"<p class='netsoc-note'>{esc_text(inst, 'no_reference')}</p>"
    if ref.n is not None and ref.collected:
        line = text(inst, "reference_line", n=f"{ref.n:,}", population=ref.population,
                    dates=ref.collected)
    else:
        line = text(inst, "reference_line_short", population=ref.population)
    out = html.escape(line)
    if ref.synthetic:
        out += f" <strong>{esc_text(inst, 'reference_synthetic')}</strong>"
    return f"<p class='netsoc-note netsoc-reference'>{out}</p>"


def _table(cls: str, table_id: str, caption: str, headers: list[str],
           rows: list[tuple[str, list[str]]], labels: list[str] | None = None) -> str:
    """A data table with caption and scoped headers (all arguments escaped HTML).

    Rows are ``(row header, cells)``; a single cell spans the remaining
    columns.  Explicit table roles keep the semantics when narrow screens
    stack the cells (class ``netsoc-stack``), and ``data-label`` names each
    cell's column there (``labels``, default the headers; never typed text).
    """
    labels = headers if labels is None else labels
    head = "".join(f"<th scope='col' role='columnheader'>{h}</th>" for h in headers)
    body = []
    for row_head, cells in rows:
        if len(cells) == 1 and len(headers) > 2:
            tds = f"<td role='cell' colspan='{len(headers) - 1}'>{cells[0]}</td>"
        else:
            tds = "".join(f"<td role='cell' data-label='{h}'>{c}</td>"
                          for h, c in zip(labels[1:], cells))
        body.append(f"<tr role='row'><th scope='row' role='rowheader'>{row_head}</th>{tds}</tr>")
    return (f"<table class='{cls} netsoc-stack' id='{table_id}' role='table'>"
            f"<caption>{caption}</caption><thead role='rowgroup'><tr role='row'>{head}</tr>"
            f"</thead><tbody role='rowgroup'>{''.join(body)}</tbody></table>")


def _scores_table(data: FeedbackData, inst: Instrument, table_id: str) -> str:
    esc = html.escape
    cohort = data.get("cohort")
    rows = []
    for r in data["scores"]:
        head = esc(_label(inst, r))
        if math.isnan(r["estimate"]):
            rows.append((head, [esc_text(inst, "not_scored")]))
            continue
        bal = r["score"] == "balance"
        you = f"<strong>{_num(inst, r['estimate'], bal)}</strong>"
        if not math.isnan(r["ci_low"]):
            you += " (" + esc_text(inst, "likely_range", low=_num(inst, r["ci_low"], bal),
                                   high=_num(inst, r["ci_high"], bal)) + ")"
        ref = (esc(_percentile_text(inst, r["reference"], data["ci"]))
               if r["reference"] is not None else "\u2013")
        rows.append((head, [you, ref, esc(_workshop_text(inst, r, cohort))]))
    workshop = (esc_text(inst, "column_workshop_code", cohort=cohort) if cohort
                else esc_text(inst, "column_workshop"))
    headers = [esc_text(inst, "column_score"), esc_text(inst, "column_you"),
               esc_text(inst, "column_reference"), workshop]
    caption = esc_text(inst, "scores_caption", level=fmt_percent(data["ci"], inst.language))
    return _table("netsoc-scores", table_id, caption, headers, rows,
                  labels=headers[:3] + [esc_text(inst, "column_workshop")])


def _label(inst: Instrument, row: Mapping[str, Any]) -> str:
    return inst.scales[row["score"]].label if row["score"] in inst.scales else text(inst, "balance")


def _figure(svg: str, title: str, summary: str, inst: Instrument) -> str:
    return (f"<figure>{svg}<figcaption><strong>{html.escape(title)}.</strong> "
            f"{html.escape(summary)} {esc_text(inst, 'table_hint')}</figcaption></figure>")


def _balance_figure(data: FeedbackData, inst: Instrument, table_id: str) -> str:
    bal = next(r for r in data["scores"] if r["score"] == "balance")
    if math.isnan(bal["estimate"]):
        return ""
    v = bal["estimate"]
    side = text(inst, "lean_networking" if v > 0.05 else "lean_socializing" if v < -0.05
                else "lean_none")
    low, high = bal["ci_low"], bal["ci_high"]
    summary = text(inst, "balance_summary", balance=_num(inst, v, True),
                   low=_num(inst, low, True) if low == low else "\u2013",
                   high=_num(inst, high, True) if high == high else "\u2013", side=side)
    ticks = [fmt_number(t, inst.language, 1, sign=t != 0).replace("+0,0", "0")
             for t in (-1, -0.5, 0, 0.5, 1)]
    svg = balance_svg(v, low, high, left=text(inst, "gauge_socializing"),
                      right=text(inst, "gauge_networking"), value_text=_num(inst, v, True),
                      tick_labels=ticks, label=summary, described_by=table_id)
    return _figure(svg, text(inst, "balance_chart_title"), summary, inst)


def _scores_figure(data: FeedbackData, inst: Instrument, table_id: str) -> str:
    colors = {"networking": NET_COLOR, "socializing": SOC_COLOR}
    rows = [r for r in data["scores"] if r["score"] != "balance"]
    lo, hi = score_range(inst, "networking")
    entries = [text(inst, "score_entry", label=_label(inst, r), value=_num(inst, r["estimate"]),
                    low=_num(inst, r["ci_low"]), high=_num(inst, r["ci_high"]))
               for r in rows if not math.isnan(r["estimate"]) and not math.isnan(r["ci_low"])]
    summary = text(inst, "scores_summary", lo=f"{lo:g}", hi=f"{hi:g}", scores="; ".join(entries))
    svg = scores_svg([(_label(inst, r), r["estimate"], r["ci_low"], r["ci_high"], r["norm_mean"],
                       colors.get(r["score"], "#1a1a1a")) for r in rows], lo, hi,
                     legend=(text(inst, "legend_you"), text(inst, "legend_range"),
                             text(inst, "legend_reference")),
                     label=summary, described_by=table_id)
    return _figure(svg, text(inst, "scores_chart_title"), summary, inst)


def _facets_figure(data: FeedbackData, inst: Instrument, uid: str) -> str:
    esc = html.escape
    lo, hi = score_range(inst, "networking")
    facets = data["facets"]
    diffs = [f["difference"] for f in facets if not math.isnan(f["difference"])]
    summary = text(inst, "facets_summary", more=sum(d > 0 for d in diffs),
                   total=len(facets), less=sum(d < 0 for d in diffs))
    net, soc = inst.scales["networking"].label, inst.scales["socializing"].label
    table_id = f"{uid}-facets"
    svg = facets_svg([(f["label"], f["networking"], f["socializing"]) for f in facets], lo, hi,
                     legend=(net, soc), label=summary, described_by=table_id)

    def cell(x: float) -> str:
        return _num(inst, x) if not math.isnan(x) else "\u2013"

    table = _table("netsoc-facets", table_id,
                   esc_text(inst, "facets_caption", lo=f"{lo:g}", hi=f"{hi:g}"),
                   [esc_text(inst, "column_facet"), esc(net), esc(soc)],
                   [(esc(f["label"]), [cell(f["networking"]), cell(f["socializing"])])
                    for f in facets])
    return _figure(svg, text(inst, "facets_chart_title"), summary, inst) + table


def feedback_html(data: FeedbackData, instrument: Instrument) -> dict[str, str]:
    """The sections of the feedback page, in order (escaped HTML).

    Returns
    -------
    dict
        ``heading`` (an ``h2``), ``warning`` (empty unless attention checks
        failed), ``profile``, ``scores`` (balance and score charts, the
        comparison sample and the scores table), ``facets`` (chart and
        table) and ``explanations``.  Joined in this order they make the page.
    """
    inst = _localized(instrument, data.get("language"))
    fb = inst.feedback
    esc = html.escape
    uid = "nf-" + secrets.token_hex(4)
    table_id = f"{uid}-scores"
    out = {"heading": f"<h2 id='{uid}-h'>{esc_text(inst, 'results_heading')}</h2>", "warning": ""}
    if data["attention"]["failed"]:
        out["warning"] = (f"<div class='netsoc-attention-warning' role='alert'>"
                          f"<strong>{esc_text(inst, 'please_note')}</strong> "
                          f"{esc(fb.attention_warning)}</div>")
    p = data["profile"]
    if p is not None:
        out["profile"] = (
            f"<div class='netsoc-profile'><h3>{esc_text(inst, 'profile_heading', profile=p.label)}"
            f"</h3><p><strong>{esc(p.summary)}</strong></p><p>{esc(p.interpretation)}</p>"
            f"<p><strong>{esc_text(inst, 'next_step')}</strong> {esc(p.advice)}</p></div>")
    else:
        out["profile"] = f"<p>{esc_text(inst, 'no_profile')}</p>"
    out["scores"] = (_balance_figure(data, inst, table_id) + _scores_figure(data, inst, table_id)
                     + _reference_note(inst, data["reference"])
                     + _scores_table(data, inst, table_id))
    out["facets"] = _facets_figure(data, inst, uid)
    parts = [
        f"<h3>{esc_text(inst, 'orientations_heading')}</h3>",
        f"<p><strong>{esc(inst.scales['networking'].label)}.</strong> "
        f"{esc(fb.orientations['networking'])}</p>",
        f"<p><strong>{esc(inst.scales['socializing'].label)}.</strong> "
        f"{esc(fb.orientations['socializing'])}</p>",
        f"<h3>{esc_text(inst, 'balance_heading')}</h3><p>{esc(fb.balance)}</p>",
    ]
    lvl = data["intentionality_level"]
    if lvl is not None and lvl in fb.intentionality:
        parts.append(f"<h3>{esc_text(inst, 'intention_heading')}</h3>"
                     f"<p>{esc(fb.intentionality[lvl])}</p>")
    out["explanations"] = "".join(parts)
    return out


def page_html(data: FeedbackData, instrument: Instrument) -> str:
    """The whole feedback page as one HTML fragment (styles included).

    The outer ``section`` is labelled by the page's ``h2`` heading; the
    caller puts it inside an element with class ``netsoc-feedback`` (as
    :func:`feedback_view` does) below the survey's ``h1``.
    """
    parts = feedback_html(data, instrument)
    heading_id = parts["heading"].split("'", 2)[1]
    return (f"{CSS}<section class='netsoc-feedback-page' aria-labelledby='{heading_id}' "
            f"lang='{html.escape(data.get('language') or instrument.language)}'>"
            + "".join(parts.values()) + "</section>")


def feedback_view(data: FeedbackData, instrument: Instrument) -> Any:
    """The feedback page as an ipywidgets ``VBox`` with class ``netsoc-feedback``.

    One ``HTML`` child holds the whole page (one widget message per participant).
    """
    import ipywidgets as widgets

    box = widgets.VBox([widgets.HTML(page_html(data, instrument))])
    box.add_class("netsoc-feedback")
    return box


def warm_up(instrument: Instrument) -> None:
    """Build what the feedback page reuses for everyone (scorer, norms, chart templates).

    The form may run this in a background thread while the participant
    answers; it takes a few milliseconds.
    """
    respondent_scorer(instrument)
    reference_for(instrument)
