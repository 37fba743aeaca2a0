"""The report's tables and figure collections: descriptives, comparisons,
regression and the methods paragraph."""

from __future__ import annotations

import textwrap
from typing import Any

import pandas as pd

from netsoc.report.study import Study, package_versions

__all__ = [
    "score_columns",
    "descriptives",
    "regression_formula",
    "regression_data",
    "likert_figures",
    "group_figures",
    "methods",
]


def score_columns(study: Study) -> list[str]:
    """The outcome columns followed by the facet scores."""
    facets = [f"{o}_{f}" for o in ("networking", "socializing") for f in study.instrument.facets]
    return study.outcomes + [c for c in facets if c not in study.outcomes]


def descriptives(study: Study) -> pd.DataFrame:
    """n, mean, sd, median, min, max and skewness of every score.

    Returns
    -------
    DataFrame
        One row per score (``score``), columns ``n``, ``mean``, ``sd``,
        ``median``, ``min``, ``max``, ``skew``.
    """
    cols = score_columns(study)
    x = study.scores[cols].astype("float64")
    out = pd.DataFrame(
        {
            "n": x.count(),
            "mean": x.mean(),
            "sd": x.std(),
            "median": x.median(),
            "min": x.min(),
            "max": x.max(),
            "skew": x.skew(),
        }
    )
    return out.rename_axis("score").reset_index()


def regression_formula(study: Study, outcome: str = "balance", min_group_size: int | None = None) -> str:
    """``outcome ~ C(g1) + C(g2) ...`` over the grouping fields with enough levels.

    Levels coded ``na`` ("prefer not to say") are set to missing first by
    :func:`regression_data` (with the same ``min_group_size``); fields left with
    fewer than two levels are skipped.
    """
    data = regression_data(study, min_group_size)
    terms = [f"C({g})" for g in study.groups if data[g].nunique(dropna=True) >= 2]
    return f"{outcome} ~ " + (" + ".join(terms) if terms else "1")


def regression_data(study: Study, min_group_size: int | None = None) -> pd.DataFrame:
    """Scores with ``na`` and levels smaller than ``min_group_size`` set to missing."""
    if min_group_size is None:
        min_group_size = study.options.min_group_size
    out = study.scores.copy()
    for g in study.groups:
        s = out[g].astype("object").where(out[g].astype("object") != "na")
        counts = s.value_counts()
        small = counts.index[counts < min_group_size]
        out[g] = s.where(~s.isin(small))
    return out


def likert_figures(study: Study) -> list[Any]:
    """One diverging Likert figure per scale (all responses analysed), each bar
    named by its statement in full, labels in the report's language
    (:mod:`netsoc.report.figures` numbers and captions them)."""
    from matplotlib.figure import Figure

    from analysis.plots import likert_bars

    inst = study.labels
    figs = []
    for name in inst.scales:
        spec = inst.scale_items(name)
        items = [i.id for i in spec]
        statements = {i.id: textwrap.fill(" ".join(str(i.text).split()), 64) for i in spec}
        # room for two lines of statement per bar, beside a plot as wide as the labels
        fig = Figure(figsize=(12, 1.8 + 0.6 * len(items)), layout="constrained")
        figs.append(
            likert_bars(
                study.included,
                items=items,
                levels=inst.value_labels(items[0]),
                item_labels=statements,
                title="",
                ax=fig.add_subplot(),
            )
        )
    return figs


def group_figures(study: Study, *, min_group_size: int | None = None) -> list[Any]:
    """Per grouping field: networking and socializing means (95 % CI) and the
    balance means, small groups suppressed, levels labelled as participants see them."""
    from analysis.plots import group_points

    k = study.options.min_group_size if min_group_size is None else int(min_group_size)
    figs = []
    for g in study.groups:
        labels = {code: label for code, label in study.labels.value_labels(g).items()}
        figs.append(
            group_points(
                study.scores, dv=["networking", "socializing"], group=g, labels=labels, min_group_size=k
            )
        )
        figs.append(
            group_points(study.scores, dv="balance", group=g, labels=labels, min_group_size=k, reference=0.0)
        )
    return figs


def methods(
    study: Study,
    *,
    reliability: pd.DataFrame | None = None,
    comparisons: pd.DataFrame | None = None,
    regression: pd.DataFrame | None = None,
    alpha: float = 0.05,
    structure: str | None = None,
) -> str:
    """:func:`analysis.methods.methods_paragraph` for this study
    (``structure``: :func:`structure_methods`)."""
    from analysis.methods import methods_paragraph
    from netsoc.report.results import field_label, score_label

    if comparisons is not None and len(comparisons):
        attrs = dict(comparisons.attrs)
        comparisons = comparisons.assign(
            dv=[score_label(study, d).lower() for d in comparisons["dv"]],
            group=[field_label(study, g).lower() for g in comparisons["group"]],
        )
        comparisons.attrs.update(attrs)
    if regression is not None and len(regression):
        attrs = dict(regression.attrs)
        regression = regression.copy()
        regression.attrs.update(attrs)
        fields = [field_label(study, g).lower() for g in study.groups]
        regression.attrs["formula"] = "balance on " + ", ".join(fields) + ", dummy-coded"
    return methods_paragraph(
        instrument=study.instrument,
        n_total=study.n_total,
        n_excluded=study.n_excluded,
        exclusion_rule=study.exclusion_rule,
        reliability=reliability,
        structure=structure,
        comparisons=comparisons,
        regression=regression,
        alpha=alpha,
        seed=study.seed,
        data_sha256=study.data_sha256,
        packages=package_versions(),
    )
