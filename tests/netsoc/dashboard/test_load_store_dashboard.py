"""The store under 8 concurrent writer processes while a dashboard reads.

Eight processes submit as fast as they can to one SQLite file; meanwhile the
dashboard model (``netsoc.dashboard``) counts the room and computes its published
numbers again and again.  No reader or writer may fail, the counts the dashboard sees only
grow, every snapshot is internally consistent, and the final count is exact.
"""

from __future__ import annotations

import pytest

from netsoc.dashboard import Dashboard, DashboardSettings
from survey.store import open_store
from tests.helpers import spawn_writer

pytestmark = pytest.mark.slow
WRITERS = 8
PER_WRITER = 60


@pytest.mark.fault(
    "store: 8 concurrent writers while the dashboard reads",
    expect="no errors, counts only grow, final count exact",
)
def test_dashboard_reads_while_eight_processes_write(tmp_path, instrument):
    path, go = tmp_path / "live.sqlite", tmp_path / "go"
    procs = [spawn_writer(path, w, PER_WRITER, go) for w in range(WRITERS)]
    for p in procs:
        assert p.stdout.readline().strip() == "ready", p.stderr.read()
    with open_store(path, instrument=instrument) as store:
        dash = Dashboard(store, DashboardSettings(cohort=None, min_group_size=5))
        counts, snaps = [], 0
        go.touch()
        while any(p.poll() is None for p in procs):
            counts.append(store.count())
            state = dash.state()
            snaps += 1
            assert state.n_shown % 5 == 0 and state.n_shown <= store.count()
            assert len(state.published_ids) == state.n_shown
            if state.n_shown >= 5:  # the numbers are whole mid-write
                assert sum(b.value for b in state.profiles) == state.n_shown
        for p in procs:
            out, err = p.communicate(timeout=120)
            assert p.returncode == 0, err
            assert len(out.split()) == PER_WRITER
        final = dash.state()
        total = store.count()
        comments = store.to_frame()["comment"].dropna()
    assert counts == sorted(counts), "the dashboard saw the count go down"
    assert snaps >= 2
    assert final.n_shown == total == WRITERS * PER_WRITER
    assert len(set(comments)) == WRITERS * PER_WRITER
