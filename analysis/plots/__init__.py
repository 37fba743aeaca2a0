"""netsoc figures (seaborn).  Every function takes data and keyword-only column
names and returns a :class:`matplotlib.figure.Figure` (never shown); all share
one theme with a colour-blind-safe palette (:mod:`analysis.plots.theme`).

- :func:`balance_distribution` - histogram of the balance with optional markers.
- :func:`quadrant` - networking vs socializing with the profile regions.
- :func:`facet_profile` - networking vs socializing per facet.
- :func:`likert_bars` - diverging stacked bars of answers per item.
- :func:`group_points` - group means with 95 % CIs (small groups suppressed).
- :func:`profile_bars` - profile counts, or profile shares by group.
"""

from __future__ import annotations

from analysis.plots.groups import group_points, large_groups, profile_bars
from analysis.plots.likert import likert_bars, likert_shares
from analysis.plots.scores import balance_distribution, facet_profile, profile_regions, quadrant
from analysis.plots.theme import PALETTE, themed

__all__ = [
    "balance_distribution",
    "quadrant",
    "facet_profile",
    "likert_bars",
    "likert_shares",
    "group_points",
    "profile_bars",
    "large_groups",
    "profile_regions",
    "themed",
    "PALETTE",
    "to_png",
]


def to_png(fig, *, dpi: int = 110) -> bytes:  # noqa: ANN001
    """The figure as PNG bytes (``fig.savefig``), without metadata that varies."""
    import io

    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, metadata={"Software": None})
    return buf.getvalue()
