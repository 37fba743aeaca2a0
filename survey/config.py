"""One place for netsoc's paths and storage defaults.

Environment variables
---------------------
``NETSOC_DB``
    Where responses are stored: a path to a SQLite file, or any SQLAlchemy
    URL (``sqlite:///...``, ``postgresql+psycopg://user:pw@host/db``).
    Default: :data:`DEFAULT_DB`, ``data/netsoc.sqlite`` under the current folder.
``NETSOC_SQLITE_SYNC``
    SQLite ``synchronous`` level, ``FULL`` (default) or ``NORMAL``; see
    :mod:`survey.store.engine` for the trade-off.
``NETSOC_MAX_IMPORT_MB``
    Largest file ``netsoc import`` reads, in megabytes (default 200).
"""

from __future__ import annotations

import os
from pathlib import Path

__all__ = [
    "DATA_DIR",
    "DEFAULT_DB",
    "DB_ENV",
    "default_db_url",
    "resolve_db_url",
    "max_import_bytes",
]

#: Where netsoc keeps its files unless told otherwise: ``data/`` under the
#: current folder (the repository root for ``make`` targets).
DATA_DIR = Path("data")
DEFAULT_DB = DATA_DIR / "netsoc.sqlite"
DB_ENV = "NETSOC_DB"
DEFAULT_MAX_IMPORT_MB = 200


def _is_url(text: str) -> bool:
    return "://" in text


def resolve_db_url(db: str | os.PathLike[str] | None = None) -> str:
    """Turn a path, a URL or nothing into a SQLAlchemy URL.

    Parameters
    ----------
    db : str or path-like, optional
        A SQLAlchemy URL, or a path to a SQLite file.  ``None`` means the
        ``NETSOC_DB`` environment variable, else :data:`DEFAULT_DB`.

    Returns
    -------
    str
        A SQLAlchemy URL; SQLite paths are made absolute.
    """
    if db is None:
        db = os.environ.get(DB_ENV) or DEFAULT_DB
    text = os.fspath(db)
    if _is_url(text):
        return text
    return f"sqlite:///{Path(text).expanduser().resolve()}"


def default_db_url() -> str:
    """The URL :func:`survey.open_store` uses when given none."""
    return resolve_db_url(None)


def max_import_bytes() -> int:
    """Largest import file in bytes (``NETSOC_MAX_IMPORT_MB``, default 200 MB)."""
    raw = os.environ.get("NETSOC_MAX_IMPORT_MB")
    mb = float(raw) if raw else DEFAULT_MAX_IMPORT_MB
    return int(mb * 1024 * 1024)
