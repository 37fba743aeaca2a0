"""``netsoc workshop``: the survey for phones and the dashboard for the projector, together.

One command for a room: it checks the store and both ports before printing
anything, starts the dashboard (loopback, behind its own token) and the survey
(every network interface, behind a token) in one process, and prints one
block: the join address with its QR code, the dashboard address, where the
responses go and how to stop.  The dashboard's QR code and short address are
made from the survey's real address, port and token, so the projected code
leads where participants can answer.

``netsoc survey`` and ``netsoc dashboard`` still start the two on their own.
"""

from __future__ import annotations

import argparse
import threading
from collections.abc import Callable
from typing import Any

from netsoc.cli._room import add_draft_days_argument, add_new_token_argument, short_join_url, stored_keys
from netsoc.cli._waves import add_wave_argument, apply_wave
from survey.schema import MIN_GROUP_SIZE

__all__ = ["register", "workshop_block"]

#: Every interface: phones reach the survey on this machine's network address,
#: and the facilitator (and tests) on loopback.
SURVEY_BIND = "0.0.0.0"
DASHBOARD_BIND = "127.0.0.1"


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``workshop`` subcommand."""
    p = sub.add_parser(
        "workshop",
        help="run a workshop: the survey for phones and the live "
        "dashboard for the projector, with one QR code that works",
    )
    p.add_argument(
        "--cohort",
        required=True,
        help="the workshop code stored with every response (letters, digits, - and _), e.g. WS-2026-03",
    )
    p.add_argument(
        "--db", help="store path or URL (default: NETSOC_DB, else netsoc.sqlite in your user data folder)"
    )
    p.add_argument("--create", action="store_true", help="create the --db store if it does not exist yet")
    p.add_argument("--port", type=int, default=8866, help="the survey's port (default 8866)")
    p.add_argument(
        "--dashboard-port", type=int, default=8867, help="the dashboard's port on this machine (default 8867)"
    )
    p.add_argument(
        "--host",
        help="the address phones use to reach this machine (default: its "
        "address on the network it uses, detected)",
    )
    p.add_argument("--lang", help="the dashboard's language, a tag the questionnaire lists")
    p.add_argument(
        "--min-group-size",
        type=int,
        default=MIN_GROUP_SIZE,
        help=f"k: nothing is shown for fewer people (default {MIN_GROUP_SIZE})",
    )
    p.add_argument("--group", default="role", help="field the dashboard compares groups by (default role)")
    p.add_argument(
        "--workers",
        type=int,
        default=1,
        help="survey processes on the same port (default 1; use a PostgreSQL --db for more than one)",
    )
    add_new_token_argument(p)
    add_draft_days_argument(p)
    add_wave_argument(p)
    p.set_defaults(func=_workshop)


def workshop_block(
    *,
    cohort: str,
    join: str,
    dashboard: str,
    store: str,
    qr: str,
    note: str | None = None,
    join_code: str | None = None,
    short_url: str | None = None,
) -> str:
    """The one block ``netsoc workshop`` prints once both servers listen.

    Parameters
    ----------
    cohort : str
    join : str
        The survey's join address (host, port, ``?cohort=`` and ``token=``).
    dashboard : str
        The dashboard's address with its own token.
    store : str
        Where responses go (a path or a URL with the password hidden).
    qr : str
        The join address's QR code drawn for the terminal.
    note : str, optional
        A line about the cohort (e.g. the codes that already have responses).
    join_code, short_url : str, optional
        The 7-digit join code and the short address it is typed at
        (``http://HOST:PORT/``), printed big.
    """
    from netsoc.dashboard import controls_url

    lines = [
        f"netsoc workshop {cohort} is running.",
        "",
        f"  Participants join at:  {join}",
        "                         (the QR code below and on the dashboard; or the join code under it)",
        qr.rstrip("\n"),
    ]
    if join_code and short_url:
        grouped = f"{join_code[:3]} {join_code[3:]}" if len(join_code) == 7 else join_code
        lines += [f"  Or type the join code:  {grouped}   at  {short_url}", *big_digits(join_code)]
    lines += [
        f"  Dashboard (projector): {dashboard}",
        f"  Controls (laptop):     {controls_url(dashboard)}",
        "                         keep both addresses to yourself: they open the facilitator's controls",
        f"  Responses go to:       {store}  (workshop code {cohort})",
    ]
    if note:
        lines.append(f"                         {note}")
    lines += ["  To stop:               press Ctrl-C here (responses already sent are kept)", ""]
    return "\n".join(lines)


_DIGITS = {
    "0": (" ### ", "#   #", "#   #", "#   #", " ### "),
    "1": ("  #  ", " ##  ", "  #  ", "  #  ", " ### "),
    "2": (" ### ", "    #", " ### ", "#    ", "#####"),
    "3": ("#### ", "    #", " ### ", "    #", "#### "),
    "4": ("#   #", "#   #", "#####", "    #", "    #"),
    "5": ("#####", "#    ", "#### ", "    #", "#### "),
    "6": (" ### ", "#    ", "#### ", "#   #", " ### "),
    "7": ("#####", "    #", "   # ", "  #  ", "  #  "),
    "8": (" ### ", "#   #", " ### ", "#   #", " ### "),
    "9": (" ### ", "#   #", " ####", "    #", " ### "),
}


def big_digits(code: str, indent: int = 25) -> list[str]:
    """The join code in digits five lines tall (shaded blocks, never mistaken for the QR
    code's), for reading off the facilitator's screen."""
    return [" " * indent + "  ".join(_DIGITS[d][i] for d in code).replace("#", "▓") for i in range(5)]


def _check(args: argparse.Namespace) -> tuple[Any, str, str]:
    """Every check before anything starts; returns (instrument, store URL, host)."""
    from netsoc.qr import reachable_host
    from netsoc.server.config import is_loopback
    from netsoc.startup import StartupError, check_port, check_store
    from survey.instrument import load_instrument

    inst = load_instrument()
    if not inst.cohort.accepts(args.cohort):
        raise StartupError(
            f"--cohort: {args.cohort!r} is not a valid workshop code; expected "
            f"up to {inst.cohort.max_length} letters, digits, - or _"
        )
    if args.group not in inst.choice_fields:
        raise StartupError(
            f"--group: {args.group!r} is not a choice field; expected one of {', '.join(inst.choice_fields)}"
        )
    if args.lang is not None:
        inst.localized(args.lang)  # InstrumentError names the languages offered
    if not 1 <= args.workers <= 64:
        raise StartupError(f"--workers: expected 1 to 64 processes, got {args.workers}")
    if args.port == args.dashboard_port:
        raise StartupError(f"--port and --dashboard-port are both {args.port}; give two different ports")
    url = check_store(args.db, create=args.create)
    if args.workers > 1 and url.startswith("sqlite"):
        raise StartupError(
            "--workers above 1 needs a PostgreSQL --db (SQLite is one file on "
            "one machine, written by one process at a time)"
        )
    check_port(SURVEY_BIND, args.port)
    check_port(DASHBOARD_BIND, args.dashboard_port)
    host = args.host or reachable_host()
    if is_loopback(host):
        raise StartupError(
            f"this machine's network address is {host} (loopback), which phones "
            "cannot reach; connect to the room's network, or give the address "
            "phones should use with --host"
        )
    return inst, url, host


class _Dashboard:
    """The dashboard's uvicorn server in a thread of this process."""

    def __init__(self, settings: Any, port: int) -> None:
        from netsoc.dashboard.app import dashboard_server

        self.server = dashboard_server(settings, host=DASHBOARD_BIND, port=port)
        self.thread = threading.Thread(target=self.server.run, name="netsoc-dashboard", daemon=True)

    def start(self, port: int) -> None:
        from netsoc.server.net import wait_for_port
        from netsoc.startup import StartupError

        self.thread.start()
        try:
            wait_for_port(port, DASHBOARD_BIND, timeout=30)
        except Exception as exc:
            self.stop()
            raise StartupError(f"the dashboard did not start on port {port}: {exc}") from None

    def stop(self) -> None:
        self.server.should_exit = True
        if self.thread.is_alive():
            self.thread.join(timeout=10)


def _survey_config(args: argparse.Namespace, url: str, keys: Any) -> Any:
    """The survey server's settings: the stored token, secret and join code of the cohort."""
    from netsoc.server.config import ServerConfig

    return ServerConfig(
        kind="survey",
        db=url,
        cohort=args.cohort,
        port=args.port,
        ip=SURVEY_BIND,
        public=True,
        token=keys.token,
        secret=keys.secret,
        join_code=keys.join_code,
        min_group_size=args.min_group_size,
        draft_days=args.draft_days,
    ).check()


def _workshop(args: argparse.Namespace, echo: Callable[[str], None] = print) -> int:
    from dataclasses import replace

    from netsoc.dashboard.settings import DashboardSettings
    from netsoc.qr import qr_terminal
    from netsoc.server.serve import join_url, serve_survey
    from netsoc.startup import cohort_note, store_label
    from survey.store import open_store
    from survey.store.access import dashboard_token

    inst, url, host = _check(args)
    keys = stored_keys(url, args.cohort, rotate=args.new_token)
    survey = _survey_config(args, url, keys)
    short = short_join_url(host, args.port)
    join = join_url(replace(survey, ip=host))
    dash_token = dashboard_token(keys)  # the projector's address survives a restart too
    settings = DashboardSettings(
        db=url,
        cohort=args.cohort,
        min_group_size=args.min_group_size,
        group_field=args.group,
        lang=args.lang,
        survey_url=join,
        join_code=keys.join_code,
        join_short_url=short,
        token=dash_token,
        port=args.dashboard_port,
    )
    wave = apply_wave(url, args.cohort, args.wave)
    with open_store(url, instrument=inst) as store:
        note = cohort_note(store, args.cohort)
    if wave is not None:
        note = f"{note + '; ' if note else ''}collecting the {wave} wave"
    block = workshop_block(
        cohort=args.cohort,
        join=join,
        qr=qr_terminal(join),
        note=note,
        dashboard=f"http://{DASHBOARD_BIND}:{args.dashboard_port}/?token={dash_token}",
        store=store_label(url),
        join_code=keys.join_code,
        short_url=short,
    )
    dashboard = _Dashboard(settings, args.dashboard_port)
    dashboard.start(args.dashboard_port)
    _stop_on_sigterm()
    try:
        status = serve_survey(
            survey, workers=args.workers, echo=echo, message=block.replace("{", "{{").replace("}", "}}")
        )
    finally:
        dashboard.stop()
    echo(f"netsoc workshop {args.cohort} stopped; the responses are in the store.")
    return status


def _stop_on_sigterm() -> None:
    """Let SIGTERM stop the workshop as Ctrl-C does (both servers, then the last line).

    uvicorn catches the signal while it serves and raises it again once it has
    shut down; this handler turns it into :class:`KeyboardInterrupt` there.
    """
    import signal

    def interrupt(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, interrupt)
