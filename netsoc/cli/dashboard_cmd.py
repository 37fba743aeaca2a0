"""``netsoc dashboard``: serve the live workshop dashboard with Voila."""

from __future__ import annotations

import argparse

from netsoc.cli._server import add_server_arguments
from netsoc.resources import DASHBOARD_NOTEBOOK, notebook_path

NOTEBOOK = notebook_path(DASHBOARD_NOTEBOOK)


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``dashboard`` subcommand."""
    p = sub.add_parser("dashboard", help="serve the live, anonymous workshop dashboard (Voila)")
    p.add_argument("--cohort", help="workshop code to show (default: all responses)")
    p.add_argument("--min-group-size", type=int, default=5,
                   help="k: nothing is shown for a room or group below this size (default 5)")
    p.add_argument("--group", default="role", help="field to compare groups by (default role)")
    p.add_argument("--interval", type=float, default=3.0, help="seconds between refreshes (default 3)")
    add_server_arguments(p, port=8867)
    p.set_defaults(func=_dashboard)


def _dashboard(args: argparse.Namespace) -> int:
    from netsoc.dashboard import settings_from_env
    from netsoc.serve import serve_notebook
    from survey.config import resolve_db_url
    from survey.errors import NetsocError
    from survey.instrument import load_instrument

    fields = load_instrument().choice_fields
    if args.group not in fields:
        raise NetsocError(f"--group: {args.group!r} is not a choice field; expected one of "
                          f"{', '.join(fields)}")

    # validate here so mistakes are one line on the terminal, not an error page
    s = settings_from_env({}, db=resolve_db_url(args.db), cohort=args.cohort,
                          min_group_size=args.min_group_size, group_field=args.group,
                          interval=args.interval)
    env = {"NETSOC_DB": s.db or "", "NETSOC_DASHBOARD_K": str(s.min_group_size),
           "NETSOC_DASHBOARD_GROUP": s.group_field or "", "NETSOC_DASHBOARD_INTERVAL": str(s.interval)}
    if s.cohort:
        env["NETSOC_COHORT"] = s.cohort
    return serve_notebook(NOTEBOOK, port=args.port, env=env, ip=args.ip, token=args.token,
                          public=args.public,
                          open_message="netsoc dashboard is running at {url}  (Ctrl-C to stop)")
