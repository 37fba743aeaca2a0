"""What a facilitator controls and watches per workshop code (cohort).

- collection open or closed (:func:`set_collection_open`,
  :func:`collection_open`): kept in the store's ``cohort_settings`` table, so
  every server process and worker sees the same switch;
- the room's activity (:func:`activity`): submitted responses, open drafts
  ("answering now") and arrivals per minute;
- the codes that exist (:func:`cohort_codes`), so a mistyped code can be
  shown beside the real ones;
- clearing a cohort's test responses before the session (:func:`clear_cohort`).

:class:`CohortMethods` makes each of these a method of
:class:`survey.store.ResponseStore` (``store.activity("WS-1")``).  A cohort of
``None`` means the responses stored without a code.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from survey.errors import StoreError
from survey.store.checks import check_cohort, utcnow
from survey.store.tables import cohort_settings, respondents

if TYPE_CHECKING:  # pragma: no cover
    from survey.store.facade import ResponseStore

__all__ = [
    "CohortMethods",
    "set_collection_open",
    "collection_open",
    "activity",
    "cohort_codes",
    "clear_cohort",
    "DRAFT_OPEN_MINUTES",
    "ARRIVAL_WINDOW_MINUTES",
]

#: A draft changed within this many minutes counts as someone answering now.
DRAFT_OPEN_MINUTES = 20
#: Arrivals per minute are averaged over this many minutes.
ARRIVAL_WINDOW_MINUTES = 5

_NO_CODE = ""  # the key of responses without a cohort code


def _key(store: ResponseStore, cohort: str | None) -> str:
    if cohort is None:
        return _NO_CODE
    return check_cohort(cohort, store.instrument)  # type: ignore[return-value]


def _of_cohort(cohort: str | None) -> Any:
    r = respondents.c
    return r.cohort.is_(None) if cohort is None else r.cohort == cohort


def set_collection_open(store: ResponseStore, cohort: str | None, is_open: bool) -> None:
    """Open or close collection for a cohort (every server process sees it at once).

    Parameters
    ----------
    store : ResponseStore
    cohort : str or None
        The workshop code (``None``: responses without a code).
    is_open : bool
        ``False`` makes the survey refuse new drafts and submissions of this
        cohort (the participant sees "this survey is closed").

    Raises
    ------
    ResponseValidationError
        ``cohort`` is not a valid code.
    StoreError
        ``is_open`` is not a bool, or the store refused the write.
    """
    if not isinstance(is_open, bool):
        raise StoreError(f"collection open: expected True or False, got {is_open!r}")
    key = _key(store, cohort)

    def work(conn: Connection) -> None:
        values = {"collection_open": is_open, "updated_at": utcnow()}
        done = conn.execute(
            cohort_settings.update().where(cohort_settings.c.cohort == key).values(**values)
        ).rowcount
        if not done:
            conn.execute(cohort_settings.insert().values(cohort=key, **values))

    store._db.write(work)


def collection_open(store: ResponseStore, cohort: str | None) -> bool:
    """Whether a cohort accepts new drafts and submissions (``True`` unless closed)."""
    key = _key(store, cohort)
    query = sa.select(cohort_settings.c.collection_open).where(cohort_settings.c.cohort == key)
    with store._db.read() as conn:
        value = conn.execute(query).scalar()
    return True if value is None else bool(value)


def activity(store: ResponseStore, cohort: str | None, *, now: dt.datetime | None = None) -> dict[str, Any]:
    """The room's activity in one read, for the facilitator's live count.

    Parameters
    ----------
    store : ResponseStore
    cohort : str or None
        The workshop code (``None``: responses without a code).
    now : datetime, optional
        The reference time (default: now, UTC).

    Returns
    -------
    dict
        ``submitted`` (int): submitted responses of the cohort;
        ``open_drafts`` (int): drafts changed in the last
        :data:`DRAFT_OPEN_MINUTES` minutes (people answering now);
        ``arrivals_per_minute`` (float): submissions per minute over the last
        :data:`ARRIVAL_WINDOW_MINUTES` minutes; ``collection_open`` (bool).
    """
    _key(store, cohort)  # checks the code
    now = (now or utcnow()).astimezone(dt.UTC)
    r = respondents.c
    drafts_since = now - dt.timedelta(minutes=DRAFT_OPEN_MINUTES)
    arrivals_since = now - dt.timedelta(minutes=ARRIVAL_WINDOW_MINUTES)
    submitted = r.status == "submitted"
    query = (
        sa.select(
            sa.func.count().filter(submitted),
            sa.func.count().filter(r.status == "draft", r.updated_at >= drafts_since),
            sa.func.count().filter(submitted, r.submitted_at >= arrivals_since, r.submitted_at <= now),
        )
        .select_from(respondents)
        .where(r.instrument_id == store.instrument.id, _of_cohort(cohort))
    )
    with store._db.read() as conn:
        n_submitted, n_drafts, n_recent = conn.execute(query).one()
    return {
        "submitted": int(n_submitted),
        "open_drafts": int(n_drafts),
        "arrivals_per_minute": round(int(n_recent) / ARRIVAL_WINDOW_MINUTES, 2),
        "collection_open": collection_open(store, cohort),
    }


def cohort_codes(store: ResponseStore) -> list[str]:
    """Every workshop code in the store: with responses (drafts too) or with settings, sorted."""
    r = respondents.c
    answered = sa.select(r.cohort).where(r.instrument_id == store.instrument.id, r.cohort.is_not(None))
    configured = sa.select(cohort_settings.c.cohort).where(cohort_settings.c.cohort != _NO_CODE)
    query = sa.union(answered, configured)
    with store._db.read() as conn:
        codes = {row[0] for row in conn.execute(query)}
    return sorted(codes)


def clear_cohort(store: ResponseStore, cohort: str | None) -> dict[str, int]:
    """Delete every response of a cohort (test answers before the session), in one transaction.

    Erased rows are overwritten in SQLite's file (``secure_delete``, and the
    write-ahead log is checkpointed), as :meth:`ResponseStore.erase` does.

    Returns
    -------
    dict
        ``{"drafts": n, "submitted": n}``, the rows deleted.
    """
    _key(store, cohort)
    r = respondents.c
    mine = sa.and_(r.instrument_id == store.instrument.id, _of_cohort(cohort))

    def work(conn: Connection) -> dict[str, int]:
        return {
            name: conn.execute(respondents.delete().where(mine, r.status == status)).rowcount
            for status, name in (("draft", "drafts"), ("submitted", "submitted"))
        }

    done = store._db.write(work)
    if any(done.values()):
        store._db.checkpoint()
    return done


class CohortMethods:
    """The functions of this module as methods of :class:`survey.store.ResponseStore`."""

    def set_collection_open(self, cohort: str | None, is_open: bool) -> None:
        """See :func:`survey.store.cohorts.set_collection_open`."""
        set_collection_open(self, cohort, is_open)  # type: ignore[arg-type]

    def collection_open(self, cohort: str | None) -> bool:
        """See :func:`survey.store.cohorts.collection_open`."""
        return collection_open(self, cohort)  # type: ignore[arg-type]

    def activity(self, cohort: str | None, *, now: dt.datetime | None = None) -> dict[str, Any]:
        """See :func:`survey.store.cohorts.activity`."""
        return activity(self, cohort, now=now)  # type: ignore[arg-type]

    def cohort_codes(self) -> list[str]:
        """See :func:`survey.store.cohorts.cohort_codes`."""
        return cohort_codes(self)  # type: ignore[arg-type]

    def clear_cohort(self, cohort: str | None) -> dict[str, int]:
        """See :func:`survey.store.cohorts.clear_cohort`."""
        return clear_cohort(self, cohort)  # type: ignore[arg-type]
