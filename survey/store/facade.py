"""The response store's public face: :class:`ResponseStore`."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy.engine import Engine

from survey.errors import DraftNotFound, Problem, ResponseValidationError, StoreError, shown
from survey.instrument import Instrument
from survey.schema import normalise_code
from survey.store import bulk, checks
from survey.store.access import AccessMethods
from survey.store.codec import encode_answers
from survey.store.cohorts import CohortMethods
from survey.store.engine import Database
from survey.store.moderation import ModerationMethods
from survey.store.reads import ReadMethods
from survey.store.tables import current_version, migrate
from survey.store.waves import WaveMethods
from survey.store.writes import (
    Response,
    browser_hash,
    delete_older,
    delete_one,
    find_code,
    submitted_from,
    upsert,
)
from survey.validate import validate_answers, validate_frame
from survey.waves import WaveTag

__all__ = ["ResponseStore"]


class ResponseStore(ReadMethods, CohortMethods, ModerationMethods, AccessMethods, WaveMethods):
    """Durable storage of responses to one instrument.

    The per-cohort controls (collection open, activity, codes, clearing) are
    methods from :class:`survey.store.cohorts.CohortMethods`; comment moderation
    (hide, release, read the released) from
    :class:`survey.store.moderation.ModerationMethods`; a room's signing secret, access
    token and join code from :class:`survey.store.access.AccessMethods`; waves from
    :class:`survey.store.waves.WaveMethods`.

    Use :func:`open_store` rather than the constructor.  One store may be
    shared by many threads (the sessions of one server process) and used by
    many processes at once.

    Parameters
    ----------
    engine : sqlalchemy.engine.Engine
        The database.
    instrument : Instrument
        Answers are validated against it and :meth:`to_frame` returns its
        columns.
    """

    def __init__(self, engine: Engine, instrument: Instrument) -> None:
        self.engine = engine
        self.instrument = instrument
        self._db = Database(engine)
        self._db.write(lambda conn: migrate(conn, self.url))

    # ---------------------------------------------------------- plumbing
    @property
    def url(self) -> str:
        """The database URL, password hidden."""
        return self._db.url

    def __repr__(self) -> str:
        return f"ResponseStore({self.url!r}, instrument={self.instrument.id!r})"

    def close(self) -> None:
        """Release the database connections."""
        self._db.dispose()

    def __enter__(self) -> ResponseStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def schema_version(self) -> int:
        """The schema version of the database."""
        with self._db.read() as conn:
            return current_version(conn)

    # ---------------------------------------------------------- writing
    def _response(
        self,
        status: str,
        clean: dict[str, Any],
        *,
        respondent_id: Any,
        cohort: Any,
        started_at: Any,
        randomization_seed: Any,
        language: Any,
        note: Any = None,
        browser: Any = None,
        wave: WaveTag | None = None,
    ) -> Response:
        """Check the arguments besides the answers and bundle them for :func:`upsert`."""
        return Response(
            status=status,
            answers=encode_answers(clean, self.instrument),
            respondent_id=None if respondent_id is None else checks.check_id(respondent_id),
            cohort=checks.check_cohort(cohort, self.instrument),
            started_at=checks.as_utc(started_at, "started_at"),
            randomization_seed=checks.check_seed(randomization_seed),
            language=checks.check_language(language, self.instrument),
            note=checks.check_note(note),
            browser_hash=None if browser is None else browser_hash(checks.check_browser(browser)),
            wave=checks.check_wave_tag(wave),
        )

    def submit(
        self,
        answers: Mapping[str, Any],
        *,
        cohort: str | None = None,
        started_at: Any = None,
        respondent_id: str | None = None,
        note: str | None = None,
        randomization_seed: int | None = None,
        language: str | None = None,
        browser: str | None = None,
        wave: WaveTag | None = None,
    ) -> str:
        """Validate and store one complete response.

        Parameters
        ----------
        answers : mapping
            See :func:`survey.validate.validate_answers`; consent must be
            ``True`` and every required question answered.
        cohort : str, optional
            Workshop or study code; must fit the instrument's ``cohort``
            section (length and pattern).
        started_at : datetime or str, optional
            When the participant started; naive times are taken as UTC.
        respondent_id : str, optional
            Id of an existing draft (it becomes submitted) or of a retried
            submission.  Default: a new random id.
        note : str, optional
            A note from the client (e.g. the form version).
        randomization_seed : int, optional
            Seed the form used to order the items.
        language : str, optional
            BCP 47 tag of the language the participant answered in; one of
            ``instrument.languages`` (case-insensitive).  Default: the
            draft's, else the instrument's language
            (:func:`survey.validate.default_language`).
        browser : str, optional
            A random token the participant's browser keeps (8-256
            characters).  Only its SHA-256 is stored; a second submission
            under another id from the same token is refused
            (:class:`~survey.errors.AlreadySubmitted`), race-free across
            threads and processes; with waves, one per wave.
        wave : survey.waves.WaveTag, optional
            The wave, the subject id linking it and the linking code's hash.

        Returns
        -------
        str
            The respondent id.  Submitting the same id again with the same
            answers returns it again and stores nothing new.

        Raises
        ------
        ResponseValidationError
            Listing every problem with the answers; nothing is stored.
        AlreadySubmitted
            This browser token already submitted under another id.
        StoreError
            The id was already submitted with different answers, or the
            database refused the write.
        """
        clean = validate_answers(answers, self.instrument)
        clean.pop(self.instrument.consent.id, None)
        response = self._response(
            "submitted",
            clean,
            respondent_id=respondent_id,
            cohort=cohort,
            started_at=started_at,
            randomization_seed=randomization_seed,
            language=language,
            note=note,
            browser=browser,
            wave=wave,
        )
        return self._db.write(lambda conn: upsert(conn, self.instrument, response))

    def save_draft(
        self,
        respondent_id: str | None,
        answers: Mapping[str, Any],
        *,
        cohort: str | None = None,
        started_at: Any = None,
        randomization_seed: int | None = None,
        language: str | None = None,
        wave: WaveTag | None = None,
    ) -> str:
        """Save unfinished answers so the participant can resume later.

        Parameters
        ----------
        respondent_id : str or None
            The resume code of an existing draft, or ``None`` for a new one.
        answers : mapping
            The answers so far; every given value is validated, required ones
            may be missing.  Consent must be ``True``: nothing is stored for
            someone who has not agreed.
        cohort, started_at, randomization_seed, language, wave
            As for :meth:`submit`; kept from the earlier draft when omitted.

        Returns
        -------
        str
            The respondent id, which is also the resume code for
            :meth:`load_draft`.

        Raises
        ------
        ResponseValidationError
            A given value is invalid, or consent is missing.
        StoreError
            The id belongs to an already submitted response.
        """
        clean = validate_answers(answers, self.instrument, partial=True)
        consent = self.instrument.consent.id
        if clean.pop(consent, None) is not True:
            raise ResponseValidationError(
                "1 problem(s) in the answers",
                [Problem(consent, "consent is missing; drafts are stored only after the participant agreed")],
            )
        response = self._response(
            "draft",
            clean,
            respondent_id=respondent_id,
            cohort=cohort,
            started_at=started_at,
            randomization_seed=randomization_seed,
            language=language,
            wave=wave,
        )
        return self._db.write(lambda conn: upsert(conn, self.instrument, response))

    def submitted_from(self, browser: str) -> bool:
        """Whether the browser with this token has submitted a response to this instrument.

        Raises
        ------
        ResponseValidationError
            ``browser`` is not a token of 8-256 characters.
        """
        digest = browser_hash(checks.check_browser(browser))
        with self._db.read() as conn:
            return submitted_from(conn, self.instrument, digest) is not None

    def load_draft(self, respondent_id: str) -> dict[str, Any]:
        """The answers of a saved draft.

        Parameters
        ----------
        respondent_id : str
            The resume code; typed variants (lower case, spaces, O for 0)
            are accepted.

        Returns
        -------
        dict
            The saved answers, with ``consent: True``.

        Raises
        ------
        DraftNotFound
            No draft has this code (unknown, erased or already submitted).
        StoreError
            The store cannot be read.
        """
        code = str(respondent_id)
        with self._db.read() as conn:
            row = find_code(conn, code)
        if row is None or row.status != "draft":
            submitted = row is not None
            state = "was already submitted" if submitted else "does not exist"
            raise DraftNotFound(
                code,
                submitted=submitted,
                message=(f"no saved draft with the code {shown(respondent_id)}: it {state}"),
            )
        answers: dict[str, Any] = {self.instrument.consent.id: True}
        answers.update(json.loads(row.answers))
        return answers

    def erase(self, respondent_id: str) -> None:
        """Remove a respondent completely (withdrawn consent).

        ``respondent_id`` is the id, or the erase code the participant was shown (the same
        code; typed variants as :meth:`load_draft` accepts them).

        The row is deleted with SQLite's ``secure_delete`` on and the WAL is
        checkpointed, so the answers do not linger in the file.

        Raises
        ------
        StoreError
            No respondent has this id.
        """
        checks.check_id(respondent_id)
        code = normalise_code(respondent_id)  # the erase code as typed (lower case, O for 0)
        done = self._db.write(
            lambda conn: delete_one(conn, respondent_id) or (code != respondent_id and delete_one(conn, code))
        )
        if not done:
            raise StoreError(f"no respondent with the id {shown(respondent_id)}; nothing was erased")
        self._db.checkpoint()

    def purge(
        self, older_than: dt.timedelta, *, submitted: bool = False, now: dt.datetime | None = None
    ) -> dict[str, int]:
        """Delete old responses (the retention rule).

        Parameters
        ----------
        older_than : datetime.timedelta
            Drafts last changed longer ago than this are deleted.
        submitted : bool, default False
            Also delete *submitted* responses submitted longer ago (or, for
            imported rows without a submission time, stored longer ago).
            Never implied: deleting study data needs this explicit flag.
        now : datetime, optional
            The reference time (default: now, UTC).

        Returns
        -------
        dict
            ``{"drafts": n, "submitted": n}``, the rows deleted.

        Raises
        ------
        StoreError
            ``older_than`` is not a positive timedelta.
        """
        if not isinstance(older_than, dt.timedelta) or older_than <= dt.timedelta(0):
            raise StoreError(f"older_than: expected a positive time span, got {shown(older_than)}")
        cutoff = (now or checks.utcnow()).astimezone(dt.UTC) - older_than
        done = self._db.write(lambda conn: delete_older(conn, cutoff, submitted=submitted))
        if any(done.values()):
            self._db.checkpoint()
        return done

    # ------------------------------------------------------------ import
    def import_frame(
        self,
        data: pd.DataFrame | None = None,
        *,
        cohort: str | None = None,
        row_numbers: Sequence[int] | None = None,
        source: str = "table",
    ) -> int:
        """Validate and store many submitted responses at once, all or nothing.

        Parameters
        ----------
        data : pandas.DataFrame
            A wide response table, as read from a file
            (:func:`survey.io.read_responses` with ``validate=False``) or
            built by hand; it is checked here, once, by
            :func:`survey.validate.validate_frame` (labels become codes).
            Rows without ``respondent_id`` get new random ids; rows without
            ``submitted_at`` keep it empty.
        cohort : str, optional
            Cohort for every row; the table's own ``cohort`` column, if any,
            must be empty or agree.
        row_numbers : sequence of int, optional
            Row numbers used in error messages (default ``1..n``).
        source : str
            Name of the table in error messages.

        Returns
        -------
        int
            Number of responses stored.

        Raises
        ------
        ResponseValidationError
            Any invalid cell, or an id already in the store; nothing is stored.
        """
        if data is None:
            raise TypeError("import_frame() missing the table: data")
        clean = validate_frame(data, self.instrument, row_numbers=row_numbers, source=source)
        rows = np.asarray(row_numbers if row_numbers is not None else range(1, len(clean) + 1))
        clean = bulk.apply_cohort(clean, cohort, rows, source)
        return bulk.insert_frame(self._db, self.instrument, clean, rows, source)
