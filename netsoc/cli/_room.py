"""What ``netsoc survey`` and ``netsoc workshop`` keep across restarts, and how they say it."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from survey.store.access import RoomKeys

__all__ = ["add_new_token_argument", "add_draft_days_argument", "stored_keys", "short_join_url"]


def add_new_token_argument(parser: argparse.ArgumentParser) -> None:
    """Add ``--new-token``."""
    parser.add_argument(
        "--new-token",
        action="store_true",
        help="draw a new access token and join code for this workshop code (the old join "
        "address, QR code and code stop working; phones already in keep going). Without "
        "it, a restart keeps them, and the secret that signs phones' tokens, from the store",
    )


def add_draft_days_argument(parser: argparse.ArgumentParser) -> None:
    """Add ``--draft-days``."""
    parser.add_argument(
        "--draft-days",
        type=float,
        default=7.0,
        help="delete unfinished drafts not changed for this many days (at start, then "
        "hourly); 0 keeps them until netsoc purge (default 7)",
    )


def stored_keys(url: str, cohort: str | None, *, rotate: bool) -> RoomKeys:
    """The cohort's signing secret, access token and join code, kept in the store."""
    from netsoc.startup import StartupError, store_label
    from survey.errors import StoreError
    from survey.store import open_store

    try:
        with open_store(url) as store:
            return store.room_keys(cohort, rotate=rotate)
    except StoreError as exc:
        raise StartupError(f"store {store_label(url)}: the workshop's keys cannot be kept: {exc}") from None


def short_join_url(host: str, port: int) -> str:
    """The short address people type with the join code: ``http://HOST:PORT/``."""
    return f"http://{host}:{port}/"
