"""The facilitator's exports as pages: one 1600x900 page per presenter panel, and a handout.

The exports describe a moment ("7 Dec 2026 at 14:32: 23 answers"), never a live room: the
count card of the projector (arrivals per minute, answering now) becomes
:func:`moment_card`; every other card is the projector's own (:mod:`netsoc.dashboard.panels`),
so the exports publish nothing the projector does not (the same published batches, the same
hidden cells).

- :func:`export_cards` - the cards of the exports: the moment, every chart the room can show,
  the revealed comments and the join screen with its code.
- :func:`page_html` - one card as a self-contained 1600x900 page (styles inline, no script).
- :func:`handout_html` - every card, one per printed page, for the PDF handout.
- :func:`render_png`, :func:`render_pdf` - headless Chromium turns them into PNG and PDF
  (``NETSOC_CHROMIUM`` names the browser; else ``chromium`` on the PATH).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from netsoc.dashboard.panels import Panel, comment_pages, join_card, room_panels
from netsoc.resources import asset_text
from netsoc.web import escape as e
from survey.errors import NetsocError

if TYPE_CHECKING:
    from netsoc.dashboard.model import Dashboard

__all__ = [
    "export_cards",
    "moment_line",
    "moment_card",
    "page_html",
    "handout_html",
    "render_png",
    "render_pdf",
    "PAGE_SIZE",
]

#: Width and height of a PNG page in CSS pixels.
PAGE_SIZE = (1600, 900)
#: The pages load nothing and run nothing (typed text is escaped anyway).
_CSP = (
    "<meta http-equiv='Content-Security-Policy' content=\"default-src 'none'; "
    "style-src 'unsafe-inline'; img-src data:\">"
)
#: Seconds a headless Chromium may take for one page.
RENDER_TIMEOUT = 60.0


def moment_line(d: Dashboard, at: datetime, submitted: int) -> str:
    """When the export was made and how many had answered ("fewer than k" below k)."""
    date, time = at.strftime("%Y-%m-%d"), at.strftime("%H:%M")
    if submitted < d.min_group_size:
        return d.t("moment_fewer", date=date, time=time, k=d.min_group_size)
    return d.t("moment", date=date, time=time, n=d.t.num(submitted, 0))


def moment_card(d: Dashboard, at: datetime, submitted: int, n_shown: int) -> Panel:
    """The exports' first card: the moment and the count, and which answers the charts show."""
    batch = (
        f"<p class='note'>{e(d.t('shown_batch', m=n_shown, k=d.min_group_size))}</p>"
        if n_shown and n_shown != submitted
        else ""
    )
    body = f"<p class='moment'>{e(moment_line(d, at, submitted))}</p>{batch}"
    return Panel("moment", d.t("moment_heading"), body)


def export_cards(d: Dashboard, at: datetime) -> list[Panel]:
    """The cards of every export: the moment, the charts, the revealed comments, the join screen
    (without the projector's warnings, which are for the facilitator)."""
    from netsoc.dashboard.view import join_address, qr_code

    activity, state = d.activity(), d.state()
    submitted = int(activity["submitted"])
    join = join_card(
        d.t,
        url=d.settings.survey_url,
        qr=qr_code(d),
        short=join_address(d),
        code=d.settings.join_code,
        submitted=submitted,
        min_group_size=d.min_group_size,
        warning=None,  # the projector's warnings are for the facilitator, not for the handout
        is_open=bool(activity.get("collection_open", True)),
    )
    cards = [moment_card(d, at, submitted, state.n_shown)]
    if state.n_shown >= d.min_group_size:
        low, high = d.response_range
        cards += room_panels(
            state, d.t, min_group_size=d.min_group_size, low=low, high=high, cohort=d.settings.cohort
        )
        cards += comment_pages(d.released_comments(), d.t)
    return cards + [join]


def _styles() -> str:
    return asset_text("dashboard", "dashboard.css") + asset_text("dashboard", "pages.css")


def _sheet(card: Panel, head: str, foot: str) -> str:
    return (
        f"<div class='sheet'><header class='sheet-head'>{e(head)}</header>"
        f"{card.html()}<footer class='sheet-foot'>{e(foot)}</footer></div>"
    )


def page_html(d: Dashboard, card: Panel, *, head: str, page: int, pages: int) -> str:
    """One card as a 1600x900 page: the room and the moment above, the page number below."""
    foot = d.t("export_page", i=page, n=pages)
    return (
        f"<!DOCTYPE html><html lang='{e(d.language)}'><head><meta charset='utf-8'>{_CSP}"
        f"<title>{e(card.title)}</title><style>{_styles()}</style></head>"
        f"<body class='pages'>{_sheet(card, head, foot)}</body></html>"
    )


def handout_html(d: Dashboard, cards: list[Panel], *, head: str) -> str:
    """Every card on its own printed page (1600x900 CSS pixels, landscape), for the PDF."""
    n = len(cards)
    sheets = "".join(_sheet(c, head, d.t("export_page", i=i, n=n)) for i, c in enumerate(cards, start=1))
    return (
        f"<!DOCTYPE html><html lang='{e(d.language)}'><head><meta charset='utf-8'>{_CSP}"
        f"<title>{e(head)}</title><style>{_styles()}</style></head>"
        f"<body class='pages handout'>{sheets}</body></html>"
    )


def chromium() -> str:
    """The headless browser that draws the pages: ``NETSOC_CHROMIUM``, else ``chromium`` (or
    ``chromium-browser``, ``google-chrome``) on the PATH.

    Raises
    ------
    NetsocError
        No browser found (the message says how to name one).
    """
    given = os.environ.get("NETSOC_CHROMIUM")
    if given:
        return given
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    raise NetsocError(
        "PNG and PDF exports need Chromium: install it (e.g. 'apt install chromium') or set "
        "NETSOC_CHROMIUM to the browser's path"
    )


def _render(html: str, out: str, args: list[str]) -> bytes:
    with tempfile.TemporaryDirectory(prefix="netsoc-export-") as tmp:
        page, target = Path(tmp) / "page.html", Path(tmp) / out
        page.write_text(html, encoding="utf-8")
        browser = chromium()
        sandbox = ["--no-sandbox"] if hasattr(os, "geteuid") and os.geteuid() == 0 else []  # root has none
        command = [
            browser,
            "--headless",
            *sandbox,
            "--disable-gpu",
            "--hide-scrollbars",
            "--no-first-run",
            f"--user-data-dir={tmp}/profile",
            *(a.replace("{out}", str(target)) for a in args),
            page.as_uri(),
        ]
        try:
            subprocess.run(command, capture_output=True, timeout=RENDER_TIMEOUT, check=False)
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise NetsocError(
                f"export: the browser {browser!r} could not draw the page ({type(exc).__name__}); "
                "install chromium or set NETSOC_CHROMIUM to a working browser"
            ) from exc
        if not target.exists():
            raise NetsocError(
                f"export: the browser {browser!r} wrote no page; install chromium or set NETSOC_CHROMIUM"
            )
        return target.read_bytes()


def render_png(html: str) -> bytes:
    """``html`` drawn at :data:`PAGE_SIZE` as PNG bytes by headless Chromium."""
    w, h = PAGE_SIZE
    return _render(html, "page.png", [f"--window-size={w},{h}", "--screenshot=" + "{out}"])


def render_pdf(html: str) -> bytes:
    """``html`` printed to PDF bytes by headless Chromium (pages as its ``@page`` rule says)."""
    return _render(html, "page.pdf", ["--no-pdf-header-footer", "--print-to-pdf=" + "{out}"])
