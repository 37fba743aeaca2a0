"""The participant's change between the pre and the post wave: :func:`change_view`, :func:`change_html`.

After the post wave the feedback shows, for the balance and each orientation,
where the participant was in the first round and where they are now, and
whether the difference is more than measurement noise would explain: the
Jacobson-Truax reliable change index (:func:`analysis.longitudinal.rci`) with
the score's reliability and the SD of the scores from the norms shipped with
the instrument (``norms:`` in the instrument file; the page names the sample, or says that
the shipped one is an illustration, not yet real norms).
"""

from __future__ import annotations

import html
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from analysis.individual import respondent_scorer
from analysis.longitudinal import RCI_CUTOFF, rci, rci_category
from netsoc.feedback.reference import reference_for
from netsoc.web import fmt_number, ui_text
from survey.instrument import Instrument

__all__ = ["CHANGE_SCORES", "DEFAULTS", "ChangeRow", "ChangeView", "change_view", "change_html"]

#: The scores whose change the participant sees, in page order.
CHANGE_SCORES: tuple[str, ...] = ("balance", "networking", "socializing")
#: English defaults of the ``ui:`` keys of the change section (the instrument translates them).
DEFAULTS: dict[str, str] = {
    "change_heading": "Your change since the first round",
    "change_caption": "Where you were in the first round and where you are now",
    "change_column_before": "First round",
    "change_column_now": "Now",
    "change_column_change": "Change",
    "change_column_verdict": "More than noise",
    "change_up": "{label} went up from {before} to {now}: more than measurement noise would explain.",
    "change_down": "{label} went down from {before} to {now}: more than measurement noise would explain.",
    "change_same": "{label}: {before} in the first round, {now} now. A difference this small could be "
    "measurement noise.",
    "change_verdict_yes": "yes",
    "change_verdict_no": "no",
    "change_method": "Measurement noise is judged with the reliable change index (Jacobson and Truax, "
    "1991): a change counts when it is more than {cutoff} times the difference that the score's "
    "reliability and spread in {population} would produce by chance.",
    "change_reference_synthetic": "an illustrative reference sample shipped with the questionnaire "
    "(not yet real norms)",
}


@dataclass(frozen=True)
class ChangeRow:
    """One score: ``before``, ``now``, ``difference`` (now - before), ``rci``, ``category``
    (``improved`` = up, ``unchanged``, ``deteriorated`` = down) and the ``sentence`` shown."""

    score: str
    label: str
    before: float
    now: float
    difference: float
    rci: float
    category: str
    sentence: str
    sd_pre: float
    reliability: float


@dataclass(frozen=True)
class ChangeView:
    """The change section: ``heading``, ``rows``, ``method`` (where the error comes from) and the
    table's column texts."""

    heading: str
    caption: str
    columns: tuple[str, ...]
    rows: tuple[ChangeRow, ...]
    method: str
    verdicts: tuple[str, str]


def _t(inst: Instrument, key: str, **values: Any) -> str:
    return ui_text(inst, key, default=DEFAULTS.get(key), **values)


def _label(inst: Instrument, score: str) -> str:
    if score in inst.scales:
        return inst.scales[score].label
    return ui_text(inst, "balance", default="Balance")


def _row(inst: Instrument, score: str, before: float, now: float, params: Any) -> ChangeRow | None:
    if params is None or not (math.isfinite(before) and math.isfinite(now)):
        return None
    _mean, sd, reliability = params
    index = float(rci(now - before, sd_pre=float(sd), reliability=float(reliability)))
    category = rci_category(index)
    label = _label(inst, score)
    shown = {"before": fmt_number(before, inst.language, 2), "now": fmt_number(now, inst.language, 2)}
    key = {"improved": "change_up", "deteriorated": "change_down"}.get(category, "change_same")
    return ChangeRow(
        score=score,
        label=label,
        before=before,
        now=now,
        difference=now - before,
        rci=index,
        category=category,
        sentence=_t(inst, key, label=label, **shown),
        sd_pre=float(sd),
        reliability=float(reliability),
    )


def change_view(pre: Mapping[str, Any], post: Mapping[str, Any], instrument: Instrument) -> ChangeView | None:
    """The change section of one participant, in the instrument's language.

    Parameters
    ----------
    pre, post : mapping
        The answers of the pre and the post wave (``{question id: code}``).
    instrument : Instrument
        Localized to the participant's language.

    Returns
    -------
    ChangeView or None
        ``None`` when the instrument has no norms with an SD and a reliability for these scores.
    """
    scorer = respondent_scorer(instrument)
    before, now = scorer.score_answers(pre), scorer.score_answers(post)
    ref = reference_for(instrument)
    rows = []
    for score in CHANGE_SCORES:
        row = _row(instrument, score, float(before[score]), float(now[score]), ref.params.get(score))
        if row is not None:
            rows.append(row)
    if not rows:
        return None
    keys = ("change_column_before", "change_column_now", "change_column_change", "change_column_verdict")
    return ChangeView(
        heading=_t(instrument, "change_heading"),
        caption=_t(instrument, "change_caption"),
        columns=(ui_text(instrument, "column_score", default="Score"), *(_t(instrument, k) for k in keys)),
        rows=tuple(rows),
        method=_t(
            instrument,
            "change_method",
            cutoff=fmt_number(RCI_CUTOFF, instrument.language, 2),
            population=_t(instrument, "change_reference_synthetic") if ref.synthetic else ref.population,
        ),
        verdicts=(_t(instrument, "change_verdict_yes"), _t(instrument, "change_verdict_no")),
    )


def change_html(view: ChangeView | None, language: str) -> str:
    """The change section as escaped HTML (empty without a view)."""
    if view is None:
        return ""
    esc = html.escape
    sentences = "".join(f"<li>{esc(r.sentence)}</li>" for r in view.rows)
    head = "".join(f"<th scope='col'>{esc(c)}</th>" for c in view.columns)
    body = ""
    for r in view.rows:
        cells = (
            fmt_number(r.before, language, 2),
            fmt_number(r.now, language, 2),
            fmt_number(r.difference, language, 2, sign=True),
            view.verdicts[0] if r.category != "unchanged" else view.verdicts[1],
        )
        tds = "".join(
            f"<td data-label='{esc(c, quote=True)}'>{esc(v)}</td>" for c, v in zip(view.columns[1:], cells)
        )
        body += f"<tr><th scope='row'>{esc(r.label)}</th>{tds}</tr>"
    return (
        "<section class='netsoc-change' aria-labelledby='netsoc-fb-change'>"
        f"<h3 id='netsoc-fb-change'>{esc(view.heading)}</h3><ul>{sentences}</ul>"
        f"<table class='netsoc-stack netsoc-change-table'><caption>{esc(view.caption)}</caption>"
        f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
        f"<p class='netsoc-muted'>{esc(view.method)}</p></section>"
    )
