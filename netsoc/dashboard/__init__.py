"""The live, anonymous workshop dashboard (a small Starlette app).

- :mod:`netsoc.dashboard.settings` - what one dashboard shows (:class:`DashboardSettings`).
- :mod:`netsoc.dashboard.release` - the privacy rules: batches of k, binned counts, rounded means.
- :mod:`netsoc.dashboard.room` - the published room's numbers (:class:`RoomState`).
- :mod:`netsoc.dashboard.model` - :class:`Dashboard`: reading, choices, comment moderation.
- :mod:`netsoc.dashboard.panels` - the presenter's panels (one card on screen each) as HTML.
- :mod:`netsoc.dashboard.view` - the presenter page and the facilitator's controls.
- :mod:`netsoc.dashboard.export` - PNG pages and reveal.js slides.
- :mod:`netsoc.dashboard.join` - whether the join address can work.
- :mod:`netsoc.dashboard.app` - :func:`dashboard_app` (ASGI) and :func:`serve_dashboard`.
"""

from __future__ import annotations

from netsoc.dashboard.app import controls_url, dashboard_app, serve_dashboard
from netsoc.dashboard.model import SHARED, Dashboard
from netsoc.dashboard.settings import DashboardSettings, settings_from_env

__all__ = [
    "DashboardSettings",
    "Dashboard",
    "SHARED",
    "settings_from_env",
    "dashboard_app",
    "controls_url",
    "serve_dashboard",
]
