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
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
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
    env.update(
        HOME=str(home),
        JUPYTER_CONFIG_DIR=str(home / ".jupyter"),
        JUPYTER_DATA_DIR=str(home / ".local/share/jupyter"),
        JUPYTER_RUNTIME_DIR=str(home / ".local/share/jupyter/runtime"),
        IPYTHONDIR=str(home / ".ipython"),
        MPLBACKEND="agg",
        NETSOC_DB=str(db),
        PYTHONUNBUFFERED="1",
    )
    env.pop("NETSOC_COHORT", None)
    env.update(extra or {})
    return env


@contextmanager
def run_server(
    kind: str,
    workdir: Path,
    *,
    db: Path | str | None = None,
    args: Sequence[str] = (),
    env: Mapping[str, str] | None = None,
    port: int | None = None,
    timeout: float = 120.0,
) -> Iterator[Server]:
    """Run ``netsoc <kind> --port P --db DB <args>`` on 127.0.0.1 until the block ends."""
    workdir.mkdir(parents=True, exist_ok=True)
    db = db or workdir / "netsoc.sqlite"
    port = port or free_port()
    log = workdir / f"{kind}-{port}.log"
    create = ["--create"] if kind == "survey" else []
    cmd = [sys.executable, "-m", "netsoc", kind, "--port", str(port), "--db", str(db), *create, *args]
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            cmd,
            env=isolated_env(workdir, db, env),
            stdout=out,
            stderr=subprocess.STDOUT,
            cwd=ROOT,
            start_new_session=True,
        )
    try:
        waited = wait_for_port(port, timeout=timeout, process=proc)
        yield Server(f"http://127.0.0.1:{port}/", port, db, log, proc, waited)
    finally:
        stop_process_group(proc)


#: nginx in front of survey servers: round robin (no sticky sessions), header and body
#: timeouts against slow clients, the client's address appended to X-Forwarded-For.
NGINX_CONF = """worker_processes 1;
worker_rlimit_nofile 65536;
pid {tmp}/nginx.pid;
error_log {tmp}/nginx-error.log warn;
events {{ worker_connections 32768; }}
http {{
  access_log off;
  server_tokens off;
  client_body_temp_path {tmp}/body; proxy_temp_path {tmp}/proxy;
  fastcgi_temp_path {tmp}/fcgi; uwsgi_temp_path {tmp}/uwsgi; scgi_temp_path {tmp}/scgi;
  client_header_timeout 10s; client_body_timeout 10s; keepalive_timeout 15s;
  client_max_body_size 32k;
  # README's per-phone caps, raised: every simulated phone comes from 127.0.0.1 here
  limit_conn_zone $binary_remote_addr zone=netsoc_conn:10m;
  limit_req_zone $binary_remote_addr zone=netsoc_req:10m rate=100000r/s;
  upstream netsoc {{ {servers} keepalive 64; keepalive_timeout 4s; }}
  server {{
    listen 127.0.0.1:{port};
    limit_conn netsoc_conn 30000;
    limit_req zone=netsoc_req burst=100000 nodelay;
    location / {{
      proxy_pass http://netsoc;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host $host;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
    }}
  }}
}}
"""


@contextmanager
def run_nginx(ports: Sequence[int], workdir: Path) -> Iterator[str]:
    """nginx on a free loopback port, round robin over the servers on ``ports``; yields its URL."""
    import shutil

    exe = shutil.which("nginx") or "/usr/sbin/nginx"
    workdir.mkdir(parents=True, exist_ok=True)
    port = free_port()
    conf = workdir / "nginx.conf"
    conf.write_text(
        NGINX_CONF.format(tmp=workdir, port=port, servers=" ".join(f"server 127.0.0.1:{p};" for p in ports))
    )
    proc = subprocess.Popen(
        [exe, "-c", str(conf), "-p", str(workdir), "-g", "daemon off;"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        wait_for_port(port, process=proc, timeout=20)
        yield f"http://127.0.0.1:{port}/"
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


def block_outside(context, blocked: list[str] | None = None) -> list[str]:
    """Abort every request of a (sync or async) Playwright context that leaves the machine."""
    seen = [] if blocked is None else blocked

    def handle(route):
        if is_local(route.request.url):
            return route.continue_()
        seen.append(route.request.url)
        return route.abort()

    context.route("**/*", handle)
    return seen


def launch_chromium(playwright):
    """Debian's chromium, headless, driven by Playwright (no browser download)."""
    return playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
