"""The live workshop dashboard: the model (no widgets).

:class:`Dashboard` reads one cohort from the response store and turns it into
anonymous aggregates and figures.  The widget view
(:mod:`netsoc.dashboard_view`) only displays what this module returns, so all
privacy rules live here and are tested without a browser:

- Nothing is shown until the room has at least ``min_group_size`` (k)
  responses; the status says how many are still needed.
- A breakdown by a grouping field leaves out every group with fewer than k
  respondents and the answer "prefer not to say", and says so.
- No respondent ids; points in the quadrant carry no labels.
- Free-text comments are returned only after :meth:`reveal_comments` was
  called (the facilitator's explicit action), always HTML-escaped, and sorted
  alphabetically rather than in arrival order, so the newest comment cannot be
  tied to the person who just submitted.

Every fixed word comes from the instrument's ``ui`` texts in the
facilitator's language (``lang``).  Each chart is inline SVG (server-rendered,
sent as text inside HTML, never as binary widget buffers) with a one-sentence
summary and its numbers as an HTML table.  The rendering of one cohort is
shared by every viewer with the same settings (:data:`SHARED`): it is redone
only when the count changes, whatever the number of open dashboards.

Settings come from arguments or the environment: ``NETSOC_DB``,
``NETSOC_COHORT``, ``NETSOC_DASHBOARD_K``, ``NETSOC_DASHBOARD_GROUP``,
``NETSOC_DASHBOARD_INTERVAL``, ``NETSOC_DASHBOARD_LANG``,
``NETSOC_SURVEY_URL``.  A workshop code given by the server (``--cohort``)
always wins: ``?cohort=`` in the page address is used only when the server
gave none, and only when it is a valid code (:func:`dashboard_cohort`).
"""

from __future__ import annotations

import datetime as dt
import html
import io
import os
import re
import threading
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from urllib.parse import parse_qsl

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from netsoc.resources import asset_text
from survey.errors import NetsocError

__all__ = ["DashboardSettings", "Snapshot", "Panel", "Rendered", "Dashboard", "settings_from_env",
           "dashboard_cohort", "slides_html", "figure_svg", "SHARED", "DEFAULT_K",
           "DEFAULT_INTERVAL", "PANELS"]

DEFAULT_K = 5
DEFAULT_INTERVAL = 3.0
#: The chart panels, in page order (``join`` is the QR code, not a chart).
PANELS = ("balance", "quadrant", "profiles", "groups", "norms")


@dataclass(frozen=True)
class DashboardSettings:
    """What the dashboard shows.

    Attributes
    ----------
    db : str or None
        Store URL or path (None: ``NETSOC_DB`` / the default store).
    cohort : str or None
        Only this workshop's responses (None: all).
    min_group_size : int
        k: the smallest group (and room) for which anything is shown.
    group_field : str or None
        Choice field for the comparison panel.
    interval : float
        Seconds between refreshes.
    lang : str or None
        The facilitator's language (a tag the instrument lists; None: its default).
    survey_url : str or None
        The survey's public address, shown as a QR code and as text (None: no
        join panel).
    """

    db: str | None = None
    cohort: str | None = None
    min_group_size: int = DEFAULT_K
    group_field: str | None = "role"
    interval: float = DEFAULT_INTERVAL
    lang: str | None = None
    survey_url: str | None = None

    def __post_init__(self) -> None:
        if isinstance(self.min_group_size, bool) or not isinstance(self.min_group_size, int) \
                or self.min_group_size < 2:
            raise NetsocError(f"min_group_size: got {self.min_group_size!r}; "
                              "expected a whole number of at least 2")
        if not self.interval > 0:
            raise NetsocError(f"interval: got {self.interval!r}; expected seconds above 0")
        if self.survey_url is not None and not re.match(r"^https?://[^\s<>\"']+$", self.survey_url):
            raise NetsocError(f"survey_url: got {self.survey_url!r}; expected an http:// or "
                              "https:// address without spaces or quotes")


def dashboard_cohort(server_cohort: str | None, query: Mapping[str, str] | str | None,
                     instrument=None) -> str | None:  # noqa: ANN001
    """The workshop the dashboard shows: the server's code wins.

    Parameters
    ----------
    server_cohort : str or None
        The code the server was started with (``--cohort``).
    query : mapping or str or None
        The page's query parameters (or the raw query string).
    instrument : Instrument, optional
        Whose cohort rule a ``?cohort=`` must pass (default: the shipped one).

    Returns
    -------
    str or None
        ``server_cohort`` when given (a different ``?cohort=`` is ignored, not
        adopted); else a valid ``?cohort=``; else None (all responses).
    """
    if server_cohort:
        return server_cohort
    if isinstance(query, str) or query is None:
        query = dict(parse_qsl(query or ""))
    code = (query.get("cohort") or "").strip()
    if not code:
        return None
    if instrument is None:
        from survey.instrument import load_instrument

        instrument = load_instrument()
    return code if instrument.cohort.accepts(code) else None


def settings_from_env(environ: Mapping[str, str] | None = None, **given: object) -> DashboardSettings:
    """Settings from keyword arguments, else the environment (see module docstring).

    Arguments that are None fall back to the environment, then the defaults.
    The workshop code follows :func:`dashboard_cohort`: a ``cohort`` argument
    or ``NETSOC_COHORT`` wins; ``cohort=`` in ``QUERY_STRING`` counts only
    without them, and only when it is a valid code.
    """
    env = os.environ if environ is None else environ
    values: dict[str, object] = {
        "db": env.get("NETSOC_DB") or None,
        "min_group_size": int(env.get("NETSOC_DASHBOARD_K") or DEFAULT_K),
        "group_field": env.get("NETSOC_DASHBOARD_GROUP") or "role",
        "interval": float(env.get("NETSOC_DASHBOARD_INTERVAL") or DEFAULT_INTERVAL),
        "lang": env.get("NETSOC_DASHBOARD_LANG") or None,
        "survey_url": env.get("NETSOC_SURVEY_URL") or None,
    }
    values.update({k: v for k, v in given.items() if v is not None and k != "cohort"})
    server = given.get("cohort") or env.get("NETSOC_COHORT") or None
    values["cohort"] = dashboard_cohort(server, env.get("QUERY_STRING", ""))  # type: ignore[arg-type]
    return DashboardSettings(**values)  # type: ignore[arg-type]


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
class Panel:
    """One chart of the dashboard with its text alternatives.

    Attributes
    ----------
    name : str
        One of :data:`PANELS`.
    title : str
        The panel's heading (plain text).
    svg : str
        The chart as inline ``<svg role="img">`` markup, named by the summary.
    summary : str
        One sentence saying what the chart shows (plain text).
    table : str
        The chart's numbers as an HTML ``<table>`` (escaped).
    """

    name: str
    title: str
    svg: str
    summary: str
    table: str

    def html(self) -> str:
        """The panel as an HTML ``<section>``: heading, chart, summary, numbers."""
        e, n = html.escape, self.name
        return (f"<section class='netsoc-panel' aria-labelledby='netsoc-h-{n}'>"
                f"<h2 id='netsoc-h-{n}'>{e(self.title)}</h2>"
                f"<figure class='netsoc-figure'>{self.svg}"
                f"<figcaption id='netsoc-summary-{n}' class='netsoc-summary'>{e(self.summary)}"
                f"</figcaption></figure>{self.table}</section>")


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


def figure_svg(fig: Figure, *, label_id: str, salt: str) -> str:
    """A matplotlib figure as inline SVG named by the element ``label_id``.

    Text stays text (``svg.fonttype: none``), the size follows the page
    (no fixed width/height), ids are unique per ``salt``.
    """
    import matplotlib

    buf = io.StringIO()
    with matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": salt}):
        fig.savefig(buf, format="svg", metadata={"Date": None, "Creator": None,
                                                 "Format": None, "Type": None})
    text = buf.getvalue()
    text = re.sub(r"<metadata>.*?</metadata>", "", text[text.index("<svg"):], flags=re.S)

    def root(m: re.Match) -> str:
        attrs = re.sub(r'\s(width|height)="[^"]*"', "", m.group(1))
        return (f"<svg{attrs} role='img' aria-labelledby='{label_id}' focusable='false' "
                "class='netsoc-chart'>")

    return re.sub(r"<svg([^>]*)>", root, text, count=1)


def _table(caption: str, header: list[str], rows: list[list[str]], *, label: str) -> str:
    """An escaped HTML table inside a disclosure (the chart's numbers)."""
    e = html.escape
    head = "".join(f"<th scope='col'>{e(h)}</th>" for h in header)
    body = "".join("<tr><th scope='row'>" + e(r[0]) + "</th>"
                   + "".join(f"<td>{e(c)}</td>" for c in r[1:]) + "</tr>" for r in rows)
    return (f"<details class='netsoc-numbers'><summary>{e(label)}</summary>"
            f"<table><caption>{e(caption)}</caption><thead><tr>{head}</tr></thead>"
            f"<tbody>{body}</tbody></table></details>")


def _num(x: float, digits: int = 2) -> str:
    return "-" if x != x else f"{x:.{digits}f}".replace("-", "\u2212")


def _pct(x: float) -> str:
    return "-" if x != x else f"{100 * x:.0f} %"


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
    def norms_reference(self) -> tuple[pd.DataFrame, float, float, str] | None:
        """The norm sample's balance percentiles: (table, lower, upper, description).

        From the norms file the instrument names (:func:`survey.norms.norms_for`);
        with inline norms (mean and SD only) the percentiles of a normal
        distribution with that mean and SD, clipped to [-1, 1].  None without norms.
        """
        from statistics import NormalDist

        from analysis.norms import PERCENTILES
        from survey.norms import norms_for

        norms = norms_for(self.instrument)
        if norms is not None and "balance" in norms.scores:
            b = norms.scores["balance"]
            table = pd.DataFrame([q.model_dump() for q in b.percentiles])
            return table, float(b.min), float(b.max), norms.describe()
        inline = self.instrument.norms
        bal = getattr(inline, "balance", None)
        if bal is None or not bal.sd:
            return None
        dist = NormalDist(bal.mean, bal.sd)
        values = np.clip([dist.inv_cdf(p / 100) for p in PERCENTILES], -1, 1)
        table = pd.DataFrame({"p": PERCENTILES, "value": values})
        lower, upper = max(-1.0, bal.mean - 4 * bal.sd), min(1.0, bal.mean + 4 * bal.sd)
        return table, lower, upper, str(getattr(inline, "source", "") or "")

    def room_over_norms(self, snap: Snapshot) -> pd.DataFrame | None:
        """The room's balance per bin over the norm sample's (k-suppressed), or None."""
        from analysis.norms import room_over_norms

        ref = self.norms_reference()
        if ref is None or snap.n < self.k:
            return None
        table, lower, upper, description = ref
        bins = room_over_norms(snap.scores, table, lower=lower, upper=upper,
                               min_group_size=self.k)
        bins.attrs["reference"] = description
        return bins

    def figures(self, snap: Snapshot, *, context: str = "talk") -> dict[str, Figure]:
        """The chart panels (:data:`PANELS`); empty while the room has fewer than k responses."""
        from analysis import plots
        from analysis.norms import room_over_norms_figure

        if snap.n < self.k:
            return {}
        s, inst = snap.scores, self.instrument
        labels = {p.id: p.label for p in inst.profiles}
        figs = {
            "balance": plots.balance_distribution(s, group_mean=float(s["balance"].mean()),
                                                  group_label=self.t("room_mean"), context=context),
            "quadrant": plots.quadrant(s, instrument=inst, context=context),
            "profiles": plots.profile_bars(s, labels=labels, context=context),
        }
        if self.group_field is not None:
            figs["groups"] = plots.group_points(
                s, dv="balance", group=self.group_field, labels=inst.value_labels(self.group_field),
                min_group_size=self.k, reference=0.0, context=context)
        bins = self.room_over_norms(snap)
        if bins is not None:
            figs["norms"] = room_over_norms_figure(bins, context=context,
                                                   room_label=self.t("norms_room"),
                                                   norm_label=self.t("norms_reference"))
        self._localize_axes(figs)
        return figs

    def _localize_axes(self, figs: Mapping[str, Figure]) -> None:
        """Axis labels in the dashboard's language; no titles (the panel's heading names it)."""
        def cap(text: str) -> str:
            return text[:1].upper() + text[1:]

        people, balance = self.t("table_people"), self.t("axis_balance")
        labels = {"balance": (balance, people),
                  "quadrant": (cap(self.t("gauge_socializing")), cap(self.t("gauge_networking"))),
                  "profiles": ("", people), "groups": (self.t("table_mean_balance"), ""),
                  "norms": (balance, self.t("axis_share_pct"))}
        for name, fig in figs.items():
            ax = fig.axes[0]
            ax.set_title("")
            ax.set_xlabel(labels[name][0])
            ax.set_ylabel(labels[name][1])

    def panels(self, snap: Snapshot) -> dict[str, Panel]:
        """Each figure as inline SVG with its summary sentence and its numbers."""
        figs = self.figures(snap)
        texts = {name: getattr(self, f"_text_{name}")(snap) for name in figs}
        return {name: Panel(name, self.t(f"panel_{name}"),
                            figure_svg(fig, label_id=f"netsoc-summary-{name}", salt=name),
                            *texts[name])
                for name, fig in figs.items()}

    def _numbers(self, name: str, header: list[str], rows: list[list[str]]) -> str:
        return _table(self.t(f"panel_{name}"), header, rows, label=self.t("chart_numbers"))

    def _text_balance(self, snap: Snapshot) -> tuple[str, str]:
        b = pd.to_numeric(snap.scores["balance"], errors="coerce").dropna()
        n = len(b)
        net, soc, even = (b > 0).mean(), (b < 0).mean(), (b == 0).mean()
        summary = self.t("alt_balance", n=n, mean=_num(b.mean()), networking=_pct(net),
                         socializing=_pct(soc))
        rows = [[self.t("table_people"), str(n)], [self.t("room_mean"), _num(b.mean())],
                [self.t("table_sd"), _num(b.std())], [self.t("room_lean_networking"), _pct(net)],
                [self.t("room_lean_even"), _pct(even)], [self.t("room_lean_socializing"), _pct(soc)]]
        return summary, self._numbers("balance", [self.t("table_measure"),
                                                  self.t("table_value")], rows)

    def _text_quadrant(self, snap: Snapshot) -> tuple[str, str]:
        s = snap.scores
        lo, hi = self.instrument.response_range(self.instrument.item_ids[0])
        net = pd.to_numeric(s["networking"], errors="coerce")
        soc = pd.to_numeric(s["socializing"], errors="coerce")
        summary = self.t("alt_quadrant", networking=_num(net.mean()), socializing=_num(soc.mean()),
                         low=lo, high=hi)
        rows = [[self.t("gauge_networking"), _num(net.mean()), _num(net.std())],
                [self.t("gauge_socializing"), _num(soc.mean()), _num(soc.std())]]
        return summary, self._numbers("quadrant", [self.t("table_score"), self.t("table_mean"),
                                                   self.t("table_sd")], rows)

    def _text_profiles(self, snap: Snapshot) -> tuple[str, str]:
        counts = snap.scores["profile"].value_counts()
        total = int(counts.sum())
        rows = [[p.label, str(int(counts.get(p.id, 0))),
                 _pct(counts.get(p.id, 0) / total if total else float("nan"))]
                for p in self.instrument.profiles]
        summary = self.t("alt_profiles", profiles="; ".join(f"{r[0]}: {r[1]}" for r in rows))
        return summary, self._numbers("profiles", [self.t("table_profile"),
                                                   self.t("table_people"),
                                                   self.t("table_share")], rows)

    def _text_groups(self, snap: Snapshot) -> tuple[str, str]:
        from analysis.plots import large_groups

        s, field_id = snap.scores, self.group_field
        kept, _small = large_groups(s[field_id], self.k)
        labels = self.instrument.value_labels(field_id)
        rows = []
        for level in kept:
            b = pd.to_numeric(s.loc[s[field_id] == level, "balance"], errors="coerce").dropna()
            rows.append([labels.get(level, str(level)), str(len(b)), _num(b.mean())])
        field_label = self.instrument.choice_fields[field_id].label
        summary = self.t("alt_groups", field=field_label,
                         groups="; ".join(f"{r[0]}: {r[2]}" for r in rows) or "-")
        note = self.group_note(snap)
        summary = f"{summary} {note}".strip()
        return summary, self._numbers("groups", [self.t("table_group"), self.t("table_people"),
                                                 self.t("table_mean_balance")], rows)

    def _text_norms(self, snap: Snapshot) -> tuple[str, str]:
        bins = self.room_over_norms(snap)
        hidden = int(bins["suppressed"].sum())
        summary = self.t("alt_norms", reference=bins.attrs.get("reference") or "-")
        if hidden:
            summary += " " + self.t("norms_hidden", hidden=hidden, k=self.k)
        small = self.t("hidden_small", k=self.k)
        rows = [[f"{_num(r.bin_low, 1)} \u2013 {_num(r.bin_high, 1)}",
                 small if r.suppressed else _pct(r.room_share), _pct(r.norm_share)]
                for r in bins.itertuples()]
        return summary, self._numbers("norms", [self.t("table_balance_band"),
                                                self.t("norms_room"),
                                                self.t("norms_reference")], rows)

    def join_html(self) -> str:
        """The join panel: QR code and short address of the survey ('' without ``survey_url``)."""
        from netsoc.qr import qr_svg, short_address

        url = self.settings.survey_url
        if not url:
            return ""
        e = html.escape
        short = short_address(url)
        svg = qr_svg(url, scale=6, title=self.t("join_qr_alt", address=short))
        return (f"<section class='netsoc-panel netsoc-join' aria-labelledby='netsoc-h-join'>"
                f"<h2 id='netsoc-h-join'>{e(self.t('panel_join'))}</h2>"
                f"<div class='netsoc-qr'>{svg}</div>"
                f"<p>{e(self.t('join_hint'))}</p>"
                f"<p class='netsoc-join-address'><a href='{e(url)}'>{e(short)}</a></p></section>")

    def render(self, snap: Snapshot) -> Rendered:
        """Panels and texts of ``snap`` (what every viewer of this cohort shares)."""
        return Rendered(snapshot=snap, panels=self.panels(snap), headline=self.headline(snap),
                        status=self.status(snap), group_note=self.group_note(snap))

    def view_figure(self, snap: Snapshot) -> Figure:
        """All panels in one figure with the response count (the PNG export)."""
        from analysis import plots
        from analysis.plots._theme import themed

        with themed("talk"):
            fig = Figure(figsize=(18, 14), layout="constrained")
            cohort = self.settings.cohort
            title = (self.t("dashboard_responses_in", n=snap.n, cohort=cohort) if cohort
                     else self.t("dashboard_responses", n=snap.n))
            fig.suptitle(title, fontsize=30, fontweight="bold")
            if snap.n < self.k:
                fig.text(0.5, 0.5, self.status(snap), ha="center", va="center", fontsize=22, wrap=True)
                return fig
            axes = fig.subplots(2, 2)
            s, inst = snap.scores, self.instrument
            plots.balance_distribution(s, group_mean=float(s["balance"].mean()),
                                       group_label=self.t("room_mean"), context="talk",
                                       ax=axes[0, 0])
            plots.quadrant(s, instrument=inst, context="talk", ax=axes[0, 1])
            plots.profile_bars(s, labels={p.id: p.label for p in inst.profiles}, context="talk",
                               ax=axes[1, 0])
            if self.group_field is not None:
                plots.group_points(s, dv="balance", group=self.group_field,
                                   labels=inst.value_labels(self.group_field),
                                   min_group_size=self.k, reference=0.0, context="talk",
                                   ax=axes[1, 1])
            else:
                axes[1, 1].set_axis_off()
            for name, ax in zip(("balance", "quadrant", "profiles", "groups"), axes.flat):
                if ax.axison:
                    ax.set_title(self.t(f"panel_{name}"))
        return fig

    def slides(self, snap: Snapshot, panels: Mapping[str, Panel] | None = None) -> str:
        """reveal.js slides of the current view (see :func:`slides_html`)."""
        if panels is None:
            panels = self.panels(snap)
        comments = snap.comments if (self.comments_revealed and snap.n >= self.k) else None
        title = self.instrument.title + (f" - {self.settings.cohort}" if self.settings.cohort else "")
        cohort = self.settings.cohort
        count = (self.t("dashboard_responses_in", n=snap.n, cohort=cohort) if cohort
                 else self.t("dashboard_responses", n=snap.n))
        return slides_html(title=title, count=count, panels=panels, comments=comments,
                           note=self.group_note(snap), status=self.status(snap),
                           comments_title=self.t("your_comments"), lang=self.language)


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
<style>
body{{font-family:system-ui,sans-serif}} svg.netsoc-chart{{max-width:95%;max-height:62vh;height:auto}}
figcaption{{font-size:.5em}} .big{{font-size:3em;font-weight:bold}} .note{{font-size:.6em;color:#555}}
html:not(.reveal-full-page) .slides>section{{display:block;margin:2rem auto;max-width:60rem;
 border-bottom:1px solid #ccc;padding-bottom:2rem}}
</style></head>
<body><div class="reveal"><div class="slides">
{body}
</div></div>
<script>{asset_text("reveal", "reveal.js")}</script>
<script>if (window.Reveal) {{ Reveal.initialize({{hash: true}}); }}</script>
</body></html>
"""
