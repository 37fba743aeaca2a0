"""Static files as a CDN serves them: fingerprinted, compressed once, cached for good.

At start-up every file of ``netsoc/assets/form/`` (and each generated file,
such as the instrument description per language) gets a name with the first
12 hex digits of its SHA-256 (``form.3f2a9c1b0d4e.js``), is compressed once
with gzip and brotli, and is then served from memory with
``Cache-Control: public, max-age=31536000, immutable`` and an ETag.  A
request never compresses anything.
"""

from __future__ import annotations

import gzip
import hashlib
import mimetypes
from dataclasses import dataclass
from importlib import resources

from starlette.requests import Request
from starlette.responses import Response

__all__ = ["Asset", "AssetStore", "FORM_FILES", "IMMUTABLE"]

#: The front-end files of the form (in netsoc/assets/form/).
FORM_FILES = ("form.js", "form.css", "page.js")
IMMUTABLE = "public, max-age=31536000, immutable"
_TYPES = {
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".json": "application/json",
    ".svg": "image/svg+xml",
}


@dataclass(frozen=True)
class Asset:
    """One file in memory, in each encoding."""

    name: str
    content_type: str
    identity: bytes
    gzip: bytes
    br: bytes | None
    etag: str


def _compress(data: bytes) -> tuple[bytes, bytes | None]:
    gz = gzip.compress(data, compresslevel=9, mtime=0)
    try:
        import brotli
    except ImportError:  # declared in pyproject; gzip alone still works
        return gz, None
    return gz, brotli.compress(data, quality=11)


class AssetStore:
    """The fingerprinted files of one server process.

    Parameters
    ----------
    prefix : str
        The URL path the files are served under (``/static/``).
    """

    def __init__(self, prefix: str = "/static/") -> None:
        self.prefix = prefix
        self._by_name: dict[str, Asset] = {}
        self._urls: dict[str, str] = {}

    def add(self, logical: str, data: bytes) -> str:
        """Add a file under its fingerprinted name; return its URL."""
        digest = hashlib.sha256(data).hexdigest()
        stem, dot, ext = logical.rpartition(".")
        name = f"{stem}.{digest[:12]}.{ext}" if dot else f"{logical}.{digest[:12]}"
        ctype = _TYPES.get("." + ext) or mimetypes.guess_type(logical)[0] or "application/octet-stream"
        gz, br = _compress(data)
        self._by_name[name] = Asset(name, ctype, data, gz, br, f'"{digest[:32]}"')
        self._urls[logical] = self.prefix + name
        return self._urls[logical]

    def add_package_files(self, folder: str = "assets/form", names: tuple[str, ...] = FORM_FILES) -> None:
        """Add the form's JavaScript and CSS files from the installed package."""
        root = resources.files("netsoc").joinpath(folder)
        for n in names:
            self.add(n, root.joinpath(n).read_bytes())

    def url(self, logical: str) -> str:
        """The fingerprinted URL of a file added as ``logical``."""
        return self._urls[logical]

    def response(self, request: Request, name: str) -> Response:
        """The file in the best encoding the client accepts (404 if unknown)."""
        asset = self._by_name.get(name)
        if asset is None:
            return Response("Not found", status_code=404, media_type="text/plain")
        headers = {"Cache-Control": IMMUTABLE, "ETag": asset.etag, "Vary": "Accept-Encoding"}
        if request.headers.get("if-none-match") == asset.etag:
            return Response(status_code=304, headers=headers)
        accepted = request.headers.get("accept-encoding", "")
        body = asset.identity
        if asset.br is not None and "br" in accepted:
            body, headers["Content-Encoding"] = asset.br, "br"
        elif "gzip" in accepted:
            body, headers["Content-Encoding"] = asset.gzip, "gzip"
        return Response(body, media_type=asset.content_type, headers=headers)
