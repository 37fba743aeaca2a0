"""Many writers at once, and a writer killed mid-flight, on one SQLite file."""

from __future__ import annotations

import signal
import sqlite3
import time

import pytest

from survey.store import open_store
from tests.helpers import complete_answers as complete
from tests.helpers import spawn_writer

N_WORKERS = 8
PER_WORKER = 250


@pytest.mark.fault(
    "store: 8 concurrent writer processes", expect="every acknowledged response stored exactly once"
)
@pytest.mark.slow
def test_eight_processes_lose_and_double_nothing(tmp_path, instrument):
    path, go = tmp_path / "busy.sqlite", tmp_path / "go"
    procs = [spawn_writer(path, w, PER_WORKER, go) for w in range(N_WORKERS)]
    for p in procs:
        assert p.stdout.readline().strip() == "ready", p.stderr.read()
    go.touch()
    acknowledged = []
    for p in procs:
        out, err = p.communicate(timeout=300)
        assert p.returncode == 0, err
        acknowledged += out.split()
    assert len(acknowledged) == N_WORKERS * PER_WORKER

    with open_store(path, instrument=instrument) as store:
        df = store.to_frame()
    assert len(df) == 2000
    assert df["respondent_id"].is_unique
    assert sorted(df["comment"]) == sorted(acknowledged)
    assert df["comment"].is_unique
    for w in range(N_WORKERS):  # each writer's rows carry its own cohort
        mine = df[df["cohort"] == f"c{w}"]
        assert sorted(mine["comment"]) == sorted(f"w{w}-{i}" for i in range(PER_WORKER))
    assert not df[instrument.question_ids].isna().any().any()


@pytest.mark.fault(
    "store: writer killed mid-transaction", expect="acknowledged responses kept, no partial rows, file intact"
)
@pytest.mark.slow
def test_sigkill_mid_loop_leaves_only_whole_responses(tmp_path, instrument):
    path, go = tmp_path / "crash.sqlite", tmp_path / "go"
    go.touch()
    proc = spawn_writer(path, 0, -1, go)
    assert proc.stdout.readline().strip() == "ready"
    acknowledged = []
    deadline = time.monotonic() + 120
    while len(acknowledged) < 150 and time.monotonic() < deadline:
        acknowledged.append(proc.stdout.readline().strip())
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    assert len(acknowledged) == 150

    conn = sqlite3.connect(path)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    finally:
        conn.close()
    with open_store(path, instrument=instrument) as store:
        df = store.to_frame(include_drafts=True)
    stored = df["comment"].tolist()
    # every acknowledged submission survived; at most the one in flight more
    assert set(acknowledged) <= set(stored)
    assert len(stored) - len(acknowledged) in (0, 1)
    assert df["comment"].is_unique
    assert (df["status"] == "submitted").all()
    # only whole responses: every stored row has every answer
    assert not df[instrument.question_ids].isna().any().any()
    expected = [1 + (i % 5) for i in range(len(instrument.question_ids))]
    for a in instrument.attention_checks:
        expected[instrument.question_ids.index(a.id)] = a.expected
    assert (df[instrument.question_ids].to_numpy() == expected).all()


# ------------------------------------------------------------------ threads
N_THREADS = 16
PER_THREAD = 20


@pytest.mark.fault(
    "store: 16 threads of one server process write at once",
    expect="every acknowledged response stored exactly once",
)
@pytest.mark.slow
def test_threads_of_one_process_lose_and_double_nothing(store_url, instrument, rng):
    """Sixteen form sessions in one process, as a many-sessions server runs them.

    Half the threads share one store object (one engine, one pool), half open
    their own store on the same database; each saves a draft, resumes it into a
    submission and retries that submission (a double click), 20 times.
    """
    import threading
    from concurrent.futures import ThreadPoolExecutor

    shared = open_store(store_url, instrument=instrument)
    base = complete(instrument, rng)
    start = threading.Barrier(N_THREADS)

    def session(worker: int) -> list[tuple[str, str]]:
        store = shared if worker % 2 == 0 else open_store(store_url, instrument=instrument)
        done = []
        try:
            start.wait(timeout=120)
            for i in range(PER_THREAD):
                tag = f"t{worker}-{i}"
                answers = dict(base, comment=tag)
                code = store.save_draft(
                    None, {"consent": True, "comment": tag}, cohort=f"c{worker}", language=["en", "de"][i % 2]
                )
                rid = store.submit(answers, respondent_id=code)
                assert store.submit(answers, respondent_id=code) == rid  # retried: stored once
                done.append((rid, tag))
        finally:
            if store is not shared:
                store.close()
        return done

    with ThreadPoolExecutor(N_THREADS) as pool:
        acknowledged = [pair for part in pool.map(session, range(N_THREADS)) for pair in part]
    try:
        df = shared.to_frame(include_drafts=True)
    finally:
        shared.close()
    assert len(acknowledged) == N_THREADS * PER_THREAD
    assert len(df) == N_THREADS * PER_THREAD
    assert (df["status"] == "submitted").all()
    assert df["respondent_id"].is_unique and df["comment"].is_unique
    assert dict(zip(df["respondent_id"], df["comment"])) == dict(acknowledged)
    for w in range(N_THREADS):  # each session's rows carry its own cohort, in its language
        mine = df[df["cohort"] == f"c{w}"]
        assert sorted(mine["comment"]) == sorted(f"t{w}-{i}" for i in range(PER_THREAD))
        assert (mine["language"].value_counts() == PER_THREAD // 2).all()


@pytest.mark.fault(
    "store: more sessions than pooled connections", expect="writers wait for a connection; none fails"
)
def test_writers_wait_for_a_free_pooled_connection(store_url, instrument, rng):
    """More sessions than pooled connections (PostgreSQL has no writers' queue): none fails."""
    from concurrent.futures import ThreadPoolExecutor

    import sqlalchemy as sa

    from survey.config import resolve_db_url
    from survey.store import ResponseStore

    url = resolve_db_url(store_url)
    extra = {"connect_args": {"check_same_thread": False}} if url.startswith("sqlite") else {}
    small = sa.create_engine(url, pool_size=1, max_overflow=0, pool_timeout=0.001, **extra)
    store = ResponseStore(small, instrument)
    try:
        answers = complete(instrument, rng)
        with ThreadPoolExecutor(8) as pool:
            ids = list(pool.map(lambda i: store.submit(dict(answers, comment=f"s{i}")), range(40)))
        assert len(set(ids)) == 40 and store.count() == 40
    finally:
        store.close()
