"""Load on the live survey: time per page with many participants at once.

N participants (20; quick mode 3) take the survey at the same time through
`netsoc survey` on 127.0.0.1, one headless Chromium with a browser context each
(``tests/browser/load.py``).  Reports the median and 90th percentile time
from "Next" to the next page, the median time from opening the address to
the first page (each visit starts a kernel) and from "Submit" to the
feedback.  Without /usr/bin/chromium nothing is measured.

Run: ``.venv/bin/python bench/bench_load.py`` (``NETSOC_BENCH_QUICK=1`` for 3).
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
os.environ.setdefault("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1")

from _common import QUICK, Figure, emit  # noqa: E402

from tests.browser.server import CHROMIUM, run_server  # noqa: E402

N = 3 if QUICK else 20
TARGET_MEDIAN_PAGE_S = 5.0
TARGET_P90_PAGE_S = 10.0


def main() -> int:
    if not CHROMIUM.exists():
        print(f"bench_load: {CHROMIUM} is missing (apt-get install chromium); nothing measured")
        emit("load", [], sizes={"participants": 0, "skipped": f"{CHROMIUM} missing"})
        return 0
    from survey.instrument import load_instrument
    from survey.store import open_store
    from tests.browser.load import page_times, run_load

    inst = load_instrument()
    with (
        tempfile.TemporaryDirectory() as tmp,
        run_server(
            "survey", Path(tmp), args=["--client-connections", str(N * 8), "--max-sessions", str(N * 16)]
        ) as server,
    ):  # N browsers share 127.0.0.1 (phones have an address each)
        people = run_load(server.url + "?cohort=BENCH", inst, N, seed=1, deadline_s=400)
        with open_store(server.db, instrument=inst) as store:
            stored = store.count()
    failed = [p for p in people if p.error]
    for p in failed:
        print(f"participant {p.index}: {p.error}", file=sys.stderr)
    if failed or stored != N:
        print(f"bench_load: {len(failed)} participant(s) failed, {stored} of {N} stored", file=sys.stderr)
        return 1
    times = page_times(people)
    note = f"{N} participants at once, {os.cpu_count()} CPUs, one kernel each"
    figures = [
        Figure(
            f"live survey, {N} at once: median time per page",
            float(np.median(times)),
            "s",
            target=TARGET_MEDIAN_PAGE_S,
            note=note,
        ),
        Figure(
            f"live survey, {N} at once: p90 time per page",
            float(np.quantile(times, 0.9)),
            "s",
            target=TARGET_P90_PAGE_S,
            note=note,
        ),
        Figure(
            f"live survey, {N} at once: median open to first page",
            float(np.median([p.open_seconds for p in people])),
            "s",
            note=note,
        ),
        Figure(
            f"live survey, {N} at once: median submit to feedback",
            float(np.median([p.submit_seconds for p in people])),
            "s",
            note=note,
        ),
    ]
    emit("load", figures, sizes={"participants": N, "pages_timed": int(times.size), "stored": stored})
    return 0


if __name__ == "__main__":
    sys.exit(main())
