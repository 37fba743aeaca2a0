"""Arguments and start-up shared by the commands that start a server (survey, dashboard)."""

from __future__ import annotations

import argparse
import secrets
from collections.abc import Callable

from netsoc.server.config import ServerConfig


def add_server_arguments(parser: argparse.ArgumentParser, *, port: int) -> None:
    """Add ``--db``, ``--port``, ``--ip``, ``--public``, ``--token``, ``--workers``,
    ``--max-sessions`` and ``--session-timeout``."""
    parser.add_argument("--db", help="store path or URL (default: NETSOC_DB, else data/netsoc.sqlite)")
    parser.add_argument("--port", type=int, default=port, help=f"port (default {port})")
    parser.add_argument("--ip", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    parser.add_argument("--public", action="store_true",
                        help="allow a non-loopback --ip; visitors then need the printed token")
    parser.add_argument("--token", help="token visitors must give (default: random with --public)")
    parser.add_argument("--workers", type=int, default=1,
                        help="server processes (survey: uvicorn workers on one port, no sticky "
                        "sessions needed; dashboard: ports PORT..PORT+N-1); use a PostgreSQL "
                        "--db with several (default 1)")
    parser.add_argument("--max-sessions", type=int, default=400,
                        help="survey: requests in flight per process; dashboard: live sessions "
                        "per process; beyond it visitors are told to wait (default 400)")
    parser.add_argument("--session-timeout", type=float, default=60.0,
                        help="seconds a closed page's session is kept (default 60)")


def run_server(args: argparse.Namespace, kind: str, *, message: str, query: str = "",
               echo: Callable[[str], None] = print, **settings: object) -> int:
    """Check the arguments and serve ``kind`` in the foreground until Ctrl-C."""
    from survey.config import resolve_db_url
    from survey.errors import NetsocError

    token = args.token or (secrets.token_urlsafe(16) if args.public else None)
    config = ServerConfig(kind=kind, db=resolve_db_url(args.db), port=args.port, ip=args.ip,
                          public=args.public, token=token, max_sessions=args.max_sessions,
                          session_timeout=args.session_timeout, **settings).check()  # type: ignore[arg-type]
    if not 1 <= args.workers <= 64:
        raise NetsocError(f"--workers: expected 1 to 64 processes, got {args.workers}")
    from netsoc.server.run import serve, serve_workers

    if args.workers == 1:
        return serve(config, open_message=message, query=query, echo=echo)
    return serve_workers(config, args.workers, open_message=message, query=query, echo=echo)
