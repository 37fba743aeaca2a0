"""Start the survey server: one process, or N uvicorn workers on one port.

``netsoc survey --workers N`` runs uvicorn's worker processes on the same
port; every request may reach any worker (the app is stateless), so no
sticky sessions are needed here or in a load balancer in front.  Workers get
their configuration (with the access token, the store URL and the signing
secret) from a file readable by its owner only (0600) in a private folder;
only that file's path travels, in the environment, never on a command line.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

from netsoc.server.config import ServerConfig
from netsoc.server.limits import PeerConnections, parse_proxies
from netsoc.server.tokens import new_secret

__all__ = [
    "serve_survey",
    "app_from_file",
    "uvicorn_settings",
    "configure_connections",
    "client_connection_cap",
    "CONFIG_ENV",
    "join_url",
]

#: The environment variable naming the workers' config file.
CONFIG_ENV = "NETSOC_SURVEY_CONFIG_FILE"
#: Seconds a new connection may stay silent; then it is closed.
IDLE_TIMEOUT = 5.0
#: Seconds a connection may take to send a request's headers (from opening, or from the
#: first byte of a later request on a kept-alive connection); then it is closed.
HEADER_TIMEOUT = 10.0
#: Seconds a request's body may take once its headers arrived (a body trickled a byte at a
#: time is cut off; a phone's largest message is 16 KB).
BODY_TIMEOUT = 10.0
#: Open connections per client address, counted by :class:`HeaderTimedProtocol`
#: (set from the config by :func:`configure_connections`, in every worker).
PEERS = PeerConnections()


def client_connection_cap(config: ServerConfig) -> int:
    """Connections one address may hold: ``client_connections`` (0: no cap).  A whole
    room may share one venue address, so this is a ceiling against one machine opening
    thousands of sockets, not a share of ``max_sessions``."""
    return max(0, config.client_connections)


def configure_connections(config: ServerConfig) -> PeerConnections:
    """Set :data:`PEERS` (the per-address connection cap) from ``config``; return it."""
    global PEERS
    PEERS = PeerConnections(client_connection_cap(config), parse_proxies(config.trusted_proxies))
    return PEERS


_HttpTools: Any
try:
    from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol as _HttpTools
except ImportError:  # httptools is declared; without it uvicorn's h11 runs without the timer
    _HttpTools = None


if _HttpTools is not None:

    class HeaderTimedProtocol(_HttpTools):
        """uvicorn's httptools protocol with a connection cap per address and header timers.

        - A connection from an address that already holds its share
          (:data:`PEERS`) is closed at once, before uvicorn counts it (so it
          never counts towards ``limit_concurrency`` either).
        - A socket that sends nothing is closed :data:`IDLE_TIMEOUT` seconds
          after it opened; one that sends its headers a byte at a time
          (slowloris) :data:`HEADER_TIMEOUT` seconds after it opened or began
          its request (uvicorn has no such timer); a body trickled in is cut off
          :data:`BODY_TIMEOUT` seconds after its headers.

        A module-level class, so worker processes can import it.
        """

        _header_timer = None
        _peer: str | None = None
        _first = True

        def _arm(self, delay: float) -> None:
            self._disarm()
            self._header_timer = self.loop.call_later(max(0.0, delay), self._too_slow)

        def _disarm(self) -> None:
            if self._header_timer is not None:
                self._header_timer.cancel()
                self._header_timer = None

        def _too_slow(self) -> None:
            self._header_timer = None
            if not self.transport.is_closing():
                self.transport.close()

        def connection_made(self, transport):  # noqa: ANN001
            peer = transport.get_extra_info("peername")
            host = str(peer[0]) if peer else "?"
            if not PEERS.open(host):
                transport.close()  # never counted by uvicorn: its connection limit is untouched
                return
            self._peer = host
            super().connection_made(transport)
            self._opened = self.loop.time()
            self._arm(IDLE_TIMEOUT)

        def data_received(self, data: bytes) -> None:
            if self._peer is not None:
                super().data_received(data)

        def on_message_begin(self) -> None:
            super().on_message_begin()
            start = self._opened if self._first else self.loop.time()
            self._arm(start + HEADER_TIMEOUT - self.loop.time())

        def on_headers_complete(self) -> None:
            self._arm(BODY_TIMEOUT)  # the body's timer: disarmed when the request is complete
            self._first = False
            super().on_headers_complete()

        def on_message_complete(self) -> None:
            self._disarm()
            super().on_message_complete()

        def connection_lost(self, exc):  # noqa: ANN001
            if self._peer is None:
                return  # refused in connection_made
            PEERS.close(self._peer)
            self._peer = None
            self._disarm()
            super().connection_lost(exc)


def uvicorn_settings(config: ServerConfig) -> dict[str, object]:
    """uvicorn's settings for the survey server.

    A connection cap (``limit_concurrency``: beyond it uvicorn answers 503
    at once; at least twice one address's share, see
    :func:`client_connection_cap`), idle keep-alive connections closed after
    5 s, a cap per client address and idle and header timers
    (:class:`HeaderTimedProtocol`, against silent and slow sockets), no
    ``Server`` header (no version to fingerprint), no access log (one line per
    refusal comes from :mod:`netsoc.server.limits`).
    """
    return dict(
        host=config.ip,
        port=config.port,
        loop="auto",
        http=HeaderTimedProtocol if _HttpTools is not None else "auto",
        lifespan="off",
        log_level="warning",
        access_log=False,
        proxy_headers=False,
        server_header=False,
        date_header=True,
        timeout_keep_alive=5,
        limit_concurrency=max(64, 4 * config.max_sessions, 2 * client_connection_cap(config)),
        backlog=2048,
        h11_max_incomplete_event_size=16_384,
        timeout_graceful_shutdown=5,
    )


def join_url(config: ServerConfig) -> str:
    """The address participants open (with ``?cohort=`` and ``?token=`` when set)."""
    params = [
        p
        for p in (
            f"cohort={config.cohort}" if config.cohort else "",
            f"token={config.token}" if config.token else "",
        )
        if p
    ]
    return f"http://{config.ip}:{config.port}/" + ("?" + "&".join(params) if params else "")


def app_from_file():  # noqa: ANN201 - uvicorn's factory
    """The app of one worker, configured from the file named by :data:`CONFIG_ENV`."""
    from netsoc.server.app import survey_app

    path = os.environ.get(CONFIG_ENV)
    if not path:
        raise RuntimeError(f"{CONFIG_ENV} is not set: start workers with netsoc survey --workers")
    config = ServerConfig.from_json(Path(path).read_text())
    configure_connections(config)
    return survey_app(config)


def _write_private(config: ServerConfig) -> Path:
    folder = Path(tempfile.mkdtemp(prefix="netsoc-survey-"))  # 0700
    path = folder / "config.json"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(config.to_json())
    return path


def serve_survey(
    config: ServerConfig,
    *,
    workers: int = 1,
    echo: Callable[[str], None] = print,
    message: str = "netsoc survey is running at {url}  (Ctrl-C to stop)",
) -> int:
    """Serve the questionnaire in the foreground until Ctrl-C or SIGTERM.

    Parameters
    ----------
    config : ServerConfig
        Checked here; a missing ``secret`` is made up (shared by the workers).
    workers : int, default 1
        uvicorn worker processes on ``config.port``.
    echo : callable
        Prints the start-up line (after the port was found free).
    message : str
        The start-up line; ``{url}`` is the join address.
    """
    import uvicorn

    from netsoc.startup import check_port

    config = replace(config, secret=config.secret or new_secret()).check()
    check_port(config.ip, config.port)
    settings = uvicorn_settings(config)
    configure_connections(config)
    if workers <= 1:
        from netsoc.server.app import survey_app

        server = uvicorn.Server(uvicorn.Config(survey_app(config), **settings))  # type: ignore[arg-type]
        echo(message.format(url=join_url(config)))
        try:
            server.run()
        except KeyboardInterrupt:
            pass
        return 0
    path = _write_private(config)
    os.environ[CONFIG_ENV] = str(path)
    try:
        echo(message.format(url=join_url(config)) + f"  [{workers} workers]")
        uvicorn.run("netsoc.server.serve:app_from_file", factory=True, workers=workers, **settings)  # type: ignore[arg-type]
    except KeyboardInterrupt:
        pass
    finally:
        shutil.rmtree(path.parent, ignore_errors=True)
    return 0
