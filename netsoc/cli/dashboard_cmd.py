"""``netsoc dashboard``: serve the live workshop dashboard (many viewers per process)."""

from __future__ import annotations

import argparse

from netsoc.cli._server import add_server_arguments, run_server


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``dashboard`` subcommand."""
    p = sub.add_parser("dashboard", help="serve the live, anonymous workshop dashboard")
    p.add_argument("--cohort", help="workshop code to show (default: all responses)")
    p.add_argument("--min-group-size", type=int, default=5,
                   help="k: nothing is shown for a room or group below this size (default 5)")
    p.add_argument("--group", default="role", help="field to compare groups by (default role)")
    p.add_argument("--interval", type=float, default=3.0, help="seconds between refreshes (default 3)")
    p.add_argument("--lang", help="the dashboard's language, a tag the instrument lists "
                   "(default: its default language)")
    p.add_argument("--survey-url", help="the survey address shown as a QR code and as text, "
                   "with ?cohort= set to --cohort (default: http://<this machine's "
                   "address>:8866/; give the address netsoc survey printed, with its token, "
                   "when it differs)")
    add_server_arguments(p, port=8867)
    p.set_defaults(func=_dashboard)


def _dashboard(args: argparse.Namespace) -> int:
    from netsoc.dashboard import DashboardSettings
    from survey.errors import NetsocError
    from survey.instrument import load_instrument

    fields = load_instrument().choice_fields
    if args.group not in fields:
        raise NetsocError(f"--group: {args.group!r} is not a choice field; expected one of "
                          f"{', '.join(fields)}")
    spec = load_instrument().cohort
    if args.cohort is not None and not spec.accepts(args.cohort):
        raise NetsocError(f"--cohort: {args.cohort!r} is not a valid workshop code; "
                          f"expected {spec.pattern}")
    if args.lang is not None:
        load_instrument().localized(args.lang)  # InstrumentError names the known tags
    from netsoc.qr import survey_address

    # participants' phones need this machine's network address, not loopback
    host = "0.0.0.0" if args.ip in ("127.0.0.1", "localhost", "::1") else args.ip
    survey_url = survey_address(args.survey_url or f"http://{host}:8866/", args.cohort)
    # validate here so mistakes are one line on the terminal, not an error page
    DashboardSettings(cohort=args.cohort, min_group_size=args.min_group_size,
                      group_field=args.group, interval=args.interval, lang=args.lang,
                      survey_url=survey_url)
    return run_server(args, "dashboard", cohort=args.cohort, min_group_size=args.min_group_size,
                      group_field=args.group, interval=args.interval, lang=args.lang,
                      survey_url=survey_url,
                      message="netsoc dashboard is running at {url}  (Ctrl-C to stop)")
