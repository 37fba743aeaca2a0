"""The signed token a participant's browser keeps: where they are, without server memory.

A token is ``base64url(JSON claims) + "." + base64url(HMAC-SHA256)``.  Any worker
with the same secret can read it, so no request has to reach the worker that
wrote it (no sticky sessions).  Nothing in it is secret from its holder (the
resume code is theirs anyway); the signature only stops forgery: a browser
cannot claim another page, another browser id or another workshop.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
from typing import Any

__all__ = ["sign", "verify", "new_secret", "TokenError", "MAX_TOKEN_LENGTH"]

#: Longer tokens are refused before any work is done.
MAX_TOKEN_LENGTH = 1024


class TokenError(ValueError):
    """The token is malformed or its signature does not match."""


def new_secret() -> str:
    """A random signing secret (32 bytes, URL-safe text)."""
    return secrets.token_urlsafe(32)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _mac(secret: str, body: str) -> str:
    return _b64(hmac.new(secret.encode(), body.encode("ascii"), hashlib.sha256).digest()[:18])


def sign(claims: dict[str, Any], secret: str) -> str:
    """The token for ``claims`` (a JSON-safe dict)."""
    body = _b64(json.dumps(claims, separators=(",", ":"), sort_keys=True).encode())
    return f"{body}.{_mac(secret, body)}"


def verify(token: str, secret: str) -> dict[str, Any]:
    """The claims of a token signed with ``secret``.

    Raises
    ------
    TokenError
        Too long, malformed, or not signed with ``secret``.
    """
    if not isinstance(token, str) or len(token) > MAX_TOKEN_LENGTH or token.count(".") != 1:
        raise TokenError("malformed token")
    body, mac = token.split(".")
    if not hmac.compare_digest(mac, _mac(secret, body)):
        raise TokenError("the token's signature does not match")
    try:
        claims = json.loads(_unb64(body))
    except ValueError as exc:
        raise TokenError("malformed token") from exc
    if not isinstance(claims, dict):
        raise TokenError("malformed token")
    return claims
