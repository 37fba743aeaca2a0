"""The store's tables, their schema version and the forward migrations.

Schema (version :data:`SCHEMA_VERSION`)
---------------------------------------
``schema_version``
    ``version``, ``applied_at``: one row per migration applied.
``respondents``
    One row per respondent: ``respondent_id`` (primary key; a random
    10-character code, see :func:`survey.schema.new_respondent_id`),
    ``status`` (``draft`` or ``submitted``), ``cohort``, ``instrument_id``,
    ``instrument_version``, ``started_at``, ``submitted_at``, ``updated_at``
    (UTC), ``note`` (an optional client note), ``randomization_seed`` (for
    the form's item order), ``seq`` (arrival order), ``answers``: the
    validated answers as one JSON object ``{variable: code or text}``, and
    ``language``: the BCP 47 tag of the language the participant answered in
    (``NULL`` for rows stored before version 3, read as the instrument's
    default language: netsoc spoke one language then), ``browser_hash``:
    the SHA-256 (hex) of the random token of the browser that submitted, if
    the form sent one (a unique index allows one submitted response per
    browser token, instrument and wave), ``arrival``: the submission's place in
    the order of submissions, assigned by the store inside the write
    transaction (one more than the largest so far, writers queued on a lock),
    so it never depends on a server's clock; ``NULL`` for drafts; ``wave``
    (``pre``, ``post``; ``NULL`` outside waves and for rows stored before
    version 8, read as ``single``), ``subject`` (the random id linking one
    person's waves in the cohort, ``NULL`` when unlinked) and ``link_hash`` (the
    salted hash of a self-generated linking code, :func:`survey.waves.link_hash`;
    never exported).
``cohort_settings``
    One row per workshop code a facilitator has set something for:
    ``cohort`` (primary key; ``''`` stands for responses without a code),
    ``collection_open`` (whether new drafts and submissions are accepted;
    a cohort without a row is open) and ``updated_at``.  Read and written by
    :mod:`survey.store.cohorts`.  Since version 7 also what keeps a room
    going across restarts (:mod:`survey.store.access`): ``signing_secret``
    (signs participants' tokens), ``access_token`` (the join address's token)
    and ``join_code`` (7 digits typed on the survey's start page; unique); since
    version 8 ``wave`` (the wave the cohort collects now, ``NULL`` for none) and
    ``link_salt`` (the cohort's random salt for linking codes,
    :mod:`survey.store.waves`).
``comment_moderation``
    The facilitator's decisions on free-text comments, one row per comment
    decided on: ``respondent_id`` (primary key; the row goes when the
    response is erased or cleared: readers join ``respondents``), ``cohort``
    (``''`` for no code), ``state`` (``hidden`` or ``released``), ``batch``
    (the release it belongs to, 1, 2, ...), ``position`` (its random place
    within the batch) and ``updated_at``.  Read and written by
    :mod:`survey.store.moderation`.

A database is brought forward one version at a time by :func:`migrate`; a
database with a newer version than this netsoc knows is refused.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from survey.errors import StoreError

__all__ = [
    "SCHEMA_VERSION",
    "MIGRATIONS",
    "metadata",
    "schema_version",
    "respondents",
    "cohort_settings",
    "comment_moderation",
    "migrate",
    "current_version",
]

SCHEMA_VERSION = 8

metadata = sa.MetaData()
schema_version = sa.Table(
    "schema_version",
    metadata,
    sa.Column("version", sa.Integer, primary_key=True),
    sa.Column("applied_at", sa.DateTime(timezone=True), nullable=False),
)
respondents = sa.Table(
    "respondents",
    metadata,
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
    sa.Column("language", sa.String(35)),
    sa.Column("browser_hash", sa.String(64)),
    sa.Column("arrival", sa.BigInteger),
    sa.Column("wave", sa.String(8)),
    sa.Column("subject", sa.String(64)),
    sa.Column("link_hash", sa.String(64)),
    sa.CheckConstraint("status IN ('draft', 'submitted')", name="ck_respondents_status"),
)
cohort_settings = sa.Table(
    "cohort_settings",
    metadata,
    sa.Column("cohort", sa.String(64), primary_key=True),
    sa.Column("collection_open", sa.Boolean, nullable=False),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("signing_secret", sa.String(64)),
    sa.Column("access_token", sa.String(64)),
    sa.Column("join_code", sa.String(7), unique=True),
    sa.Column("wave", sa.String(8)),
    sa.Column("link_salt", sa.String(64)),
)
comment_moderation = sa.Table(
    "comment_moderation",
    metadata,
    sa.Column("respondent_id", sa.String(64), primary_key=True),
    sa.Column("cohort", sa.String(64), nullable=False),
    sa.Column("state", sa.String(8), nullable=False),
    sa.Column("batch", sa.Integer),
    sa.Column("position", sa.Integer),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("state IN ('hidden', 'released')", name="ck_moderation_state"),
)


def _ts(conn: Connection) -> str:
    return "TIMESTAMP WITH TIME ZONE" if conn.dialect.name == "postgresql" else "DATETIME"


def _migrate_1(conn: Connection) -> None:
    """Version 1: the respondents table (without ``randomization_seed``)."""
    conn.execute(
        sa.text(
            "CREATE TABLE respondents ("
            " respondent_id VARCHAR(64) NOT NULL PRIMARY KEY,"
            " status VARCHAR(9) NOT NULL CONSTRAINT ck_respondents_status"
            "   CHECK (status IN ('draft', 'submitted')),"
            " cohort VARCHAR(64), instrument_id VARCHAR(63) NOT NULL,"
            " instrument_version VARCHAR(32) NOT NULL,"
            f" started_at {_ts(conn)}, submitted_at {_ts(conn)}, updated_at {_ts(conn)} NOT NULL,"
            " note TEXT, seq BIGINT NOT NULL, answers TEXT NOT NULL)"
        )
    )
    conn.execute(sa.text("CREATE INDEX ix_respondents_cohort ON respondents (cohort)"))
    conn.execute(sa.text("CREATE INDEX ix_respondents_seq ON respondents (seq)"))


def _migrate_2(conn: Connection) -> None:
    """Version 2: ``randomization_seed`` for the form's item order."""
    conn.execute(sa.text("ALTER TABLE respondents ADD COLUMN randomization_seed BIGINT"))


def _migrate_3(conn: Connection) -> None:
    """Version 3: ``language``, the BCP 47 tag the participant answered in.

    Existing rows keep ``NULL``: they were answered in the instrument's only
    (default) language, and are read so.
    """
    conn.execute(sa.text("ALTER TABLE respondents ADD COLUMN language VARCHAR(35)"))


def _migrate_4(conn: Connection) -> None:
    """Version 4: ``browser_hash``, one submitted response per browser token.

    The partial unique index makes the rule hold however many processes and
    threads submit at once (both SQLite and PostgreSQL index partially).
    """
    conn.execute(sa.text("ALTER TABLE respondents ADD COLUMN browser_hash VARCHAR(64)"))
    conn.execute(
        sa.text(
            "CREATE UNIQUE INDEX ux_respondents_browser ON respondents (instrument_id, browser_hash)"
            " WHERE status = 'submitted' AND browser_hash IS NOT NULL"
        )
    )


def _migrate_5(conn: Connection) -> None:
    """Version 5: ``cohort_settings``, the facilitator's per-cohort switches (collection open).

    Every existing cohort stays open (no row means open).
    """
    conn.execute(
        sa.text(
            "CREATE TABLE cohort_settings ("
            " cohort VARCHAR(64) NOT NULL PRIMARY KEY,"
            " collection_open BOOLEAN NOT NULL,"
            f" updated_at {_ts(conn)} NOT NULL)"
        )
    )


def _migrate_6(conn: Connection) -> None:
    """Version 6: ``comment_moderation``, the facilitator's hidden and released comments."""
    conn.execute(
        sa.text(
            "CREATE TABLE comment_moderation ("
            " respondent_id VARCHAR(64) NOT NULL PRIMARY KEY,"
            " cohort VARCHAR(64) NOT NULL,"
            " state VARCHAR(8) NOT NULL CONSTRAINT ck_moderation_state"
            "   CHECK (state IN ('hidden', 'released')),"
            " batch INTEGER, position INTEGER,"
            f" updated_at {_ts(conn)} NOT NULL)"
        )
    )
    conn.execute(sa.text("CREATE INDEX ix_moderation_cohort ON comment_moderation (cohort)"))


def _migrate_7(conn: Connection) -> None:
    """Version 7: ``arrival`` (release order from the store, not a clock) and a room's keys.

    Submitted rows get their arrival in the order they were stored so far (``seq``).
    """
    conn.execute(sa.text("ALTER TABLE respondents ADD COLUMN arrival BIGINT"))
    conn.execute(sa.text("UPDATE respondents SET arrival = seq WHERE status = 'submitted'"))
    conn.execute(sa.text("CREATE INDEX ix_respondents_arrival ON respondents (arrival)"))
    for column, size in (("signing_secret", 64), ("access_token", 64), ("join_code", 7)):
        conn.execute(sa.text(f"ALTER TABLE cohort_settings ADD COLUMN {column} VARCHAR({size})"))
    conn.execute(sa.text("CREATE UNIQUE INDEX ux_cohort_join_code ON cohort_settings (join_code)"))


def _migrate_8(conn: Connection) -> None:
    """Version 8: waves (``wave``, ``subject``, ``link_hash``; the cohort's ``wave`` and ``link_salt``).

    Existing rows keep ``NULL`` (read as wave ``single``, unlinked).  One submitted
    response per browser token and instrument becomes one per wave.
    """
    for column in ("wave VARCHAR(8)", "subject VARCHAR(64)", "link_hash VARCHAR(64)"):
        conn.execute(sa.text(f"ALTER TABLE respondents ADD COLUMN {column}"))
    for column in ("wave VARCHAR(8)", "link_salt VARCHAR(64)"):
        conn.execute(sa.text(f"ALTER TABLE cohort_settings ADD COLUMN {column}"))
    conn.execute(sa.text("DROP INDEX ux_respondents_browser"))
    conn.execute(
        sa.text(
            "CREATE UNIQUE INDEX ux_respondents_browser ON respondents"
            " (instrument_id, browser_hash, COALESCE(wave, ''))"
            " WHERE status = 'submitted' AND browser_hash IS NOT NULL"
        )
    )
    conn.execute(sa.text("CREATE INDEX ix_respondents_link ON respondents (cohort, link_hash)"))


#: Forward migrations: version -> function bringing the schema to it.
MIGRATIONS: dict[int, Callable[[Connection], None]] = {
    1: _migrate_1,
    2: _migrate_2,
    3: _migrate_3,
    4: _migrate_4,
    5: _migrate_5,
    6: _migrate_6,
    7: _migrate_7,
    8: _migrate_8,
}


def current_version(conn: Connection) -> int:
    """The schema version recorded in the database (0 for an empty one)."""
    return int(conn.execute(sa.select(sa.func.max(schema_version.c.version))).scalar() or 0)


def migrate(conn: Connection, where: str) -> None:
    """Bring the schema up to :data:`SCHEMA_VERSION` inside the caller's transaction.

    Parameters
    ----------
    conn : sqlalchemy.engine.Connection
        A connection in a write transaction.
    where : str
        The database, for error messages.

    Raises
    ------
    StoreError
        The database has a newer schema than this netsoc understands.
    """
    if conn.dialect.name == "postgresql":  # one migrating process at a time
        conn.execute(sa.text("SELECT pg_advisory_xact_lock(4242424242)"))
    schema_version.create(conn, checkfirst=True)
    current = current_version(conn)
    if current > SCHEMA_VERSION:
        raise StoreError(
            f"{where}: the database has schema version {current}, newer than "
            f"this netsoc understands ({SCHEMA_VERSION}); upgrade netsoc"
        )
    for version in range(current + 1, SCHEMA_VERSION + 1):
        MIGRATIONS[version](conn)
        conn.execute(schema_version.insert().values(version=version, applied_at=dt.datetime.now(dt.UTC)))
