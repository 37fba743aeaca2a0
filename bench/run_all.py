"""Run every ``bench/bench_*.py`` and collect their figures.

Writes ``bench/results/all.json`` and ``bench/results/summary.md`` (one table:
each figure, its target, the peer it is compared with and the ratio measured
in the same run).  ``--quick`` runs tiny sizes (``NETSOC_BENCH_QUICK=1``) and is
what the test suite's smoke test uses.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from _common import RESULTS, Figure, table  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="tiny sizes (smoke run)")
    parser.add_argument("--only", nargs="*", help="names like bench_store (default: all)")
    args = parser.parse_args(argv)
    env = dict(os.environ, MPLBACKEND="agg")
    if args.quick:
        env["NETSOC_BENCH_QUICK"] = "1"
    scripts = sorted(HERE.glob("bench_*.py"))
    if args.only:
        scripts = [s for s in scripts if s.stem in args.only]
    RESULTS.mkdir(exist_ok=True)
    collected, failed = [], []
    for script in scripts:
        print(f"\n== {script.stem}", flush=True)
        proc = subprocess.run([sys.executable, str(script)], env=env, cwd=HERE.parent)
        result = RESULTS / f"{script.stem.removeprefix('bench_')}.json"
        if proc.returncode != 0 or not result.exists():
            failed.append(script.stem)
            continue
        collected.append(json.loads(result.read_text(encoding="utf-8")))
    figures = [
        Figure(**{k: v for k, v in f.items() if k not in ("ratio", "passed")})
        for b in collected
        for f in b["figures"]
    ]
    (RESULTS / "all.json").write_text(
        json.dumps({"quick": args.quick, "benchmarks": collected}, indent=2), encoding="utf-8"
    )
    md = "# netsoc benchmarks\n\n" + table(figures) + "\n"
    if failed:
        md += f"\nFailed to run: {', '.join(failed)}\n"
    (RESULTS / "summary.md").write_text(md, encoding="utf-8")
    print("\n" + md)
    print(f"wrote {RESULTS / 'all.json'} and {RESULTS / 'summary.md'}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
