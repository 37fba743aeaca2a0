"""The rules that pick the feedback's words, each in one place.

- :func:`balance_side`: one rule for the balance words and the profile.  The
  "about even" band is the balance interval of the instrument's balanced
  profile (the one whose balance range holds 0 and is narrower than the whole
  scale), with the profiles' own interval convention ``[min, max)``, so the
  sentence under a profile never contradicts it at any score.
- :func:`largest_gaps`: the facets with the largest gap between networking and
  socializing, the side to try more of, and the minimum gap worth a tip.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

from survey.instrument import Instrument

__all__ = ["SIDES", "TRY_MIN_GAP", "TRY_COUNT", "balance_band", "balance_side", "largest_gaps"]

#: The three balance words, in order from socializing to networking.
SIDES: tuple[str, str, str] = ("socializing", "even", "networking")
#: A facet gap smaller than this (in scale points) gets no "what to try" tip.
TRY_MIN_GAP = 0.5
#: How many facets the feedback suggests something for.
TRY_COUNT = 2


def balance_band(instrument: Instrument) -> tuple[float, float]:
    """The ``[low, high)`` balance interval read as "about even".

    It is the balance range of the profile whose range holds 0 and is not the
    whole scale (the shipped "Balanced connector": ``[-0.15, 0.15)``).  An
    instrument without such a profile has an empty band at exactly 0.
    """
    narrow = [p for p in instrument.profiles if (p.balance[1] - p.balance[0]) < 2.0]
    for p in narrow:
        if p.balance[0] <= 0.0 < p.balance[1]:
            return float(p.balance[0]), float(p.balance[1])
    return 0.0, 0.0


def balance_side(value: float, instrument: Instrument) -> str | None:
    """``"socializing"``, ``"even"`` or ``"networking"`` for a balance; ``None`` if not scored."""
    if value is None or math.isnan(value):
        return None
    low, high = balance_band(instrument)
    if low == high:
        return "even" if value == 0 else "networking" if value > 0 else "socializing"
    return "socializing" if value < low else "networking" if value >= high else "even"


def largest_gaps(
    facets: Sequence[Mapping[str, Any]], *, count: int = TRY_COUNT, min_gap: float = TRY_MIN_GAP
) -> list[dict[str, Any]]:
    """The facets with the largest networking-socializing gap, largest first.

    Parameters
    ----------
    facets : sequence of mappings
        Rows of :func:`analysis.individual.facet_rows` (``facet``, ``label``,
        ``networking``, ``socializing``, ``difference``).
    count : int
        At most this many facets.
    min_gap : float
        Smaller gaps are left out (no tip for a facet that is about even).

    Returns
    -------
    list of dict
        The facet rows with ``gap`` (absolute difference), ``stronger`` and
        ``weaker`` (orientation names: the tip is about the weaker one).
        Ties keep the instrument's facet order.
    """
    scored = [f for f in facets if not math.isnan(f["difference"])]
    ranked = sorted(scored, key=lambda f: -abs(f["difference"]))
    out = []
    for f in ranked[:count]:
        gap = abs(f["difference"])
        if gap < min_gap:
            break
        net_ahead = f["difference"] > 0
        out.append(
            {
                **f,
                "gap": gap,
                "stronger": "networking" if net_ahead else "socializing",
                "weaker": "socializing" if net_ahead else "networking",
            }
        )
    return out
