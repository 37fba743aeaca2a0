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
- :mod:`~survey.store.codec`: answers as JSON objects and back to the wide
  table;
- :mod:`~survey.store.facade`: :class:`ResponseStore` and :func:`open_store`.

Answers are validated once per path by :mod:`survey.validate`; respondent ids
and resume codes come from :mod:`survey.schema`.  Timestamps are kept to the
millisecond.
"""

from __future__ import annotations

from survey.schema import (
    ID_ALPHABET,
    ID_LENGTH,
    new_respondent_id,
    new_respondent_ids,
    normalise_code,
)
from survey.store.engine import BUSY_TIMEOUT_MS, RETRY_SECONDS
from survey.store.facade import ResponseStore, open_store
from survey.store.tables import MIGRATIONS, SCHEMA_VERSION

__all__ = [
    "SCHEMA_VERSION",
    "MIGRATIONS",
    "ID_ALPHABET",
    "ID_LENGTH",
    "BUSY_TIMEOUT_MS",
    "RETRY_SECONDS",
    "ResponseStore",
    "open_store",
    "new_respondent_id",
    "new_respondent_ids",
    "normalise_code",
]
