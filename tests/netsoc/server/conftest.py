"""The real survey server as a user starts it: ``netsoc <args>`` from an empty folder."""

from __future__ import annotations

import os
import signal
import subprocess
import sys

import pytest

from netsoc.server import free_port, wait_for_port
from survey.store import open_store


@pytest.fixture
def netsoc_server(tmp_path):
    """``netsoc_server(args)`` runs ``netsoc <args>`` until the test ends; returns its port.

    The store is ``start.db`` (``NETSOC_DB``), the server's output goes to
    ``start.log`` (a file, so a chatty server can never block on a full pipe).
    """
    procs = []
    home = tmp_path / "home"
    home.mkdir(exist_ok=True)

    def start(*args: str) -> int:
        port = free_port()
        env = dict(
            os.environ,
            HOME=str(home),
            NETSOC_DB=str(start.db),
            JUPYTER_RUNTIME_DIR=str(home / "runtime"),
            MPLBACKEND="agg",
        )
        with open(start.log, "ab") as out:
            p = subprocess.Popen(
                [sys.executable, "-m", "netsoc", *args, "--port", str(port)],
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                cwd=tmp_path,
            )
        procs.append(p)
        wait_for_port(port, timeout=60, process=p)
        return port

    start.procs = procs
    start.db = tmp_path / "s.sqlite"
    start.log = tmp_path / "server.log"
    yield start
    for p in procs:
        if p.poll() is None:
            os.killpg(p.pid, signal.SIGTERM)
            try:
                p.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(p.pid, signal.SIGKILL)
                p.wait()


@pytest.fixture
def store(tmp_path, instrument):
    """A fresh SQLite store of the shipped instrument in the test's folder (closed after)."""
    s = open_store(tmp_path / "room.sqlite", instrument=instrument)
    yield s
    s.close()
