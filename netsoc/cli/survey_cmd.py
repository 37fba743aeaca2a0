"""``netsoc survey``: serve the questionnaire to phones (stateless; any number of workers)."""

from __future__ import annotations

import argparse

from netsoc.cli._room import add_draft_days_argument, add_new_token_argument, stored_keys
from netsoc.cli._server import add_server_arguments
from netsoc.cli._waves import add_wave_argument, apply_wave


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``survey`` subcommand."""
    p = sub.add_parser("survey", help="serve the questionnaire on 127.0.0.1")
    p.add_argument(
        "--cohort",
        help="workshop code stored with every response "
        "(without it, participants can use ?cohort=CODE in the address)",
    )
    p.add_argument(
        "--min-group-size",
        type=int,
        default=5,
        help="k: the feedback compares with the workshop only from this size (default 5)",
    )
    p.add_argument("--create", action="store_true", help="create the --db store if it does not exist yet")
    p.add_argument(
        "--trusted-proxy",
        action="append",
        default=[],
        metavar="ADDRESS",
        help="a reverse proxy (address or network, e.g. 127.0.0.1) whose "
        "X-Forwarded-For names the client; repeat for several (default: none, the "
        "connection's peer is the client)",
    )
    p.add_argument(
        "--client-rate",
        type=float,
        default=50.0,
        help="budget units a second per browser (a message costs 2, the page 1, a file "
        "0.2; twenty seconds' worth can be saved up); requests without a browser's token "
        "count per address; 0 turns it off (default 50)",
    )
    p.add_argument(
        "--address-rate",
        type=float,
        default=1000.0,
        help="ceiling in budget units a second for all browsers behind one address (a "
        "venue's NAT: a room of 300 phones uses about 80); stops one machine flooding "
        "(default 1000)",
    )
    p.add_argument(
        "--client-connections",
        type=int,
        default=1024,
        help="connections one client address may hold open (a phone uses one to six, and "
        "a whole room may share a venue address); a --trusted-proxy is exempt; 0 turns "
        "it off (default 1024)",
    )
    p.add_argument(
        "--secret-file",
        metavar="PATH",
        help="file holding the secret that signs participants' tokens (created, "
        "readable by its owner only, if missing); give every server behind one load "
        "balancer the same file (default: the workshop code's secret kept in the store, "
        "the same after a restart)",
    )
    add_new_token_argument(p)
    add_draft_days_argument(p)
    add_server_arguments(p, port=8866)
    add_wave_argument(p)
    p.set_defaults(func=_survey)


def _survey(args: argparse.Namespace) -> int:
    from netsoc.server.config import ServerConfig
    from netsoc.server.serve import serve_survey
    from netsoc.startup import check_store
    from survey.errors import NetsocError
    from survey.instrument import load_instrument

    if args.cohort is not None:
        spec = load_instrument().cohort
        if not spec.accepts(args.cohort):
            raise NetsocError(
                f"--cohort: {args.cohort!r} is not a valid workshop code; expected {spec.pattern}"
            )
    if not 1 <= args.workers <= 64:
        raise NetsocError(f"--workers: expected 1 to 64 processes, got {args.workers}")
    db = check_store(args.db, create=args.create)
    apply_wave(db, args.cohort, args.wave)
    keys = stored_keys(db, args.cohort, rotate=args.new_token)
    token = args.token or (keys.token if args.public else None)
    config = ServerConfig(
        kind="survey",
        db=db,
        port=args.port,
        ip=args.ip,
        public=args.public,
        token=token,
        max_sessions=args.max_sessions,
        cohort=args.cohort,
        min_group_size=args.min_group_size,
        trusted_proxies=tuple(args.trusted_proxy),
        client_rate=args.client_rate,
        client_connections=args.client_connections,
        address_rate=args.address_rate,
        draft_days=args.draft_days,
        secret=_secret(args.secret_file) or keys.secret,
        join_code=keys.join_code if token and not args.token else None,
    ).check()
    return serve_survey(config, workers=args.workers, echo=_echo_with_qr if args.public else print)


def _secret(path: str | None) -> str | None:
    """The signing secret from ``--secret-file`` (made, mode 0600, when missing)."""
    import os
    from pathlib import Path

    from netsoc.server.tokens import new_secret
    from survey.errors import NetsocError

    if path is None:
        return None
    p = Path(path)
    if not p.exists():
        try:
            fd = os.open(p, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass
        except OSError as exc:
            raise NetsocError(f"--secret-file: cannot create {p}: {exc.strerror}") from exc
        else:
            with os.fdopen(fd, "w") as fh:
                fh.write(new_secret())
    if p.stat().st_mode & 0o077:
        raise NetsocError(f"--secret-file: {p} is readable by others; chmod 600 {p}")
    text = p.read_text().strip()
    if len(text) < 16:
        raise NetsocError(f"--secret-file: {p} holds fewer than 16 characters; delete it to make a new one")
    return text


def _echo_with_qr(line: str) -> None:
    """Print the start-up line, then the join address and its QR code (``--public``)."""
    from netsoc.qr import echo_with_qr

    echo_with_qr(line)
