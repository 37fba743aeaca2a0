"""Reading the responses and hashing them.

The data hash
-------------
``data_sha256`` is the SHA-256 of the *canonical* response table, not of file
bytes, so the same responses give the same hash whether they come from a CSV,
an Excel file or a database, in any row order, with or without respondent
ids: every row is rendered as one CSV line (the instrument's columns in
instrument order, ``respondent_id`` left out, integer codes as integers,
timestamps in UTC ISO-8601 with microseconds, missing values empty), the lines
are sorted and joined with ``\\n``, and the UTF-8 bytes are hashed.  When the
input is a file, its byte hash is stamped as well (``file_sha256``).  The
``language`` column counts only when some response is in a language other than
the instrument's default: data collected before languages were recorded (or a
file without the column) keep the hash they had.
"""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd

from netsoc.provenance import canonical_lines, data_hash
from netsoc.provenance import file_hash as sha256_file
from survey.errors import DataError
from survey.instrument import Instrument, load_instrument

__all__ = ["load_responses", "canonical_lines", "data_hash", "sha256_file"]

_META = ("respondent_id", "cohort", "instrument_id", "instrument_version", "started_at", "submitted_at")


def load_responses(
    *,
    data: str | os.PathLike[str] | None = None,
    db: str | None = None,
    cohort: str | None = None,
    instrument: Instrument | None = None,
) -> tuple[pd.DataFrame, str]:
    """Read the wide response table from a file or a store.

    Parameters
    ----------
    data : path, optional
        A response file (csv, xlsx, parquet, sav) read with
        :func:`survey.io.read_responses`.
    db : str, optional
        A store URL or SQLite path (:func:`survey.open_store`).
    cohort : str, optional
        Keep only this cohort.
    instrument : Instrument, optional
        Default: the shipped questionnaire.

    Returns
    -------
    (DataFrame, str)
        The validated wide table and a description of where it came from.

    With neither ``data`` nor ``db``, the store named by ``NETSOC_DB`` is read,
    else the shipped demo set ``data/demo/responses.csv``; the returned
    description names the source, and the report's stamp shows it.

    Raises
    ------
    DataError
        Both ``data`` and ``db`` given, or no responses left.
    """
    inst = instrument if instrument is not None else load_instrument()
    if data is not None and db is not None:
        raise DataError(
            f"data/db: give one of a data file or a store URL, not both (got data={data!r}, db={db!r})"
        )
    if data is None and db is None:
        # Opened as is (JupyterLab, nbval): the store named by NETSOC_DB, else
        # the shipped demo set -- and the stamp says which.
        from survey.config import DATA_DIR, DB_ENV

        if os.environ.get(DB_ENV):
            db = os.environ[DB_ENV]
        elif (DATA_DIR / "demo" / "responses.csv").is_file():
            data = DATA_DIR / "demo" / "responses.csv"
        else:  # an installed netsoc outside a checkout: draw the same demo set
            from analysis.demo import make_demo

            frame = make_demo(n=600, seed=2026, instrument=inst)
            return frame, "synthetic demo sample (analysis.make_demo, seed 2026, n = 600)"
    known = ""  # the cohorts there are, named when the one asked for has no responses
    if data is not None:
        from survey.io import read_responses

        frame = read_responses(data, inst)
        source = f"file {Path(data).name}"
        if cohort is not None:
            if "cohort" not in frame.columns:
                raise DataError(f"cohort: {cohort!r} given but {data} has no cohort column")
            counts = frame["cohort"].astype("string").value_counts().sort_index()
            known = ", ".join(f"{c}: {n}" for c, n in counts.items()) or "none"
            frame = frame[frame["cohort"].astype("string") == cohort].reset_index(drop=True)
    else:
        from netsoc.startup import cohort_counts
        from survey.store import open_store

        with open_store(db, instrument=inst) as store:
            frame = store.to_frame(cohort=cohort)
            known = cohort_counts(store) if cohort is not None and not len(frame) else ""
        source = "response store"
    if cohort is not None:
        source += f", cohort {cohort}"
    if len(frame) == 0:
        raise DataError(
            f"{source}: no responses"
            + (f" for cohort {cohort!r}; cohorts with responses: {known}" if cohort else "")
        )
    return frame, source
