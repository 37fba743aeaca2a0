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
from netsoc.server.tokens import new_secret

__all__ = ["serve_survey", "app_from_file", "uvicorn_settings", "CONFIG_ENV", "join_url"]

#: The environment variable naming the workers' config file.
CONFIG_ENV = "NETSOC_SURVEY_CONFIG_FILE"
#: Seconds a connection may take to send a request's headers (from opening, or from the
#: first byte of a later request on a kept-alive connection); then it is closed.
HEADER_TIMEOUT = 10.0


_HttpTools: Any
try:
    from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol as _HttpTools
except ImportError:  # httptools is declared; without it uvicorn's h11 runs without the timer
    _HttpTools = None


if _HttpTools is not None:

    class HeaderTimedProtocol(_HttpTools):
        """uvicorn's httptools protocol with a header timer (uvicorn has none).

        A socket that opens and sends nothing, or sends its headers a byte at a
        time (slowloris), is closed :data:`HEADER_TIMEOUT` seconds after it opened
        or began its request.  A module-level class, so worker processes can
        import it.
        """

        _header_timer = None

        def _arm(self) -> None:
            if self._header_timer is None:
                self._header_timer = self.loop.call_later(HEADER_TIMEOUT, self._too_slow)

        def _disarm(self) -> None:
            if self._header_timer is not None:
                self._header_timer.cancel()
                self._header_timer = None

        def _too_slow(self) -> None:
            self._header_timer = None
            if not self.transport.is_closing():
                self.transport.close()

        def connection_made(self, transport):  # noqa: ANN001
            super().connection_made(transport)
            self._arm()

        def on_message_begin(self) -> None:
            super().on_message_begin()
            self._arm()

        def on_headers_complete(self) -> None:
            self._disarm()
            super().on_headers_complete()

        def connection_lost(self, exc):  # noqa: ANN001
            self._disarm()
            super().connection_lost(exc)


def uvicorn_settings(config: ServerConfig) -> dict[str, object]:
    """uvicorn's settings for the survey server.

    A connection cap (``limit_concurrency``: beyond it uvicorn answers 503
    at once), idle keep-alive connections closed after 5 s, a header timer
    (:data:`HEADER_TIMEOUT`, against silent and slow sockets), no ``Server``
    header (no version to fingerprint), no access log (one line per refusal
    comes from :mod:`netsoc.server.limits`).
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
        limit_concurrency=max(64, 4 * config.max_sessions),
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
    return survey_app(ServerConfig.from_json(Path(path).read_text()))


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
