"""Diverging stacked bars of Likert answers."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.transforms import ScaledTranslation

from analysis._checks import check_frame, check_numeric
from analysis.plots.theme import NEUTRAL, Context, new_axes, themed

__all__ = ["likert_shares", "likert_bars"]


def likert_shares(data: pd.DataFrame, items: Sequence[str], codes: Sequence[int]) -> pd.DataFrame:
    """Share of each answer code per item among those who answered it.

    Returns
    -------
    DataFrame
        Index: item; columns: the codes (in order); rows sum to 1 (NaN
        for an item nobody answered).
    """
    x = data[list(items)].to_numpy(dtype="float64", na_value=np.nan)
    counts = np.stack([(x == c).sum(axis=0) for c in codes], axis=1).astype("float64")
    total = counts.sum(axis=1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        shares = counts / total
    return pd.DataFrame(shares, index=list(items), columns=list(codes))


def likert_bars(
    data: pd.DataFrame,
    *,
    items: Sequence[str],
    levels: Mapping[int, str],
    item_labels: Mapping[str, str] | None = None,
    title: str = "Answers",
    context: Context = "notebook",
    ax: Axes | None = None,
) -> Figure:
    """Diverging stacked bars: disagreement left of 0, agreement right, the
    middle category split across 0.

    Parameters
    ----------
    data : DataFrame
        Wide responses with one integer-code column per item.
    items : list of str
        Item columns, drawn top to bottom in this order.
    levels : mapping
        Answer code -> label, lowest code first (e.g.
        ``instrument.value_labels(item)``).
    item_labels : mapping, optional
        Item id -> y tick label (default the id).
    title : str
        Axes title (e.g. the scale name).
    context, ax
        As :func:`analysis.plots.balance_distribution`.

    Returns
    -------
    Figure
        One horizontal bar segment per item and code (``ax.patches``), a
        legend with the level labels in order, x axis ``Share of answers``.
    """
    check_frame(data, "data")
    check_numeric(data, items, "items")
    codes = sorted(levels)
    shares = likert_shares(data, items, codes).fillna(0.0).to_numpy()
    k = len(codes)
    mid = (k - 1) / 2
    weights = np.where(np.arange(k) < mid, 1.0, np.where(np.arange(k) == mid, 0.5, 0.0))
    left0 = -(shares * weights).sum(axis=1)
    lefts = left0[:, None] + np.concatenate(
        [np.zeros((len(items), 1)), np.cumsum(shares, axis=1)[:, :-1]], axis=1
    )
    colours = sns.color_palette("RdBu", k)  # diverging, colour-blind friendly
    if k % 2:
        colours[k // 2] = (0.82, 0.82, 0.82)
    names = dict(item_labels or {})
    y = np.arange(len(items))
    with themed(context):
        fig, ax = new_axes(ax, (9, 1 + 0.38 * len(items)))
        for j, code in enumerate(codes):
            ax.barh(
                y,
                shares[:, j],
                left=lefts[:, j],
                color=colours[j],
                edgecolor="white",
                height=0.75,
                label=levels[code],
            )
        ax.axvline(0, color=NEUTRAL, lw=1)
        ax.set_yticks(y, [names.get(i, i) for i in items])
        ax.invert_yaxis()
        lim = max(1.0, float(np.max(-left0, initial=0)), float(np.max(left0 + 1, initial=0)))
        ax.set(xlim=(-lim, lim), xlabel="Share of answers", title=title)
        ticks = np.linspace(-1, 1, 5)
        ax.set_xticks(ticks, [f"{abs(t):.0%}" for t in ticks])
        # below the x label whatever the figure's height: offset in inches, not axes units
        below = ax.transAxes + ScaledTranslation(0, -0.6, fig.dpi_scale_trans)
        ax.legend(
            ncols=min(k, 5),
            loc="upper center",
            bbox_to_anchor=(0.5, 0),
            bbox_transform=below,
            frameon=False,
            fontsize="small",
        )
        ax.grid(axis="y", visible=False)
    return fig
