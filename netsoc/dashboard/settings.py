"""What one dashboard shows: :class:`DashboardSettings`, from arguments or the environment.

Settings come from arguments or the environment: ``NETSOC_DB``,
``NETSOC_COHORT``, ``NETSOC_DASHBOARD_K``, ``NETSOC_DASHBOARD_GROUP``,
``NETSOC_DASHBOARD_INTERVAL``, ``NETSOC_DASHBOARD_LANG``,
``NETSOC_SURVEY_URL``.  A workshop code given by the server (``--cohort``)
always wins: ``?cohort=`` in the page address is used only when the server
gave none, and only when it is a valid code (:func:`dashboard_cohort`).
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import parse_qsl

from survey.errors import NetsocError

__all__ = ["DashboardSettings", "dashboard_cohort", "settings_from_env", "DEFAULT_K",
           "DEFAULT_INTERVAL", "PANELS"]

DEFAULT_K = 5
DEFAULT_INTERVAL = 3.0
#: The chart panels, in page order (``join`` is the QR code, not a chart).
PANELS = ("balance", "quadrant", "profiles", "groups", "norms")


@dataclass(frozen=True)
class DashboardSettings:
    """What the dashboard shows.

    Attributes
    ----------
    db : str or None
        Store URL or path (None: ``NETSOC_DB`` / the default store).
    cohort : str or None
        Only this workshop's responses (None: all).
    min_group_size : int
        k: the smallest group (and room) for which anything is shown.
    group_field : str or None
        Choice field for the comparison panel.
    interval : float
        Seconds between refreshes.
    lang : str or None
        The facilitator's language (a tag the instrument lists; None: its default).
    survey_url : str or None
        The survey's public address, shown as a QR code and as text (None: no
        join panel).
    """

    db: str | None = None
    cohort: str | None = None
    min_group_size: int = DEFAULT_K
    group_field: str | None = "role"
    interval: float = DEFAULT_INTERVAL
    lang: str | None = None
    survey_url: str | None = None

    def __post_init__(self) -> None:
        if isinstance(self.min_group_size, bool) or not isinstance(self.min_group_size, int) \
                or self.min_group_size < 2:
            raise NetsocError(f"min_group_size: got {self.min_group_size!r}; "
                              "expected a whole number of at least 2")
        if not self.interval > 0:
            raise NetsocError(f"interval: got {self.interval!r}; expected seconds above 0")
        if self.survey_url is not None and not re.match(r"^https?://[^\s<>\"']+$", self.survey_url):
            raise NetsocError(f"survey_url: got {self.survey_url!r}; expected an http:// or "
                              "https:// address without spaces or quotes")


def dashboard_cohort(server_cohort: str | None, query: Mapping[str, str] | str | None,
                     instrument=None) -> str | None:  # noqa: ANN001
    """The workshop the dashboard shows: the server's code wins.

    Parameters
    ----------
    server_cohort : str or None
        The code the server was started with (``--cohort``).
    query : mapping or str or None
        The page's query parameters (or the raw query string).
    instrument : Instrument, optional
        Whose cohort rule a ``?cohort=`` must pass (default: the shipped one).

    Returns
    -------
    str or None
        ``server_cohort`` when given (a different ``?cohort=`` is ignored, not
        adopted); else a valid ``?cohort=``; else None (all responses).
    """
    if server_cohort:
        return server_cohort
    if isinstance(query, str) or query is None:
        query = dict(parse_qsl(query or ""))
    code = (query.get("cohort") or "").strip()
    if not code:
        return None
    if instrument is None:
        from survey.instrument import load_instrument

        instrument = load_instrument()
    return code if instrument.cohort.accepts(code) else None


def settings_from_env(environ: Mapping[str, str] | None = None, **given: object) -> DashboardSettings:
    """Settings from keyword arguments, else the environment (see module docstring).

    Arguments that are None fall back to the environment, then the defaults.
    The workshop code follows :func:`dashboard_cohort`: a ``cohort`` argument
    or ``NETSOC_COHORT`` wins; ``cohort=`` in ``QUERY_STRING`` counts only
    without them, and only when it is a valid code.
    """
    env = os.environ if environ is None else environ
    values: dict[str, object] = {
        "db": env.get("NETSOC_DB") or None,
        "min_group_size": int(env.get("NETSOC_DASHBOARD_K") or DEFAULT_K),
        "group_field": env.get("NETSOC_DASHBOARD_GROUP") or "role",
        "interval": float(env.get("NETSOC_DASHBOARD_INTERVAL") or DEFAULT_INTERVAL),
        "lang": env.get("NETSOC_DASHBOARD_LANG") or None,
        "survey_url": env.get("NETSOC_SURVEY_URL") or None,
    }
    values.update({k: v for k, v in given.items() if v is not None and k != "cohort"})
    server = given.get("cohort") or env.get("NETSOC_COHORT") or None
    values["cohort"] = dashboard_cohort(server, env.get("QUERY_STRING", ""))  # type: ignore[arg-type]
    return DashboardSettings(**values)  # type: ignore[arg-type]

