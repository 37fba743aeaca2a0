"""The dashboard's exports: PNG pages and a reveal.js slide deck, with every released comment.

Both are built from what the projector shows (the published room, the
released comments, the join QR code), in the dashboard's language; all text is
escaped (slides) or drawn as text (PNG).

- :func:`slides_html` - a self-contained reveal.js deck: one slide per
  presenter card, comments paginated, the join code; reveal.js is embedded,
  nothing is fetched.
- :func:`png_page` - page ``i`` of the PNG export: page 1 the room (count,
  profiles, facets, the QR code), then the comments, paginated.  Each figure
  is cleared after drawing and the freed memory handed back to the system
  (:func:`_give_back`), so an export keeps no memory; the bytes are cached per
  dashboard version (:data:`PNG_CACHE`).
"""

from __future__ import annotations

import io
import textwrap
from collections.abc import Sequence
from typing import TYPE_CHECKING

from netsoc.dashboard.model import SharedCache
from netsoc.dashboard.panels import responses_line
from netsoc.resources import asset_text
from netsoc.web import escape as e

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from netsoc.dashboard.model import Dashboard
    from netsoc.dashboard.panels import Panel

__all__ = ["slides_html", "png_page", "png_comment_pages", "PNG_CACHE", "PNG_LINES"]

#: Lines per PNG page of comments, blank lines between comments included (a 1,000-character
#: comment takes about 10).
PNG_LINES = 20
_WIDTH = 110
#: PNG pages already drawn, keyed by the dashboard's version and page (a few kept).
PNG_CACHE = SharedCache(size=8)


def slides_html(*, title: str, cards: Sequence[Panel], lang: str = "en") -> str:
    """A reveal.js slide deck, one slide per card, self-contained and offline.

    reveal.js 5.1.0 (shipped with netsoc, :func:`netsoc.resources.asset_text`)
    is embedded, so the file opens offline: nothing is fetched from a CDN.
    """
    sections = [f"<section><h1>{e(title)}</h1></section>"]
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
<script>if (window.Reveal) {{ Reveal.initialize({{hash: true}}); }}</script>
</body></html>
"""


def _wrap(comment: str) -> str:
    return "\u2022 " + textwrap.fill(comment, _WIDTH, subsequent_indent="  ")


def png_comment_pages(comments: Sequence[str]) -> list[list[str]]:
    """The comments split into PNG pages of at most :data:`PNG_LINES` wrapped lines (each page
    holds at least one comment; every comment is on a page)."""
    pages: list[list[str]] = []
    used = PNG_LINES + 1
    for c in comments:
        lines = _wrap(c).count("\n") + 2  # its lines and a blank one
        if used + lines > PNG_LINES:
            pages.append([])
            used = 0
        pages[-1].append(c)
        used += lines
    return pages


def png_page(d: Dashboard, page: int, *, key: tuple) -> bytes:
    """Page ``page`` (1-based) of the PNG export, from the cache when ``key`` was drawn before.

    Raises
    ------
    IndexError
        No such page.
    """
    pages = png_comment_pages(d.released_comments())
    if not 1 <= page <= 1 + len(pages):
        raise IndexError(page)
    return PNG_CACHE.get((key, page), lambda: _draw(d, page, pages))


def _draw(d: Dashboard, page: int, pages: list[list[str]]) -> bytes:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(16, 9), dpi=100)
    FigureCanvasAgg(fig)
    try:
        if page == 1:
            _room_page(d, fig)
        else:
            _comments_page(d, fig, pages[page - 2], page, 1 + len(pages))
        buf = io.BytesIO()
        fig.savefig(buf, format="png", metadata={"Software": None})
        return buf.getvalue()
    finally:
        fig.clear()
        del fig
        _give_back()


def _give_back() -> None:
    """Free the figure's cycles and hand the freed memory back to the system.

    A figure leaves no Python objects behind (tracemalloc: +0.15 MB after 40
    pages), but glibc keeps the freed arenas: the process grew by ~70 MB over
    40 exports until ``malloc_trim`` returned them (then ~10 MB).
    """
    import ctypes
    import ctypes.util
    import gc

    gc.collect()
    name = ctypes.util.find_library("c")
    if name and "libc.so" in name:
        try:
            ctypes.CDLL(name).malloc_trim(0)
        except (OSError, AttributeError):  # not glibc: nothing to trim
            pass


def _room_page(d: Dashboard, fig: Figure) -> None:
    import numpy as np
    from matplotlib.ticker import FuncFormatter, MaxNLocator

    whole = FuncFormatter(lambda x, _pos: d.t.num(x, 0))
    t, state, activity = d.t, d.state(), d.activity()
    cohort = d.settings.cohort
    head = responses_line(t, int(activity["submitted"]), d.min_group_size, cohort)
    fig.suptitle(f"{d.instrument.title} \u2013 {head}", fontsize=26, fontweight="bold")
    grid = fig.add_gridspec(
        1, 3, width_ratios=[1.2, 1.4, 1], left=0.16, right=0.96, wspace=0.55, bottom=0.16, top=0.82
    )
    if state.n_shown >= d.min_group_size:
        ax = fig.add_subplot(grid[0, 0])
        hidden = f" ({t('cell_hidden', k=d.min_group_size)})"
        labels = [
            textwrap.fill(b.label + ("" if b.value is not None else hidden), 16) for b in state.profiles
        ]
        ax.barh(labels, [b.value or 0 for b in state.profiles], color="#005a8c")
        ax.invert_yaxis()
        ax.set_title(t("panel_profiles"), fontsize=18)
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.xaxis.set_major_formatter(whole)
        ax.tick_params(labelsize=14)
        ax = fig.add_subplot(grid[0, 1])
        y = np.arange(len(state.facets))
        net = np.array([np.nan if b.value is None else b.value for b in state.facets], dtype=float)
        soc = np.array([np.nan if b.second is None else b.second for b in state.facets], dtype=float)
        ax.barh(y - 0.2, net, 0.4, color="#005a8c", label=t("gauge_networking"))
        ax.barh(y + 0.2, soc, 0.4, color="#b35900", label=t("gauge_socializing"))
        ax.set_yticks(y, [textwrap.fill(b.label, 18) for b in state.facets])
        ax.set_xlim(*d.response_range)
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.xaxis.set_major_formatter(whole)
        ax.invert_yaxis()
        ax.legend(fontsize=14, loc="upper center", bbox_to_anchor=(0.5, -0.07), ncol=2, frameon=False)
        ax.set_title(t("panel_facets"), fontsize=18)
        ax.tick_params(labelsize=14)
    else:
        fig.text(
            0.3,
            0.5,
            t("join_waiting", k=d.min_group_size),
            fontsize=20,
            ha="center",
            wrap=True,
        )
    if d.settings.survey_url:
        _join_axes(d, fig.add_subplot(grid[0, 2]), d.settings.survey_url)


def _join_axes(d: Dashboard, ax: Axes, url: str) -> None:
    """The QR code with the join code and the short address under it (never the tokenised
    address as text)."""
    import numpy as np
    import segno

    from netsoc.dashboard.panels import grouped_code
    from netsoc.dashboard.view import join_address

    t = d.t
    dark = np.array([list(row) for row in segno.make_qr(url, error="m").matrix], dtype=np.uint8)
    ax.imshow(np.pad(1 - dark, 4, constant_values=1), cmap="gray", interpolation="nearest")
    ax.set_axis_off()
    ax.set_title(textwrap.fill(t("panel_join"), 22), fontsize=18)
    short, code = join_address(d), d.settings.join_code
    if short and code:
        ax.text(0.5, -0.06, short, transform=ax.transAxes, ha="center", va="top", fontsize=18)
        ax.text(
            0.5,
            -0.16,
            grouped_code(code),
            transform=ax.transAxes,
            ha="center",
            va="top",
            fontsize=40,
            fontweight="bold",
            color="#005a8c",
        )


def _comments_page(d: Dashboard, fig: Figure, comments: Sequence[str], page: int, pages: int) -> None:
    t = d.t
    fig.suptitle(t("your_comments"), fontsize=26, fontweight="bold")
    y = 0.86
    for c in comments:
        text = _wrap(c)
        lines = text.count("\n") + 1
        fig.text(0.05, y, text, fontsize=15, va="top")
        y -= 0.036 * (lines + 1)
    fig.text(0.95, 0.03, t("export_page", i=page, n=pages), fontsize=13, ha="right")
