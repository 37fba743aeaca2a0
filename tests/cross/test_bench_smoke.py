"""Smoke run of the benchmark suite on tiny sizes (``bench/run_all.py --quick``).

Not a timed test: it checks that every benchmark script runs and that the
collected file carries figures with targets and the pingouin comparison.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from tests.helpers import ROOT

pytestmark = pytest.mark.slow


def test_quick_bench_run_collects_every_figure():
    env = dict(os.environ, MPLBACKEND="agg")
    proc = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "run_all.py"), "--quick"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    results = ROOT / "bench" / "results"
    collected = json.loads((results / "all.json").read_text(encoding="utf-8"))
    assert collected["quick"] is True
    names = {b["benchmark"] for b in collected["benchmarks"]}
    scripts = {p.stem.removeprefix("bench_") for p in (ROOT / "bench").glob("bench_*.py")}
    assert names == scripts
    for bench in collected["benchmarks"]:
        assert bench["quick"] is True
        if bench["sizes"].get("skipped"):
            continue
        figures = bench["figures"]
        assert figures, bench["benchmark"]
        assert any(f["target"] is not None for f in figures), bench["benchmark"]
        for f in figures:
            assert f["value"] >= 0 and f["unit"]
            if f["target"] is not None:
                assert f["passed"] in (True, False)
    figures = [f for b in collected["benchmarks"] for f in b["figures"]]
    peers = [f for f in figures if f["peer"] and "pingouin" in f["peer"]]
    assert peers, "the pingouin comparison is missing"
    for f in peers:
        assert f["peer_value"] > 0
        assert f["ratio"] == pytest.approx(f["peer_value"] / f["value"])
    summary = (results / "summary.md").read_text(encoding="utf-8")
    assert "| figure | measured | target | peer | ratio | result |" in summary
    assert "pingouin" in summary and "Failed to run" not in summary
