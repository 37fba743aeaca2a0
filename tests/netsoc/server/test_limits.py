"""Limits of the survey server (issue 22): per-client budgets on arrival, the in-flight cap,
bounded memory per participant, one log line per refusal."""

from __future__ import annotations

import asyncio
import json
import logging
import tracemalloc

import httpx
import pytest

from netsoc.server.app import BUSY_RETRY_S, Guard, survey_app
from netsoc.server.config import ServerConfig
from netsoc.server.limits import ClientBudgets, PeerConnections, RefusalLog, client_address, parse_proxies
from netsoc.server.messages import parse_message
from survey.store import open_store
from tests.browser.protocol import HttpParticipant


@pytest.fixture
def store(tmp_path, instrument):
    s = open_store(tmp_path / "limits.sqlite", instrument=instrument)
    yield s
    s.close()


def test_forwarded_for_counts_only_behind_a_trusted_proxy():
    proxies = parse_proxies(["127.0.0.1", "10.0.0.0/8"])
    assert client_address("127.0.0.1", "203.0.113.9", proxies) == "203.0.113.9"
    # a client's own forged entry comes first; the proxy appends the real address
    assert client_address("127.0.0.1", "1.2.3.4, 203.0.113.9", proxies) == "203.0.113.9"
    assert client_address("127.0.0.1", "203.0.113.9, 10.1.1.1", proxies) == "203.0.113.9"
    assert client_address("198.51.100.7", "1.2.3.4", proxies) == "198.51.100.7"  # untrusted
    assert client_address("127.0.0.1", None, proxies) == "127.0.0.1"
    with pytest.raises(ValueError, match="not an IP address"):
        parse_proxies(["proxy.example.org"])


def test_budget_is_charged_on_arrival_and_refills():
    now = [0.0]
    b = ClientBudgets(rate=1.0, burst=3.0, max_in_flight=2, clock=lambda: now[0])
    assert b.charge("a", 1) is None and b.charge("a", 1) is None
    assert b.charge("a", 1) == "in_flight"  # two open already
    b.release("a")
    assert b.charge("a", 2) == "rate"  # 1 unit left
    assert b.charge("b", 2) is None  # another client: its own budget
    now[0] = 5.0
    assert b.charge("a", 2) is None
    assert b.retry_after("a", 3) >= 1


def test_the_table_of_clients_stays_bounded():
    b = ClientBudgets(max_clients=100)
    for i in range(5000):
        b.charge(f"10.0.{i // 256}.{i % 256}", 1)
        b.release(f"10.0.{i // 256}.{i % 256}")
    assert len(b._table) == 100


def test_one_log_line_per_client_and_reason(caplog):
    now = [100.0]
    log = RefusalLog(every=60, cap=5, clock=lambda: now[0])
    with caplog.at_level(logging.WARNING, logger="netsoc.server"):
        for _ in range(1000):
            log.refuse("10.0.0.1", "rate")
        for i in range(50):
            log.refuse(f"10.0.1.{i}", "invalid")
    lines = [r for r in caplog.records if r.name == "netsoc.server"]
    assert len(lines) == 5  # one for the flood, then the per-second cap
    assert all("Traceback" not in r.getMessage() for r in lines)
    assert log.suppressed == 1045


def test_requests_in_flight_are_capped_and_told_to_retry():
    release = asyncio.Event()

    async def slow(scope, receive, send):
        await release.wait()
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})

    config = ServerConfig(max_sessions=2, client_rate=0).check()
    guard = Guard(slow, config, ClientBudgets(0), RefusalLog())

    async def go():
        transport = httpx.ASGITransport(app=guard)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as c:
            first = [asyncio.create_task(c.get("/api/x")) for _ in range(2)]
            await asyncio.sleep(0.05)
            third = await c.get("/api/x")
            release.set()
            done = await asyncio.gather(*first)
            return third, done, guard.in_flight

    third, done, left = asyncio.run(go())
    assert third.status_code == 503 and third.headers["retry-after"] == str(BUSY_RETRY_S)
    assert [r.status_code for r in done] == [200, 200] and left == 0


def test_an_honest_participant_finishes_while_another_client_floods(store):
    config = ServerConfig(secret="s" * 32, client_rate=5.0, trusted_proxies=("127.0.0.1",))
    app = survey_app(config.check(), instrument=store.instrument, store=store)

    async def go():
        transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 5000))
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as c:

            async def flood():
                codes = []
                for _ in range(300):
                    r = await c.post(
                        "/api/message", content=b"{}", headers={"X-Forwarded-For": "203.0.113.66"}
                    )
                    codes.append(r.status_code)
                return codes

            honest = HttpParticipant(c, "http://t/?cohort=HONEST", seed=4, forwarded_for="198.51.100.1")
            codes, out = await asyncio.gather(flood(), honest.run())
            return codes, out

    codes, out = asyncio.run(go())
    assert out.ok, out.errors
    assert 429 in codes and set(codes) <= {422, 429}
    assert store.count(cohort="HONEST") == 1


def test_two_thousand_valid_messages_leave_no_growing_state(store):
    """Nothing a participant sends makes the server keep more: language switches included."""
    config = ServerConfig(secret="s" * 32, client_rate=0).check()
    app = survey_app(config, instrument=store.instrument, store=store)
    people = app.app.state.participants
    claims = people.new_claims("en", "MEM", False)
    token = people.token(claims)
    reply = people.handle(
        parse_message(
            json.dumps(
                {"type": "page", "token": token, "seq": 1, "page": 1, "consent": True, "go": "next"}
            ).encode()
        )
    )
    token, page = reply["token"], reply["page"]
    langs = store.instrument.languages

    def burst(n, start):
        nonlocal token
        for k in range(n):
            msg = {
                "type": "page",
                "token": token,
                "seq": start + k,
                "page": page,
                "go": "stay",
                "lang": langs[k % len(langs)],
                "answers": {},
            }
            token = people.handle(parse_message(json.dumps(msg).encode()))["token"]

    burst(200, 2)  # warm caches
    tracemalloc.start()
    before = tracemalloc.take_snapshot()
    burst(2000, 300)
    after = tracemalloc.take_snapshot()
    tracemalloc.stop()
    growth = sum(s.size_diff for s in after.compare_to(before, "filename"))
    assert growth < 3 * 2**20, growth


def test_connections_are_counted_per_address_and_capped():
    peers = PeerConnections(3, parse_proxies(["10.0.0.1"]), refusals=RefusalLog(cap=100))
    assert [peers.open("198.51.100.7") for _ in range(4)] == [True, True, True, False]
    assert peers.open("203.0.113.9")  # another address has its own share
    assert all(peers.open("10.0.0.1") for _ in range(50))  # the trusted proxy: never capped
    peers.close("198.51.100.7")
    assert peers.open("198.51.100.7") and not peers.open("198.51.100.7")
    for _ in range(3):
        peers.close("198.51.100.7")
    peers.close("203.0.113.9")
    assert peers.open_now == {} and peers.refused == 2  # nothing kept for closed addresses
    assert all(PeerConnections(0).open("198.51.100.7") for _ in range(100))  # 0: no cap


class _Transport:
    """Enough of an asyncio transport for the protocol's connection_made/lost."""

    def __init__(self, host: str, port: int) -> None:
        self.peer, self.closed = (host, port), False

    def get_extra_info(self, name, default=None):
        return {"peername": self.peer, "sockname": ("127.0.0.1", 8866)}.get(name, default)

    def close(self) -> None:
        self.closed = True

    def is_closing(self) -> bool:
        return self.closed

    def set_protocol(self, protocol) -> None:
        pass

    def pause_reading(self) -> None:
        pass

    def resume_reading(self) -> None:
        pass


@pytest.mark.fault("server: many connections from one address (issue 22 pt 2)", expect="closed at once")
def test_the_protocol_closes_a_connection_over_the_address_share_before_uvicorn_counts_it():
    import uvicorn
    from uvicorn.server import ServerState

    from netsoc.server import serve

    config = ServerConfig(max_sessions=20, client_connections=10, trusted_proxies=("127.0.0.1",)).check()
    assert serve.client_connection_cap(config) == 10  # a ceiling per address, not a share (issue 34.2)
    settings = serve.uvicorn_settings(config)
    assert settings["limit_concurrency"] >= 2 * serve.client_connection_cap(config)
    for sessions in (1, 2, 7, 64, 400, 5000):  # one address never reaches uvicorn's own cap
        c = ServerConfig(max_sessions=sessions, client_connections=10_000).check()
        assert 2 * serve.client_connection_cap(c) <= serve.uvicorn_settings(c)["limit_concurrency"]
    serve.configure_connections(config)
    loop = asyncio.new_event_loop()
    try:
        state = ServerState()
        uv = uvicorn.Config(app=lambda scope, receive, send: None, **{**settings, "port": 1})
        made = []
        for i in range(25):
            p = serve.HeaderTimedProtocol(uv, state, {}, _loop=loop)
            t = _Transport("198.51.100.7", 40000 + i)
            p.connection_made(t)
            made.append((p, t))
        assert [t.closed for _, t in made] == [False] * 10 + [True] * 15
        assert len(state.connections) == 10 and serve.PEERS.open_now == {"198.51.100.7": 10}
        for p, _ in made[10:]:
            p.connection_lost(None)  # refused ones: nothing to uncount
        assert serve.PEERS.open_now == {"198.51.100.7": 10}
        made[0][0].connection_lost(None)
        assert serve.PEERS.open_now == {"198.51.100.7": 9} and len(state.connections) == 9
        proxied = serve.HeaderTimedProtocol(uv, state, {}, _loop=loop)
        proxied.connection_made(_Transport("127.0.0.1", 50000))  # behind the trusted proxy
        assert len(state.connections) == 10
        for p, _ in [*made[1:10], (proxied, None)]:
            p.connection_lost(None)
        assert serve.PEERS.open_now == {} and not state.connections
    finally:
        serve.configure_connections(ServerConfig().check())
        loop.close()
