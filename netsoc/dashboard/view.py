"""The notebook dashboard's widgets: a thin view over :class:`netsoc.dashboard.model.Dashboard`.

A daemon thread checks the store every ``interval`` seconds (one query for
the count and the latest change) and, when either changed, takes the cohort's rendering from the
process-wide cache (:data:`netsoc.dashboard.model.SHARED`, one computation however
many viewers) and puts it into HTML widgets: every chart is inline SVG text
with its summary and numbers, so no refresh sends binary buffers.  Widget
updates from a thread reach the page over the open comm; the page never
reloads.

Accessibility: one ``h1``; a heading per panel; each chart an
``<svg role="img">`` named by its visible summary sentence, with its numbers
in a table; the count in a polite live region (:class:`LiveHTML`, a node that
stays in the page so screen readers announce its changes); native, labelled
controls.
"""

from __future__ import annotations

import base64
import html
import threading
import time

import anywidget
import ipywidgets as widgets
import traitlets as t

from netsoc.dashboard.model import Dashboard, Rendered
from netsoc.dashboard.settings import PANELS, DashboardSettings, settings_from_env
from netsoc.keep_listening import KEEP_LISTENING_JS
from netsoc.resources import asset_text

__all__ = ["DashboardView", "LiveHTML", "launch"]

CSS = "<style>" + asset_text("dashboard", "widget.css") + "</style>"

_LIVE_ESM = KEEP_LISTENING_JS + asset_text("dashboard", "live.js")


class LiveHTML(anywidget.AnyWidget):
    """Server-built, escaped HTML inside one lasting ``role="status"`` ``aria-live="polite"``
    node, so assistive technology announces each change; it also sets the
    dashboard's ``lang``."""

    _esm = _LIVE_ESM
    html = t.Unicode("").tag(sync=True)
    lang = t.Unicode("").tag(sync=True)


class DashboardView(widgets.VBox):
    """The dashboard page: heading, count, join code, controls, panels, comments, export."""

    def __init__(self, dashboard: Dashboard) -> None:
        self.dashboard = dashboard
        self.rendered: Rendered | None = None
        self._version: tuple[int, str | None] | None = None
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        d, e = dashboard, html.escape
        inst = d.instrument
        self.heading = widgets.HTML(
            f"<h1>{e(d.t('dashboard_heading', title=inst.title))}</h1>")
        self.count = LiveHTML(lang=d.language)
        self.status = widgets.HTML()
        self.join = widgets.HTML(d.join_html())
        self.panels = {name: widgets.HTML(layout=widgets.Layout(display="none")) for name in PANELS}
        fields = inst.choice_fields
        self.group = widgets.Dropdown(
            options=[(d.t("no_comparison"), None)] + [(f.label, fid) for fid, f in fields.items()],
            value=d.group_field, description=d.t("compare_by"),
            style={"description_width": "initial"}, layout=widgets.Layout(width="auto"))
        self.group_note = widgets.HTML()
        self.reveal = widgets.ToggleButton(value=False, description=d.t("reveal_comments"),
                                           tooltip=d.t("reveal_tooltip"),
                                           layout=widgets.Layout(width="auto"))
        self.comments = widgets.HTML()
        self.png_button = widgets.Button(description=d.t("export_png"),
                                         layout=widgets.Layout(width="auto"))
        self.slides_button = widgets.Button(description=d.t("export_slides"),
                                            layout=widgets.Layout(width="auto"))
        self.download = widgets.HTML()
        self.group.observe(self._on_group, names="value")
        self.reveal.observe(self._on_reveal, names="value")
        self.png_button.on_click(lambda _b: self.export("png"))
        self.slides_button.on_click(lambda _b: self.export("slides"))
        wrap = widgets.Layout(flex_flow="row wrap", align_items="flex-start")
        super().__init__([
            widgets.HTML(CSS), self.heading,
            widgets.HBox([widgets.VBox([self.count, self.status]), self.join], layout=wrap),
            widgets.HBox([self.group, self.reveal, self.png_button, self.slides_button],
                         layout=wrap),
            self.download,
            widgets.HBox(list(self.panels.values()), layout=wrap),
            self.group_note, self.comments,
        ])
        self.add_class("netsoc-dash")
        for name, panel in self.panels.items():      # CSS hooks for tests and styling
            panel.add_class(f"netsoc-panel-{name}")
            panel.add_class("netsoc-panel-box")
        for w, cls in ((self.reveal, "netsoc-reveal"), (self.comments, "netsoc-comments-box"),
                       (self.group_note, "netsoc-group-note"), (self.group, "netsoc-group"),
                       (self.png_button, "netsoc-export-png"), (self.join, "netsoc-join-box"),
                       (self.slides_button, "netsoc-export-slides"), (self.count, "netsoc-live-box")):
            w.add_class(cls)
        self.refresh(force=True)

    @property
    def snapshot(self):  # noqa: ANN201
        """The snapshot on screen (None before the first draw)."""
        return None if self.rendered is None else self.rendered.snapshot

    # ------------------------------------------------------------ updates
    def refresh(self, *, force: bool = False) -> bool:
        """Redraw if the responses changed (or ``force``); True if redrawn."""
        with self._lock:
            d = self.dashboard
            v = d.version()
            if not force and self.rendered is not None and v == self._version:
                return False
            self.rendered, self._version = d.current(v), v
            self._draw(self.rendered)
            return True

    def _draw(self, r: Rendered) -> None:
        self.count.html = r.headline
        self.status.value = f"<p class='netsoc-status'>{html.escape(r.status)}</p>"
        for name, box in self.panels.items():
            panel = r.panels.get(name)
            box.value = panel.html() if panel is not None else ""
            box.layout.display = "block" if panel is not None else "none"
        self.group_note.value = (f"<p class='netsoc-note'>{html.escape(r.group_note)}</p>"
                                 if r.group_note else "")
        self.comments.value = self.dashboard.comments_html(r.snapshot)

    def _on_group(self, change: dict) -> None:
        self.dashboard.set_group_field(change["new"])
        self.refresh(force=True)

    def _on_reveal(self, change: dict) -> None:
        d = self.dashboard
        d.reveal_comments(change["new"])
        self.reveal.description = d.t("hide_comments" if change["new"] else "reveal_comments")
        if self.rendered is not None:
            self.comments.value = d.comments_html(self.rendered.snapshot)

    # ------------------------------------------------------------- export
    def export_png(self) -> bytes:
        """The current view (all panels and the count) as one PNG."""
        from analysis.plots import to_png

        snap = self.snapshot or self.dashboard.snapshot()
        return to_png(self.dashboard.view_figure(snap), dpi=100)

    def export_slides(self) -> str:
        """The current view as reveal.js slides (HTML, charts as inline SVG)."""
        r = self.rendered or self.dashboard.current()
        return self.dashboard.slides(r.snapshot, r.panels)

    def export(self, kind: str) -> None:
        """Offer the export as a download link (a data: URL, nothing written on the server)."""
        stamp = time.strftime("%Y%m%d-%H%M%S")
        if kind == "png":
            data, mime, name = self.export_png(), "image/png", f"netsoc-dashboard-{stamp}.png"
        else:
            data, mime, name = self.export_slides().encode("utf-8"), "text/html", \
                f"netsoc-slides-{stamp}.html"
        b64 = base64.b64encode(data).decode("ascii")
        label = html.escape(self.dashboard.t("download", name=name))
        self.download.value = (f"<a class='netsoc-download' download='{name}' "
                               f"href='data:{mime};base64,{b64}'>{label}</a>")

    # ------------------------------------------------------------- thread
    def start(self) -> DashboardView:
        """Refresh every ``settings.interval`` seconds in a daemon thread."""
        if self._thread is None or not self._thread.is_alive():
            self._stop.clear()
            self._thread = threading.Thread(target=self._loop, name="netsoc-dashboard", daemon=True)
            self._thread.start()
        return self

    def stop(self) -> None:
        """Stop the refresh thread."""
        self._stop.set()

    def _loop(self) -> None:
        while not self._stop.wait(self.dashboard.settings.interval):
            try:
                self.refresh()
            except Exception as exc:  # keep the room's view alive; say what failed
                error = f"{type(exc).__name__}: {exc}"
                self.status.value = (f"<p class='netsoc-status'>"
                                     f"{html.escape(self.dashboard.t('refresh_failed', error=error))}"
                                     "</p>")


def launch(*, db: str | None = None, cohort: str | None = None, min_group_size: int | None = None,
           group_field: str | None = None, interval: float | None = None,
           lang: str | None = None, survey_url: str | None = None,
           auto_refresh: bool = True) -> DashboardView:
    """Open the store, build the view and start refreshing (the notebook's one call)."""
    settings: DashboardSettings = settings_from_env(
        db=db, cohort=cohort, min_group_size=min_group_size, group_field=group_field,
        interval=interval, lang=lang, survey_url=survey_url)
    view = DashboardView(Dashboard.open(settings))
    return view.start() if auto_refresh else view
