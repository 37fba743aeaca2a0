"""The dashboard's charts: each a :class:`Panel` of inline SVG, summary sentence and numbers.

Each chart is inline SVG (server-rendered, sent as text inside HTML, never as
binary buffers) with a one-sentence summary and its numbers as an HTML table.
Every word comes from the instrument's ``ui`` texts in the dashboard's language.
"""

from __future__ import annotations

import html
import io
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

if TYPE_CHECKING:
    from netsoc.dashboard.model import Dashboard, Snapshot

__all__ = ["Panel", "figure_svg", "figures", "panels", "join_html", "norms_reference",
           "room_over_norms"]


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



def norms_reference(d: Dashboard) -> tuple[pd.DataFrame, float, float, str] | None:
    """The norm sample's balance percentiles: (table, lower, upper, description).

    From the norms file the instrument names (:func:`survey.norms.norms_for`);
    with inline norms (mean and SD only) the percentiles of a normal
    distribution with that mean and SD, clipped to [-1, 1].  None without norms.
    """
    from statistics import NormalDist

    from analysis.norms import PERCENTILES
    from survey.norms import norms_for

    norms = norms_for(d.instrument)
    if norms is not None and "balance" in norms.scores:
        b = norms.scores["balance"]
        table = pd.DataFrame([q.model_dump() for q in b.percentiles])
        return table, float(b.min), float(b.max), norms.describe()
    inline = d.instrument.norms
    bal = getattr(inline, "balance", None)
    if bal is None or not bal.sd:
        return None
    dist = NormalDist(bal.mean, bal.sd)
    values = np.clip([dist.inv_cdf(p / 100) for p in PERCENTILES], -1, 1)
    table = pd.DataFrame({"p": PERCENTILES, "value": values})
    lower, upper = max(-1.0, bal.mean - 4 * bal.sd), min(1.0, bal.mean + 4 * bal.sd)
    return table, lower, upper, str(getattr(inline, "source", "") or "")

def room_over_norms(d: Dashboard, snap: Snapshot) -> pd.DataFrame | None:
    """The room's balance per bin over the norm sample's (k-suppressed), or None."""
    from analysis.norms import room_over_norms

    ref = d.norms_reference()
    if ref is None or snap.n < d.k:
        return None
    table, lower, upper, description = ref
    bins = room_over_norms(snap.scores, table, lower=lower, upper=upper,
                           min_group_size=d.k)
    bins.attrs["reference"] = description
    return bins

def figures(d: Dashboard, snap: Snapshot, *, context: str = "talk") -> dict[str, Figure]:
    """The chart panels (:data:`PANELS`); empty while the room has fewer than k responses."""
    from analysis import plots
    from analysis.norms import room_over_norms_figure

    if snap.n < d.k:
        return {}
    s, inst = snap.scores, d.instrument
    labels = {p.id: p.label for p in inst.profiles}
    figs = {
        "balance": plots.balance_distribution(s, group_mean=float(s["balance"].mean()),
                                              group_label=d.t("room_mean"), context=context),
        "quadrant": plots.quadrant(s, instrument=inst, context=context),
        "profiles": plots.profile_bars(s, labels=labels, context=context),
    }
    if d.group_field is not None:
        figs["groups"] = plots.group_points(
            s, dv="balance", group=d.group_field, labels=inst.value_labels(d.group_field),
            min_group_size=d.k, reference=0.0, context=context)
    bins = d.room_over_norms(snap)
    if bins is not None:
        figs["norms"] = room_over_norms_figure(bins, context=context,
                                               room_label=d.t("norms_room"),
                                               norm_label=d.t("norms_reference"))
    _localize_axes(d, figs)
    return figs

def _localize_axes(d: Dashboard, figs: Mapping[str, Figure]) -> None:
    """Axis labels in the dashboard's language; no titles (the panel's heading names it)."""
    def cap(text: str) -> str:
        return text[:1].upper() + text[1:]

    people, balance = d.t("table_people"), d.t("axis_balance")
    labels = {"balance": (balance, people),
              "quadrant": (cap(d.t("gauge_socializing")), cap(d.t("gauge_networking"))),
              "profiles": ("", people), "groups": (d.t("table_mean_balance"), ""),
              "norms": (balance, d.t("axis_share_pct"))}
    for name, fig in figs.items():
        ax = fig.axes[0]
        ax.set_title("")
        ax.set_xlabel(labels[name][0])
        ax.set_ylabel(labels[name][1])


def panels(d: Dashboard, snap: Snapshot) -> dict[str, Panel]:
    """Each figure as inline SVG with its summary sentence and its numbers."""
    figs = d.figures(snap)
    texts = {name: _TEXTS[name](d, snap) for name in figs}
    return {name: Panel(name, d.t(f"panel_{name}"),
                        figure_svg(fig, label_id=f"netsoc-summary-{name}", salt=name),
                        *texts[name])
            for name, fig in figs.items()}

def _numbers(d: Dashboard, name: str, header: list[str], rows: list[list[str]]) -> str:
    return _table(d.t(f"panel_{name}"), header, rows, label=d.t("chart_numbers"))

def _text_balance(d: Dashboard, snap: Snapshot) -> tuple[str, str]:
    b = pd.to_numeric(snap.scores["balance"], errors="coerce").dropna()
    n = len(b)
    net, soc, even = (b > 0).mean(), (b < 0).mean(), (b == 0).mean()
    summary = d.t("alt_balance", n=n, mean=_num(b.mean()), networking=_pct(net),
                     socializing=_pct(soc))
    rows = [[d.t("table_people"), str(n)], [d.t("room_mean"), _num(b.mean())],
            [d.t("table_sd"), _num(b.std())], [d.t("room_lean_networking"), _pct(net)],
            [d.t("room_lean_even"), _pct(even)], [d.t("room_lean_socializing"), _pct(soc)]]
    return summary, _numbers(d, "balance", [d.t("table_measure"),
                                              d.t("table_value")], rows)

def _text_quadrant(d: Dashboard, snap: Snapshot) -> tuple[str, str]:
    s = snap.scores
    lo, hi = d.instrument.response_range(d.instrument.item_ids[0])
    net = pd.to_numeric(s["networking"], errors="coerce")
    soc = pd.to_numeric(s["socializing"], errors="coerce")
    summary = d.t("alt_quadrant", networking=_num(net.mean()), socializing=_num(soc.mean()),
                     low=lo, high=hi)
    rows = [[d.t("gauge_networking"), _num(net.mean()), _num(net.std())],
            [d.t("gauge_socializing"), _num(soc.mean()), _num(soc.std())]]
    return summary, _numbers(d, "quadrant", [d.t("table_score"), d.t("table_mean"),
                                               d.t("table_sd")], rows)

def _text_profiles(d: Dashboard, snap: Snapshot) -> tuple[str, str]:
    counts = snap.scores["profile"].value_counts()
    total = int(counts.sum())
    rows = [[p.label, str(int(counts.get(p.id, 0))),
             _pct(counts.get(p.id, 0) / total if total else float("nan"))]
            for p in d.instrument.profiles]
    summary = d.t("alt_profiles", profiles="; ".join(f"{r[0]}: {r[1]}" for r in rows))
    return summary, _numbers(d, "profiles", [d.t("table_profile"),
                                               d.t("table_people"),
                                               d.t("table_share")], rows)

def _text_groups(d: Dashboard, snap: Snapshot) -> tuple[str, str]:
    from analysis.plots import large_groups

    s, field_id = snap.scores, d.group_field
    kept, _small = large_groups(s[field_id], d.k)
    labels = d.instrument.value_labels(field_id)
    rows = []
    for level in kept:
        b = pd.to_numeric(s.loc[s[field_id] == level, "balance"], errors="coerce").dropna()
        rows.append([labels.get(level, str(level)), str(len(b)), _num(b.mean())])
    field_label = d.instrument.choice_fields[field_id].label
    summary = d.t("alt_groups", field=field_label,
                     groups="; ".join(f"{r[0]}: {r[2]}" for r in rows) or "-")
    note = d.group_note(snap)
    summary = f"{summary} {note}".strip()
    return summary, _numbers(d, "groups", [d.t("table_group"), d.t("table_people"),
                                             d.t("table_mean_balance")], rows)

def _text_norms(d: Dashboard, snap: Snapshot) -> tuple[str, str]:
    bins = d.room_over_norms(snap)
    hidden = int(bins["suppressed"].sum())
    summary = d.t("alt_norms", reference=bins.attrs.get("reference") or "-")
    if hidden:
        summary += " " + d.t("norms_hidden", hidden=hidden, k=d.k)
    small = d.t("hidden_small", k=d.k)
    rows = [[f"{_num(r.bin_low, 1)} \u2013 {_num(r.bin_high, 1)}",
             small if r.suppressed else _pct(r.room_share), _pct(r.norm_share)]
            for r in bins.itertuples()]
    return summary, _numbers(d, "norms", [d.t("table_balance_band"),
                                            d.t("norms_room"),
                                            d.t("norms_reference")], rows)

def join_html(d: Dashboard) -> str:
    """The join panel: QR code and short address of the survey ('' without ``survey_url``)."""
    from netsoc.qr import qr_svg, short_address

    url = d.settings.survey_url
    if not url:
        return ""
    e = html.escape
    short = short_address(url)
    svg = qr_svg(url, scale=6, title=d.t("join_qr_alt", address=short))
    return (f"<section class='netsoc-panel netsoc-join' aria-labelledby='netsoc-h-join'>"
            f"<h2 id='netsoc-h-join'>{e(d.t('panel_join'))}</h2>"
            f"<div class='netsoc-qr'>{svg}</div>"
            f"<p>{e(d.t('join_hint'))}</p>"
            f"<p class='netsoc-join-address'><a href='{e(url)}'>{e(short)}</a></p></section>")



_TEXTS = {"balance": _text_balance, "quadrant": _text_quadrant, "profiles": _text_profiles,
          "groups": _text_groups, "norms": _text_norms}
