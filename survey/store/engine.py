"""The database connection: engines, the writers' queue, and retries.

Durability
----------
SQLite runs in WAL mode with ``synchronous=FULL`` (override with the
``NETSOC_SQLITE_SYNC`` environment variable): every commit is fsynced, so an
answer confirmed to a participant survives a power cut, not only a crash of
the process (``NORMAL`` survives crashes but may lose the last commits on
power loss).  It costs about 1 ms per submission.  ``secure_delete`` is on,
so erased answers are overwritten in the file.

Writers
-------
Writes take the write lock up front (``BEGIN IMMEDIATE`` in SQLite).  Writers
to one SQLite file queue first on a :class:`threading.Lock` (threads of one
process: many form sessions in one server) and then on an ``flock`` of
``<database>-lock`` (processes on one machine), so the next writer starts as
soon as the previous one commits, instead of polling in SQLite's busy
handler.  A busy database is still waited for (``busy_timeout``), and a
write that meets a busy database, a serialisation failure, a deadlock or a
duplicate key is retried with jittered backoff for up to
:data:`RETRY_SECONDS`.  Failures are recognised by their error codes
(SQLite result codes, PostgreSQL SQLSTATE), never by their message text.

Threads
-------
An engine is shared by every thread of a process.  Each operation checks a
connection out of SQLAlchemy's pool for its own use and returns it, so no
connection is ever used by two threads at once; SQLite connections are
opened with ``check_same_thread=False`` because the pool hands them to
whichever thread asks next.
"""

from __future__ import annotations

import os
import random
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]

from survey.errors import StoreError

__all__ = ["BUSY_TIMEOUT_MS", "RETRY_SECONDS", "Database", "make_engine", "is_retryable"]

BUSY_TIMEOUT_MS = 10_000
RETRY_SECONDS = 30.0
T = TypeVar("T")

# SQLite primary result codes (the low byte of extended codes) worth a retry,
# and the extended codes of a duplicate key.
_SQLITE_RETRY = {sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED}
_SQLITE_DUPLICATE = {sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY, sqlite3.SQLITE_CONSTRAINT_UNIQUE}
# PostgreSQL SQLSTATEs: serialization_failure, deadlock_detected, unique_violation.
_PG_RETRY = {"40001", "40P01", "23505"}


def is_retryable(exc: BaseException) -> bool:
    """Whether a failed write may succeed when tried again.

    Busy or locked SQLite databases, PostgreSQL serialisation failures and
    deadlocks, and duplicate keys (two writers raced for one id; the retry
    sees the other's row) are; everything else is not.
    """
    orig = getattr(exc, "orig", exc)
    code = getattr(orig, "sqlite_errorcode", None)
    if code is not None:
        return (code & 0xFF) in _SQLITE_RETRY or code in _SQLITE_DUPLICATE
    return getattr(orig, "sqlstate", None) in _PG_RETRY


def is_duplicate_key(exc: BaseException) -> bool:
    """Whether a failed write broke a primary-key or unique constraint."""
    orig = getattr(exc, "orig", exc)
    code = getattr(orig, "sqlite_errorcode", None)
    if code is not None:
        return code in _SQLITE_DUPLICATE
    return getattr(orig, "sqlstate", None) == "23505"


def _sqlite_engine(url: str) -> Engine:
    sync = os.environ.get("NETSOC_SQLITE_SYNC", "FULL").upper()
    if sync not in ("FULL", "NORMAL", "EXTRA"):
        raise StoreError(f"NETSOC_SQLITE_SYNC: expected FULL, NORMAL or EXTRA, got {sync!r}")
    path = sa.engine.make_url(url).database
    if path and path != ":memory:":
        parent = os.path.dirname(os.path.abspath(path))
        if not os.path.isdir(parent):
            raise StoreError(f"cannot open the store {path}: directory {parent} does not exist")
    engine = sa.create_engine(
        url, connect_args={"timeout": BUSY_TIMEOUT_MS / 1000, "check_same_thread": False}
    )

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


def make_engine(url: str) -> Engine:
    """An engine for a SQLAlchemy URL (SQLite set up as described above).

    Raises
    ------
    StoreError
        Not a database URL, or no driver for it.
    """
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
    if engine.dialect.name != "sqlite":
        return None
    db = engine.url.database
    if not db or db == ":memory:":
        return None
    return os.path.realpath(db) + "-lock"


_THREAD_LOCKS: dict[str, threading.Lock] = {}
_THREAD_LOCKS_GUARD = threading.Lock()


def _thread_lock(path: str) -> threading.Lock:
    """One lock per database file for all threads of this process (and all its stores)."""
    with _THREAD_LOCKS_GUARD:
        return _THREAD_LOCKS.setdefault(path, threading.Lock())


@contextmanager
def _file_lock(path: str) -> Iterator[None]:
    fd = None
    if fcntl is not None:
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


class Database:
    """An engine with the store's reading, writing and retry discipline.

    Parameters
    ----------
    engine : sqlalchemy.engine.Engine
        Shared by every thread that uses this object.
    """

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.dialect = engine.dialect.name
        self._lock_path = _lock_path_for(engine)
        self._thread_lock = _thread_lock(self._lock_path) if self._lock_path else None

    @property
    def url(self) -> str:
        """The database URL, password hidden."""
        return self.engine.url.render_as_string(hide_password=True)

    @contextmanager
    def read(self) -> Iterator[Connection]:
        """A connection for reading; a database that cannot be reached is a StoreError."""
        try:
            with self.engine.connect() as conn:
                yield conn
        except (sa.exc.SQLAlchemyError, OSError) as exc:
            raise StoreError(
                f"{self.url}: the response store cannot be read: {getattr(exc, 'orig', None) or exc}"
            ) from exc

    @contextmanager
    def _writer_turn(self) -> Iterator[None]:
        if self._lock_path is None:
            yield
            return
        with self._thread_lock, _file_lock(self._lock_path):  # type: ignore[union-attr]
            yield

    @contextmanager
    def _write(self) -> Iterator[Connection]:
        with self._writer_turn():
            with self.engine.connect().execution_options(netsoc_write=True) as conn:
                with conn.begin():
                    yield conn

    def write(self, work: Callable[[Connection], T]) -> T:
        """Run ``work(conn)`` in a write transaction, retrying while the database is busy.

        ``work`` may run more than once, so it must not change anything
        outside the transaction (new random ids are drawn inside it).

        Raises
        ------
        StoreError
            The database refused the write (after retries for busy ones).
        """
        deadline = time.monotonic() + RETRY_SECONDS
        delay = 0.005
        while True:
            try:
                with self._write() as conn:
                    return work(conn)
            except sa.exc.DBAPIError as exc:
                if not is_retryable(exc) or time.monotonic() > deadline:
                    raise StoreError(f"{self.url}: the database refused the write: {exc.orig}") from exc
            except sa.exc.TimeoutError as exc:  # every pooled connection busy (many sessions)
                if time.monotonic() > deadline:
                    raise StoreError(
                        f"{self.url}: no database connection became free within {RETRY_SECONDS:.0f} s"
                    ) from exc
            time.sleep(delay * (0.5 + random.random()))
            delay = min(delay * 2, 0.5)

    def checkpoint(self) -> None:
        """Fold SQLite's write-ahead log back into the file (erased rows leave the log)."""
        if self.dialect == "sqlite":
            with self.read() as conn:
                conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")

    def dispose(self) -> None:
        """Release the pooled connections."""
        self.engine.dispose()
