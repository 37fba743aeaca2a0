"""The live workshop dashboard: the model (no widgets, no HTTP).

:class:`Dashboard` reads one cohort from the response store and turns it into
anonymous aggregates and figures.  The views only display what this package
returns, so all privacy rules live here and are tested without a browser:

- Nothing is shown until the room has at least ``min_group_size`` (k)
  responses; the status says how many are still needed.
- A breakdown by a grouping field leaves out every group with fewer than k
  respondents and the answer "prefer not to say", and says so.
- No respondent ids; points in the quadrant carry no labels.
- Free-text comments are returned only after :meth:`Dashboard.reveal_comments`
  was called (the facilitator's explicit action), always HTML-escaped, and sorted
  alphabetically rather than in arrival order, so the newest comment cannot be
  tied to the person who just submitted.

Every fixed word comes from the instrument's ``ui`` texts in the
facilitator's language (``lang``).  The rendering of one cohort is shared by
every viewer with the same settings (:data:`SHARED`): it is redone only when
the responses change, whatever the number of open dashboards.
"""

from __future__ import annotations

import datetime as dt
import html
import threading
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import pandas as pd
from matplotlib.figure import Figure

from netsoc.dashboard import export, panels as _panels
from netsoc.dashboard.panels import Panel
from netsoc.dashboard.settings import DashboardSettings
from survey.errors import NetsocError

__all__ = ["Snapshot", "Rendered", "Dashboard", "SHARED"]


@dataclass
class Snapshot:
    """The room at one moment: anonymous scores and (maybe) comments.

    Attributes
    ----------
    n : int
        Responses counted.
    scores : DataFrame
        ``networking``, ``socializing``, ``balance``, ``engagement``,
        ``profile`` and the choice fields; no ids, rows in random order.
    comments : list of str
        Non-empty comments, raw (escape before display).
    taken_at : datetime (UTC)
    """

    n: int
    scores: pd.DataFrame
    comments: list[str] = field(default_factory=list)
    taken_at: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.timezone.utc))



@dataclass(frozen=True)
class Rendered:
    """Everything viewers of one cohort share at one count (see :data:`SHARED`)."""

    snapshot: Snapshot
    panels: dict[str, Panel]
    headline: str
    status: str
    group_note: str


class _Shared:
    """Renderings shared by every viewer: one computation per key, the newest few kept."""

    def __init__(self, size: int = 32) -> None:
        self.size = size
        self._items: OrderedDict[tuple, Rendered] = OrderedDict()
        self._locks: dict[tuple, threading.Lock] = {}
        self._lock = threading.Lock()
        self.builds = 0

    def get(self, key: tuple, build: Callable[[], Rendered]) -> Rendered:
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key]
            lock = self._locks.setdefault(key, threading.Lock())
        with lock:  # viewers asking for the same key wait for one build
            with self._lock:
                if key in self._items:
                    return self._items[key]
            value = build()
            with self._lock:
                self.builds += 1
                self._items[key] = value
                while len(self._items) > self.size:
                    old, _ = self._items.popitem(last=False)
                    self._locks.pop(old, None)
        return value

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self._locks.clear()


#: The process-wide cache of renderings (issue 11: the cost of a refresh does
#: not grow with the number of viewers).  Keyed by store, cohort, k, comparison
#: field, language, survey address and the responses' :meth:`Dashboard.version`.
SHARED = _Shared()


#: Stores opened by :meth:`Dashboard.open`, shared by every viewer of the process
#: (the store is thread-safe), so a new viewer does not open the database again.
_STORES: dict[str | None, object] = {}
_STORES_LOCK = threading.Lock()


class Dashboard:
    """Aggregates of one cohort for the live dashboard.

    Parameters
    ----------
    store : ResponseStore
        An open store (:func:`survey.open_store`).
    settings : DashboardSettings
    """

    def __init__(self, store, settings: DashboardSettings) -> None:  # noqa: ANN001
        self.store = store
        self.settings = settings
        base = store.instrument
        #: the instrument in the facilitator's language (same ids and codes)
        self.instrument = base.localized(settings.lang) if settings.lang else base
        self.language = self.instrument.language
        self.comments_revealed = False
        fields = self.instrument.choice_fields
        if settings.group_field is not None and settings.group_field not in fields:
            raise NetsocError(f"group_field: {settings.group_field!r} is not a choice field "
                              f"(expected one of {', '.join(fields)})")
        self.group_field = settings.group_field

    @classmethod
    def open(cls, settings: DashboardSettings) -> Dashboard:
        """A dashboard on the store named by the settings (one open store per process and URL)."""
        from survey.store import open_store

        with _STORES_LOCK:
            store = _STORES.get(settings.db)
            if store is None:
                store = _STORES[settings.db] = open_store(settings.db)
        return cls(store, settings)

    # ------------------------------------------------------------ reading
    @property
    def k(self) -> int:
        return self.settings.min_group_size

    def t(self, key: str, **values: object) -> str:
        """The ui text ``key`` in the dashboard's language, filled in (plain text)."""
        text = self.instrument.ui[key]
        return text.format(**values) if values else text

    def count(self) -> int:
        """Submitted responses of the cohort (one cheap query)."""
        return self.store.count(self.settings.cohort)

    def snapshot(self) -> Snapshot:
        """Read and score the cohort now."""
        from analysis.scoring import score

        frame = self.store.to_frame(cohort=self.settings.cohort)
        inst = self.instrument
        if len(frame):
            sc = score(frame, inst)[["networking", "socializing", "balance", "engagement", "profile"]]
            sc = sc.join(frame[[f for f in inst.choice_fields if f in frame.columns]])
            sc = sc.sample(frac=1.0, random_state=len(sc)).reset_index(drop=True)
        else:
            sc = pd.DataFrame(columns=["networking", "socializing", "balance", "engagement",
                                       "profile", *inst.choice_fields])
        comments: list[str] = []
        if inst.comment is not None and inst.comment.id in frame.columns:
            c = frame[inst.comment.id].dropna().astype(str).str.strip()
            comments = sorted(c[c != ""].tolist())
        return Snapshot(n=len(frame), scores=sc, comments=comments)

    def version(self) -> tuple[int, str | None]:
        """Count and time of the latest change of the cohort's submitted responses."""
        return self.store.version(self.settings.cohort)

    def current(self, version: tuple[int, str | None] | None = None) -> Rendered:
        """The rendering of the store's current responses, shared with every viewer (:data:`SHARED`).

        Parameters
        ----------
        version : tuple, optional
            :meth:`version`, when the caller has just read it.
        """
        v = self.version() if version is None else version
        s = self.settings
        key = (self.store.url, s.cohort, s.min_group_size, self.group_field, self.language,
               s.survey_url, v)
        return SHARED.get(key, lambda: self.render(self.snapshot()))

    def reveal_comments(self, reveal: bool = True) -> None:
        """The facilitator's explicit decision to show (or hide again) the comments."""
        self.comments_revealed = bool(reveal)

    def set_group_field(self, name: str | None) -> None:
        """Choose the comparison field (a choice field or None)."""
        if name is not None and name not in self.instrument.choice_fields:
            raise NetsocError(f"group_field: {name!r} is not a choice field")
        self.group_field = name

    # ------------------------------------------------------------- texts
    def status(self, snap: Snapshot) -> str:
        """One line for the facilitator (plain text)."""
        if snap.n < self.k:
            return self.t("dashboard_waiting", k=self.k, need=self.k - snap.n)
        return self.t("dashboard_updated", time=snap.taken_at.astimezone().strftime("%H:%M:%S"))

    def headline(self, snap: Snapshot) -> str:
        """The count as HTML (``#netsoc-count`` with ``data-n``), and the wait below k."""
        count = (f"<span class='netsoc-count' id='netsoc-count' data-n='{snap.n}'>"
                 f"{snap.n}</span>")
        cohort = self.settings.cohort
        key = "dashboard_responses_in" if cohort else "dashboard_responses"
        line = html.escape(self.instrument.ui[key]).format(
            n=count, cohort=html.escape(cohort or ""))
        wait = (f"<p class='netsoc-wait'>{html.escape(self.status(snap))}</p>"
                if snap.n < self.k else "")
        return f"<p class='netsoc-headline'>{line}</p>{wait}"

    def comments_html(self, snap: Snapshot) -> str:
        """The comments as escaped HTML, or a note that they are hidden."""
        e = html.escape
        if not self.comments_revealed:
            return (f"<p class='netsoc-note'>{e(self.t('comments_hidden', n=len(snap.comments)))}"
                    "</p>" if snap.comments else "")
        if snap.n < self.k:
            return f"<p class='netsoc-note'>{e(self.t('comments_wait'))}</p>"
        items = "".join(f"<li>{e(c)}</li>" for c in snap.comments)
        heading = f"<h2>{e(self.t('your_comments'))}</h2>"
        return heading + (f"<ul class='netsoc-comments'>{items}</ul>" if items else
                          f"<p class='netsoc-note'>{e(self.t('comments_none'))}</p>")

    def group_note(self, snap: Snapshot) -> str:
        """Which groups of the comparison field are not shown, and why (plain text)."""
        from analysis.plots import large_groups

        if self.group_field is None or snap.n < self.k:
            return ""
        kept, small = large_groups(snap.scores[self.group_field], self.k)
        labels = self.instrument.value_labels(self.group_field)
        small_names = [labels.get(s.split(" (")[0], s) for s in small]
        field_label = self.instrument.choice_fields[self.group_field].label
        if not kept:
            return self.t("groups_none", field=field_label, k=self.k)
        if small_names:
            return self.t("groups_hidden", k=self.k, groups=", ".join(small_names))
        return ""

    # ------------------------------------------------------------ figures

    # ------------------------------------------------------------ figures
    def norms_reference(self) -> tuple[pd.DataFrame, float, float, str] | None:
        """The norm sample's balance percentiles (:func:`netsoc.dashboard.panels.norms_reference`)."""
        return _panels.norms_reference(self)

    def room_over_norms(self, snap: Snapshot) -> pd.DataFrame | None:
        """The room's balance per bin over the norm sample's (k-suppressed), or None."""
        return _panels.room_over_norms(self, snap)

    def figures(self, snap: Snapshot, *, context: str = "talk") -> dict[str, Figure]:
        """The chart panels; empty while the room has fewer than k responses."""
        return _panels.figures(self, snap, context=context)

    def panels(self, snap: Snapshot) -> dict[str, Panel]:
        """Each figure as inline SVG with its summary sentence and its numbers."""
        return _panels.panels(self, snap)

    def join_html(self) -> str:
        """The join panel: QR code and short address of the survey ('' without ``survey_url``)."""
        return _panels.join_html(self)

    def render(self, snap: Snapshot) -> Rendered:
        """Panels and texts of ``snap`` (what every viewer of this cohort shares)."""
        return Rendered(snapshot=snap, panels=self.panels(snap), headline=self.headline(snap),
                        status=self.status(snap), group_note=self.group_note(snap))


    def view_figure(self, snap: Snapshot) -> Figure:
        """All panels in one figure with the response count (the PNG export)."""
        return export.view_figure(self, snap)

    def slides(self, snap: Snapshot, panels: Mapping[str, Panel] | None = None) -> str:
        """reveal.js slides of the current view (:func:`netsoc.dashboard.export.slides_html`)."""
        return export.slides(self, snap, panels)
