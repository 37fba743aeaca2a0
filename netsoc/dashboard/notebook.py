"""The dashboard from a notebook: serve it on this computer and show its links.

``launch(...)`` (the one call of ``notebooks/03_workshop_dashboard.ipynb``)
starts the same Starlette app as ``netsoc dashboard`` in a background thread
on 127.0.0.1 and returns an object that a notebook shows as the room's count
and the links to the presenter view and the controls (each with the
dashboard's own token).
"""

from __future__ import annotations

import secrets
import socket
import threading
import time
from dataclasses import dataclass, replace

from netsoc.dashboard.model import Dashboard
from netsoc.dashboard.settings import DashboardSettings, settings_from_env
from netsoc.web import escape as e

__all__ = ["launch", "NotebookDashboard"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class NotebookDashboard:
    """A dashboard served from this kernel (``url`` is None when not served)."""

    dashboard: Dashboard
    url: str | None = None
    server: object | None = None
    #: the default store was created by this launch (it is empty: say so, and how to choose another)
    new_default_store: bool = False

    def stop(self) -> None:
        """Stop the background server."""
        if self.server is not None:
            self.server.should_exit = True  # type: ignore[attr-defined]

    def store_lines(self) -> list[str]:
        """Which store the dashboard reads, and a warning when it is a default one just created."""
        from netsoc.startup import store_label

        d = self.dashboard
        lines = [d.t("notebook_store", store=store_label(str(d.settings.db)))]
        return lines + ([d.t("notebook_store_new")] if self.new_default_store else [])

    def __repr__(self) -> str:  # a front end without HTML (a console, a text log)
        return "\n".join([*self.store_lines(), *([self.url] if self.url else [])])

    def _repr_html_(self) -> str:
        d = self.dashboard
        n = d.activity()["submitted"]
        cohort = d.settings.cohort
        line = (
            d.t("dashboard_responses_in", n=n, cohort=cohort) if cohort else d.t("dashboard_responses", n=n)
        )
        parts = [
            f"<h2>{e(d.t('dashboard_heading', title=d.instrument.title))}</h2>",
            f"<p class='netsoc-count' data-n='{n}'>{e(line)}</p>",
        ]
        parts += [f"<p class='netsoc-store'>{e(s)}</p>" for s in self.store_lines()]
        if self.url:
            token = d.settings.token
            parts.append(
                f"<ul><li><a href='{e(self.url)}?token={e(token)}' target='_blank' "
                f"rel='noopener'>{e(d.t('presenter_label'))}</a></li>"
                f"<li><a href='{e(self.url)}control?token={e(token)}' target='_blank' "
                f"rel='noopener'>{e(d.t('control_heading'))}</a></li></ul>"
            )
        return "".join(parts)


def launch(
    *,
    db: str | None = None,
    cohort: str | None = None,
    min_group_size: int | None = None,
    group_field: str | None = None,
    interval: float | None = None,
    lang: str | None = None,
    survey_url: str | None = None,
    serve: bool = True,
    port: int | None = None,
) -> NotebookDashboard:
    """Open the store, build the dashboard and (``serve``) start it on 127.0.0.1.

    Returns
    -------
    NotebookDashboard
        Shows the count and the links in a notebook; ``.stop()`` ends the server.
    """
    port = port or _free_port()
    settings: DashboardSettings = settings_from_env(
        db=db,
        cohort=cohort,
        min_group_size=min_group_size,
        group_field=group_field,
        interval=interval,
        lang=lang,
        survey_url=survey_url,
        token=secrets.token_urlsafe(16),
        port=port,
    )
    from netsoc.startup import check_store, sqlite_path
    from survey.config import resolve_db_url

    default = sqlite_path(resolve_db_url(None)) if settings.db is None else None
    new_default = default is not None and not default.exists()
    settings = replace(settings, db=check_store(settings.db))  # a clear refusal, before anything
    dashboard = Dashboard.open(settings)
    if not serve:
        return NotebookDashboard(dashboard, new_default_store=new_default)
    from netsoc.dashboard.app import dashboard_server

    server = dashboard_server(settings, host="127.0.0.1", port=port, dashboard=dashboard)
    threading.Thread(target=server.run, name="netsoc-dashboard", daemon=True).start()
    deadline = time.monotonic() + 30
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    return NotebookDashboard(dashboard, f"http://127.0.0.1:{port}/", server, new_default)
