"""Start a netsoc server process: Solara's ASGI app behind :class:`NetsocGuard`, on uvicorn.

:func:`serve` runs one process in the foreground (what ``netsoc survey`` and
``netsoc dashboard`` do); :func:`serve_workers` starts ``N`` such processes
on consecutive ports (``--workers N``) for a reverse proxy with sticky
sessions in front, all sharing one store (PostgreSQL).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from collections.abc import Callable, Sequence

from netsoc.server.config import ServerConfig, set_config
from netsoc.server.net import wait_for_port

__all__ = ["build_app", "serve", "serve_workers", "server_command", "WS_MAX_BYTES"]

#: Largest websocket message accepted (uvicorn refuses bigger frames).
WS_MAX_BYTES = 1 << 20

APP = {"survey": "netsoc.server.pages:SurveyPage", "dashboard": "netsoc.server.pages:DashboardPage"}


def _configure_solara(config: ServerConfig) -> None:
    os.environ.setdefault("MPLBACKEND", "agg")
    os.environ["SOLARA_APP"] = APP[config.kind]  # read by solara.server.app at import
    import solara.server.settings as ss

    ss.main.mode = "production"
    ss.main.timing = False
    ss.main.experimental_performance = True  # batch websocket sends every 50 ms
    ss.kernel.cull_timeout = f"{int(config.session_timeout)}s"
    ss.kernel.threaded = True  # each page's messages are handled in its own thread
    # one thread per open page, so threads are bounded like sessions (the guard refuses
    # new sessions at max_sessions; this is Solara's own limit behind it)
    ss.kernel.max_count = config.max_sessions + max(10, config.max_sessions // 10)
    ss.theme.loader = "plain"
    ss.theme.title = "netsoc"
    ss.telemetry.mixpanel_enable = False
    # the front end ships with solara-assets (served from Solara's local CDN
    # cache); the guard refuses cache misses, so the server never fetches


def build_app(config: ServerConfig):  # noqa: ANN201
    """The ASGI application for ``config`` (sets the process's config once)."""
    set_config(config)
    _configure_solara(config)
    import solara.server.app as appmod
    from solara.server.starlette import app as solara_app

    if "__default__" not in appmod.apps:
        appmod.apps["__default__"] = appmod.AppScript(APP[config.kind])
    from netsoc.server.guard import NetsocGuard

    return NetsocGuard(solara_app, config)


def uvicorn_server(config: ServerConfig):  # noqa: ANN201
    """A uvicorn server for ``config`` (not started)."""
    import uvicorn

    ucfg = uvicorn.Config(build_app(config), host=config.ip, port=config.port, loop="asyncio",
                          lifespan="on", log_level="warning", access_log=False,
                          ws_max_size=WS_MAX_BYTES, ws_ping_interval=20, ws_ping_timeout=30,
                          # compressing every widget message cost a quarter of the CPU
                          # (py-spy, 60 participants); loopback and LANs do not need it
                          ws_per_message_deflate=False,
                          timeout_graceful_shutdown=5, proxy_headers=False,
                          server_header=False)
    return uvicorn.Server(ucfg)


def serve(config: ServerConfig, *, echo: Callable[[str], None] = print,
          open_message: str = "Serving at {url}", query: str = "") -> int:
    """Run one server process in the foreground until Ctrl-C or SIGTERM."""
    config.check()
    server = uvicorn_server(config)
    started = threading.Event()

    def announce() -> None:
        wait_for_port(config.port, _probe_ip(config.ip), timeout=120)
        params = [p for p in (query, f"token={config.token}" if config.token else "") if p]
        echo(open_message.format(url=f"http://{config.ip}:{config.port}/"
                                 + (("?" + "&".join(params)) if params else "")))
        started.set()

    threading.Thread(target=announce, daemon=True).start()
    try:
        server.run()
    except KeyboardInterrupt:
        pass
    return 0


def _probe_ip(ip: str) -> str:
    return "127.0.0.1" if ip in ("0.0.0.0", "::", "localhost") else ip


def server_command(config: ServerConfig) -> list[str]:
    """The command line that runs one server process for ``config``."""
    return [sys.executable, "-m", "netsoc.server", config.check().to_json()]


def serve_workers(config: ServerConfig, workers: int, *, echo: Callable[[str], None] = print,
                  open_message: str = "Serving at {url}", query: str = "",
                  extra_env: dict[str, str] | None = None) -> int:
    """Run ``workers`` server processes on ports ``port .. port+workers-1``.

    Each process holds its own sessions, so a reverse proxy in front must keep
    a visitor on one process (sticky sessions); all share the store named by
    ``config.db`` (use PostgreSQL).
    """
    from dataclasses import replace

    configs = [replace(config, port=config.port + i).check() for i in range(workers)]
    procs: list[subprocess.Popen] = []
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt()))
    try:
        for c in configs:
            procs.append(subprocess.Popen(server_command(c), env={**os.environ, **(extra_env or {})}))
        for c, p in zip(configs, procs):
            wait_for_port(c.port, _probe_ip(c.ip), timeout=120, process=p)
            params = [x for x in (query, f"token={c.token}" if c.token else "") if x]
            echo(open_message.format(url=f"http://{c.ip}:{c.port}/"
                                     + (("?" + "&".join(params)) if params else "")))
        while True:
            for p in procs:
                if p.poll() is not None:
                    return p.returncode or 0
            threading.Event().wait(1.0)
    except KeyboardInterrupt:
        return 0
    finally:
        _stop_all(procs)


def _stop_all(procs: Sequence[subprocess.Popen]) -> None:
    for p in procs:
        if p.poll() is None:
            p.terminate()
    for p in procs:
        try:
            p.wait(timeout=15)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()
