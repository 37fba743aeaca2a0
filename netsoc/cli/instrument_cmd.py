"""``netsoc validate-instrument`` and ``netsoc codebook``."""

from __future__ import annotations

import argparse
import sys


def register(sub: argparse._SubParsersAction) -> None:
    """Add the instrument subcommands."""
    p = sub.add_parser("validate-instrument", help="check an instrument YAML file")
    p.add_argument(
        "path", nargs="?", default=None, help="instrument YAML file (default: the shipped questionnaire)"
    )
    p.set_defaults(func=_validate)

    p = sub.add_parser("codebook", help="write the codebook of an instrument as CSV")
    p.add_argument("--instrument", default=None, help="instrument YAML (default: the shipped one)")
    p.add_argument("--out", default="-", help="output CSV path, '-' for stdout (default)")
    p.add_argument(
        "--lang", default=None, help="language of the texts and labels (default: the instrument's default)"
    )
    p.set_defaults(func=_codebook)


def _validate(args: argparse.Namespace) -> int:
    from survey.errors import InstrumentError
    from survey.instrument import load_instrument

    try:
        inst = load_instrument(args.path)
    except InstrumentError as exc:
        print(exc.summary)
        for problem in exc.problems:  # every one, not only the first few
            print(f"  - {problem}")
        return 1
    print(
        f"OK: {args.path or 'shipped questionnaire'} - instrument {inst.id} {inst.version}, "
        f"{len(inst.items)} items, {len(inst.attention_checks)} attention checks, "
        f"{len(inst.fields)} fields"
    )
    for tag in inst.languages:
        info = inst.language_info[tag]
        default = ", default" if tag == inst.default_language else ""
        status = f": {info.review_status}" if info.review_status else ""
        print(f"  {tag} ({info.name}{default}){status}")
    return 0


def _codebook(args: argparse.Namespace) -> int:
    from survey.codebook import codebook
    from survey.instrument import load_instrument

    inst = load_instrument(args.instrument)
    book = codebook(inst.localized(args.lang) if args.lang else inst)
    if args.out == "-":
        book.to_csv(sys.stdout, index=False)
    else:
        book.to_csv(args.out, index=False)
        print(f"wrote {args.out}")
    return 0
