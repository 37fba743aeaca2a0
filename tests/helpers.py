"""Small builders shared by several test files."""

from __future__ import annotations

import json
import secrets
import struct
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any


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
