"""Plots by group: mean scores with 95 % CIs and profile shares.

Both suppress groups with fewer than ``min_group_size`` respondents (small
groups could identify people) and say so in a note under the axes.
"""

from __future__ import annotations

import textwrap
from collections.abc import Mapping, Sequence

import pandas as pd
import seaborn as sns
from matplotlib.axes import Axes
from matplotlib.container import BarContainer
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from analysis._checks import check_columns, check_frame, check_numeric
from analysis.plots.theme import NEUTRAL, ORIENTATION_COLORS, Context, new_axes, palette, t_interval, themed
from survey.schema import MIN_GROUP_SIZE, check_min_group_size

__all__ = ["group_points", "profile_bars", "large_groups"]


def large_groups(
    values: pd.Series, min_group_size: int, exclude: Sequence[object] = ("na",)
) -> tuple[list, list[str]]:
    """Levels with at least ``min_group_size`` rows, and the suppressed ones.

    Returns
    -------
    kept : list
        Levels kept, in category (or sorted) order.
    suppressed : list of str
        ``"level (n<k)"`` for every non-empty level that is too small; the
        exact count is not shown.
    """
    check_min_group_size(min_group_size)
    counts = values[~values.isin(list(exclude))].value_counts(sort=False, dropna=True)
    if not isinstance(values.dtype, pd.CategoricalDtype):
        counts = counts.sort_index()
    kept = [lv for lv, c in counts.items() if c >= min_group_size]
    small = [f"{lv} (n<{min_group_size})" for lv, c in counts.items() if 0 < c < min_group_size]
    return kept, small


def _note(ax: Axes, suppressed: list[str], min_group_size: int) -> None:
    """A note at the foot of the figure naming the levels left out."""
    if suppressed:
        text = f"Not shown (fewer than {min_group_size} respondents): " + ", ".join(suppressed)
        # supxlabel takes part in the constrained layout, so it never overlaps
        ax.figure.supxlabel(textwrap.fill(text, 100), x=0.01, ha="left", fontsize="x-small", color="0.3")


def group_points(
    data: pd.DataFrame,
    *,
    dv: str | Sequence[str],
    group: str,
    labels: Mapping[object, str] | None = None,
    min_group_size: int = MIN_GROUP_SIZE,
    exclude: Sequence[object] = ("na",),
    reference: float | None = None,
    context: Context = "notebook",
    ax: Axes | None = None,
) -> Figure:
    """Mean of one or more scores per group with t-based 95 % CIs.

    Parameters
    ----------
    data : DataFrame
        One row per respondent.
    dv : str or list of str
        Score column(s); several are drawn side by side in their own colours.
    group : str
        Grouping column (one y position per level).
    labels : mapping, optional
        Level -> display label (e.g. ``instrument.value_labels(group)``).
    min_group_size : int, default :data:`survey.schema.MIN_GROUP_SIZE`
        Levels with fewer respondents are left out and listed in a note.
    exclude : levels
        Levels that are not groups (the instrument's "prefer not to say").
    reference : float, optional
        Draw a dotted reference line (e.g. 0 for the balance).
    context, ax
        As :func:`analysis.plots.balance_distribution`.

    Returns
    -------
    Figure
        Axes title ``"<dv> by <group>"``; one y tick per level shown;
        ``fig.netsoc_suppressed`` lists the levels left out.
    """
    check_frame(data, "data")
    dvs = check_numeric(data, dv, "dv")
    check_columns(data, group, "group")
    kept, suppressed = large_groups(data[group], min_group_size, exclude)
    sub = data.loc[data[group].isin(kept), [group, *dvs]]
    long = sub.melt(id_vars=group, value_vars=dvs, var_name="score", value_name="value").dropna()
    names = dict(labels or {})
    long["level"] = pd.Categorical(
        long[group].astype(object).map(lambda v: names.get(v, str(v))),
        categories=[names.get(v, str(v)) for v in kept],
    )
    colours = [ORIENTATION_COLORS.get(d, c) for d, c in zip(dvs, palette(len(dvs)))]
    with themed(context):
        fig, ax = new_axes(ax, (8, 1.2 + 0.6 * max(len(kept), 1)))
        if len(long):
            sns.pointplot(
                data=long,
                x="value",
                y="level",
                hue="score",
                hue_order=dvs,
                palette=colours,
                errorbar=t_interval,
                dodge=0.3 if len(dvs) > 1 else False,
                linestyle="none",
                ax=ax,
            )
            legend = ax.get_legend()
            if len(dvs) == 1 and legend is not None:
                legend.remove()
            elif ax.get_legend() is not None:
                ax.legend(title=None, loc="best", fontsize="small")
        else:
            ax.text(
                0.5,
                0.5,
                f"No group has at least {min_group_size} respondents",
                ha="center",
                va="center",
                transform=ax.transAxes,
            )
        if reference is not None:
            ax.axvline(reference, color=NEUTRAL, lw=1, ls=":")
        ax.set(xlabel=", ".join(dvs), ylabel="", title=f"{' / '.join(dvs)} by {group}")
        _note(ax, suppressed, min_group_size)
    fig.netsoc_suppressed = suppressed  # type: ignore[attr-defined]
    return fig


def profile_bars(
    data: pd.DataFrame,
    *,
    profile: str = "profile",
    group: str | None = None,
    labels: Mapping[object, str] | None = None,
    group_labels: Mapping[object, str] | None = None,
    min_group_size: int = MIN_GROUP_SIZE,
    exclude: Sequence[object] = ("na",),
    context: Context = "notebook",
    ax: Axes | None = None,
) -> Figure:
    """Respondents per profile; with ``group``, the share of each profile per group.

    Parameters
    ----------
    data : DataFrame
        One row per respondent with a profile column (NA: unscored, left out).
    profile : str
        Profile column (categorical order is kept).
    group : str, optional
        Grouping column; bars become within-group shares (hue = profile).
    labels : mapping, optional
        Profile id -> display label.
    group_labels : mapping, optional
        Group level -> display label.
    min_group_size, exclude
        As :func:`group_points` (only with ``group``).
    context, ax
        As :func:`analysis.plots.balance_distribution`.

    Returns
    -------
    Figure
        Without ``group``: one bar per profile (heights = counts, labelled),
        y label ``Respondents``.  With ``group``: bars of shares, y label
        ``Share of group``; ``fig.netsoc_suppressed`` lists the levels left out.
    """
    check_frame(data, "data")
    check_columns(data, [profile] + ([group] if group else []), "profile/group")
    names = dict(labels or {})
    prof = data[profile]
    order = (
        list(prof.cat.categories)
        if isinstance(prof.dtype, pd.CategoricalDtype)
        else sorted(prof.dropna().unique())
    )
    shown = [names.get(p, str(p)) for p in order]
    suppressed: list[str] = []
    with themed(context):
        if group is None:
            fig, ax = new_axes(ax, (8, 4.5))
            counts = prof.value_counts().reindex(order, fill_value=0)
            sns.barplot(
                x=shown, y=counts.to_numpy(), hue=shown, palette=palette(len(order)), legend=False, ax=ax
            )
            for container in ax.containers:
                if isinstance(container, BarContainer):
                    ax.bar_label(container, fontsize="small")
            ax.yaxis.set_major_locator(MaxNLocator(integer=True))  # counts of people
            ax.set(xlabel="", ylabel="Respondents", title="Profiles")
        else:
            kept, suppressed = large_groups(data[group], min_group_size, exclude)
            sub = data.loc[data[group].isin(kept) & prof.notna(), [group, profile]]
            share = pd.crosstab(sub[group], sub[profile], normalize="index").reindex(
                index=kept, columns=order, fill_value=0.0
            )
            long = share.rename_axis(index="group", columns="profile").stack().rename("share").reset_index()
            long["profile"] = long["profile"].astype(object).map(lambda p: names.get(p, str(p)))
            gnames = dict(group_labels or {})
            long["group"] = long["group"].astype(object).map(lambda v: gnames.get(v, str(v)))
            fig, ax = new_axes(ax, (9, 5))
            if len(long):
                sns.barplot(
                    data=long,
                    x="group",
                    y="share",
                    hue="profile",
                    hue_order=shown,
                    palette=palette(len(order)),
                    ax=ax,
                )
                ax.legend(title=None, fontsize="small")
            ax.set(xlabel=group, ylabel="Share of group", ylim=(0, 1), title=f"Profiles by {group}")
            _note(ax, suppressed, min_group_size)
    fig.netsoc_suppressed = suppressed  # type: ignore[attr-defined]
    return fig
