"""``netsoc survey``: serve the questionnaire with Voila and print its address."""

from __future__ import annotations

import argparse

from netsoc.cli._server import add_server_arguments
from netsoc.resources import SURVEY_NOTEBOOK, notebook_path

NOTEBOOK = notebook_path(SURVEY_NOTEBOOK)


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``survey`` subcommand."""
    p = sub.add_parser("survey", help="serve the questionnaire (Voila) on 127.0.0.1")
    p.add_argument("--cohort", help="workshop code stored with every response "
                   "(participants can also use ?cohort=CODE in the address)")
    add_server_arguments(p, port=8866)
    p.set_defaults(func=_survey)


def _survey(args: argparse.Namespace) -> int:
    from netsoc.serve import serve_notebook
    from survey.config import resolve_db_url
    from survey.errors import NetsocError
    from survey.instrument import load_instrument

    env = {"NETSOC_DB": resolve_db_url(args.db)}
    if args.cohort is not None:
        spec = load_instrument().cohort
        if not spec.accepts(args.cohort):
            raise NetsocError(f"--cohort: {args.cohort!r} is not a valid workshop code; "
                              f"expected {spec.pattern}")
        env["NETSOC_COHORT"] = args.cohort
    return serve_notebook(
        NOTEBOOK, port=args.port, env=env, ip=args.ip, token=args.token, public=args.public,
        query=f"cohort={args.cohort}" if args.cohort else "",
        open_message="netsoc survey is running at {url}  (Ctrl-C to stop)")
