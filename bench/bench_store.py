"""Benchmark the response store on SQLite (targets from issue 3, 2-core machine).

1. One writer: submissions per second (>= 500/s) and p50/p99 latency.
2. Eight writer processes at once into one file: p99 latency (<= 50 ms),
   p50 and total throughput.
3. Import of a 100,000-respondent CSV file (read, validate, store): <= 5 s.
4. Export of 100,000 respondents: ``to_frame`` and writing CSV / Parquet
   (no target; printed for reference).

Run: ``.venv/bin/python bench/bench_store.py`` (``NETSOC_BENCH_QUICK=1`` for
tiny sizes).  Prints a table and writes ``bench/results/store.json``.
Uses the default durability (``synchronous=FULL``: one fsync per submission).
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import QUICK, Figure, emit

from survey.instrument import load_instrument
from survey.io import read_responses, write_responses
from survey.store import open_store

N_SINGLE = 200 if QUICK else 3000
N_PER_WRITER = 50 if QUICK else 400
WRITERS = 8
N_ROWS = 2_000 if QUICK else 100_000

WORKER = r"""
import json, os, sys, time
import numpy as np
from survey.store import open_store

path, n, go, out, seed = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], int(sys.argv[5])
store = open_store(path)
inst = store.instrument
rng = np.random.default_rng(seed)
answers = [dict({q: int(v) for q, v in zip(inst.question_ids, rng.integers(1, 6, len(inst.question_ids)))},
                consent=True, role="sales") for _ in range(n)]
print("ready", flush=True)
while not os.path.exists(go):
    time.sleep(0.001)
lat = []
t0 = time.perf_counter()
for a in answers:
    t = time.perf_counter()
    store.submit(a, cohort="bench")
    lat.append(time.perf_counter() - t)
wall = time.perf_counter() - t0
json.dump({"lat": lat, "wall": wall, "start": t0}, open(out, "w"))
"""


def _run_writers(path: Path, writers: int, n: int, tmp: Path) -> tuple[np.ndarray, float]:
    go = tmp / f"go-{writers}"
    outs = [tmp / f"lat-{writers}-{w}.json" for w in range(writers)]
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", WORKER, str(path), str(n), str(go), str(outs[w]), str(w)],
            stdout=subprocess.PIPE,
            text=True,
        )
        for w in range(writers)
    ]
    for p in procs:
        p.stdout.readline()
    t0 = time.perf_counter()
    go.touch()
    for p in procs:
        if p.wait() != 0:
            raise RuntimeError("a writer process failed")
    wall = time.perf_counter() - t0
    lat = np.concatenate([json.loads(o.read_text())["lat"] for o in outs])
    return lat * 1000, wall


def _demo_table(n: int, rng: np.random.Generator) -> pd.DataFrame:
    inst = load_instrument()
    codes = rng.integers(1, 6, size=(n, len(inst.question_ids)))
    df = pd.DataFrame(codes, columns=inst.question_ids)
    df.iloc[rng.random(size=n) < 0.05, 3] = np.nan  # some missing answers
    df = df.astype("Int64")
    for fid, field in inst.choice_fields.items():
        df[fid] = rng.choice(list(field.options), size=n)
    df["cohort"] = rng.choice(["ws-a", "ws-b", "ws-c"], size=n)
    df["submitted_at"] = pd.Timestamp("2026-01-01", tz="UTC") + pd.to_timedelta(
        rng.integers(0, 10**7, size=n), unit="s"
    )
    df["comment"] = np.where(rng.random(size=n) < 0.1, "a short remark", None)
    return df


def main() -> None:
    rng = np.random.default_rng(2026)
    figures: list[Figure] = []
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        lat1, wall1 = _run_writers(tmp / "one.sqlite", 1, N_SINGLE, tmp)
        figures += [
            Figure("1 writer: submissions per second", N_SINGLE / wall1, "1/s", 500, "higher"),
            Figure("1 writer: p50 latency", float(np.percentile(lat1, 50)), "ms"),
            Figure("1 writer: p99 latency", float(np.percentile(lat1, 99)), "ms"),
        ]
        lat8, wall8 = _run_writers(tmp / "eight.sqlite", WRITERS, N_PER_WRITER, tmp)
        figures += [
            Figure(
                f"{WRITERS} writers: submissions per second (total)",
                WRITERS * N_PER_WRITER / wall8,
                "1/s",
                better="higher",
            ),
            Figure(f"{WRITERS} writers: p50 latency", float(np.percentile(lat8, 50)), "ms"),
            Figure(f"{WRITERS} writers: p99 latency", float(np.percentile(lat8, 99)), "ms", 50),
        ]

        inst = load_instrument()
        csv_path = tmp / "big.csv"
        _demo_table(N_ROWS, rng).to_csv(csv_path, index=False)
        t0 = time.perf_counter()
        df = read_responses(csv_path, inst, validate=False)  # import_frame validates, once
        t_read = time.perf_counter() - t0
        store = open_store(tmp / "import.sqlite", instrument=inst)
        store.import_frame(df, row_numbers=range(2, 2 + len(df)))
        t_import = time.perf_counter() - t0
        figures += [
            Figure(
                f"import {N_ROWS:,}-row CSV (read + validate + store)",
                t_import,
                "s",
                5.0,
                note=f"read {t_read:.2f} s",
            ),
        ]
        t0 = time.perf_counter()
        frame = store.to_frame()
        t_frame = time.perf_counter() - t0
        t0 = time.perf_counter()
        write_responses(frame, tmp / "out.csv", inst)
        t_csv = time.perf_counter() - t0
        t0 = time.perf_counter()
        write_responses(frame, tmp / "out.parquet", inst)
        t_pq = time.perf_counter() - t0
        store.close()
        figures += [
            Figure(f"to_frame of {N_ROWS:,} respondents", t_frame, "s"),
            Figure(f"export {N_ROWS:,} respondents: to_frame + CSV", t_frame + t_csv, "s"),
            Figure(f"export {N_ROWS:,} respondents: to_frame + Parquet", t_frame + t_pq, "s"),
        ]
    emit(
        "store",
        figures,
        sizes={"single": N_SINGLE, "writers": WRITERS, "per_writer": N_PER_WRITER, "rows": N_ROWS},
    )


if __name__ == "__main__":
    main()
