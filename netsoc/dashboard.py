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

Settings come from arguments or the environment (``netsoc dashboard`` sets
them): ``NETSOC_DB``, ``NETSOC_COHORT``, ``NETSOC_DASHBOARD_K``,
``NETSOC_DASHBOARD_GROUP``, ``NETSOC_DASHBOARD_INTERVAL``; a ``cohort=CODE``
in the page address (Voila's ``QUERY_STRING``) overrides the cohort.
"""

from __future__ import annotations

import base64
import datetime as dt
import html
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import parse_qs

import pandas as pd
from matplotlib.figure import Figure

from survey.errors import NetsocError

__all__ = ["DashboardSettings", "Snapshot", "Dashboard", "settings_from_env", "slides_html",
           "DEFAULT_K", "DEFAULT_INTERVAL"]

DEFAULT_K = 5
DEFAULT_INTERVAL = 3.0
PANELS = ("balance", "quadrant", "profiles", "groups")


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
    """

    db: str | None = None
    cohort: str | None = None
    min_group_size: int = DEFAULT_K
    group_field: str | None = "role"
    interval: float = DEFAULT_INTERVAL

    def __post_init__(self) -> None:
        if isinstance(self.min_group_size, bool) or not isinstance(self.min_group_size, int) \
                or self.min_group_size < 2:
            raise NetsocError(f"min_group_size: got {self.min_group_size!r}; "
                              "expected a whole number of at least 2")
        if not self.interval > 0:
            raise NetsocError(f"interval: got {self.interval!r}; expected seconds above 0")


def settings_from_env(environ: Mapping[str, str] | None = None, **given: object) -> DashboardSettings:
    """Settings from keyword arguments, else the environment (see module docstring).

    Arguments that are None fall back to the environment, then the defaults.
    """
    env = os.environ if environ is None else environ
    query = parse_qs(env.get("QUERY_STRING", ""))
    values: dict[str, object] = {
        "db": env.get("NETSOC_DB") or None,
        "cohort": (query.get("cohort") or [None])[0] or env.get("NETSOC_COHORT") or None,
        "min_group_size": int(env.get("NETSOC_DASHBOARD_K") or DEFAULT_K),
        "group_field": env.get("NETSOC_DASHBOARD_GROUP") or "role",
        "interval": float(env.get("NETSOC_DASHBOARD_INTERVAL") or DEFAULT_INTERVAL),
    }
    values.update({k: v for k, v in given.items() if v is not None})
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
        self.instrument = store.instrument
        self.comments_revealed = False
        fields = self.instrument.choice_fields
        if settings.group_field is not None and settings.group_field not in fields:
            raise NetsocError(f"group_field: {settings.group_field!r} is not a choice field "
                              f"(expected one of {', '.join(fields)})")
        self.group_field = settings.group_field

    @classmethod
    def open(cls, settings: DashboardSettings) -> Dashboard:
        """Open the store named by the settings."""
        from survey.store import open_store

        return cls(open_store(settings.db), settings)

    # ------------------------------------------------------------ reading
    @property
    def k(self) -> int:
        return self.settings.min_group_size

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
            need = self.k - snap.n
            return (f"Waiting for at least {self.k} responses before showing results "
                    f"({need} more needed) - this keeps answers anonymous.")
        return f"Updated {snap.taken_at.astimezone().strftime('%H:%M:%S')}"

    def comments_html(self, snap: Snapshot) -> str:
        """The comments as escaped HTML, or a note that they are hidden."""
        if not self.comments_revealed:
            return (f"<p class='netsoc-note'>{len(snap.comments)} comment(s) hidden - "
                    "reveal them when you are ready.</p>" if snap.comments else "")
        if snap.n < self.k:
            return "<p class='netsoc-note'>Comments appear once there are enough responses.</p>"
        items = "".join(f"<li>{html.escape(c)}</li>" for c in snap.comments)
        return f"<ul class='netsoc-comments'>{items}</ul>" if items else \
            "<p class='netsoc-note'>No comments yet.</p>"

    def group_note(self, snap: Snapshot) -> str:
        """Which groups of the comparison field are not shown, and why (plain text)."""
        from analysis.plots import large_groups

        if self.group_field is None or snap.n < self.k:
            return ""
        kept, small = large_groups(snap.scores[self.group_field], self.k)
        labels = self.instrument.value_labels(self.group_field)
        small_names = [labels.get(s.split(" (")[0], s) for s in small]
        parts = []
        if not kept:
            parts.append(f"No group of '{self.group_field}' has {self.k} or more respondents yet, "
                         "so no comparison is shown.")
        elif small_names:
            parts.append(f"Groups with fewer than {self.k} respondents are not shown: "
                         + ", ".join(small_names) + ".")
        return " ".join(parts)

    # ------------------------------------------------------------ figures
    def figures(self, snap: Snapshot, *, context: str = "talk") -> dict[str, Figure]:
        """The panels (``balance``, ``quadrant``, ``profiles``, ``groups``);
        empty while the room has fewer than k responses."""
        from analysis import plots

        if snap.n < self.k:
            return {}
        s, inst = snap.scores, self.instrument
        labels = {p.id: p.label for p in inst.profiles}
        figs = {
            "balance": plots.balance_distribution(s, group_mean=float(s["balance"].mean()),
                                                  group_label="Room mean", context=context),
            "quadrant": plots.quadrant(s, instrument=inst, context=context),
            "profiles": plots.profile_bars(s, labels=labels, context=context),
        }
        if self.group_field is not None:
            figs["groups"] = plots.group_points(
                s, dv="balance", group=self.group_field, labels=inst.value_labels(self.group_field),
                min_group_size=self.k, reference=0.0, context=context)
        return figs

    def view_figure(self, snap: Snapshot) -> Figure:
        """All panels in one figure with the response count (the PNG export)."""
        from analysis import plots
        from analysis.plots._theme import themed

        with themed("talk"):
            fig = Figure(figsize=(18, 14), layout="constrained")
            title = f"{snap.n} responses" + (f" - {self.settings.cohort}" if self.settings.cohort else "")
            fig.suptitle(title, fontsize=30, fontweight="bold")
            if snap.n < self.k:
                fig.text(0.5, 0.5, self.status(snap), ha="center", va="center", fontsize=22, wrap=True)
                return fig
            axes = fig.subplots(2, 2)
            s, inst = snap.scores, self.instrument
            plots.balance_distribution(s, group_mean=float(s["balance"].mean()),
                                       group_label="Room mean", context="talk", ax=axes[0, 0])
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
        return fig

    def slides(self, snap: Snapshot, pngs: Mapping[str, bytes]) -> str:
        """reveal.js slides of the current view (see :func:`slides_html`)."""
        comments = snap.comments if (self.comments_revealed and snap.n >= self.k) else None
        title = "Networking vs socializing" + (f" - {self.settings.cohort}" if self.settings.cohort else "")
        return slides_html(title=title, n=snap.n, pngs=pngs, comments=comments,
                           note=self.group_note(snap), status=self.status(snap))


_PANEL_TITLES = {"balance": "Where the room stands", "quadrant": "Networking vs socializing",
                 "profiles": "Profiles in the room", "groups": "By group"}
REVEAL_CDN = "https://cdn.jsdelivr.net/npm/reveal.js@5.1.0/dist"


def slides_html(*, title: str, n: int, pngs: Mapping[str, bytes],
                comments: list[str] | None = None, note: str = "", status: str = "") -> str:
    """A reveal.js slide deck with the figures embedded as base64 PNG.

    reveal.js itself is linked from a CDN; without network access the deck
    still opens as a plain page with one section per slide (the figures are
    embedded, nothing else is needed).  All text is HTML-escaped.
    """
    e = html.escape
    sections = [f"<section><h1>{e(title)}</h1><p class='big'>{n} responses</p>"
                f"<p>{e(status)}</p></section>"]
    for name, png in pngs.items():
        b64 = base64.b64encode(png).decode("ascii")
        extra = f"<p class='note'>{e(note)}</p>" if name == "groups" and note else ""
        sections.append(f"<section><h2>{e(_PANEL_TITLES.get(name, name))}</h2>"
                        f"<img alt='{e(name)}' src='data:image/png;base64,{b64}'>{extra}</section>")
    if comments:
        items = "".join(f"<li>{e(c)}</li>" for c in comments)
        sections.append(f"<section><h2>Your comments</h2><ul>{items}</ul></section>")
    body = "\n".join(sections)
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{e(title)}</title>
<link rel="stylesheet" href="{REVEAL_CDN}/reveal.css">
<link rel="stylesheet" href="{REVEAL_CDN}/theme/white.css">
<style>
body{{font-family:system-ui,sans-serif}} img{{max-width:95%;max-height:70vh}}
.big{{font-size:3em;font-weight:bold}} .note{{font-size:.6em;color:#555}}
html:not(.reveal-full-page) .slides>section{{display:block;margin:2rem auto;max-width:60rem;
 border-bottom:1px solid #ccc;padding-bottom:2rem}}
</style></head>
<body><div class="reveal"><div class="slides">
{body}
</div></div>
<script src="{REVEAL_CDN}/reveal.js"></script>
<script>if (window.Reveal) {{ Reveal.initialize({{hash: true}}); }}</script>
</body></html>
"""
