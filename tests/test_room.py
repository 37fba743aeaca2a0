"""Many participants on the real server, at the protocol level (no browser).

- A hostile websocket client (issue 12 pt 1) cannot stall the server: while
  it sends widget-opening frames with binary buffers, ``request_state``,
  truncated frames, huge buffer counts and stray binary frames, another
  visitor still gets the page and a static file, and memory stays bounded.
- Two participants at once with different answers, workshops and languages
  each get their own stored row and feedback.
- Two server processes on one PostgreSQL store: every response is stored
  exactly once and the dashboard counts all of them.

Participants are :class:`tests.browser.protocol.ProtocolParticipant`: they
speak Solara's widget protocol over a websocket, as the page does.
Everything stays on 127.0.0.1; no timings are asserted.
"""

from __future__ import annotations

import asyncio
import json
import os
import struct
import threading
import time
import urllib.request
import uuid

import psutil
import pytest

from survey.instrument import load_instrument
from survey.store import open_store
from tests.browser.protocol import ProtocolParticipant
from tests.browser.server import run_server
from tests.helpers import binary_frame, pg_schema, widget_msg
from tests.test_store import pg_engine  # noqa: F401 - fixture

pytestmark = pytest.mark.slow
PG_URL = os.environ.get("NETSOC_TEST_PG_URL")






def _hostile_frames() -> list[bytes | str]:
    image = widget_msg("comm_open", {"comm_id": "evil", "target_name": "jupyter.widget", "data": {
        "state": {"_model_name": "ImageModel", "_model_module": "@jupyter-widgets/controls",
                  "_model_module_version": "2.0.0", "_view_name": "ImageView", "value": {}},
        "buffer_paths": [["value"]]}})
    request_state = widget_msg("comm_msg", {"comm_id": "evil", "data": {"method": "request_state"}})
    return [binary_frame(image, b"\x89PNG" + os.urandom(200_000)), json.dumps(request_state),
            binary_frame(request_state), binary_frame(request_state, count=0x7FFFFFFF),
            binary_frame(request_state, count=0xFFFFFFFF), binary_frame(request_state, b"abc")[:-20],
            struct.pack("!I", 3), b"\x00\x00\x00\x02" + os.urandom(64), "{not json",
            json.dumps(widget_msg("execute_request", {"code": "import os; os._exit(1)"}))]


@pytest.mark.fault("server: one visitor's websocket stalls everyone (issue 12)",
                   expect="hostile frames refused; others still served; memory bounded")
def test_hostile_websocket_client_cannot_stall_the_server(tmp_path):
    from websockets.sync.client import connect

    frames = _hostile_frames()
    with run_server("survey", tmp_path) as server:
        proc = psutil.Process(server.process.pid)
        ws_base = server.url.replace("http://", "ws://") + "jupyter/api/kernels/"
        urllib.request.urlopen(server.url, timeout=60).read()
        rss0 = proc.memory_info().rss
        stop, sent, peak = threading.Event(), [0], [rss0]

        def attack() -> None:
            while not stop.is_set():
                for frame in frames:
                    try:  # no kernel_info, no solara.control: straight to the widget layer
                        with connect(f"{ws_base}{uuid.uuid4()}/channels?session_id=x",
                                     open_timeout=30, max_size=None) as c:
                            c.send(frame)
                            c.send(binary_frame(widget_msg("comm_msg", {"comm_id": "evil", "data": {
                                "method": "request_state"}}), count=0x7FFFFFFF))
                            try:
                                c.recv(timeout=0.5)
                            except Exception:  # noqa: BLE001 - refused and closed is the point
                                pass
                    except Exception:  # noqa: BLE001
                        pass
                    sent[0] += 1
                    peak[0] = max(peak[0], proc.memory_info().rss)

        attackers = [threading.Thread(target=attack, daemon=True) for _ in range(3)]
        for a in attackers:
            a.start()
        time.sleep(3)
        waits = []
        for _ in range(5):
            t = time.monotonic()
            page = urllib.request.urlopen(server.url, timeout=120).read()
            icon = urllib.request.urlopen(server.url + "static/assets/favicon.svg", timeout=120).read()
            waits.append(time.monotonic() - t)
            assert all(a.is_alive() for a in attackers)  # answered while the attack runs
            assert b"<html" in page and b"<svg" in icon
        stop.set()
        for a in attackers:
            a.join(timeout=60)
        refused = server.sessions()["refused_frames"]
        # an honest participant still completes the questionnaire afterwards
        honest = asyncio.run(ProtocolParticipant(server.url, 0, seed=3, query="cohort=AFTER",
                                                 timeout=120).run())
    print(f"hostile frames sent: {sent[0]}, refused: {refused}, visitor waits: "
          f"{[round(w, 3) for w in waits]} s, memory +{(peak[0] - rss0) / 2**20:.0f} MB")
    assert sent[0] >= 20 and refused >= sent[0] // 2
    assert peak[0] - rss0 < 300 * 2**20, (peak[0] - rss0) / 2**20
    assert honest.error is None, honest.error


@pytest.mark.fault("server: one participant's state reaching another",
                   expect="each stored row and feedback is the participant's own")
def test_two_participants_at_once_stay_apart(tmp_path):
    inst = load_instrument()
    with run_server("survey", tmp_path) as server:
        a = ProtocolParticipant(server.url, 1, seed=11, query="cohort=ISO-A&lang=en",
                                comment="iso-a", timeout=120)
        b = ProtocolParticipant(server.url, 2, seed=22, query="cohort=ISO-B", comment="iso-b",
                                timeout=120, accept_language="de-DE,de;q=0.9")

        async def both():
            return await asyncio.gather(a.run(), b.run())

        oa, ob = asyncio.run(both())
        assert oa.error is None and ob.error is None, (oa.error, ob.error, server.log_text()[-2000:])
        with open_store(server.db, instrument=inst) as store:
            df = store.to_frame()
    assert len(df) == 2
    rows = df.set_index("comment")
    for o, cohort in ((oa, "ISO-A"), (ob, "ISO-B")):
        row = rows.loc[o.clicked["comment"]]
        assert row["cohort"] == cohort
        for qid in inst.question_ids:
            assert row[qid] == o.clicked[qid], (cohort, qid)
        assert o.feedback_text
    assert [oa.clicked[q] for q in inst.question_ids] != [ob.clicked[q] for q in inst.question_ids]
    if "language" in rows.columns:
        assert rows.loc["iso-a", "language"] == "en"
        if "de" in inst.languages:
            assert rows.loc["iso-b", "language"] == "de"


@pytest.fixture
def pg_url(pg_engine):
    with pg_schema(pg_engine, PG_URL, prefix="room") as url:
        yield url


@pytest.mark.postgres
@pytest.mark.fault("scale out: two server processes on one PostgreSQL store",
                   expect="every response stored exactly once; the dashboard counts all")
def test_two_processes_share_one_postgresql_store(tmp_path, pg_url):
    from netsoc.dashboard import Dashboard, DashboardSettings

    n = 16
    inst = load_instrument()
    with run_server("survey", tmp_path / "a", db=pg_url) as one, \
            run_server("survey", tmp_path / "b", db=pg_url) as two:
        people = [ProtocolParticipant((one, two)[i % 2].url, i, seed=500 + i,
                                      query="cohort=PG-ROOM", comment=f"pg-{i}", timeout=180)
                  for i in range(n)]

        async def room():
            return await asyncio.gather(*[p.run() for p in people])

        outcomes = asyncio.run(room())
        assert not [o.error for o in outcomes if o.error], [o.error for o in outcomes if o.error]
    with open_store(pg_url, instrument=inst) as store:
        df = store.to_frame(cohort="PG-ROOM")
    assert len(df) == n and df["respondent_id"].is_unique
    assert sorted(df["comment"]) == sorted(f"pg-{i}" for i in range(n))
    for o in outcomes:
        row = df.set_index("comment").loc[o.clicked["comment"]]
        assert all(row[q] == o.clicked[q] for q in inst.question_ids)
    dash = Dashboard.open(DashboardSettings(db=pg_url, cohort="PG-ROOM"))
    assert dash.count() == n and dash.snapshot().n == n
