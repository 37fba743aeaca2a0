"""The response store: every submitted answer kept exactly once, in a database.

SQLite (one file) by default, PostgreSQL or any other SQLAlchemy database by
URL.  :func:`open_store` opens (and creates or migrates) a store and returns a
:class:`ResponseStore`, which many threads and processes may use at once.

The package has one module per job:

- :mod:`~survey.store.tables`: the tables, :data:`SCHEMA_VERSION` and the
  forward :data:`MIGRATIONS`;
- :mod:`~survey.store.engine`: engines, durability settings, the writers'
  queue (threads and processes) and retries;
- :mod:`~survey.store.checks`: checks of the arguments besides the answers;
- :mod:`~survey.store.writes`: one response written (drafts and submissions
  share one insert-or-update path);
- :mod:`~survey.store.bulk`: many responses imported at once;
- :mod:`~survey.store.source`: :class:`ResponseSource`, what a reader needs of a store;
- :mod:`~survey.store.codec`: answers as JSON objects and back to the wide
  table;
- :mod:`~survey.store.facade`: :class:`ResponseStore`; :func:`open_store`
  (here) opens one.

Answers are validated once per path by :mod:`survey.validate`; respondent ids
and resume codes come from :mod:`survey.schema`.  Timestamps are kept to the
millisecond.
"""

from __future__ import annotations

import os

from survey.config import resolve_db_url
from survey.instrument import Instrument, load_instrument
from survey.schema import (
    ID_ALPHABET,
    ID_LENGTH,
    new_respondent_id,
    new_respondent_ids,
    normalise_code,
)
from survey.store.engine import BUSY_TIMEOUT_MS, RETRY_SECONDS, make_engine
from survey.store.facade import ResponseStore
from survey.store.source import ResponseSource
from survey.store.tables import MIGRATIONS, SCHEMA_VERSION

__all__ = [
    "SCHEMA_VERSION",
    "MIGRATIONS",
    "ID_ALPHABET",
    "ID_LENGTH",
    "BUSY_TIMEOUT_MS",
    "RETRY_SECONDS",
    "ResponseStore",
    "ResponseSource",
    "open_store",
    "new_respondent_id",
    "new_respondent_ids",
    "normalise_code",
]


def open_store(
    url: str | os.PathLike[str] | None = None,
    *,
    instrument: Instrument | str | os.PathLike[str] | None = None,
) -> ResponseStore:
    """Open the response store, creating or migrating its schema.

    Parameters
    ----------
    url : str or path-like, optional
        A SQLAlchemy URL (``postgresql+psycopg://user:pw@host/db``,
        ``sqlite:///file``) or a path to a SQLite file.  Default: the
        ``NETSOC_DB`` environment variable, else ``netsoc.sqlite`` in the
        per-user data directory (:func:`survey.config.default_db_path`).
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
    engine = make_engine(resolve_db_url(url))
    try:
        return ResponseStore(engine, inst)
    except Exception:
        engine.dispose()
        raise
