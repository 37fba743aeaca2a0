"""Issue 22 point 8: "Your workshop" on the feedback never gives away one person
nor the workshop's size below k (the projector's rules, survey.privacy)."""

from __future__ import annotations

import json

import pytest

from netsoc.feedback import room_section
from survey.store import open_store
from tests.helpers import keyed_answers

K = 5


@pytest.fixture
def store(tmp_path, instrument):
    s = open_store(tmp_path / "room.sqlite", instrument=instrument)
    yield s
    s.close()


@pytest.mark.fault("feedback: the room's size below k (issue 22 pt 8)", expect="nothing returned, no count")
@pytest.mark.parametrize("lang", ["en", "de", "fr"])
def test_below_k_nothing_is_returned_not_even_a_count(store, instrument, lang):
    seen = []
    for n in range(K):
        seen.append(room_section(store, "WS-S", instrument, lang, min_group_size=K))
        store.submit(keyed_answers(instrument, 1 + n % 5, 5 - n % 5, consent=True), cohort="WS-S")
    assert seen == [None] * K  # 0 .. k-1 answers: the same answer, whatever the size
    assert room_section(store, "WS-S", instrument, lang, min_group_size=K)["n"] == K


@pytest.mark.fault(
    "feedback: differencing two polls around one submission (issue 22 pt 8)",
    expect="nothing about the newcomer can be told",
)
@pytest.mark.parametrize("newcomer", [(5, 1, 5), (1, 5, 1), (3, 3, 3)])
def test_two_polls_around_one_submission_tell_nothing_about_the_newcomer(store, instrument, newcomer):
    """The attack: a participant knows the room (12 answers), polls, sees a neighbour press
    Submit, polls again and compares; the newcomer's scores must not follow."""
    for i in range(12):
        store.submit(keyed_answers(instrument, 2 + i % 3, 4 - i % 3, consent=True), cohort="WS-P")
    before = room_section(store, "WS-P", instrument, "en", min_group_size=K)
    store.submit(keyed_answers(instrument, *newcomer, consent=True), cohort="WS-P")
    after = room_section(store, "WS-P", instrument, "en", min_group_size=K)
    assert before is not None and before["n"] == 10  # the batched count, not 12
    # identical, whatever the newcomer answered: nothing to subtract
    assert json.dumps(after, sort_keys=True) == json.dumps(before, sort_keys=True)
    # the first poll after the batch holding the newcomer completes moves by a whole batch
    store.submit(keyed_answers(instrument, 3, 3, consent=True), cohort="WS-P")
    store.submit(keyed_answers(instrument, 3, 3, consent=True), cohort="WS-P")
    later = room_section(store, "WS-P", instrument, "en", min_group_size=K)
    assert later["n"] == 15 and later["n"] - before["n"] >= K
    for row in later["rows"]:  # means to the projector's one decimal, in JSON and text
        assert row["mean"] == round(row["mean"], 1) and row["text"].lstrip("+-").count(".") <= 1
        assert len(row["text"].split(".")[-1]) == 1


def test_a_room_is_read_once_per_refresh_interval_however_many_ask(store, instrument, monkeypatch):
    """A room of phones asking "Your workshop" as they finish costs one read per interval."""
    import netsoc.feedback.room as room

    for i in range(K):
        store.submit(keyed_answers(instrument, 2 + i % 3, 4 - i % 3, consent=True), cohort="WS-R")
    reads = []
    real = store.to_frame
    monkeypatch.setattr(store, "to_frame", lambda *a, **kw: reads.append(1) or real(*a, **kw))
    monkeypatch.setattr(room, "ROOM_REFRESH_S", 3600.0)
    first = room_section(store, "WS-R", instrument, "de", min_group_size=K)
    for _ in range(K):  # a whole new batch arrives while 50 phones ask
        store.submit(keyed_answers(instrument, 3, 3, consent=True), cohort="WS-R")
    asked = [room_section(store, "WS-R", instrument, "de", min_group_size=K) for _ in range(50)]
    assert first["n"] == K and all(a == first for a in asked) and len(reads) == 1
    monkeypatch.setattr(room, "ROOM_REFRESH_S", 0.0)  # the interval is over: the new batch shows
    assert room_section(store, "WS-R", instrument, "de", min_group_size=K)["n"] == 2 * K
    assert len(reads) == 2
    assert room_section(store, "WS-R", instrument, "de", min_group_size=K)["n"] == 2 * K
    assert len(reads) == 2  # unchanged responses are not read again
