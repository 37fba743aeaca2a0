"""The live, anonymous workshop dashboard.

- :mod:`netsoc.dashboard.settings` - what one dashboard shows (:class:`DashboardSettings`).
- :mod:`netsoc.dashboard.model` - :class:`Dashboard`: the cohort's anonymous aggregates.
- :mod:`netsoc.dashboard.panels` - each chart as inline SVG with its summary and numbers.
- :mod:`netsoc.dashboard.export` - the PNG of the view and the reveal.js slides.
- :mod:`netsoc.dashboard.view` - the notebook's widgets (:func:`netsoc.dashboard.view.launch`).
"""

from __future__ import annotations

from netsoc.dashboard.export import slides_html
from netsoc.dashboard.model import SHARED, Dashboard, Rendered, Snapshot
from netsoc.dashboard.panels import Panel, figure_svg
from netsoc.dashboard.settings import (
    DEFAULT_INTERVAL,
    DEFAULT_K,
    PANELS,
    DashboardSettings,
    dashboard_cohort,
    settings_from_env,
)

__all__ = ["DashboardSettings", "Snapshot", "Panel", "Rendered", "Dashboard", "settings_from_env",
           "dashboard_cohort", "slides_html", "figure_svg", "SHARED", "DEFAULT_K",
           "DEFAULT_INTERVAL", "PANELS"]
