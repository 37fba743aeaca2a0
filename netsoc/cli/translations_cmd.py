"""``netsoc translations export`` and ``netsoc translations import``: the translators' round trip."""

from __future__ import annotations

import argparse
import sys


def register(sub: argparse._SubParsersAction) -> None:
    """Add the translations subcommands."""
    p = sub.add_parser("translations", help="export / import an instrument's texts for translators")
    tsub = p.add_subparsers(dest="action", metavar="ACTION", required=True)

    e = tsub.add_parser("export", help="write one CSV row per text: id, source text, translation")
    e.add_argument("--lang", required=True, help="target language tag, e.g. de or pt-BR")
    e.add_argument("--out", default="-", help="CSV file, '-' for stdout (default)")
    e.add_argument("--instrument", default=None, help="instrument YAML (default: the shipped one)")
    e.add_argument("--force", action="store_true", help="overwrite an existing --out file")
    e.set_defaults(func=_export)

    i = tsub.add_parser("import", help="put a translated CSV back into the instrument YAML")
    i.add_argument("csv", help="CSV written by 'netsoc translations export' and translated")
    i.add_argument("--instrument", default=None, help="instrument YAML to update (default: the shipped one)")
    i.add_argument("--out", default=None, help="write the result here instead of in place")
    i.add_argument(
        "--force", action="store_true", help="replace existing translations that differ / overwrite --out"
    )
    i.add_argument(
        "--name", default=None, help="name of a new language as its speakers write it (e.g. Deutsch)"
    )
    i.add_argument("--translator", default=None, help="who translated a new language")
    i.add_argument(
        "--review-status",
        default=None,
        help="review status of a new language (default: machine-assisted, needs native review)",
    )
    i.add_argument("--date", default=None, help="date of a new language's translation (default: today)")
    i.set_defaults(func=_import)


def _export(args: argparse.Namespace) -> int:
    from survey.translations import export_translations

    if args.out == "-":
        sys.stdout.write(export_translations(args.lang, instrument=args.instrument))
        return 0
    text = export_translations(args.lang, args.out, instrument=args.instrument, force=args.force)
    print(f"wrote {args.out}: {text.count(chr(10)) - 1} texts to translate into {args.lang}")
    return 0


def _import(args: argparse.Namespace) -> int:
    from survey.translations import import_translations

    res = import_translations(
        args.csv,
        instrument=args.instrument,
        out=args.out,
        force=args.force,
        name=args.name,
        translator=args.translator,
        review_status=args.review_status,
        date=args.date,
    )
    if not res.written:
        print(f"{res.path}: unchanged (every {res.language} text was already there)")
    else:
        print(
            f"{res.path}: {res.language}: {res.added} text(s) added, {res.changed} replaced; "
            "the file validates"
        )
    return 0
