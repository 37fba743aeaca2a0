"""Before and after: change between two waves of one workshop.

The functions take the stacked table (one row per person per wave) with
``time=`` (the wave column, two values) and ``subject=`` (the linking column),
as pingouin's repeated-measures functions do.

==================  =========================================================
rci                 :func:`rci`, :data:`RCI_CUTOFF`, :func:`rci_category`
==================  =========================================================
"""

from __future__ import annotations

from analysis.longitudinal.rci import RCI_CUTOFF, rci, rci_category

__all__ = ["RCI_CUTOFF", "rci", "rci_category"]
