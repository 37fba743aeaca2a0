"""One theme for every netsoc figure: seaborn ``whitegrid``, the colour-blind
palette and font sizes that stay readable on a projector.

The theme is applied with context managers inside each plot function
(:func:`themed`), so importing or calling the plots never changes global
matplotlib state.  Figures are made with :class:`matplotlib.figure.Figure`
directly, not through ``pyplot``: nothing is registered or shown.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, Literal

import matplotlib as mpl
import numpy as np
import seaborn as sns
from matplotlib.axes import Axes
from matplotlib.figure import Figure

__all__ = ["t_interval", "PALETTE", "ORIENTATION_COLORS", "Context", "themed", "palette", "new_axes"]

#: seaborn's colour-blind-safe qualitative palette (Wong / Okabe-Ito style).
PALETTE: list[tuple[float, float, float]] = sns.color_palette("colorblind")
#: Fixed colours for the two orientations, the same in every figure.
ORIENTATION_COLORS: dict[str, tuple[float, float, float]] = {
    "networking": PALETTE[0],  # blue
    "socializing": PALETTE[1],  # orange
}
NEUTRAL = (0.55, 0.55, 0.55)

#: ``"paper"``/``"notebook"`` for reports, ``"talk"``/``"poster"`` for a projector.
Context = Literal["paper", "notebook", "talk", "poster"]
_CONTEXTS = ("paper", "notebook", "talk", "poster")


def palette(n: int) -> list[tuple[float, float, float]]:
    """``n`` colour-blind-safe colours (cycled beyond 10)."""
    return [PALETTE[i % len(PALETTE)] for i in range(n)]


@contextmanager
def themed(context: Context = "notebook") -> Iterator[None]:
    """Apply the netsoc theme for the duration of a ``with`` block.

    Parameters
    ----------
    context : {"paper", "notebook", "talk", "poster"}
        seaborn plotting context; ``"talk"`` and ``"poster"`` enlarge fonts
        and lines for a projector.

    Raises
    ------
    ValueError
        Unknown ``context``.
    """
    if context not in _CONTEXTS:
        raise ValueError(f"context: got {context!r}; expected one of {', '.join(_CONTEXTS)}")
    rc: dict[str, Any] = {
        "axes.spines.top": False,
        "axes.spines.right": False,
        "axes.titleweight": "bold",
        "figure.dpi": 100,
        "savefig.dpi": 110,
        "axes.prop_cycle": mpl.cycler(color=PALETTE),  # type: ignore[attr-defined]
    }
    with sns.axes_style("whitegrid"), sns.plotting_context(context, font_scale=1.05), mpl.rc_context(rc):  # type: ignore[arg-type]
        yield


def new_axes(ax: Axes | None, figsize: tuple[float, float]) -> tuple[Figure, Axes]:
    """Use ``ax`` or make a new constrained-layout Figure with one Axes."""
    if ax is not None:
        return ax.figure, ax  # type: ignore[return-value]
    fig = Figure(figsize=figsize, layout="constrained")
    return fig, fig.add_subplot()


def t_interval(values: np.ndarray, ci: float = 0.95) -> tuple[float, float]:
    """t-based confidence interval of a mean (seaborn ``errorbar`` callable).

    The same interval as :func:`analysis.summary.group_means`, so figures and
    tables agree; NaN for fewer than two values.
    """
    from scipy import stats

    v = np.asarray(values, dtype="float64")
    v = v[~np.isnan(v)]
    if len(v) < 2:
        return (np.nan, np.nan)
    m, se = v.mean(), v.std(ddof=1) / np.sqrt(len(v))
    q = stats.t.ppf(0.5 + ci / 2, len(v) - 1)
    return (float(m - q * se), float(m + q * se))
