"""Secondary (complementary) cell suppression for linked tables of counts (issue 34).

A summary of a room publishes several tables of counts of the same people (a
count per profile, per band of the balance index, per cell of a grid...).  A
cell with 1 to k - 1 people is hidden (primary suppression); but a hidden cell
can often be worked out from the cells shown beside it and the room's size,
alone or together with another table of the same people.  Statistical offices
then hide further cells (secondary suppression) until an intruder who solves
the published equations for the hidden cells can no longer pin any of them to
one value; tau-argus and R's sdcTable audit a pattern with linear programs over
the table's equations.  This module does the same for tables given as sums of
*atoms* (the finest classes a respondent can fall in):

- :func:`cell_bounds` - the smallest and largest value a hidden cell can take,
  given the shown cells and the total, over non-negative integer atom counts
  (:func:`scipy.optimize.milp`, the intruder's best effort);
- :func:`protect` - primary plus secondary suppression: hide cells of 1 to
  k - 1, then, while some hidden cell is pinned, also hide the smallest shown
  cell whose hiding frees it (zeros first, so a zero is shown like the other
  small counts exactly when showing it would pin the rest).

The total is assumed public (the projector says how many answered); every
hidden cell is shown the same way, whatever its size.
"""

from __future__ import annotations

import functools

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, milp

__all__ = ["cell_bounds", "protect"]


def cell_bounds(
    incidence: np.ndarray, shown: np.ndarray, values: np.ndarray, total: int, cell: int
) -> tuple[int, int]:
    """The range a cell can take for someone who knows the shown cells and the total.

    Parameters
    ----------
    incidence : ndarray of bool, shape (cells, atoms)
        Which atoms each published cell adds up.
    shown : ndarray of bool, shape (cells,)
        The cells whose counts are published.
    values : ndarray of int, shape (cells,)
        The published counts (read where ``shown``).
    total : int
        The number of people in the atoms (public).
    cell : int
        The cell to bound.

    Returns
    -------
    tuple of int
        ``(low, high)``: the intruder's smallest and largest feasible value.

    Examples
    --------
    >>> m = np.eye(3, dtype=bool)
    >>> cell_bounds(m, np.array([True, False, False]), np.array([4, 0, 0]), 6, 1)
    (0, 2)
    """
    m = np.asarray(incidence, dtype=float)
    rows = np.vstack([m[np.asarray(shown, dtype=bool)], np.ones(m.shape[1])])
    rhs = np.append(np.asarray(values, dtype=float)[np.asarray(shown, dtype=bool)], float(total))
    constraint = LinearConstraint(rows, rhs, rhs)
    ends = []
    for sign in (1.0, -1.0):
        found = milp(
            sign * m[cell],
            constraints=constraint,
            integrality=np.ones(m.shape[1]),
            bounds=Bounds(0, float(total)),
        )
        if found.status != 0:
            raise ValueError(f"cell_bounds: the published counts admit no solution ({found.message})")
        ends.append(int(round(sign * found.fun)))
    return ends[0], ends[1]


def _pinned(m: np.ndarray, hidden: np.ndarray, cells: np.ndarray, total: int) -> int | None:
    """The first hidden cell someone could pin to one value, or None."""
    for c in np.flatnonzero(hidden):
        low, high = cell_bounds(m, ~hidden, cells, total, int(c))
        if low == high:
            return int(c)
    return None


def _complement(m: np.ndarray, cells: np.ndarray, hidden: np.ndarray, total: int, cell: int) -> int | None:
    """The shown cell to hide next for ``cell``: the smallest whose hiding leaves ``cell``
    two values at least (zeros first), else the smallest shown cell (None: all hidden)."""
    candidates = np.flatnonzero(~hidden)
    candidates = candidates[np.argsort(cells[candidates], kind="stable")]
    for extra in candidates:
        trial = hidden.copy()
        trial[extra] = True
        low, high = cell_bounds(m, ~trial, cells, total, cell)
        if low < high:
            return int(extra)
    return int(candidates[0]) if len(candidates) else None


@functools.lru_cache(maxsize=64)
def _protect(incidence: bytes, shape: tuple[int, int], atoms: tuple[int, ...], k: int) -> bytes:
    m = np.frombuffer(incidence, dtype=bool).reshape(shape)
    a = np.asarray(atoms, dtype=np.int64)
    cells = m.astype(np.int64) @ a
    hidden = (cells > 0) & (cells < k)
    total = int(a.sum())
    while hidden.any():
        cell = _pinned(m, hidden, cells, total)
        if cell is None:
            break
        extra = _complement(m, cells, hidden, total, cell)
        if extra is None:
            break
        hidden[extra] = True
    return hidden.tobytes()


def protect(incidence: np.ndarray, atoms: np.ndarray, min_group_size: int) -> np.ndarray:
    """Which cells to hide so that no count under k shows and no hidden cell can be worked out.

    Parameters
    ----------
    incidence : ndarray of bool, shape (cells, atoms)
        Which atoms each published cell adds up (every table of one view, stacked).
    atoms : ndarray of int, shape (atoms,)
        The true number of people in each atom.
    min_group_size : int
        k.

    Returns
    -------
    ndarray of bool, shape (cells,)
        True where the cell is hidden: every cell of 1 to k - 1 people, and the
        complements that leave each hidden cell at least two possible values.
        The result is cached per input (one room recomputes it once per batch).

    Examples
    --------
    >>> m = np.eye(3, dtype=bool)
    >>> protect(m, np.array([7, 3, 0]), 5).tolist()
    [False, True, True]
    """
    m = np.ascontiguousarray(incidence, dtype=bool)
    key = (m.tobytes(), m.shape, tuple(int(x) for x in atoms), min_group_size)
    return np.frombuffer(_protect(*key), dtype=bool).copy()
