"""``netsoc import``, ``export``, ``erase``, ``purge`` (retention) and ``db-info``.

Every command takes ``--db`` (a SQLite path or a SQLAlchemy URL); without it
the ``NETSOC_DB`` environment variable, else ``netsoc.sqlite`` in the per-user
data folder (:func:`survey.config.default_db_path`).  The store is checked
first (:func:`netsoc.startup.check_store`): a ``--db`` path that does not
exist is refused (``netsoc import`` creates it), and a
``--cohort`` without responses is answered with the codes that have some.
"""

from __future__ import annotations

import argparse

_DB_HELP = "SQLite file or SQLAlchemy URL (default: $NETSOC_DB, else netsoc.sqlite in your user data folder)"


def register(sub: argparse._SubParsersAction) -> None:
    """Add the store subcommands."""
    _add_import(sub)
    _add_export(sub)
    _add_erase(sub)
    _add_purge(sub)
    _add_info(sub)


def _add_import(sub: argparse._SubParsersAction) -> None:
    """``netsoc import FILE``: responses from a file into the store."""
    p = sub.add_parser("import", help="import responses from CSV, Excel, SPSS or Parquet")
    p.add_argument("file", help="a .csv, .xlsx, .sav or .parquet file, one row per respondent")
    p.add_argument("--db", default=None, help=_DB_HELP)
    p.add_argument(
        "--mapping",
        default=None,
        help="CSV (column,variable) or YAML mapping file column -> instrument variable",
    )
    p.add_argument("--cohort", default=None, help="cohort code for every imported row")
    p.add_argument("--encoding", default=None, help="text encoding of a CSV file (default UTF-8)")
    p.add_argument("--instrument", default=None, help="instrument YAML (default: the shipped one)")
    p.set_defaults(func=_import)


def _add_export(sub: argparse._SubParsersAction) -> None:
    """``netsoc export``: submitted responses to a file or a study bundle."""
    p = sub.add_parser("export", help="export submitted responses to a file")
    p.add_argument(
        "--format",
        choices=["csv", "xlsx", "parquet", "sav"],
        default=None,
        help="file format (default: from the --out suffix)",
    )
    p.add_argument("--out", default=None, help="output file")
    p.add_argument(
        "--bundle",
        default=None,
        metavar="ZIP",
        help="instead of --out: a study bundle (.zip) with a Frictionless Data Package "
        "(responses, codebook), the instrument, the executed analysis notebook, its "
        "HTML report and an RO-Crate record of the run",
    )
    p.add_argument("--db", default=None, help=_DB_HELP)
    p.add_argument("--cohort", default=None, help="only this cohort")
    p.add_argument("--force", action="store_true", help="overwrite an existing file")
    p.add_argument(
        "--with-ids", action="store_true", help="include respondent ids (left out by default for privacy)"
    )
    p.add_argument("--instrument", default=None, help="instrument YAML (default: the shipped one)")
    p.set_defaults(func=_export)


def _add_erase(sub: argparse._SubParsersAction) -> None:
    """``netsoc erase ID``: one respondent removed completely."""
    p = sub.add_parser("erase", help="erase one respondent completely (withdrawn consent)")
    p.add_argument(
        "respondent_id", help="the erase code the participant was shown (their id and resume code)"
    )
    p.add_argument("--db", default=None, help=_DB_HELP)
    p.set_defaults(func=_erase)


def _add_purge(sub: argparse._SubParsersAction) -> None:
    """``netsoc purge``: the retention sweep."""
    p = sub.add_parser(
        "purge", help="retention: delete drafts (and, if asked, responses) older than a number of days"
    )
    p.add_argument(
        "--older-than",
        type=float,
        required=True,
        metavar="DAYS",
        help="delete drafts last changed more than DAYS days ago",
    )
    p.add_argument(
        "--submitted-too",
        action="store_true",
        help="also delete SUBMITTED responses submitted more than DAYS days ago",
    )
    p.add_argument("--db", default=None, help=_DB_HELP)
    p.set_defaults(func=_purge)


def _add_info(sub: argparse._SubParsersAction) -> None:
    """``netsoc db-info``: where the store is and what it holds."""
    p = sub.add_parser("db-info", help="show the store's location, schema version and counts")
    p.add_argument("--db", default=None, help=_DB_HELP)
    p.set_defaults(func=_info)


def _import(args: argparse.Namespace) -> int:
    from survey.instrument import load_instrument
    from survey.io import read_responses
    from survey.store import open_store

    inst = load_instrument(args.instrument)
    df = read_responses(
        args.file, inst, mapping=args.mapping, encoding=args.encoding, validate=False
    )  # import_frame validates, once
    # importing into a new store is what import is for: it is created (and named below)
    with open_store(_checked(args.db, create=True), instrument=inst) as store:
        first = df.attrs.get("first_row", 1)
        n = store.import_frame(
            df, cohort=args.cohort, row_numbers=range(first, first + len(df)), source=str(args.file)
        )
        print(f"imported {n} responses into {store.url}")
    return 0


def _export(args: argparse.Namespace) -> int:
    from survey.errors import DataError
    from survey.instrument import load_instrument
    from survey.io import format_of, write_responses
    from survey.store import open_store

    if (args.out is None) == (args.bundle is None):
        raise DataError("export: give one of --out FILE or --bundle ZIP")
    inst = load_instrument(args.instrument)
    if args.bundle is not None:
        return _export_bundle(args, inst)
    fmt = args.format or format_of(args.out)
    with open_store(_checked(args.db), instrument=inst) as store:
        df = store.to_frame(cohort=args.cohort)
        if len(df) == 0:
            raise DataError(f"{_nothing_in(store, args.cohort)}; nothing was exported")
        path = write_responses(df, args.out, inst, format=fmt, force=args.force, with_ids=args.with_ids)
    ids = "with" if args.with_ids else "without"
    print(f"exported {len(df)} responses ({ids} respondent ids) to {path}")
    return 0


def _export_bundle(args: argparse.Namespace, inst) -> int:  # noqa: ANN001
    from netsoc.report.bundle import build_bundle

    info = build_bundle(
        args.bundle, db=_checked(args.db), cohort=args.cohort, force=args.force, instrument=inst
    )
    print(
        f"wrote study bundle {info['out']} ({info['n_responses']} responses, instrument "
        f"{info['instrument_id']} {info['instrument_version']}, data sha256 "
        f"{info['data_sha256'][:12]})"
    )
    return 0


def _erase(args: argparse.Namespace) -> int:
    from survey.store import open_store

    with open_store(_checked(args.db)) as store:
        store.erase(args.respondent_id)
        print(f"erased respondent {args.respondent_id} from {store.url}")
    return 0


def _purge(args: argparse.Namespace) -> int:
    import datetime as dt

    from survey.errors import NetsocError
    from survey.store import open_store

    if not args.older_than > 0:
        raise NetsocError(f"--older-than: expected a number of days above 0, got {args.older_than}")
    with open_store(_checked(args.db)) as store:
        done = store.purge(dt.timedelta(days=args.older_than), submitted=args.submitted_too)
        what = f"{done['drafts']} draft(s)"
        if args.submitted_too:
            what += f" and {done['submitted']} submitted response(s)"
        print(f"deleted {what} older than {args.older_than:g} days from {store.url}")
    return 0


def _info(args: argparse.Namespace) -> int:
    from netsoc.startup import cohort_counts
    from survey.store import open_store

    with open_store(_checked(args.db)) as store:
        print(f"store:          {store.url}")
        print(f"schema version: {store.schema_version()}")
        print(f"instrument:     {store.instrument.id} {store.instrument.version}")
        print(f"submitted:      {store.count()}")
        print(f"drafts:         {store.count(include_drafts=True) - store.count()}")
        counts = cohort_counts(store)
        print(f"cohorts:        {'(none)' if counts == 'none' else counts}  (submitted responses each)")
        versions = store.to_frame()["instrument_version"].value_counts().sort_index()
        listed = ", ".join(f"{v}: {n}" for v, n in versions.items())
        print(f"versions:       {listed or '(none)'}")
    return 0


def _checked(db: str | None, *, create: bool = False) -> str:
    """The store's URL once :func:`netsoc.startup.check_store` found it usable."""
    from netsoc.startup import check_store

    return check_store(db, create=create)


def _nothing_in(store, cohort: str | None) -> str:  # noqa: ANN001
    """Why nothing was found, naming the workshop codes that do have responses."""
    if cohort is None:
        return f"no submitted responses in {store.url}"
    from netsoc.startup import cohort_counts

    return (
        f"no submitted responses in cohort {cohort!r} in {store.url}; cohorts with responses: "
        f"{cohort_counts(store)}"
    )
