"""The room's numbers for the projector, computed once per batch and shared by every viewer.

:func:`room_state` reads the cohort, keeps the published batches only
(:func:`survey.privacy.published`), scores them and returns a
:class:`RoomState`: plain numbers and labels in the dashboard's language, no
respondent ids and nothing per person.  :mod:`netsoc.dashboard.panels` turns it
into HTML, :mod:`netsoc.dashboard.export` into PNG pages and slides.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from netsoc.dashboard.release import (
    apply_hidden,
    balance_edges,
    binned_counts,
    grid_counts,
    protect_counts,
    protect_scores,
)
from survey.privacy import MEAN_DIGITS, one_wave, published, safe_mean

if TYPE_CHECKING:
    from survey.instrument import Instrument
    from survey.store import ResponseSource

__all__ = ["RoomState", "Bar", "room_state", "score_published", "grid_size"]


@dataclass(frozen=True)
class Bar:
    """One labelled row of a chart: a count (None: suppressed) or a mean."""

    label: str
    value: float | None
    second: float | None = None


@dataclass(frozen=True)
class RoomState:
    """What the projector may show of one cohort at one batch.

    Attributes
    ----------
    n_shown : int
        Responses in the published batches (a multiple of k).
    profiles, facets, statement, groups, compare : list of Bar
        Counts per profile; per facet the networking and socializing means;
        the chosen statement's counts per answer; mean balance per group of k
        or more; per facet this cohort's and the compared cohort's lean
        (networking minus socializing mean).
    balance : DataFrame
        :func:`netsoc.dashboard.release.binned_counts` of the balance index.
    quadrant : DataFrame
        :func:`netsoc.dashboard.release.grid_counts` of socializing x networking.
    groups_hidden : bool
        Some group has fewer than k people (not named).
    statement_text : str
    compare_cohort : str or None
    compare_n : int
        Published responses of the compared cohort (0: too few to compare).
    norms : DataFrame or None
        :func:`analysis.norms.room_over_norms` of the room's balance (bands under
        k suppressed), only with real norms (or ``illustration_norms``).
    norms_n : int
        People in the norm sample.
    """

    n_shown: int
    profiles: list[Bar] = field(default_factory=list)
    facets: list[Bar] = field(default_factory=list)
    statement: list[Bar] = field(default_factory=list)
    statement_text: str = ""
    balance: pd.DataFrame | None = None
    quadrant: pd.DataFrame | None = None
    grid_edges: tuple[float, ...] = ()
    groups: list[Bar] = field(default_factory=list)
    groups_hidden: bool = False
    group_field_label: str = ""
    compare: list[Bar] = field(default_factory=list)
    compare_cohort: str | None = None
    compare_n: int = 0
    norms: pd.DataFrame | None = None
    norms_n: int = 0
    published_ids: frozenset[str] = frozenset()


def grid_size(n: int) -> int:
    """Cells per side of the networking x socializing grid: coarse while the room is small
    (2 x 2 below 30 people, 3 x 3 below 80, then 4 x 4), so cells reach k."""
    return 2 if n < 30 else 3 if n < 80 else 4


def score_published(
    store: ResponseSource, instrument: Instrument, cohort: str | None, min_group_size: int
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The published responses of ``cohort`` and their scores (same row order)."""
    from analysis.scoring import score

    frame = published(one_wave(store.to_frame(cohort=cohort), min_group_size), min_group_size)
    if not len(frame):
        return frame, pd.DataFrame()
    return frame, score(frame, instrument)


def _facet_means(scores: pd.DataFrame, instrument: Any) -> list[tuple[str, str, float, float]]:
    out = []
    for fid, facet in instrument.facets.items():
        net, soc = f"networking_{fid}", f"socializing_{fid}"
        if net in scores and soc in scores:
            out.append((fid, facet.label, safe_mean(scores[net]), safe_mean(scores[soc])))
    return out


def room_state(
    store: Any,
    instrument: Any,
    *,
    cohort: str | None,
    min_group_size: int,
    group_field: str | None = None,
    statement: str | None = None,
    compare_cohort: str | None = None,
    illustration_norms: bool = False,
) -> RoomState:
    """The cohort's published numbers (see :class:`RoomState`).

    Parameters
    ----------
    store : ResponseStore
    instrument : Instrument
        In the dashboard's language (labels come from it).
    cohort : str or None
    min_group_size : int
        k.
    group_field : str, optional
        Choice field for the comparison by group.
    statement : str, optional
        Item id whose answer distribution is shown.
    compare_cohort : str, optional
        An earlier workshop to compare with (its published batches only).
    illustration_norms : bool
        Compare with the shipped synthetic norms too (the demo and tests); by
        default only real norms are shown to the room.
    """
    k = min_group_size
    frame, scores = score_published(store, instrument, cohort, k)
    n = len(frame)
    if n == 0:
        return RoomState(n_shown=0, compare_cohort=compare_cohort)
    counts = scores["profile"].value_counts()
    lo, hi = instrument.response_range(instrument.item_ids[0])
    edges = np.linspace(lo, hi, grid_size(n) + 1)
    bands = balance_edges(n)
    hidden = protect_scores(scores, instrument, edges, k, bands)
    profiles = [
        Bar(p.label, None if h else float(counts.get(p.id, 0)))
        for p, h in zip(instrument.profiles, hidden["profiles"])
    ]
    facets = [Bar(label, net, soc) for _, label, net, soc in _facet_means(scores, instrument)]
    state: dict[str, Any] = {
        "n_shown": n,
        "profiles": profiles,
        "facets": facets,
        "balance": apply_hidden(binned_counts(scores["balance"], bands, k), hidden["balance"]),
        "quadrant": apply_hidden(
            grid_counts(scores["socializing"], scores["networking"], edges, k), hidden["quadrant"]
        ),
        "grid_edges": tuple(float(e) for e in edges),
        "published_ids": frozenset(frame["respondent_id"].astype(str)),
        "compare_cohort": compare_cohort,
    }
    if statement and statement in frame.columns:
        labels = instrument.value_labels(statement)
        answers = pd.to_numeric(frame[statement], errors="coerce").value_counts()
        found = [int(answers.get(code, 0)) for code in labels]
        shut = protect_counts(found, k)
        state["statement"] = [
            Bar(text, None if h else float(c)) for text, c, h in zip(labels.values(), found, shut)
        ]
        state["statement_text"] = next(i.text for i in instrument.items if i.id == statement)
    if group_field and group_field in frame.columns:
        state.update(_groups(frame, scores, instrument, group_field, k))
    if compare_cohort:
        state.update(_compare(store, instrument, compare_cohort, k, scores))
    state.update(_norms(scores, instrument, k, illustration_norms, hidden["balance"]))
    return RoomState(**state)


def _norms(
    scores: pd.DataFrame, instrument: Any, k: int, illustration: bool, hidden: np.ndarray
) -> dict[str, Any]:
    """The room over the norms, in the balance panel's bands and with its hidden bands (the
    two panels show the same counts, one as shares)."""
    from analysis.norms import room_over_norms
    from survey.norms import norms_for

    norms = norms_for(instrument)
    if norms is None or "balance" not in norms.scores or (norms.synthetic and not illustration):
        return {}
    b = norms.scores["balance"]
    table = pd.DataFrame([q.model_dump() for q in b.percentiles])
    bins = room_over_norms(
        scores, table, lower=float(b.min), upper=float(b.max), bins=len(hidden), min_group_size=k
    )
    bins["suppressed"] = bins["suppressed"].to_numpy() | hidden
    bins.loc[bins["suppressed"], "room_share"] = np.nan
    return {"norms": bins, "norms_n": int(norms.n)}


def _groups(
    frame: pd.DataFrame, scores: pd.DataFrame, instrument: Any, field_id: str, k: int
) -> dict[str, Any]:
    labels = instrument.value_labels(field_id)
    values = frame[field_id].astype("string")
    bars, hidden = [], False
    for code, label in labels.items():
        if code == "na":  # "prefer not to say" is never a group on the projector
            continue
        mask = (values == str(code)).fillna(False).to_numpy(dtype=bool)
        size = int(mask.sum())
        if size >= k:
            bars.append(Bar(label, safe_mean(scores.loc[mask, "balance"]) if size else None))
        elif size:
            hidden = True
    return {
        "groups": bars,
        "groups_hidden": hidden,
        "group_field_label": instrument.choice_fields[field_id].label,
    }


def _compare(
    store: ResponseSource, instrument: Instrument, other: str, k: int, scores: pd.DataFrame
) -> dict[str, Any]:
    other_frame, other_scores = score_published(store, instrument, other, k)
    if not len(other_frame):
        return {"compare_n": 0}
    mine = {fid: net - soc for fid, _, net, soc in _facet_means(scores, instrument)}
    theirs = {fid: net - soc for fid, _, net, soc in _facet_means(other_scores, instrument)}
    bars = [
        Bar(facet.label, round(mine[fid], MEAN_DIGITS), round(theirs[fid], MEAN_DIGITS))
        for fid, facet in instrument.facets.items()
        if fid in mine and fid in theirs
    ]
    return {"compare": bars, "compare_n": len(other_frame)}
