"""Servers started by netsoc: loopback by default, token for anything else,
and the participants' server serves the questionnaire and nothing else."""

from __future__ import annotations

import os
import signal
import time
import urllib.error
import urllib.request

import pytest

from netsoc.cli import main
from netsoc.server import ServerConfig, free_port
from survey.errors import NetsocError


# ------------------------------------------------------------------ pure
def test_loopback_is_the_default():
    c = ServerConfig().check()
    assert c.ip == "127.0.0.1" and c.token is None and not c.public
    assert ServerConfig.from_json(c.to_json()) == c


@pytest.mark.fault("server: listening beyond loopback", expect="refused without --public and a token")
@pytest.mark.parametrize("ip", ["0.0.0.0", "::", "192.168.1.5", "example.org"])
def test_other_interfaces_need_public_and_token(ip):
    with pytest.raises(NetsocError, match="is not loopback; serving to other machines needs --public"):
        ServerConfig(ip=ip).check()
    with pytest.raises(NetsocError, match="requires a token"):
        ServerConfig(ip=ip, public=True).check()
    assert ServerConfig(ip=ip, public=True, token="s3cret-Token").check().ip == ip


@pytest.mark.fault("server: listening beyond loopback", expect="refused without --public and a token")
@pytest.mark.parametrize("command", ["survey"])
def test_cli_refuses_other_interfaces_without_public(command, capsys):
    assert main([command, "--ip", "0.0.0.0", "--port", str(free_port())]) == 1
    err = capsys.readouterr().err
    assert "is not loopback" in err and "--public" in err


@pytest.mark.parametrize("ip", ["127.0.0.1", "localhost", "::1", "127.0.0.2"])
def test_loopback_addresses_are_accepted(ip):
    assert ServerConfig(ip=ip).check().ip == ip


@pytest.mark.fault("server: bad port or settings", expect="NetsocError before anything starts")
@pytest.mark.parametrize("port", [0, 70000, -1, "8866"])
def test_bad_ports(port):
    with pytest.raises(NetsocError, match="port: expected a number between 1 and 65535"):
        ServerConfig(port=port).check()


@pytest.mark.parametrize(
    ("field", "value", "match"),
    [
        ("max_sessions", 0, "max_sessions: expected a whole number of at least 1"),
        ("session_timeout", 0, "session_timeout: expected 1 to 3600 seconds"),
        ("kind", "lab", "kind: expected one of survey, dashboard"),
    ],
)
def test_bad_settings(field, value, match):
    with pytest.raises(NetsocError, match=match):
        ServerConfig(**{field: value}).check()


def _listening(port: int) -> list[str]:
    """Local addresses (hex, from /proc/net/tcp*) listening on ``port``."""
    found = []
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = open(table, encoding="ascii").read().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            local, state = line.split()[1], line.split()[3]
            addr, hexport = local.rsplit(":", 1)
            if state == "0A" and int(hexport, 16) == port:
                found.append(addr)
    return found


def _get_followed(url: str) -> int:
    """Final status of a GET, redirects followed."""
    try:
        with urllib.request.urlopen(url, timeout=60) as r:
            return r.status
    except urllib.error.HTTPError as exc:
        return exc.code


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # a redirect (e.g. to the login page) is reported as is


_OPENER = urllib.request.build_opener(_NoRedirect)


def _get(url: str) -> tuple[int, str]:
    """Status and Location header of a GET, redirects not followed."""
    try:
        with _OPENER.open(url, timeout=60) as r:
            return r.status, ""
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers.get("Location", "")


@pytest.mark.slow
@pytest.mark.fault(
    "server: participants' link used to reach other pages", expect="403/404: only the questionnaire is served"
)
def test_survey_listens_on_loopback_only_and_serves_nothing_else(netsoc_server):
    port = netsoc_server("survey", "--cohort", "W1")
    addrs = _listening(port)
    assert addrs and set(addrs) == {"0100007F"}, addrs  # 127.0.0.1 only
    base = f"http://127.0.0.1:{port}/"
    for path in [
        "voila/render/03_workshop_dashboard.ipynb",
        "voila/render/02_analysis.ipynb",
        "voila/tree",
        "voila/tree/notebooks",
        "tree",
        "voila/files/03_workshop_dashboard.ipynb",
        "files/03_workshop_dashboard.ipynb",
        "03_workshop_dashboard.ipynb",
        "voila/files/01_take_survey.ipynb",
        "api/contents",
        "api/kernels",
        "api/sessions",
        "lab",
        "notebooks/03_workshop_dashboard.ipynb",
        "voila/static/..%2F..%2Fpyproject.toml",
        "?notebook=03_workshop_dashboard.ipynb",
        "resourcez",
        "resourcez?verbose",
        "_solara/api/evict/x",
        "jupyter/api/kernels/x",
        "_solara/cdn/left-pad@1.0.0/index.js",
        "static/..%2F..%2Fpyproject.toml",
        "dashboard",
        "analysis",
    ]:
        status = _get_followed(base + path)
        if path.startswith("?"):  # the query is ignored: still the questionnaire
            assert status == 200
            continue
        assert status in (403, 404), (path, status)


@pytest.mark.slow
@pytest.mark.fault("server: visitor without the token", expect="no page, no file, no message")
def test_public_survey_requires_the_token_everywhere(netsoc_server):
    # --public with a token, bound to loopback so nothing leaves the machine
    port = netsoc_server("survey", "--public", "--ip", "127.0.0.1", "--token", "only-the-room-knows-1")
    base = f"http://127.0.0.1:{port}/"
    for url in (base, base + "?token=a-guess", base + "static/form.js", base + "_netsoc/health"):
        assert _get(url)[0] in (403, 404), url
    with _OPENER.open(base + "?token=only-the-room-knows-1", timeout=60) as r:
        assert r.status == 200
        cookie = r.headers["Set-Cookie"].split(";")[0]
        page = r.read().decode()
        assert "server" not in {k.lower() for k in r.headers}  # no version to fingerprint
        assert "script-src 'self'" in r.headers["Content-Security-Policy"]
    css = page.split("rel='stylesheet' href='")[1].split("'")[0]
    assert _get(base + css.lstrip("/"))[0] == 403
    req = urllib.request.Request(base + css.lstrip("/"), headers={"Cookie": cookie})
    with _OPENER.open(req, timeout=60) as r:
        assert r.status == 200 and r.headers["Cache-Control"].endswith("immutable")


@pytest.mark.slow
@pytest.mark.fault("server: secrets on a command line", expect="workers read a 0600 file")
def test_survey_workers_share_one_port_and_no_secret_is_on_a_command_line(netsoc_server, tmp_path):
    secret_db = f"sqlite:///{tmp_path / 'secret-name.sqlite'}"
    port = netsoc_server(
        "survey",
        "--workers",
        "2",
        "--cohort",
        "W2",
        "--db",
        secret_db,
        "--create",
        "--public",
        "--ip",
        "127.0.0.1",
        "--token",
        "tok-only-in-the-file-123",
    )
    leader = next(p for p in netsoc_server.procs if p.poll() is None)
    import psutil

    tree = [psutil.Process(leader.pid), *psutil.Process(leader.pid).children(recursive=True)]
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and sum("multiprocessing" in " ".join(p.cmdline()) for p in tree) < 2:
        time.sleep(0.5)
        tree = [psutil.Process(leader.pid), *psutil.Process(leader.pid).children(recursive=True)]
    workers = [p for p in tree if "multiprocessing" in " ".join(p.cmdline())]
    assert len(workers) >= 2, [p.cmdline() for p in tree]
    for p in tree[1:]:  # every process netsoc started (the first is the user's own command)
        cmdline = open(f"/proc/{p.pid}/cmdline", "rb").read().decode(errors="replace")
        assert "tok-only-in-the-file" not in cmdline and "secret-name" not in cmdline, cmdline
    config = workers[0].environ()["NETSOC_SURVEY_CONFIG_FILE"]
    assert os.stat(config).st_mode & 0o777 == 0o600
    assert os.stat(os.path.dirname(config)).st_mode & 0o777 == 0o700
    base = f"http://127.0.0.1:{port}/"
    for _ in range(12):  # any worker answers, on the one port
        assert _get(base + "?token=tok-only-in-the-file-123")[0] == 200
    assert _listening(port) and set(_listening(port)) == {"0100007F"}
    for p in netsoc_server.procs:
        os.killpg(p.pid, signal.SIGTERM)
        p.wait(timeout=20)
    assert not os.path.exists(config)  # removed when the server stops


@pytest.mark.slow
@pytest.mark.fault("server: slowloris (issue 22 pt 5)", expect="silent and slow sockets closed")
def test_silent_and_slow_sockets_are_closed_while_a_participant_is_served(netsoc_server):
    import socket

    port = netsoc_server("survey")
    silent = [socket.create_connection(("127.0.0.1", port)) for _ in range(20)]
    slow = socket.create_connection(("127.0.0.1", port))
    slow.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n")  # and never the end of its headers
    assert _get(f"http://127.0.0.1:{port}/")[0] == 200  # an honest visitor meanwhile
    for s in [*silent, slow]:
        s.settimeout(60)  # generous: closed by the server's header timer (10 s), not by us
        assert s.recv(100) == b""
        s.close()


@pytest.mark.fault("server: a request body trickled a byte at a time (issue 34.8)", expect="cut off")
def test_a_body_trickled_in_is_cut_off_by_the_body_timer(netsoc_server):
    import socket
    import time

    from netsoc.server.serve import BODY_TIMEOUT

    port = netsoc_server("survey")
    trickle = [socket.create_connection(("127.0.0.1", port)) for _ in range(8)]
    head = b"POST /api/message HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
    head += b"Content-Length: 4000\r\n\r\n"
    start = time.monotonic()
    for s in trickle:
        s.sendall(head + b"{")
        s.settimeout(0.2)
    closed: set[int] = set()
    while len(closed) < len(trickle) and time.monotonic() - start < 40:
        for i, s in enumerate(trickle):
            if i in closed:
                continue
            try:
                s.sendall(b" ")  # one byte every second or so
                if s.recv(100) == b"":
                    closed.add(i)
            except TimeoutError:
                pass
            except OSError:
                closed.add(i)
        time.sleep(0.8)
    took = time.monotonic() - start
    assert len(closed) == len(trickle), f"{len(closed)} of {len(trickle)} cut off after {took:.0f} s"
    assert took < BODY_TIMEOUT + 8
    assert _get(f"http://127.0.0.1:{port}/")[0] == 200
