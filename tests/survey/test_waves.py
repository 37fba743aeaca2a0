"""Waves in the store: the columns, the migration of an existing store, one response per browser and
wave, the cohort's wave switch, linking, and every export format keeping ``wave`` and ``subject``
(on SQLite and PostgreSQL: the ``store`` fixture of tests/conftest.py)."""

from __future__ import annotations

import secrets

import pandas as pd
import pytest
import sqlalchemy as sa

from survey.errors import AlreadySubmitted, ResponseValidationError
from survey.io import read_responses, write_responses
from survey.store import MIGRATIONS, open_store
from survey.waves import WaveTag, link_code, link_hash
from tests.helpers import complete_answers as complete


def _version_7_store(path, instrument, rng):
    """A store as netsoc wrote it at schema version 7 (before waves), with one response."""
    engine = sa.create_engine(f"sqlite:///{path}")
    with engine.begin() as conn:
        conn.execute(sa.text("CREATE TABLE schema_version (version INTEGER PRIMARY KEY, applied_at TEXT)"))
        for version in range(1, 8):
            MIGRATIONS[version](conn)
            stamp = sa.text("INSERT INTO schema_version VALUES (:v, '2026-01-01 00:00:00')")
            conn.execute(stamp, {"v": version})
        conn.execute(
            sa.text(
                "INSERT INTO respondents (respondent_id, status, cohort, instrument_id, instrument_version,"
                " submitted_at, updated_at, seq, answers, language, browser_hash, arrival) VALUES"
                " ('OLD1', 'submitted', 'WS-1', :i, :v, '2026-01-02 10:00:00', '2026-01-02 10:00:00', 1,"
                " '{\"net_purpose_1\": 4}', 'en', 'abc', 1)"
            ),
            {"i": instrument.id, "v": instrument.version},
        )
    engine.dispose()


def test_old_rows_read_as_single_and_unlinked_after_the_migration(tmp_path, instrument, rng):
    path = tmp_path / "v7.sqlite"
    _version_7_store(path, instrument, rng)
    with open_store(path, instrument=instrument) as s:
        assert s.schema_version() == 8
        old = s.to_frame()
        assert old["respondent_id"].tolist() == ["OLD1"] and old["net_purpose_1"].tolist() == [4]
        assert old["wave"].tolist() == ["single"] and old["subject"].isna().all()
        assert s.current_wave("WS-1") is None
        new = s.submit(complete(instrument, rng), cohort="WS-1", wave=WaveTag("pre", subject="s1"))
        frame = s.to_frame()
        assert frame["wave"].tolist() == ["single", "pre"]
        assert frame.set_index("respondent_id").loc[new, "subject"] == "s1"


def test_one_response_per_browser_and_wave(store, instrument, rng):
    token = secrets.token_urlsafe(16)
    store.submit(complete(instrument, rng), cohort="WS-1", browser=token, wave=WaveTag("pre", "s1"))
    with pytest.raises(AlreadySubmitted):
        store.submit(complete(instrument, rng), cohort="WS-1", browser=token, wave=WaveTag("pre", "s1"))
    store.submit(complete(instrument, rng), cohort="WS-1", browser=token, wave=WaveTag("post", "s1"))
    with pytest.raises(AlreadySubmitted):
        store.submit(complete(instrument, rng), cohort="WS-1", browser=token, wave=WaveTag("post", "s1"))
    store.submit(complete(instrument, rng), cohort="WS-1", browser=token)  # a single round too
    assert store.to_frame()["wave"].tolist() == ["pre", "post", "single"]


def test_the_cohorts_wave_is_a_switch_every_process_sees(store, store_url, instrument):
    assert store.current_wave("WS-1") is None
    store.set_wave("WS-1", "pre")
    with open_store(store_url, instrument=instrument) as other:
        assert other.current_wave("WS-1") == "pre" and other.collection_open("WS-1")
    store.set_collection_open("WS-1", False)
    store.set_wave("WS-1", "post")
    assert store.current_wave("WS-1") == "post" and not store.collection_open("WS-1")
    assert store.current_wave("WS-2") is None
    expected = "wave: expected one of \\['pre', 'post'\\], got 'during'"
    with pytest.raises(ResponseValidationError, match=expected):
        store.set_wave("WS-1", "during")


def test_a_self_generated_code_is_never_a_name_and_never_stored():
    assert link_code({"letter": " n", "day": "12", "siblings": "5+"}) == "N-12-5+"
    assert link_code({"letter": "N", "day": "12"}) is None
    with pytest.raises(ResponseValidationError, match="link_letter"):
        link_code({"letter": "Anna", "day": "12", "siblings": "0"})
    with pytest.raises(ResponseValidationError, match="link_day"):
        link_code({"letter": "A", "day": "32", "siblings": "0"})
    digest = link_hash("N-12-5+", "salt-1")
    assert len(digest) == 64 and "N-12" not in digest and digest != link_hash("N-12-5+", "salt-2")


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "parquet", "sav"])
def test_every_export_keeps_wave_and_subject_and_imports_back(store, tmp_path, instrument, rng, fmt):
    store.submit(complete(instrument, rng), cohort="WS-1", wave=WaveTag("pre", "a1b2"))
    store.submit(complete(instrument, rng), cohort="WS-1", wave=WaveTag("post", "a1b2"))
    store.submit(complete(instrument, rng), cohort="WS-1")
    frame = store.to_frame()
    path = write_responses(frame, tmp_path / f"out.{fmt}", instrument, with_ids=True)
    back = read_responses(path, instrument)
    assert back["wave"].tolist() == ["pre", "post", "single"]
    assert back["subject"].tolist()[:2] == ["a1b2", "a1b2"] and pd.isna(back["subject"].iloc[2])
    with open_store(tmp_path / "again.sqlite", instrument=instrument) as again:
        again.import_frame(back)
        assert again.to_frame()["wave"].tolist() == ["pre", "post", "single"]


def test_an_imported_wave_must_be_a_wave(store, instrument, rng):
    frame = pd.DataFrame([complete(instrument, rng)]).drop(columns="consent")
    frame["wave"] = "during"
    with pytest.raises(ResponseValidationError, match="column 'wave': expected one of"):
        store.import_frame(frame)
