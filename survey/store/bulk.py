"""Bulk import: many submitted responses in one transaction, all or nothing."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from survey.errors import ResponseValidationError, StoreError, column_problem
from survey.instrument import Instrument
from survey.schema import new_respondent_ids
from survey.store.checks import utcnow
from survey.store.codec import encode_frame
from survey.store.engine import Database, is_duplicate_key
from survey.store.tables import respondents
from survey.store.writes import next_arrival
from survey.waves import SINGLE

__all__ = ["insert_frame", "apply_cohort"]

_COLUMNS = [
    "respondent_id",
    "status",
    "cohort",
    "instrument_id",
    "instrument_version",
    "started_at",
    "submitted_at",
    "updated_at",
    "seq",
    "answers",
    "language",
    "arrival",
    "wave",
    "subject",
]
_CHUNK = 500  # ids per IN (...) query


def apply_cohort(clean: pd.DataFrame, cohort: str | None, rows: np.ndarray, source: str) -> pd.DataFrame:
    """Give every row ``cohort``; rows whose own cohort differs are refused.

    Raises
    ------
    ResponseValidationError
        Some row's ``cohort`` is set and differs from ``cohort``.
    """
    if cohort is None:
        return clean
    differ = clean["cohort"].notna() & (clean["cohort"] != cohort)
    if differ.any():
        mask = differ.to_numpy()
        raise ResponseValidationError(
            f"{source}: cohort={cohort!r} was given but the cohort column differs",
            [
                column_problem(
                    "cohort", f"differs from {cohort!r}", rows[mask], clean["cohort"][differ].tolist()
                )
            ],
        )
    clean["cohort"] = clean["cohort"].fillna(cohort)
    return clean


def _times(clean: pd.DataFrame, col: str, sqlite: bool) -> list[Any]:
    """A timestamp column as the driver takes it (SQLite: SQLAlchemy's DATETIME text)."""
    s = clean[col]
    if sqlite:  # built vectorised
        s = s.dt.tz_convert("UTC").dt.strftime("%Y-%m-%d %H:%M:%S.%f")
    return s.astype("object").where(clean[col].notna(), None).tolist()


def _refuse_taken(conn: Connection, ids: pd.Series, given: list[str], rows: np.ndarray, source: str) -> None:
    """Raise when any of the ``given`` ids is already in the store (nothing is imported)."""
    taken: set[str] = set()
    for start in range(0, len(given), _CHUNK):
        chunk = given[start : start + _CHUNK]
        taken.update(
            conn.execute(
                sa.select(respondents.c.respondent_id).where(respondents.c.respondent_id.in_(chunk))
            ).scalars()
        )
    if taken:
        clash = ids.isin(taken).to_numpy()
        raise ResponseValidationError(
            f"{source}: {len(taken)} respondent id(s) are already in the store "
            "(imported before?); nothing was imported",
            [column_problem("respondent_id", "already in the store", rows[clash], ids[clash].tolist())],
        )


def insert_frame(
    db: Database, instrument: Instrument, clean: pd.DataFrame, rows: np.ndarray, source: str
) -> int:
    """Store the rows of a validated table as submitted responses.

    Parameters
    ----------
    db : Database
        Where to write.
    instrument : Instrument
        The table's instrument (:func:`survey.validate.validate_frame` output).
    clean : pandas.DataFrame
        The validated table; rows without ``respondent_id`` get new ids.
    rows : numpy.ndarray
        File row number of each row, for error messages.
    source : str
        The table's name in error messages.

    Returns
    -------
    int
        Number of responses stored.

    Raises
    ------
    ResponseValidationError
        An id is already in the store; nothing is stored.
    """
    n = len(clean)
    ids = clean["respondent_id"].astype("object")
    missing_id = ids.isna().to_numpy()
    payload = encode_frame(clean, instrument)
    sqlite = db.dialect == "sqlite"
    now = utcnow()

    started, submitted = _times(clean, "started_at", sqlite), _times(clean, "submitted_at", sqlite)
    cohorts = clean["cohort"].astype("object").where(clean["cohort"].notna(), None).tolist()
    versions = clean["instrument_version"].astype("object").tolist()
    languages = clean["language"].astype("object").tolist()  # validate_frame filled every row
    waves = clean["wave"].astype("object").where(clean["wave"] != SINGLE, None).tolist()
    subjects = clean["subject"].astype("object").where(clean["subject"].notna(), None).tolist()
    stamp = now.strftime("%Y-%m-%d %H:%M:%S.%f") if sqlite else now

    def work(conn: Connection) -> int:
        given = ids[~missing_id].tolist()
        _refuse_taken(conn, ids, given, rows, source)
        new_ids = ids.tolist()
        fresh = iter(set(new_respondent_ids(int(missing_id.sum()) + 16)) - set(given))
        for i in np.flatnonzero(missing_id):
            new_ids[i] = next(fresh)
        base = int(conn.execute(sa.select(sa.func.coalesce(sa.func.max(respondents.c.seq), 0))).scalar_one())
        first = next_arrival(conn)
        records = list(
            zip(
                new_ids,
                ["submitted"] * n,
                cohorts,
                [instrument.id] * n,
                versions,
                started,
                submitted,
                [stamp] * n,
                range(base + 1, base + n + 1),
                payload,
                languages,
                range(first, first + n),
                waves,
                subjects,
            )
        )
        if not records:
            return 0
        if sqlite:  # plain DB-API executemany: 3x faster than Core for 100k rows
            conn.exec_driver_sql(
                f"INSERT INTO respondents ({', '.join(_COLUMNS)}) VALUES ({', '.join('?' * len(_COLUMNS))})",
                records,
            )
        else:
            conn.execute(respondents.insert(), [dict(zip(_COLUMNS, r)) for r in records])
        return n

    try:
        return db.write(work)
    except StoreError as exc:
        if exc.__cause__ is not None and is_duplicate_key(exc.__cause__):
            raise StoreError(f"{source}: a respondent id already exists; nothing was imported") from None
        raise
