"""``netsoc survey``: serve the questionnaire (many participants per process) and print its address."""

from __future__ import annotations

import argparse

from netsoc.cli._server import add_server_arguments, run_server


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``survey`` subcommand."""
    p = sub.add_parser("survey", help="serve the questionnaire on 127.0.0.1")
    p.add_argument("--cohort", help="workshop code stored with every response "
                   "(without it, participants can use ?cohort=CODE in the address)")
    p.add_argument("--min-group-size", type=int, default=5,
                   help="k: the feedback compares with the workshop only from this size (default 5)")
    add_server_arguments(p, port=8866)
    p.set_defaults(func=_survey)


def _survey(args: argparse.Namespace) -> int:
    from survey.errors import NetsocError
    from survey.instrument import load_instrument

    if args.cohort is not None:
        spec = load_instrument().cohort
        if not spec.accepts(args.cohort):
            raise NetsocError(f"--cohort: {args.cohort!r} is not a valid workshop code; "
                              f"expected {spec.pattern}")
    return run_server(args, "survey", cohort=args.cohort, min_group_size=args.min_group_size,
                      query=f"cohort={args.cohort}" if args.cohort else "",
                      message="netsoc survey is running at {url}  (Ctrl-C to stop)",
                      echo=_echo_with_qr if args.public else print)


def _echo_with_qr(line: str) -> None:
    """Print the start-up line, then the join address and its QR code (``--public``)."""
    from netsoc.qr import echo_with_qr

    echo_with_qr(line)
