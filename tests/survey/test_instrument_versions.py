"""The questionnaire 1.1.0 and the kept 1.0.0: wording fixes, keying, old responses readable."""

from __future__ import annotations

import pytest

from analysis.scoring import score
from survey.config import instrument_path
from survey.instrument import load_instrument
from survey.store import open_store
from tests.helpers import keyed_answers

REWORDED = (
    "net_interaction_1",
    "net_interaction_2",
    "soc_online_1",
    "soc_online_2",
    "int_2",
    "net_purpose_2",
)


def _item(inst, item_id):
    return next(i for i in inst.items if i.id == item_id)


@pytest.fixture(scope="module")
def old():
    return load_instrument(instrument_path("1.0.0"))


@pytest.fixture(scope="module")
def new():
    return load_instrument()


def test_versions(old, new):
    assert (old.version, new.version) == ("1.0.0", "1.1.0")
    assert old.norms is None  # the shipped norms are computed for 1.1.0
    with pytest.raises(FileNotFoundError, match="kept earlier versions: 1.0.0"):
        instrument_path("0.9.0")


@pytest.mark.parametrize("item_id", REWORDED)
def test_flagged_items_ask_one_thing_in_every_language(old, new, item_id):
    """Same id (same construct), new wording, no 'and'/'or' joining two asks."""
    joiners = {"en": (" and ", " or "), "de": (" und ", " oder "), "fr": (" et ", " ou ")}
    for lang in new.languages:
        before = _item(old.localized(lang), item_id).text
        after = _item(new.localized(lang), item_id).text
        assert after != before
        assert not any(j in after for j in joiners[lang]), (lang, after)
    assert _item(new, item_id).keying == _item(old, item_id).keying
    assert _item(new, item_id).source.seed == _item(old, item_id).source.seed


def test_french_companionship_item(new):
    fr = _item(new.localized("fr"), "soc_purpose_1").text
    assert "compagnie" in fr and "seul" not in fr


def test_privacy_facet_keys_holding_back_against_the_orientation(old, new):
    """Caution no longer raises networking: holding back is reverse, opening up forward."""
    assert _item(old, "net_bound_1").keying == "forward"  # caution counted as networking
    bound = {i.id: (i.scale, i.keying) for i in new.items if i.facet == "boundaries"}
    assert bound == {
        "net_bound_3": ("networking", "reverse"),
        "net_bound_4": ("networking", "forward"),
        "soc_bound_1": ("socializing", "forward"),
        "soc_bound_3": ("socializing", "reverse"),
    }
    notes = open(new.source_path, encoding="utf-8").read().split("\nid: netsoc", 1)[0]
    assert "Privacy and boundaries" in notes and "net_bound_3" in notes


def test_old_responses_stay_readable_and_keep_their_version(tmp_path, old, new):
    path = tmp_path / "s.sqlite"
    with open_store(path, instrument=old) as s_old:
        for _ in range(3):
            s_old.submit(keyed_answers(old, 4, 2, consent=True), cohort="WS-OLD")
    with open_store(path, instrument=new) as s_new:
        s_new.submit(keyed_answers(new, 2, 4, consent=True), cohort="WS-NEW")
        frame = s_new.to_frame()
    assert list(frame["instrument_version"]) == ["1.0.0"] * 3 + ["1.1.0"]
    # the 1.0.0 file reads the old responses with every one of their items
    with open_store(path, instrument=old) as s_old:
        old_frame = s_old.to_frame(cohort="WS-OLD")
    assert len(old_frame) == 3 and old_frame["net_bound_1"].notna().all()
    scored = score(old_frame, old)
    assert (scored["networking"] == 4).all() and (scored["socializing"] == 2).all()
