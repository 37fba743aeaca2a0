"""What every netsoc app needs to know about a visit: its query, its cohort, the store.

One home for three rules the survey form, the survey server and the dashboard
share:

- :func:`parse_query` reads a page's query (``?cohort=WS-A&lang=de``) the same
  way everywhere;
- :func:`choose_cohort` / :func:`resolve_cohort` decide the workshop code: the
  server's code (``--cohort``) wins, a valid ``?cohort=`` counts only without
  it, an invalid one never does;
- :func:`shared_store` opens one response store per process and URL, shared by
  every visitor (a store per visitor meant a connection pool per participant:
  1,000 participants over two processes exhausted PostgreSQL's connection
  slots in bench_room).
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl

from netsoc.web import ui_text

if TYPE_CHECKING:
    from survey.instrument import Instrument
    from survey.store import ResponseStore

__all__ = [
    "CohortChoice",
    "parse_query",
    "choose_cohort",
    "resolve_cohort",
    "shared_store",
    "close_shared_stores",
]

#: English defaults of the two notices :func:`choose_cohort` writes.
_COHORT_NOTES = {
    "cohort_elsewhere": (
        "This link is for another workshop, so your answers are counted for this one: {cohort}."
    ),
    "cohort_ignored": (
        "The workshop code {code} in the address is not valid (letters, "
        "digits, - and _ only) and was ignored."
    ),
}


def parse_query(query: str | Mapping[str, Any] | None, *, drop: Iterable[str] = ()) -> dict[str, str]:
    """A page's query parameters as a plain dict of strings.

    Parameters
    ----------
    query : str or mapping or None
        The raw query string (with or without the leading ``?``), or a mapping
        whose values are strings or lists of strings (the first one counts,
        as with :func:`urllib.parse.parse_qs`).
    drop : iterable of str, optional
        Keys left out (e.g. ``("token",)``: the access token is the server's
        business, not the app's).

    Returns
    -------
    dict of str to str
        The first value of each key; blank values are left out.

    Examples
    --------
    >>> parse_query("?cohort=WS-A&lang=de&cohort=WS-B&x=")
    {'cohort': 'WS-A', 'lang': 'de'}
    >>> parse_query({"cohort": ["WS-A"], "token": "s3cret"}, drop=["token"])
    {'cohort': 'WS-A'}
    """
    pairs: list[tuple[str, Any]]
    if query is None:
        pairs = []
    elif isinstance(query, str):
        pairs = parse_qsl(query.removeprefix("?"), keep_blank_values=False)
    else:
        pairs = list(query.items())
    dropped = set(drop)
    out: dict[str, str] = {}
    for key, value in pairs:
        if isinstance(value, (list, tuple)):
            value = value[0] if value else None
        if value is None or key in dropped or key in out:
            continue
        value = str(value)
        if value.strip():
            out[str(key)] = value
    return out


@dataclass(frozen=True)
class CohortChoice:
    """The workshop code a visit counts for, and what to tell the visitor.

    Attributes
    ----------
    cohort : str or None
        The workshop code, or ``None``.
    ask : bool
        Whether the form asks the participant for a code (only when neither
        the server nor the address named one).
    note : str or None
        A plain-text notice in the instrument's language (not escaped): the
        code in the address was ignored, and why.
    """

    cohort: str | None
    ask: bool
    note: str | None


def choose_cohort(
    instrument: Instrument | None, server: str | None = None, query: str | Mapping[str, Any] | None = None
) -> CohortChoice:
    """Decide the workshop code from the server's setting and the page's address.

    The server's code (``--cohort``) always wins: a different ``?cohort=`` is
    reported as a link for another workshop and not adopted.  Without a server
    code a valid ``?cohort=`` is used; an invalid one is ignored and does not
    open the free-text box either (the link named a workshop, just not a
    valid one).  Only when neither names a code is the participant asked.

    Parameters
    ----------
    instrument : Instrument or None
        Whose cohort rule a code must pass and in whose language the notes
        are written (None: the shipped questionnaire).
    server : str, optional
        The server's code; must be valid.
    query : str or mapping, optional
        The page's query (see :func:`parse_query`).

    Returns
    -------
    CohortChoice

    Raises
    ------
    ValueError
        ``server`` is not a valid code.
    """
    if instrument is None:
        from survey.instrument import load_instrument

        instrument = load_instrument()
    spec = instrument.cohort
    if server is not None and not spec.accepts(server):
        raise ValueError(
            f"cohort: {server!r} does not match {spec.pattern} (at most {spec.max_length} characters)"
        )
    given = parse_query(query).get("cohort")
    if server is not None:
        if given is not None and given != server:
            return CohortChoice(
                server,
                False,
                ui_text(
                    instrument, "cohort_elsewhere", default=_COHORT_NOTES["cohort_elsewhere"], cohort=server
                ),
            )
        return CohortChoice(server, False, None)
    if given is None:
        return CohortChoice(None, True, None)
    if not spec.accepts(given):
        return CohortChoice(
            None,
            False,
            ui_text(
                instrument, "cohort_ignored", default=_COHORT_NOTES["cohort_ignored"], code=repr(given[:40])
            ),
        )
    return CohortChoice(given, False, None)


def resolve_cohort(
    instrument: Instrument | None, server: str | None = None, query: str | Mapping[str, Any] | None = None
) -> str | None:
    """The workshop code a visit counts for (:func:`choose_cohort`'s ``cohort``).

    Returns
    -------
    str or None
        ``server`` when given (a different ``?cohort=`` is not adopted); else a
        valid ``?cohort=``; else None (all responses, or ask the participant).

    Examples
    --------
    >>> from survey.instrument import load_instrument
    >>> inst = load_instrument()
    >>> resolve_cohort(inst, "WS-A", "cohort=WS-B")
    'WS-A'
    >>> resolve_cohort(inst, None, {"cohort": "WS-B"})
    'WS-B'
    >>> resolve_cohort(inst, None, {"cohort": "<b>x"}) is None
    True
    """
    return choose_cohort(instrument, server, query).cohort


_STORES: dict[str | None, ResponseStore] = {}
_STORES_LOCK = threading.Lock()


def shared_store(url: str | None) -> ResponseStore:
    """The response store of ``url``, one per process, shared by every visitor.

    Opened on first use (so an unreachable database does not stop a page from
    showing); the store is thread-safe.

    Parameters
    ----------
    url : str or None
        A store URL or SQLite path (None: ``NETSOC_DB`` / the default store,
        as :func:`survey.store.open_store`).

    Returns
    -------
    ResponseStore

    Raises
    ------
    StoreError
        The database cannot be reached (nothing is kept: the next call tries
        again).
    """
    with _STORES_LOCK:
        store = _STORES.get(url)
        if store is None:
            from survey.store import open_store

            store = _STORES[url] = open_store(url)
        return store


def close_shared_stores() -> None:
    """Close and forget every store :func:`shared_store` opened (tests, shutdown)."""
    with _STORES_LOCK:
        stores = list(_STORES.values())
        _STORES.clear()
    for store in stores:
        close = getattr(store, "close", None)
        if close is not None:
            close()
