"""The ``netsoc`` command: one entry point, one module per group of subcommands.

Each module listed in :data:`COMMANDS` defines ``register(subparsers)``, which
adds its subcommands and sets ``func`` on them.  Heavy imports happen inside the
command functions so that ``netsoc --help`` stays fast.

Errors caused by the user (:class:`survey.errors.NetsocError`, a missing file,
a bad argument) are printed as a short message on stderr with a non-zero exit
status, never as a traceback.  ``NETSOC_DEBUG=1`` shows tracebacks.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Sequence

from survey.errors import NetsocError

__all__ = ["main", "COMMANDS", "EXIT_ERROR", "EXIT_USAGE"]

COMMANDS: tuple[str, ...] = (
    "netsoc.cli.instrument_cmd",
    "netsoc.cli.translations_cmd",
    "netsoc.cli.demo_cmd",
    "netsoc.cli.survey_cmd",
    "netsoc.cli.store_cmd",
    "netsoc.cli.report_cmd",
    "netsoc.cli.norms_cmd",
    "netsoc.cli.dashboard_cmd",
    "netsoc.cli.workshop_cmd",
)
EXIT_ERROR = 1
EXIT_USAGE = 2


def build_parser() -> argparse.ArgumentParser:
    """The full argument parser with every registered subcommand."""
    from netsoc import __version__

    parser = argparse.ArgumentParser(
        prog="netsoc",
        description="Networking vs socializing: survey, scoring, reports and dashboard.",
    )
    parser.add_argument("--version", action="version", version=f"netsoc {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name in COMMANDS:
        importlib.import_module(name).register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``netsoc`` command; returns the process exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    debug = os.environ.get("NETSOC_DEBUG") == "1"
    try:
        status = args.func(args)
    except NetsocError as exc:
        if debug:
            raise
        print(f"netsoc {args.command}: error: {exc}", file=sys.stderr)
        return EXIT_ERROR
    except (OSError, ValueError) as exc:
        if debug:
            raise
        print(f"netsoc {args.command}: error: {exc}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        print(f"netsoc {args.command}: interrupted", file=sys.stderr)
        return 130
    return int(status or 0)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
