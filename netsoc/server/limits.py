"""Budgets per client and for the whole process, charged when a request arrives.

- Each client (its address; behind a trusted reverse proxy the last address it
  adds to ``X-Forwarded-For``) has a token bucket: a request costs its
  weight on arrival, before its body is read, and a client out of budget gets
  429 with ``Retry-After``.  A client may also have only a few requests in
  flight at once.
- The process has at most ``max_in_flight`` requests in flight
  (``--max-sessions``): the next one gets 503 "the room is full", which the
  form answers by waiting and sending again (nothing is lost).
- Each client address may hold only a few connections open at once
  (:class:`PeerConnections`, counted by the server's protocol when a socket
  opens and closes); one beyond is closed at once, before anything is read.
  A trusted reverse proxy is exempt: every client behind it shares its
  address, so the proxy must cap them (README's nginx set-up does).
- Every refusal is logged on one line, at most once a minute per client and
  reason (:class:`RefusalLog`); never a traceback.
"""

from __future__ import annotations

import ipaddress
import logging
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass

__all__ = ["Budget", "ClientBudgets", "PeerConnections", "RefusalLog", "client_address", "parse_proxies"]

log = logging.getLogger("netsoc.server")


def parse_proxies(entries: Iterable[str]) -> tuple[ipaddress._BaseNetwork, ...]:
    """Trusted proxy addresses or networks (``127.0.0.1``, ``10.0.0.0/8``).

    Raises
    ------
    ValueError
        An entry is not an address or network.
    """
    out = []
    for e in entries:
        try:
            out.append(ipaddress.ip_network(e.strip(), strict=False))
        except ValueError as exc:
            raise ValueError(f"trusted proxy: {e!r} is not an IP address or network") from exc
    return tuple(out)


def _trusted(addr: str, proxies: tuple[ipaddress._BaseNetwork, ...]) -> bool:
    try:
        ip = ipaddress.ip_address(addr)
    except ValueError:
        return False
    return any(ip in net for net in proxies)


def client_address(
    peer: str | None, forwarded_for: str | None, proxies: tuple[ipaddress._BaseNetwork, ...]
) -> str:
    """The client a request is charged to.

    ``X-Forwarded-For`` is believed only when the connection comes from a
    trusted proxy; then the rightmost address not itself a trusted proxy is
    the client (a client cannot forge the part its proxy appends).
    """
    addr = peer or "?"
    if not forwarded_for or not proxies or not _trusted(addr, proxies):
        return addr
    for hop in reversed([h.strip() for h in forwarded_for.split(",") if h.strip()]):
        if not _trusted(hop, proxies):
            return hop[:64]
    return addr


@dataclass
class Budget:
    """A token bucket: ``rate`` units a second, at most ``burst`` saved up."""

    tokens: float
    stamp: float
    in_flight: int = 0


class ClientBudgets:
    """Token buckets per client, in a bounded table (oldest clients forgotten).

    Parameters
    ----------
    rate : float
        Units per second a client earns (0: no per-client limit).
    burst : float
        The most a client can spend at once.
    max_in_flight : int
        Requests one client may have open at once.
    max_clients : int
        Clients remembered (bounded memory whatever addresses arrive).
    clock : callable
    """

    def __init__(
        self,
        rate: float = 30.0,
        burst: float = 300.0,
        *,
        max_in_flight: int = 12,
        max_clients: int = 20_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.rate, self.burst = float(rate), float(burst)
        self.max_in_flight = max_in_flight
        self.max_clients = max_clients
        self.clock = clock
        self._table: OrderedDict[str, Budget] = OrderedDict()

    def _budget(self, client: str) -> Budget:
        now = self.clock()
        b = self._table.get(client)
        if b is None:
            b = Budget(self.burst, now)
            self._table[client] = b
            if len(self._table) > self.max_clients:
                self._table.popitem(last=False)
        else:
            b.tokens = min(self.burst, b.tokens + (now - b.stamp) * self.rate)
            b.stamp = now
            self._table.move_to_end(client)
        return b

    def charge(self, client: str, cost: float) -> str | None:
        """Charge ``cost`` on arrival and count one request in flight.

        Returns
        -------
        str or None
            ``None`` when allowed (call :meth:`release` when done), else the
            reason: ``"rate"`` or ``"in_flight"``.
        """
        if self.rate <= 0:
            return None
        b = self._budget(client)
        if b.in_flight >= self.max_in_flight:
            return "in_flight"
        if b.tokens < cost:
            return "rate"
        b.tokens -= cost
        b.in_flight += 1
        return None

    def release(self, client: str) -> None:
        """One request of ``client`` has finished."""
        b = self._table.get(client)
        if b is not None and b.in_flight > 0:
            b.in_flight -= 1

    def retry_after(self, client: str, cost: float) -> int:
        """Whole seconds until ``client`` can afford ``cost`` again."""
        b = self._table.get(client)
        if b is None or self.rate <= 0:
            return 1
        return max(1, int((cost - b.tokens) / self.rate + 0.999))


class PeerConnections:
    """Open connections per peer address, at most ``cap`` each.

    The server calls :meth:`open` when a socket is accepted and :meth:`close`
    when it goes; both run on the event loop's one thread, so the count is
    exact however many sockets arrive at once (each worker process counts its
    own).  The table holds only addresses with a connection open.

    Parameters
    ----------
    cap : int
        Connections one address may hold (0: no cap).
    proxies : tuple of networks
        Trusted reverse proxies (:func:`parse_proxies`), never capped.
    refusals : RefusalLog, optional
        Where a refused address is logged (one line a minute per address).
    """

    def __init__(
        self,
        cap: int = 32,
        proxies: tuple[ipaddress._BaseNetwork, ...] = (),
        *,
        refusals: RefusalLog | None = None,
    ) -> None:
        self.cap, self.proxies = int(cap), proxies
        self.refusals = refusals if refusals is not None else RefusalLog()
        self.open_now: dict[str, int] = {}
        self.refused = 0

    def open(self, peer: str) -> bool:
        """Count a new connection from ``peer``; False (and logged) when over the cap."""
        if self.cap <= 0 or _trusted(peer, self.proxies):
            return True
        n = self.open_now.get(peer, 0)
        if n >= self.cap:
            self.refused += 1
            self.refusals.refuse(peer, "connections", f"more than {self.cap} open")
            return False
        self.open_now[peer] = n + 1
        return True

    def close(self, peer: str) -> None:
        """A connection counted by :meth:`open` has closed."""
        n = self.open_now.get(peer, 0)
        if n <= 1:
            self.open_now.pop(peer, None)
        else:
            self.open_now[peer] = n - 1


class RefusalLog:
    """One log line per refused request, at most once per ``every`` seconds per
    (client, reason), and at most ``cap`` lines a second in all."""

    def __init__(
        self,
        every: float = 60.0,
        cap: int = 20,
        *,
        max_keys: int = 10_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.every, self.cap, self.max_keys, self.clock = every, cap, max_keys, clock
        self._last: OrderedDict[tuple[str, str], float] = OrderedDict()
        self._second = (0, 0)  # (whole second, lines written in it)
        self.suppressed = 0

    def refuse(self, client: str, reason: str, detail: str = "") -> bool:
        """Log the refusal unless a line for it was written lately; True if logged."""
        now = self.clock()
        key = (client, reason)
        last = self._last.get(key)
        sec, n = self._second
        if (last is not None and now - last < self.every) or (int(now) == sec and n >= self.cap):
            self.suppressed += 1
            return False
        self._second = (int(now), n + 1) if int(now) == sec else (int(now), 1)
        self._last[key] = now
        self._last.move_to_end(key)
        if len(self._last) > self.max_keys:
            self._last.popitem(last=False)
        log.warning(
            "refused %s from %s%s (further ones for a minute not logged)",
            reason,
            client,
            f": {detail}" if detail else "",
        )
        return True
