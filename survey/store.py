"""The response store: every submitted answer kept exactly once, in a database.

SQLite (one file) by default, PostgreSQL or any other SQLAlchemy database by
URL.  :func:`open_store` opens (and creates or migrates) a store and returns a
:class:`ResponseStore`.

Schema (version :data:`SCHEMA_VERSION`)
---------------------------------------
``schema_version``
    ``version``, ``applied_at``: one row per migration applied.
``respondents``
    One row per respondent: ``respondent_id`` (primary key; a random
    10-character code, see :func:`new_respondent_id`), ``status`` (``draft``
    or ``submitted``), ``cohort``, ``instrument_id``, ``instrument_version``,
    ``started_at``, ``submitted_at``, ``updated_at`` (UTC), ``note`` (an
    optional client note), ``randomization_seed`` (for the form's item
    order), ``seq`` (arrival order) and ``answers``: the validated answers as
    one JSON object ``{variable: code or text}``.

Answers live in one JSON column rather than one row per answer: a response is
then a single row, written or not written as a whole, and 100,000 respondents
are stored in about a second, where inserting the 4.5 million rows of a
row-per-answer table took 7 s in SQLite on the 2-core reference machine (over
the 5 s import budget).  :meth:`ResponseStore.to_frame` turns the column back
into the wide table with Arrow's JSON reader.  Timestamps are kept to the
millisecond.

Durability
----------
SQLite runs in WAL mode with ``synchronous=FULL`` (override with the
``NETSOC_SQLITE_SYNC`` environment variable): every commit is fsynced, so an
answer confirmed to a participant survives a power cut, not only a crash of
the process (``NORMAL`` survives crashes but may lose the last commits on
power loss).  It costs about 1 ms per submission.  Writes take the write lock
up front (``BEGIN IMMEDIATE``); writers on one machine queue on an ``flock``
(see :func:`_lock_path_for`) so the next one starts as soon as the previous
commits; a busy database is also waited for (``busy_timeout``) and writes
are retried with backoff.  ``secure_delete`` is
on, so :meth:`ResponseStore.erase` overwrites the erased answers in the file.

Re-submission
-------------
Submitting an id that is already submitted returns that id and changes
nothing when the answers are the same (a double click, a retried request);
with *different* answers it raises :class:`~survey.errors.StoreError`: a
submitted response is never overwritten (erase it first).
"""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import random
import re
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any, TypeVar

import numpy as np
import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]

from survey.config import resolve_db_url
from survey.schema import ID_ALPHABET, ID_LENGTH, random_ids
from survey.errors import ResponseValidationError, StoreError
from survey.instrument import Instrument, load_instrument
from survey.validate import (
    META_COLUMNS,
    answer_columns,
    field_columns,
    format_rows,
    shown,
    validate_answers,
    validate_frame,
)

__all__ = [
    "SCHEMA_VERSION",
    "ResponseStore",
    "open_store",
    "new_respondent_id",
    "normalise_code",
]

SCHEMA_VERSION = 2
BUSY_TIMEOUT_MS = 10_000
RETRY_SECONDS = 30.0
T = TypeVar("T")

metadata = sa.MetaData()
schema_version = sa.Table(
    "schema_version", metadata,
    sa.Column("version", sa.Integer, primary_key=True),
    sa.Column("applied_at", sa.DateTime(timezone=True), nullable=False),
)
respondents = sa.Table(
    "respondents", metadata,
    sa.Column("respondent_id", sa.String(64), primary_key=True),
    sa.Column("status", sa.String(9), nullable=False),
    sa.Column("cohort", sa.String(64)),
    sa.Column("instrument_id", sa.String(63), nullable=False),
    sa.Column("instrument_version", sa.String(32), nullable=False),
    sa.Column("started_at", sa.DateTime(timezone=True)),
    sa.Column("submitted_at", sa.DateTime(timezone=True)),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("note", sa.Text),
    sa.Column("seq", sa.BigInteger, nullable=False),
    sa.Column("answers", sa.Text, nullable=False),
    sa.Column("randomization_seed", sa.BigInteger),
    sa.CheckConstraint("status IN ('draft', 'submitted')", name="ck_respondents_status"),
)

# Statements built once (cheap to execute while holding the write lock).
_NEXT_SEQ = sa.select(sa.func.coalesce(sa.func.max(respondents.c.seq), 0) + 1).scalar_subquery()
_INSERT = respondents.insert().values(seq=_NEXT_SEQ)
_UPDATE = respondents.update().where(respondents.c.respondent_id == sa.bindparam("_rid"))
_UPDATE_AND_SEQ = _UPDATE.values(seq=_NEXT_SEQ)


# ------------------------------------------------------------- migrations
def _migrate_1(conn: Connection) -> None:
    """Version 1: the respondents table (without ``randomization_seed``)."""
    conn.execute(sa.text(
        "CREATE TABLE respondents ("
        " respondent_id VARCHAR(64) NOT NULL PRIMARY KEY,"
        " status VARCHAR(9) NOT NULL CONSTRAINT ck_respondents_status"
        "   CHECK (status IN ('draft', 'submitted')),"
        " cohort VARCHAR(64), instrument_id VARCHAR(63) NOT NULL,"
        " instrument_version VARCHAR(32) NOT NULL,"
        f" started_at {_ts(conn)}, submitted_at {_ts(conn)}, updated_at {_ts(conn)} NOT NULL,"
        " note TEXT, seq BIGINT NOT NULL, answers TEXT NOT NULL)"))
    conn.execute(sa.text("CREATE INDEX ix_respondents_cohort ON respondents (cohort)"))
    conn.execute(sa.text("CREATE INDEX ix_respondents_seq ON respondents (seq)"))


def _migrate_2(conn: Connection) -> None:
    """Version 2: ``randomization_seed`` for the form's item order."""
    conn.execute(sa.text("ALTER TABLE respondents ADD COLUMN randomization_seed BIGINT"))


def _ts(conn: Connection) -> str:
    return "TIMESTAMP WITH TIME ZONE" if conn.dialect.name == "postgresql" else "DATETIME"


#: Forward migrations: version -> function bringing the schema to it.
MIGRATIONS: dict[int, Callable[[Connection], None]] = {1: _migrate_1, 2: _migrate_2}


# -------------------------------------------------------------- helpers
def new_respondent_id() -> str:
    """A random respondent id that doubles as a resume code.

    Ten characters of Crockford base32 (``0-9``, ``A-Z`` without I, L, O, U:
    50 random bits from :mod:`secrets`); nothing personal goes into it.
    """
    return new_respondent_ids(1)[0]


def new_respondent_ids(n: int) -> list[str]:
    """``n`` random respondent ids at once (see :func:`new_respondent_id`)."""
    return random_ids(n).tolist()


def normalise_code(code: str) -> str:
    """Read a resume code the way a person types it.

    Spaces and dashes are dropped, letters upper-cased, and the look-alikes
    I and L read as 1, O as 0.
    """
    text = re.sub(r"[\s-]", "", code).upper()
    return text.translate(str.maketrans({"I": "1", "L": "1", "O": "0"}))


def _utcnow() -> dt.datetime:
    """Now in UTC, to the millisecond (the precision kept everywhere)."""
    now = dt.datetime.now(dt.timezone.utc)
    return now.replace(microsecond=now.microsecond // 1000 * 1000)


def _as_utc(value: Any, name: str) -> dt.datetime | None:
    if value is None:
        return None
    if isinstance(value, str) and len(value) > 64:  # the date parser is slow on huge text
        raise ResponseValidationError(
            f"{name}: expected a date and time, got text of {len(value):,} characters")
    try:
        ts = pd.Timestamp(value)
    except (TypeError, ValueError, OverflowError) as exc:
        raise ResponseValidationError(
            f"{name}: expected a date and time, got {shown(value)} ({shown(str(exc))})") from None
    if ts is pd.NaT:
        return None
    ts = ts.tz_localize("UTC") if ts.tzinfo is None else ts.tz_convert("UTC")
    return ts.round("ms").to_pydatetime()


MAX_NOTE_LENGTH = 500


def _check_note(note: Any) -> str | None:
    if note is None:
        return None
    if not isinstance(note, str) or len(note) > MAX_NOTE_LENGTH:
        what = f"{len(note):,} characters" if isinstance(note, str) else type(note).__name__
        raise ResponseValidationError(
            f"note: expected text of at most {MAX_NOTE_LENGTH} characters, got {what}")
    return note


def _check_seed(seed: Any) -> int | None:
    if seed is None:
        return None
    if (isinstance(seed, (bool, np.bool_)) or not isinstance(seed, (int, np.integer))
            or not 0 <= int(seed) < 2**63):
        raise ResponseValidationError(
            f"randomization_seed: expected a whole number 0..2**63-1, got {shown(seed)}")
    return int(seed)


def _check_id(respondent_id: Any) -> str:
    if not isinstance(respondent_id, str) or not re.fullmatch(
            r"[0-9A-Za-z_.:-]{1,64}", respondent_id):
        raise ResponseValidationError(
            f"respondent_id: expected 1-64 letters, digits or _.:-, got {shown(respondent_id)}")
    return respondent_id


def _is_retryable(exc: BaseException) -> bool:
    text = str(getattr(exc, "orig", exc)).lower()
    return any(s in text for s in (
        "database is locked", "database is busy", "could not serialize",
        "deadlock detected", "duplicate key", "unique constraint failed",
    ))


# ---------------------------------------------------------------- engine
def _sqlite_engine(url: str) -> Engine:
    sync = os.environ.get("NETSOC_SQLITE_SYNC", "FULL").upper()
    if sync not in ("FULL", "NORMAL", "EXTRA"):
        raise StoreError(f"NETSOC_SQLITE_SYNC: expected FULL, NORMAL or EXTRA, got {sync!r}")
    path = sa.engine.make_url(url).database
    if path and path != ":memory:":
        parent = os.path.dirname(os.path.abspath(path))
        if not os.path.isdir(parent):
            raise StoreError(f"cannot open the store {path}: directory {parent} does not exist")
    engine = sa.create_engine(url, connect_args={"timeout": BUSY_TIMEOUT_MS / 1000})

    @sa.event.listens_for(engine, "connect")
    def _connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None  # we issue BEGIN ourselves
        cur = dbapi_conn.cursor()
        cur.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        cur.execute("PRAGMA journal_mode = WAL")
        cur.execute(f"PRAGMA synchronous = {sync}")
        cur.execute("PRAGMA foreign_keys = ON")
        cur.execute("PRAGMA secure_delete = ON")
        cur.close()

    @sa.event.listens_for(engine, "begin")
    def _begin(conn: Connection) -> None:
        write = conn.get_execution_options().get("netsoc_write", False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")

    return engine


def _make_engine(url: str) -> Engine:
    try:
        parsed = sa.engine.make_url(url)
    except sa.exc.ArgumentError as exc:
        raise StoreError(f"not a database URL or path: {url!r} ({exc})") from None
    if parsed.get_backend_name() == "sqlite":
        return _sqlite_engine(url)
    try:
        return sa.create_engine(url, pool_pre_ping=True)
    except (sa.exc.ArgumentError, ImportError) as exc:
        raise StoreError(f"cannot use database URL {parsed!r}: {exc}") from None


def _lock_path_for(engine: Engine) -> str | None:
    """A lock file (``<database>-lock``) that queues writers to one SQLite file.

    SQLite's own busy handler polls with sleeps of up to 100 ms, which gives
    8 concurrent writers a p99 latency of several hundred milliseconds; an
    exclusive ``flock`` instead wakes the next writer as soon as the previous
    one commits.  The lock only orders writers; SQLite's locking still
    guarantees correctness (other hosts, other tools), so a lock file that
    cannot be created just means no queue.
    """
    if engine.dialect.name != "sqlite" or fcntl is None:
        return None
    db = engine.url.database
    if not db or db == ":memory:":
        return None
    return os.path.realpath(db) + "-lock"


@contextmanager
def _writer_turn(path: str | None) -> Iterator[None]:
    fd = None
    if path is not None:
        try:
            fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o666)
            fcntl.flock(fd, fcntl.LOCK_EX)
        except OSError:
            if fd is not None:
                os.close(fd)
            fd = None
    try:
        yield
    finally:
        if fd is not None:
            os.close(fd)  # releases the lock


# ----------------------------------------------------------------- store
class ResponseStore:
    """Durable storage of responses to one instrument.

    Use :func:`open_store` rather than the constructor.

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
        self._lock_path = _lock_path_for(engine)
        self._migrate()

    # ---------------------------------------------------------- plumbing
    @property
    def url(self) -> str:
        """The database URL, password hidden."""
        return self.engine.url.render_as_string(hide_password=True)

    def __repr__(self) -> str:
        return f"ResponseStore({self.url!r}, instrument={self.instrument.id!r})"

    def close(self) -> None:
        """Release the database connections."""
        self.engine.dispose()

    def __enter__(self) -> ResponseStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def _read(self) -> Iterator[Connection]:
        """A connection for reading; a database that cannot be reached is a StoreError."""
        try:
            with self.engine.connect() as conn:
                yield conn
        except (sa.exc.SQLAlchemyError, OSError) as exc:
            raise StoreError(f"{self.url}: the response store cannot be read: "
                             f"{getattr(exc, 'orig', None) or exc}") from exc

    @contextmanager
    def _write(self) -> Iterator[Connection]:
        with _writer_turn(self._lock_path):
            with self.engine.connect().execution_options(netsoc_write=True) as conn:
                with conn.begin():
                    yield conn

    def _retry(self, work: Callable[[Connection], T]) -> T:
        """Run ``work`` in a write transaction, retrying while the DB is busy."""
        deadline = time.monotonic() + RETRY_SECONDS
        delay = 0.005
        while True:
            try:
                with self._write() as conn:
                    return work(conn)
            except sa.exc.DBAPIError as exc:
                if not _is_retryable(exc) or time.monotonic() > deadline:
                    raise StoreError(f"{self.url}: the database refused the write: {exc.orig}") from exc
            time.sleep(delay * (0.5 + random.random()))  # noqa: S311 - jitter only
            delay = min(delay * 2, 0.5)

    def _migrate(self) -> None:
        def work(conn: Connection) -> None:
            if conn.dialect.name == "postgresql":
                conn.execute(sa.text("SELECT pg_advisory_xact_lock(4242424242)"))
            schema_version.create(conn, checkfirst=True)
            current = conn.execute(sa.select(sa.func.max(schema_version.c.version))).scalar() or 0
            if current > SCHEMA_VERSION:
                raise StoreError(
                    f"{self.url}: the database has schema version {current}, newer than "
                    f"this netsoc understands ({SCHEMA_VERSION}); upgrade netsoc")
            for version in range(current + 1, SCHEMA_VERSION + 1):
                MIGRATIONS[version](conn)
                conn.execute(schema_version.insert().values(version=version, applied_at=_utcnow()))

        self._retry(work)

    def schema_version(self) -> int:
        """The schema version of the database."""
        with self._read() as conn:
            return int(conn.execute(sa.select(sa.func.max(schema_version.c.version))).scalar())

    # ---------------------------------------------------------- writing
    def _encode(self, clean: Mapping[str, Any]) -> str:
        order = answer_columns(self.instrument)
        return json.dumps({k: clean[k] for k in order if k in clean}, ensure_ascii=False)

    def _check_cohort(self, cohort: Any) -> str | None:
        if cohort is None:
            return None
        spec = self.instrument.cohort
        if not spec.accepts(cohort):
            raise ResponseValidationError(
                "1 problem(s) in the answers",
                [f"cohort: expected a code of at most {spec.max_length} characters matching "
                 f"{spec.pattern}, got {shown(cohort)}"])
        return cohort

    def submit(self, answers: Mapping[str, Any], *, cohort: str | None = None,
               started_at: Any = None, respondent_id: str | None = None,
               note: str | None = None, randomization_seed: int | None = None) -> str:
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

        Returns
        -------
        str
            The respondent id.  Submitting the same id again with the same
            answers returns it again and stores nothing new.

        Raises
        ------
        ResponseValidationError
            Listing every problem with the answers; nothing is stored.
        StoreError
            The id was already submitted with different answers, or the
            database refused the write.
        """
        clean = validate_answers(answers, self.instrument)
        clean.pop(self.instrument.consent.id, None)
        cohort = self._check_cohort(cohort)
        started = _as_utc(started_at, "started_at")
        if respondent_id is not None:
            _check_id(respondent_id)
        note = _check_note(note)
        randomization_seed = _check_seed(randomization_seed)
        payload = self._encode(clean)

        def work(conn: Connection) -> str:
            rid = respondent_id
            now = _utcnow()
            if rid is None:
                # 50 random bits: a clash is astronomically rare, and the
                # primary key turns it into a retry with a new id
                rid = new_respondent_id()
                existing = None
            else:
                existing = self._lookup(conn, rid)
            if existing is not None and existing.status == "submitted":
                if json.loads(existing.answers) == json.loads(payload):
                    return rid
                raise StoreError(
                    f"respondent {rid} has already submitted different answers; a submitted "
                    "response is never overwritten (erase it first to replace it)")
            values = dict(
                status="submitted", cohort=cohort if cohort is not None else (
                    existing.cohort if existing is not None else None),
                instrument_id=self.instrument.id, instrument_version=self.instrument.version,
                started_at=started if started is not None else (
                    existing.started_at if existing is not None else None),
                submitted_at=now, updated_at=now, note=note, answers=payload,
            )
            if randomization_seed is not None or existing is None:
                values["randomization_seed"] = randomization_seed
            if existing is None:
                conn.execute(_INSERT, {"respondent_id": rid, **values})
            else:
                conn.execute(_UPDATE_AND_SEQ, {"_rid": rid, **values})
            return rid

        return self._retry(work)

    @staticmethod
    def _lookup(conn: Connection, rid: str) -> Any:
        query = sa.select(respondents).where(respondents.c.respondent_id == rid)
        if conn.dialect.name == "postgresql":
            query = query.with_for_update()
        return conn.execute(query).first()

    @staticmethod
    def _fresh_id(conn: Connection) -> str:
        while True:
            rid = new_respondent_id()
            if conn.execute(sa.select(respondents.c.respondent_id)
                            .where(respondents.c.respondent_id == rid)).first() is None:
                return rid

    def save_draft(self, respondent_id: str | None, answers: Mapping[str, Any], *,
                   cohort: str | None = None, started_at: Any = None,
                   randomization_seed: int | None = None) -> str:
        """Save unfinished answers so the participant can resume later.

        Parameters
        ----------
        respondent_id : str or None
            The resume code of an existing draft, or ``None`` for a new one.
        answers : mapping
            The answers so far; every given value is validated, required ones
            may be missing.  Consent must be ``True``: nothing is stored for
            someone who has not agreed.
        cohort, started_at, randomization_seed
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
        if clean.pop(self.instrument.consent.id, None) is not True:
            raise ResponseValidationError(
                "1 problem(s) in the answers",
                [f"{self.instrument.consent.id}: consent is missing; drafts are stored "
                 "only after the participant agreed"])
        cohort = self._check_cohort(cohort)
        started = _as_utc(started_at, "started_at")
        if respondent_id is not None:
            _check_id(respondent_id)
        randomization_seed = _check_seed(randomization_seed)
        payload = self._encode(clean)

        def work(conn: Connection) -> str:
            now = _utcnow()
            rid = respondent_id if respondent_id is not None else self._fresh_id(conn)
            existing = self._lookup(conn, rid) if respondent_id is not None else None
            if existing is not None and existing.status == "submitted":
                raise StoreError(f"respondent {rid} has already submitted; the draft was not saved")
            values: dict[str, Any] = dict(
                status="draft", instrument_id=self.instrument.id,
                instrument_version=self.instrument.version, updated_at=now, answers=payload)
            if cohort is not None or existing is None:
                values["cohort"] = cohort
            if started is not None or existing is None:
                values["started_at"] = started if started is not None else now
            if randomization_seed is not None or existing is None:
                values["randomization_seed"] = randomization_seed
            if existing is None:
                conn.execute(_INSERT, {"respondent_id": rid, **values})
            else:
                conn.execute(_UPDATE, {"_rid": rid, **values})
            return rid

        return self._retry(work)

    def _find(self, conn: Connection, code: str) -> Any:
        row = conn.execute(sa.select(respondents)
                           .where(respondents.c.respondent_id == code)).first()
        if row is None and isinstance(code, str):
            alt = normalise_code(code)
            if alt != code:
                row = conn.execute(sa.select(respondents)
                                   .where(respondents.c.respondent_id == alt)).first()
        return row

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
        StoreError
            No draft has this code (unknown, erased or already submitted).
        """
        with self._read() as conn:
            row = self._find(conn, str(respondent_id))
        if row is None or row.status != "draft":
            state = "was already submitted" if row is not None else "does not exist"
            raise StoreError(f"no saved draft with the code {shown(respondent_id)}: it {state}")
        answers: dict[str, Any] = {self.instrument.consent.id: True}
        answers.update(json.loads(row.answers))
        return answers

    def erase(self, respondent_id: str) -> None:
        """Remove a respondent completely (withdrawn consent).

        The row is deleted with SQLite's ``secure_delete`` on and the WAL is
        checkpointed, so the answers do not linger in the file.

        Raises
        ------
        StoreError
            No respondent has this id.
        """
        _check_id(respondent_id)

        def work(conn: Connection) -> int:
            return conn.execute(respondents.delete()
                                .where(respondents.c.respondent_id == respondent_id)).rowcount

        if self._retry(work) == 0:
            raise StoreError(f"no respondent with the id {shown(respondent_id)}; nothing was erased")
        if self.engine.dialect.name == "sqlite":
            with self._read() as conn:
                conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")

    def purge(self, older_than: dt.timedelta, *, submitted: bool = False,
              now: dt.datetime | None = None) -> dict[str, int]:
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
        cutoff = (now or _utcnow()).astimezone(dt.timezone.utc) - older_than
        r = respondents.c

        def work(conn: Connection) -> dict[str, int]:
            done = {"drafts": conn.execute(respondents.delete().where(
                r.status == "draft", r.updated_at < cutoff)).rowcount, "submitted": 0}
            if submitted:
                done["submitted"] = conn.execute(respondents.delete().where(
                    r.status == "submitted",
                    sa.func.coalesce(r.submitted_at, r.updated_at) < cutoff)).rowcount
            return done

        done = self._retry(work)
        if self.engine.dialect.name == "sqlite" and any(done.values()):
            with self._read() as conn:
                conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        return done

    # ------------------------------------------------------------ import
    def import_frame(self, df: pd.DataFrame, *, cohort: str | None = None,
                     row_numbers: Any = None, source: str = "table") -> int:
        """Store many submitted responses at once, all or nothing.

        Parameters
        ----------
        df : pandas.DataFrame
            A wide response table (see :func:`survey.validate.validate_frame`;
            labels are converted to codes).  Rows without ``respondent_id``
            get new random ids; rows without ``submitted_at`` keep it empty.
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
        clean = validate_frame(df, self.instrument, row_numbers=row_numbers, source=source)
        rows = np.asarray(row_numbers if row_numbers is not None else range(1, len(clean) + 1))
        if cohort is not None:
            differ = clean["cohort"].notna() & (clean["cohort"] != cohort)
            if differ.any():
                raise ResponseValidationError(
                    f"{source}: cohort={cohort!r} was given but the cohort column differs",
                    ["column 'cohort': " + format_rows(list(rows[differ.to_numpy()]),
                                                         clean["cohort"][differ].tolist())])
            clean["cohort"] = clean["cohort"].fillna(cohort)
        return self._insert_clean(clean, rows, source)

    def _insert_clean(self, clean: pd.DataFrame, rows: np.ndarray, source: str) -> int:
        n = len(clean)
        ids = clean["respondent_id"].astype("object")
        missing_id = ids.isna().to_numpy()
        payload = _encode_frame(clean, answer_columns(self.instrument))
        now = _utcnow()

        sqlite = self.engine.dialect.name == "sqlite"

        def ts(col: str) -> list[Any]:
            s = clean[col]
            if sqlite:  # SQLAlchemy's SQLite DATETIME text format, built vectorised
                s = s.dt.tz_convert("UTC").dt.strftime("%Y-%m-%d %H:%M:%S.%f")
            out = s.astype("object")
            return out.where(clean[col].notna(), None).tolist()

        started, submitted = ts("started_at"), ts("submitted_at")
        cohorts = clean["cohort"].astype("object").where(clean["cohort"].notna(), None).tolist()
        versions = clean["instrument_version"].astype("object").tolist()
        stamp = now.strftime("%Y-%m-%d %H:%M:%S.%f") if sqlite else now

        def work(conn: Connection) -> int:
            given = ids[~missing_id].tolist()
            taken: set[str] = set()
            for start in range(0, len(given), 500):
                chunk = given[start:start + 500]
                taken.update(conn.execute(sa.select(respondents.c.respondent_id)
                                          .where(respondents.c.respondent_id.in_(chunk))).scalars())
            if taken:
                clash = ids.isin(taken).to_numpy()
                raise ResponseValidationError(
                    f"{source}: {len(taken)} respondent id(s) are already in the store "
                    "(imported before?); nothing was imported",
                    [f"column 'respondent_id': {format_rows(list(rows[clash]), ids[clash].tolist())}"])
            new_ids = ids.tolist()
            fresh = iter(set(new_respondent_ids(int(missing_id.sum()) + 16)) - set(given))
            for i in np.flatnonzero(missing_id):
                new_ids[i] = next(fresh)
            base = conn.execute(sa.select(sa.func.coalesce(sa.func.max(respondents.c.seq), 0))).scalar()
            names = ["respondent_id", "status", "cohort", "instrument_id", "instrument_version",
                     "started_at", "submitted_at", "updated_at", "seq", "answers"]
            records = list(zip(new_ids, ["submitted"] * n, cohorts, [self.instrument.id] * n,
                               versions, started, submitted, [stamp] * n,
                               range(base + 1, base + n + 1), payload))
            if not records:
                return 0
            if sqlite:  # plain DB-API executemany: 3x faster than Core for 100k rows
                conn.exec_driver_sql(
                    f"INSERT INTO respondents ({', '.join(names)}) "
                    f"VALUES ({', '.join('?' * len(names))})", records)
            else:
                conn.execute(respondents.insert(), [dict(zip(names, r)) for r in records])
            return n

        try:
            return self._retry(work)
        except StoreError as exc:
            if isinstance(exc.__cause__, sa.exc.IntegrityError):
                raise StoreError(f"{source}: a respondent id already exists; nothing was imported") from None
            raise

    # ------------------------------------------------------------ reading
    def count(self, cohort: str | None = None, *, include_drafts: bool = False) -> int:
        """Number of stored responses (submitted only, unless ``include_drafts``)."""
        query = sa.select(sa.func.count()).select_from(respondents).where(
            respondents.c.instrument_id == self.instrument.id)
        if not include_drafts:
            query = query.where(respondents.c.status == "submitted")
        if cohort is not None:
            query = query.where(respondents.c.cohort == cohort)
        with self._read() as conn:
            return int(conn.execute(query).scalar())

    def cohorts(self) -> list[str]:
        """Cohorts with at least one submitted response, sorted."""
        query = (sa.select(respondents.c.cohort).distinct()
                 .where(respondents.c.status == "submitted", respondents.c.cohort.is_not(None))
                 .order_by(respondents.c.cohort))
        with self._read() as conn:
            return list(conn.execute(query).scalars())

    def to_frame(self, cohort: str | None = None, include_drafts: bool = False) -> pd.DataFrame:
        """The wide response table (DESIGN.md "Data").

        Parameters
        ----------
        cohort : str, optional
            Only this cohort.
        include_drafts : bool, default False
            Include unfinished drafts (and a ``status`` column).

        Returns
        -------
        pandas.DataFrame
            One row per respondent in order of arrival, columns:
            ``respondent_id``, ``cohort``, ``instrument_id``,
            ``instrument_version`` (``string``), ``started_at``,
            ``submitted_at`` (``datetime64[us, UTC]``), ``status``
            (``string``, only with ``include_drafts``), one ``Int64`` column
            per item and attention check (``instrument.question_ids``), one
            column per demographic field (choice fields categorical with the
            option codes, in instrument order, as categories; text fields
            ``string``), and the comment (``string``).  Only responses to this
            store's instrument id are returned.
        """
        cols = [respondents.c[c] for c in META_COLUMNS] + [respondents.c.status, respondents.c.answers]
        query = sa.select(*cols).where(respondents.c.instrument_id == self.instrument.id)
        if not include_drafts:
            query = query.where(respondents.c.status == "submitted")
        if cohort is not None:
            query = query.where(respondents.c.cohort == cohort)
        query = query.order_by(respondents.c.seq, respondents.c.respondent_id)
        with self._read() as conn:
            raw = pd.DataFrame(conn.execute(query).all(),
                               columns=[*META_COLUMNS, "status", "answers"])
        return _decode_frame(raw, self.instrument, include_drafts)


def _encode_frame(clean: pd.DataFrame, columns: list[str]) -> list[str]:
    """One JSON object per row, missing answers left out (as :meth:`submit` does).

    Built column by column with Arrow's string kernels; text values are
    JSON-escaped once per distinct value.
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    pieces = []
    for c in columns:
        if c not in clean.columns:
            continue
        col = clean[c]
        key = json.dumps(c) + ":"
        if pd.api.types.is_integer_dtype(col.dtype):
            values = pc.cast(pa.array(col.astype("Int64"), type=pa.int64()), pa.string())
        else:
            positions, uniques = pd.factorize(col.astype("object"), use_na_sentinel=True)
            escaped = np.array([json.dumps(str(u), ensure_ascii=False) for u in uniques] + [None],
                               dtype=object)
            values = pa.array(escaped[positions], type=pa.string())
        pieces.append(pc.binary_join_element_wise(key, values, ""))
    if not pieces:
        return ["{}"] * len(clean)
    body = pc.binary_join_element_wise(*pieces, ",", null_handling="skip")
    return pc.binary_join_element_wise("{", body, "}", "").to_pylist()


def _parse_answers(texts: pd.Series, instrument: Instrument) -> pd.DataFrame:
    """The JSON answer objects as a table, parsed by Arrow's JSON reader."""
    import pyarrow as pa
    import pyarrow.json as pj

    questions = set(instrument.question_ids)
    columns = answer_columns(instrument)
    schema = pa.schema([(c, pa.int64() if c in questions else pa.string()) for c in columns])
    if len(texts) == 0:
        return schema.empty_table().to_pandas()
    data = "\n".join(texts).encode("utf-8")
    options = pj.ParseOptions(explicit_schema=schema, unexpected_field_behavior="ignore")
    try:
        table = pj.read_json(io.BytesIO(data), parse_options=options)
    except pa.ArrowInvalid as exc:
        raise StoreError(f"stored answers do not fit instrument {instrument.id}: {exc}") from None
    return table.to_pandas()


def _decode_frame(raw: pd.DataFrame, instrument: Instrument, include_drafts: bool) -> pd.DataFrame:
    n = len(raw)
    answers = _parse_answers(raw["answers"], instrument)
    out: dict[str, Any] = {}
    for c in ("respondent_id", "cohort", "instrument_id", "instrument_version"):
        out[c] = raw[c].astype("string")
    for c in ("started_at", "submitted_at"):
        out[c] = pd.to_datetime(raw[c], utc=True).astype("datetime64[us, UTC]")
    if include_drafts:
        out["status"] = raw["status"].astype("string")
    for q in instrument.question_ids:
        out[q] = answers[q].astype("Float64").astype("Int64")
    choice = instrument.choice_fields
    for f in field_columns(instrument):
        if f in choice:
            out[f] = pd.Categorical(answers[f], categories=list(choice[f].options))
        else:
            out[f] = answers[f].astype("string")
    if instrument.comment is not None:
        out[instrument.comment.id] = answers[instrument.comment.id].astype("string")
    frame = pd.DataFrame(out, index=pd.RangeIndex(n))
    return frame


def open_store(url: str | os.PathLike[str] | None = None, *,
               instrument: Instrument | str | os.PathLike[str] | None = None) -> ResponseStore:
    """Open the response store, creating or migrating its schema.

    Parameters
    ----------
    url : str or path-like, optional
        A SQLAlchemy URL (``postgresql+psycopg://user:pw@host/db``,
        ``sqlite:///file``) or a path to a SQLite file.  Default: the
        ``NETSOC_DB`` environment variable, else ``data/netsoc.sqlite``
        (:data:`survey.config.DEFAULT_DB`).
    instrument : Instrument or path, optional
        The questionnaire; default the shipped one.

    Returns
    -------
    ResponseStore

    Raises
    ------
    StoreError
        The database cannot be reached or has a newer schema.
    """
    inst = instrument if isinstance(instrument, Instrument) else load_instrument(instrument)
    engine = _make_engine(resolve_db_url(url))
    try:
        return ResponseStore(engine, inst)
    except Exception:
        engine.dispose()
        raise

