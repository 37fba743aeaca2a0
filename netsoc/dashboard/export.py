"""The dashboard's exports: one PNG of every panel, and a reveal.js slide deck.

Both are built from the same snapshot the page shows; all text is escaped.
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from typing import TYPE_CHECKING

from matplotlib.figure import Figure

from netsoc.resources import asset_text

if TYPE_CHECKING:
    from netsoc.dashboard.model import Dashboard, Snapshot
    from netsoc.dashboard.panels import Panel

__all__ = ["view_figure", "slides", "slides_html"]


def view_figure(d: Dashboard, snap: Snapshot) -> Figure:
    """All panels in one figure with the response count (the PNG export)."""
    from analysis import plots
    from analysis.plots._theme import themed

    with themed("talk"):
        fig = Figure(figsize=(18, 14), layout="constrained")
        cohort = d.settings.cohort
        title = (d.t("dashboard_responses_in", n=snap.n, cohort=cohort) if cohort
                 else d.t("dashboard_responses", n=snap.n))
        fig.suptitle(title, fontsize=30, fontweight="bold")
        if snap.n < d.k:
            fig.text(0.5, 0.5, d.status(snap), ha="center", va="center", fontsize=22, wrap=True)
            return fig
        axes = fig.subplots(2, 2)
        s, inst = snap.scores, d.instrument
        plots.balance_distribution(s, group_mean=float(s["balance"].mean()),
                                   group_label=d.t("room_mean"), context="talk",
                                   ax=axes[0, 0])
        plots.quadrant(s, instrument=inst, context="talk", ax=axes[0, 1])
        plots.profile_bars(s, labels={p.id: p.label for p in inst.profiles}, context="talk",
                           ax=axes[1, 0])
        if d.group_field is not None:
            plots.group_points(s, dv="balance", group=d.group_field,
                               labels=inst.value_labels(d.group_field),
                               min_group_size=d.k, reference=0.0, context="talk",
                               ax=axes[1, 1])
        else:
            axes[1, 1].set_axis_off()
        for name, ax in zip(("balance", "quadrant", "profiles", "groups"), axes.flat):
            if ax.axison:
                ax.set_title(d.t(f"panel_{name}"))
    return fig

def slides(d: Dashboard, snap: Snapshot, panels: Mapping[str, Panel] | None = None) -> str:
    """reveal.js slides of the current view (see :func:`slides_html`)."""
    if panels is None:
        panels = d.panels(snap)
    comments = snap.comments if (d.comments_revealed and snap.n >= d.k) else None
    title = d.instrument.title + (f" - {d.settings.cohort}" if d.settings.cohort else "")
    cohort = d.settings.cohort
    count = (d.t("dashboard_responses_in", n=snap.n, cohort=cohort) if cohort
             else d.t("dashboard_responses", n=snap.n))
    return slides_html(title=title, count=count, panels=panels, comments=comments,
                       note=d.group_note(snap), status=d.status(snap),
                       comments_title=d.t("your_comments"), lang=d.language)


def slides_html(*, title: str, count: str, panels: Mapping[str, Panel],
                comments: list[str] | None = None, note: str = "", status: str = "",
                comments_title: str = "Your comments", lang: str = "en") -> str:
    """A reveal.js slide deck with the charts embedded as inline SVG.

    reveal.js 5.1.0 (shipped with netsoc, :func:`netsoc.resources.asset_text`)
    is embedded too, so the file is self-contained and opens offline: nothing
    is fetched from a CDN.  All text is HTML-escaped.
    """
    e = html.escape
    sections = [f"<section><h1>{e(title)}</h1><p class='big'>{e(count)}</p>"
                f"<p>{e(status)}</p></section>"]
    for name, panel in panels.items():
        extra = f"<p class='note'>{e(note)}</p>" if name == "groups" and note else ""
        sections.append(f"<section><h2>{e(panel.title)}</h2>"
                        f"<figure>{panel.svg}<figcaption id='netsoc-summary-{e(name)}'>"
                        f"{e(panel.summary)}</figcaption></figure>{extra}</section>")
    if comments:
        items = "".join(f"<li>{e(c)}</li>" for c in comments)
        sections.append(f"<section><h2>{e(comments_title)}</h2><ul>{items}</ul></section>")
    body = "\n".join(sections)
    return f"""<!DOCTYPE html>
<html lang="{e(lang)}"><head><meta charset="utf-8"><title>{e(title)}</title>
<style>{asset_text("reveal", "reveal.css")}</style>
<style>{asset_text("reveal", "white.css")}</style>
<style>{asset_text("dashboard", "slides.css")}</style></head>
<body><div class="reveal"><div class="slides">
{body}
</div></div>
<script>{asset_text("reveal", "reveal.js")}</script>
<script>if (window.Reveal) {{ Reveal.initialize({{hash: true}}); }}</script>
</body></html>
"""
