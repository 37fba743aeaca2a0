"""Whether the join address on the projector can work: loopback, wrong port, nothing listening.

The dashboard shows the survey's join address as a QR code.  When the
address cannot work from a participant's phone, the projector says so
(:func:`join_problem`), instead of a code that leads nowhere.
"""

from __future__ import annotations

import ipaddress
import socket
import threading
import time
from urllib.parse import urlsplit

__all__ = ["join_problem", "JoinCheck"]


def join_problem(
    url: str | None, *, own_port: int | None = None, timeout: float = 0.5
) -> tuple[str, str] | None:
    """What is wrong with the join address, as ``(text key, address)``, or None.

    Parameters
    ----------
    url : str or None
        The survey's join address.
    own_port : int, optional
        The dashboard's own port on the same host (the join address must not
        point at the dashboard).
    timeout : float
        Seconds to wait for a TCP connection.

    Returns
    -------
    tuple or None
        ``("join_warning_none", "")`` without an address;
        ``("join_warning_unreachable", "host:port")`` when nothing accepts a
        connection there (or it is the dashboard's own port);
        ``("join_warning_loopback", "host:port")`` when it works on this
        computer only; None when it can work.
    """
    if not url:
        return ("join_warning_none", "")
    parts = urlsplit(url)
    host = parts.hostname or ""
    port = parts.port or (443 if parts.scheme == "https" else 80)
    address = f"{host}:{port}"
    if own_port is not None and port == own_port and is_loopback_or_local(host):
        return ("join_warning_unreachable", address)
    try:
        with socket.create_connection((host, port), timeout=timeout):
            pass
    except OSError:
        return ("join_warning_unreachable", address)
    if is_loopback(host):
        return ("join_warning_loopback", address)
    return None


def is_loopback(host: str) -> bool:
    """True for ``localhost`` and loopback addresses (127.0.0.0/8, ::1)."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def is_loopback_or_local(host: str) -> bool:
    """True for loopback and for this machine's own names."""
    return is_loopback(host) or host in {socket.gethostname(), "0.0.0.0"}


class JoinCheck:
    """:func:`join_problem`, re-checked at most every ``every`` seconds (thread-safe)."""

    def __init__(
        self, url: str | None, *, own_port: int | None = None, enabled: bool = True, every: float = 10.0
    ) -> None:
        self.url, self.own_port, self.enabled, self.every = url, own_port, enabled, every
        self._lock = threading.Lock()
        self._at = -1e9
        self._value: tuple[str, str] | None = None

    def problem(self) -> tuple[str, str] | None:
        """The current problem (see :func:`join_problem`), None when fine or unchecked."""
        if not self.enabled:
            return None if self.url else ("join_warning_none", "")
        with self._lock:
            if time.monotonic() - self._at >= self.every:
                self._value = join_problem(self.url, own_port=self.own_port)
                self._at = time.monotonic()
            return self._value
