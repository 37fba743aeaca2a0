"""``netsoc report``: the reproducible analysis report as one HTML file."""

from __future__ import annotations

import argparse


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``report`` subcommand."""
    p = sub.add_parser("report", help="write the full analysis report (self-contained HTML)",
                       description="Execute notebooks/02_analysis.ipynb on a file or a store "
                                   "and write a self-contained HTML report stamped with the "
                                   "instrument version, the data hash, package versions, "
                                   "seed and time.")
    src = p.add_mutually_exclusive_group(required=True)
    src.add_argument("--data", metavar="FILE", help="response file (csv, xlsx, parquet, sav)")
    src.add_argument("--db", metavar="URL", help="store URL or SQLite path")
    p.add_argument("--cohort", help="only this cohort")
    p.add_argument("--out", default="reports/report.html", help="HTML file (default reports/report.html)")
    p.add_argument("--groups", default="role, career_stage, work_mode",
                   help="grouping fields, comma-separated (default: role, career_stage, work_mode)")
    p.add_argument("--exclusion", choices=("any", "all", "none"), default="any",
                   help="exclude careless responses when any/all flags are raised, or none")
    p.add_argument("--alpha", type=float, default=0.05, help="significance level (default 0.05)")
    p.add_argument("--correction", choices=("holm", "fdr_bh", "bonferroni"), default="holm")
    p.add_argument("--min-group-size", type=int, default=5,
                   help="smallest group shown or tested (default 5)")
    p.add_argument("--seed", type=int, default=2026)
    p.add_argument("--show-code", action="store_true", help="include the code cells")
    p.add_argument("--notebook-out", metavar="FILE", help="also keep the executed notebook")
    p.set_defaults(func=_report)


def _report(args: argparse.Namespace) -> int:
    from netsoc.report import build_report

    info = build_report(out=args.out, data=args.data, db=args.db, cohort=args.cohort,
                        group_fields=args.groups, exclusion=args.exclusion, alpha=args.alpha,
                        correction=args.correction, min_group_size=args.min_group_size,
                        seed=args.seed, show_code=args.show_code, keep_notebook=args.notebook_out)
    print(f"wrote {info['out']} ({info['n_responses']} responses, instrument "
          f"{info['instrument_id']} {info['instrument_version']}, data sha256 "
          f"{info['data_sha256'][:12]})")
    return 0
