"""The Jacobson-Truax reliable change index, for one person or many.

Jacobson, N. S., & Truax, P. (1991). Clinical significance: a statistical
approach to defining meaningful change in psychotherapy research. *Journal of
Consulting and Clinical Psychology*, 59(1), 12-19.
"""

from __future__ import annotations

import math
from typing import Literal

import numpy as np
import numpy.typing as npt

from survey.errors import DataError

__all__ = ["RCI_CUTOFF", "rci", "rci_category"]

#: |RCI| above this is more change than measurement error would explain (two-sided 5 %).
RCI_CUTOFF = 1.96

Category = Literal["improved", "unchanged", "deteriorated"]


def rci(difference: float | npt.ArrayLike, *, sd_pre: float, reliability: float) -> npt.NDArray[np.float64]:
    """Reliable change index: ``(post - pre) / (sd_pre * sqrt(2) * sqrt(1 - reliability))``.

    Parameters
    ----------
    difference : float or array-like
        Post minus pre, one value per person.
    sd_pre : float
        Standard deviation of the pre scores (n - 1), from the sample or the norms.
    reliability : float
        The scale's reliability (e.g. Cronbach's alpha or a retest ICC), in (0, 1).

    Returns
    -------
    numpy.ndarray
        One index per difference (a 0-d array for a single value).

    Examples
    --------
    >>> float(rci(0.5, sd_pre=0.6, reliability=0.8))
    1.3176...
    """
    if not (math.isfinite(sd_pre) and sd_pre > 0):
        raise DataError(f"sd_pre: {sd_pre!r} is not a positive number; expected the SD of the pre scores")
    if not (math.isfinite(reliability) and 0 < reliability < 1):
        raise DataError(f"reliability: {reliability!r} is outside (0, 1); expected e.g. Cronbach's alpha")
    se_diff = sd_pre * math.sqrt(2.0) * math.sqrt(1.0 - reliability)
    return np.asarray(difference, dtype=float) / se_diff


def rci_category(index: float, *, higher_is_better: bool = True) -> Category:
    """``improved``, ``unchanged`` or ``deteriorated`` at |RCI| > :data:`RCI_CUTOFF`.

    Examples
    --------
    >>> rci_category(2.5), rci_category(-2.5), rci_category(1.0)
    ('improved', 'deteriorated', 'unchanged')
    >>> rci_category(2.5, higher_is_better=False)
    'deteriorated'
    """
    if not math.isfinite(index) or abs(index) <= RCI_CUTOFF:
        return "unchanged"
    up = index > 0
    return "improved" if up == higher_is_better else "deteriorated"
