"""Reading the store: counts, versions, cohorts and the wide table (:class:`ReadMethods`).

These are what :class:`~survey.store.ResponseSource` promises; :class:`ReadMethods`
makes them methods of :class:`survey.store.ResponseStore`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pandas as pd
import sqlalchemy as sa

from survey.store.codec import decode_frame, stored_columns
from survey.store.tables import respondents

if TYPE_CHECKING:
    from survey.instrument import Instrument
    from survey.store.engine import Database

__all__ = ["ReadMethods"]


class ReadMethods:
    """The read methods of :class:`survey.store.ResponseStore`."""

    instrument: Instrument
    _db: Database

    def _select(self, query: sa.Select, cohort: str | None, include_drafts: bool) -> sa.Select:
        query = query.where(respondents.c.instrument_id == self.instrument.id)
        if not include_drafts:
            query = query.where(respondents.c.status == "submitted")
        if cohort is not None:
            query = query.where(respondents.c.cohort == cohort)
        return query

    def count(self, cohort: str | None = None, *, include_drafts: bool = False) -> int:
        """Number of stored responses (submitted only, unless ``include_drafts``)."""
        query = self._select(sa.select(sa.func.count()).select_from(respondents), cohort, include_drafts)
        with self._db.read() as conn:
            return int(conn.execute(query).scalar_one())

    def version(self, cohort: str | None = None) -> tuple[int, str | None]:
        """What a live view compares to know whether the submitted responses changed.

        One query: the number of submitted responses and the time of the latest
        change among them.  A response erased while another arrives leaves the
        count alone but not the time.

        Returns
        -------
        tuple of (int, str or None)
            Count and the latest ``updated_at`` (ISO text; None when empty).
        """
        query = self._select(
            sa.select(sa.func.count(), sa.func.max(respondents.c.updated_at)).select_from(respondents),
            cohort,
            False,
        )
        with self._db.read() as conn:
            n, last = conn.execute(query).one()
        return int(n), None if last is None else str(last)

    def own_submission(self, respondent_id: str, browser: str) -> dict[str, Any] | None:
        """The answers of ``respondent_id`` if it was submitted from the browser with this
        token (a resent Submit, a reopened page), else ``None`` (never submitted, or from
        another device that used the resume code)."""
        import json

        from survey.store.writes import browser_hash

        r = respondents.c
        query = sa.select(r.answers).where(
            r.respondent_id == respondent_id,
            r.status == "submitted",
            r.browser_hash == browser_hash(browser),
        )
        with self._db.read() as conn:
            text = conn.execute(query).scalar()
        if text is None:
            return None
        return {self.instrument.consent.id: True, **json.loads(text)}

    def cohorts(self) -> list[str]:
        """Cohorts with at least one submitted response, sorted."""
        query = (
            sa.select(respondents.c.cohort)
            .distinct()
            .where(respondents.c.status == "submitted", respondents.c.cohort.is_not(None))
            .order_by(respondents.c.cohort)
        )
        with self._db.read() as conn:
            return list(conn.execute(query).scalars())

    def to_frame(self, cohort: str | None = None, include_drafts: bool = False) -> pd.DataFrame:
        """The wide response table: :data:`survey.schema.META_COLUMNS`, then the answers.

        Parameters
        ----------
        cohort : str, optional
            Only this cohort.
        include_drafts : bool, default False
            Include unfinished drafts (and a ``status`` column).

        Returns
        -------
        pandas.DataFrame
            One row per respondent in order of arrival (submissions by the
            store's ``arrival`` number, never a server's clock; drafts after
            them), columns:
            ``respondent_id``, ``cohort``, ``instrument_id``,
            ``instrument_version`` (``string``), ``started_at``,
            ``submitted_at`` (``datetime64[us, UTC]``), ``language``
            (``string``, a BCP 47 tag), ``status``
            (``string``, only with ``include_drafts``), one ``Int64`` column
            per item and attention check (``instrument.question_ids``), one
            column per demographic field (choice fields categorical with the
            option codes, in instrument order, as categories; text fields
            ``string``), and the comment (``string``).  Only responses to this
            store's instrument id are returned.
        """
        query = self._select(sa.select(*stored_columns(self._db.dialect)), cohort, include_drafts).order_by(
            respondents.c.arrival.asc().nulls_last(), respondents.c.seq, respondents.c.respondent_id
        )
        with self._db.read() as conn:
            rows = conn.execute(query).all()
        return decode_frame(rows, self.instrument, include_drafts)
