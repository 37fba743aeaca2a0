"""``netsoc report``: the reproducible analysis report as one HTML file."""

from __future__ import annotations

import argparse


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``report`` subcommand (its defaults come from :class:`ReportOptions`)."""
    from netsoc.report.options import CORRECTIONS, EXCLUSION_RULES, FORMATS, MISSING, ReportOptions

    d = ReportOptions()
    p = sub.add_parser(
        "report",
        help="write the full analysis report (self-contained HTML)",
        description="Execute notebooks/02_analysis.ipynb on a file or a store "
        "and write a self-contained HTML report stamped with the "
        "instrument version, the data hash, package versions, "
        "seed and time.",
    )
    src = p.add_mutually_exclusive_group(required=True)
    src.add_argument("--data", metavar="FILE", help="response file (csv, xlsx, parquet, sav)")
    src.add_argument("--db", metavar="URL", help="store URL or SQLite path")
    p.add_argument("--cohort", help="only this cohort")
    p.add_argument("--out", default=None, help="file to write (default reports/report.html, .docx or .pdf)")
    p.add_argument(
        "--format",
        choices=FORMATS,
        default="html",
        help="html: one self-contained file; docx: Word with APA tables and figures; "
        "pdf: the Word report's pages (needs LibreOffice)",
    )
    p.add_argument(
        "--tables", metavar="DIR", help="also write every table to DIR as CSV (the numbers) and LaTeX"
    )
    groups = ", ".join(d.group_fields)
    p.add_argument("--groups", default=groups, help=f"grouping fields, comma-separated (default: {groups})")
    p.add_argument(
        "--exclusion",
        choices=EXCLUSION_RULES,
        default=d.exclusion,
        help="exclude careless responses when any/all flags are raised, or none",
    )
    p.add_argument("--alpha", type=float, default=d.alpha, help=f"significance level (default {d.alpha})")
    p.add_argument("--correction", choices=CORRECTIONS, default=d.correction)
    p.add_argument(
        "--min-group-size",
        type=int,
        default=d.min_group_size,
        help=f"smallest group shown or tested (default {d.min_group_size})",
    )
    p.add_argument(
        "--missing",
        choices=MISSING,
        default=d.missing,
        help="missing answers in the factor models: ml (full information, every "
        f"response used) or listwise (default {d.missing})",
    )
    p.add_argument(
        "--lang", default=d.lang, help="language of labels in the report (default: the instrument's)"
    )
    p.add_argument("--seed", type=int, default=d.seed)
    p.add_argument("--show-code", action="store_true", help="include the code cells")
    p.add_argument("--notebook-out", metavar="FILE", help="also keep the executed notebook")
    p.set_defaults(func=_report)


def _report(args: argparse.Namespace) -> int:
    from netsoc.report import ReportOptions, build_report
    from netsoc.report.progress import printer

    options = ReportOptions(
        group_fields=args.groups,
        exclusion=args.exclusion,
        alpha=args.alpha,
        correction=args.correction,
        min_group_size=args.min_group_size,
        missing=args.missing,
        lang=args.lang,
        seed=args.seed,
    )
    out = args.out or f"reports/report.{args.format}"
    info = build_report(
        out=out,
        data=args.data,
        db=args.db,
        cohort=args.cohort,
        options=options,
        show_code=args.show_code,
        keep_notebook=args.notebook_out,
        format=args.format,
        tables=args.tables,
        progress=printer(),
    )
    print(
        f"wrote {info['out']} ({info['n_responses']} responses, instrument "
        f"{info['instrument_id']} {info['instrument_version']}, data sha256 "
        f"{info['data_sha256'][:12]})"
    )
    if args.tables:
        print(f"wrote {len(info['tables'])} table files (CSV and LaTeX) to {args.tables}")
    return 0
