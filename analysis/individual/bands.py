"""Where a participant stands in their workshop, in coarse bands only (privacy)."""

from __future__ import annotations

import numpy as np

from analysis.individual.scorer import BANDS, COARSE_BINS
from survey.schema import MIN_GROUP_SIZE, check_min_group_size

__all__ = ["cohort_band"]


# ----------------------------------------------------------- cohort bands
def _coarse(values: np.ndarray, lo: float, hi: float, bins: int) -> np.ndarray:
    return np.clip(np.floor((values - lo) / (hi - lo) * bins), 0, bins - 1)


def cohort_band(
    value: float,
    peers: np.ndarray,
    lo: float,
    hi: float,
    *,
    min_group_size: int = MIN_GROUP_SIZE,
    bins: int = COARSE_BINS,
) -> str | None:
    """The third of the cohort a score lies in, on coarsened scores.

    Parameters
    ----------
    value : float
        The participant's score.
    peers : array
        The scores of the *other* members of the cohort (NaN ignored).
    lo, hi : float
        The score's possible range.
    min_group_size : int, default :data:`survey.schema.MIN_GROUP_SIZE`
        The comparison needs at least ``2 * min_group_size`` scored members,
        the participant included.
    bins : int, default :data:`COARSE_BINS`
        Equal bins of ``lo..hi`` every score is coarsened to first.

    Returns
    -------
    str or None
        ``"lower"``, ``"middle"`` or ``"upper"``: the mid-rank share of peers
        whose coarse score is below the participant's (ties count half) is
        below 1/3, between 1/3 and 2/3, or above 2/3.  ``None`` when the
        score is missing or the cohort is too small.
    """
    check_min_group_size(min_group_size)
    others = np.asarray(peers, dtype=float)
    others = others[~np.isnan(others)]
    if value is None or np.isnan(value) or len(others) + 1 < 2 * min_group_size:
        return None
    own = _coarse(np.array([value]), lo, hi, bins)[0]
    theirs = _coarse(others, lo, hi, bins)
    share = ((theirs < own).sum() + 0.5 * (theirs == own).sum()) / len(theirs)
    if share < 1 / 3:
        return BANDS[0]
    return BANDS[2] if share > 2 / 3 else BANDS[1]
