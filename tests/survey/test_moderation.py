"""Comment moderation in the store (survey.store.moderation): hidden and released comments
are seen by every process (SQLite and PostgreSQL), released in a seeded random order, and an
erased response takes its comment with it."""

from __future__ import annotations

import pytest

from survey.errors import StoreError
from survey.store import open_store


def _submit(store, instrument, rng, comment, cohort="WS-1"):
    lo, hi = instrument.response_range(instrument.item_ids[0])
    answers = {q: int(rng.integers(lo, hi + 1)) for q in instrument.item_ids}
    answers.update({c.id: c.expected for c in instrument.attention_checks})
    answers[instrument.consent.id] = True
    answers[instrument.comment.id] = comment
    return store.submit(answers, cohort=cohort)


def test_hide_release_and_read_back_from_another_connection(any_store_url, instrument, rng):
    with open_store(any_store_url, instrument=instrument) as store:
        ids = [_submit(store, instrument, rng, f"comment {i}") for i in range(7)]
        store.hide_comment("WS-1", ids[0])
        batch = store.release_comments("WS-1", ids[1:6], seed=3)
        assert batch == 1
    # a second store (another worker, or a restart) sees the same decisions
    with open_store(any_store_url, instrument=instrument) as other:
        states = other.moderation_states("WS-1")
        assert states[ids[0]] == "hidden" and ids[6] not in states
        released = other.released_comments("WS-1")
        assert sorted(released) == [f"comment {i}" for i in range(1, 6)]
        assert released != [f"comment {i}" for i in range(1, 6)]  # shuffled (seed 3)
        assert other.moderation_states("WS-2") == {}
        with pytest.raises(StoreError, match="released already"):
            other.release_comments("WS-1", [ids[1], ids[6]], seed=1)
        with pytest.raises(StoreError, match="hidden or released already"):
            other.release_comments("WS-1", [ids[0]], seed=1)
        # hiding a released comment takes it off; an erased response takes its comment along
        other.hide_comment("WS-1", ids[1])
        other.erase(ids[2])
        assert sorted(other.released_comments("WS-1")) == [f"comment {i}" for i in (3, 4, 5)]
        assert other.release_comments("WS-1", [ids[6]], seed=1) == 2
        assert other.released_comments("WS-1")[-1] == "comment 6"
        other.unhide_comment("WS-1", ids[0])
        assert ids[0] not in other.moderation_states("WS-1")


def test_bad_arguments_are_refused(tmp_path, instrument):
    with open_store(tmp_path / "m.sqlite", instrument=instrument) as store:
        with pytest.raises(StoreError, match="expected distinct response ids"):
            store.release_comments("WS-1", [], seed=1)
        with pytest.raises(StoreError, match="respondent_id"):
            store.hide_comment("WS-1", "")
        with pytest.raises(Exception, match="cohort"):
            store.hide_comment("<b>", "abc")
