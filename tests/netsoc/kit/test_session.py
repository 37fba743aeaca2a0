"""netsoc.session: the query, the cohort rule and the one store registry."""

from __future__ import annotations

import threading

import pytest

from netsoc.session import (
    CohortChoice,
    choose_cohort,
    close_shared_stores,
    parse_query,
    resolve_cohort,
    shared_store,
)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        (None, {}),
        ("", {}),
        ("?cohort=WS-A&lang=de", {"cohort": "WS-A", "lang": "de"}),
        ("cohort=WS-A&cohort=WS-B", {"cohort": "WS-A"}),  # the first value counts
        ("cohort=&lang=%20", {}),  # blanks are dropped
        ("cohort=a%26b", {"cohort": "a&b"}),  # decoded once
        ({"cohort": ["WS-A", "WS-B"], "lang": "fr"}, {"cohort": "WS-A", "lang": "fr"}),
        ({"cohort": [], "lang": None}, {}),
    ],
)
def test_parse_query(query, expected):
    assert parse_query(query) == expected


def test_parse_query_drops_named_keys():
    assert parse_query("token=s3cret&cohort=WS-A", drop=("token",)) == {"cohort": "WS-A"}


@pytest.mark.parametrize(
    ("server", "query", "expected"),
    [
        ("WS-A", {"cohort": "WS-B"}, "WS-A"),  # a different code is not adopted
        ("WS-A", {"cohort": "WS-A"}, "WS-A"),
        ("WS-A", {"cohort": "<b>x"}, "WS-A"),  # an invalid one changes nothing either
        ("WS-A", {}, "WS-A"),
        (None, {"cohort": "WS-B"}, "WS-B"),  # no server code: a valid ?cohort= counts
        (None, {"cohort": "<b>x"}, None),  # ... an invalid one never does
        (None, {"cohort": "  "}, None),
        (None, {}, None),
        (None, "cohort=WS-B&lang=de", "WS-B"),  # the raw query string works the same
        (None, "?cohort=WS-B", "WS-B"),
    ],
)
def test_server_cohort_wins(server, query, expected, instrument):
    assert resolve_cohort(instrument, server, query) == expected


def test_resolve_cohort_defaults_to_the_shipped_instrument():
    assert resolve_cohort(None, None, "cohort=WS-B") == "WS-B"
    assert resolve_cohort(None, None, "cohort=<x>") is None


def test_choice_tells_the_participant_why(instrument):
    elsewhere = choose_cohort(instrument, "WS-A", {"cohort": "WS-B"})
    assert (elsewhere.cohort, elsewhere.ask) == ("WS-A", False)
    assert "WS-A" in elsewhere.note
    assert choose_cohort(instrument, "WS-A", "cohort=WS-A") == CohortChoice("WS-A", False, None)
    ignored = choose_cohort(instrument, None, {"cohort": "<script>"})
    assert (ignored.cohort, ignored.ask) == (None, False)
    assert "'<script>'" in ignored.note  # plain text; pages escape it
    assert choose_cohort(instrument, None, {}) == CohortChoice(None, True, None)


def test_choice_notes_follow_the_language(instrument):
    german = instrument.localized("de")
    note = choose_cohort(german, "WS-A", {"cohort": "WS-B"}).note
    assert note == german.ui["cohort_elsewhere"].format(cohort="WS-A")
    assert note != choose_cohort(instrument, "WS-A", {"cohort": "WS-B"}).note


def test_invalid_server_code_fails_loudly(instrument):
    with pytest.raises(ValueError, match=r"cohort: 'no spaces' does not match"):
        resolve_cohort(instrument, "no spaces", {})


def test_shared_store_is_one_per_url_and_thread_safe(tmp_path):
    url = f"sqlite:///{tmp_path / 'a.sqlite'}"
    other = f"sqlite:///{tmp_path / 'b.sqlite'}"
    try:
        seen: list[object] = []
        threads = [threading.Thread(target=lambda: seen.append(shared_store(url))) for _ in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert len({id(s) for s in seen}) == 1
        assert shared_store(url) is seen[0]
        assert shared_store(other) is not seen[0]
        assert seen[0].count() == 0  # a real, working store
    finally:
        close_shared_stores()
    assert shared_store(url) is not seen[0]  # forgotten after closing
    close_shared_stores()


def test_unreachable_store_is_not_kept(tmp_path):
    from survey.errors import NetsocError

    bad = f"sqlite:///{tmp_path / 'missing-dir' / 'x' / 'db.sqlite'}"
    with pytest.raises(NetsocError):
        shared_store(bad)
    (tmp_path / "missing-dir" / "x").mkdir(parents=True)
    try:
        assert shared_store(bad).count() == 0  # the next call tries again
    finally:
        close_shared_stores()
