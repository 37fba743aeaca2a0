"""netsoc.dashboard without a browser: the privacy rules (k, batches, binned cells, rounded means,
unnamed small groups), comment moderation, the facilitator's controls behind the dashboard's own
token, the join-address checks, the exports and the command line."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime

import numpy as np
import pandas as pd
import pytest
from starlette.testclient import TestClient

from analysis.demo import make_demo
from netsoc.dashboard import Dashboard, DashboardSettings, dashboard_app, settings_from_env
from netsoc.dashboard.export import export_title
from netsoc.dashboard.join import JoinCheck, join_problem
from netsoc.dashboard.pages import export_cards, page_html
from netsoc.dashboard.release import grid_counts
from netsoc.dashboard.view import deck
from survey.errors import NetsocError
from survey.privacy import published
from survey.store import open_store
from tests.helpers import keyed_answers

TOKEN = "dash-token-123"
SCRIPT = "<script>alert('x')</script> great session"


@pytest.fixture
def store(tmp_path, instrument):
    with open_store(f"sqlite:///{tmp_path / 'd.sqlite'}", instrument=instrument) as s:
        yield s


def _fill(store, n, *, seed=1, cohort="W1", **fields):
    df = make_demo(n=n, seed=seed, instrument=store.instrument)
    df["cohort"] = cohort
    for k, v in fields.items():
        df[k] = v(n) if callable(v) else pd.Categorical([v] * n, categories=df[k].cat.categories)
    store.import_frame(df, source="test")
    return df


def _submit(store, net, soc, *, cohort="W1", **extra):
    answers = keyed_answers(store.instrument, net, soc, consent=True) | extra
    return store.submit(answers, cohort=cohort)


def _settings(store, **kw):
    base = dict(db=store.url, cohort="W1", token=TOKEN, check_join=False)
    return DashboardSettings(**(base | kw))


def _client(store, **kw):
    d = Dashboard(store, _settings(store, **kw))
    client = TestClient(dashboard_app(d.settings, dashboard=d), raise_server_exceptions=False)
    assert client.get(f"/?token={TOKEN}").status_code == 200
    return d, client


def _cards(client):
    return client.get("/deck").json()["html"]


def _export_pages(d):
    """Every exported page (the PNG pages are these, drawn), at one fixed moment."""
    at = datetime(2026, 12, 7, 14, 32, tzinfo=UTC)
    cards = export_cards(d, at)
    head = export_title(d, at)
    return [page_html(d, c, head=head, page=i, pages=len(cards)) for i, c in enumerate(cards, start=1)]


# --------------------------------------------------------------- issue 22 p1: never one person
def test_batches_of_k_from_the_earliest_responses(store):
    _fill(store, 13)
    frame = store.to_frame(cohort="W1")
    shown = published(frame, 5)
    assert len(shown) == 10
    first = set(frame["respondent_id"][:10])  # the store's arrival order (issue 34.5), not a clock
    assert set(shown["respondent_id"]) == first
    assert len(published(frame.iloc[:4], 5)) == 0


def test_nothing_but_the_join_screen_below_k(store):
    for _ in range(4):
        _submit(store, 4, 2, comment="early bird remark")
    d, client = _client(store, survey_url="http://127.0.0.1:9/?cohort=W1")
    html = _cards(client)
    assert re.findall(r"data-card='([^']+)'", html) == ["join"]
    assert "Fewer than 5 answers so far" in html and "early bird" not in html
    assert not re.search(r"\b4\b", re.sub(r"<svg.*?</svg>", "", html))  # the size is not shown
    _submit(store, 4, 2)
    names = re.findall(r"data-card='([^']+)'", _cards(client))
    assert names[:3] == ["count", "profiles", "facets"] and names[-1] == "join"


@pytest.mark.fault(
    "dashboard: the room's size below k (issue 22 pt 8)", expect="'fewer than k', the same at 0 to k-1"
)
@pytest.mark.parametrize(
    ("lang", "fewer"),
    [
        ("en", "Fewer than 5 answers so far"),
        ("de", "Noch weniger als 5 Antworten"),
        ("fr", "Moins de 5 réponses pour l'instant"),
    ],
)
def test_below_k_the_projector_never_tells_how_many_answered(store, lang, fewer):
    """From 0 to k-1 answers the projected view (the slides are its cards), its live text and
    the PNG export are the same; the facilitator's token-protected controls keep the exact count."""
    d, client = _client(store, survey_url="http://127.0.0.1:9/?cohort=W1", lang=lang)
    views = []
    for n in range(5):
        deck_json = client.get("/deck").json()
        views.append((deck_json["html"], deck_json["live"], _export_pages(d)))
        assert deck_json["live"] == fewer and html.escape(fewer) in deck_json["html"]
        _submit(store, 1 + n % 5, 5 - n % 5)
    assert all(v == views[0] for v in views)  # nothing moves with each answer
    assert "data-n=" not in views[0][0]
    controls = client.get("/control").text
    assert re.search(r"\b5\b", controls)  # the facilitator sees the 5 answers
    assert client.get("/deck").json()["live"] != fewer  # k answers: the count is shown


def test_the_attack_one_newcomer_in_a_known_room_cannot_be_told(store, instrument):
    """A viewer knows the room (10 people, every answer) and sees the dashboard before and after
    one more person submits, with extreme scores, a role nobody else has and a comment."""

    def roles(n):
        return pd.Categorical(["sales"] * n, categories=list(instrument.choice_fields["role"].options))

    _fill(store, 10, role=roles)
    d, client = _client(store)
    for _ in range(5):
        _submit(store, 3, 3, comment="room comment", role="sales")
    d.release()
    before = (_cards(client), client.get("/export/slides.html").text)
    newcomer = _submit(store, 5, 1, role="research", comment="newcomer was here")
    after_cards = _cards(client)

    # the charts are the same batch: the count moved, nothing else did
    def strip(html):
        live = r"<div><dt>.*?</dl>|<p class='big-count'>.*?</p>|<p class='note'>The charts show.*?</p>"
        return re.sub(live, "", html)

    assert strip(after_cards) == strip(before[0])
    assert "data-n='16'" in after_cards
    assert "newcomer was here" not in after_cards
    # the facilitator's private preview lists it (issue 31 pt 4), the projector does not
    assert [p.state for p in d.pending() if p.text == "newcomer was here"] == ["waiting"]
    # four more complete the batch: the five newcomers are shown together, never one alone
    for _ in range(4):
        _submit(store, 3, 3, role="sales")
    state = d.state()
    assert state.n_shown == 20 and newcomer in state.published_ids
    cards = _cards(client)
    research = instrument.value_labels("role")["research"]
    assert research not in cards  # a group of one is not shown, nor named
    assert "Groups with fewer than 5 people are not shown." in cards
    # the newcomer's extreme cell (networking 5, socializing 1) holds one person: suppressed
    cells = state.quadrant
    lone = cells[cells["suppressed"]]
    assert len(lone) >= 1 and lone["count"].isna().all()
    top = len(state.grid_edges) - 2
    top_left = cells[(cells["col"] == 0) & (cells["row"] == top)].iloc[0]
    assert top_left["suppressed"] and pd.isna(top_left["count"])
    # means to one decimal only
    facets = cards.split("data-card='facets'")[1].split("</section>")[0]
    assert not re.search(r"\d[.,]\d\d", re.sub(r"<[^>]+>", " ", facets))
    # the comment waits for a batch of k; the viewer cannot single it out
    assert "newcomer was here" not in cards
    with pytest.raises(NetsocError, match="at least 5"):
        d.release()


def test_grid_counts_suppress_cells_under_k():
    x = pd.Series([1.0] * 6 + [5.0])
    y = pd.Series([1.0] * 6 + [5.0])
    cells = grid_counts(x, y, np.linspace(1, 5, 5), 5)
    assert cells.loc[(cells.col == 0) & (cells.row == 0), "count"].item() == 6
    corner = cells[(cells.col == 3) & (cells.row == 3)].iloc[0]
    assert corner["suppressed"] and pd.isna(corner["count"])


# --------------------------------------------------------------- comments: preview, hide, release
def test_hidden_comment_is_never_shown_and_release_is_random_and_escaped(store):
    texts = [f"comment number {i}" for i in range(6)] + [SCRIPT]
    for text in texts:
        _submit(store, 4, 2, comment=text)
    _fill(store, 3)  # 10 responses: all published
    d, client = _client(store)
    control = client.get("/control").text
    assert "&lt;script&gt;" in control and "<script>alert" not in control  # private preview
    assert all(t not in _cards(client) for t in texts[:6])  # nothing projected yet
    secret = next(p for p in d.pending() if p.text == "comment number 3")
    assert (
        client.post(
            "/control/comment", data={"handle": secret.handle, "hide": "1"}, follow_redirects=False
        ).status_code
        == 303
    )
    assert client.post("/control/release").status_code == 200
    shown = d.released_comments()
    assert sorted(shown) == sorted(t for t in texts if t != "comment number 3")
    cards = _cards(client)
    assert "comment number 3" not in cards and "comment number 5" in cards
    assert "&lt;script&gt;alert" in cards and "<script>alert" not in cards
    assert "comment number 3" not in client.get("/export/slides.html").text
    # a new comment alone cannot be released (fewer than k)
    _submit(store, 2, 4, comment="late")
    assert "late" not in _cards(client)


# --------------------------------------------------------------- controls behind the token
def test_every_page_needs_the_dashboards_token(store):
    _fill(store, 6)
    d = Dashboard(store, _settings(store))
    client = TestClient(dashboard_app(d.settings, dashboard=d))
    for path in ("/", "/deck", "/control", "/export/slides.html", "/export/page-1.png"):
        r = client.get(path)
        assert r.status_code == 403 and "Traceback" not in r.text, path
        assert "script-src 'self'" in r.headers["content-security-policy"]
    assert client.post("/control/collection", data={"open": "0"}).status_code == 403
    assert client.get("/?token=the-survey-token").status_code == 403
    r = client.get(f"/control?token={TOKEN}", follow_redirects=False)
    assert r.status_code == 303 and "token" not in r.headers["location"]
    assert "httponly" in r.headers["set-cookie"].lower()
    assert "samesite=strict" in r.headers["set-cookie"].lower()
    assert client.get("/control").status_code == 200
    # a form posted from another site is refused
    r = client.post("/control/collection", data={"open": "0"}, headers={"origin": "http://evil.example"})
    assert r.status_code == 403 and store.collection_open("W1")


def test_collection_choices_and_clearing_with_confirmation(store):
    _fill(store, 7)
    _fill(store, 5, seed=2, cohort="W0")
    store.save_draft(None, {"comment": "draft", "consent": True}, cohort="W1")
    d, client = _client(store)
    closed = client.post("/control/collection", data={"open": "0"})
    assert not store.collection_open("W1")
    # the facilitator learns how many were mid-questionnaire, and that reopening lets them finish
    assert "People part-way through: 1; their answers are kept" in closed.text
    cards = _cards(client)
    assert "Collection is closed" in cards.split("data-card='count'")[1].split("</section>")[0]
    assert "Collection is closed" in cards.split("data-card='join'")[1]
    client.post("/control/collection", data={"open": "1"})
    assert store.collection_open("W1")
    statement = store.instrument.item_ids[0]
    client.post("/control/show", data={"statement": statement, "compare": "W0"})
    names = re.findall(r"data-card='([^']+)'", _cards(client))
    assert "statement" in names and "compare" in names
    _fill(store, 4, seed=3, cohort="W2")  # too small to compare: said so, nothing shown
    client.post("/control/show", data={"statement": "", "compare": "W2"})
    compare = _cards(client).split("data-card='compare'")[1].split("</section>")[0]
    assert "W2 has fewer than 5 answers" in compare and "<table" not in compare
    r = client.post("/control/show", data={"statement": "nope", "compare": ""})
    assert r.status_code == 200 and "not a statement" in r.text  # back to the controls, said why
    # clearing: a confirmation with the counts first, and nothing deleted if they changed
    page = client.post("/control/clear").text
    assert "Delete 7 submitted responses and 1 drafts of W1?" in page
    _submit(store, 3, 3)
    r = client.post("/control/clear/confirm", data={"n": "7", "d": "1"})
    assert "nothing was deleted" in r.text and store.count("W1") == 8
    r = client.post("/control/clear/confirm", data={"n": "8", "d": "1"})
    assert "8 responses and 1 drafts deleted." in r.text
    assert store.count("W1", include_drafts=True) == 0 and store.count("W0") == 5


def test_errors_are_a_sentence_never_a_traceback(store, caplog):
    _fill(store, 6)
    d, client = _client(store)
    import sqlalchemy as sa

    with store.engine.begin() as conn:  # the database breaks under the dashboard
        conn.execute(sa.text("ALTER TABLE respondents RENAME TO gone"))
    r = client.get("/deck")
    assert r.status_code == 500 and "Traceback" not in r.text
    assert "could not read the answers" in r.text
    assert [rec for rec in caplog.records if "dashboard error" in rec.getMessage()]


# --------------------------------------------------------------- the join address
def test_join_problems_are_named(tmp_path):
    import socket

    assert join_problem(None) == ("join_warning_none", "")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
        assert join_problem(f"http://127.0.0.1:{port}/")[0] == "join_warning_unreachable"
        s.listen()
        assert join_problem(f"http://127.0.0.1:{port}/") == ("join_warning_loopback", f"127.0.0.1:{port}")
        assert join_problem(f"http://127.0.0.1:{port}/", own_port=port)[0] == "join_warning_unreachable"


def test_the_projector_warns_about_a_loopback_join_address(store):
    import socket

    _fill(store, 3)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        url = f"http://127.0.0.1:{s.getsockname()[1]}/?cohort=W1"
        d = Dashboard(store, _settings(store, survey_url=url, check_join=True, lang="de"))
        html = "".join(c.html() for c in deck(d, JoinCheck(url)))
    assert "funktioniert nur auf diesem Computer" in html and "role='alert'" in html


# --------------------------------------------------------------- languages and numbers
@pytest.mark.parametrize(
    ("lang", "words"), [("de", ["Profile im Raum", "Zweck"]), ("fr", ["But", "réseautage"])]
)
def test_every_text_in_the_dashboard_language_with_local_numbers(store, lang, words):
    _fill(store, 10)
    d, client = _client(store, lang=lang)
    html = _cards(client)
    for w in words:
        assert w in html
    facets = re.sub(r"<[^>]+>", " ", html.split("data-card='facets'")[1].split("</section>")[0])
    assert re.search(r"\d,\d", facets) and not re.search(r"\d\.\d", facets)
    english = ["People per", "Groups with", "answers", "arrivals per minute", "fewer than"]
    assert not [w for w in english if w in html]


def test_room_over_norms_only_with_real_norms_and_in_the_dashboard_language(store, instrument):
    from survey.norms import norms_for

    assert norms_for(instrument).synthetic  # the shipped norms are an illustration
    _fill(store, 12)
    d, client = _client(store, lang="de")
    assert "data-card='norms'" not in _cards(client)  # not projected by default
    d, client = _client(store, lang="de", illustration_norms=True)
    card = _cards(client).split("data-card='norms'")[1].split("</section>")[0]
    text = re.sub(r"<[^>]+>", " ", card)
    assert "Der Raum und die Vergleichsstichprobe" in text and "Vergleichsstichprobe (" in text
    assert "nicht gezeigt" in text or "\u00a0%" in text
    for english in ("room", "reference", "sample", "fewer", "synthetic", "(n<"):
        assert english not in text.lower(), english
    bins = d.state().norms
    assert bins is not None and bins["suppressed"].any() == ("nicht gezeigt" in text)


# --------------------------------------------------------------- settings and command line
def test_settings_from_env_and_query_string():
    s = settings_from_env(
        {
            "NETSOC_COHORT": "WS-A",
            "NETSOC_DASHBOARD_MIN_GROUP_SIZE": "7",
            "NETSOC_DASHBOARD_INTERVAL": "1.5",
            "QUERY_STRING": "cohort=WS-B&x=1",
        }
    )
    assert (s.cohort, s.min_group_size, s.interval, s.group_field) == ("WS-A", 7, 1.5, "role")
    assert settings_from_env({"QUERY_STRING": "cohort=WS-B"}).cohort == "WS-B"
    assert settings_from_env({"QUERY_STRING": "cohort=%3Cscript%3E"}).cohort is None
    with pytest.raises(NetsocError, match="min_group_size: got 1"):
        settings_from_env({}, min_group_size=1)
    with pytest.raises(NetsocError, match="survey_url"):
        DashboardSettings(survey_url="javascript:alert(1)")
    with pytest.raises(NetsocError, match="needs its own token"):
        dashboard_app(DashboardSettings())


def test_dashboard_command_refuses_clearly(capsys, tmp_path):
    from netsoc.cli import main

    assert main(["dashboard", "--group", "shoe"]) == 1
    assert "--group: 'shoe' is not a choice field" in capsys.readouterr().err
    assert main(["dashboard", "--lang", "xx"]) == 1
    err = capsys.readouterr().err
    assert "'xx'" in err and err.count("\n") == 1
    assert main(["dashboard", "--survey-url", "javascript:alert(1)"]) == 1
    assert "survey_url" in capsys.readouterr().err
    missing = tmp_path / "nowhere" / "typo.sqlite"
    assert main(["dashboard", "--db", str(missing)]) == 1
    err = capsys.readouterr().err
    assert "typo.sqlite" in err and "Traceback" not in err and err.count("\n") == 1


def test_dashboard_notebook_runs_with_papermill(tmp_path, instrument):
    import nbformat
    import papermill as pm

    from tests.conftest import ROOT

    db = f"sqlite:///{tmp_path / 'nb.sqlite'}"
    with open_store(db, instrument=instrument) as s:
        _fill(s, 9, cohort="NB")
    out = tmp_path / "dash.ipynb"
    pm.execute_notebook(
        str(ROOT / "notebooks" / "03_workshop_dashboard.ipynb"),
        str(out),
        parameters=dict(db=db, cohort="NB", serve=False),
        kernel_name="python3",
        progress_bar=False,
        cwd=str(tmp_path),
    )
    nb = nbformat.read(out, as_version=4)
    outs = [o for c in nb.cells for o in c.get("outputs", [])]
    assert not [o for o in outs if o.get("name") == "stderr" or o["output_type"] == "error"]
    shown = "".join(o.get("data", {}).get("text/html", "") for o in outs)
    assert "data-n='9'" in shown and "9 responses in NB" in shown


# --------------------------------------------------------------- issue 31 pt 4: running the room
def test_every_comment_in_the_preview_approved_one_by_one_and_hidden_after_reveal(store):
    texts = [f"remark {i}" for i in range(7)]
    for text in texts:
        _submit(store, 4, 2, comment=text)
    d, client = _client(store)
    control = client.get("/control").text
    assert control.count("value='approve'") == 7 and control.count("value='hide'") == 7
    assert "Waiting (7)" in control and "Reveal the" not in control  # nothing approved yet
    handles = {p.text: p.handle for p in d.pending()}
    for text in texts[:5]:
        r = client.post("/control/comment", data={"handle": handles[text], "action": "approve"})
        assert r.status_code == 200
    control = client.get("/control").text
    assert "Reveal the 5 approved comments" in control and "Approve all 7 and reveal them" in control
    assert client.post("/control/release", data={"which": "approved"}).status_code == 200
    cards = _cards(client)
    assert all(t in cards for t in texts[:5]) and not any(t in cards for t in texts[5:])
    assert {p.text: p.state for p in d.pending()} == {
        t: "released" if t in texts[:5] else "waiting" for t in texts
    }
    # a revealed comment can be taken off the projector again
    client.post("/control/comment", data={"handle": handles["remark 2"], "action": "hide"})
    assert "remark 2" not in _cards(client)
    control = client.get("/control").text
    assert "On the projector (4)" in control and "Hidden (1)" in control and "Waiting (2)" in control
    with pytest.raises(NetsocError, match="already hidden or on the projector"):
        d.approve(handles["remark 0"])


def test_the_presenter_view_links_the_controls(store):
    from netsoc.dashboard import controls_url

    _fill(store, 5)
    d, client = _client(store)
    page = client.get("/").text
    assert "<a class='nav-link' href='control'>Controls</a>" in page
    assert client.get("/control").status_code == 200
    assert (
        controls_url("http://10.0.0.2:8867/?token=t0k3n-abc")
        == "http://10.0.0.2:8867/control?token=t0k3n-abc"
    )


def test_join_code_big_on_the_projector_and_never_the_token(store):
    url = "http://192.0.2.7:8866/?cohort=W1&token=Sekr3t-token"
    d, client = _client(store, survey_url=url, join_code="4821937", join_short_url="http://192.0.2.7:8866/")
    join = _cards(client)
    assert (
        "<span aria-hidden='true'>482 1937</span><span class='visually-hidden'>4 8 2 1 9 3 7</span>" in join
    )
    assert "<p class='join-address'>192.0.2.7:8866</p>" in join
    assert "Sekr3t" not in join
    d, client = _client(store, survey_url=url)  # no code: the QR code only, no address as text
    join = _cards(client)
    assert "Sekr3t" not in join and "join-address" not in join and "Scan the code" in join
    with pytest.raises(NetsocError, match="6 to 8 digits"):
        _settings(store, join_code="12ab")


def test_a_group_chart_of_hidden_groups_only_is_left_out(store):
    roles = list(store.instrument.choice_fields["role"].options)
    for i, role in enumerate(roles[:3]):  # 4 + 4 + 4: every group below k = 5
        _fill(store, 4, seed=10 + i, role=role)
    d, client = _client(store)
    names = re.findall(r"data-card='([^']+)'", _cards(client))
    assert "facets" in names and "groups" not in names  # no empty page on the projector or in exports
    assert all("data-card='groups'" not in page for page in _export_pages(d))
    _fill(store, 3, seed=20, role=roles[0])  # one group reaches k: now it shows
    assert "data-card='groups'" in _cards(client)


def test_a_persons_two_waves_are_never_two_people_of_a_batch(store):
    from netsoc.dashboard.room import room_state
    from netsoc.feedback import room_section

    pre = make_demo(n=6, seed=31, instrument=store.instrument).assign(cohort="W1", wave="pre")
    pre["subject"] = [f"S{i:011d}" for i in range(6)]
    post = make_demo(n=4, seed=32, instrument=store.instrument).assign(cohort="W1", wave="post")
    post["subject"] = pre["subject"].iloc[:4].to_numpy()
    store.import_frame(pre, source="test")
    store.import_frame(post, source="test")
    # 10 rows, but 6 people: the room shows one wave's batch of 5, not 10 rows of 6 people
    state = room_state(store, store.instrument, cohort="W1", min_group_size=5)
    assert state.n_shown == 5
    assert room_section(store, "W1", store.instrument, min_group_size=5)["n"] == 5
    extra = make_demo(n=1, seed=33, instrument=store.instrument).assign(cohort="W1", wave="post")
    extra["subject"] = pre["subject"].iloc[4:5].to_numpy()
    store.import_frame(extra, source="test")  # post reaches k: the room now shows the post wave
    state = room_state(store, store.instrument, cohort="W1", min_group_size=5)
    assert state.n_shown == 5 and room_section(store, "W1", store.instrument, min_group_size=5)["n"] == 5
