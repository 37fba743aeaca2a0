"""The survey server's ASGI app, in process: pages, files, messages, guard (real SQLite store)."""

from __future__ import annotations

import asyncio
import gzip

import brotli
import httpx
import pytest

from netsoc.server.app import survey_app
from netsoc.server.config import ServerConfig
from tests.browser.protocol import HttpParticipant, boot_data, page_files


def run(coro):
    return asyncio.run(coro)


def make_app(store, **settings):
    config = ServerConfig(kind="survey", secret="s" * 32, **settings).check()
    return survey_app(config, instrument=store.instrument, store=store)


def client_for(app, *, peer: str = "127.0.0.1"):
    transport = httpx.ASGITransport(app=app, client=(peer, 40000))
    return httpx.AsyncClient(transport=transport, base_url="http://test")


async def participant(app, seed=1, **kw):
    async with client_for(app) as c:
        return await HttpParticipant(c, "http://test/", seed=seed, **kw).run()


def test_a_participant_answers_every_page_and_is_stored_once(store, monkeypatch):
    monkeypatch.setattr("netsoc.feedback.room.ROOM_REFRESH_S", 0.0)  # each feedback sees the room
    app = make_app(store, cohort="WS1")
    out = run(participant(app, seed=3))
    assert out.ok, out.errors
    frame = store.to_frame(cohort="WS1")
    assert list(frame["respondent_id"]) == [out.respondent_id]
    assert frame.loc[0, "comment"] == "participant 3"
    item = next(k for k in out.answers if k.startswith("net_"))
    assert frame.loc[0, item] == out.answers[item]
    # one page, two files named in it, the form module and the description; 1 + 5 pages + submit
    assert out.room is None and out.requests == 5 + 7
    # a participant alone in the room asks again later (the page: every 30 s) and hears nothing
    alone = run(participant(app, seed=4, room_wait=0.0))
    assert alone.ok and alone.room is None and alone.requests == 5 + 7 + 1
    # once the room has k answers, the feedback carries it: nothing to ask
    for seed in range(5, 5 + 3):
        assert run(participant(app, seed=seed)).ok

    async def fifth():
        async with client_for(app) as c:
            p = HttpParticipant(c, "http://test/", seed=9, room_wait=0.0)
            return p, await p.run()

    p, later = run(fifth())
    assert later.ok and later.requests == 5 + 7 and p.state["feedback"]["room"] is False
    assert "The average balance of your workshop is" in p.state["feedback"]["html"]


def test_the_page_names_fingerprinted_immutable_precompressed_files(store):
    app = make_app(store)

    async def go():
        async with client_for(app) as c:
            page = await c.get("/", headers={"Accept-Language": "de-CH, en;q=0.5"})
            assert page.headers["cache-control"] == "no-store"
            csp = page.headers["content-security-policy"]
            assert (
                "script-src 'self'" in csp and "unsafe-inline" not in csp.split("script-src")[1].split(";")[0]
            )
            assert "<script>" not in page.text and "server" not in page.headers
            assert boot_data(page.text)["lang"] == "de"
            files = page_files(page.text)
            assert len(files) == 4 and all(f.startswith("/static/") for f in files)
            for f in files:
                br = await c.get(f, headers={"Accept-Encoding": "br"})
                gz = await c.get(f, headers={"Accept-Encoding": "gzip"})
                plain = await c.get(f, headers={"Accept-Encoding": "identity"})
                assert br.headers["cache-control"] == "public, max-age=31536000, immutable"
                assert br.headers["content-encoding"] == "br"
                assert gz.headers["content-encoding"] == "gzip"
                assert plain.content == br.content == gz.content  # httpx decodes both
                again = await c.get(f, headers={"If-None-Match": br.headers["etag"]})
                assert again.status_code == 304
            assert (await c.get("/static/form.000000000000.js")).status_code == 404

    run(go())


def test_assets_are_compressed_once_at_start_up(store):
    app = make_app(store)
    assets = app.app.state.assets  # the Starlette app behind the guard
    name = assets.url("form.js").rsplit("/", 1)[1]
    asset = assets._by_name[name]
    assert gzip.decompress(asset.gzip) == asset.identity
    assert brotli.decompress(asset.br) == asset.identity
    assert len(asset.br) < len(asset.identity) / 2


def test_the_page_speaks_the_visitors_language_even_without_javascript(store):
    app = make_app(store)

    async def go():
        async with client_for(app) as c:
            return await c.get("/", headers={"Accept-Language": "de"})

    page = run(go())
    assert "lang='de'" in page.text
    assert "<noscript><p>Dieser Fragebogen braucht JavaScript." in page.text


def test_problems_come_back_as_codes_with_text_in_the_participants_language(store):
    app = make_app(store)

    async def go():
        async with client_for(app) as c:
            p = HttpParticipant(c, "http://test/?lang=de", seed=1)
            first = await p.open()
            p.pages, p.state = first["pages"], {**first, "page": 1}
            await p.page()
            reply = await p.send({"type": "page", "page": 2, "answers": {}, "go": "next"})
            assert reply["page"] == 2 and reply["errors"]
            codes = {e["code"] for e in reply["errors"].values()}
            assert codes == {"required"}
            text = next(iter(reply["errors"].values()))["text"]
            assert text == p.spec["ui"]["required"] and "Please" not in text
            # an answer outside the scale: a code and a German text, no developer message
            qid = p.pages[2][1][0]
            reply = await p.send({"type": "page", "page": 2, "answers": {qid: 99}, "go": "next"})
            assert reply["errors"][qid]["code"] == "invalid"
            assert reply["errors"][qid]["text"] == p.spec["ui"]["answer_invalid"]

    run(go())


def test_a_repeated_message_is_harmless(store):
    app = make_app(store, cohort="REP")

    async def go():
        async with client_for(app) as c:
            p = HttpParticipant(c, "http://test/", seed=2)
            first = await p.open()
            p.pages, p.state = first["pages"], {**first, "page": 1}
            await p.page()
            old_token, old_seq = p.token, p.seq
            body = {
                "type": "page",
                "page": 2,
                "go": "next",
                "lang": "en",
                "token": old_token,
                "seq": old_seq + 1,
                "answers": p._answers("items", p.pages[2][1]),
            }
            r1 = (await c.post("/api/message", json=body)).json()
            r2 = (await c.post("/api/message", json=body)).json()  # the reply was "lost"
            assert r1["page"] == r2["page"] == 3
            # a message older than the token's is answered with the state, not carried out
            stale = {**body, "token": r1["token"], "seq": old_seq}
            r3 = (await c.post("/api/message", json=stale)).json()
            assert r3["page"] == 3 and r3["pages"]

    run(go())
    assert store.count(cohort="REP", include_drafts=True) == 1


def test_the_guard_refuses_forged_tokens_bad_schemas_and_big_bodies(store):
    app = make_app(store)

    async def go():
        async with client_for(app) as c:
            boot = boot_data((await c.get("/")).text)
            token = boot["state"]["token"]
            body, mac = token.split(".")
            forged = body[:-2] + ("AA" if body[-2:] != "AA" else "BB") + "." + mac
            r = await c.post("/api/message", json={"type": "hello", "token": forged})
            assert r.status_code == 403 and r.json() == {"type": "refused", "reason": "token"}
            for bad in (
                {"type": "page", "token": token, "page": "x"},
                {"type": "nope", "token": token},
                {"type": "page", "token": token, "page": 1, "answers": {"a b": 1}},
                {"type": "page", "token": token, "page": 1, "answers": {"x": True}},
                {"type": "hello", "token": token, "extra": 1},
            ):
                r = await c.post("/api/message", json=bad)
                assert r.status_code == 422, bad
                assert "Traceback" not in r.text
            r = await c.post("/api/message", content=b"{" + b" " * 20_000 + b"}")
            assert r.status_code == 413

    run(go())


def test_private_paths_need_loopback_or_the_token(store):
    app = make_app(store)

    async def go():
        async with client_for(app, peer="10.1.2.3") as c:
            assert (await c.get("/_netsoc/health")).status_code == 404
        async with client_for(app) as c:
            assert (await c.get("/_netsoc/health")).json()["ok"] is True

    run(go())


def test_public_mode_needs_the_token_everywhere(store):
    app = make_app(store, token="facilitator-token-123")

    async def go():
        async with client_for(app, peer="10.1.2.3") as c:
            assert (await c.get("/")).status_code == 403
            # said in the visitor's language, with no developer words
            told = await c.get("/", headers={"Accept-Language": "fr"})
            assert told.status_code == 403 and "lang='fr'" in told.text
            assert "Cette page a besoin du lien" in told.text and "token" not in told.text.lower()
            r = await c.get("/?token=facilitator-token-123")
            assert r.status_code == 200 and "HttpOnly" in r.headers["set-cookie"]
            files = page_files(r.text)
            assert (await c.get(files[0])).status_code == 200  # the cookie now
            assert (await c.get("/_netsoc/health")).status_code == 200

    run(go())


def test_budgets_are_per_client_and_trust_only_the_configured_proxy(store):
    app = make_app(store, client_rate=0.5, trusted_proxies=("127.0.0.1",))

    async def go():
        async with client_for(app) as c:
            statuses = [
                (await c.get("/", headers={"X-Forwarded-For": "10.0.0.1"})).status_code for _ in range(14)
            ]
            assert statuses[:10] == [200] * 10 and statuses[-1] == 429
            # another client behind the same proxy has its own budget
            assert (await c.get("/", headers={"X-Forwarded-For": "10.0.0.2"})).status_code == 200
        async with client_for(app, peer="10.9.9.9") as c:
            # not a trusted proxy: its X-Forwarded-For is ignored, the budget is its own
            codes = [
                (await c.get("/", headers={"X-Forwarded-For": f"10.0.0.{k}"})).status_code for k in range(14)
            ]
            assert codes[-1] == 429

    run(go())


def test_your_workshop_is_sent_once_enough_people_have_answered(store, monkeypatch):
    monkeypatch.setattr("netsoc.feedback.room.ROOM_REFRESH_S", 0.0)  # no reuse between the polls
    app = make_app(store, cohort="ROOMX", min_group_size=2)

    async def go():
        async with client_for(app) as c:
            first = HttpParticipant(c, "http://test/", seed=41)
            out = await first.run()
            assert out.ok and first.state["feedback"]["room"] is True
            assert "<script" not in first.state["feedback"]["result_html"]
            alone = await first.send({"type": "room"})
            assert alone == {"type": "room", "section": None, "token": first.token, "last": alone["last"]}
            assert (await HttpParticipant(c, "http://test/", seed=42).run()).ok
            later = await first.send({"type": "room"})
            assert later["section"]["n"] == 2 and later["section"]["summary"]

    run(go())


@pytest.mark.fault("survey: every worker busy (issue 20)", expect="files still served; page in own language")
def test_a_busy_server_still_serves_files_and_tells_visitors_in_their_language(store):
    """Over --max-sessions, files (from memory) are still served, the page is a 503 in the
    visitor's language that reloads itself, and messages are told when to send again."""
    from netsoc.server.app import BUSY_RETRY_S

    app = make_app(store, max_sessions=1)

    async def go():
        async with client_for(app) as c:
            page = await c.get("/")
            files = page_files(page.text)
            app.in_flight = 1  # every slot taken
            busy = await c.get("/", headers={"Accept-Language": "de"})
            served = [(await c.get(f)).status_code for f in files]
            message = await c.post("/api/message", content=b"{}")
            app.in_flight = 0
            again = await c.get("/", headers={"Accept-Language": "de"})
            return busy, served, message, again, files

    busy, served, message, again, files = run(go())
    assert busy.status_code == 503 and busy.headers["retry-after"] == str(BUSY_RETRY_S)
    assert "Die Umfrage ist gerade sehr ausgelastet" in busy.text and "lang='de'" in busy.text
    assert f"http-equiv='refresh' content='{BUSY_RETRY_S}'" in busy.text
    assert "<script" not in busy.text and "content-security-policy" in busy.headers
    css = next(f for f in files if "/form." in f and f.endswith(".css"))
    assert f"href='{css}'" in busy.text and "<h1>" in busy.text  # the form's look, a heading
    assert served == [200] * len(served) and len(served) >= 4
    assert message.status_code == 503 and message.json()["reason"] == "server full"
    assert again.status_code == 200 and "netsoc-boot" in again.text
