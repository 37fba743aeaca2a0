"""Writing one response: drafts and submissions share one insert-or-update path.

Re-submission
-------------
Submitting an id that is already submitted returns that id and changes
nothing when the answers are the same (a double click, a retried request);
with *different* answers it raises :class:`~survey.errors.StoreError`: a
submitted response is never overwritten (erase it first).  A draft cannot be
saved over a submitted response either.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from survey.errors import AlreadySubmitted, StoreError
from survey.instrument import Instrument
from survey.schema import new_respondent_id, normalise_code
from survey.store.checks import utcnow
from survey.store.tables import respondents
from survey.validate import default_language
from survey.waves import WaveTag

__all__ = [
    "Response",
    "upsert",
    "lookup",
    "find_code",
    "browser_hash",
    "next_arrival",
    "submitted_from",
    "delete_one",
    "delete_older",
]

# Statements built once (cheap to execute while holding the write lock).
_NEXT_SEQ = sa.select(sa.func.coalesce(sa.func.max(respondents.c.seq), 0) + 1).scalar_subquery()
_NEXT_ARRIVAL = sa.select(sa.func.coalesce(sa.func.max(respondents.c.arrival), 0) + 1)
#: PostgreSQL advisory lock key that queues submissions, so each one's arrival is one more
#: than every arrival committed before it (SQLite's writers are queued already).
ARRIVAL_LOCK = 4242424243
_INSERT = respondents.insert().values(seq=_NEXT_SEQ)
_UPDATE = respondents.update().where(respondents.c.respondent_id == sa.bindparam("_rid"))
_UPDATE_AND_SEQ = _UPDATE.values(seq=_NEXT_SEQ)
# built once: a statement object per call costs more than the SQLite query itself
_ROW = sa.select(respondents).where(respondents.c.respondent_id == sa.bindparam("_rid"))
_ROW_FOR_UPDATE = _ROW.with_for_update()


@dataclass(frozen=True)
class Response:
    """One checked response on its way into the store.

    ``None`` in an optional attribute means "keep what the earlier draft has"
    (or nothing, for a new row).
    """

    status: str  # "draft" or "submitted"
    answers: str  # the JSON object (survey.store.codec.encode_answers)
    respondent_id: str | None = None
    cohort: str | None = None
    started_at: dt.datetime | None = None
    randomization_seed: int | None = None
    language: str | None = None  # a new row without one gets the instrument's
    note: str | None = None  # submissions only; replaces a draft's
    browser_hash: str | None = None  # submissions only: one per browser token (and wave)
    wave: WaveTag | None = None  # the wave and its link (survey.waves)


def browser_hash(browser: str) -> str:
    """How a browser token is kept: its SHA-256, hex (the token itself is never stored)."""
    return hashlib.sha256(browser.encode("utf-8")).hexdigest()


def submitted_from(
    conn: Connection,
    instrument: Instrument,
    digest: str,
    other_than: str | None = None,
    wave: str | None = None,
) -> str | None:
    """The id of a response submitted from the browser with this token hash (in this wave), or ``None``."""
    r = respondents.c
    query = sa.select(r.respondent_id).where(
        r.instrument_id == instrument.id,
        r.status == "submitted",
        r.browser_hash == digest,
        r.wave.is_(None) if wave is None else r.wave == wave,
    )
    if other_than is not None:
        query = query.where(r.respondent_id != other_than)
    return conn.execute(query.limit(1)).scalar()


def lookup(conn: Connection, rid: str) -> Any:
    """The stored row of ``rid`` (locked for the transaction on PostgreSQL), or ``None``."""
    query = _ROW_FOR_UPDATE if conn.dialect.name == "postgresql" else _ROW
    return conn.execute(query, {"_rid": rid}).first()


def upsert(conn: Connection, instrument: Instrument, response: Response) -> str:
    """Insert a response, or update the draft it continues; returns its id.

    Run inside a write transaction (:meth:`survey.store.engine.Database.write`),
    which retries on a duplicate key: a new random id that clashed is drawn
    again, and a racing double submit then finds the other's row.

    Raises
    ------
    StoreError
        The id is already submitted (with different answers, for a
        submission).
    """
    r = response
    now = utcnow()
    rid = r.respondent_id if r.respondent_id is not None else new_respondent_id()
    existing = lookup(conn, rid) if r.respondent_id is not None else None
    if existing is not None and existing.status == "submitted":
        if r.status == "submitted" and json.loads(existing.answers) == json.loads(r.answers):
            return rid  # a double click or a retried request
        if r.status == "submitted":
            raise StoreError(
                f"respondent {rid} has already submitted different answers; a submitted "
                "response is never overwritten (erase it first to replace it)"
            )
        raise StoreError(f"respondent {rid} has already submitted; the draft was not saved")
    wave = None if r.wave is None else r.wave.wave
    if r.browser_hash is not None and submitted_from(conn, instrument, r.browser_hash, rid, wave):
        raise AlreadySubmitted(
            rid,
            "this browser has already submitted a response; "
            "each person takes part once, so this one was not stored",
        )
    kept = {
        "cohort": r.cohort,
        "started_at": r.started_at,
        "randomization_seed": r.randomization_seed,
        "language": r.language,
    }
    if r.wave is not None:
        kept.update(wave=r.wave.wave, subject=r.wave.subject, link_hash=r.wave.link_hash)
    if existing is None:
        if kept["started_at"] is None and r.status == "draft":
            kept["started_at"] = now
        if kept["language"] is None:
            kept["language"] = default_language(instrument)
        values = kept
    else:
        values = {k: v for k, v in kept.items() if v is not None}
    values.update(
        status=r.status,
        instrument_id=instrument.id,
        instrument_version=instrument.version,
        updated_at=now,
        answers=r.answers,
    )
    if r.status == "submitted":
        values.update(submitted_at=now, note=r.note, browser_hash=r.browser_hash, arrival=next_arrival(conn))
    if existing is None:
        conn.execute(_INSERT, {"respondent_id": rid, **values})
    else:  # a submission takes its place in the arrival order when it is submitted
        conn.execute(_UPDATE_AND_SEQ if r.status == "submitted" else _UPDATE, {"_rid": rid, **values})
    return rid


def next_arrival(conn: Connection) -> int:
    """The arrival number of a submission being written in ``conn``'s transaction.

    On PostgreSQL the transaction first takes :data:`ARRIVAL_LOCK` (held until it
    commits), so two submissions never share a number and a number is never lower
    than one already visible to readers: a batch of k, once published, keeps its
    members, whatever the writers' clocks say.
    """
    if conn.dialect.name == "postgresql":
        conn.execute(sa.text(f"SELECT pg_advisory_xact_lock({ARRIVAL_LOCK})"))
    return int(conn.execute(_NEXT_ARRIVAL).scalar_one())


def find_code(conn: Connection, code: str) -> Any:
    """The row of a resume code as given, else as :func:`~survey.schema.normalise_code` reads it."""

    def get(rid: str) -> Any:
        return conn.execute(_ROW, {"_rid": rid}).first()

    row = get(code)
    if row is None and normalise_code(code) != code:
        row = get(normalise_code(code))
    return row


def delete_one(conn: Connection, rid: str) -> int:
    """Delete one respondent; returns the number of rows deleted (0 or 1)."""
    return conn.execute(respondents.delete().where(respondents.c.respondent_id == rid)).rowcount


def delete_older(conn: Connection, cutoff: dt.datetime, *, submitted: bool) -> dict[str, int]:
    """Delete drafts last changed before ``cutoff`` (and, if asked, submissions before it).

    Imported rows without a submission time count from when they were stored.
    """
    r = respondents.c
    done = {
        "drafts": conn.execute(
            respondents.delete().where(r.status == "draft", r.updated_at < cutoff)
        ).rowcount,
        "submitted": 0,
    }
    if submitted:
        done["submitted"] = conn.execute(
            respondents.delete().where(
                r.status == "submitted", sa.func.coalesce(r.submitted_at, r.updated_at) < cutoff
            )
        ).rowcount
    return done
