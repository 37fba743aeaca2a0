"""What one participant's feedback says: :class:`FeedbackData` and :func:`feedback_data`.

The participant is scored once (:func:`analysis.individual.respondent_scorer`)
and every text is chosen here, already in the participant's language, in the
order the page shows it: the profile, the balance, the two facets with the
largest gap with one thing to try each, then "more detail" (folded away).
:meth:`FeedbackData.to_json` gives it to the survey's form module;
:func:`netsoc.feedback.result_html` turns it into a page to keep.

Comparisons with a reference sample appear only when the instrument's norms
are real (not the shipped synthetic illustration), unless the caller asks for
illustration norms (the demo and tests).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from analysis.individual import FEEDBACK_SCORES, facet_rows, respondent_scorer, score_range
from analysis.individual import score_rows as _score_rows
from netsoc.feedback.charts import balance_svg
from netsoc.feedback.details import SCORES_TABLE_ID, DetailBlock, detail_blocks
from netsoc.feedback.reference import reference_for
from netsoc.feedback.texts import fmt_number, text
from netsoc.feedback.words import balance_side, largest_gaps
from survey.instrument import Instrument
from survey.schema import MIN_GROUP_SIZE

__all__ = [
    "FeedbackData",
    "ProfileView",
    "BalanceView",
    "TryView",
    "IntentionView",
    "DetailBlock",
    "feedback_data",
    "localized",
]

#: Headings and labels the form needs besides the sections (``ui:`` keys).
TEXT_KEYS = (
    "results_heading",
    "balance_heading",
    "try_heading",
    "details_heading",
    "keep_heading",
    "keep_hint",
    "keep_download",
    "keep_print",
    "room_heading",
    "please_note",
)


@dataclass(frozen=True)
class ProfileView:
    """The profile: ``id``, ``label``, ``heading`` ("Your profile: ..."), ``summary``,
    ``advice``."""

    id: str
    label: str
    heading: str
    summary: str
    advice: str


@dataclass(frozen=True)
class BalanceView:
    """The balance: ``value``, ``value_text`` (signed, locale digits), ``side``
    (:data:`netsoc.feedback.words.SIDES`), ``word``, ``sentence`` and ``svg`` (a
    labelled inline chart)."""

    value: float
    value_text: str
    side: str
    word: str
    sentence: str
    svg: str


@dataclass(frozen=True)
class TryView:
    """One facet with a large gap: its scores, the weaker side and one thing to try."""

    facet: str
    label: str
    networking: float
    socializing: float
    gap: float
    stronger: str
    weaker: str
    summary: str
    tip: str


@dataclass(frozen=True)
class IntentionView:
    """Clear intention: ``level`` id, ``label``, ``heading`` and ``text`` (follows the level)."""

    value: float
    level: str
    label: str
    heading: str
    text: str


@dataclass(frozen=True)
class FeedbackData:
    """Everything one participant's feedback shows, in the participant's language.

    Attributes
    ----------
    language, title, instrument_id, instrument_version : str
    answered_on : str
        The date of the feedback (ISO), printed on the kept result.
    cohort : str or None
        The workshop code (plain text; escape it when drawing).
    texts : dict
        Headings and labels of the page (:data:`TEXT_KEYS`), and
        ``result_title`` / ``result_saved`` for the kept result.
    warning : str or None
        Shown first when attention checks were answered wrongly.
    profile : ProfileView or None
    no_profile : str or None
        Said instead of a profile when too few questions were answered.
    balance : BalanceView or None
    tries : tuple of TryView
        Up to two facets with the largest gap, largest first.
    try_none : str or None
        Said instead when no facet has a gap worth a tip.
    intentionality : IntentionView or None
    details : tuple of DetailBlock
        "More detail", folded away by default.
    room_waiting : str or None
        With a cohort: what "Your workshop" says until enough people answered
        (the form then polls :func:`netsoc.feedback.room_section`).
    room : dict or None
        The room section, when it was already available.
    scores : tuple of dict
        The numbers behind the page (one row per score of
        :data:`analysis.individual.FEEDBACK_SCORES`, the columns of
        :func:`analysis.individual.score_rows` and ``reference``: the
        percentile with its interval, or ``None`` when not shown).
    facets : tuple of dict
        :func:`analysis.individual.facet_rows`: networking and socializing per facet.
    erase_code : str or None
        The code that finds the stored answers (the resume code), shown with how to
        have them erased (``netsoc erase CODE``); ``None`` when nothing was stored.
    change : ChangeView or None
        After the post wave: :func:`netsoc.feedback.change_view`.
    """

    language: str
    title: str
    instrument_id: str
    instrument_version: str
    answered_on: str
    cohort: str | None
    texts: dict[str, str]
    warning: str | None
    profile: ProfileView | None
    no_profile: str | None
    balance: BalanceView | None
    tries: tuple[TryView, ...]
    try_none: str | None
    intentionality: IntentionView | None
    details: tuple[DetailBlock, ...]
    room_waiting: str | None
    room: dict[str, Any] | None
    scores: tuple[dict[str, Any], ...]
    facets: tuple[dict[str, Any], ...] = ()
    min_group_size: int = MIN_GROUP_SIZE
    erase_code: str | None = None
    change: Any = None

    def to_json(self) -> dict[str, Any]:
        """A JSON-safe dict in the page's order (NaN becomes ``None``)."""
        return _json_safe(dataclasses.asdict(self))


def _json_safe(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json_safe(v) for v in value]
    if isinstance(value, float):
        return None if math.isnan(value) or math.isinf(value) else value
    if hasattr(value, "item") and not isinstance(value, str):  # numpy scalars
        return _json_safe(value.item())
    return value


def localized(instrument: Instrument, language: str | None) -> Instrument:
    """The instrument in ``language`` (itself when ``None`` or already so)."""
    if language is None or language == instrument.language:
        return instrument
    return instrument.localized(language)


def _num(inst: Instrument, x: float, sign: bool = False) -> str:
    return fmt_number(x, inst.language, 2, sign=sign)


def _balance(inst: Instrument, value: float, table_id: str) -> BalanceView | None:
    side = balance_side(value, inst)
    if side is None:
        return None
    word = text(inst, {"even": "lean_none"}.get(side, f"lean_{side}"))
    shown = _num(inst, value, True)
    sentence = text(inst, "balance_plain", balance=shown, side=word)
    ticks = ["0" if t == 0 else fmt_number(t, inst.language, 1, sign=True) for t in (-1, -0.5, 0, 0.5, 1)]
    svg = balance_svg(
        value,
        math.nan,
        math.nan,
        left=text(inst, "gauge_socializing"),
        right=text(inst, "gauge_networking"),
        value_text=shown,
        tick_labels=ticks,
        label=sentence,
        described_by=table_id,
    )
    return BalanceView(value=value, value_text=shown, side=side, word=word, sentence=sentence, svg=svg)


def _tries(inst: Instrument, facets: list[dict[str, Any]]) -> tuple[TryView, ...]:
    out = []
    lo, hi = score_range(inst, "networking")
    for f in largest_gaps(facets):
        values = {o: _num(inst, f[o]) for o in ("networking", "socializing")}
        labels = {o: text(inst, f"gauge_{o}") for o in values}
        summary = text(
            inst,
            "try_gap",
            facet=f["label"],
            stronger=labels[f["stronger"]],
            high=values[f["stronger"]],
            weaker=labels[f["weaker"]],
            low=values[f["weaker"]],
            lo=f"{lo:g}",
            hi=f"{hi:g}",
        )
        out.append(
            TryView(
                facet=f["facet"],
                label=f["label"],
                networking=f["networking"],
                socializing=f["socializing"],
                gap=f["gap"],
                stronger=f["stronger"],
                weaker=f["weaker"],
                summary=summary,
                tip=text(inst, f"try_{f['facet']}_{f['weaker']}"),
            )
        )
    return tuple(out)


def _intention(inst: Instrument, value: float, level: Any) -> IntentionView | None:
    fb = inst.feedback
    if level is None or (isinstance(level, float) and math.isnan(level)) or level not in fb.intentionality:
        return None
    label = next(lv.label for lv in inst.scoring.intentionality_levels if lv.id == level)
    return IntentionView(
        value=value,
        level=str(level),
        label=label,
        heading=text(inst, "intention_level", level=label),
        text=fb.intentionality[level],
    )


def _scored_peers(
    scorer: Any, peers: pd.DataFrame | None, peer_scores: Mapping[str, np.ndarray] | None
) -> dict[str, np.ndarray] | None:
    """The peers' scores: given, else scored from ``peers`` (None without peers)."""
    if peer_scores is not None:
        return dict(peer_scores)
    if peers is None:
        return None
    if not len(peers):
        return {name: np.array([], dtype=float) for name in FEEDBACK_SCORES}
    return scorer.score_frame(peers)


def _profile_view(inst: Instrument, p: Any) -> ProfileView | None:
    """The profile's words for the feedback page (None without a profile)."""
    if p is None:
        return None
    return ProfileView(
        id=p.id,
        label=p.label,
        heading=text(inst, "profile_heading", profile=p.label),
        summary=p.summary,
        advice=p.advice,
    )


def feedback_data(
    answers: Mapping[str, Any],
    instrument: Instrument,
    *,
    peers: pd.DataFrame | None = None,
    peer_scores: Mapping[str, np.ndarray] | None = None,
    cohort: str | None = None,
    reliability: Any = None,
    language: str | None = None,
    ci: float = 0.95,
    min_group_size: int = MIN_GROUP_SIZE,
    illustration_norms: bool = False,
    room: Mapping[str, Any] | None = None,
    today: dt.date | None = None,
    erase_code: str | None = None,
) -> FeedbackData:
    """Compute one participant's feedback (scored once, with numpy).

    Parameters
    ----------
    answers : mapping
        The submitted answers ``{question id: code, ...}``.
    instrument : Instrument
        The questionnaire the answers belong to.
    peers : DataFrame, optional
        Other submitted respondents of the same cohort (wide table): each
        score then gets a coarse workshop band in the details (from
        ``2 * min_group_size`` responses).
    peer_scores : mapping, optional
        The same peers already scored (``respondent_scorer(...).score_frame``), instead
        of ``peers``: a server that answers many participants scores the cohort once.
    cohort : str, optional
        The workshop code.
    reliability : mapping, optional
        Reliability per score (default: the norms').
    language : str, optional
        One of the instrument's languages (default: the instrument's).
    ci : float, default 0.95
        Confidence level of the likely ranges in the details.
    min_group_size : int, default 5
        k: nothing about the workshop below it.
    illustration_norms : bool, default False
        Show reference comparisons even when the norms are the synthetic
        illustration (the demo); real norms are always shown.
    room : mapping, optional
        An already computed :func:`netsoc.feedback.room_section`.
    today : date, optional
        The date printed on the kept result (default: today, UTC).
    erase_code : str, optional
        The stored response's code (the resume code), shown on the page and the kept
        result with one sentence on having the answers erased.

    Returns
    -------
    FeedbackData
    """
    inst = localized(instrument, language)
    scorer = respondent_scorer(inst)
    own = scorer.score_answers(answers)
    others = _scored_peers(scorer, peers, peer_scores)
    ref = reference_for(inst)
    show_reference = ref.lookup is not None and (not ref.synthetic or illustration_norms)
    rows = _score_rows(
        own,
        inst,
        peers=others,
        reliability=reliability,
        norms=ref.params or None,
        ci=ci,
        min_group_size=min_group_size,
    )
    for r in rows:
        r["reference"] = (
            ref.percentile(r["score"], r["estimate"], r["ci_low"], r["ci_high"])
            if show_reference and not math.isnan(r["estimate"])
            else None
        )
    facets = facet_rows(own, inst)
    p = next((p for p in inst.profiles if p.id == own["profile"]), None)
    profile = _profile_view(inst, p)
    tries = _tries(inst, facets)
    table_id = SCORES_TABLE_ID
    answered_on = (today or dt.datetime.now(dt.UTC).date()).isoformat()
    texts = {k: text(inst, k) for k in TEXT_KEYS}
    texts["result_title"] = text(inst, "result_title", title=inst.title)
    texts["result_saved"] = text(inst, "result_saved", version=inst.version, date=answered_on)
    if cohort:
        texts["room_heading"] = text(inst, "column_workshop_code", cohort=cohort)
    if erase_code:
        texts["erase_heading"] = text(inst, "erase_heading")
        texts["erase_text"] = text(inst, "erase_text", code="{code}")
    return FeedbackData(
        language=inst.language,
        title=inst.title,
        instrument_id=inst.id,
        instrument_version=inst.version,
        answered_on=answered_on,
        cohort=cohort,
        texts=texts,
        warning=inst.feedback.attention_warning if own["attention_failures"] > 0 else None,
        profile=profile,
        no_profile=None if profile else text(inst, "no_profile"),
        balance=_balance(inst, float(own["balance"]), table_id),
        tries=tries,
        try_none=None if tries else text(inst, "try_none"),
        intentionality=_intention(inst, float(own["intentionality"]), own["intentionality_level"]),
        details=detail_blocks(inst, rows, facets, p, ref if show_reference else None, cohort=cohort, ci=ci),
        room_waiting=(text(inst, "room_waiting", k=min_group_size) if cohort else None),
        room=dict(room) if room is not None else None,
        scores=tuple(dict(r) for r in rows),
        facets=tuple(dict(f) for f in facets),
        min_group_size=min_group_size,
        erase_code=erase_code,
    )
