"""The live dashboard's widgets (Voila): a thin view over :class:`netsoc.dashboard.Dashboard`.

A daemon thread in the kernel checks the store every ``interval`` seconds
(one ``COUNT`` query) and, when the count changed, re-reads the cohort and
replaces the PNGs of the :class:`ipywidgets.Image` panels.  Widget updates
from a kernel thread reach the page over the open comm, so the page never
reloads.
"""

from __future__ import annotations

import base64
import html
import threading
import time

import ipywidgets as widgets

from netsoc.dashboard import PANELS, Dashboard, DashboardSettings, Snapshot, settings_from_env

__all__ = ["DashboardView", "launch"]

CSS = """<style>
.netsoc-dash {font-size: 22px;}
.netsoc-dash .widget-html-content {font-size: 26px; line-height: 1.3;}
.netsoc-dash .netsoc-count {font-size: 80px; line-height: 1.1; font-weight: 700; color: #0072B2;}
.netsoc-dash .widget-image {height: auto; object-fit: contain;}
.netsoc-dash .netsoc-status, .netsoc-dash .netsoc-note {font-size: 20px; color: #333;}
.netsoc-dash .netsoc-comments li {font-size: 24px; margin: .3em 0;}
.netsoc-dash .widget-button, .netsoc-dash .widget-dropdown select,
.netsoc-dash .widget-toggle-button {font-size: 18px; height: auto;}
</style>"""


class DashboardView(widgets.VBox):
    """The dashboard page: count, status, panels, group choice, comments, export."""

    def __init__(self, dashboard: Dashboard) -> None:
        self.dashboard = dashboard
        self.snapshot: Snapshot | None = None
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._pngs: dict[str, bytes] = {}
        self.count = widgets.HTML(layout=widgets.Layout(margin="0"))
        self.status = widgets.HTML()
        self.images = {name: widgets.Image(format="png", layout=widgets.Layout(
            width="48%", min_width="420px", height="auto", object_fit="contain",
            display="none")) for name in PANELS}
        fields = dashboard.instrument.choice_fields
        self.group = widgets.Dropdown(
            options=[("no comparison", None)] + [(f.label, fid) for fid, f in fields.items()],
            value=dashboard.group_field, description="Compare by",
            style={"description_width": "initial"}, layout=widgets.Layout(width="480px"))
        self.group_note = widgets.HTML()
        self.reveal = widgets.ToggleButton(value=False, description="Reveal comments",
                                           icon="eye", tooltip="Show the free-text comments",
                                           layout=widgets.Layout(width="auto"))
        self.comments = widgets.HTML()
        self.png_button = widgets.Button(description="Export PNG", icon="image")
        self.slides_button = widgets.Button(description="Export slides", icon="desktop")
        self.download = widgets.HTML()
        self.group.observe(self._on_group, names="value")
        self.reveal.observe(self._on_reveal, names="value")
        self.png_button.on_click(lambda _b: self.export("png"))
        self.slides_button.on_click(lambda _b: self.export("slides"))
        super().__init__([
            widgets.HTML(CSS), self.count, self.status,
            widgets.HBox([self.group, self.reveal, self.png_button, self.slides_button]),
            self.download,
            widgets.HBox(list(self.images.values()),
                         layout=widgets.Layout(flex_flow="row wrap", align_items="flex-start")),
            self.group_note, self.comments,
        ])
        self.add_class("netsoc-dash")
        for name, img in self.images.items():      # CSS hooks for tests and styling
            img.add_class(f"netsoc-panel-{name}")
        for w, cls in ((self.reveal, "netsoc-reveal"), (self.comments, "netsoc-comments-box"),
                       (self.group_note, "netsoc-group-note"), (self.group, "netsoc-group"),
                       (self.png_button, "netsoc-export-png"),
                       (self.slides_button, "netsoc-export-slides")):
            w.add_class(cls)
        self.refresh(force=True)

    # ------------------------------------------------------------ updates
    def refresh(self, *, force: bool = False) -> bool:
        """Re-read the store if the count changed (or ``force``); True if redrawn."""
        with self._lock:
            d = self.dashboard
            if not force and self.snapshot is not None and d.count() == self.snapshot.n:
                return False
            snap = d.snapshot()
            self.snapshot = snap
            self._draw(snap)
            return True

    def _draw(self, snap: Snapshot) -> None:
        from analysis.plots import to_png

        d = self.dashboard
        where = f" in {html.escape(d.settings.cohort)}" if d.settings.cohort else ""
        self.count.value = (f"<div class='netsoc-headline'><span class='netsoc-count' "
                            f"id='netsoc-count' data-n='{snap.n}'>{snap.n}</span> "
                            f"responses{where}</div>")
        self.status.value = f"<p class='netsoc-status'>{html.escape(d.status(snap))}</p>"
        figs = d.figures(snap)
        self._pngs = {name: to_png(fig, dpi=80) for name, fig in figs.items()}
        for name, img in self.images.items():
            if name in self._pngs:
                img.value = self._pngs[name]
                img.layout.display = "block"
            else:
                img.layout.display = "none"
        note = d.group_note(snap)
        self.group_note.value = f"<p class='netsoc-note'>{html.escape(note)}</p>" if note else ""
        self.comments.value = d.comments_html(snap)

    def _on_group(self, change: dict) -> None:
        self.dashboard.set_group_field(change["new"])
        self.refresh(force=True)

    def _on_reveal(self, change: dict) -> None:
        self.dashboard.reveal_comments(change["new"])
        self.reveal.description = "Hide comments" if change["new"] else "Reveal comments"
        if self.snapshot is not None:
            self.comments.value = self.dashboard.comments_html(self.snapshot)

    # ------------------------------------------------------------- export
    def export_png(self) -> bytes:
        """The current view (all panels and the count) as one PNG."""
        from analysis.plots import to_png

        snap = self.snapshot or self.dashboard.snapshot()
        return to_png(self.dashboard.view_figure(snap), dpi=100)

    def export_slides(self) -> str:
        """The current view as reveal.js slides (HTML)."""
        snap = self.snapshot or self.dashboard.snapshot()
        return self.dashboard.slides(snap, self._pngs)

    def export(self, kind: str) -> None:
        """Offer the export as a download link (a data: URL, nothing written on the server)."""
        stamp = time.strftime("%Y%m%d-%H%M%S")
        if kind == "png":
            data, mime, name = self.export_png(), "image/png", f"netsoc-dashboard-{stamp}.png"
        else:
            data, mime, name = self.export_slides().encode("utf-8"), "text/html", \
                f"netsoc-slides-{stamp}.html"
        b64 = base64.b64encode(data).decode("ascii")
        self.download.value = (f"<a class='netsoc-download' download='{name}' "
                               f"href='data:{mime};base64,{b64}'>Download {html.escape(name)}</a>")

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
                self.status.value = (f"<p class='netsoc-status'>Refresh failed: "
                                     f"{html.escape(type(exc).__name__)}: {html.escape(str(exc))}</p>")


def launch(*, db: str | None = None, cohort: str | None = None, min_group_size: int | None = None,
           group_field: str | None = None, interval: float | None = None,
           auto_refresh: bool = True) -> DashboardView:
    """Open the store, build the view and start refreshing (the notebook's one call)."""
    settings: DashboardSettings = settings_from_env(
        db=db, cohort=cohort, min_group_size=min_group_size, group_field=group_field,
        interval=interval)
    view = DashboardView(Dashboard.open(settings))
    return view.start() if auto_refresh else view
