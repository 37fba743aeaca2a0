"""Plots of scores: the balance distribution, the networking-vs-socializing
quadrant with the profile regions, and the facet profile."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.axes import Axes
from matplotlib.colors import ListedColormap
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from analysis._checks import check_frame, check_numeric
from analysis.plots.theme import (
    NEUTRAL,
    ORIENTATION_COLORS,
    PALETTE,
    Context,
    new_axes,
    palette,
    t_interval,
    themed,
)

if TYPE_CHECKING:
    from survey.instrument import Instrument

__all__ = ["balance_distribution", "quadrant", "facet_profile", "profile_regions"]

BALANCE_LABEL = "Balance  (\u2190 socializing  |  networking \u2192)"


def balance_distribution(
    data: pd.DataFrame,
    *,
    balance: str = "balance",
    person: float | None = None,
    group_mean: float | None = None,
    person_label: str = "You",
    group_label: str = "Group mean",
    bins: int = 20,
    context: Context = "notebook",
    ax: Axes | None = None,
) -> Figure:
    """Histogram of the balance index on its full range [-1, 1].

    Parameters
    ----------
    data : DataFrame
        One row per respondent.
    balance : str
        Column with the balance index (NA rows are dropped).
    person, group_mean : float, optional
        Draw a labelled vertical marker at a person's balance (solid) and at a
        group mean (dashed).
    person_label, group_label : str
        Legend labels of the two markers.
    bins : int
        Number of equal-width bins over [-1, 1].
    context : str
        seaborn plotting context (``"talk"`` for a projector).
    ax : Axes, optional
        Draw into this Axes instead of a new figure.

    Returns
    -------
    Figure
        Axes title ``"Balance distribution"``; y axis ``Respondents``.
    """
    check_frame(data, "data")
    check_numeric(data, balance, "balance")
    values = data[balance].astype("float64").dropna()
    with themed(context):
        fig, ax = new_axes(ax, (8, 4.5))
        sns.histplot(
            x=values.to_numpy(), bins=bins, binrange=(-1, 1), ax=ax, color=PALETTE[2], edgecolor="white"
        )
        ax.axvline(0, color=NEUTRAL, lw=1, ls=":")
        if group_mean is not None:
            ax.axvline(float(group_mean), color=PALETTE[4], lw=3, ls="--", label=group_label)
        if person is not None:
            ax.axvline(float(person), color=PALETTE[3], lw=3, label=person_label)
        if person is not None or group_mean is not None:
            ax.legend(loc="upper left", frameon=True)
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))  # counts of people
        ax.set(xlim=(-1, 1), xlabel=BALANCE_LABEL, ylabel="Respondents", title="Balance distribution")
    return fig


def profile_regions(
    instrument: Instrument,
    *,
    resolution: int = 201,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[str]]:
    """The instrument's profiles on a grid of (socializing, networking) scores.

    Returns
    -------
    x, y : ndarray
        Socializing and networking grid coordinates (scale range).
    codes : ndarray
        Profile index per grid point (``-1`` outside every profile).
    labels : list of str
        Profile labels in instrument order.
    """
    lo, hi = instrument.response_range(instrument.item_ids[0])
    axis = np.linspace(lo, hi, resolution)
    soc, net = np.meshgrid(axis, axis)
    bal = (net - soc) / (hi - lo)
    eng = (net + soc) / 2
    codes = np.full(bal.shape, -1)
    for i, p in enumerate(instrument.profiles):
        (b0, b1), (e0, e1) = p.balance, p.engagement
        inb = (bal >= b0) & ((bal < b1) | (b1 >= 1.0))
        ine = (eng >= e0) & ((eng < e1) | (e1 >= hi))
        codes[inb & ine & (codes < 0)] = i
    return axis, axis, codes, [p.label for p in instrument.profiles]


def quadrant(
    data: pd.DataFrame,
    *,
    networking: str = "networking",
    socializing: str = "socializing",
    hue: str | None = None,
    instrument: Instrument | None = None,
    regions: bool = True,
    context: Context = "notebook",
    ax: Axes | None = None,
) -> Figure:
    """Scatter of networking (y) against socializing (x) with the profile regions.

    Points carry no labels or ids.  The regions are the instrument's
    profiles (balance x engagement) drawn as shaded areas with their labels.

    Parameters
    ----------
    data : DataFrame
        One row per respondent.
    networking, socializing : str
        Score columns on the response scale (rows with NA are dropped).
    hue : str, optional
        Column to colour the points by.
    instrument : Instrument, optional
        Where the profiles and scale range come from; default the shipped one.
    regions : bool
        Shade and label the profile regions.
    context, ax
        As :func:`balance_distribution`.

    Returns
    -------
    Figure
        Axes title ``"Networking vs socializing"``; x label ``Socializing``,
        y label ``Networking``; one text label per profile region.
    """
    from survey.instrument import load_instrument

    check_frame(data, "data")
    check_numeric(data, [networking, socializing], "networking/socializing")
    inst = instrument if instrument is not None else load_instrument()
    lo, hi = inst.response_range(inst.item_ids[0])
    cols = [networking, socializing] + ([hue] if hue else [])
    pts = data[cols].dropna(subset=[networking, socializing])
    with themed(context):
        fig, ax = new_axes(ax, (7, 7))
        if regions:
            _draw_regions(ax, inst, lo, hi)
        ax.plot([lo, hi], [lo, hi], color=NEUTRAL, lw=1, ls=":", zorder=1)
        if len(pts):
            sns.scatterplot(
                data=pts,
                x=socializing,
                y=networking,
                hue=hue,
                ax=ax,
                color=None if hue else "0.15",
                palette=palette(pts[hue].nunique()) if hue else None,
                alpha=0.7,
                s=40,
                edgecolor="white",
                linewidth=0.5,
                zorder=2,
            )
        ax.set(
            xlim=(lo, hi),
            ylim=(lo, hi),
            aspect="equal",
            xlabel="Socializing",
            ylabel="Networking",
            title="Networking vs socializing",
        )
    return fig


def _draw_regions(ax: Axes, inst: Instrument, lo: float, hi: float) -> None:
    """Shade the instrument's profile regions on the score square and label each at its median."""
    x, y, codes, labels = profile_regions(inst)
    shades = ListedColormap([(*c, 0.13) for c in palette(len(labels))])
    masked = np.ma.masked_less(codes, 0)
    ax.imshow(
        masked,
        cmap=shades,
        vmin=-0.5,
        vmax=len(labels) - 0.5,
        origin="lower",
        extent=(lo, hi, lo, hi),
        interpolation="nearest",
        zorder=0,
        aspect="auto",
    )
    for i, label in enumerate(labels):
        yy, xx = np.nonzero(codes == i)
        if len(xx):
            ax.text(
                float(np.median(x[xx])),
                float(np.median(y[yy])),
                label,
                ha="center",
                va="center",
                color="0.25",
                fontsize="small",
                fontweight="bold",
                zorder=3,
                bbox=dict(facecolor="white", alpha=0.6, edgecolor="none"),
            )


def facet_profile(
    data: pd.DataFrame,
    *,
    facets: Sequence[str] | None = None,
    labels: dict[str, str] | None = None,
    instrument: Instrument | None = None,
    orientations: Sequence[str] = ("networking", "socializing"),
    context: Context = "notebook",
    ax: Axes | None = None,
) -> Figure:
    """Networking and socializing per facet: means with 95 % CIs (one row: the person).

    Parameters
    ----------
    data : DataFrame
        Scores with ``<orientation>_<facet>`` columns (as
        :func:`analysis.scoring.score` returns).  With one row the points are
        that person's scores, without intervals.
    facets : list of str, optional
        Facet ids, default all the instrument's facets.
    labels : dict, optional
        Facet id -> display label; default the instrument's labels.
    orientations : pair of str
        The two orientations (column prefixes), coloured consistently.
    instrument, context, ax
        As :func:`quadrant`.

    Returns
    -------
    Figure
        Axes title ``"Facet profile"``; one y tick per facet; a legend with
        the orientations.
    """
    from survey.instrument import load_instrument

    check_frame(data, "data")
    inst = instrument if instrument is not None else load_instrument()
    facet_ids = list(facets) if facets is not None else list(inst.facets)
    names = labels or {f: inst.facets[f].label if f in inst.facets else f for f in facet_ids}
    cols = [f"{o}_{f}" for o in orientations for f in facet_ids]
    check_numeric(data, cols, "data")
    long = data[cols].astype("float64").melt(var_name="column", value_name="score").dropna()
    split = long["column"].str.split("_", n=1, expand=True)
    long["orientation"] = split[0].str.capitalize()
    long["facet"] = pd.Categorical(split[1].map(names), categories=[names[f] for f in facet_ids])
    lo, hi = inst.response_range(inst.item_ids[0])
    with themed(context):
        fig, ax = new_axes(ax, (8, 6))
        sns.pointplot(
            data=long,
            x="score",
            y="facet",
            hue="orientation",
            hue_order=[o.capitalize() for o in orientations],
            palette=[ORIENTATION_COLORS.get(o, PALETTE[i]) for i, o in enumerate(orientations)],
            errorbar=t_interval if len(data) > 1 else None,
            dodge=0.3,
            linestyle="none",
            markers=["o", "s"],
            ax=ax,
        )
        ax.set(xlim=(lo - 0.1, hi + 0.1), xlabel=f"Mean score ({lo}-{hi})", ylabel="", title="Facet profile")
        ax.legend(title=None, loc="lower right")
    return fig
