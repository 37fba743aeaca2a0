"""Arguments of the commands that start the survey server."""

from __future__ import annotations

import argparse


def add_server_arguments(parser: argparse.ArgumentParser, *, port: int) -> None:
    """Add ``--db``, ``--port``, ``--ip``, ``--public``, ``--token``, ``--workers`` and
    ``--max-sessions``."""
    parser.add_argument(
        "--db", help="store path or URL (default: NETSOC_DB, else the store in the per-user data directory)"
    )
    parser.add_argument("--port", type=int, default=port, help=f"port (default {port})")
    parser.add_argument("--ip", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    parser.add_argument(
        "--public",
        action="store_true",
        help="allow a non-loopback --ip; visitors then need the printed token",
    )
    parser.add_argument("--token", help="token visitors must give (default: random with --public)")
    parser.add_argument(
        "--workers",
        type=int,
        default=1,
        help="uvicorn worker processes on the one port (no sticky sessions "
        "needed); use a PostgreSQL --db with several (default 1)",
    )
    parser.add_argument(
        "--max-sessions",
        type=int,
        default=400,
        help="requests in flight per process; beyond it a phone waits and sends "
        "again by itself (default 400)",
    )
