"""Reading what ``netsoc workshop`` prints, and its environment, for the workshop tests."""

from __future__ import annotations

import os
import re
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

__all__ = ["workshop_env", "block_field", "qr_text", "loopback"]


def workshop_env(tmp_path: Path) -> dict[str, str]:
    """An environment with its own home and data folder (the default store lives there)."""
    env = dict(
        os.environ,
        HOME=str(tmp_path / "home"),
        NETSOC_DATA_DIR=str(tmp_path / "data"),
        PYTHONUNBUFFERED="1",
        MPLBACKEND="agg",
    )
    env.pop("NETSOC_DB", None)
    return env


def block_field(block: str, name: str) -> str:
    """The value printed after ``name:`` in the start-up block."""
    match = re.search(rf"^  {re.escape(name)}:\s+(\S+)", block, flags=re.M)
    assert match, (name, block)
    return match.group(1)


def qr_text(block: str) -> str:
    """The QR code's lines of the block."""
    return "\n".join(ln for ln in block.splitlines() if ln and set(ln) <= set("█▀▄ "))


def loopback(url: str) -> str:
    """The same address on 127.0.0.1 (tests send traffic to loopback only)."""
    parts = urlsplit(url)
    return urlunsplit(parts._replace(netloc=f"127.0.0.1:{parts.port}"))
