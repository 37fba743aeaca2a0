"""The facilitator's decisions on free-text comments, kept in the store.

A comment is never projected as it arrives.  The facilitator previews the
comments privately, hides any that should not be shown, and then releases the
rest as one batch: a snapshot in random order (:func:`release_comments`).
The decisions live in the ``comment_moderation`` table, so every server
process and a restarted dashboard see the same hidden and released comments.

- :func:`hide_comment` / :func:`unhide_comment` - the facilitator's "hide".
- :func:`release_comments` - record one batch, shuffled with a seed.
- :func:`moderation_states` - ``{respondent_id: "hidden" | "released"}``.
- :func:`released_comments` - the released, not hidden comments in release
  order (batch, then the batch's random order), read from the responses
  themselves: an erased or cleared response takes its comment with it.

:class:`ModerationMethods` makes each of these a method of
:class:`survey.store.ResponseStore` (``store.hide_comment("WS-1", rid)``).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from survey.errors import StoreError
from survey.store.checks import check_cohort, utcnow
from survey.store.tables import comment_moderation, respondents

if TYPE_CHECKING:  # pragma: no cover
    from survey.store.facade import ResponseStore

__all__ = [
    "ModerationMethods",
    "hide_comment",
    "unhide_comment",
    "release_comments",
    "moderation_states",
    "released_comments",
]

_NO_CODE = ""


def _key(store: ResponseStore, cohort: str | None) -> str:
    return _NO_CODE if cohort is None else check_cohort(cohort, store.instrument)  # type: ignore[return-value]


def _set_state(store: ResponseStore, cohort: str | None, respondent_id: str, values: dict | None) -> None:
    key = _key(store, cohort)
    if not isinstance(respondent_id, str) or not respondent_id:
        raise StoreError(f"respondent_id: expected a response's id, got {respondent_id!r}")
    m = comment_moderation.c

    def work(conn: Connection) -> None:
        conn.execute(comment_moderation.delete().where(m.respondent_id == respondent_id))
        if values is not None:
            conn.execute(
                comment_moderation.insert().values(
                    respondent_id=respondent_id, cohort=key, updated_at=utcnow(), **values
                )
            )

    store._db.write(work)


def hide_comment(store: ResponseStore, cohort: str | None, respondent_id: str) -> None:
    """Hide one response's comment: it is never projected, exported or released.

    Hiding a comment that was already released takes it off the projector too.
    """
    _set_state(store, cohort, respondent_id, {"state": "hidden", "batch": None, "position": None})


def unhide_comment(store: ResponseStore, cohort: str | None, respondent_id: str) -> None:
    """Undo :func:`hide_comment`: the comment is pending again (not released)."""
    _set_state(store, cohort, respondent_id, None)


def moderation_states(store: ResponseStore, cohort: str | None) -> dict[str, str]:
    """``{respondent_id: "hidden" | "released"}`` for the cohort's decided comments."""
    key = _key(store, cohort)
    m = comment_moderation.c
    with store._db.read() as conn:
        rows = conn.execute(sa.select(m.respondent_id, m.state).where(m.cohort == key)).all()
    return {rid: state for rid, state in rows}


def release_comments(
    store: ResponseStore, cohort: str | None, respondent_ids: Sequence[str], *, seed: int
) -> int:
    """Record one batch of released comments, in an order shuffled with ``seed``.

    Parameters
    ----------
    store : ResponseStore
    cohort : str or None
    respondent_ids : sequence of str
        The responses whose comments are released (none may be hidden or
        released already; the caller decides the batch size).
    seed : int
        Seed of the batch's random order.

    Returns
    -------
    int
        The batch number (1 for the first release of the cohort).

    Raises
    ------
    StoreError
        A comment of the batch is hidden or released already, or the batch is empty.
    """
    key = _key(store, cohort)
    ids = list(respondent_ids)
    if not ids or len(set(ids)) != len(ids):
        raise StoreError(f"release_comments: expected distinct response ids, got {len(ids)}")
    order = np.random.default_rng(seed).permutation(len(ids))
    m = comment_moderation.c

    def work(conn: Connection) -> int:
        taken = conn.execute(
            sa.select(sa.func.count()).select_from(comment_moderation).where(m.respondent_id.in_(ids))
        ).scalar()
        if taken:
            raise StoreError(f"release_comments: {taken} of these comments are hidden or released already")
        last = conn.execute(
            sa.select(sa.func.coalesce(sa.func.max(m.batch), 0)).where(m.cohort == key)
        ).scalar()
        batch = int(last or 0) + 1
        now = utcnow()
        conn.execute(
            comment_moderation.insert(),
            [
                {
                    "respondent_id": rid,
                    "cohort": key,
                    "state": "released",
                    "batch": batch,
                    "position": int(pos),
                    "updated_at": now,
                }
                for rid, pos in zip(ids, order)
            ],
        )
        return batch

    return store._db.write(work)


def released_comments(store: ResponseStore, cohort: str | None) -> list[str]:
    """The released, not hidden comments of the cohort, in release order (raw text)."""
    key = _key(store, cohort)
    comment = store.instrument.comment
    if comment is None:
        return []
    m, r = comment_moderation.c, respondents.c
    query = (
        sa.select(r.answers)
        .select_from(comment_moderation.join(respondents, m.respondent_id == r.respondent_id))
        .where(m.cohort == key, m.state == "released", r.status == "submitted")
        .order_by(m.batch, m.position)
    )
    with store._db.read() as conn:
        rows = conn.execute(query).scalars().all()
    out = []
    for raw in rows:
        text = json.loads(raw).get(comment.id)
        if isinstance(text, str) and text.strip():
            out.append(text.strip())
    return out


class ModerationMethods:
    """The functions of this module as methods of :class:`survey.store.ResponseStore`."""

    def hide_comment(self, cohort: str | None, respondent_id: str) -> None:
        """See :func:`survey.store.moderation.hide_comment`."""
        hide_comment(self, cohort, respondent_id)  # type: ignore[arg-type]

    def unhide_comment(self, cohort: str | None, respondent_id: str) -> None:
        """See :func:`survey.store.moderation.unhide_comment`."""
        unhide_comment(self, cohort, respondent_id)  # type: ignore[arg-type]

    def moderation_states(self, cohort: str | None) -> dict[str, str]:
        """See :func:`survey.store.moderation.moderation_states`."""
        return moderation_states(self, cohort)  # type: ignore[arg-type]

    def release_comments(self, cohort: str | None, respondent_ids: Sequence[str], *, seed: int) -> int:
        """See :func:`survey.store.moderation.release_comments`."""
        return release_comments(self, cohort, respondent_ids, seed=seed)  # type: ignore[arg-type]

    def released_comments(self, cohort: str | None) -> list[str]:
        """See :func:`survey.store.moderation.released_comments`."""
        return released_comments(self, cohort)  # type: ignore[arg-type]
