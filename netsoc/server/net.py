"""Ports: pick a free one, wait until a server listens."""

from __future__ import annotations

import socket
import subprocess
import time

from netsoc.server.config import LOOPBACK
from survey.errors import NetsocError

__all__ = ["free_port", "wait_for_port"]


def free_port(ip: str = LOOPBACK) -> int:
    """A TCP port that is free right now on ``ip``."""
    with socket.socket() as s:
        s.bind((ip, 0))
        return int(s.getsockname()[1])


def wait_for_port(
    port: int, ip: str = LOOPBACK, *, timeout: float = 60.0, process: subprocess.Popen | None = None
) -> float:
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
            raise NetsocError(
                f"the server exited with status {process.returncode} before listening on {ip}:{port}"
            )
        try:
            with socket.create_connection((ip, port), timeout=0.5):
                return time.monotonic() - t0
        except OSError:
            pass
        if time.monotonic() - t0 > timeout:
            raise NetsocError(f"nothing is listening on {ip}:{port} after {timeout:.0f} s")
        time.sleep(0.1)
