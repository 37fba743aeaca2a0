"""The survey server's work per message, in process: ``python bench/bench_form.py``.

What one form message costs the server apart from HTTP: verify the token,
rebuild the participant's :class:`~netsoc.form.model.SurveyModel` from the
token and the draft in the store, apply the page's answers, validate, save
the draft, reply with a new token (:meth:`netsoc.server.participant.Participants.handle`),
with a real SQLite store.  Process CPU time (``time.process_time``) over many
seeded participants:

1. a page change (Next with a page of answers): median and p95;
2. submit with feedback (the feedback page's numbers and figures);
3. the whole questionnaire of one participant (messages only).

The HTTP stack's share is in ``bench_room.py`` (a real server).  Prints a
table and writes ``bench/results/form.json``.
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from _common import QUICK, Figure, emit  # noqa: E402

PARTICIPANTS = 5 if QUICK else 60


def main() -> int:
    from netsoc.server.messages import parse_message
    from netsoc.server.participant import Participants
    from survey.instrument import load_instrument
    from survey.store import open_store

    inst = load_instrument()
    pages_cpu, submit_cpu, whole = [], [], []
    with tempfile.TemporaryDirectory() as tmp:
        store = open_store(Path(tmp) / "bench.sqlite", instrument=inst)
        people = Participants(inst, lambda: store, "b" * 32, cohort="BENCH")
        for i in range(PARTICIPANTS + 1):  # the first one warms caches and is not counted
            rng = np.random.default_rng(i)
            claims = people.new_claims("en", "BENCH", False)
            token, pages = people.token(claims), people.model(claims).pages
            seq, k, total = 0, 1, 0.0
            while True:
                seq += 1
                kind, ids = pages[k].kind, pages[k].ids
                answers = (
                    {q: int(rng.integers(1, 6)) for q in ids}
                    if kind == "items"
                    else {"comment": f"p{i}"}
                    if kind == "comment"
                    else {}
                )
                last = k == len(pages) - 1
                body = json.dumps(
                    {
                        "type": "submit" if last else "page",
                        "token": token,
                        "seq": seq,
                        "page": k,
                        "answers": answers,
                        "go": "next",
                        "consent": k == 1,
                    }
                ).encode()
                t0 = time.process_time()
                reply = people.handle(parse_message(body), "10.0.0.1")
                cpu = time.process_time() - t0
                total += cpu
                token = reply["token"]
                if i:
                    (submit_cpu if last else pages_cpu).append(cpu)
                if last:
                    assert reply["state"] == "submitted", reply
                    break
                assert reply["page"] == k + 1, reply["errors"]
                k += 1
            if i:
                whole.append(total)
        assert store.count(cohort="BENCH") == PARTICIPANTS + 1
        store.close()
    ms = 1000
    figures = [
        Figure("page change (Next), median", float(np.median(pages_cpu)) * ms, "ms", target=3),
        Figure("page change (Next), p95", float(np.percentile(pages_cpu, 95)) * ms, "ms"),
        Figure("submit with feedback, median", float(np.median(submit_cpu)) * ms, "ms"),
        Figure("whole questionnaire (messages), median", float(np.median(whole)) * ms, "ms", target=30),
    ]
    emit("form", figures, sizes={"participants": PARTICIPANTS, "store": "sqlite"})
    return 0


if __name__ == "__main__":
    sys.exit(main())
