"""The dashboard's exports: PNG pages, a PDF handout, reveal.js slides and an Excel workbook.

Every export is built from :func:`netsoc.dashboard.pages.export_cards` (the projector's own
cards, the moment instead of the live count, the revealed comments, the join code), in the
dashboard's language, so an export publishes nothing the projector does not.

- :func:`png_page` - page ``i``: one card drawn at 1600x900 by headless Chromium, cached per
  dashboard version (:data:`PNG_CACHE`).
- :func:`pdf_handout` - every card, one per page, with the moment on each.
- :func:`slides_html` - a self-contained reveal.js deck at 1280x720, one slide per card;
  reveal.js is embedded, nothing is fetched.
- :func:`workbook` - the published aggregates only, one sheet per panel (hidden counts
  left empty and marked).
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING

import pandas as pd

from netsoc.dashboard.model import SharedCache
from netsoc.dashboard.pages import export_cards, handout_html, moment_line, page_html, render_pdf, render_png
from netsoc.resources import asset_text
from netsoc.web import escape as e

if TYPE_CHECKING:
    from netsoc.dashboard.model import Dashboard
    from netsoc.dashboard.panels import Panel

__all__ = ["slides_html", "png_page", "pdf_handout", "workbook", "export_title", "PNG_CACHE"]

#: reveal.js's settings: slides of 1280x720 CSS pixels, scaled to the window.
_REVEAL = "{hash: true, width: 1280, height: 720, margin: 0, minScale: 0.2, maxScale: 2, transition: 'none'}"
#: PNG pages already drawn, keyed by the dashboard's version and page (a few kept).
PNG_CACHE = SharedCache(size=16)


def export_title(d: Dashboard, at: datetime) -> str:
    """The line above every exported page: the questionnaire, the workshop and the moment."""
    activity = d.activity()
    cohort = f" \u2013 {d.settings.cohort}" if d.settings.cohort else ""
    return f"{d.instrument.title}{cohort} \u2013 {moment_line(d, at, int(activity['submitted']))}"


def slides_html(*, title: str, cards: Sequence[Panel], lang: str = "en", subtitle: str = "") -> str:
    """A reveal.js slide deck at 1280x720, one slide per card, self-contained and offline.

    reveal.js 5.1.0 (shipped with netsoc, :func:`netsoc.resources.asset_text`)
    is embedded, so the file opens offline: nothing is fetched from a CDN.
    """
    sub = f"<p class='moment'>{e(subtitle)}</p>" if subtitle else ""
    sections = [f"<section class='title-slide'><h1>{e(title)}</h1>{sub}</section>"]
    sections += [f"<section>{card.html()}</section>" for card in cards]
    body = "\n".join(sections)
    return f"""<!DOCTYPE html>
<html lang="{e(lang)}"><head><meta charset="utf-8"><title>{e(title)}</title>
<style>{asset_text("reveal", "reveal.css")}</style>
<style>{asset_text("reveal", "white.css")}</style>
<style>{asset_text("dashboard", "dashboard.css")}</style>
<style>{asset_text("dashboard", "slides.css")}</style></head>
<body class="slides-export"><div class="reveal"><div class="slides">
{body}
</div></div>
<script>{asset_text("reveal", "reveal.js")}</script>
<script>if (window.Reveal) {{ Reveal.initialize({_REVEAL}); }}</script>
</body></html>
"""


def png_page(d: Dashboard, page: int, *, key: tuple, at: datetime) -> bytes:
    """Page ``page`` (1-based) of the PNG export, from the cache when ``key`` was drawn before.

    Raises
    ------
    IndexError
        No such page.
    """

    def draw() -> bytes:
        cards = export_cards(d, at)
        if not 1 <= page <= len(cards):
            raise IndexError(page)
        html = page_html(d, cards[page - 1], head=export_title(d, at), page=page, pages=len(cards))
        return render_png(html)

    return PNG_CACHE.get((key, page), draw)


def pdf_handout(d: Dashboard, *, at: datetime) -> bytes:
    """The handout as PDF: every export card on its own 1600x900 page."""
    return render_pdf(handout_html(d, export_cards(d, at), head=export_title(d, at)))


def _sheets(d: Dashboard) -> dict[str, pd.DataFrame]:
    """The published aggregates, one frame per panel (hidden counts NA)."""
    t, s = d.t, d.state()
    if s.n_shown < d.min_group_size:
        return {}
    people = t("table_people")
    out: dict[str, pd.DataFrame] = {
        t("panel_profiles"): pd.DataFrame(
            {t("table_profile"): [b.label for b in s.profiles], people: [b.value for b in s.profiles]}
        ),
        t("panel_facets"): pd.DataFrame(
            {
                t("column_facet"): [b.label for b in s.facets],
                t("gauge_networking"): [b.value for b in s.facets],
                t("gauge_socializing"): [b.second for b in s.facets],
            }
        ),
    }
    if s.statement:
        out[t("panel_statement")] = pd.DataFrame(
            {t("table_value"): [b.label for b in s.statement], people: [b.value for b in s.statement]}
        )
    if s.balance is not None:
        out[t("panel_balance")] = s.balance.rename(columns={"count": people})[["low", "high", people]]
    if s.quadrant is not None:
        edges = s.grid_edges
        grid = s.quadrant.assign(
            socializing=[f"{edges[c]:g}-{edges[c + 1]:g}" for c in s.quadrant["col"]],
            networking=[f"{edges[r]:g}-{edges[r + 1]:g}" for r in s.quadrant["row"]],
        )
        out[t("panel_quadrant")] = grid.rename(
            columns={
                "socializing": t("gauge_socializing"),
                "networking": t("gauge_networking"),
                "count": people,
            }
        )[[t("gauge_socializing"), t("gauge_networking"), people]]
    if s.groups:
        out[t("panel_groups")] = pd.DataFrame(
            {
                t("table_group"): [b.label for b in s.groups],
                t("table_mean_balance"): [b.value for b in s.groups],
            }
        )
    if s.norms is not None:
        out[t("panel_norms")] = s.norms[["bin_low", "bin_high", "room_share", "norm_share"]].rename(
            columns={"room_share": t("norms_room"), "norm_share": t("norms_reference")}
        )
    return out


def workbook(d: Dashboard, *, at: datetime) -> bytes:
    """The published aggregates as an Excel workbook: a first sheet with the moment, the count
    and the rule for hidden counts, then one sheet per panel (nothing per person)."""
    t = d.t
    about = pd.DataFrame(
        {
            "": [
                export_title(d, at),
                t("hidden_note", k=d.min_group_size),
                t("shown_batch", m=d.state().n_shown, k=d.min_group_size),
            ]
        }
    )
    buf = io.BytesIO()
    with pd.ExcelWriter(buf, engine="openpyxl") as writer:
        about.to_excel(writer, sheet_name=_sheet_name(t("export_about"), set()), index=False, header=False)
        used: set[str] = set()
        for name, frame in _sheets(d).items():
            frame.to_excel(writer, sheet_name=_sheet_name(name, used), index=False)
    return buf.getvalue()


def _sheet_name(name: str, used: set[str]) -> str:
    """An Excel sheet name: at most 31 characters, none of ``[]:*?/\\``, unique."""
    clean = "".join(" " if c in "[]:*?/\\" else c for c in name)[:31].strip() or "-"
    base, i = clean, 2
    while clean in used:
        clean = f"{base[:28]} {i}"
        i += 1
    used.add(clean)
    return clean
