"""Serve a notebook as a web app with Voila (the survey, the dashboard).

Only loopback (127.0.0.1) is served by default.  Binding any other address
requires ``public=True`` *and* a token, which Voila then asks every visitor
for (``?token=...`` in the address).  Each page visit starts a kernel; idle
kernels are culled after ``cull_idle_timeout`` seconds.

:func:`voila_command` builds the command line (tested), :func:`serve_notebook`
runs it in the foreground until Ctrl-C, and :func:`wait_for_port` probes
readiness with a TCP connect (a GET would start a kernel).
"""

from __future__ import annotations

import ipaddress
import os
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

from survey.errors import NetsocError

__all__ = ["voila_command", "serve_notebook", "wait_for_port", "free_port", "LOOPBACK"]

LOOPBACK = "127.0.0.1"


def _is_loopback(ip: str) -> bool:
    if ip == "localhost":
        return True
    try:
        return ipaddress.ip_address(ip).is_loopback
    except ValueError:
        return False


def free_port(ip: str = LOOPBACK) -> int:
    """A TCP port that is free right now on ``ip``."""
    with socket.socket() as s:
        s.bind((ip, 0))
        return int(s.getsockname()[1])


def wait_for_port(port: int, ip: str = LOOPBACK, *, timeout: float = 60.0,
                  process: subprocess.Popen | None = None) -> float:
    """Wait until something accepts TCP connections on ``ip:port``.

    Returns
    -------
    float
        Seconds waited.

    Raises
    ------
    NetsocError
        The process ended first, or nothing listened within ``timeout``.
    """
    t0 = time.monotonic()
    while True:
        if process is not None and process.poll() is not None:
            raise NetsocError(f"the server exited with status {process.returncode} before "
                              f"listening on {ip}:{port}")
        try:
            with socket.create_connection((ip, port), timeout=0.5):
                return time.monotonic() - t0
        except OSError:
            pass
        if time.monotonic() - t0 > timeout:
            raise NetsocError(f"nothing is listening on {ip}:{port} after {timeout:.0f} s")
        time.sleep(0.1)


def _terminate_as_interrupt(_signum: int, _frame: object) -> None:
    raise KeyboardInterrupt


def voila_command(notebook: str | os.PathLike[str], *, port: int, ip: str = LOOPBACK,
                  token: str | None = None, public: bool = False,
                  cull_idle_timeout: int = 600, cull_interval: int = 60,
                  extra_args: Sequence[str] = ()) -> list[str]:
    """The Voila command line for a notebook.

    Parameters
    ----------
    notebook : path
    port : int
    ip : str, default "127.0.0.1"
        Anything but loopback needs ``public=True`` and a ``token``.
    token : str, optional
        Visitors must add ``?token=...``; default none on loopback.
    public : bool, default False
    cull_idle_timeout, cull_interval : int
        Seconds before an idle kernel is shut down, and between checks.
    extra_args : sequence of str
        More Voila options.

    Raises
    ------
    NetsocError
        A non-loopback address without ``public`` and a token, a bad port, or
        a missing notebook.
    """
    nb = Path(notebook)
    if not nb.is_file():
        raise NetsocError(f"notebook: {nb} does not exist")
    if not isinstance(port, int) or not 0 < port < 65536:
        raise NetsocError(f"port: expected a number between 1 and 65535, got {port!r}")
    if not _is_loopback(ip):
        if not public:
            raise NetsocError(f"ip: {ip!r} is not loopback; serving to other machines needs "
                              "--public and a token")
        if not token:
            raise NetsocError(f"ip: serving on {ip!r} (public) requires a token")
    cmd = [sys.executable, "-m", "voila", str(nb), "--no-browser",
           f"--Voila.ip={ip}", f"--port={port}", "--Voila.port_retries=0",
           "--strip_sources=True",
           f"--MappingKernelManager.cull_idle_timeout={int(cull_idle_timeout)}",
           f"--MappingKernelManager.cull_interval={int(cull_interval)}"]
    if token:
        cmd.append(f"--Voila.token={token}")
    return [*cmd, *extra_args]


def serve_notebook(notebook: str | os.PathLike[str], *, port: int = 8866,
                   env: Mapping[str, str] | None = None, ip: str = LOOPBACK,
                   token: str | None = None, public: bool = False,
                   open_message: str = "Serving at {url}", query: str = "",
                   cull_idle_timeout: int = 600, startup_timeout: float = 60.0,
                   echo: Callable[[str], None] = print) -> int:
    """Run Voila on a notebook in the foreground until it ends or Ctrl-C.

    Parameters
    ----------
    notebook : path
    port : int, default 8866
    env : mapping, optional
        Extra environment for Voila and its kernels (``NETSOC_DB``,
        ``NETSOC_COHORT`` ...).
    ip, token, public, cull_idle_timeout
        See :func:`voila_command`.  With ``public`` and no token, a random
        token is made.
    open_message : str
        Printed once the server listens; ``{url}`` is replaced by the address.
    query : str
        Added to the printed address (e.g. ``cohort=W1``).

    Returns
    -------
    int
        Voila's exit status (0 after Ctrl-C).
    """
    if public and not token:
        token = secrets.token_urlsafe(16)
    cmd = voila_command(notebook, port=port, ip=ip, token=token, public=public,
                        cull_idle_timeout=cull_idle_timeout)
    full_env = {**os.environ, **(env or {})}
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, _terminate_as_interrupt)  # stop Voila too
    proc = subprocess.Popen(cmd, env=full_env)
    try:
        wait_for_port(port, LOOPBACK if ip in ("0.0.0.0", "::") else ip,
                      timeout=startup_timeout, process=proc)
        params = [p for p in (query, f"token={token}" if token else "") if p]
        url = f"http://{ip}:{port}/" + (("?" + "&".join(params)) if params else "")
        echo(open_message.format(url=url))
        return proc.wait()
    except KeyboardInterrupt:
        return 0
    finally:
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
