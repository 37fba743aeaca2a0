"""``netsoc norms``: reference norms from the store's submitted responses.

Below ``--min-n`` respondents (after excluding careless responding) it
refuses and writes nothing; ``--allow-small`` writes the norms marked
``too_small`` instead (to try the workflow, not to use as norms).  An
existing ``--out`` is kept unless ``--force``.
"""

from __future__ import annotations

import argparse

_DB_HELP = "SQLite file or SQLAlchemy URL (default: $NETSOC_DB, else netsoc.sqlite in your user data folder)"


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``norms`` subcommand."""
    p = sub.add_parser(
        "norms",
        help="compute reference norms (percentiles with intervals, reliability) from the stored responses",
    )
    p.add_argument("--out", required=True, help="norms YAML file to write")
    p.add_argument("--db", default=None, help=_DB_HELP)
    p.add_argument("--cohort", default=None, help="only this cohort")
    p.add_argument(
        "--population",
        default="",
        help='who the respondents are, read after "participants of", e.g. '
        '"12 career workshops in Berlin, 2026"',
    )
    p.add_argument("--min-n", type=int, default=100, help="fewest respondents after exclusions (default 100)")
    p.add_argument(
        "--allow-small",
        action="store_true",
        help="below --min-n, write norms marked too small instead of refusing",
    )
    p.add_argument(
        "--no-exclusions", action="store_true", help="keep respondents flagged for careless responding"
    )
    p.add_argument("--ci", type=float, default=0.95, help="level of the intervals (default 0.95)")
    p.add_argument("--instrument", default=None, help="instrument YAML (default: the shipped one)")
    p.add_argument("--force", action="store_true", help="overwrite an existing --out file")
    p.set_defaults(func=_norms)


def _norms(args: argparse.Namespace) -> int:
    from pathlib import Path

    from netsoc.report.norms import build_norms
    from survey.errors import DataError, NetsocError
    from survey.instrument import load_instrument
    from survey.norms import dump_norms
    from survey.store import open_store

    out = Path(args.out)
    if out.exists() and not args.force:
        raise NetsocError(f"--out: {out} exists; use --force to overwrite it (nothing was written)")
    if args.min_n < 1:
        raise NetsocError(f"--min-n: expected a whole number >= 1, got {args.min_n}")
    if not 0 < args.ci < 1:
        raise NetsocError(f"--ci: expected a level between 0 and 1, got {args.ci}")
    from netsoc.startup import check_store

    inst = load_instrument(args.instrument)
    with open_store(check_store(args.db), instrument=inst) as store:
        data = store.to_frame(cohort=args.cohort)
        url = store.url
        known = [c for c in store.cohorts() if c != args.cohort]
    if len(data) == 0:
        where = f" in cohort {args.cohort!r}" if args.cohort else ""
        if args.cohort:
            where += f" (cohorts with responses: {', '.join(known) or 'none'})"
        raise DataError(
            f"no submitted responses{where} in {url}; norms need at least "
            f"--min-n {args.min_n} (nothing was written)"
        )
    norms = build_norms(
        data,
        inst,
        population=args.population,
        cohort=args.cohort,
        ci=args.ci,
        min_n=args.min_n,
        allow_small=args.allow_small,
        exclude_careless=not args.no_exclusions,
    )
    text = dump_norms(norms)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(out)
    mark = " (marked TOO SMALL)" if norms.meta.too_small else ""
    print(
        f"wrote norms of {norms.n} respondents ({norms.meta.n_excluded} excluded) "
        f"for {inst.id} {inst.version} to {out}{mark}"
    )
    return 0
