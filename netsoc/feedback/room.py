""" "Your workshop" on the feedback page: :func:`room_section`.

A participant who finishes early sees "shown once enough people have
answered"; the form asks again (every 30 s) until :func:`room_section` returns
the room's summary.  It follows the projector's rules (:mod:`survey.privacy`),
so a participant who asks before and after a neighbour's submission learns
nothing about that neighbour:

- nothing at all, not even a count, while fewer than ``min_group_size`` (k)
  have answered;
- then the summary of the earliest whole batches of k
  (:func:`survey.privacy.published`): the count given is that batched count
  and the summary changes only when a whole new batch is complete;
- only averages, to :data:`survey.privacy.MEAN_DIGITS` decimal, in the text
  and in the JSON (no counts per profile, no individual answers).

The summary is shared by every participant who asks: it is recomputed only
when the cohort's responses changed (:meth:`survey.store.ResponseStore.version`),
at most once per :data:`ROOM_REFRESH_S` seconds and by one thread at a time
(the others get the last one), so a room of 1,000 phones asking as they finish
costs a handful of reads, not one per submission.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from analysis.scoring import score
from netsoc.cache import SharedCache
from netsoc.feedback.data import localized
from netsoc.feedback.texts import fmt_number, text
from netsoc.feedback.words import balance_side
from survey.instrument import Instrument
from survey.privacy import MEAN_DIGITS, one_wave, published, safe_mean
from survey.schema import MIN_GROUP_SIZE

if TYPE_CHECKING:
    from survey.store import ResponseStore

__all__ = ["room_section", "ROOM_REFRESH_S"]

#: Seconds a room's summary is reused before the store is asked whether it changed.  A
#: server answers "Your workshop" for every phone that finished; reading and scoring a room
#: of 1,000 takes about 80 ms, so it is done at most once per this interval, by one thread.
ROOM_REFRESH_S = 10.0
_ROOMS: SharedCache[dict[str, Any] | None] = SharedCache()


def _means(store: ResponseStore, cohort: str, instrument: Instrument, k: int) -> tuple[int, dict[str, float]]:
    """The published batches' size and their means (rounded): ``(0, {})`` below k."""
    data = store.to_frame(cohort=cohort)
    data = data[data["instrument_version"] == instrument.version] if len(data) else data
    data = published(one_wave(data, k), k)  # a person's two waves are not two people
    if not len(data):
        return 0, {}
    scored = score(data, instrument)
    return len(data), {
        name: safe_mean(scored[name]) for name in ("networking", "socializing", "balance", "intentionality")
    }


def room_section(
    store: ResponseStore,
    cohort: str | None,
    instrument: Instrument,
    lang: str | None = None,
    *,
    min_group_size: int = MIN_GROUP_SIZE,
) -> dict[str, Any] | None:
    """The room's summary for a participant's feedback, or ``None`` while it cannot be shown.

    Parameters
    ----------
    store : ResponseStore
        The survey's store.
    cohort : str or None
        The participant's workshop code; ``None`` gives ``None`` (no room).
    instrument : Instrument
        The questionnaire (responses of its version are summarised).
    lang : str, optional
        The participant's language (default: the instrument's).
    min_group_size : int, default 5
        k: ``None`` until at least this many have submitted; then the
        earliest whole batches of k are summarised.

    Returns
    -------
    dict or None
        ``heading``, ``summary`` (one sentence: the workshop's mean balance and
        its side, in the participant's words and number format; never how many
        answered),
        ``n`` (the batched count, a multiple of k), ``balance`` (mean),
        ``side`` and ``rows`` (``score``, ``label``, ``mean``, ``text``) for
        networking, socializing, balance and intentionality; every mean to
        :data:`survey.privacy.MEAN_DIGITS` decimal.
    """
    if cohort is None:
        return None
    inst = localized(instrument, lang)
    key = (store.url, cohort, inst.id, inst.version, inst.language, min_group_size)
    return _ROOMS.get(
        key,
        lambda: _section(store, cohort, inst, min_group_size),
        every=ROOM_REFRESH_S,
        version=lambda: store.version(cohort),
    )


def _section(
    store: ResponseStore, cohort: str, inst: Instrument, min_group_size: int
) -> dict[str, Any] | None:
    n, means = _means(store, cohort, inst, max(1, min_group_size))
    if n < min_group_size or math.isnan(means["balance"]):
        return None
    side = balance_side(means["balance"], inst) or "even"
    word = text(inst, {"even": "lean_none"}.get(side, f"lean_{side}"))
    shown = fmt_number(means["balance"], inst.language, MEAN_DIGITS, sign=True)
    labels = {
        name: inst.scales[name].label if name in inst.scales else text(inst, "balance") for name in means
    }
    return {
        "heading": text(inst, "room_heading"),
        "summary": text(inst, "room_summary", balance=shown, side=word),
        "n": n,
        "balance": means["balance"],
        "side": side,
        "rows": [
            {
                "score": name,
                "label": labels[name],
                "mean": value,
                "text": fmt_number(value, inst.language, MEAN_DIGITS, sign=name == "balance"),
            }
            for name, value in means.items()
            if not math.isnan(value)
        ],
    }
