"""Two survey servers behind nginx, every request sent round robin: nothing sticks, nothing is lost.

Two ``netsoc survey`` processes share one store and one ``--secret-file``;
nginx (Debian's) sends each request to the next server.  Twenty protocol-level
participants (each with its own address in ``X-Forwarded-For``, which the
servers trust from nginx only) and two real Chromium participants answer the
whole questionnaire through nginx.  Each response is stored exactly once,
both servers did part of the work, and ``netsoc dashboard`` on the same store
counts them all.
"""

from __future__ import annotations

import asyncio
import json
import threading
import urllib.request

import httpx
import numpy as np
import pytest

from survey.instrument import load_instrument
from tests.browser.form import finish, phone, run_to_comment, start_survey, stored
from tests.browser.protocol import HttpParticipant
from tests.browser.server import run_nginx, run_server

pytestmark = [pytest.mark.browser, pytest.mark.slow]
N = 20


async def _protocol_room(url: str) -> list:
    async def one(i: int):
        async with httpx.AsyncClient(timeout=60) as client:
            return await HttpParticipant(
                client, url + "?cohort=RR", seed=500 + i, forwarded_for=f"10.9.0.{i + 1}", comment=f"rr-{i}"
            ).run()

    return await asyncio.gather(*[one(i) for i in range(N)])


def _served(port: int) -> int:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/_netsoc/health", timeout=30) as r:
        return json.loads(r.read())["served"]


def test_two_servers_round_robin_store_each_response_once(chromium_browser, tmp_path):
    inst = load_instrument()
    db = tmp_path / "shared.sqlite"
    args = ["--trusted-proxy", "127.0.0.1", "--secret-file", str(tmp_path / "secret")]
    with (
        run_server("survey", tmp_path / "a", db=db, args=args) as a,
        run_server("survey", tmp_path / "b", db=db, args=args) as b,
        run_nginx([a.port, b.port], tmp_path / "nginx") as url,
    ):
        # in a thread: the sync Playwright of the browser fixture runs a loop in this one
        box: list = []
        worker = threading.Thread(target=lambda: box.append(asyncio.run(_protocol_room(url))))
        worker.start()
        worker.join(timeout=300)
        outcomes = box[0]
        assert [o.errors for o in outcomes if o.errors] == []
        rng = np.random.default_rng(9)
        for i in range(2):
            with phone(chromium_browser) as page:
                start_survey(page, url + "?cohort=RR")
                run_to_comment(page, inst, rng)
                finish(page, f"chromium-{i}")
        served = (_served(a.port), _served(b.port))
        assert min(served) > N, served  # both did the work (each participant: ~12 requests)
        with (
            run_server(
                "dashboard",
                tmp_path / "d",
                db=db,
                args=[
                    "--cohort",
                    "RR",
                    "--token",
                    "dash-token-123",
                    "--survey-url",
                    url + "?cohort=RR",
                    "--no-join-check",
                    "--interval",
                    "1",
                ],
            ) as dash,
            phone(chromium_browser, viewport={"width": 1280, "height": 720}) as page,
        ):
            page.goto(dash.url + "?token=dash-token-123")
            page.locator(f"#netsoc-count[data-n='{N + 2}']").wait_for(state="attached", timeout=90_000)
    df = stored(db, inst, cohort="RR")
    assert len(df) == N + 2 and (df["status"] == "submitted").all()
    assert df["respondent_id"].is_unique
    assert sorted(df["comment"]) == sorted([f"rr-{i}" for i in range(N)] + ["chromium-0", "chromium-1"])
