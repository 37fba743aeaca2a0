"""QR codes of the survey address, so a room can join from phones.

segno draws the code (pure Python: no network, no Pillow).

- :func:`survey_address` - the address participants open, workshop code included.
- :func:`short_address` - the same without scheme and ``www.``, for reading aloud.
- :func:`qr_svg` - an inline ``<svg role="img">`` of the code for a web page.
- :func:`qr_terminal` - the code drawn with block characters for a terminal.
- :func:`echo_with_qr` - print a server's start-up line plus the QR code of its
  address (``netsoc survey --public``).
"""

from __future__ import annotations

import html
import io
import re
import socket
import sys
from collections.abc import Callable
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import segno

__all__ = ["survey_address", "short_address", "qr_svg", "qr_terminal", "echo_with_qr", "reachable_host"]

_URL = re.compile(r"https?://\S+")
_ANY = {"0.0.0.0", "::", ""}


def reachable_host() -> str:
    """This machine's address on its outgoing network interface.

    Uses a UDP socket's routing decision (``connect`` on UDP sends nothing);
    falls back to the host name.
    """
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.connect(("192.0.2.1", 9))  # TEST-NET-1: routed, never contacted
            return s.getsockname()[0]
    except OSError:
        return socket.gethostname()


def survey_address(base: str, cohort: str | None = None) -> str:
    """The address participants open: ``base`` with ``?cohort=`` set.

    A wildcard host (``0.0.0.0``) is replaced by :func:`reachable_host`, and
    other query parameters (the access token) are kept.

    Examples
    --------
    >>> survey_address("http://127.0.0.1:8866/", "WS-2026")
    'http://127.0.0.1:8866/?cohort=WS-2026'
    """
    parts = urlsplit(base)
    netloc = parts.netloc
    if parts.hostname in _ANY or parts.hostname is None:
        netloc = reachable_host() + (f":{parts.port}" if parts.port else "")
    query = dict(parse_qsl(parts.query, keep_blank_values=True))
    if cohort:
        query["cohort"] = cohort
    return urlunsplit((parts.scheme or "http", netloc, parts.path or "/", urlencode(query), ""))


def short_address(url: str) -> str:
    """``url`` without the scheme, ``www.`` and a trailing ``/`` before the query."""
    parts = urlsplit(url)
    host = parts.netloc.removeprefix("www.")
    path = "" if parts.path in ("", "/") else parts.path
    return host + path + (f"?{parts.query}" if parts.query else "")


def _qr(url: str) -> segno.QRCode:
    if not isinstance(url, str) or not url:
        from survey.errors import DataError

        raise DataError(f"url: expected a non-empty address, got {url!r}")
    return segno.make_qr(url, error="m")


def qr_svg(url: str, *, scale: int = 8, title: str | None = None, fit: bool = False) -> str:
    """An inline SVG of the QR code of ``url``, accessible as an image.

    Parameters
    ----------
    url : str
        What the code holds.
    scale : int, default 8
        Pixels per module.
    title : str, optional
        Accessible name (default ``"QR code: <url>"``).
    fit : bool, default False
        Leave out the fixed width and height (a ``viewBox`` only), so the code
        grows with the size the page gives it (the projector's join screen).

    Returns
    -------
    str
        ``<svg role="img" aria-label=...>`` without XML declaration, ready to
        put into HTML.
    """
    buf = io.BytesIO()
    _qr(url).save(
        buf,
        kind="svg",
        scale=scale,
        border=4,
        xmldecl=False,
        svgns=True,
        nl=False,
        dark="#000",
        light="#fff",
        omitsize=fit,
    )
    svg = buf.getvalue().decode("utf-8")
    label = html.escape(title if title is not None else f"QR code: {url}", quote=True)
    return svg.replace("<svg ", f'<svg role="img" aria-label="{label}" ', 1)


def qr_terminal(url: str, *, compact: bool = True) -> str:
    """The QR code of ``url`` drawn for a terminal (segno's terminal output)."""
    buf = io.StringIO()
    _qr(url).terminal(out=buf, compact=compact, border=2)
    return buf.getvalue()


def echo_with_qr(line: str, *, echo: Callable[[str], None] = print) -> None:
    """Print a start-up ``line`` and, for the address in it, the QR code and short address.

    Used as the ``echo`` of ``netsoc survey --public``.
    """
    echo(line)
    match = _URL.search(line)
    if not match:
        return
    url = survey_address(match.group(0))
    echo(f"Participants join at: {url}")
    echo(qr_terminal(url))
    echo(f"(short: {short_address(url)})")
    if hasattr(sys.stdout, "flush"):
        sys.stdout.flush()
