"""Contract tests of the response store, run against SQLite and PostgreSQL.

PostgreSQL tests need ``NETSOC_TEST_PG_URL`` (``.ci/postgres.sh`` prints one);
without it they skip locally and fail under ``CI=true``.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import secrets
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa

from survey.errors import AlreadySubmitted, DraftNotFound, ResponseValidationError, StoreError
from survey.store import (
    ID_ALPHABET,
    MIGRATIONS,
    SCHEMA_VERSION,
    normalise_code,
    open_store,
)
from tests.helpers import complete_answers as complete


# ------------------------------------------------------------------ submit
def test_submit_round_trips_into_the_wide_table(store, instrument, rng):
    answers = complete(instrument, rng, comment="Great   session ", work_mode="hybrid")
    started = dt.datetime(2026, 3, 1, 9, 30, 15, 123000, tzinfo=dt.UTC)
    rid = store.submit(answers, cohort="WS-1", started_at=started)
    assert re.fullmatch(f"[{ID_ALPHABET}]{{10}}", rid)
    df = store.to_frame()
    assert len(df) == 1
    row = df.iloc[0]
    assert row["respondent_id"] == rid
    assert row["cohort"] == "WS-1"
    assert (row["instrument_id"], row["instrument_version"]) == (instrument.id, instrument.version)
    assert row["started_at"] == pd.Timestamp(started)
    assert abs(pd.Timestamp.now(tz="UTC") - row["submitted_at"]) < pd.Timedelta(minutes=1)
    for q in instrument.question_ids:
        assert row[q] == answers[q]
    assert row["role"] == answers["role"]
    assert row["work_mode"] == "hybrid"
    assert pd.isna(row["age_band"])
    assert row["comment"] == "Great   session"


def test_to_frame_columns_and_dtypes(store, instrument, rng):
    store.submit(complete(instrument, rng))
    df = store.to_frame()
    fields = instrument.field_ids
    assert list(df.columns) == [
        "respondent_id",
        "cohort",
        "instrument_id",
        "instrument_version",
        "started_at",
        "submitted_at",
        "language",
        "wave",
        "subject",
        *instrument.question_ids,
        *fields,
        "comment",
    ]
    assert df["wave"].tolist() == ["single"] and df["subject"].isna().all()  # outside waves
    assert (df[instrument.question_ids].dtypes == "Int64").all()
    for f in fields:
        assert isinstance(df[f].dtype, pd.CategoricalDtype)
        assert list(df[f].cat.categories) == list(instrument.choice_fields[f].options)
    for c in ("respondent_id", "cohort", "instrument_id", "instrument_version", "language", "comment"):
        assert df[c].dtype == "string"
    assert str(df["submitted_at"].dtype) == "datetime64[us, UTC]"
    # an empty store has the same columns and dtypes
    empty = store.to_frame(cohort="nobody")
    assert len(empty) == 0
    pd.testing.assert_series_equal(empty.dtypes, df.dtypes)


def test_random_ids_are_distinct(store, instrument, rng):
    ids = {store.submit(complete(instrument, rng)) for _ in range(30)}
    assert len(ids) == 30
    assert store.count() == 30


@pytest.mark.fault("store: double submit", expect="stored exactly once")
def test_same_submission_twice_is_stored_once(store, instrument, rng):
    answers = complete(instrument, rng)
    rid = store.submit(answers)
    assert store.submit(answers, respondent_id=rid) == rid
    assert store.count() == 1


@pytest.mark.fault("store: overwrite of a submitted response", expect="StoreError; the first answers kept")
def test_resubmitting_different_answers_is_refused(store, instrument, rng):
    answers = complete(instrument, rng)
    rid = store.submit(answers)
    other = dict(answers, **{instrument.question_ids[0]: answers[instrument.question_ids[0]] % 5 + 1})
    with pytest.raises(StoreError, match=f"respondent {rid} has already submitted different"):
        store.submit(other, respondent_id=rid)
    assert store.to_frame().iloc[0][instrument.question_ids[0]] == answers[instrument.question_ids[0]]


@pytest.mark.fault(
    "submit payload: wrong types and values",
    expect="ResponseValidationError naming the field; nothing stored",
)
def test_invalid_submission_stores_nothing(store, instrument, rng):
    answers = complete(instrument, rng)
    answers[instrument.question_ids[0]] = 17
    answers["consent"] = False
    with pytest.raises(ResponseValidationError, match="2 problem") as info:
        store.submit(answers)
    assert info.value.fields[instrument.question_ids[0]] == "17 is outside the response scale 1..5"
    assert store.count(include_drafts=True) == 0


@pytest.mark.fault("submit payload: bad cohort code or id", expect="ResponseValidationError; nothing stored")
@pytest.mark.parametrize("cohort", ["has space", "x" * 33, "<script>"])
def test_bad_cohort_codes_are_refused(store, instrument, rng, cohort):
    with pytest.raises(ResponseValidationError, match="cohort: expected a code"):
        store.submit(complete(instrument, rng), cohort=cohort)
    assert store.count() == 0


@pytest.mark.fault("submit payload: bad cohort code or id", expect="ResponseValidationError; nothing stored")
def test_bad_respondent_id_is_refused(store, instrument, rng):
    with pytest.raises(ResponseValidationError, match="respondent_id: expected 1-64"):
        store.submit(complete(instrument, rng), respondent_id="a b; drop table")


# ------------------------------------------------------------------ drafts
def test_draft_save_resume_submit(store, instrument, rng):
    q = instrument.question_ids
    code = store.save_draft(None, {"consent": True, q[0]: 2}, cohort="W9")
    assert store.count() == 0
    assert store.load_draft(code) == {"consent": True, q[0]: 2}
    # typed by a person: lower case, dashes, O for zero
    typed = "-".join([code[:5], code[5:]]).lower().replace("0", "o")
    assert store.load_draft(typed) == {"consent": True, q[0]: 2}
    assert store.save_draft(code, {"consent": True, q[0]: 2, q[1]: 5}) == code
    assert store.load_draft(code)[q[1]] == 5
    drafts = store.to_frame(include_drafts=True)
    assert drafts["status"].tolist() == ["draft"]
    assert drafts.iloc[0]["cohort"] == "W9"
    answers = complete(instrument, rng)
    assert store.submit(answers, respondent_id=code) == code
    df = store.to_frame()
    assert df["respondent_id"].tolist() == [code]
    assert df.iloc[0]["cohort"] == "W9"  # kept from the draft
    with pytest.raises(StoreError, match="already submitted"):
        store.load_draft(code)
    with pytest.raises(StoreError, match="already submitted; the draft was not saved"):
        store.save_draft(code, {"consent": True})


@pytest.mark.fault("submit payload: missing consent", expect="ResponseValidationError; nothing stored")
def test_draft_needs_consent_and_valid_values(store, instrument):
    q = instrument.question_ids
    with pytest.raises(ResponseValidationError, match="consent is missing; drafts"):
        store.save_draft(None, {q[0]: 3})
    with pytest.raises(ResponseValidationError, match="8 is outside"):
        store.save_draft(None, {"consent": True, q[0]: 8})
    assert store.count(include_drafts=True) == 0


@pytest.mark.fault("store: unknown resume code", expect="StoreError")
def test_unknown_draft(store):
    with pytest.raises(StoreError, match="no saved draft with the code 'ZZZZZZZZZZ': it does not exist"):
        store.load_draft("ZZZZZZZZZZ")


def test_normalise_code():
    assert normalise_code(" ab1-o2 il ") == "AB10211"


# ------------------------------------------------------------------- erase
def test_erase_removes_the_person(store, instrument, rng):
    keep = store.submit(complete(instrument, rng))
    gone = store.submit(complete(instrument, rng, comment="withdraw me"))
    draft = store.save_draft(None, {"consent": True})
    store.erase(gone)
    store.erase(draft)
    assert store.to_frame(include_drafts=True)["respondent_id"].tolist() == [keep]
    with store.engine.connect() as conn:
        left = conn.execute(sa.text("SELECT answers FROM respondents")).scalars().all()
    assert not any("withdraw me" in a for a in left)
    with pytest.raises(StoreError, match=f"no respondent with the id '{gone}'"):
        store.erase(gone)


def test_version_follows_submitted_responses_only(store, instrument, rng):
    assert store.version() == (0, None)
    first = store.submit(complete(instrument, rng), cohort="V1")
    one = store.version("V1")
    assert one[0] == 1 and one[1] is not None and store.version("OTHER") == (0, None)
    store.save_draft(None, {"consent": True}, cohort="V1")  # a draft is not a response yet
    assert store.version("V1") == one
    store.erase(first)  # erased while another arrives: the count stays, the version not
    store.submit(complete(instrument, rng), cohort="V1")
    two = store.version("V1")
    assert two[0] == 1 and two != one


def test_erased_text_is_not_left_in_the_sqlite_file(tmp_path, instrument, rng):
    path = tmp_path / "erase.sqlite"
    with open_store(path, instrument=instrument) as s:
        marker = "zq" + secrets.token_hex(8)
        rid = s.submit(complete(instrument, rng, comment=marker))
        s.erase(rid)
    data = b"".join(p.read_bytes() for p in tmp_path.glob("erase.sqlite*"))
    assert marker.encode() not in data


@pytest.mark.fault("store: import with one bad row", expect="nothing imported (all or nothing)")
# ------------------------------------------------------------------ import
def test_import_frame_is_all_or_nothing(store, instrument, rng):
    rows = [complete(instrument, rng) for _ in range(5)]
    df = pd.DataFrame(rows).drop(columns="consent")
    df.loc[3, instrument.question_ids[2]] = 9
    df.loc[4, "role"] = "pilot"
    with pytest.raises(ResponseValidationError, match="nothing was imported") as info:
        store.import_frame(df)
    text = "\n".join(map(str, info.value.problems))
    assert f"column '{instrument.question_ids[2]}': outside the response scale 1..5 in row 4 (9)" in text
    assert "column 'role': not one of the options" in text and "row 5 ('pilot')" in text
    assert store.count() == 0
    df.loc[3, instrument.question_ids[2]] = 1
    df.loc[4, "role"] = "Research or academia"  # a label becomes its code
    assert store.import_frame(df, cohort="old-study") == 5
    out = store.to_frame()
    assert out["role"].iloc[4] == "research"
    assert (out["cohort"] == "old-study").all()


@pytest.mark.fault("import file: ids already in the store", expect="StoreError; nothing imported")
def test_import_refuses_ids_already_stored(store, instrument, rng):
    rid = store.submit(complete(instrument, rng))
    df = pd.DataFrame([complete(instrument, rng) for _ in range(3)]).drop(columns="consent")
    df["respondent_id"] = ["NEW1", rid, "NEW2"]
    with pytest.raises(ResponseValidationError, match="already in the store") as info:
        store.import_frame(df)
    [problem] = info.value.problems
    assert (problem.field, problem.rows) == ("respondent_id", (2,))
    assert f"row 2 ('{rid}')" in str(problem)
    assert store.count() == 1


# -------------------------------------------------------- schema & migration
def test_schema_version_is_recorded(store):
    assert store.schema_version() == SCHEMA_VERSION


def test_forward_migration_keeps_old_data(tmp_path, instrument):
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'v1.sqlite'}")
    with engine.begin() as conn:
        conn.execute(
            sa.text("CREATE TABLE schema_version (version INTEGER PRIMARY KEY, applied_at DATETIME NOT NULL)")
        )
        MIGRATIONS[1](conn)
        conn.execute(sa.text("INSERT INTO schema_version VALUES (1, '2025-01-01 00:00:00')"))
        answers = {q: 3 for q in instrument.question_ids}
        conn.execute(
            sa.text(
                "INSERT INTO respondents (respondent_id, status, instrument_id, instrument_version, "
                "submitted_at, updated_at, seq, answers) VALUES ('OLD', 'submitted', :i, :v, "
                "'2025-01-02 10:00:00', '2025-01-02 10:00:00', 1, :a)"
            ),
            dict(i=instrument.id, v="0.9.0", a=json.dumps(answers)),
        )
    engine.dispose()
    with open_store(tmp_path / "v1.sqlite", instrument=instrument) as s:
        assert s.schema_version() == SCHEMA_VERSION
        df = s.to_frame()
        assert df["respondent_id"].tolist() == ["OLD"]
        assert df["instrument_version"].tolist() == ["0.9.0"]
        assert df.iloc[0]["submitted_at"] == pd.Timestamp("2025-01-02 10:00:00", tz="UTC")
        s.submit(complete(instrument, __import__("numpy").random.default_rng(1)), randomization_seed=42)
        with s.engine.connect() as conn:
            seeds = (
                conn.execute(sa.text("SELECT randomization_seed FROM respondents ORDER BY seq"))
                .scalars()
                .all()
            )
        assert seeds == [None, 42]


@pytest.mark.fault("store: database from a newer netsoc", expect="StoreError, database untouched")
def test_newer_schema_is_refused(tmp_path, instrument):
    path = tmp_path / "future.sqlite"
    open_store(path, instrument=instrument).close()
    engine = sa.create_engine(f"sqlite:///{path}")
    with engine.begin() as conn:
        conn.execute(sa.text("INSERT INTO schema_version VALUES (99, '2030-01-01 00:00:00')"))
    engine.dispose()
    with pytest.raises(StoreError, match="schema version 99, newer than"):
        open_store(path, instrument=instrument)


def test_sqlite_pragmas(tmp_path, instrument):
    with open_store(tmp_path / "p.sqlite", instrument=instrument) as s, s.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 5000


def test_default_location_comes_from_env(tmp_path, monkeypatch, instrument):
    monkeypatch.setenv("NETSOC_DB", str(tmp_path / "env.sqlite"))
    with open_store(instrument=instrument) as s:
        assert s.url == f"sqlite:///{tmp_path / 'env.sqlite'}"
    assert (tmp_path / "env.sqlite").exists()


@pytest.mark.fault("store: unreachable database", expect="StoreError naming the location")
def test_missing_directory_is_a_clear_error(tmp_path, instrument):
    with pytest.raises(StoreError, match="directory .* does not exist"):
        open_store(tmp_path / "nope" / "x.sqlite", instrument=instrument)


@pytest.mark.fault("store: unreachable database", expect="StoreError naming the location")
def test_unreachable_server_is_a_store_error(instrument):
    with pytest.raises(StoreError, match="refused|connect"):
        open_store("postgresql+psycopg://u:p@127.0.0.1:1/db?connect_timeout=2", instrument=instrument)


@pytest.mark.fault("store: double submit", expect="stored exactly once")
def test_simultaneous_double_submit_is_stored_once(store, instrument, rng):
    """Eight threads submit the same response at once (a frantic double click)."""
    from concurrent.futures import ThreadPoolExecutor

    answers = complete(instrument, rng)
    with ThreadPoolExecutor(8) as pool:
        ids = list(pool.map(lambda _: store.submit(answers, respondent_id="DOUBLECLICK"), range(8)))
    assert ids == ["DOUBLECLICK"] * 8
    assert store.count() == 1


def test_reads_from_a_broken_database_are_store_errors(tmp_path):
    path = tmp_path / "broken.sqlite"
    store = open_store(path)
    store.engine.dispose()
    for suffix in ("-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    path.write_bytes(b"this is not a database" * 100)
    for read in (store.to_frame, store.count, store.cohorts, lambda: store.load_draft("0123456789")):
        with pytest.raises(StoreError, match="cannot be read"):
            read()
    store.close()


# ---------------------------------------------------------------- language
def test_every_response_stores_its_language(store, instrument, rng):
    assert instrument.default_language == "en" and "de" in instrument.languages
    en = store.submit(complete(instrument, rng))  # no language: the instrument's default
    de = store.submit(complete(instrument, rng), language="de")
    typed = store.submit(complete(instrument, rng), language="DE")  # tags are case-insensitive
    draft = store.save_draft(None, {"consent": True}, language="de")
    kept = store.submit(complete(instrument, rng), respondent_id=draft)  # the draft's language
    switched = store.save_draft(None, {"consent": True}, language="de")
    store.submit(complete(instrument, rng), respondent_id=switched, language="en")
    df = store.to_frame().set_index("respondent_id")
    assert df.loc[[en, de, typed, kept, switched], "language"].tolist() == ["en", "de", "de", "de", "en"]
    assert df["language"].dtype == "string"


@pytest.mark.fault("submit payload: unknown language", expect="ResponseValidationError; nothing stored")
@pytest.mark.parametrize("language", ["tlh", "xx-YY", "", 7, "de" * 40])
def test_languages_the_instrument_lacks_are_refused(store, instrument, rng, language):
    listed = re.escape(str(list(instrument.languages)))
    with pytest.raises(
        ResponseValidationError, match=f"language: expected one of the instrument's languages {listed}"
    ) as info:
        store.submit(complete(instrument, rng), language=language)
    assert [p.field for p in info.value.problems] == ["language"]
    with pytest.raises(ResponseValidationError, match="language: expected"):
        store.save_draft(None, {"consent": True}, language=language)
    assert store.count(include_drafts=True) == 0


def test_import_keeps_or_defaults_the_language(store, instrument, rng):
    df = pd.DataFrame([complete(instrument, rng) for _ in range(3)]).drop(columns="consent")
    assert store.import_frame(df) == 3  # a file without a language column
    df["language"] = ["de", None, " EN "]
    assert store.import_frame(df) == 3
    assert store.to_frame()["language"].tolist() == ["en"] * 3 + ["de", "en", "en"]
    df["language"] = ["de", "klingon", "tlh"]
    with pytest.raises(ResponseValidationError) as info:
        store.import_frame(df)
    [problem] = info.value.problems
    assert (problem.field, problem.rows) == ("language", (2, 3))
    assert str(problem) == (
        "column 'language': not one of the instrument's languages "
        f"{list(instrument.languages)} in rows 2 ('klingon'), 3 ('tlh')"
    )
    assert store.count() == 6


def _schema_2_database(path, instrument):
    """A SQLite file as netsoc wrote it at schema version 2 (before languages)."""
    engine = sa.create_engine(f"sqlite:///{path}")
    with engine.begin() as conn:
        conn.execute(
            sa.text("CREATE TABLE schema_version (version INTEGER PRIMARY KEY, applied_at DATETIME NOT NULL)")
        )
        for version in (1, 2):
            MIGRATIONS[version](conn)
            conn.execute(
                sa.text("INSERT INTO schema_version VALUES (:v, '2025-06-01 00:00:00')"), {"v": version}
            )
        conn.execute(
            sa.text(
                "INSERT INTO respondents (respondent_id, status, cohort, instrument_id, "
                "instrument_version, submitted_at, updated_at, seq, answers, randomization_seed) "
                "VALUES ('V2', 'submitted', 'W1', :i, :v, '2025-06-02 10:00:00', "
                "'2025-06-02 10:00:00', 1, :a, 7)"
            ),
            dict(
                i=instrument.id, v=instrument.version, a=json.dumps({q: 4 for q in instrument.question_ids})
            ),
        )
    engine.dispose()


def test_schema_2_database_gains_the_language_column(tmp_path, instrument, rng):
    path = tmp_path / "v2.sqlite"
    _schema_2_database(path, instrument)
    with open_store(path, instrument=instrument) as s:
        assert s.schema_version() == SCHEMA_VERSION
        with s.engine.connect() as conn:
            columns = [c["name"] for c in sa.inspect(conn).get_columns("respondents")]
            added = {"language", "browser_hash", "arrival", "wave", "subject", "link_hash"}
            assert added <= set(columns)  # added by migrations
            assert conn.execute(sa.text("SELECT language FROM respondents")).scalar() is None
        old = s.to_frame()
        assert old["respondent_id"].tolist() == ["V2"]
        assert old["language"].tolist() == ["en"]  # answered when netsoc spoke only English
        assert old[instrument.question_ids].eq(4).all().all()
        new = s.submit(complete(instrument, rng), language="de")
        assert s.to_frame()["language"].tolist() == ["en", "de"]
        assert s.to_frame().iloc[1]["respondent_id"] == new


# -------------------------------------------------- one submission per browser
@pytest.mark.fault("submit: second response from the same browser", expect="AlreadySubmitted; nothing stored")
def test_one_submission_per_browser(store, instrument, rng):
    token = secrets.token_urlsafe(16)
    assert not store.submitted_from(token)
    draft = store.save_draft(None, {"consent": True})
    answers = complete(instrument, rng)
    rid = store.submit(answers, respondent_id=draft, browser=token)
    assert store.submit(answers, respondent_id=rid, browser=token) == rid  # a double click
    assert store.submitted_from(token) and not store.submitted_from(token + "x")
    with pytest.raises(AlreadySubmitted, match="this browser has already submitted") as info:
        store.submit(complete(instrument, rng), browser=token)
    assert isinstance(info.value, StoreError) and info.value.respondent_id != rid
    other = store.save_draft(None, {"consent": True})
    with pytest.raises(AlreadySubmitted):
        store.submit(complete(instrument, rng), respondent_id=other, browser=token)
    assert store.to_frame()["respondent_id"].tolist() == [rid]
    assert store.load_draft(other) == {"consent": True}  # the refused draft is kept
    store.submit(complete(instrument, rng), browser=secrets.token_urlsafe(16))  # another browser
    store.submit(complete(instrument, rng))  # and a client without a token
    assert store.count() == 3
    with store.engine.connect() as conn:  # the token itself is never stored
        rows = conn.execute(sa.text("SELECT * FROM respondents")).all()
    assert token not in repr(rows)
    store.erase(rid)  # erased (withdrawn): the browser may take part again
    assert not store.submitted_from(token)


@pytest.mark.fault("submit payload: bad browser token", expect="ResponseValidationError; nothing stored")
@pytest.mark.parametrize("token", ["short", "x" * 257, 12345678, b"bytes-token"])
def test_bad_browser_tokens_are_refused(store, instrument, rng, token):
    with pytest.raises(ResponseValidationError, match="browser: expected a token of 8-256"):
        store.submit(complete(instrument, rng), browser=token)
    with pytest.raises(ResponseValidationError, match="browser: expected a token"):
        store.submitted_from(token)
    assert store.count(include_drafts=True) == 0


@pytest.mark.fault("submit: two tabs of one browser submit at once", expect="exactly one stored")
def test_racing_tabs_of_one_browser_store_one_response(store, instrument, rng):
    from concurrent.futures import ThreadPoolExecutor

    token = secrets.token_urlsafe(16)
    tabs = [complete(instrument, rng, comment=f"tab {i}") for i in range(8)]

    def submit(answers):
        try:
            return store.submit(answers, browser=token)
        except AlreadySubmitted:
            return None

    with ThreadPoolExecutor(8) as pool:
        ids = list(pool.map(submit, tabs))
    stored = [rid for rid in ids if rid is not None]
    assert len(stored) == 1
    assert store.to_frame()["respondent_id"].tolist() == stored


def test_unknown_draft_is_a_draft_not_found(store, instrument, rng):
    with pytest.raises(DraftNotFound) as info:
        store.load_draft("ZZZZZZZZZZ")
    assert (info.value.code, info.value.submitted) == ("ZZZZZZZZZZ", False)
    rid = store.submit(complete(instrument, rng))
    with pytest.raises(DraftNotFound) as info:
        store.load_draft(rid.lower())
    assert info.value.submitted is True


def test_import_frame_old_keyword_is_gone(store, instrument, rng):
    df = pd.DataFrame([complete(instrument, rng)]).drop(columns="consent")
    with pytest.raises(TypeError, match="df"):
        store.import_frame(df=df)  # removed in 0.2.0: import_frame(data)
    assert store.import_frame(df) == 1
