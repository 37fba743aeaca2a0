"""Load on the live survey: 30 real Chromium participants at once on one server process.

One headless Chromium, 30 browser contexts driven concurrently (requests
that would leave the machine are aborted and fail the participant); each answers
with its own seeded rng.  Afterwards the store must hold exactly 30
responses, each once and equal to what was clicked.  The median time per page
is written to ``test-artifacts/load.json`` and printed (a record, not an
assertion: speed belongs to ``bench/bench_room.py``).  Bounded: every step
has a generous timeout (8 minutes a step: 30 Chromium renderers share a busy
2-core CI machine) and the whole run stops itself after 25 minutes.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

from survey.instrument import load_instrument
from survey.store import open_store
from tests.browser.load import page_times, run_load
from tests.browser.server import CHROMIUM
from tests.conftest import require

pytestmark = [pytest.mark.browser, pytest.mark.slow]
N = 30


@pytest.mark.fault(
    "live survey: 30 participants at once", expect="every response stored exactly once, equal to the clicks"
)
def test_thirty_participants_at_once(served, artifacts):
    require(CHROMIUM.exists(), f"{CHROMIUM} is missing (apt-get install chromium)")
    inst = load_instrument()
    # 30 browsers share 127.0.0.1 here, as a room behind one venue address (NAT) does: with the
    # default flags every one finishes (issue 34.2; limits count a browser first)
    server = served("survey")
    assert server.url.startswith("http://127.0.0.1:")
    people = run_load(server.url + "?cohort=LOAD", inst, N, seed=7000, timeout_ms=180_000, deadline_s=900)
    errors = {p.index: p.error for p in people if p.error}
    for index, error in errors.items():  # in full: pytest shortens the assertion message
        print(f"participant {index}: {error}")
    assert not errors, (errors, server.log_text()[-3000:])

    with open_store(server.db, instrument=inst) as store:
        df = store.to_frame(include_drafts=True)
    assert len(df) == N and (df["status"] == "submitted").all()
    assert df["respondent_id"].is_unique and (df["cohort"] == "LOAD").all()
    by_comment = df.set_index("comment")
    assert sorted(by_comment.index) == sorted(f"load-{i}" for i in range(N))
    for p in people:
        row = by_comment.loc[f"load-{p.index}"]
        assert set(p.clicked) == set(inst.question_ids) | set(inst.choice_fields) | {"comment"}
        for qid, value in p.clicked.items():
            if qid == "comment":  # the index of by_comment
                continue
            assert row[qid] == value, (p.index, qid, row[qid], value)

    times = page_times(people)
    record = {
        "participants": N,
        "pages_timed": int(times.size),
        "median_page_s": float(np.median(times)),
        "p90_page_s": float(np.quantile(times, 0.9)),
        "max_page_s": float(times.max()),
        "median_open_s": float(np.median([p.open_seconds for p in people])),
        "median_submit_s": float(np.median([p.submit_seconds for p in people])),
    }
    (artifacts / "load.json").write_text(json.dumps(record, indent=2), encoding="utf-8")
    print("load test:", json.dumps(record))
