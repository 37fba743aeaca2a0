"""``netsoc dashboard``: serve the facilitator's live dashboard (presenter view and controls).

The dashboard has its own token (printed in its address), never the
survey's.  ``--survey-url`` is the join address the survey printed (with its
token); the QR code shows exactly that, and the projector warns when it
cannot work (loopback, nothing listening).  ``netsoc workshop`` starts the
survey and this dashboard together with the real address.
"""

from __future__ import annotations

import argparse
import secrets

from survey.schema import MIN_GROUP_SIZE


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``dashboard`` subcommand."""
    p = sub.add_parser("dashboard", help="serve the live, anonymous workshop dashboard")
    p.add_argument("--cohort", help="workshop code to show (default: all responses)")
    p.add_argument("--db", help="store path or URL (default: NETSOC_DB, else the per-user store)")
    p.add_argument(
        "--create", action="store_true", help="create the store when --db names a file that does not exist"
    )
    p.add_argument(
        "--min-group-size",
        type=int,
        default=MIN_GROUP_SIZE,
        help=f"k: nothing is shown for a room, batch or group below this size (default {MIN_GROUP_SIZE})",
    )
    p.add_argument("--group", default="role", help="field to compare groups by (default role)")
    p.add_argument(
        "--interval", type=float, default=3.0, help="seconds between looks at the store (default 3)"
    )
    p.add_argument(
        "--advance", type=float, default=15.0, help="seconds per presenter card, 0 for manual (default 15)"
    )
    p.add_argument(
        "--lang", help="the dashboard's language, a tag the instrument lists (default: its default language)"
    )
    p.add_argument(
        "--survey-url",
        help="the join address netsoc survey printed (with its "
        "token); shown as a QR code, with ?cohort= set to --cohort",
    )
    p.add_argument(
        "--illustration-norms",
        action="store_true",
        help="compare the room with the shipped synthetic norms too (for the demo; "
        "real norms from netsoc norms are always shown)",
    )
    p.add_argument("--no-join-check", action="store_true", help="do not check that the join address answers")
    p.add_argument("--port", type=int, default=8867, help="port (default 8867)")
    p.add_argument("--ip", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    p.add_argument("--public", action="store_true", help="allow a non-loopback --ip")
    p.add_argument("--token", help="the dashboard's token (default: random)")
    p.set_defaults(func=_dashboard)


def dashboard_settings(args: argparse.Namespace, *, survey_url: str | None, token: str) -> object:
    """Checked :class:`netsoc.dashboard.DashboardSettings` from the command's arguments."""
    from netsoc.dashboard.settings import DashboardSettings
    from netsoc.startup import check_store
    from survey.errors import NetsocError
    from survey.instrument import load_instrument

    inst = load_instrument()
    if args.group not in inst.choice_fields:
        raise NetsocError(
            f"--group: {args.group!r} is not a choice field; expected one of {', '.join(inst.choice_fields)}"
        )
    if args.cohort is not None and not inst.cohort.accepts(args.cohort):
        raise NetsocError(
            f"--cohort: {args.cohort!r} is not a valid workshop code; expected {inst.cohort.pattern}"
        )
    if args.lang is not None:
        inst.localized(args.lang)  # InstrumentError names the known tags
    db = check_store(args.db, create=args.create)
    return DashboardSettings(
        db=db,
        cohort=args.cohort,
        min_group_size=args.min_group_size,
        group_field=args.group,
        interval=args.interval,
        lang=args.lang,
        survey_url=survey_url,
        token=token,
        advance=args.advance,
        check_join=not args.no_join_check,
        port=args.port,
        illustration_norms=args.illustration_norms,
    )


def _dashboard(args: argparse.Namespace) -> int:
    from netsoc.dashboard.app import serve_dashboard
    from netsoc.dashboard.join import is_loopback, join_problem
    from netsoc.qr import survey_address
    from netsoc.session import shared_store
    from netsoc.startup import check_port, cohort_note
    from survey.errors import NetsocError

    if not is_loopback(args.ip) and not args.public:
        raise NetsocError(
            f"--ip: {args.ip!r} is not loopback; serving the dashboard to other machines needs --public"
        )
    survey_url = survey_address(args.survey_url, args.cohort) if args.survey_url else None
    token = args.token or secrets.token_urlsafe(16)
    settings = dashboard_settings(args, survey_url=survey_url, token=token)
    check_port(args.ip, args.port)
    note = cohort_note(shared_store(settings.db), args.cohort)  # type: ignore[attr-defined]
    shown = "127.0.0.1" if args.ip in ("0.0.0.0", "::") else args.ip
    print(f"netsoc dashboard for {args.cohort or 'all responses (no --cohort)'}")
    print(f"  presenter view:  http://{shown}:{args.port}/?token={token}")
    print(f"  controls:        http://{shown}:{args.port}/control?token={token}")
    print(f"  join address:    {survey_url or '(none: give --survey-url, or use netsoc workshop)'}")
    if note:
        print(f"  note: {note}")
    if survey_url and not args.no_join_check:
        from netsoc.dashboard.texts import Texts

        problem = join_problem(survey_url, own_port=args.port)
        if problem is not None:
            inst = shared_store(settings.db).instrument  # type: ignore[attr-defined]
            print(f"  warning: {Texts(inst.localized('en'))(problem[0], address=problem[1])}")
    print("  Ctrl-C stops it.", flush=True)
    try:
        serve_dashboard(settings, host=args.ip, port=args.port)  # type: ignore[arg-type]
    except KeyboardInterrupt:
        pass
    return 0
