"""Start-up checks every netsoc server and notebook runs before it says "running".

A workshop must not discover at the first participant's submit that its store
cannot be written, nor print an address and then die on a busy port.  These
checks fail early, before anything is printed, with one message that names
what is wrong and what to do:

- :func:`check_store` - the store can be opened and written (the default
  store's folder is created in the per-user data directory; a ``--db`` path
  that does not exist is refused unless ``create``);
- :func:`check_port` - the address and port can be bound;
- :func:`cohort_note` - a cohort code nobody has answered under yet, with the
  codes that do exist (:func:`cohort_counts` lists them with their sizes).

Each raises :class:`StartupError` (a :class:`survey.errors.NetsocError`, so
the ``netsoc`` command prints it as one line, never a traceback).
"""

from __future__ import annotations

import errno
import os
import socket
from pathlib import Path
from typing import TYPE_CHECKING, Any

from survey.config import DB_ENV, resolve_db_url
from survey.errors import NetsocError

if TYPE_CHECKING:
    from survey.store import ResponseStore

__all__ = ["StartupError", "check_store", "check_port", "cohort_note", "sqlite_path", "store_label"]


class StartupError(NetsocError):
    """A server or notebook cannot start; the message says why and what to do."""


def sqlite_path(url: str) -> Path | None:
    """The file of a ``sqlite:///`` URL (``None`` for other databases and in-memory SQLite)."""
    prefix = "sqlite:///"
    if not url.startswith(prefix):
        return None
    rest = url[len(prefix) :].split("?", 1)[0]
    return None if rest in ("", ":memory:") else Path(rest)


def _ensure_folder(folder: Path, what: str) -> None:
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise StartupError(
            f"{what}: cannot create the folder {folder} ({exc.strerror or exc}); "
            f"give a store you can write with --db PATH (or set {DB_ENV})"
        ) from None
    if not os.access(folder, os.W_OK | os.X_OK):
        raise StartupError(
            f"{what}: the folder {folder} is not writable; give a store you can "
            f"write with --db PATH (or set {DB_ENV})"
        )


def _check_sqlite(path: Path, *, explicit: bool, create: bool) -> None:
    what = f"store {path}"
    if path.is_dir():
        raise StartupError(f"{what}: this is a folder; give a file name such as {path / 'netsoc.sqlite'}")
    if path.exists():
        if not os.access(path, os.R_OK | os.W_OK):
            raise StartupError(
                f"{what}: the file is not readable and writable by you; fix its "
                f"permissions or give another store with --db PATH"
            )
        if not os.access(path.parent, os.W_OK | os.X_OK):
            raise StartupError(
                f"{what}: its folder {path.parent} is not writable (SQLite keeps "
                f"its journal beside the file); give another store with --db PATH"
            )
        return
    if explicit and not create:
        hint = (
            f"; did you mean one of: {', '.join(sorted(p.name for p in _siblings(path)))}"
            if _siblings(path)
            else ""
        )
        raise StartupError(
            f"{what}: no such store{hint}. Check the path; to start a new, empty store there, "
            f"add --create (netsoc survey, workshop, dashboard)"
        )
    _ensure_folder(path.parent, what)


def _siblings(path: Path) -> list[Path]:
    try:
        return [p for p in path.parent.glob("*.sqlite") if p.is_file()][:5]
    except OSError:
        return []


def check_store(url: str | os.PathLike[str] | None, *, create: bool = False) -> str:
    """Check that the response store can be opened and written, before anything starts.

    Parameters
    ----------
    url : str, path-like or None
        What the user gave (``--db``): a SQLAlchemy URL or a SQLite path.
        ``None`` means the configured store: ``NETSOC_DB`` if set, else the
        default store in the per-user data directory
        (:func:`survey.config.default_db_path`); its folder is created.
    create : bool, default False
        Allow a store given explicitly (``url``) that does not exist yet to be
        created (``--create``).  Without it a mistyped path is refused instead
        of silently starting an empty store.

    Returns
    -------
    str
        The resolved SQLAlchemy URL (the store exists and its schema is
        current afterwards).

    Raises
    ------
    StartupError
        Naming the path or database and the fix: a missing store without
        ``create``, a folder that cannot be created or written, a database that
        cannot be reached or has a newer schema.
    """
    explicit = url is not None
    resolved = resolve_db_url(url)
    path = sqlite_path(resolved)
    if path is not None:
        _check_sqlite(path, explicit=explicit, create=create)
    from survey.store import open_store

    try:
        store = open_store(resolved)
    except NetsocError as exc:
        raise StartupError(f"store {store_label(resolved)}: {exc}") from None
    except Exception as exc:  # a driver's own error: name the store, not the stack
        raise StartupError(
            f"store {store_label(resolved)}: cannot be opened ({type(exc).__name__}: {exc}); check --db"
        ) from None
    try:
        store.count()
    finally:
        store.close()
    return resolved


def store_label(url: str) -> str:
    """How a store is named to a person: a SQLite file's path, else the URL without its password."""
    path = sqlite_path(url)
    if path is not None:
        return str(path)
    from sqlalchemy.engine import make_url

    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # not a URL SQLAlchemy understands: show it as given
        return url


def check_port(host: str, port: int) -> None:
    """Check that ``host:port`` can be bound, before anything is printed.

    Binds and releases a socket the way the servers do (``SO_REUSEADDR``, so a
    port left in TIME_WAIT by a server that just stopped is free).

    Raises
    ------
    StartupError
        The port is taken (with a hint: ``--port``), out of range, needs
        privileges, or ``host`` is not an address of this machine.
    """
    if not isinstance(port, int) or not 1 <= port <= 65535:
        raise StartupError(f"--port: expected a port from 1 to 65535, got {port!r}")
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except socket.gaierror as exc:
        raise StartupError(f"--ip: {host!r} is not an address this machine knows ({exc.strerror})") from None
    try:
        _bind(infos[0])
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            raise StartupError(
                f"port {port} on {host} is already in use (another netsoc server or "
                f"program); stop it, or choose a free port with --port {_suggest(infos, port)}"
            ) from None
        if exc.errno == errno.EACCES:
            raise StartupError(
                f"port {port} needs administrator rights; choose one above 1023 with --port"
            ) from None
        if exc.errno == errno.EADDRNOTAVAIL:
            raise StartupError(f"--ip: {host} is not an address of this machine") from None
        raise StartupError(f"cannot listen on {host}:{port} ({exc.strerror or exc})") from None


def _bind(info: tuple[Any, ...], port: int | None = None) -> None:
    """Bind and release a socket as a server would (raises :class:`OSError`)."""
    family, kind, proto, _, address = info
    if port is not None:
        address = (address[0], port, *address[2:])
    with socket.socket(family, kind, proto) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)


def _suggest(infos: list[tuple[Any, ...]], port: int) -> int:
    """A port that is free now (port + 10 to port + 19), else ``port + 10``."""
    for candidate in range(port + 10, min(port + 20, 65536)):
        try:
            _bind(infos[0], candidate)
        except OSError:
            continue
        return candidate
    return port + 10


def cohort_note(store: ResponseStore, cohort: str | None) -> str | None:
    """A line for the facilitator when nobody has answered under ``cohort`` yet.

    Parameters
    ----------
    store : ResponseStore
        The open store.
    cohort : str or None
        The code given with ``--cohort``.

    Returns
    -------
    str or None
        ``None`` when the cohort has responses (or none was given); else a
        sentence naming the codes that do have responses, so a typo shows.
    """
    if cohort is None or store.count(cohort, include_drafts=True):
        return None
    from survey.store.cohorts import cohort_codes

    known = [c for c in cohort_codes(store) if c != cohort]
    listed = ", ".join(known) if known else "none yet"
    return (
        f"cohort {cohort}: no responses yet (fine for a new workshop). "
        f"Codes with responses in this store: {listed}"
    )


def cohort_counts(store: ResponseStore) -> str:
    """``"WS-A: 12, WS-B: 30"``: every workshop code with submitted responses and
    how many (``"none"`` when there is none), for messages that name the codes."""
    listed = ", ".join(f"{c}: {store.count(c)}" for c in store.cohorts())
    return listed or "none"
