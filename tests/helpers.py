"""Small builders shared by several test files."""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import struct
import subprocess
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
import pytest


def keyed_answers(instrument: Any, net: int, soc: int, intent: int = 3, *,
                  checks: bool | str = True, consent: bool = False) -> dict[str, Any]:
    """Answer codes whose keyed value is ``net`` / ``soc`` / ``intent`` on every item.

    ``checks``: ``True`` answers the attention checks as asked, ``"fail"``
    answers each one wrongly, ``False`` leaves them out.  ``consent`` adds
    ``consent=True``.
    """
    want = {"networking": net, "socializing": soc, "intentionality": intent}
    out: dict[str, Any] = {i.id: (6 - want[i.scale] if i.keying == "reverse" else want[i.scale])
                           for i in instrument.items}
    if checks:
        out |= {a.id: (a.expected % 5) + 1 if checks == "fail" else a.expected
                for a in instrument.attention_checks}
    if consent:
        out["consent"] = True
    return out


def widget_msg(kind: str, content: dict, channel: str = "shell") -> dict:
    """A Jupyter message as a widget front end sends it over the websocket."""
    return {"header": {"msg_id": uuid.uuid4().hex, "msg_type": kind, "session": "s",
                       "username": "", "version": "5.2", "date": ""}, "parent_header": {},
            "metadata": {}, "channel": channel, "content": content, "buffers": []}


def binary_frame(msg: dict, *buffers: bytes, count: int | None = None) -> bytes:
    """A frame in Solara's binary layout (count, offsets, JSON, buffers).

    ``count`` overrides the declared number of parts (hostile frames).
    """
    parts = [json.dumps(msg).encode(), *buffers]
    n = len(parts)
    offsets = [4 * (n + 1)]
    for part in parts[:-1]:
        offsets.append(offsets[-1] + len(part))
    return struct.pack(f"!{n + 1}I", n if count is None else count, *offsets) + b"".join(parts)


@contextmanager
def pg_schema(engine: Any, url: str, prefix: str = "t") -> Iterator[str]:
    """A fresh PostgreSQL schema for one test; yields a URL whose search path is it.

    The schema and everything in it are dropped afterwards.
    """
    import sqlalchemy as sa

    schema = f"{prefix}_{secrets.token_hex(6)}"
    with engine.begin() as conn:
        conn.execute(sa.text(f"CREATE SCHEMA {schema}"))
    try:
        yield f"{url}{'&' if '?' in url else '?'}options=-csearch_path%3D{schema}"
    finally:
        with engine.begin() as conn:
            conn.execute(sa.text(f"DROP SCHEMA {schema} CASCADE"))


# ---------------------------------------------------------------- QR codes (zbarimg)
ZBAR = shutil.which("zbarimg")
needs_zbar = pytest.mark.skipif(ZBAR is None and os.environ.get("CI") != "true",
                                reason="zbarimg (zbar-tools) not installed")

def decode_matrix(matrix: np.ndarray, tmp_path: Path, scale: int = 6) -> str:
    """zbarimg's reading of a 0/1 module matrix (1 = dark), drawn with a quiet zone."""
    m = np.pad(matrix.astype(bool), 4)
    img = np.where(np.kron(m, np.ones((scale, scale), dtype=bool)), 0, 255).astype(np.uint8)
    path = tmp_path / "qr.pgm"
    path.write_bytes(f"P5 {img.shape[1]} {img.shape[0]} 255\n".encode() + img.tobytes())
    assert ZBAR is not None, "zbarimg missing (apt-get install zbar-tools)"
    out = subprocess.run([ZBAR, "--raw", "-q", str(path)], capture_output=True, text=True,
                         timeout=120)
    assert out.returncode == 0, out.stderr
    return out.stdout.rstrip("\n")


def svg_matrix(svg: str) -> np.ndarray:
    """Module matrix from segno's SVG path (``M x y`` then ``h n`` strokes and ``m dx dy`` moves)."""
    size = int(re.search(r'd="M0 0h(\d+)v', svg).group(1))
    d = re.search(r'class="qrline"[^>]*d="([^"]+)"', svg).group(1)
    m = np.zeros((size, size), dtype=bool)
    x = y = 0.0
    for cmd, args in re.findall(r"([Mmh])([-\d. ]+)", d):
        nums = [float(v) for v in args.split()]
        if cmd == "M":
            x, y = nums
        elif cmd == "m":
            x, y = x + nums[0], y + nums[1]
        else:
            m[int(y), int(x):int(x + nums[0])] = True
            x += nums[0]
    return m


def terminal_matrix(text: str) -> np.ndarray:
    """Module matrix from the compact terminal drawing (two rows per character line)."""
    top = {"█": 1, "▀": 1, "▄": 0, " ": 0}
    bottom = {"█": 1, "▀": 0, "▄": 1, " ": 0}
    lines = [ln for ln in text.splitlines() if ln.strip()]
    rows = []
    for ln in lines:
        rows.append([top[c] for c in ln])
        rows.append([bottom[c] for c in ln])
    # segno draws light modules as the block (dark background terminal): invert
    return ~np.array(rows, dtype=bool)
