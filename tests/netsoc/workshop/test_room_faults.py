"""The fault suite of issue 34: real servers from an empty temporary folder, traffic on
127.0.0.1 only, each case asserting nothing lost, nothing doubled and what participants see.

- ``netsoc workshop`` killed (SIGKILL, the whole process group) with phones mid-page and
  started again with the same command: the same join address, QR code and join code, and
  every phone goes on from its page to one stored response;
- 300 phones from one address within a minute on ``netsoc survey`` with default flags;
- two survey servers on one store, one with its clock two minutes behind: the projector's
  batches of k keep their members (release order is the store's arrival number);
- PostgreSQL killed and restarted with phones on their last page: 503 "store", then each
  submit stored once;
- a fresh server's first phone costs what the others do.

(The lost Submit reply, closing mid-questionnaire, a token the server cannot read and an
unreachable SQLite store are in tests/netsoc/server/test_room_trust.py; closing and reopening,
another secret and a store that refuses writes as a full disk does, in Chromium, in
tests/browser/test_room_browser.py; a body trickled in, in tests/netsoc/server/test_servers.py.)
"""

from __future__ import annotations

import asyncio
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from netsoc.server.net import free_port, wait_for_port
from survey.privacy import published
from survey.store import open_store
from tests.browser.protocol import HttpParticipant
from tests.netsoc.workshop.block import block_field as _field
from tests.netsoc.workshop.block import loopback as _loopback
from tests.netsoc.workshop.block import qr_text as _qr_text
from tests.netsoc.workshop.block import workshop_env as _env

HOST = "192.0.2.10"  # TEST-NET-1: the address printed for phones; traffic goes to 127.0.0.1


def _start(tmp_path: Path, log: Path, argv: list[str]) -> subprocess.Popen:
    with open(log, "wb") as out:
        return subprocess.Popen(
            argv,
            env=_env(tmp_path),
            stdout=out,
            stderr=subprocess.STDOUT,
            cwd=tmp_path,
            start_new_session=True,
        )


def _block(proc: subprocess.Popen, log: Path, timeout: float = 120.0) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        text = log.read_text(encoding="utf-8", errors="replace")
        if "To stop:" in text:
            return text
        if proc.poll() is not None:
            raise AssertionError(f"netsoc workshop exited ({proc.returncode}):\n{text}")
        time.sleep(0.2)
    raise AssertionError(f"no start-up block:\n{log.read_text()}")


def _stop(proc: subprocess.Popen, sig: int) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, sig)
        proc.wait(timeout=30)


async def _phones_to_page(join: str, n: int, page: int) -> list[HttpParticipant]:
    phones = []
    for i in range(n):
        async with httpx.AsyncClient(timeout=60) as client:
            p = HttpParticipant(client, join, seed=100 + i, comment=f"phone {i}")
            first = await p.open()
            p.pages, p.state = first["pages"], {**first, "page": 1, "errors": {}}
            while p.state["page"] < page:
                await p.page()
            p.cookies = httpx.Cookies(client.cookies)  # the phone's access cookie
        phones.append(p)
    return phones


async def _finish(phones: list[HttpParticipant], page: int) -> list[dict]:
    done = []
    for p in phones:
        async with httpx.AsyncClient(timeout=60, cookies=p.cookies) as client:
            p.client = client
            reply = await p.send({"type": "hello"})  # the reopened page asks where it stands
            assert reply["state"] == "active" and reply["page"] == page, reply  # not back at the start
            p.state = reply
            while p.state["page"] < len(p.pages) - 1:
                await p.page()
            done.append(await p.page("stay", submit=True))
    return done


@pytest.mark.slow
@pytest.mark.fault("workshop: SIGKILL and restart with phones mid-page (issue 34.1)", expect="all go on")
def test_a_killed_workshop_starts_again_where_every_phone_was(tmp_path):
    db = tmp_path / "room.sqlite"
    port, dport = free_port(), free_port()
    argv = [sys.executable, "-m", "netsoc", "workshop", "--cohort", "WS-K", "--db", str(db), "--create"]
    argv += ["--port", str(port), "--dashboard-port", str(dport), "--host", HOST]
    first = _start(tmp_path, tmp_path / "first.log", argv)
    try:
        block = _block(first, tmp_path / "first.log")
        join = _field(block, "Participants join at")
        phones = asyncio.run(_phones_to_page(_loopback(join), 6, 3))
        assert open_store(db).count("WS-K", include_drafts=True) == 6  # six drafts on page 3
    finally:
        _stop(first, signal.SIGKILL)  # a crash: nothing runs on the way out
    again = _start(tmp_path, tmp_path / "again.log", argv)
    try:
        block2 = _block(again, tmp_path / "again.log")
        wait_for_port(port, timeout=30)
        assert _field(block2, "Participants join at") == join  # same address, token and QR code
        assert _qr_text(block2) == _qr_text(block)
        for field in ("Dashboard (projector)", "Controls (laptop)"):  # the projector's tab goes on too
            assert _field(block2, field) == _field(block, field)
        code = re.search(r"Or type the join code:  (\d{3} \d{4})   at  (\S+)", block)
        assert code and code.group(0) in block2 and code.group(2) == f"http://{HOST}:{port}/"
        done = asyncio.run(_finish(phones, 3))
    finally:
        _stop(again, signal.SIGTERM)
    assert [d["state"] for d in done] == ["submitted"] * 6
    with open_store(db) as store:
        frame = store.to_frame(cohort="WS-K", include_drafts=True)
    assert len(frame) == 6 and set(frame["status"]) == {"submitted"}  # nothing orphaned or doubled
    for p in phones:
        row = frame[frame["respondent_id"] == p._rid()].iloc[0]
        assert all(row[k] == v for k, v in p.out.answers.items())  # every answer, old pages too
    assert "Traceback" not in (tmp_path / "again.log").read_text()


async def _room_from_one_address(url: str, n: int, within: float) -> list:
    from tests.browser.wire import WireClient

    async def one(i: int):
        await asyncio.sleep(i * within / n)
        async with WireClient(timeout=60) as client:
            # reading each page for a second: about 60 phones hold a connection at once
            return await HttpParticipant(client, url, seed=i, comment=f"room-{i}", think=1.0).run()

    return await asyncio.gather(*(one(i) for i in range(n)))


@pytest.mark.slow
@pytest.mark.fault(
    "survey: 300 phones from one address within a minute (issue 34.2)", expect="all stored once"
)
def test_three_hundred_phones_behind_one_address_all_finish_with_default_flags(tmp_path):
    from tests.browser.server import run_server

    # (with the old cap of 32 connections per address, 122 of the 300 failed here)
    with run_server("survey", tmp_path, args=("--cohort", "NAT")) as server:
        outs = asyncio.run(_room_from_one_address(server.url, 300, 40.0))
        log = server.log_text()
    failed = [o.errors for o in outs if not o.ok]
    assert not failed, (len(failed), failed[:3])
    with open_store(server.db) as store:
        frame = store.to_frame(cohort="NAT", include_drafts=True)
    counts = frame["comment"].astype(str).value_counts()
    assert len(frame) == 300 and all(counts.get(f"room-{i}") == 1 for i in range(300))
    assert "Traceback" not in log


_SKEWED = """
import datetime as dt, sys
import survey.store.writes as writes
writes.utcnow = lambda: dt.datetime.now(dt.UTC) - dt.timedelta(seconds=float(sys.argv[1]))
from netsoc.cli import main
sys.exit(main(sys.argv[2:]))
"""


@pytest.mark.slow
@pytest.mark.fault("survey: two servers on one store, clocks 120 s apart (issue 34.5)", expect="batches keep")
def test_batches_of_k_keep_their_members_when_two_servers_clocks_differ(tmp_path):
    """The second server's wall clock is two minutes behind (its store writes read the time
    through ``survey.store.writes.utcnow``, shifted in that process only, as libfaketime would)."""
    db = tmp_path / "two.sqlite"
    open_store(db).close()
    servers = []
    for skew in (0, 120):
        port = free_port()
        argv = [sys.executable, "-c", _SKEWED, str(skew), "survey", "--cohort", "TWO", "--db", str(db)]
        servers.append((_start(tmp_path, tmp_path / f"s{skew}.log", [*argv, "--port", str(port)]), port))
    try:
        for proc, port in servers:
            wait_for_port(port, timeout=60, process=proc)
        right, behind = (f"http://127.0.0.1:{port}/" for _, port in servers)

        async def people(url: str, seeds: range) -> list:
            async with httpx.AsyncClient(timeout=60) as c:
                return [await HttpParticipant(c, url, seed=s).run() for s in seeds]

        first = asyncio.run(people(right, range(5)))
        store = open_store(db)
        shown = set(published(store.to_frame(cohort="TWO"), 5)["respondent_id"])
        victim = asyncio.run(people(behind, range(5, 6)))[0]
        frame = store.to_frame(cohort="TWO")
        stamp = frame.set_index("respondent_id")["submitted_at"]
        assert stamp[victim.respondent_id] < min(stamp[o.respondent_id] for o in first)  # the skew
        assert set(published(frame, 5)["respondent_id"]) == shown  # the projector does not move
        later = asyncio.run(people(right, range(6, 10)))
        ten = set(published(store.to_frame(cohort="TWO"), 5)["respondent_id"])
        store.close()
    finally:
        for proc, _ in servers:
            _stop(proc, signal.SIGTERM)
    assert all(o.ok for o in [*first, victim, *later])
    assert shown == {o.respondent_id for o in first}
    assert ten == shown | {victim.respondent_id} | {o.respondent_id for o in later}  # a later batch


@pytest.mark.slow
def test_a_fresh_servers_first_phone_costs_what_the_others_do(tmp_path):
    """34.8: everything the first submit needs is loaded at start-up (the norms, the
    feedback in every language, the store's reader), so the first phone's server CPU is
    within 30 ms of the others' (it was 150-180 ms against 14-22 ms)."""
    import psutil

    from tests.browser.server import run_server
    from tests.browser.wire import WireClient

    async def phone(url: str, seed: int, lang: str) -> bool:
        async with WireClient(timeout=60) as client:
            return (await HttpParticipant(client, url, seed=seed, lang=lang).run()).ok

    with run_server("survey", tmp_path, args=("--cohort", "CPU")) as server:
        proc = psutil.Process(server.process.pid)
        time.sleep(1.0)  # start-up finished
        costs = []
        for seed, lang in enumerate(["de", "fr", "en", "de", "fr", "en"]):
            before = sum(proc.cpu_times()[:2])
            assert asyncio.run(phone(server.url, seed, lang))
            costs.append(sum(proc.cpu_times()[:2]) - before)
    others = sorted(costs[1:])[len(costs[1:]) // 2]
    assert costs[0] - others < 0.030, [round(c * 1000) for c in costs]


def _pg_ctl(base: str, *args: str) -> None:
    import glob
    import shutil as sh

    bindir = sorted(glob.glob("/usr/lib/postgresql/*/bin"))[-1]
    cmd = [f"{bindir}/pg_ctl", "-D", f"{base}/data", *args]
    if os.geteuid() == 0:
        cmd = [sh.which("runuser") or "runuser", "-u", "postgres", "--", *cmd]
    subprocess.run(cmd, check=True, capture_output=True, timeout=120)


@pytest.mark.slow
@pytest.mark.postgres
@pytest.mark.fault("survey: PostgreSQL killed and restarted mid-room (issue 34.9)", expect="sent again, once")
def test_postgres_killed_mid_room_then_every_submit_is_stored_once(tmp_path):
    """Four phones on their last page; PostgreSQL is killed (immediate stop): each submit gets
    503 "store" (the page keeps the answers and names the store), one log line, no traceback;
    PostgreSQL starts again and the same submits are stored once each."""
    from urllib.parse import urlsplit as split

    from tests.browser.server import run_server
    from tests.conftest import require

    script = Path(__file__).resolve().parents[3] / ".ci" / "postgres.sh"
    made = subprocess.run(["bash", str(script)], capture_output=True, text=True, timeout=180)
    require(made.returncode == 0, f"no PostgreSQL server binaries: {made.stderr[-300:]}")
    url, base = made.stdout.strip(), made.stderr.split("stop with: .ci/postgres.sh stop ")[-1].split()[0]
    port = split(url.replace("postgresql+psycopg", "http")).port
    try:
        with run_server("survey", tmp_path, db=url, args=("--cohort", "PGK")) as server:

            async def room() -> tuple[list, list, list]:
                async with httpx.AsyncClient(timeout=60) as c:
                    phones = [HttpParticipant(c, server.url, seed=40 + i) for i in range(4)]
                    for p in phones:
                        first = await p.open()
                        p.pages, p.state = first["pages"], {**first, "page": 1, "errors": {}}
                        while p.state["page"] < len(p.pages) - 1:
                            await p.page()
                    _pg_ctl(base, "-m", "immediate", "stop")  # killed: no clean shutdown
                    bodies = []
                    for p in phones:
                        answers = p._answers(*p.pages[p.state["page"]])
                        p.out.answers.update(answers)
                        body = {"type": "submit", "seq": p.seq + 1, "token": p.token, "page": p.state["page"]}
                        bodies.append(body | {"answers": answers, "go": "stay", "lang": "en"})
                    down = [await c.post(server.url + "api/message", json=b) for b in bodies]
                    _pg_ctl(
                        base,
                        "-l",
                        f"{base}/server.log",
                        "-w",
                        "-t",
                        "60",
                        "-o",
                        f"-c listen_addresses=127.0.0.1 -p {port} -k {base} -c fsync=off",
                        "start",
                    )
                    again = [await c.post(server.url + "api/message", json=b) for b in bodies]
                    return phones, down, again

            phones, down, again = asyncio.run(room())
            log = server.log_text()
        assert [r.status_code for r in down] == [503] * 4 and {r.json()["reason"] for r in down} == {"store"}
        assert [r.json()["state"] for r in again] == ["submitted"] * 4
        assert log.count("store down") == 1 and "Traceback" not in log
        with open_store(url) as store:
            frame = store.to_frame(cohort="PGK", include_drafts=True)
        assert len(frame) == 4 and set(frame["status"]) == {"submitted"}
        for p in phones:
            row = frame[frame["respondent_id"] == p._rid()].iloc[0]
            assert all(row[k] == v for k, v in p.out.answers.items())
    finally:
        subprocess.run(["bash", str(script), "stop", base], capture_output=True, timeout=120)
