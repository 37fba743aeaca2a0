"""The Solara page of the questionnaire, one virtual session each (the dashboard is a
Starlette app of its own: :mod:`netsoc.dashboard.app`).

Each visitor's page gets its own virtual kernel inside the one server
process.  The components below build the existing ipywidgets app once per
session (``solara.use_memo``) and display it unchanged.  Per visitor they read
the page's own address (``?cohort=``, ``?lang=``: Solara's router) and the
``Accept-Language`` header of the visitor's websocket request
(``solara.lab.headers``); the process-wide settings come from
:func:`netsoc.server.config.get_config`.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qsl

import solara
import solara.lab

from netsoc.server.config import ServerConfig, get_config

__all__ = ["SurveyPage", "Layout", "visitor_query", "make_survey"]


def visitor_query(search: str | None) -> dict[str, str]:
    """The page's query string as a dict (first value of each key, blanks dropped)."""
    out: dict[str, str] = {}
    for k, v in parse_qsl(search or "", keep_blank_values=False):
        out.setdefault(k, v)
    out.pop("token", None)  # the access token is the server's business, not the app's
    return out


def _accept_language(headers: Mapping[str, Any] | None) -> str | None:
    values = (headers or {}).get("accept-language") or []
    return values[0] if values else None


_STORES: dict[str | None, Any] = {}
_STORE_LOCK = threading.Lock()


def shared_store(db: str | None) -> Any:
    """One response store per process and database, shared by every session.

    A store per session meant a connection pool per participant: 1,000
    participants over two processes exhausted PostgreSQL's connection slots
    (bench_room, 293 of 1,000 stored).  The store is opened on first use, so an
    unreachable database does not stop the form from showing.
    """
    with _STORE_LOCK:
        if db not in _STORES:
            from survey.store import open_store

            _STORES[db] = open_store(db)
        return _STORES[db]


def make_survey(config: ServerConfig, query: Mapping[str, str],
                accept_language: str | None) -> Any:
    """The questionnaire widget for one visitor (the server's cohort wins over ``?cohort=``)."""
    from netsoc.form import survey_app

    return survey_app(config.db, cohort=config.cohort, query=dict(query),
                      accept_language=accept_language, min_group_size=config.min_group_size,
                      store=lambda: shared_store(config.db))


@solara.component
def Layout(children: list | None = None) -> Any:
    """Solara's layout for these pages: nothing around the app (no app bar, no sidebar).

    Solara's default app layout costs a dozen extra widgets per visitor.
    """
    return solara.Div(children=children or [])


@solara.component
def SurveyPage() -> Any:
    """One participant's questionnaire."""
    router = solara.use_router()
    headers = solara.lab.headers.value
    view = solara.use_memo(
        lambda: make_survey(get_config(), visitor_query(router.search), _accept_language(headers)),
        dependencies=[])
    return solara.Div(children=[view])
