"""Start Voila on a notebook for browser tests and benchmarks.

:func:`run_voila` serves a notebook on 127.0.0.1 on a free port with a
throw-away store (``NETSOC_DB``) and throw-away ``HOME`` / ``JUPYTER_*``
directories, waits for the port with a TCP connect (a GET would start a
kernel), and stops the server afterwards.  The survey and dashboard tests
and ``bench/`` share it.
"""

from __future__ import annotations

import os
import signal
import subprocess
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from netsoc.serve import free_port, voila_command, wait_for_port

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


@dataclass
class VoilaServer:
    """A running Voila server."""

    url: str
    port: int
    db: Path
    log: Path
    process: subprocess.Popen
    startup_s: float

    def log_text(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""


def isolated_env(workdir: Path, db: Path, extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """Environment with a throw-away home, Jupyter dirs and store."""
    home = workdir / "home"
    for d in ("", ".jupyter", ".local/share/jupyter/runtime", ".ipython"):
        (home / d).mkdir(parents=True, exist_ok=True)
    env = dict(os.environ)
    env.update(HOME=str(home), JUPYTER_CONFIG_DIR=str(home / ".jupyter"),
               JUPYTER_DATA_DIR=str(home / ".local/share/jupyter"),
               JUPYTER_RUNTIME_DIR=str(home / ".local/share/jupyter/runtime"),
               IPYTHONDIR=str(home / ".ipython"), MPLBACKEND="agg",
               NETSOC_DB=str(db), PYTHONUNBUFFERED="1")
    env.pop("NETSOC_COHORT", None)
    env.update(extra or {})
    return env


@contextmanager
def run_voila(notebook: str | Path, workdir: Path, *, env: Mapping[str, str] | None = None,
              db: Path | None = None, timeout: float = 60.0) -> Iterator[VoilaServer]:
    """Serve ``notebook`` with Voila on 127.0.0.1 until the block ends."""
    workdir.mkdir(parents=True, exist_ok=True)
    db = db or workdir / "netsoc.sqlite"
    port = free_port()
    log = workdir / "voila.log"
    cmd = voila_command(notebook, port=port, cull_idle_timeout=120, cull_interval=30)
    with open(log, "wb") as out:
        proc = subprocess.Popen(cmd, env=isolated_env(workdir, db, env), stdout=out,
                                stderr=subprocess.STDOUT, cwd=ROOT, start_new_session=True)
    try:
        waited = wait_for_port(port, timeout=timeout, process=proc)
        yield VoilaServer(f"http://127.0.0.1:{port}/", port, db, log, proc, waited)
    finally:
        stop_process_group(proc)


def stop_process_group(proc: subprocess.Popen, timeout: float = 10.0) -> None:
    """SIGTERM a server started with ``start_new_session=True``; SIGKILL if it lingers."""
    if proc.poll() is not None:
        return
    os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


def launch_chromium(playwright):  # noqa: ANN001, ANN201
    """Debian's chromium, headless, driven by Playwright (no browser download)."""
    return playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True,
                                      args=CHROMIUM_ARGS)
