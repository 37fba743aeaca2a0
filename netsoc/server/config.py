"""What one netsoc server process serves: :class:`ServerConfig`.

The command line builds a config, checks it (:meth:`ServerConfig.check`) and
hands it to the server process as JSON on its command line
(``python -m netsoc.server '<json>'``), so no setting travels through
environment variables.  Inside the process the config is read once at start
(:func:`set_config`) and is the same for every visitor; everything that
differs per visitor (``?cohort=``, ``?lang=``, ``Accept-Language``) comes from
the visitor's own request.
"""

from __future__ import annotations

import ipaddress
import json
from dataclasses import asdict, dataclass, fields

from survey.errors import NetsocError

__all__ = ["ServerConfig", "set_config", "get_config", "LOOPBACK", "is_loopback", "KINDS"]

LOOPBACK = "127.0.0.1"
KINDS = ("survey", "dashboard")


def is_loopback(ip: str) -> bool:
    """True for ``localhost`` and loopback addresses (127.0.0.0/8, ::1)."""
    if ip == "localhost":
        return True
    try:
        return ipaddress.ip_address(ip).is_loopback
    except ValueError:
        return False


def _whole(value: object) -> bool:
    """True for an ``int`` that is not a ``bool`` (JSON and callers may pass either)."""
    return isinstance(value, int) and not isinstance(value, bool)


@dataclass(frozen=True)
class ServerConfig:
    """Settings of one server process (the same for every visitor).

    Attributes
    ----------
    kind : {"survey", "dashboard"}
        What the process serves; the survey server serves nothing else.
    db : str or None
        Store path or URL (None: ``NETSOC_DB`` / the default store).
    cohort : str or None
        Workshop code set by the facilitator; it wins over ``?cohort=``.
    min_group_size : int
        k for the dashboard and the feedback's cohort comparison.
    group_field : str or None
        The dashboard's comparison field.
    interval : float
        Seconds between dashboard refreshes.
    port : int
    ip : str
        Loopback unless ``public`` and ``token``.
    public : bool
    token : str or None
        Visitors must bring it (``?token=`` once; a cookie afterwards).
    max_sessions : int
        Live sessions at most; the next visitor gets "the room is full" (503).
    session_timeout : float
        Seconds a session survives after its page disconnected.
    lang : str or None
        The dashboard's language (``netsoc dashboard --lang``; None: the default).
    survey_url : str or None
        The survey address the dashboard shows as a QR code (``--survey-url``).
    secret : str or None
        The survey server's token-signing secret, the same in every worker
        (random at start when not given; never on a command line).
    trusted_proxies : tuple of str
        Addresses or networks of reverse proxies whose ``X-Forwarded-For``
        names the client (``--trusted-proxy``); empty: the peer is the client.
    client_rate : float
        Budget units a second each client earns (a message costs 2, the
        page 1, a file 0.2; a client can save up twenty seconds' worth); 0
        turns the per-client budgets off.  A client is a browser (the signed
        token its messages carry), or an address for requests without one
        (the page and its files).
    address_rate : float
        The ceiling for one address over all its browsers' messages (units a
        second, twenty seconds' worth saved up): far above one phone, so a room
        behind one venue address (NAT) fits, but one machine flooding with many
        tokens is stopped.
    draft_days : float
        Unfinished drafts not changed for this many days are deleted (at start and
        then hourly); 0 keeps them until ``netsoc purge``.
    join_code : str or None
        The cohort's 7-digit join code (kept in the store): typed on the start
        page ``/``, it lets a phone in as the access token does.
    client_connections : int
        Connections one client address may hold open at once (a phone uses
        one to six, and a whole room may share one venue address); the next is
        closed at once.  Trusted proxies are exempt; 0 turns the cap off.
    """

    kind: str = "survey"
    db: str | None = None
    cohort: str | None = None
    min_group_size: int = 5
    group_field: str | None = "role"
    interval: float = 3.0
    port: int = 8866
    ip: str = LOOPBACK
    public: bool = False
    token: str | None = None
    max_sessions: int = 400
    session_timeout: float = 60.0
    lang: str | None = None
    survey_url: str | None = None
    secret: str | None = None
    trusted_proxies: tuple[str, ...] = ()
    client_rate: float = 50.0
    client_connections: int = 1024
    address_rate: float = 1000.0
    join_code: str | None = None
    draft_days: float = 7.0

    def check(self) -> ServerConfig:
        """Raise :class:`NetsocError` naming the first bad setting; return self."""
        self._check_address()
        self._check_limits()
        from netsoc.server.limits import parse_proxies

        try:
            parse_proxies(self.trusted_proxies)
        except ValueError as exc:
            raise NetsocError(str(exc)) from exc
        return self

    def _check_address(self) -> None:
        """Which server, on which port and address (off loopback only in public with a token)."""
        if self.kind not in KINDS:
            raise NetsocError(f"kind: expected one of {', '.join(KINDS)}, got {self.kind!r}")
        if not _whole(self.port) or not 0 < self.port < 65536:
            raise NetsocError(f"port: expected a number between 1 and 65535, got {self.port!r}")
        if not is_loopback(self.ip):
            if not self.public:
                raise NetsocError(
                    f"ip: {self.ip!r} is not loopback; serving to other machines needs --public and a token"
                )
            if not self.token:
                raise NetsocError(f"ip: serving on {self.ip!r} (public) requires a token")

    def _check_limits(self) -> None:
        """Sessions, time-outs, rates, connections and draft retention within their ranges."""
        if not _whole(self.max_sessions) or self.max_sessions < 1:
            raise NetsocError(
                f"max_sessions: expected a whole number of at least 1, got {self.max_sessions!r}"
            )
        if not 1 <= float(self.session_timeout) <= 3600:
            raise NetsocError(f"session_timeout: expected 1 to 3600 seconds, got {self.session_timeout!r}")
        if not 0 <= float(self.client_rate) <= 10_000:
            raise NetsocError(f"client_rate: expected 0 to 10000 units a second, got {self.client_rate!r}")
        if not 0 <= float(self.draft_days) <= 3650:
            raise NetsocError(f"draft_days: expected 0 (keep) to 3650 days, got {self.draft_days!r}")
        if not 0 <= float(self.address_rate) <= 1_000_000:
            raise NetsocError(
                f"address_rate: expected 0 to 1000000 units a second, got {self.address_rate!r}"
            )
        if not _whole(self.client_connections) or not 0 <= self.client_connections <= 100_000:
            raise NetsocError(
                "client_connections: expected a whole number from 0 to 100000, "
                f"got {self.client_connections!r}"
            )

    def to_json(self) -> str:
        return json.dumps(asdict(self))

    @classmethod
    def from_json(cls, text: str) -> ServerConfig:
        raw = json.loads(text)
        if isinstance(raw.get("trusted_proxies"), list):
            raw["trusted_proxies"] = tuple(raw["trusted_proxies"])
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(raw) - known)
        if unknown:
            raise NetsocError(f"server config: unknown settings {', '.join(unknown)}")
        return cls(**raw).check()


_CONFIG: list[ServerConfig] = []


def set_config(config: ServerConfig) -> None:
    """Fix the process's config (once, before the server starts)."""
    _CONFIG[:] = [config.check()]


def get_config() -> ServerConfig:
    """The process's config (set by :func:`set_config`)."""
    if not _CONFIG:
        raise NetsocError("no server config: start the server with netsoc survey/dashboard")
    return _CONFIG[0]
