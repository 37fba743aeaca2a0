"""The room's shift card (pre vs post) and the facilitator's wave switch, without a browser:
k pairs or nothing, whole batches, shares only when no group under k can be worked out."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from starlette.testclient import TestClient

from analysis.scoring import score
from netsoc.dashboard import Dashboard, DashboardSettings, dashboard_app
from netsoc.dashboard.shift import shift_state
from survey.store import open_store
from survey.waves import WaveTag
from tests.helpers import keyed_answers

TOKEN = "dash-token-456"
K = 5


@pytest.fixture
def store(tmp_path, instrument):
    with open_store(f"sqlite:///{tmp_path / 's.sqlite'}", instrument=instrument) as s:
        yield s


def _pair(store, subject, before, after, *, post=True):
    """A subject's pre response (networking, socializing levels) and, with ``post``, its post one."""
    inst = store.instrument
    store.submit(keyed_answers(inst, *before, consent=True), cohort="W1", wave=WaveTag("pre", subject))
    if post:
        store.submit(keyed_answers(inst, *after, consent=True), cohort="W1", wave=WaveTag("post", subject))


def _state(store):
    return shift_state(store, store.instrument, cohort="W1", min_group_size=K)


def test_nothing_below_k_pairs_and_nothing_changes_until_a_whole_batch(store):
    levels = [((2, 4), (4, 2)), ((3, 3), (3, 3)), ((2, 3), (4, 3)), ((4, 2), (2, 4)), ((3, 4), (3, 2))]
    _pair(store, "early", (1, 5), None, post=False)  # the first to answer before, the last after
    for i, (before, after) in enumerate(levels[:4]):
        _pair(store, f"s{i}", before, after)
    _pair(store, "s-late", (3, 3), None, post=False)  # a pre without a post is no pair
    store.submit(keyed_answers(store.instrument, 4, 4, consent=True), cohort="W1", wave=WaveTag("post", None))
    assert _state(store) is None  # 4 pairs: no card, not even a count
    _pair(store, "s4", *levels[4])
    five = _state(store)
    assert five is not None and five.n == K
    inst = store.instrument
    store.submit(keyed_answers(inst, 5, 1, consent=True), cohort="W1", wave=WaveTag("post", "early"))
    assert _state(store) == five  # a new pair joins the last batch, whenever its pre came
    for i in range(5, 5 + K - 2):  # one more pair at a time: the card stays exactly as it was
        _pair(store, f"s{i}", (3, 3), (4, 3))
        assert _state(store) == five
    _pair(store, "s9", (3, 3), (4, 3))
    assert _state(store).n == 2 * K


def test_paired_means_and_interval_match_an_independent_computation(store, instrument):
    rng = np.random.default_rng(5)
    for i in range(2 * K):
        before = tuple(int(x) for x in rng.integers(1, 6, 2))
        after = tuple(int(x) for x in rng.integers(1, 6, 2))
        _pair(store, f"p{i}", before, after)
    state = _state(store)
    frame = store.to_frame(cohort="W1")
    scores = pd.concat([frame[["wave", "subject"]], score(frame, instrument)], axis=1)
    wide = scores.pivot(index="subject", columns="wave", values="networking")
    d = wide["post"] - wide["pre"]
    half = stats.t.ppf(0.975, len(d) - 1) * d.std(ddof=1) / np.sqrt(len(d))
    row = next(r for r in state.rows if r.score == "networking")
    assert row.before == round(wide["pre"].mean(), 1) and row.after == round(wide["post"].mean(), 1)
    assert row.change == round(d.mean(), 1)
    assert (row.low, row.high) == (round(d.mean() - half, 1), round(d.mean() + half, 1))


def test_shares_only_when_every_group_is_empty_or_at_least_k(store):
    for i in range(K):  # five people move strongly towards networking
        _pair(store, f"up{i}", (1, 5), (5, 1))
    rows = {r.score: r for r in _state(store).rows}
    assert rows["networking"].higher == 1.0 and rows["networking"].lower == 0.0
    assert rows["socializing"].lower == 1.0
    for i in range(K - 1):  # now 4 stay where they were, and one more moves: 6 up, 4 unchanged
        _pair(store, f"same{i}", (3, 3), (3, 3))
    _pair(store, "up-last", (1, 5), (5, 1))
    rows = {r.score: r for r in _state(store).rows}
    assert rows["networking"].higher is None and rows["networking"].lower is None  # 4 unchanged < k


def test_the_projector_card_and_the_wave_switch(store):
    d = Dashboard(store, DashboardSettings(db=store.url, cohort="W1", token=TOKEN, check_join=False))
    client = TestClient(dashboard_app(d.settings, dashboard=d), raise_server_exceptions=False)
    assert client.get(f"/?token={TOKEN}").status_code == 200
    page = client.get("/control").text
    assert "Not collecting in waves" in page and "Collect the &#x27;before&#x27; wave" in page
    client.post("/control/wave", data={"wave": "pre"})
    assert store.current_wave("W1") == "pre"
    assert "Collecting now: the &#x27;before&#x27; wave." in client.get("/control").text
    r = client.post("/control/wave", data={"wave": "during"})
    assert r.status_code == 200 and "That did not work: wave" in r.text and store.current_wave("W1") == "pre"
    client.post("/control/wave", data={"wave": "post"})
    assert store.current_wave("W1") == "post"
    for i in range(K):
        _pair(store, f"c{i}", (2, 4), (4, 2))
    cards = client.get("/deck").json()["html"]
    shift = cards.split("data-card='shift'")[1].split("</section>")[0]
    assert "5 people answered before and after" in shift
    assert re.search(r"<th scope='row'>Balance</th><td class='num'>", shift)
    assert "100%" in shift
    client.post("/control/wave", data={"wave": ""})
    assert store.current_wave("W1") is None


def test_without_norms_the_shares_are_a_dash_not_hidden(store):
    for i in range(K):
        _pair(store, f"n{i}", (1, 5), (5, 1))
    bare = store.instrument.model_copy(update={"norms": None})
    rows = shift_state(store, bare, cohort="W1", min_group_size=K).rows
    assert all(np.isnan(r.higher) and np.isnan(r.lower) for r in rows)
    assert rows[1].change > 0  # the means and the interval need no norms
