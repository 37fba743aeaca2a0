"""What keeps a room going across restarts: its signing secret, access token and join code.

A workshop's server signs every participant's token with a secret, lets phones
in with an access token (in the join address and QR code), and shows a 7-digit
join code people can type on the survey's start page.  All three are kept with
the cohort in the store (``cohort_settings``, see :mod:`survey.store.tables`),
made on first use inside one write transaction, and the same after any restart
or crash, so a restarted server reads every phone's token, the projected QR code
still works and nobody starts again.  :func:`room_keys` with ``rotate=True``
(``--new-token``) draws a new access token and join code (the secret stays, so
phones already in keep going; the old join address and code stop working).

Random values come from :mod:`secrets`; a join code is unique in the store.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from survey.store.checks import check_cohort, utcnow
from survey.store.tables import cohort_settings

if TYPE_CHECKING:  # pragma: no cover
    from survey.store.facade import ResponseStore

__all__ = [
    "RoomKeys",
    "dashboard_token",
    "room_keys",
    "cohort_of_join_code",
    "JOIN_CODE_DIGITS",
    "AccessMethods",
]

#: Digits of a join code (10 million codes: see docs/security.md for the guessing rate).
JOIN_CODE_DIGITS = 7


@dataclass(frozen=True)
class RoomKeys:
    """A cohort's keys: ``secret`` (signs participants' tokens), ``token`` (the access
    token of the join address) and ``join_code`` (7 digits, typed on the start page)."""

    secret: str
    token: str
    join_code: str


def dashboard_token(keys: RoomKeys) -> str:
    """The facilitator's dashboard token of a room: kept across restarts with the keys it
    comes from, new with ``--new-token``, and not computable from the join address.

    An HMAC of the access token under the signing secret (which never leaves the server),
    so the projector's and the controls' addresses survive a restart of the workshop.

    Examples
    --------
    >>> keys = RoomKeys("s" * 43, "t" * 22, "1234567")
    >>> dashboard_token(keys) == dashboard_token(keys) != keys.token
    True
    >>> len(dashboard_token(keys))
    22
    """
    mac = hmac.new(keys.secret.encode(), b"dashboard:" + keys.token.encode(), hashlib.sha256)
    return base64.urlsafe_b64encode(mac.digest()).decode()[:22]


def _new_code() -> str:
    return f"{secrets.randbelow(10**JOIN_CODE_DIGITS):0{JOIN_CODE_DIGITS}d}"


def _free_code(conn: Connection) -> str:
    """A join code no cohort holds (drawn again on the rare clash)."""
    taken = sa.select(cohort_settings.c.cohort).where(cohort_settings.c.join_code == sa.bindparam("c"))
    while True:
        code = _new_code()
        if conn.execute(taken, {"c": code}).first() is None:
            return code


def room_keys(store: ResponseStore, cohort: str | None, *, rotate: bool = False) -> RoomKeys:
    """The cohort's keys, made and stored on first use (the same for every later call).

    Parameters
    ----------
    store : ResponseStore
    cohort : str or None
        The workshop code (``None``: a server without one).
    rotate : bool, default False
        Draw a new access token and join code (``--new-token``); the signing
        secret is kept.

    Returns
    -------
    RoomKeys

    Raises
    ------
    ResponseValidationError
        ``cohort`` is not a valid code.
    StoreError
        The store refused the write.
    """
    key = "" if cohort is None else str(check_cohort(cohort, store.instrument))  # "": no code
    c = cohort_settings.c

    def work(conn: Connection) -> RoomKeys:
        row = conn.execute(
            sa.select(c.signing_secret, c.access_token, c.join_code).where(c.cohort == key)
        ).first()
        secret = (row and row.signing_secret) or secrets.token_urlsafe(32)
        token = (not rotate and row and row.access_token) or secrets.token_urlsafe(16)
        code = (not rotate and row and row.join_code) or _free_code(conn)
        keys = RoomKeys(secret, token, code)
        if row is not None and (row.signing_secret, row.access_token, row.join_code) == (
            secret,
            token,
            code,
        ):
            return keys
        values = {"signing_secret": secret, "access_token": token, "join_code": code, "updated_at": utcnow()}
        if row is None:
            conn.execute(cohort_settings.insert().values(cohort=key, collection_open=True, **values))
        else:
            conn.execute(cohort_settings.update().where(c.cohort == key).values(**values))
        return keys

    return store._db.write(work)  # a racing first start retries and reads the other's keys


def cohort_of_join_code(store: ResponseStore, code: str) -> tuple[str | None, str] | None:
    """The cohort (``None`` for no code) and access token a join code opens, else ``None``."""
    digits = "".join(ch for ch in str(code) if not ch.isspace())
    if len(digits) != JOIN_CODE_DIGITS or not digits.isdigit():
        return None
    c = cohort_settings.c
    with store._db.read() as conn:
        row = conn.execute(sa.select(c.cohort, c.access_token).where(c.join_code == digits)).first()
    if row is None:
        return None
    return (row.cohort or None), row.access_token or ""


class AccessMethods:
    """The functions of this module as methods of :class:`survey.store.ResponseStore`."""

    def room_keys(self, cohort: str | None, *, rotate: bool = False) -> RoomKeys:
        """See :func:`survey.store.access.room_keys`."""
        return room_keys(self, cohort, rotate=rotate)  # type: ignore[arg-type]

    def cohort_of_join_code(self, code: str) -> tuple[str | None, str] | None:
        """See :func:`survey.store.access.cohort_of_join_code`."""
        return cohort_of_join_code(self, code)  # type: ignore[arg-type]
