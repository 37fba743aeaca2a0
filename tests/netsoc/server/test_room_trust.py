"""A room you can trust (issue 34), in process with a real SQLite store: a page whose token the
server cannot read goes on with its answers, a lost Submit reply is told the truth, closing
collection keeps what people entered, one person's typos lock nobody else, the join code."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx

from netsoc.form.persistence import RESUME_ATTEMPTS
from netsoc.server.app import survey_app
from netsoc.server.config import ServerConfig
from netsoc.server.join import WRONG_PER_ADDRESS, WRONG_PER_SERVER
from tests.browser.protocol import HttpParticipant


def run(coro):
    return asyncio.run(coro)


def make_app(store, secret="s" * 32, **settings):
    config = ServerConfig(kind="survey", secret=secret, **settings).check()
    return survey_app(config, instrument=store.instrument, store=store)


def client_for(app, peer="127.0.0.1"):
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app, client=(peer, 40000)), base_url="http://t"
    )


async def _to_page(p: HttpParticipant, page: int) -> dict:
    first = await p.open()
    p.pages = first["pages"]
    p.state = {**first, "page": 1, "errors": {}}
    while p.state["page"] < page:
        await p.page()
    return p.state


def _ui(store, key, lang="en"):
    return store.instrument.localized(lang).ui[key]


def test_a_lost_submit_reply_and_a_stale_token_get_this_browsers_own_feedback(store):
    """34.3: resent Submit, a token from before the submit, a replay with seq 0."""

    async def go():
        app = make_app(store, cohort="W1")
        async with client_for(app) as c:
            p = HttpParticipant(c, "http://t/", seed=3)
            await _to_page(p, 1)
            while p.state["page"] < len(p.pages) - 1:
                await p.page()
            before = p.token  # the token the page holds when it presses Submit
            done = await p.page("stay", submit=True)
            assert done["state"] == "submitted" and "feedback" in done
            last_submit = {"type": "submit", "page": done["page"], "answers": {}, "go": "stay"}
            replies = []
            for token, seq in ((before, p.seq), (before, p.seq + 5), (before, 0), (p.token, 0)):
                body = {**last_submit, "seq": seq, "token": token, "lang": "en"}
                r = await c.post("http://t/api/message", json=body)
                assert r.status_code == 200
                replies.append(r.json())
            hello = await c.post(
                "http://t/api/message", json={"type": "hello", "token": before, "lang": "fr"}
            )
            return done, replies, hello.json()

    done, replies, hello = run(go())
    for reply in replies:
        assert reply["state"] == "submitted", reply.get("message")
        assert reply["feedback"]["html"] == done["feedback"]["html"]  # its own result again
        assert _ui(store, "taken_text") not in str(reply)
    assert hello["state"] == "submitted"
    assert store.count("W1") == 1 and store.count("W1", include_drafts=True) == 1


def test_another_device_is_named_only_when_the_resume_code_was_used_elsewhere(store):
    async def go():
        app = make_app(store, cohort="W1")
        async with client_for(app) as c1, client_for(app) as c2:
            first = HttpParticipant(c1, "http://t/", seed=1)
            await _to_page(first, 3)
            code = first._rid()
            other = HttpParticipant(c2, "http://t/", seed=2)
            await other.open()
            other.pages = other.state["pages"]
            reply = await other.send({"type": "resume", "code": code})
            while reply["page"] < len(other.pages) - 1:
                reply = await other.page()
            assert (await other.page("stay", submit=True))["state"] == "submitted"
            return await first.page()

    assert run(go())["state"] == "taken"  # the first phone is told the truth
    assert store.count("W1") == 1


def test_a_page_whose_token_cannot_be_read_goes_on_with_its_answers(store):
    """34.1: a server with another secret answers 403 "token"; the page's restore message
    starts a new respondent with every answer it held, on the first page still open."""

    async def go():
        old, new = make_app(store, cohort="W1"), make_app(store, secret="t" * 32, cohort="W1")
        async with client_for(old) as c:
            p = HttpParticipant(c, "http://t/", seed=5)
            await _to_page(p, 3)
        async with client_for(new) as c:
            r = await c.post("http://t/api/message", json={"type": "hello", "token": p.token, "seq": 0})
            assert r.status_code == 403 and r.json()["reason"] == "token"
            body = {"type": "restore", "token": p.token, "seq": 0, "lang": "de", "answers": p.out.answers}
            r = await c.post("http://t/api/message", json=body)
            return p, r.json()

    p, reply = run(go())
    assert reply["state"] == "active" and reply["page"] >= 1
    assert reply["message"] == _ui(store, "restored", "de")
    assert {k: reply["answers"][k] for k in p.out.answers} == p.out.answers
    new_rid = reply["code"] or None
    assert new_rid is None  # the resume code is shown only on request
    assert store.count("W1", include_drafts=True) == 2  # the new draft holds the answers
    drafts = store.to_frame(cohort="W1", include_drafts=True)
    kept = drafts[drafts["respondent_id"] != p._rid()].iloc[0]
    item = next(k for k in p.out.answers if k.startswith("net_"))
    assert kept[item] == p.out.answers[item]


def test_closing_keeps_what_people_entered_and_reopening_lets_them_finish(store, monkeypatch):
    """34.4: told at the next page change, in their language, that the answers are kept."""
    monkeypatch.setattr("netsoc.server.participant.OPEN_TTL", 0.0)

    async def go():
        app = make_app(store, cohort="W1")
        async with client_for(app) as c:
            p = HttpParticipant(c, "http://t/", seed=8, lang="fr")
            await _to_page(p, 2)
            store.set_collection_open("W1", False)
            closed = await p.page()  # Next: this page's answers are saved, not lost
            entered = dict(p.out.answers)
            activity = store.activity("W1")
            store.set_collection_open("W1", True)
            again = await p.send({"type": "hello"})
            while again["page"] < len(p.pages) - 1:
                p.state = again
                again = await p.page()
            p.state = again
            done = await p.page("stay", submit=True)
            return p, closed, entered, activity, again, done

    p, closed, entered, activity, again, done = run(go())
    assert closed["state"] == "closed" and closed["page"] == 2
    assert activity["open_drafts"] == 1 and activity["submitted"] == 0  # mid-questionnaire
    assert {k: closed["answers"].get(k) for k in entered} == entered  # this page's too
    assert again["state"] == "active"
    assert done["state"] == "submitted" and store.count("W1") == 1
    frame = store.to_frame(cohort="W1")
    for k, v in p.out.answers.items():
        assert frame.loc[0, k] == v
    fr = store.instrument.localized("fr").ui
    assert "conservées sur le serveur" in fr["closed_kept"]


def test_one_persons_wrong_resume_codes_lock_nobody_else(store):
    """34.2: failures count per browser token; the address is only a much higher ceiling."""

    async def go():
        app = make_app(store, cohort="W1")
        async with client_for(app) as c:
            saver = HttpParticipant(c, "http://t/", seed=1)
            await _to_page(saver, 2)
            code = saver._rid()
            typo = HttpParticipant(c, "http://t/", seed=2)
            await typo.open()
            for _ in range(RESUME_ATTEMPTS + 1):
                last = await typo.send({"type": "resume", "code": "ZZZZZZZZZZ"})
            honest = HttpParticipant(c, "http://t/", seed=3)  # same address, own browser
            await honest.open()
            ok = await honest.send({"type": "resume", "code": code})
            locked = await typo.send({"type": "resume", "code": code})
            return last, ok, locked

    last, ok, locked = run(go())
    assert last["errors"]["resume"]["code"] == "resume_locked"
    assert ok["errors"] == {} and ok["page"] >= 1
    assert locked["errors"]["resume"]["code"] == "resume_locked"


def test_the_join_code_lets_a_phone_in_and_guessing_is_limited(store):
    """31.3: the 7-digit code typed on the start page; wrong codes counted per address and
    for the whole server."""
    keys = store.room_keys("W1")
    app = make_app(store, cohort="W1", token=keys.token, join_code=keys.join_code)

    async def go():
        async with client_for(app, "10.1.1.1") as c:
            start = await c.get("http://t/", headers={"Accept-Language": "de"})
            wrong = await c.get("http://t/?join=0000000&lang=de")
            right = await c.get(f"http://t/?join={keys.join_code[:3]}+{keys.join_code[3:]}&lang=de")
            inside = await c.get("http://t/?lang=de")
        async with client_for(app, "10.1.1.1") as c:  # no cookie: guessing
            statuses = []
            for n in range(WRONG_PER_ADDRESS + 1):
                r = await c.get(f"http://t/?join={n:07d}")
                statuses.append(r.status_code)
            waited = r
        # many addresses together: the server-wide budget
        refused = 0
        for n in range(WRONG_PER_SERVER + 20):
            async with client_for(app, f"10.2.{n // 200}.{n % 200 + 1}") as c:
                r = await c.get(f"http://t/?join={(n * 7919) % 10**7:07d}")
                refused += r.status_code == 429
        return start, wrong, right, inside, statuses, waited, refused

    start, wrong, right, inside, statuses, waited, refused = run(go())
    de = store.instrument.localized("de").ui
    assert start.status_code == 403 and de["join_label"] in start.text and "name='join'" in start.text
    assert wrong.status_code == 403 and de["join_wrong"] in wrong.text
    assert right.status_code == 303 and right.headers["location"] == "/?lang=de"
    assert "netsoc-token=" + keys.token in right.headers["set-cookie"]
    assert inside.status_code == 200 and "netsoc-boot" in inside.text
    assert statuses.count(403) <= WRONG_PER_ADDRESS and statuses[-1] == 429
    assert "Please wait a minute" in waited.text
    assert refused >= 15  # beyond 120 wrong codes the whole server waits


def test_the_feedback_and_the_kept_result_show_the_erase_code_that_netsoc_erase_takes(store):
    """34.7: the consent's promise can be kept."""
    from netsoc.cli import main

    async def go():
        async with client_for(make_app(store, cohort="W1")) as c:
            p = HttpParticipant(c, "http://t/", seed=2, lang="de")
            return await p.run(), p.state["feedback"]

    out, feedback = run(go())
    assert out.ok
    de = store.instrument.localized("de")
    assert "Löschcode" in de.consent.text and "Löschcode" in de.ui["erase_heading"]
    for html in (feedback["html"], feedback["result_html"]):  # the page shown, the file kept
        assert de.ui["erase_heading"] in html and f">{out.respondent_id}</strong>" in html
        assert "Moderation" in html.split(de.ui["erase_heading"])[1]  # the sentence on using it
    db = store.url.replace("sqlite:///", "")
    assert main(["erase", out.respondent_id.lower(), "--db", db]) == 0  # typed in lower case
    assert store.count("W1") == 0


def test_a_store_that_cannot_be_reached_is_named_and_the_answers_are_sent_again(store, tmp_path, caplog):
    """34.8: a submit while the store is unreachable gets 503 "store" (the page says the
    store-down message and keeps the answers), one log line and no traceback; once the store
    is back, the same submit is stored once."""
    import logging
    import shutil

    path = Path(store.url.replace("sqlite:///", ""))

    async def go():
        app = make_app(store, cohort="W1")
        async with client_for(app) as c:
            p = HttpParticipant(c, "http://t/", seed=4, max_retries=0)
            await _to_page(p, 1)
            while p.state["page"] < len(p.pages) - 1:
                await p.page()
            store.engine.dispose()
            shutil.move(path, tmp_path / "away.sqlite")
            path.write_bytes(b"this is not a database" * 100)
            body = {"type": "submit", "seq": p.seq + 1, "token": p.token, "page": p.state["page"]}
            body |= {"answers": {}, "go": "stay", "lang": "en"}
            with caplog.at_level(logging.INFO, logger="netsoc"):
                down = [await c.post("http://t/api/message", json=body) for _ in range(3)]
            store.engine.dispose()
            shutil.move(tmp_path / "away.sqlite", path)
            again = await c.post("http://t/api/message", json=body)
            return down, again

    down, again = run(go())
    assert [r.status_code for r in down] == [503] * 3 and down[0].json()["reason"] == "store"
    assert down[0].headers["retry-after"]
    lines = [r for r in caplog.records if "store down" in r.getMessage()]
    assert len(lines) == 1 and not any(r.exc_info for r in caplog.records)
    assert again.status_code == 200 and again.json()["state"] == "submitted"
    assert store.count("W1") == 1
    assert "store_down" in store.instrument.ui  # the page's words for it, in every language


def test_drafts_unchanged_for_seven_days_expire_when_the_server_starts(store):
    """34.8: --draft-days (default 7): old drafts go at start and then hourly; 0 keeps them."""
    import datetime as dt

    import sqlalchemy as sa

    from netsoc.server.config import ServerConfig as Config

    consent = {store.instrument.consent.id: True}
    old, new = store.save_draft(None, consent, cohort="W1"), store.save_draft(None, consent, cohort="W1")
    week_ago = dt.datetime.now(dt.UTC) - dt.timedelta(days=7, hours=1)
    with store.engine.begin() as conn:  # a draft last changed a week and an hour ago
        conn.execute(
            sa.text("UPDATE respondents SET updated_at = :t WHERE respondent_id = :r"),
            {"t": week_ago, "r": old},
        )
    make_app(store, cohort="W1", draft_days=0)
    assert store.count("W1", include_drafts=True) == 2  # kept
    assert Config().draft_days == 7.0
    make_app(store, cohort="W1", draft_days=7)
    ids = set(store.to_frame(cohort="W1", include_drafts=True)["respondent_id"])
    assert ids == {new}
