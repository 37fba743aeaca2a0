"""Waves on the survey server, in process (real SQLite store): a browser's pre and post, linking codes."""

from __future__ import annotations

import asyncio
import re

import httpx
import pytest

from netsoc.server.app import survey_app
from netsoc.server.config import ServerConfig
from survey.store import open_store
from tests.browser.protocol import HttpParticipant


@pytest.fixture
def store(tmp_path, instrument, monkeypatch):
    monkeypatch.setattr("netsoc.server.waves.WAVE_TTL", 0.0)  # a switch is seen at once
    s = open_store(tmp_path / "waves.sqlite", instrument=instrument)
    yield s
    s.close()


def make_app(store):
    config = ServerConfig(kind="survey", secret="s" * 32, cohort="WS-W").check()
    return survey_app(config, instrument=store.instrument, store=store)


async def answer_all(p: HttpParticipant, first: dict, link: dict | None = None) -> dict:
    """Every page from the welcome to the submit (with ``link`` on the last page)."""
    p.pages = first["pages"]
    reply = {**first, "page": 1, "errors": {}}
    p.state = reply
    while reply["page"] < len(p.pages) - 1:
        before = reply["page"]
        reply = await p.page()
        assert reply["page"] == before + 1, reply["errors"]
        p.state = reply
    k = reply["page"]
    msg = {"type": "submit", "page": k, "answers": {"comment": p.out.comment}, "go": "stay"}
    if link is not None:
        msg["link"] = link
    return await p.send(msg)


def test_one_browser_answers_pre_then_post_and_sees_its_change(store):
    app = make_app(store)
    store.set_wave("WS-W", "pre")

    async def go():
        transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 40000))
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as c:
            p = HttpParticipant(c, "http://test/", seed=1)
            first = await p.open()
            pre = await answer_all(p, first)
            assert pre["state"] == "submitted" and pre["wave"]["wave"] == "pre"
            code = pre["wave"]["code"]
            assert "netsoc-change" not in pre["feedback"]["html"]
            store.set_wave("WS-W", "post")
            again = await p.send({"type": "hello"})  # the same browser reopens the page
            assert again["state"] == "active" and again["page"] == 0
            assert again["wave"] == {"wave": "post", "linked": True}
            post = await answer_all(p, again)
            return code, post

    code, post = asyncio.run(go())
    assert post["state"] == "submitted"
    html = post["feedback"]["html"]
    assert "Your change since the first round" in html
    assert html.count("<tr><th scope='row'>") >= 3 + 3  # balance, networking, socializing
    assert "Your change since the first round" in post["feedback"]["result_html"]  # kept with the result
    frame = store.to_frame(cohort="WS-W")
    assert frame["wave"].tolist() == ["pre", "post"]
    assert frame["subject"].nunique() == 1 and frame["subject"].notna().all()
    assert re.fullmatch(r"[0-9a-f]{16}", frame["subject"][0])  # random, not the code or anything given
    assert frame["respondent_id"][0] == code and frame["respondent_id"][1] != code
    # the workshop comparison of a post response compares with the post wave only
    people = app.app.state.participants
    claims = {"r": "OTHER", "b": "browser-x", "c": "WS-W", "l": "en", "p": 0, "s": 0, "st": "s"}
    peers = people.peer_scores(people.model({**claims, "w": "post", "j": "zz"}))
    assert len(peers["balance"]) == 1  # the post response, not the pre one


def run_one(app, link=None, seed=1):
    async def go():
        transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 40000))
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as c:
            p = HttpParticipant(c, "http://test/", seed=seed)
            first = await p.open()
            return await answer_all(p, first, link=link)

    return asyncio.run(go())


def test_another_device_links_with_the_personal_code_or_the_linking_code(store):
    app = make_app(store)
    store.set_wave("WS-W", "pre")
    code_a = run_one(app, seed=1)["wave"]["code"]
    run_one(app, link={"letter": "N", "day": "12", "siblings": "1"}, seed=2)
    run_one(app, link={"letter": "A", "day": "3", "siblings": "0"}, seed=3)
    run_one(app, link={"letter": "A", "day": "3", "siblings": "0"}, seed=4)  # shares seed 3's code
    store.set_wave("WS-W", "post")
    by_code = run_one(app, link={"code": code_a.lower()}, seed=5)  # typed in lower case
    assert "Your change since the first round" in by_code["feedback"]["html"]
    by_answers = run_one(app, link={"letter": "n", "day": "12", "siblings": "1"}, seed=6)
    # linked for the study, but a guessable code never shows the earlier result
    assert "Your change" not in by_answers["feedback"]["html"]
    shared = run_one(app, link={"letter": "A", "day": "3", "siblings": "0"}, seed=7)
    assert shared["state"] == "submitted"
    frame = store.to_frame(cohort="WS-W").set_index("comment")
    pre, post = frame[frame.wave == "pre"], frame[frame.wave == "post"]
    subject = dict(zip(frame.index, frame["subject"]))
    assert len(pre) == 4 and len(post) == 3
    assert subject["participant 5"] == pre["subject"].iloc[0]
    assert subject["participant 6"] == pre["subject"].iloc[1]
    # a code two people share links nobody: the post keeps its own new subject id
    assert subject["participant 7"] not in set(pre["subject"])
    assert pre["subject"].is_unique


def test_linking_hashes_differ_between_cohorts(store):
    from survey.waves import link_hash

    assert store.link_salt("WS-A") == store.link_salt("WS-A") != store.link_salt("WS-B")
    code = "N-12-1"
    assert link_hash(code, store.link_salt("WS-A")) != link_hash(code, store.link_salt("WS-B"))


def test_the_commands_wave_option(tmp_path, capsys, instrument):
    from netsoc.cli import main
    from netsoc.cli._waves import apply_wave

    db = str(tmp_path / "cli.sqlite")
    assert main(["survey", "--wave", "pre", "--db", db, "--create"]) == 1
    assert "--wave needs --cohort" in capsys.readouterr().err
    open_store(db, instrument=instrument).close()
    assert apply_wave(db, "WS-C", "post") == "post" and apply_wave(db, "WS-C", None) == "post"
    assert apply_wave(db, None, None) is None
