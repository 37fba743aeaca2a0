"""One place for netsoc's paths and storage defaults.

Environment variables
---------------------
``NETSOC_DB``
    Where responses are stored: a path to a SQLite file, or any SQLAlchemy
    URL (``sqlite:///...``, ``postgresql+psycopg://user:pw@host/db``).
    Default: ``netsoc.sqlite`` in the per-user data directory
    (:func:`user_data_dir`), never under the current folder.
``NETSOC_DATA_DIR``
    The per-user data directory itself.  Default: platformdirs'
    ``user_data_dir("netsoc")``: ``~/.local/share/netsoc`` on Linux (or
    ``$XDG_DATA_HOME/netsoc``), ``~/Library/Application Support/netsoc`` on
    macOS, ``%LOCALAPPDATA%\\netsoc`` on Windows.
``NETSOC_SQLITE_SYNC``
    SQLite ``synchronous`` level, ``FULL`` (default) or ``NORMAL``; see
    :mod:`survey.store.engine` for the trade-off.
``NETSOC_MAX_IMPORT_MB``
    Largest file ``netsoc import`` reads, in megabytes (default 200).
"""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

__all__ = [
    "DATA_DIR",
    "DEFAULT_DB_NAME",
    "DB_ENV",
    "DATA_DIR_ENV",
    "user_data_dir",
    "default_db_path",
    "default_db_url",
    "resolve_db_url",
    "max_import_bytes",
    "instrument_path",
]

#: Where the demo pipeline writes its files: ``data/`` under the current
#: folder (the repository root for ``make`` targets).  Live responses never go
#: here by default: see :func:`default_db_path`.
DATA_DIR = Path("data")
#: File name of the default store inside :func:`user_data_dir`.
DEFAULT_DB_NAME = "netsoc.sqlite"
DB_ENV = "NETSOC_DB"
DATA_DIR_ENV = "NETSOC_DATA_DIR"
DEFAULT_MAX_IMPORT_MB = 200


def _is_url(text: str) -> bool:
    return "://" in text


def user_data_dir() -> Path:
    """The per-user folder where netsoc keeps the default store (not created here).

    ``NETSOC_DATA_DIR`` if set, else platformdirs' ``user_data_dir("netsoc")``.
    """
    override = os.environ.get(DATA_DIR_ENV)
    if override:
        return Path(override).expanduser().resolve()
    return Path(platformdirs.user_data_dir("netsoc", appauthor=False))


def default_db_path() -> Path:
    """The default store: ``netsoc.sqlite`` in :func:`user_data_dir`."""
    return user_data_dir() / DEFAULT_DB_NAME


def resolve_db_url(db: str | os.PathLike[str] | None = None) -> str:
    """Turn a path, a URL or nothing into a SQLAlchemy URL.

    Parameters
    ----------
    db : str or path-like, optional
        A SQLAlchemy URL, or a path to a SQLite file.  ``None`` means the
        ``NETSOC_DB`` environment variable, else :func:`default_db_path`.

    Returns
    -------
    str
        A SQLAlchemy URL; SQLite paths are made absolute.
    """
    if db is None:
        db = os.environ.get(DB_ENV) or default_db_path()
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


def instrument_path(version: str | None = None) -> Path:
    """The shipped questionnaire file, or the file of an earlier shipped version.

    Parameters
    ----------
    version : str, optional
        ``None`` for the current questionnaire (``netsoc.yaml``); an earlier
        version such as ``"1.0.0"`` for its kept file (``netsoc-1.0.0.yaml``),
        so responses stored under it can be read with its own items.

    Raises
    ------
    FileNotFoundError
        No shipped file has this version.
    """
    from importlib import resources

    folder = Path(str(resources.files("survey") / "instruments"))
    path = folder / ("netsoc.yaml" if version is None else f"netsoc-{version}.yaml")
    if version is not None and not path.is_file():
        kept = sorted(p.stem.removeprefix("netsoc-") for p in folder.glob("netsoc-[0-9]*.yaml"))
        raise FileNotFoundError(
            f"no shipped questionnaire of version {version!r}; kept earlier "
            f"versions: {', '.join(kept) or 'none'} (the current one is "
            f"netsoc.yaml)"
        )
    return path
