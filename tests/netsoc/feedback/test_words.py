"""Feedback a participant can use: order, one rule for balance words and profile, intentionality
wording by level, two things to try, JSON for the form, and "Your workshop" (room_section)."""

from __future__ import annotations

import dataclasses
import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analysis.scoring import score
from netsoc.feedback import balance_side, feedback_data, page_html, room_section
from netsoc.feedback.words import balance_band, largest_gaps
from survey.store import open_store
from tests.helpers import keyed_answers

PROFILE_SIDE = {"socializer": "socializing", "balanced": "even", "networker": "networking"}


def _grid_answers(instrument, net: float, soc: float, intent: float, rng) -> dict:
    """Answers whose keyed item values average about net / soc / intent (mixed codes)."""
    out = {"consent": True}
    want = {"networking": net, "socializing": soc, "intentionality": intent}
    for item in instrument.items:
        target = want[item.scale]
        low = int(np.floor(target))
        keyed = min(5, low + (rng.random() < target - low))
        out[item.id] = 6 - keyed if item.keying == "reverse" else keyed
    for a in instrument.attention_checks:
        out[a.id] = a.expected
    return out


def test_balance_band_is_the_balanced_profile(instrument):
    assert balance_band(instrument) == (-0.15, 0.15)
    assert [balance_side(v, instrument) for v in (-0.16, -0.15, 0.0, 0.149, 0.15, 1.0)] == [
        "socializing",
        "even",
        "even",
        "even",
        "networking",
        "networking",
    ]
    assert balance_side(float("nan"), instrument) is None


@pytest.mark.parametrize("lang", ["en", "de", "fr"])
def test_balance_words_never_contradict_the_profile_over_a_grid(instrument, lang, rng):
    """Every score on a grid: the balance word is the profile's side (engaged profiles);
    the intentionality text is its level's text."""
    inst = instrument.localized(lang)
    ui = inst.ui
    words = {
        "socializing": ui["lean_socializing"],
        "even": ui["lean_none"],
        "networking": ui["lean_networking"],
    }
    grid = np.arange(1.0, 5.01, 0.25)
    seen = set()
    for net in grid:
        for soc in grid:
            a = _grid_answers(instrument, net, soc, float(rng.choice(grid)), rng)
            d = feedback_data(a, instrument, language=lang)
            ref = score(pd.DataFrame([a]), instrument).iloc[0]
            assert d.profile.id == ref["profile"]
            assert d.balance.side == balance_side(ref["balance"], instrument)
            assert d.balance.word == words[d.balance.side] and d.balance.word in d.balance.sentence
            if d.profile.id in PROFILE_SIDE:
                assert PROFILE_SIDE[d.profile.id] == d.balance.side, (net, soc, d.profile.id)
            seen.add((d.profile.id, d.balance.side))
            lvl = d.intentionality
            assert lvl.level == ref["intentionality_level"]
            assert lvl.text == inst.feedback.intentionality[lvl.level]
    assert {p for p, _ in seen} == {p.id for p in instrument.profiles}


def test_intentionality_wording_follows_its_level(instrument):
    """Issue 21: 2.80 (below the midpoint) must not read "You often know what you want"."""
    texts = instrument.feedback.intentionality
    assert "often know" not in texts["medium"].lower()
    assert "sometimes" in texts["medium"].lower() and "unsure" in texts["low"].lower()
    for intent, level in ((1, "low"), (3, "medium"), (5, "high")):
        d = feedback_data(keyed_answers(instrument, 3, 3, intent, consent=True), instrument)
        assert d.intentionality.level == level and d.intentionality.text == texts[level]


def test_two_largest_gaps_get_one_tip_each_on_the_weaker_side(instrument):
    a = keyed_answers(instrument, 3, 3, consent=True)
    for item in instrument.items:  # purpose: networking 5 vs socializing 1; online: 2 vs 5
        keyed = {
            ("networking", "purpose"): 5,
            ("socializing", "purpose"): 1,
            ("networking", "online"): 2,
            ("socializing", "online"): 5,
        }.get((item.scale, item.facet))
        if keyed is not None:
            a[item.id] = 6 - keyed if item.keying == "reverse" else keyed
    d = feedback_data(a, instrument)
    assert [(t.facet, t.weaker) for t in d.tries] == [("purpose", "socializing"), ("online", "networking")]
    assert d.tries[0].tip == instrument.ui["try_purpose_socializing"]
    assert d.tries[1].tip == instrument.ui["try_online_networking"]
    assert d.tries[0].summary == "Purpose: networking 5.00, socializing 1.00 (on a scale from 1 to 5)"
    assert d.try_none is None
    even = feedback_data(keyed_answers(instrument, 3, 3, consent=True), instrument)
    assert even.tries == () and even.try_none == instrument.ui["try_none"]


def test_every_facet_and_side_has_a_tip_in_every_language(instrument):
    for lang in instrument.languages:
        ui = instrument.localized(lang).ui
        for facet in instrument.facets:
            for side in ("networking", "socializing"):
                tip = ui[f"try_{facet}_{side}"]
                assert 20 < len(tip) < 200 and tip.endswith("."), (lang, facet, side)


def test_largest_gaps_skips_small_gaps_and_missing_facets():
    rows = [
        dict(facet=f, label=f, networking=n, socializing=s, difference=n - s)
        for f, n, s in (("a", 3.0, 2.8), ("b", float("nan"), 3.0), ("c", 2.0, 4.0), ("d", 4.0, 3.4))
    ]
    assert [(r["facet"], r["weaker"]) for r in largest_gaps(rows)] == [
        ("c", "networking"),
        ("d", "socializing"),
    ]
    assert largest_gaps(rows, min_gap=1.0) == largest_gaps(rows)[:1]


def test_page_order_is_profile_balance_tries_then_folded_details(instrument):
    a = keyed_answers(instrument, 5, 2, consent=True)
    page = page_html(feedback_data(a, instrument, cohort="WS-1"))
    marks = [
        "netsoc-profile",
        "netsoc-balance",
        "netsoc-try",
        "netsoc-intention",
        "netsoc-room",
        "<details class='netsoc-more'>",
    ]
    positions = [page.index(m) for m in marks]
    assert positions == sorted(positions)
    main = page[: page.index("<details")]
    # the part shown at first is short and plain: no statistics words
    for word in ("percentile", "likely", "interval", "reliab", "<table", "<figure"):
        assert word not in main, word


def test_to_json_is_json_safe_and_in_order(instrument):
    a = keyed_answers(instrument, 4, 2, consent=True)
    a.pop("net_purpose_1")
    for item in instrument.scale_items("intentionality"):
        a.pop(item.id)  # intentionality not scored: NaN must become null
    d = feedback_data(a, instrument, language="fr", cohort="WS-1")
    j = d.to_json()
    text = json.dumps(j, allow_nan=False)  # no NaN anywhere
    keys = list(j)
    assert keys.index("profile") < keys.index("balance") < keys.index("tries") < keys.index("details")
    assert j["intentionality"] is None and j["language"] == "fr"
    assert j["texts"]["details_heading"] == "Plus de détails"
    assert {b["kind"] for b in j["details"]} == {"text", "table", "figure"}
    assert json.loads(text)["balance"]["value_text"] == "+0,50"
    with pytest.raises(dataclasses.FrozenInstanceError):
        d.language = "en"  # frozen


def test_room_section_waits_for_k_then_summarises(tmp_path, instrument):
    store = open_store(tmp_path / "room.sqlite", instrument=instrument)
    try:
        assert room_section(store, None, instrument) is None
        for _ in range(4):
            store.submit(keyed_answers(instrument, 4, 2, consent=True), cohort="WS-R")
        store.submit(keyed_answers(instrument, 2, 4, consent=True), cohort="OTHER")
        assert room_section(store, "WS-R", instrument) is None  # 4 < k
        store.submit(keyed_answers(instrument, 2, 2, consent=True), cohort="WS-R")
        room = room_section(store, "WS-R", instrument, "de")
        # balance: four of +0.5 and one of 0 -> mean +0.4 (means to one decimal)
        assert room["n"] == 5 and room["balance"] == pytest.approx(0.4)
        assert room["side"] == "networking"
        assert room["summary"] == (
            "Die mittlere Balance Ihres Workshops liegt bei +0,4: mit Neigung zum Networking."
        )
        assert [r["score"] for r in room["rows"]] == [
            "networking",
            "socializing",
            "balance",
            "intentionality",
        ]
        assert all(r["mean"] == round(r["mean"], 1) for r in room["rows"])
        assert room_section(store, "WS-R", instrument, "de") == room  # cached, same answer
        store.submit(keyed_answers(instrument, 1, 5, consent=True), cohort="WS-R")
        assert room_section(store, "WS-R", instrument, "de") == room  # the 6th waits for its batch
        for _ in range(4):
            store.submit(keyed_answers(instrument, 3, 3, consent=True), cohort="WS-R")
        assert room_section(store, "WS-R", instrument)["n"] == 10  # a whole new batch is seen
        data = feedback_data(
            keyed_answers(instrument, 4, 2, consent=True),
            instrument,
            cohort="WS-R",
            room=room_section(store, "WS-R", instrument),
        )
        room_part = re.search(r"<section class='netsoc-room'.*?</section>", page_html(data)).group(0)
        assert "The average balance of your workshop is" in room_part
        # the README's promise: the page never says how many have answered
        readme = " ".join((Path(__file__).parents[3] / "README.md").read_text(encoding="utf-8").split())
        assert "it never shows an exact percentile or how many have answered" in readme
        assert not re.search(r"\b10\b|have answered", room_part)
    finally:
        store.close()
