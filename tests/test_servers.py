"""Servers started by netsoc: loopback by default, token for anything else,
and the participants' server serves the questionnaire and nothing else."""

from __future__ import annotations

import json
import os
import signal
import struct
import subprocess
import sys
import urllib.error
import urllib.request

import pytest

from netsoc.cli import main
from netsoc.server import ServerConfig, free_port, wait_for_port
from netsoc.server.guard import MAX_TEXT_BYTES, FrameRefused, check_frame
from netsoc.server.run import server_command
from survey.errors import NetsocError
from tests.helpers import binary_frame, widget_msg


# ------------------------------------------------------------------ pure
def test_loopback_is_the_default():
    c = ServerConfig().check()
    assert c.ip == "127.0.0.1" and c.token is None and not c.public
    assert ServerConfig.from_json(c.to_json()) == c
    cmd = server_command(c)
    assert cmd[1:3] == ["-m", "netsoc.server"] and json.loads(cmd[3])["ip"] == "127.0.0.1"


@pytest.mark.fault("server: listening beyond loopback", expect="refused without --public and a token")
@pytest.mark.parametrize("ip", ["0.0.0.0", "::", "192.168.1.5", "example.org"])
def test_other_interfaces_need_public_and_token(ip):
    with pytest.raises(NetsocError, match="is not loopback; serving to other machines needs --public"):
        ServerConfig(ip=ip).check()
    with pytest.raises(NetsocError, match="requires a token"):
        ServerConfig(ip=ip, public=True).check()
    assert ServerConfig(ip=ip, public=True, token="s3cret-Token").check().ip == ip


@pytest.mark.fault("server: listening beyond loopback", expect="refused without --public and a token")
@pytest.mark.parametrize("command", ["survey", "dashboard"])
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


@pytest.mark.parametrize(("field", "value", "match"), [
    ("max_sessions", 0, "max_sessions: expected a whole number of at least 1"),
    ("session_timeout", 0, "session_timeout: expected 1 to 3600 seconds"),
    ("kind", "lab", "kind: expected one of survey, dashboard")])
def test_bad_settings(field, value, match):
    with pytest.raises(NetsocError, match=match):
        ServerConfig(**{field: value}).check()






IMAGE_OPEN = widget_msg("comm_open", {"comm_id": "evil", "target_name": "jupyter.widget",
                                "data": {"state": {"_model_name": "ImageModel",
                                                   "_model_module": "@jupyter-widgets/controls",
                                                   "value": {}}, "buffer_paths": [["value"]]}})
REQUEST_STATE = widget_msg("comm_msg", {"comm_id": "evil", "data": {"method": "request_state"}})


def test_frames_from_the_widget_front_end_pass():
    click = widget_msg("comm_msg", {"comm_id": "abc", "data": {"method": "custom",
                                                        "content": {"event": "click"}}})
    check_frame({"text": json.dumps(click)})
    check_frame({"text": json.dumps(widget_msg("kernel_info_request", {}))})
    check_frame({"text": json.dumps(widget_msg("comm_open", {"comm_id": "c", "target_name": "solara.control",
                                                       "data": {}}))})
    check_frame({"bytes": binary_frame(click, b"\x00" * 10)})


@pytest.mark.fault("server: malformed or hostile websocket frames (issue 12)",
                   expect="refused before Solara parses them")
@pytest.mark.parametrize("frame", [
    {"bytes": binary_frame(IMAGE_OPEN, b"\x89PNG" + b"\x00" * 100)},         # widget with buffers
    {"text": json.dumps(IMAGE_OPEN)},                                   # opening a widget
    {"bytes": binary_frame(REQUEST_STATE, count=0x7FFFFFFF)},                # huge buffer count
    {"bytes": binary_frame(REQUEST_STATE, count=0xFFFFFFFF)},                # negative when signed
    {"bytes": binary_frame(REQUEST_STATE)[:6]},                              # truncated header
    {"bytes": binary_frame(REQUEST_STATE, b"abc")[:-30]},                    # truncated body
    {"bytes": struct.pack("!3I", 2, 12, 2**31)},                        # offsets beyond the frame
    {"bytes": b"\x00\x01\x02 not the layout at all"},
    {"text": "{not json"}, {"text": json.dumps([1, 2])},
    {"text": json.dumps(widget_msg("execute_request", {"code": "import os"}))},
    {"text": json.dumps(widget_msg("shutdown_request", {}))},
    {"text": json.dumps(widget_msg("comm_msg", {"comm_id": "x", "data": {}}, channel="iopub"))},
    {"text": json.dumps(widget_msg("comm_msg", {"data": {}}))},
    {"text": "x" * (MAX_TEXT_BYTES + 1)},
    {"type": "websocket.receive"},
])
def test_hostile_frames_are_refused(frame):
    with pytest.raises(FrameRefused):
        check_frame(frame)


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
                 "voila/static/..%2F..%2Fpyproject.toml", "?notebook=03_workshop_dashboard.ipynb",
                 "resourcez", "resourcez?verbose", "_solara/api/evict/x", "jupyter/api/kernels/x",
                 "_solara/cdn/left-pad@1.0.0/index.js", "static/..%2F..%2Fpyproject.toml",
                 "dashboard", "analysis"]:
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
    assert _get(base + "static/assets/favicon.svg")[0] == 403  # static files too
    assert _get(base + "static/assets/favicon.svg?token=only-the-facilitator-knows")[0] == 200
    # websockets: refused without the token, accepted with the page's cookie
    from websockets.exceptions import InvalidStatus
    from websockets.sync.client import connect

    ws = f"ws://127.0.0.1:{port}/jupyter/api/kernels/k1/channels?session_id=p1"
    with pytest.raises(InvalidStatus):
        connect(ws, open_timeout=60).close()
    with connect(ws, open_timeout=60,
                 additional_headers={"Cookie": "netsoc-token=only-the-facilitator-knows"}) as c:
        c.send(json.dumps({"header": {"msg_id": "1", "msg_type": "kernel_info_request",
                                      "session": "p1", "username": "", "version": "5.2"},
                           "parent_header": {}, "metadata": {}, "channel": "shell",
                           "content": {}, "buffers": []}))
        assert "kernel_info_reply" in "".join(str(c.recv(timeout=60)) for _ in range(2))


@pytest.mark.slow
def test_workers_start_one_process_per_port(netsoc_server):
    port = netsoc_server("survey", "--workers", "2", "--cohort", "W2")
    wait_for_port(port + 1, timeout=120)
    for p in (port, port + 1):
        assert _get(f"http://127.0.0.1:{p}/")[0] == 200
        assert _listening(p) and set(_listening(p)) == {"0100007F"}
