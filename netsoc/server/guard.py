"""The gate in front of Solara's ASGI app: what a visitor may reach and send.

:class:`NetsocGuard` wraps the Solara application and enforces, for every
HTTP request and websocket:

- **Only the app.**  The page (``/``), its static files, the widget
  websocket and the page's close call; everything else is 404 (the survey
  server serves the questionnaire and nothing else; Solara's ``/resourcez``
  and its CDN proxy are not reachable).
- **Token** (public mode).  Without the server's token (``?token=`` on the
  page, then an HttpOnly cookie) pages, static files and websockets get 403.
- **Room cap.**  With ``max_sessions`` live sessions, a new visitor gets a
  polite "the room is full" page (HTTP 503, ``Retry-After: 60``) and a new
  websocket is closed (1013, try again later); the others keep their speed.
- **Frames.**  Solara's websocket has one protocol: text frames are JSON
  Jupyter messages, binary frames carry a count and offsets of buffers.  Each
  frame is checked before Solara parses it: size, JSON shape, the message
  type (only the ones the widget front end sends), comm targets (a visitor
  cannot open widgets on the server), and for binary frames the buffer count
  and offsets.  A frame that does not fit closes that visitor's connection
  (1008); no other visitor notices.  A per-connection budget of messages per
  second stops floods.
- **Language.**  The page's ``<html lang>`` is the visitor's language, as
  the form negotiates it (:func:`survey.instrument.negotiate_language`:
  ``?lang=``, else the best ``Accept-Language`` match, else the default).
- **Zoom.**  The page's viewport allows zooming (Solara's template forbids it).
- Security headers on every response (no sniffing, no referrer, no framing
  by other sites).
"""

from __future__ import annotations

import hmac
import html
import json
import struct
import time
from collections.abc import Awaitable, Callable, Sequence
from http.cookies import SimpleCookie
from typing import Any
from urllib.parse import parse_qs

from netsoc.server.config import ServerConfig

__all__ = ["NetsocGuard", "check_frame", "FrameRefused", "live_sessions",
           "ROOM_FULL_HTML", "MAX_BUFFERS", "MAX_TEXT_BYTES", "ALLOWED_MSG_TYPES"]

Scope = dict[str, Any]
Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]

#: Message types the widget front end sends; anything else is refused.
ALLOWED_MSG_TYPES = frozenset({"kernel_info_request", "comm_info_request", "comm_msg",
                               "comm_close", "comm_open"})
#: Comm targets a visitor may open: Solara's own control channel only.
ALLOWED_COMM_TARGETS = frozenset({"solara.control"})
#: Buffers a binary frame may carry (the widget front end sends at most a few).
MAX_BUFFERS = 16
#: Largest text frame (JSON) accepted.
MAX_TEXT_BYTES = 256 * 1024
#: Messages per second a connection may send on average (burst: 10 s worth).
RATE_PER_S = 50.0
TOKEN_COOKIE = "netsoc-token"

ROOM_FULL_HTML = """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="refresh" content="60"><title>The room is full</title>
<style>body{font-family:system-ui,sans-serif;max-width:36em;margin:3em auto;padding:0 1em;
font-size:18px;line-height:1.5}</style></head>
<body class="netsoc-room-full"><h1>The room is full</h1>
<p>Too many people are answering right now. Please try again in a minute;
this page reloads by itself.</p></body></html>"""

FORBIDDEN_HTML = """<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>Access needs the link</title></head><body><h1>Please use the full link</h1>
<p>This page needs the link the facilitator gave you (it carries an access token).</p>
</body></html>"""

SECURITY_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"SAMEORIGIN"),
    (b"cross-origin-opener-policy", b"same-origin"),
]


class FrameRefused(ValueError):
    """A websocket frame that does not follow Solara's widget protocol."""


def check_frame(message: dict[str, Any]) -> None:
    """Check one incoming ``websocket.receive`` ASGI message; raise :class:`FrameRefused`.

    Parameters
    ----------
    message : dict
        With ``text`` (a JSON Jupyter message) or ``bytes`` (Solara's binary
        layout: big-endian uint32 count ``n``, ``n`` offsets, then the JSON
        message and its buffers).
    """
    text = message.get("text")
    data = message.get("bytes")
    if text is not None:
        if len(text) > MAX_TEXT_BYTES:
            raise FrameRefused(f"text frame of {len(text)} characters (limit {MAX_TEXT_BYTES})")
        _check_msg(_loads(text))
        return
    if data is None:
        raise FrameRefused("frame without text or bytes")
    n = len(data)
    if n < 8:
        raise FrameRefused(f"binary frame of {n} bytes is shorter than its header")
    (nbufs,) = struct.unpack_from("!I", data, 0)
    if not 1 <= nbufs <= MAX_BUFFERS + 1:
        raise FrameRefused(f"binary frame declares {nbufs} parts (limit {MAX_BUFFERS + 1})")
    header = 4 * (nbufs + 1)
    if n < header:
        raise FrameRefused(f"binary frame of {n} bytes is shorter than its {nbufs} offsets")
    offsets = struct.unpack_from(f"!{nbufs}I", data, 4)
    if offsets[0] != header or any(b < a for a, b in zip(offsets, offsets[1:])) \
            or offsets[-1] > n:
        raise FrameRefused("binary frame offsets are not increasing within the frame")
    end = offsets[1] if nbufs > 1 else n
    if end - offsets[0] > MAX_TEXT_BYTES:
        raise FrameRefused("binary frame's JSON part is too large")
    _check_msg(_loads(bytes(data[offsets[0]:end])))


def _loads(text: str | bytes) -> Any:
    try:
        return json.loads(text)
    except (ValueError, UnicodeDecodeError) as exc:
        raise FrameRefused(f"frame is not JSON: {str(exc)[:80]}") from None


def _check_msg(msg: Any) -> None:
    if not isinstance(msg, dict):
        raise FrameRefused("message is not a JSON object")
    header = msg.get("header")
    if not isinstance(header, dict) or not isinstance(header.get("msg_type"), str):
        raise FrameRefused("message without header.msg_type")
    kind = header["msg_type"]
    if kind not in ALLOWED_MSG_TYPES:
        raise FrameRefused(f"message type {kind[:40]!r} is not accepted")
    if msg.get("channel") not in ("shell", "control"):
        raise FrameRefused(f"channel {str(msg.get('channel'))[:40]!r} is not accepted")
    content = msg.get("content")
    if not isinstance(content, dict):
        raise FrameRefused("message without a content object")
    if kind.startswith("comm_") and kind != "comm_info_request" \
            and not isinstance(content.get("comm_id"), str):
        raise FrameRefused(f"{kind} without a comm_id")
    if kind == "comm_open" and content.get("target_name") not in ALLOWED_COMM_TARGETS:
        raise FrameRefused(f"comm_open for target {str(content.get('target_name'))[:40]!r} "
                           "is not accepted")


def live_sessions() -> int:
    """Virtual kernels alive in this process (one per open page, until culled)."""
    from solara.server import kernel_context

    return len(kernel_context.contexts)


def _in_cdn_cache(rel: str) -> bool:
    """Only files Solara's assets ship are served from its CDN path: a miss would
    make Solara download from the internet."""
    from pathlib import Path

    import solara.server.settings as ss

    base = Path(ss.assets.proxy_cache_dir).resolve()
    parts = rel.split("/")
    target = (base / rel) if len(parts) > 1 else (base / rel / "__main.js")
    try:
        target = target.resolve()
    except OSError:
        return False
    return target.is_file() and base in target.parents


class NetsocGuard:
    """ASGI middleware around Solara's app (see the module docstring)."""

    def __init__(self, app: Callable[..., Awaitable[None]], config: ServerConfig) -> None:
        self.app = app
        self.config = config
        from survey.instrument import load_instrument

        self.instrument = load_instrument()
        self.refused_frames = 0

    # ------------------------------------------------------------ helpers
    def _token_ok(self, scope: Scope) -> tuple[bool, bool]:
        """(allowed, token came in the query)."""
        token = self.config.token
        if not token:
            return True, False
        q = parse_qs(scope.get("query_string", b"").decode("latin-1"))
        given = (q.get("token") or [""])[0]
        if given and hmac.compare_digest(given.encode(), token.encode()):
            return True, True
        cookie = SimpleCookie()
        for k, v in scope.get("headers", []):
            if k == b"cookie":
                try:
                    cookie.load(v.decode("latin-1"))
                except Exception:  # noqa: BLE001 - a malformed cookie is no token
                    pass
        c = cookie.get(TOKEN_COOKIE)
        return bool(c and hmac.compare_digest(c.value.encode(), token.encode())), False

    @staticmethod
    def _allowed_path(path: str) -> bool:
        if ".." in path:
            return False
        if path == "/" or path.startswith(("/static/", "/jupyter/nbextensions/")):
            return True
        if path.startswith("/_solara/cdn/"):
            return _in_cdn_cache(path[len("/_solara/cdn/"):])
        return path.startswith("/_solara/api/close/") or path in ("/readyz", "/_netsoc/sessions")

    async def _respond(self, send: Send, status: int, body: str,
                       extra: Sequence[tuple[bytes, bytes]] = ()) -> None:
        data = body.encode("utf-8")
        await send({"type": "http.response.start", "status": status, "headers": [
            (b"content-type", b"text/html; charset=utf-8"),
            (b"content-length", str(len(data)).encode()), (b"cache-control", b"no-store"),
            *SECURITY_HEADERS, *extra]})
        await send({"type": "http.response.body", "body": data})

    # --------------------------------------------------------------- ASGI
    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        kind = scope["type"]
        if kind == "lifespan":
            await self.app(scope, receive, send)
        elif kind == "http":
            await self._http(scope, receive, send)
        elif kind == "websocket":
            await self._websocket(scope, receive, send)

    async def _http(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        if not self._allowed_path(path):
            await self._respond(send, 404, "<!doctype html><title>Not found</title><p>Not found.</p>")
            return
        ok, in_query = self._token_ok(scope)
        if not ok and path != "/readyz":
            await self._respond(send, 403, FORBIDDEN_HTML)
            return
        if path == "/_netsoc/sessions":
            body = json.dumps({"live": live_sessions(), "max": self.config.max_sessions,
                               "refused_frames": self.refused_frames}).encode()
            await send({"type": "http.response.start", "status": 200, "headers": [
                (b"content-type", b"application/json"), (b"cache-control", b"no-store"),
                *SECURITY_HEADERS]})
            await send({"type": "http.response.body", "body": body})
            return
        if path != "/":
            await self.app(scope, receive, self._with_headers(send))
            return
        if live_sessions() >= self.config.max_sessions:
            await self._respond(send, 503, ROOM_FULL_HTML, [(b"retry-after", b"60")])
            return
        extra: list[tuple[bytes, bytes]] = []
        if in_query and self.config.token:
            extra.append((b"set-cookie", f"{TOKEN_COOKIE}={self.config.token}; Path=/; "
                          "HttpOnly; SameSite=Strict".encode()))
        await self._page(scope, receive, send, extra)

    def _with_headers(self, send: Send, extra: Sequence[tuple[bytes, bytes]] = ()) -> Send:
        async def wrapped(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                message = {**message, "headers": [*message.get("headers", []),
                                                  *SECURITY_HEADERS, *extra]}
            await send(message)
        return wrapped

    async def _page(self, scope: Scope, receive: Receive, send: Send,
                    extra: Sequence[tuple[bytes, bytes]]) -> None:
        """The page, with ``<html lang>`` set for this visitor (body rewritten, not gzipped)."""
        headers = [(k, v) for k, v in scope.get("headers", []) if k != b"accept-encoding"]
        accept = next((v.decode("latin-1") for k, v in headers if k == b"accept-language"), None)
        q = parse_qs(scope.get("query_string", b"").decode("latin-1"))
        from survey.instrument import negotiate_language

        if self.config.kind == "dashboard":  # the facilitator's language (--lang)
            lang = self.config.lang or self.instrument.default_language
        else:
            lang = negotiate_language(self.instrument, (q.get("lang") or [None])[0], accept)
        start: dict[str, Any] = {}
        chunks: list[bytes] = []

        async def capture(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                start.update(message)
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))
                if not message.get("more_body"):
                    body = b"".join(chunks)
                    if start.get("status") == 200:
                        body = body.replace(b"<html>", f'<html lang="{html.escape(lang)}">'.encode(),
                                            1)
                        # let people zoom (WCAG 1.4.4): Solara's template forbids it
                        body = body.replace(b", maximum-scale=1, user-scalable=no, minimal-ui", b"", 1)
                    hdrs = [(k, v) for k, v in start.get("headers", [])
                            if k.lower() != b"content-length"]
                    hdrs += [(b"content-length", str(len(body)).encode()), *SECURITY_HEADERS,
                             *extra]
                    await send({**start, "headers": hdrs})
                    await send({"type": "http.response.body", "body": body})

        await self.app({**scope, "headers": headers}, receive, capture)

    async def _websocket(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        parts = path.strip("/").split("/")
        ok, _ = self._token_ok(scope)
        valid = (len(parts) == 5 and parts[:3] == ["jupyter", "api", "kernels"]
                 and parts[4] == "channels")
        if not (ok and valid):
            await send({"type": "websocket.close", "code": 1008})
            return
        from solara.server import kernel_context

        if parts[3] not in kernel_context.contexts and live_sessions() >= self.config.max_sessions:
            await send({"type": "websocket.close", "code": 1013})
            return
        budget = [RATE_PER_S * 10, time.monotonic()]
        closed = [False]

        async def guarded_receive() -> dict[str, Any]:
            message = await receive()
            if message["type"] != "websocket.receive":
                return message
            now = time.monotonic()
            budget[0] = min(RATE_PER_S * 10, budget[0] + (now - budget[1]) * RATE_PER_S) - 1
            budget[1] = now
            try:
                if budget[0] < 0:
                    raise FrameRefused("more messages per second than a person sends")
                check_frame(message)
            except FrameRefused:
                self.refused_frames += 1
                if not closed[0]:
                    closed[0] = True
                    try:
                        await send({"type": "websocket.close", "code": 1008})
                    except Exception:  # noqa: BLE001 - already gone
                        pass
                return {"type": "websocket.disconnect", "code": 1008}
            return message

        async def guarded_send(message: dict[str, Any]) -> None:
            if closed[0] and message["type"] in ("websocket.send", "websocket.close"):
                return
            await send(message)

        await self.app(scope, guarded_receive, guarded_send)
