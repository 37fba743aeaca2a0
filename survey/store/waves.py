"""The store's side of waves: the wave a cohort collects, its linking salt, and finding a person's pre wave.

:class:`WaveMethods` makes these methods of :class:`survey.store.ResponseStore`
(``store.set_wave("WS-1", "post")``).  The wave a cohort collects lives in the
``cohort_settings`` table, so every server process and worker sees a
facilitator's switch.  See :mod:`survey.waves` for how waves are linked.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from survey.store.checks import check_cohort, utcnow
from survey.store.tables import cohort_settings, respondents
from survey.waves import check_wave, new_salt

if TYPE_CHECKING:  # pragma: no cover
    from survey.instrument import Instrument
    from survey.store.engine import Database

__all__ = ["WaveMethods"]


def _key(instrument: Instrument, cohort: str | None) -> str:
    return "" if cohort is None else str(check_cohort(cohort, instrument))


def _set(conn: Connection, key: str, **values: Any) -> None:
    """Update the cohort's settings row, or insert it (collection open)."""
    values["updated_at"] = utcnow()
    table = cohort_settings
    if not conn.execute(table.update().where(table.c.cohort == key).values(**values)).rowcount:
        conn.execute(table.insert().values(cohort=key, collection_open=True, **values))


class WaveMethods:
    """Waves, as methods of :class:`survey.store.ResponseStore`."""

    instrument: Instrument
    _db: Database

    def set_wave(self, cohort: str | None, wave: str | None) -> None:
        """Make a cohort collect ``wave`` (``pre``, ``post``) from now on, or no wave (``None``).

        Raises
        ------
        ResponseValidationError
            ``cohort`` is not a valid code or ``wave`` not a wave.
        """
        key, value = _key(self.instrument, cohort), check_wave(wave)
        self._db.write(lambda conn: _set(conn, key, wave=value))

    def current_wave(self, cohort: str | None) -> str | None:
        """The wave the cohort collects now (``None``: it runs without waves)."""
        query = sa.select(cohort_settings.c.wave).where(
            cohort_settings.c.cohort == _key(self.instrument, cohort)
        )
        with self._db.read() as conn:
            return conn.execute(query).scalar()

    def link_salt(self, cohort: str | None) -> str:
        """The cohort's random salt for linking codes (made on first use, then kept)."""
        key = _key(self.instrument, cohort)
        query = sa.select(cohort_settings.c.link_salt).where(cohort_settings.c.cohort == key)

        def work(conn: Connection) -> str:
            salt = conn.execute(query).scalar()
            if salt is None:
                salt = new_salt()
                _set(conn, key, link_salt=salt)
            return str(salt)

        with self._db.read() as conn:
            salt = conn.execute(query).scalar()
        return str(salt) if salt is not None else self._db.write(work)

    def _pre_rows(self, cohort: str | None, *where: Any) -> list[Any]:
        r = respondents.c
        query = sa.select(r.respondent_id, r.subject, r.answers).where(
            r.instrument_id == self.instrument.id,
            r.status == "submitted",
            r.wave == "pre",
            r.cohort.is_(None) if cohort is None else r.cohort == cohort,
            *where,
        )
        with self._db.read() as conn:
            return list(conn.execute(query.limit(2)).all())

    def linked_pre(
        self, cohort: str | None, *, code: str | None = None, link_hash: str | None = None
    ) -> tuple[str, str] | None:
        """The subject id and respondent id of the cohort's pre response a code points to.

        Parameters
        ----------
        cohort : str or None
        code : str, optional
            The pre response's personal code (its respondent id, as typed).
        link_hash : str, optional
            :func:`survey.waves.link_hash` of a self-generated linking code: it
            links only when exactly one pre response of the cohort has it and
            no post response uses that subject yet (a shared code links nothing).

        Returns
        -------
        tuple of (str, str) or None
            ``(subject, respondent_id)``, or ``None`` when nothing (or more than one) matches.
        """
        from survey.schema import normalise_code

        r = respondents.c
        if code:
            rows = self._pre_rows(cohort, r.respondent_id.in_({code.strip(), normalise_code(code)}))
        elif link_hash:
            rows = self._pre_rows(cohort, r.link_hash == link_hash)
        else:
            return None
        if len(rows) != 1 or rows[0].subject is None:
            return None
        subject, rid = rows[0].subject, rows[0].respondent_id
        if link_hash and not code and self.subject_answers(cohort, subject, wave="post") is not None:
            return None  # this pre response is linked already: a code two people share
        return subject, rid

    def subject_answers(
        self, cohort: str | None, subject: str, *, wave: str = "pre"
    ) -> dict[str, Any] | None:
        """The stored answers of a subject's submitted response in one wave of the cohort, or ``None``."""
        r = respondents.c
        query = sa.select(r.answers).where(
            r.instrument_id == self.instrument.id,
            r.status == "submitted",
            r.wave == wave,
            r.subject == subject,
            r.cohort.is_(None) if cohort is None else r.cohort == cohort,
        )
        with self._db.read() as conn:
            text = conn.execute(query.limit(1)).scalar()
        return None if text is None else dict(json.loads(text))
