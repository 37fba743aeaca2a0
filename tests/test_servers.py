"""Servers started by netsoc: loopback by default, token for anything else,
and the participants' server serves the questionnaire and nothing else."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import urllib.error
import urllib.request

import pytest

from netsoc.cli import main
from netsoc.serve import free_port, voila_command, wait_for_port
from survey.errors import NetsocError
from tests.conftest import ROOT

SURVEY = ROOT / "notebooks" / "01_take_survey.ipynb"
DASHBOARD = ROOT / "notebooks" / "03_workshop_dashboard.ipynb"


# ------------------------------------------------------------------ pure
def test_loopback_is_the_default():
    cmd = voila_command(SURVEY, port=8866)
    assert "--Voila.ip=127.0.0.1" in cmd and "--port=8866" in cmd
    assert "--Voila.port_retries=0" in cmd  # never silently another port
    assert not any(a.startswith("--Voila.token") for a in cmd)
    assert "--strip_sources=True" in cmd
    assert not any("show_tracebacks=True" in a for a in cmd)


@pytest.mark.fault("server: listening beyond loopback", expect="refused without --public and a token")
@pytest.mark.parametrize("ip", ["0.0.0.0", "::", "192.168.1.5", "example.org"])
def test_other_interfaces_need_public_and_token(ip):
    with pytest.raises(NetsocError, match="is not loopback; serving to other machines needs --public"):
        voila_command(SURVEY, port=8866, ip=ip)
    with pytest.raises(NetsocError, match="requires a token"):
        voila_command(SURVEY, port=8866, ip=ip, public=True)
    cmd = voila_command(SURVEY, port=8866, ip=ip, public=True, token="s3cret-Token")
    assert f"--Voila.ip={ip}" in cmd and "--Voila.token=s3cret-Token" in cmd


@pytest.mark.fault("server: listening beyond loopback", expect="refused without --public and a token")
@pytest.mark.parametrize("command", ["survey", "dashboard"])
def test_cli_refuses_other_interfaces_without_public(command, capsys):
    assert main([command, "--ip", "0.0.0.0", "--port", str(free_port())]) == 1
    err = capsys.readouterr().err
    assert "is not loopback" in err and "--public" in err


@pytest.mark.parametrize("ip", ["127.0.0.1", "localhost", "::1", "127.0.0.2"])
def test_loopback_addresses_are_accepted(ip):
    assert f"--Voila.ip={ip}" in voila_command(SURVEY, port=8866, ip=ip)


@pytest.mark.fault("server: bad port or notebook", expect="NetsocError before anything starts")
@pytest.mark.parametrize("port", [0, 70000, -1, "8866"])
def test_bad_ports(port):
    with pytest.raises(NetsocError, match="port: expected a number between 1 and 65535"):
        voila_command(SURVEY, port=port)


# ------------------------------------------------------------------ real
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
    def redirect_request(self, *args, **kwargs):  # noqa: ANN002, ANN003, ANN201
        return None  # a redirect (e.g. to the login page) is reported as is


_OPENER = urllib.request.build_opener(_NoRedirect)


def _get(url: str) -> tuple[int, str]:
    """Status and Location header of a GET, redirects not followed."""
    try:
        with _OPENER.open(url, timeout=60) as r:
            return r.status, ""
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers.get("Location", "")


@pytest.fixture
def netsoc_server(tmp_path):
    """``netsoc_server(args)`` runs ``netsoc <args>`` until the test ends."""
    procs = []

    def start(*args: str) -> int:
        port = free_port()
        home = tmp_path / "home"
        home.mkdir(exist_ok=True)
        env = dict(os.environ, HOME=str(home), NETSOC_DB=str(tmp_path / "s.sqlite"),
                   JUPYTER_RUNTIME_DIR=str(home / "runtime"), MPLBACKEND="agg")
        p = subprocess.Popen([sys.executable, "-m", "netsoc", *args, "--port", str(port)],
                             env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                             start_new_session=True, cwd=tmp_path)
        procs.append(p)
        wait_for_port(port, timeout=60, process=p)
        return port

    yield start
    for p in procs:
        if p.poll() is None:
            os.killpg(p.pid, signal.SIGTERM)
            try:
                p.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(p.pid, signal.SIGKILL)
                p.wait()


@pytest.mark.slow
@pytest.mark.fault("server: participants' link used to reach other pages",
                   expect="403/404: only the questionnaire is served")
def test_survey_listens_on_loopback_only_and_serves_nothing_else(netsoc_server):
    port = netsoc_server("survey", "--cohort", "W1")
    addrs = _listening(port)
    assert addrs and set(addrs) == {"0100007F"}, addrs  # 127.0.0.1 only
    base = f"http://127.0.0.1:{port}/"
    for path in ["voila/render/03_workshop_dashboard.ipynb", "voila/render/02_analysis.ipynb",
                 "voila/tree", "voila/tree/notebooks", "tree", "voila/files/03_workshop_dashboard.ipynb",
                 "files/03_workshop_dashboard.ipynb", "03_workshop_dashboard.ipynb",
                 "voila/files/01_take_survey.ipynb", "api/contents", "api/kernels", "api/sessions",
                 "lab", "notebooks/03_workshop_dashboard.ipynb",
                 "voila/static/..%2F..%2Fpyproject.toml", "?notebook=03_workshop_dashboard.ipynb"]:
        status = _get_followed(base + path)
        if path.startswith("?"):  # the query is ignored: still the questionnaire
            assert status == 200
            continue
        assert status in (403, 404), (path, status)


@pytest.mark.slow
@pytest.mark.fault("server: visitor without the token", expect="no page: refused or sent to the login form")
def test_public_mode_requires_the_token(netsoc_server):
    # --public with a token, bound to loopback so nothing leaves the machine
    port = netsoc_server("dashboard", "--public", "--token", "only-the-facilitator-knows")
    base = f"http://127.0.0.1:{port}/"
    for url in (base, base + "?token=participants-link"):
        status, location = _get(url)
        # no page without the token: refused, or sent to the login form
        assert status == 403 or (status == 302 and location.split("?")[0].endswith("/login")), \
            (url, status, location)
    assert _get(base + "?token=only-the-facilitator-knows")[0] == 200
