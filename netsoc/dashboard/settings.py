"""What one dashboard shows: :class:`DashboardSettings`, from arguments or the environment.

Settings come from arguments or the environment: ``NETSOC_DB``,
``NETSOC_COHORT``, ``NETSOC_DASHBOARD_MIN_GROUP_SIZE``, ``NETSOC_DASHBOARD_GROUP``,
``NETSOC_DASHBOARD_INTERVAL``, ``NETSOC_DASHBOARD_LANG``,
``NETSOC_SURVEY_URL``.  A workshop code given by the server (``--cohort``)
always wins: ``?cohort=`` in the page address is used only when the server
gave none, and only when it is a valid code (:func:`netsoc.session.resolve_cohort`).
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass

from survey.errors import NetsocError
from survey.schema import MIN_GROUP_SIZE, check_min_group_size

__all__ = ["DashboardSettings", "settings_from_env", "DEFAULT_INTERVAL", "DEFAULT_ADVANCE"]

#: Seconds between two looks at the store.
DEFAULT_INTERVAL = 3.0
#: Seconds each presenter card stays on screen before the next (auto-advance).
DEFAULT_ADVANCE = 15.0

_URL = re.compile(r"^https?://[^\s<>\"'`]+$")
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{8,128}$")


@dataclass(frozen=True)
class DashboardSettings:
    """What the dashboard shows and who may see it.

    Attributes
    ----------
    db : str or None
        Store URL or path (None: ``NETSOC_DB`` / the default store).
    cohort : str or None
        Only this workshop's responses (None: every response).
    min_group_size : int
        k: the smallest group (and room, and batch) for which anything is shown.
    group_field : str or None
        Choice field for the comparison by group.
    interval : float
        Seconds between two looks at the store.
    lang : str or None
        The facilitator's language (a tag the instrument lists; None: its default).
    survey_url : str or None
        The survey's real join address (host, port, ``?cohort=`` and its
        ``token=``), shown as a QR code (never as text).
    token : str or None
        The dashboard's own token: the presenter view, the controls and the
        exports need it (never the survey's token).  None only for the
        in-process use of the model (tests, notebooks).
    advance : float
        Seconds per presenter card (auto-advance; 0 turns it off).
    check_join : bool
        Check that ``survey_url`` can work (loopback, nothing listening) and
        warn on the projector.
    port : int or None
        The dashboard's own port (a join address on it is refused).
    illustration_norms : bool
        Show the room over the shipped synthetic norms too (the demo); by
        default only real norms (``netsoc norms``) are projected.
    join_code : str or None
        The workshop's 7-digit join code (``netsoc workshop``), typed on the
        survey's start page at ``join_short_url``.
    join_short_url : str or None
        The short address the join code is typed at (``http://HOST:PORT/``).
    """

    db: str | None = None
    cohort: str | None = None
    min_group_size: int = MIN_GROUP_SIZE
    group_field: str | None = "role"
    interval: float = DEFAULT_INTERVAL
    lang: str | None = None
    survey_url: str | None = None
    token: str | None = None
    advance: float = DEFAULT_ADVANCE
    check_join: bool = True
    port: int | None = None
    illustration_norms: bool = False
    join_code: str | None = None
    join_short_url: str | None = None

    def __post_init__(self) -> None:
        check_min_group_size(self.min_group_size)
        if not self.interval > 0:
            raise NetsocError(f"interval: got {self.interval!r}; expected seconds above 0")
        if not self.advance >= 0:
            raise NetsocError(f"advance: got {self.advance!r}; expected seconds (0: off)")
        if self.survey_url is not None and not _URL.match(self.survey_url):
            raise NetsocError(
                f"survey_url: got {self.survey_url!r}; expected an http:// or "
                "https:// address without spaces or quotes"
            )
        if self.token is not None and not _TOKEN.match(self.token):
            raise NetsocError("token: expected 8 to 128 letters, digits, '-' or '_'")
        if self.join_code is not None and not (self.join_code.isdigit() and 6 <= len(self.join_code) <= 8):
            raise NetsocError(f"join_code: got {self.join_code!r}; expected 6 to 8 digits")
        if self.join_short_url is not None and not _URL.match(self.join_short_url):
            raise NetsocError(f"join_short_url: got {self.join_short_url!r}; expected an http:// address")


def settings_from_env(environ: Mapping[str, str] | None = None, **given: object) -> DashboardSettings:
    """Settings from keyword arguments, else the environment (see module docstring).

    Arguments that are None fall back to the environment, then the defaults.
    The workshop code follows :func:`netsoc.session.resolve_cohort`: a
    ``cohort`` argument or ``NETSOC_COHORT`` wins; ``cohort=`` in
    ``QUERY_STRING`` counts only without them, and only when it is a valid code.
    """
    from netsoc.session import resolve_cohort

    env = os.environ if environ is None else environ
    values: dict[str, object] = {
        "db": env.get("NETSOC_DB") or None,
        "min_group_size": int(env.get("NETSOC_DASHBOARD_MIN_GROUP_SIZE") or MIN_GROUP_SIZE),
        "group_field": env.get("NETSOC_DASHBOARD_GROUP") or "role",
        "interval": float(env.get("NETSOC_DASHBOARD_INTERVAL") or DEFAULT_INTERVAL),
        "lang": env.get("NETSOC_DASHBOARD_LANG") or None,
        "survey_url": env.get("NETSOC_SURVEY_URL") or None,
    }
    values.update({k: v for k, v in given.items() if v is not None and k != "cohort"})
    server = given.get("cohort") or env.get("NETSOC_COHORT") or None
    values["cohort"] = resolve_cohort(None, server, env.get("QUERY_STRING", ""))  # type: ignore[arg-type]
    return DashboardSettings(**values)  # type: ignore[arg-type]
