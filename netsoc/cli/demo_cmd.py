"""``netsoc demo``: the main job end to end on built-in demo data, and
``netsoc demo-data``: regenerate the shipped demo set."""

from __future__ import annotations

import argparse
import time
from pathlib import Path


def register(sub: argparse._SubParsersAction) -> None:
    """Add the demo subcommands."""
    p = sub.add_parser("demo", help="run the demo pipeline on synthetic respondents")
    p.add_argument("--n", type=_positive, default=600, help="number of respondents (default 600)")
    p.add_argument("--seed", type=int, default=2026, help="random seed (default 2026)")
    p.add_argument("--out", default="reports", help="folder for the HTML summary (default reports/)")
    p.add_argument(
        "--db",
        default=None,
        help="SQLite file for the demo store, recreated each run (default data/demo/demo.sqlite)",
    )
    p.set_defaults(func=_demo)

    p = sub.add_parser("demo-data", help="write a demo data set (responses.csv, codebook.csv)")
    p.add_argument("--n", type=_positive, default=600)
    p.add_argument("--seed", type=int, default=2026)
    p.add_argument("--out", default="data/demo", help="folder (default data/demo)")
    p.add_argument(
        "--waves",
        action="store_true",
        help="two waves (pre and post, one row per person per wave, with wave and subject "
        "columns) and a planted latent change: networking +0.3 SD",
    )
    p.set_defaults(func=_demo_data)


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected at least 1, got {value}")
    return value


class _Progress:
    def __init__(self, steps: int) -> None:
        self.steps, self.i, self.t0 = steps, 0, time.perf_counter()

    def __call__(self, what: str) -> None:
        self.i += 1
        print(f"[{self.i}/{self.steps}] {what} ({time.perf_counter() - self.t0:.1f} s)", flush=True)


def _demo(args: argparse.Namespace) -> int:
    from netsoc.pipeline import next_steps, run_demo

    run_demo(n=args.n, seed=args.seed, out=Path(args.out), db=args.db, progress=_Progress(5))
    print(next_steps(Path(args.out), args.db))
    return 0


def _demo_data(args: argparse.Namespace) -> int:
    from analysis.demo import write_demo_set

    df = write_demo_set(args.out, n=args.n, seed=args.seed, waves=args.waves)
    what = f"{args.n} people in two waves ({len(df)} responses)" if args.waves else f"{len(df)} respondents"
    print(f"wrote {what} to {args.out}/responses.csv and codebook.csv")
    return 0
