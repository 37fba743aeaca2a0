"""Issue 22 point 2: an honest participant opens the page within 2 s and finishes
while one client attacks the real survey server.

The server is ``netsoc survey`` started from an empty folder (the
``netsoc_server`` fixture).  The attacker is this file run as a script, in its
own process (so its work does not slow the honest participant's client), from
another loopback address (:data:`ATTACKER`), so the server's limits per client
can tell it from the honest participant on 127.0.0.1.  It is bounded (at most
:data:`SOCKETS` connections at a time, for :data:`DURATION` seconds), stops by
itself and writes what it saw as JSON: every connection the server closed
(with how long it had been open) and every status it answered.

Attacks: silent sockets, many keep-alive connections asking for the page,
a flood of valid messages, slowloris (headers a byte at a time).
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

import httpx
import pytest

if TYPE_CHECKING:
    from tests.browser.protocol import Outcome

ATTACKER = "127.0.0.66"
#: Seconds an attack lasts (the honest participant needs a few).
DURATION = 15.0
#: Connections the attacker holds open at once.
SOCKETS = {"idle": 300, "connections": 200, "flood": 100, "slowloris": 200}
#: A connection the server closed within this many seconds of opening was refused at once.
AT_ONCE = 1.0


# ------------------------------------------------------------------ the attacker (a script)
class _Record:
    """What the attacker saw: ``(time, what, seconds open)``, bounded."""

    def __init__(self, cap: int = 200_000) -> None:
        self.events: list[tuple[float, str, float]] = []
        self.cap = cap

    def __call__(self, what: str, opened: float = 0.0) -> None:
        if len(self.events) < self.cap:
            now = time.time()
            self.events.append((now, what, now - opened if opened else 0.0))


async def _response(reader: asyncio.StreamReader) -> int:
    """Read one HTTP response; its status (IncompleteReadError when the server closed)."""
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    length = next(
        (int(v) for k, _, v in (h.partition(":") for h in lines[1:]) if k.lower() == "content-length"), 0
    )
    await reader.readexactly(length)
    return int(lines[0].split()[1])


def _request(method: str, path: str, body: bytes = b"") -> bytes:
    head = f"{method} {path} HTTP/1.1\r\nHost: survey\r\nAccept-Encoding: identity\r\n"
    if body:
        head += f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n"
    return head.encode() + b"\r\n" + body


async def _connect(port: int) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    return await asyncio.open_connection("127.0.0.1", port, local_addr=(ATTACKER, 0))


async def _flood_token(port: int) -> str:
    """One real visit: the flood's messages then carry a valid token."""
    r, w = await _connect(port)
    w.write(_request("GET", "/?cohort=FLOOD"))
    head = await r.readuntil(b"\r\n\r\n")
    length = int(head.lower().split(b"content-length:")[1].split(b"\r\n")[0])
    page = (await r.readexactly(length)).decode()
    token = json.loads(page.split("id='netsoc-boot'>")[1].split("</script>")[0])["state"]["token"]
    w.close()
    return str(token)


async def _slowloris(r: asyncio.StreamReader, w: asyncio.StreamWriter) -> None:
    """Headers a byte at a time, until the server closes the connection."""
    data = _request("GET", "/")[:-2] + b"X-Slow: " + b"a" * 10_000
    eof = asyncio.ensure_future(r.read(1))
    for byte in data:
        if eof.done():
            return
        w.write(bytes([byte]))
        await asyncio.wait({eof}, timeout=0.5)
    await eof


async def _requests(
    kind: str, r: asyncio.StreamReader, w: asyncio.StreamWriter, token: str, rec: _Record
) -> None:
    """Keep-alive requests (the page, or valid messages for the flood), each status recorded."""
    seq = 0
    while True:
        seq += 1
        if kind == "connections":
            w.write(_request("GET", "/"))
        else:
            msg = {"type": "page", "token": token, "seq": seq, "page": 1, "consent": True}
            msg |= {"go": "next", "answers": {}, "lang": "en"}
            w.write(_request("POST", "/api/message", json.dumps(msg).encode()))
        rec(f"status {await _response(r)}")


async def _act(kind: str, r: asyncio.StreamReader, w: asyncio.StreamWriter, token: str, rec: _Record) -> None:
    """Until the server closes the connection."""
    if kind == "idle":
        await r.read(1)
    elif kind == "slowloris":
        await _slowloris(r, w)
    else:
        await _requests(kind, r, w, token, rec)


async def _hold(kind: str, port: int, until: float, token: str, rec: _Record) -> None:
    """One of the attacker's sockets: connect, attack, and again once the server closes it."""
    while time.time() < until:
        try:
            r, w = await asyncio.wait_for(_connect(port), 5)
        except (TimeoutError, OSError):
            rec("connect failed")
            await asyncio.sleep(0.5)
            continue
        opened = time.time()
        rec("open")
        try:
            await asyncio.wait_for(_act(kind, r, w, token, rec), timeout=max(0.01, until - opened))
            rec("closed by server", opened)
        except (asyncio.IncompleteReadError, ConnectionError):
            rec("closed by server", opened)
        except TimeoutError:
            pass  # the attack is over
        w.close()
        await asyncio.sleep(0.5)


async def _attack(kind: str, port: int, until: float, rec: _Record) -> None:
    token = await _flood_token(port) if kind == "flood" else ""
    await asyncio.gather(*(_hold(kind, port, until, token, rec) for _ in range(SOCKETS[kind])))


def _run_attacker(kind: str, port: int, seconds: float, out: Path) -> None:
    rec = _Record()
    start = time.time()
    asyncio.run(_attack(kind, port, start + seconds, rec))
    out.write_text(json.dumps({"start": start, "end": time.time(), "events": rec.events}))


if __name__ == "__main__":
    _run_attacker(sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), Path(sys.argv[4]))
    sys.exit(0)


# ------------------------------------------------------------------ the tests


def _attacker_sockets(port: int) -> int:
    """The attacker's connections to ``port`` open right now (from /proc/net/tcp)."""
    me = "".join(f"{int(b):02X}" for b in reversed(ATTACKER.split(".")))
    n = 0
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        local, remote, state = line.split()[1:4]
        if local.split(":")[0] == me and int(remote.split(":")[1], 16) == port and state == "01":
            n += 1
    return n


async def _honest(port: int, cohort: str) -> Outcome:
    from tests.browser.protocol import HttpParticipant

    async with httpx.AsyncClient(timeout=30) as client:
        return await HttpParticipant(client, f"http://127.0.0.1:{port}/?cohort={cohort}", seed=22).run()


def _wait_for(condition, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("the attack did not start")
        time.sleep(0.1)


#: Extra server arguments per attack: a small room for the connection attack shows
#: one address cannot fill it (it gets at most half of --max-sessions).
#: The per-address connection cap is a high ceiling by default (1024: a room behind one venue
#: address, issue 34.2); these attacks run against a lower one to see it close sockets at once.
_CAP = ("--client-connections", "32")
ARGS = {"idle": _CAP, "connections": ("--max-sessions", "20", *_CAP), "flood": _CAP, "slowloris": _CAP}


@pytest.mark.slow
@pytest.mark.fault(
    "server: one client attacks (issue 22 pt 2)", expect="an honest phone opens in 2 s and finishes"
)
@pytest.mark.parametrize("kind", ["idle", "connections", "flood", "slowloris"])
def test_an_honest_participant_is_served_while_one_client_attacks(kind, netsoc_server, tmp_path, capsys):
    port = netsoc_server("survey", *ARGS[kind])
    report = tmp_path / "attack.json"
    attacker = subprocess.Popen(
        [sys.executable, __file__, kind, str(port), str(DURATION), str(report)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        _wait_for(lambda: _attacker_sockets(port) >= 5, timeout=20)
        time.sleep(1.0)  # the attack is in full swing
        began = time.time()
        out = asyncio.run(_honest(port, "HONEST"))
        ended = time.time()
        open_then = _attacker_sockets(port)
        _, err = attacker.communicate(timeout=DURATION + 30)  # it stops by itself
    finally:
        if attacker.poll() is None:
            attacker.kill()
            attacker.wait()
    assert attacker.returncode == 0, err.decode()[-2000:]
    seen = json.loads(report.read_text())
    events = seen["events"]
    refused_after = [e for e in events if e[0] >= ended and e[1] == "closed by server" and e[2] < AT_ONCE]
    statuses = sorted({e[1] for e in events if e[1].startswith("status")})
    timed_out = sorted(e[2] for e in events if e[1] == "closed by server" and e[2] >= AT_ONCE)
    median = timed_out[len(timed_out) // 2] if timed_out else 0.0
    with capsys.disabled():
        print(
            f"\n[{kind}] honest open {out.open_s:.2f} s, whole {ended - began:.2f} s, "
            f"retries {out.retries}; attacker: {sum(e[1] == 'open' for e in events)} connections, "
            f"{sum(e[1] == 'closed by server' and e[2] < AT_ONCE for e in events)} refused at once, "
            f"{len(timed_out)} closed later (median after {median:.1f} s), "
            f"{open_then} open when the honest one finished, statuses {statuses}"
        )
    assert out.ok, out.errors
    assert out.open_s < 2.0, out.open_s
    from survey.store import open_store

    with open_store(netsoc_server.db) as store:
        assert store.count(cohort="HONEST") == 1  # stored once
    # the attack was really running when the honest participant finished
    assert ended < seen["end"] and open_then > 0
    assert refused_after, "the attacker was no longer refused after the honest participant finished"
    if kind in ("idle", "slowloris"):  # silent and slow sockets are closed by the server
        assert timed_out
    if kind == "flood":
        assert "status 429" in statuses  # its budget ran out; the honest one's did not
    log = netsoc_server.log.read_text()
    assert "Traceback" not in log
    assert log.count("refused") <= 10, log[-3000:]  # one line per refused client and reason
