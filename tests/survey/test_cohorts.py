"""Per-cohort controls of the store (survey.store.cohorts), on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from survey.errors import ResponseValidationError, StoreError
from survey.store import SCHEMA_VERSION, open_store
from survey.store.cohorts import ARRIVAL_WINDOW_MINUTES, DRAFT_OPEN_MINUTES
from tests.helpers import keyed_answers


@pytest.fixture
def store(any_store_url, instrument):
    s = open_store(any_store_url, instrument=instrument)
    yield s
    s.close()


def _answers(instrument, net=4, soc=2):
    out = keyed_answers(instrument, net, soc, consent=True)
    return out


def test_collection_switch_is_per_cohort_and_seen_by_another_process_handle(store, any_store_url, instrument):
    assert store.collection_open("WS-1") and store.collection_open(None)
    store.set_collection_open("WS-1", False)
    other = open_store(any_store_url, instrument=instrument)  # another worker's handle
    try:
        assert other.collection_open("WS-1") is False
        assert other.collection_open("WS-2") is True and other.collection_open(None) is True
        other.set_collection_open("WS-1", True)
        assert store.collection_open("WS-1") is True
        store.set_collection_open(None, False)
        assert other.collection_open(None) is False and other.collection_open("WS-1") is True
    finally:
        other.close()


def test_collection_switch_refuses_bad_input(store):
    with pytest.raises(ResponseValidationError, match="cohort"):
        store.set_collection_open("no spaces allowed", False)
    with pytest.raises(StoreError, match="expected True or False"):
        store.set_collection_open("WS-1", "no")


def test_activity_counts_submitted_open_drafts_and_arrivals(store, instrument):
    a = _answers(instrument)
    for _ in range(3):
        store.submit(a, cohort="WS-1")
    store.submit(a, cohort="WS-2")
    store.submit(a)
    draft = {"consent": True, "net_purpose_1": 3}
    store.save_draft(None, draft, cohort="WS-1")
    store.save_draft(None, draft, cohort="WS-1")
    store.save_draft(None, draft, cohort="WS-2")
    now = dt.datetime.now(dt.UTC)
    act = store.activity("WS-1", now=now)
    assert act == {
        "submitted": 3,
        "open_drafts": 2,
        "arrivals_per_minute": round(3 / ARRIVAL_WINDOW_MINUTES, 2),
        "collection_open": True,
    }
    assert store.activity(None, now=now)["submitted"] == 1
    later = now + dt.timedelta(minutes=max(DRAFT_OPEN_MINUTES, ARRIVAL_WINDOW_MINUTES) + 1)
    act = store.activity("WS-1", now=later)
    assert act["submitted"] == 3 and act["open_drafts"] == 0 and act["arrivals_per_minute"] == 0
    # a draft that is submitted leaves the open drafts
    rid = store.save_draft(None, draft, cohort="WS-3")
    assert store.activity("WS-3")["open_drafts"] == 1
    store.submit(a, cohort="WS-3", respondent_id=rid)
    assert store.activity("WS-3")["open_drafts"] == 0 and store.activity("WS-3")["submitted"] == 1


def test_cohort_codes_lists_every_code_once(store, instrument):
    assert store.cohort_codes() == []
    store.submit(_answers(instrument), cohort="WS-B")
    store.save_draft(None, {"consent": True}, cohort="WS-A")
    store.set_collection_open("WS-C", False)
    store.set_collection_open(None, False)
    store.submit(_answers(instrument))
    assert store.cohort_codes() == ["WS-A", "WS-B", "WS-C"]


def test_clear_cohort_deletes_only_that_cohort(store, instrument):
    a = _answers(instrument)
    store.submit(a, cohort="TEST")
    store.submit(a, cohort="TEST")
    store.save_draft(None, {"consent": True}, cohort="TEST")
    store.submit(a, cohort="WS-1")
    store.submit(a)
    assert store.clear_cohort("TEST") == {"drafts": 1, "submitted": 2}
    assert store.count("TEST", include_drafts=True) == 0
    assert store.count("WS-1") == 1 and store.count() == 2
    assert store.clear_cohort("TEST") == {"drafts": 0, "submitted": 0}


def test_schema_5_migrates_a_version_4_store(tmp_path, instrument):
    """An older store gains the cohort_settings table, and its responses stay."""
    from survey.store.tables import MIGRATIONS, schema_version

    path = tmp_path / "old.sqlite"
    engine = sa.create_engine(f"sqlite:///{path}")
    with engine.begin() as conn:
        schema_version.create(conn)
        for v in range(1, 5):
            MIGRATIONS[v](conn)
            conn.execute(schema_version.insert().values(version=v, applied_at=dt.datetime.now(dt.UTC)))
    engine.dispose()
    s = open_store(path, instrument=instrument)
    try:
        assert s.schema_version() == SCHEMA_VERSION >= 5
        s.set_collection_open("WS-1", False)
        assert not s.collection_open("WS-1")
    finally:
        s.close()
