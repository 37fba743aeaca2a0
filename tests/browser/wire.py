"""A lean HTTP/1.1 client for the load generator: one kept-alive connection, as a phone holds.

bench/bench_room.py simulates up to thousands of phones in one process on the
same two cores as the server.  httpx spends about a millisecond of CPU per
request in the generator (more than the server spends answering it), which
made the generator, not the server, the bottleneck of the room benchmark.
:class:`WireClient` speaks just what a browser speaks to the survey server
(GET and POST, keep-alive, ``Content-Length`` or chunked bodies, gzip/brotli)
over asyncio streams, and counts the exact bytes on the wire.  It answers to
the part of httpx's interface :class:`tests.browser.protocol.HttpParticipant`
uses, so the tests (httpx, in process) and the benchmark (this, over TCP)
drive the same participant.
"""

from __future__ import annotations

import asyncio
import json as jsonlib
import zlib
from typing import Any
from urllib.parse import urlsplit

import brotli

__all__ = ["WireClient", "WireResponse", "WireError"]

_MAX_HEAD = 64 * 1024


class WireError(ConnectionError):
    """The connection closed or broke before a whole response arrived."""


class _Headers:
    """Response headers: ``raw`` pairs as sent, ``get`` by lower-case name."""

    def __init__(self, raw: list[tuple[bytes, bytes]]) -> None:
        self.raw = raw
        self._map = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in raw}

    def get(self, name: str, default: str | None = None) -> str | None:
        return self._map.get(name.lower(), default)

    def __getitem__(self, name: str) -> str:
        return self._map[name.lower()]

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and name.lower() in self._map


class WireResponse:
    """A whole response: status, headers, the decoded body and what it cost on the wire."""

    def __init__(self, status: int, headers: _Headers, body: bytes, wire_bytes: int) -> None:
        self.status_code, self.headers = status, headers
        self.num_bytes_downloaded = len(body)  # the body as sent (compressed), as httpx counts it
        self.wire_bytes = wire_bytes  # status line, headers and body
        encoding = (headers.get("content-encoding") or "").strip().lower()
        if encoding == "br":
            body = brotli.decompress(body)
        elif encoding == "gzip":
            body = zlib.decompress(body, 16 + zlib.MAX_WBITS)
        self.content = body

    @property
    def text(self) -> str:
        return self.content.decode("utf-8")

    def json(self) -> Any:
        return jsonlib.loads(self.content)


class WireClient:
    """One HTTP/1.1 connection to one server, reopened when the server closed it.

    Parameters
    ----------
    timeout : float
        Seconds for connecting and for each whole response.
    local_address : str, optional
        Source address to bind (another loopback address stands for another client).
    """

    def __init__(self, *, timeout: float = 60.0, local_address: str | None = None) -> None:
        self.timeout, self.local_address = timeout, local_address
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None
        self._peer: tuple[str, int] | None = None
        self.connections = 0

    async def __aenter__(self) -> WireClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        w, self._reader, self._writer = self._writer, None, None
        if w is not None:
            w.close()
            try:
                await w.wait_closed()
            except OSError:
                pass

    async def _connection(self, host: str, port: int) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        fresh = (
            self._writer is None
            or self._reader is None
            or self._peer != (host, port)
            or self._writer.is_closing()
            or self._reader.at_eof()
        )
        if fresh:
            await self.aclose()
            local = (self.local_address, 0) if self.local_address else None
            try:
                self._reader, self._writer = await asyncio.wait_for(
                    asyncio.open_connection(host, port, local_addr=local, limit=_MAX_HEAD), self.timeout
                )
            except (TimeoutError, OSError) as exc:
                raise WireError(f"cannot connect to {host}:{port}: {exc}") from exc
            self._peer = (host, port)
            self.connections += 1
        assert self._reader is not None and self._writer is not None
        return self._reader, self._writer

    async def get(self, url: str, headers: dict[str, str] | None = None) -> WireResponse:
        return await self.request("GET", url, headers=headers)

    async def post(
        self,
        url: str,
        *,
        json: Any = None,
        content: bytes | None = None,
        headers: dict[str, str] | None = None,
    ) -> WireResponse:
        if json is not None:
            content = jsonlib.dumps(json, separators=(",", ":")).encode()
            headers = {**(headers or {}), "Content-Type": "application/json"}
        return await self.request("POST", url, body=content or b"", headers=headers)

    async def request(
        self, method: str, url: str, *, body: bytes = b"", headers: dict[str, str] | None = None
    ) -> WireResponse:
        """Send one request and read its whole response.

        Raises
        ------
        WireError
            The connection broke (the caller decides whether to send again).
        """
        parts = urlsplit(url)
        host, port = parts.hostname or "127.0.0.1", parts.port or 80
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        reader, writer = await self._connection(host, port)
        lines = [f"{method} {target} HTTP/1.1", f"Host: {parts.netloc}", "Connection: keep-alive"]
        lines += [f"{k}: {v}" for k, v in (headers or {}).items()]
        if method != "GET" or body:
            lines.append(f"Content-Length: {len(body)}")
        try:
            writer.write(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body)
            return await asyncio.wait_for(self._response(reader), self.timeout)
        except (TimeoutError, OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError) as exc:
            await self.aclose()
            raise WireError(f"{method} {target}: {type(exc).__name__} {exc}") from exc

    async def _response(self, reader: asyncio.StreamReader) -> WireResponse:
        head = await reader.readuntil(b"\r\n\r\n")
        status_line, *header_lines = head[:-4].split(b"\r\n")
        status = int(status_line.split(b" ", 2)[1])
        raw = [tuple(h.split(b":", 1)) for h in header_lines if b":" in h]
        headers = _Headers([(k.strip(), v.strip()) for k, v in raw])
        size = len(head)
        if (headers.get("transfer-encoding") or "").lower() == "chunked":
            chunks = []
            while True:
                line = await reader.readuntil(b"\r\n")
                n = int(line.split(b";", 1)[0], 16)
                data = await reader.readexactly(n + 2)
                size += len(line) + len(data)
                if n == 0:
                    break
                chunks.append(data[:-2])
            body = b"".join(chunks)
        else:
            body = await reader.readexactly(int(headers.get("content-length") or 0))
            size += len(body)
        if (headers.get("connection") or "").lower() == "close":
            await self.aclose()
        return WireResponse(status, headers, body, size)
