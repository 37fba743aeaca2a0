"""Start a netsoc server (``netsoc survey`` / ``netsoc dashboard``) for browser tests and benchmarks.

:func:`run_server` runs the real command on 127.0.0.1 on a free port with a
throw-away store and ``HOME``, waits for the port with a TCP connect, and
stops the process group afterwards.  :func:`block_outside` makes a
Playwright context abort every request that is not for the loopback
address, so a test passes only if nothing leaves the machine.  The survey
and dashboard tests and ``bench/`` share them.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import urllib.request
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from netsoc.server import free_port, wait_for_port

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
LOCAL_HOSTS = ("127.0.0.1", "localhost")


@dataclass
class Server:
    """A running netsoc server."""

    url: str
    port: int
    db: Path | str
    log: Path
    process: subprocess.Popen
    startup_s: float
    blocked: list[str] = field(default_factory=list)

    def log_text(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def sessions(self) -> dict:
        """The server's live-session count (``/_netsoc/sessions``)."""
        with urllib.request.urlopen(self.url + "_netsoc/sessions", timeout=60) as r:
            return json.loads(r.read())


def isolated_env(workdir: Path, db: Path | str, extra: Mapping[str, str] | None = None) -> dict[str, str]:
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
def run_server(kind: str, workdir: Path, *, db: Path | str | None = None,
               args: Sequence[str] = (), env: Mapping[str, str] | None = None,
               port: int | None = None, timeout: float = 120.0) -> Iterator[Server]:
    """Run ``netsoc <kind> --port P --db DB <args>`` on 127.0.0.1 until the block ends."""
    workdir.mkdir(parents=True, exist_ok=True)
    db = db or workdir / "netsoc.sqlite"
    port = port or free_port()
    log = workdir / f"{kind}-{port}.log"
    create = ["--create"] if kind == "survey" else []
    cmd = [sys.executable, "-m", "netsoc", kind, "--port", str(port), "--db", str(db), *create,
           *args]
    with open(log, "wb") as out:
        proc = subprocess.Popen(cmd, env=isolated_env(workdir, db, env), stdout=out,
                                stderr=subprocess.STDOUT, cwd=ROOT, start_new_session=True)
    try:
        waited = wait_for_port(port, timeout=timeout, process=proc)
        yield Server(f"http://127.0.0.1:{port}/", port, db, log, proc, waited)
    finally:
        stop_process_group(proc)


def stop_process_group(proc: subprocess.Popen, timeout: float = 15.0) -> None:
    """SIGTERM a server started with ``start_new_session=True``; SIGKILL if it lingers."""
    if proc.poll() is not None:
        return
    os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


def is_local(url: str) -> bool:
    """True for http(s)/ws(s) addresses on the loopback host, data: and blob: URLs."""
    if url.startswith(("data:", "blob:", "about:")):
        return True
    m = re.match(r"^[a-z]+://(\[[^\]]+\]|[^/:?#]+)", url)
    return bool(m) and m.group(1) in LOCAL_HOSTS


def block_outside(context, blocked: list[str] | None = None) -> list[str]:  # noqa: ANN001
    """Abort every request of a (sync or async) Playwright context that leaves the machine."""
    seen = [] if blocked is None else blocked

    def handle(route):  # noqa: ANN001, ANN202
        if is_local(route.request.url):
            return route.continue_()
        seen.append(route.request.url)
        return route.abort()

    context.route("**/*", handle)
    return seen


def launch_chromium(playwright):  # noqa: ANN001, ANN201
    """Debian's chromium, headless, driven by Playwright (no browser download)."""
    return playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True,
                                      args=CHROMIUM_ARGS)
