"""The report's figures, each numbered, with a caption that says what its
marks are and a text alternative that says what it shows (the dashboard's
own ``alt_*`` texts of the instrument, in the report's language).  Colour is
never the only cue: series differ by marker shape, answer levels by hatching
and order, profile regions carry their names."""

from __future__ import annotations

from typing import Any

import netsoc.report.apa as apa
from netsoc.report.results import field_label, level_labels
from netsoc.report.study import Study
from netsoc.report.tables import ReportFigure

__all__ = ["balance_figure", "quadrant_figure", "profile_figure", "likert_figures", "group_figures"]

_HATCHES = ("//", "..", "", "\\\\", "xx", "oo", "--")
_MARKERS = ("o", "s", "^", "D")


def _ui(study: Study, key: str, **values: Any) -> str:
    text = study.labels.ui.get(key) or study.instrument.ui.get(key, "")
    return text.format(**values)


def _pct(share: float) -> str:
    return f"{apa.number(100 * share, 0)} %"


def balance_plot(study: Study) -> Any:
    """The histogram of the whole sample's balance, its mean marked as the sample's."""
    from analysis.plots import balance_distribution

    b = study.scores["balance"].astype("float64").dropna()
    fig = balance_distribution(study.scores, group_mean=float(b.mean()), group_label="Sample mean")
    fig.axes[0].set_title("")
    return fig


def balance_figure(study: Study) -> ReportFigure:
    b = study.scores["balance"].astype("float64").dropna()
    fig = balance_plot(study)
    alt = _ui(
        study,
        "alt_balance",
        n=len(b),
        mean=apa.number(b.mean()),
        networking=_pct((b > 0).mean()),
        socializing=_pct((b < 0).mean()),
    )
    caption = (
        "Distribution of the balance score (networking − socializing) of the analysed "
        "responses. Bars: number of responses per bin from −1 to 1; dashed line: the "
        "sample mean."
    )
    return study.figure(fig, caption, alt)


def quadrant_figure(study: Study) -> ReportFigure:
    from analysis.plots import quadrant

    s = study.scores
    lo, hi = study.instrument.response_range(study.instrument.item_ids[0])
    fig = quadrant(s, instrument=study.labels)
    fig.axes[0].set_title("")
    alt = _ui(
        study,
        "alt_quadrant",
        networking=apa.number(s["networking"].mean()),
        socializing=apa.number(s["socializing"].mean()),
        low=lo,
        high=hi,
    )
    caption = (
        "Networking (vertical) against socializing (horizontal) scores. Points: one "
        "response each; shaded areas: the profiles, each named inside its area."
    )
    return study.figure(fig, caption, alt)


def profile_figure(study: Study) -> ReportFigure:
    from analysis.plots import profile_bars

    labels: dict[object, str] = {p.id: p.label for p in study.labels.profiles}
    fig = profile_bars(study.scores, labels=labels)
    fig.axes[0].set_title("")
    counts = study.scores["profile"].value_counts()
    alt = _ui(
        study,
        "alt_profiles",
        profiles="; ".join(f"{labels[p.id]}: {int(counts.get(p.id, 0))}" for p in study.labels.profiles),
    )
    caption = (
        "Responses per profile (the names participants see). Bars: number of "
        "analysed responses with each profile, labelled with that number."
    )
    return study.figure(fig, caption, alt)


def likert_figures(study: Study) -> list[ReportFigure]:
    """One diverging Likert figure per scale; levels hatched as well as coloured."""
    from netsoc.report.sections import likert_figures as raw

    inst, out = study.labels, []
    for (name, spec), fig in zip(inst.scales.items(), raw(study)):
        items = [i.id for i in inst.scale_items(name)]
        ax = fig.axes[0]
        for i, container in enumerate(ax.containers):
            for patch in container:
                patch.set_hatch(_HATCHES[i % len(_HATCHES)])
                patch.set_edgecolor("white")
        legend = ax.get_legend()
        if legend is not None:
            for i, handle in enumerate(legend.legend_handles):
                if handle is not None and hasattr(handle, "set_hatch"):
                    handle.set_hatch(_HATCHES[i % len(_HATCHES)])
        shares = study.included[items].notna().mean().mean()
        alt = (
            f"{spec.label}: share of each answer for each of its {len(items)} statements, "
            f"disagreement to the left and agreement to the right of the middle; "
            f"{_pct(shares)} of the answers given."
        )
        caption = (
            f"Answers to the {spec.label} statements. Bars: share of the analysed "
            "responses giving each answer, from the lowest level (left) to the highest "
            "(right), centred on the middle level; each level has its own colour and "
            "hatching, named in the legend."
        )
        out.append(study.figure(fig, caption, alt))
    return out


def group_figures(study: Study) -> list[ReportFigure]:
    """Per grouping field: networking and socializing means (95 % CI) and the
    balance means, small groups suppressed; markers differ by score."""
    from netsoc.report.sections import group_figures as raw

    k = study.options.min_group_size
    figs = iter(raw(study))
    out = []
    for g in study.groups:
        labels = level_labels(study, g)
        name = field_label(study, g)
        shown = [lv for lv, n in study.scores[g].astype(str).value_counts().items() if n >= k]
        fig = next(figs)
        ax = fig.axes[0]
        ax.set_title("")
        ax.set_xlabel("Mean score with 95 % CI")
        for line, marker in zip(
            [ln for ln in ax.lines if ln.get_marker() not in ("", "None")], _MARKERS * 50
        ):
            line.set_marker(marker)
        _relabel_legend(ax)
        means = study.scores.groupby(study.scores[g].astype(str))[["networking", "socializing"]].mean()
        alt = (
            f"Mean networking and socializing by {name.lower()}: "
            + "; ".join(
                f"{labels.get(lv, lv)}: {apa.number(means.loc[lv, 'networking'])} and "
                f"{apa.number(means.loc[lv, 'socializing'])}"
                for lv in shown
            )
            + "."
        )
        out.append(
            study.figure(
                fig,
                f"Networking and socializing by {name.lower()}. Points: "
                "group means (circles: networking, squares: socializing); "
                "lines: 95 % confidence intervals. Groups with fewer than "
                f"{k} responses are not shown.",
                alt,
            )
        )
        fig = next(figs)
        ax = fig.axes[0]
        ax.set_title("")
        ax.set_xlabel("Mean balance with 95 % CI (−1 socializing … 1 networking)")
        b = study.scores.groupby(study.scores[g].astype(str))["balance"].mean()
        alt = _ui(
            study,
            "alt_groups",
            field=name.lower(),
            groups="; ".join(f"{labels.get(lv, lv)}: {apa.number(b[lv])}" for lv in shown),
        )
        out.append(
            study.figure(
                fig,
                f"Balance by {name.lower()}. Points: group means; lines: "
                "95 % confidence intervals; dotted line: an even balance (0). "
                f"Groups with fewer than {k} responses are not shown.",
                alt,
            )
        )
    return out


def _relabel_legend(ax: Any) -> None:
    legend = ax.get_legend()
    if legend is None:
        return
    for text, handle, marker in zip(legend.get_texts(), legend.legend_handles, _MARKERS):
        text.set_text(str(text.get_text()).capitalize())
        if handle is not None and hasattr(handle, "set_marker"):
            handle.set_marker(marker)
