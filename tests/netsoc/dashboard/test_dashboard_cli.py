"""``netsoc dashboard`` as a real process: its start-up block, the join-address warning on the
terminal and on the projector, and one log line per refusal (not one per request)."""

from __future__ import annotations

import http.client
import json
import socket
import time

import pytest

from analysis.demo import make_demo
from survey.store import open_store
from tests.browser.server import run_server

TOKEN = "cli-token-1234"


def _get(port: int, path: str, cookie: str = "") -> tuple[int, str]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request("GET", path, headers={"Cookie": cookie} if cookie else {})
    r = conn.getresponse()
    return r.status, r.read().decode()


@pytest.mark.slow
def test_the_command_warns_when_the_join_address_cannot_work(tmp_path, instrument):
    db = tmp_path / "room.sqlite"
    with open_store(db, instrument=instrument) as store:
        df = make_demo(n=3, seed=1, instrument=instrument)
        df["cohort"] = "WS-1"
        store.import_frame(df, source="test")
    with socket.socket() as s:  # a port where nothing listens
        s.bind(("127.0.0.1", 0))
        dead = s.getsockname()[1]
    args = ["--cohort", "WS-1", "--token", TOKEN, "--survey-url", f"http://127.0.0.1:{dead}/"]
    with run_server("dashboard", tmp_path / "srv", db=db, args=args) as server:
        cookie = f"netsoc_dashboard={TOKEN}"
        status, body = _get(server.port, "/deck", cookie)
        assert status == 200
        cards = json.loads(body)["html"]
        assert f"Nothing answers at 127.0.0.1:{dead}" in cards and "role='alert'" in cards
        for _ in range(5):  # five refusals of one kind from one client ...
            assert _get(server.port, "/control")[0] == 403
        time.sleep(0.5)
        log = server.log_text()
    assert "presenter view:  http://127.0.0.1:" in log and f"?token={TOKEN}" in log
    assert f"warning: Nothing answers at 127.0.0.1:{dead}" in log
    assert log.count("dashboard refused a visitor without the token") == 1  # ... one line
    assert "Traceback" not in log
