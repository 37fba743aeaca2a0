"""The report's tables and figure collections: descriptives, comparisons,
regression and the methods paragraph."""

from __future__ import annotations

from typing import Any

import pandas as pd

from netsoc.report.study import Study, package_versions

__all__ = ["score_columns", "descriptives", "regression_formula", "regression_data",
           "likert_figures", "group_figures", "comparison_table", "methods"]


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
    out = pd.DataFrame({"n": x.count(), "mean": x.mean(), "sd": x.std(), "median": x.median(),
                        "min": x.min(), "max": x.max(), "skew": x.skew()})
    return out.rename_axis("score").reset_index()


def regression_formula(study: Study, outcome: str = "balance", min_group_size: int = 5) -> str:
    """``outcome ~ C(g1) + C(g2) ...`` over the grouping fields with enough levels.

    Levels coded ``na`` ("prefer not to say") are set to missing first by
    :func:`regression_data` (with the same ``min_group_size``); fields left with
    fewer than two levels are skipped.
    """
    data = regression_data(study, min_group_size)
    terms = [f"C({g})" for g in study.groups if data[g].nunique(dropna=True) >= 2]
    return f"{outcome} ~ " + (" + ".join(terms) if terms else "1")


def regression_data(study: Study, min_group_size: int = 5) -> pd.DataFrame:
    """Scores with ``na`` and levels smaller than ``min_group_size`` set to missing."""
    out = study.scores.copy()
    for g in study.groups:
        s = out[g].astype("object").where(out[g].astype("object") != "na")
        counts = s.value_counts()
        small = counts.index[counts < min_group_size]
        out[g] = s.where(~s.isin(small))
    return out


def likert_figures(study: Study) -> list[Any]:
    """One diverging Likert figure per scale (all responses analysed)."""
    from analysis.plots import likert_bars

    inst = study.instrument
    figs = []
    for name, spec in inst.scales.items():
        items = [i.id for i in inst.scale_items(name)]
        figs.append(likert_bars(study.included, items=items, levels=inst.value_labels(items[0]),
                                title=f"{spec.label}: answers per item"))
    return figs


def group_figures(study: Study, *, min_group_size: int = 5) -> list[Any]:
    """Per grouping field: networking and socializing means (95 % CI) and the
    balance means, small groups suppressed."""
    from analysis.plots import group_points

    figs = []
    for g in study.groups:
        labels = study.instrument.value_labels(g)
        figs.append(group_points(study.scores, dv=["networking", "socializing"], group=g,
                                 labels=labels, min_group_size=min_group_size))
        figs.append(group_points(study.scores, dv="balance", group=g, labels=labels,
                                 min_group_size=min_group_size, reference=0.0))
    return figs


def comparison_table(comparisons: pd.DataFrame, alpha: float = 0.05) -> pd.DataFrame:
    """The comparison table for display: the main columns and ``significant``
    (``p_adj < alpha``), rounded to 3 decimals (4 for p values)."""
    cols = ["dv", "group", "test", "k", "n", "statistic", "df1", "df2", "p", "p_adj",
            "effect", "estimate", "levene_p", "suppressed", "reason"]
    out = comparisons[[c for c in cols if c in comparisons.columns]].copy()
    out.insert(out.columns.get_loc("p_adj") + 1, "significant", out["p_adj"] < alpha)
    rounding = {c: 4 for c in ("p", "p_adj", "levene_p")}
    rounding.update({c: 3 for c in ("statistic", "df1", "df2", "estimate")})
    return out.round(rounding)


def methods(study: Study, *, reliability: pd.DataFrame | None = None,
            comparisons: pd.DataFrame | None = None, regression: pd.DataFrame | None = None,
            alpha: float = 0.05, structure: str | None = None) -> str:
    """:func:`analysis.methods.methods_paragraph` for this study
    (``structure``: :func:`structure_methods`)."""
    from analysis.methods import methods_paragraph

    return methods_paragraph(instrument=study.instrument, n_total=study.n_total,
                             n_excluded=study.n_excluded, exclusion_rule=study.exclusion_rule,
                             reliability=reliability, structure=structure, comparisons=comparisons,
                             regression=regression, alpha=alpha, seed=study.seed,
                             data_sha256=study.data_sha256, packages=package_versions())
