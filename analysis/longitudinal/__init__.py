"""Before and after: change between two waves of one workshop.

The functions take the stacked table (one row per person per wave) with
``time=`` (the wave column, two values) and ``subject=`` (the linking column),
as pingouin's repeated-measures functions do.

==================  =========================================================
rci                 :func:`rci`, :data:`RCI_CUTOFF`, :func:`rci_category`
invariance          :func:`longitudinal_invariance` (the ladder across waves)
change              :func:`retest_reliability`, :func:`paired_change`,
                    :func:`reliable_change`
waves               the checks of the stacked table and the order of the waves
==================  =========================================================
"""

from __future__ import annotations

from analysis.longitudinal.change import paired_change, reliable_change, retest_reliability
from analysis.longitudinal.invariance import longitudinal_invariance
from analysis.longitudinal.rci import RCI_CUTOFF, rci, rci_category

__all__ = [
    "RCI_CUTOFF",
    "rci",
    "rci_category",
    "longitudinal_invariance",
    "retest_reliability",
    "paired_change",
    "reliable_change",
]
