"""Arguments shared by the commands that start a Voila server (survey, dashboard)."""

from __future__ import annotations

import argparse


def add_server_arguments(parser: argparse.ArgumentParser, *, port: int) -> None:
    """Add ``--db``, ``--port``, ``--ip``, ``--public`` and ``--token``."""
    parser.add_argument("--db", help="store path or URL (default: NETSOC_DB, else data/netsoc.sqlite)")
    parser.add_argument("--port", type=int, default=port, help=f"port (default {port})")
    parser.add_argument("--ip", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    parser.add_argument("--public", action="store_true",
                        help="allow a non-loopback --ip; visitors then need the printed token")
    parser.add_argument("--token", help="token visitors must give (default: random with --public)")
