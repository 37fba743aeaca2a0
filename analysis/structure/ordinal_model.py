"""The CFA of ordinal items in lavaan's delta parameterization: layout and moments.

Group ``g`` has loadings ``Lambda`` (simple structure), factor covariances
``Psi``, thresholds ``tau``, intercepts ``nu`` and scale factors ``delta`` of
the latent responses ``y*``, and latent means ``alpha``.  Its model-implied
sample statistics are the polychoric correlations and the thresholds:

* ``rho_ij = delta_i delta_j (Lambda Psi Lambda')_ij`` (the residual variances
  ``theta_i = 1 / delta_i^2 - (Lambda Psi Lambda')_ii`` are not parameters);
* ``tau*_ic = (tau_ic - nu_i - (Lambda alpha)_i) delta_i``.

Every free number is one entry of the parameter vector; an equality across
groups is the same entry used in several groups.  :func:`marker_layout` is
lavaan's ``cfa(ordered=)`` default (first loading 1, ``nu = 0``,
``delta = 1``, ``alpha = 0``); :func:`ladder_layout` the Wu and Estabrook
(2016) models as ``semTools::measEq.syntax(ID.fac = "std.lv", ID.cat =
"Wu.Estabrook.2016", parameterization = "delta")`` writes them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import sparse

from analysis.structure.ordinal_data import pair_index

__all__ = [
    "OrdLayout",
    "marker_layout",
    "ladder_layout",
    "LADDER",
    "values",
    "implied",
    "jacobian",
    "start_values",
]

#: The Wu & Estabrook ladder: what is equal across groups at each step.
LADDER: dict[str, tuple[str, ...]] = {
    "configural": (),
    "thresholds": ("thresholds",),
    "loadings": ("thresholds", "loadings"),
    "intercepts": ("thresholds", "loadings", "intercepts"),
}

_BLOCKS = ("lam", "psi", "tau", "nu", "alpha", "delta")


@dataclass(frozen=True)
class OrdLayout:
    """Parameter indices (``-1`` = fixed) and fixed values, per group.

    ``lam``, ``nu``, ``delta``: ``(G, p)``; ``psi``: ``(G, k, k)`` symmetric;
    ``tau``: ``(G, T)`` (thresholds item by item); ``alpha``: ``(G, k)``.
    ``fixed`` holds the value of every fixed entry, block by block.
    """

    factor_of: np.ndarray
    k: int
    ncat: np.ndarray
    idx: dict
    fixed: dict
    npar: int

    @property
    def groups(self) -> int:
        return self.idx["lam"].shape[0]

    @property
    def item_of_th(self) -> np.ndarray:
        """The item of each threshold."""
        return np.repeat(np.arange(self.ncat.size), self.ncat - 1)

    def group_npar(self, g: int, thresholds: bool = True) -> int:
        """Free parameters that enter group ``g`` (without its thresholds when
        ``thresholds`` is False)."""
        blocks = _BLOCKS if thresholds else tuple(b for b in _BLOCKS if b != "tau")
        every = np.concatenate([self.idx[b][g].ravel() for b in blocks])
        return int(np.unique(every[every >= 0]).size)


def _empty(factor_of: np.ndarray, k: int, ncat: np.ndarray, groups: int) -> tuple[dict, dict]:
    p, t = factor_of.size, int((ncat - 1).sum())
    shapes = {
        "lam": (groups, p),
        "psi": (groups, k, k),
        "tau": (groups, t),
        "nu": (groups, p),
        "alpha": (groups, k),
        "delta": (groups, p),
    }
    idx = {b: np.full(s, -1) for b, s in shapes.items()}
    fixed = {b: np.zeros(s) for b, s in shapes.items()}
    fixed["delta"][:] = 1.0
    return idx, fixed


def _markers(factor_of: np.ndarray, k: int) -> np.ndarray:
    marker = np.zeros(factor_of.size, dtype=bool)
    for j in range(k):
        marker[np.flatnonzero(factor_of == j)[0]] = True
    return marker


def marker_layout(factor_of: np.ndarray, k: int, ncat: np.ndarray, groups: int = 1) -> OrdLayout:
    """lavaan's default for ordered items: each factor's first loading fixed to 1,
    free factor (co)variances and thresholds in every group, ``nu = 0``,
    ``delta = 1``, ``alpha = 0``."""
    idx, fixed = _empty(factor_of, k, ncat, groups)
    counter = iter(range(10**9))
    marker = _markers(factor_of, k)
    fixed["lam"][:, marker] = 1.0
    for g in range(groups):
        idx["lam"][g, ~marker] = [next(counter) for _ in range(int((~marker).sum()))]
        for a in range(k):
            for b in range(a + 1):
                idx["psi"][g, a, b] = idx["psi"][g, b, a] = next(counter)
        idx["tau"][g] = [next(counter) for _ in range(idx["tau"].shape[1])]
    return OrdLayout(factor_of, k, np.asarray(ncat), idx, fixed, next(counter))


def ladder_layout(factor_of: np.ndarray, k: int, ncat: np.ndarray, groups: int, step: str) -> OrdLayout:
    """One step of the Wu & Estabrook (2016) ladder, identified as semTools does
    with ``ID.fac = "std.lv"`` and ``ID.cat = "Wu.Estabrook.2016"`` (delta
    parameterization).

    Group 1: factor variances 1, latent means 0, ``nu = 0``, ``delta = 1``.
    Other groups, for an item with equal thresholds: ``nu`` free unless the
    intercepts are equal too; ``delta`` free when the item has two or more
    thresholds (or one, with equal intercepts).  Factor variances are free
    beyond group 1 once loadings are equal, latent means once intercepts are.
    """
    equal = LADDER[step]
    idx, fixed = _empty(factor_of, k, ncat, groups)
    counter = iter(range(10**9))
    fixed["psi"][:, np.arange(k), np.arange(k)] = 1.0
    nthr = ncat - 1
    for g in range(groups):
        share = g > 0
        if share and "loadings" in equal:
            idx["lam"][g] = idx["lam"][0]
        else:
            idx["lam"][g] = [next(counter) for _ in range(factor_of.size)]
        for a in range(k):
            for b in range(a + 1):
                if a == b and not (share and "loadings" in equal):
                    continue  # variance fixed to 1
                idx["psi"][g, a, b] = idx["psi"][g, b, a] = next(counter)
        if share and "thresholds" in equal:
            idx["tau"][g] = idx["tau"][0]
        else:
            idx["tau"][g] = [next(counter) for _ in range(idx["tau"].shape[1])]
        if share and "thresholds" in equal:
            eq_int = "intercepts" in equal
            for i in range(factor_of.size):
                if not eq_int:
                    idx["nu"][g, i] = next(counter)
                if nthr[i] >= 2 or eq_int:
                    idx["delta"][g, i] = next(counter)
        if share and "intercepts" in equal:
            idx["alpha"][g] = [next(counter) for _ in range(k)]
    return OrdLayout(factor_of, k, np.asarray(ncat), idx, fixed, next(counter))


def values(lay: OrdLayout, x: np.ndarray, g: int) -> dict:
    """The matrices of group ``g`` at ``x``: ``lam`` (p,), ``psi``, ``tau``, ``nu``,
    ``alpha``, ``delta``."""
    return {
        b: np.where(lay.idx[b][g] >= 0, x[np.maximum(lay.idx[b][g], 0)], lay.fixed[b][g]) for b in _BLOCKS
    }


def carry_over(before: OrdLayout, x: np.ndarray, after: OrdLayout) -> np.ndarray:
    """Start values for ``after`` from the estimate ``x`` of ``before`` (the step below on
    a ladder): the same model expressed in ``after``'s parameters, every free number taking
    its value (free or fixed) in ``before``; a parameter shared across groups takes the
    first group's."""
    out = np.zeros(after.npar)
    for b in _BLOCKS:
        new = after.idx[b]
        old = np.where(before.idx[b] >= 0, x[np.maximum(before.idx[b], 0)], before.fixed[b])
        for g in reversed(range(after.groups)):
            free = new[g] >= 0
            out[new[g][free]] = old[g][free]
    return out


def implied(lay: OrdLayout, x: np.ndarray, g: int) -> np.ndarray:
    """Model-implied ``(thresholds, correlations)`` of group ``g``."""
    v = values(lay, x, g)
    f = lay.factor_of
    first, second = pair_index(f.size)
    item = lay.item_of_th
    lam = v["lam"]
    rho = v["delta"][first] * v["delta"][second] * lam[first] * lam[second] * v["psi"][f[first], f[second]]
    th = (v["tau"] - v["nu"][item] - lam[item] * v["alpha"][f[item]]) * v["delta"][item]
    return np.concatenate([th, rho])


def jacobian(lay: OrdLayout, x: np.ndarray, g: int) -> np.ndarray:
    """``d implied / d x`` of group ``g``: ``(T + pairs, npar)``."""
    rows, cols, vals, shape = _jacobian_entries(lay, x, g)
    jac = np.zeros(shape)
    np.add.at(jac, (rows, cols), vals)
    return jac


def sparse_jacobian(lay: OrdLayout, x: np.ndarray, g: int) -> sparse.csr_array:
    """:func:`jacobian` as a sparse matrix (a few non-zeros a row), built from its entries."""
    rows, cols, vals, shape = _jacobian_entries(lay, x, g)
    return sparse.csr_array(sparse.coo_array((vals, (rows, cols)), shape=shape))


def _jacobian_entries(lay: OrdLayout, x: np.ndarray, g: int):
    """The non-zero entries of :func:`jacobian` (repeated positions add up) and its shape."""
    v = values(lay, x, g)
    f = lay.factor_of
    first, second = pair_index(f.size)
    item = lay.item_of_th
    t = item.size
    lam, psi, dl = v["lam"], v["psi"], v["delta"]
    rows_c, rows_t = t + np.arange(first.size), np.arange(t)
    dd = dl[first] * dl[second]
    ps = psi[f[first], f[second]]
    sigma = lam[first] * lam[second] * ps
    idx = {b: lay.idx[b][g] for b in _BLOCKS}
    parts = [
        (rows_c, idx["lam"][first], dd * lam[second] * ps),
        (rows_c, idx["lam"][second], dd * lam[first] * ps),
        (rows_t, idx["lam"][item], -v["alpha"][f[item]] * dl[item]),
        (rows_c, idx["psi"][f[first], f[second]], dd * lam[first] * lam[second]),
        (rows_t, idx["tau"], dl[item]),
        (rows_t, idx["nu"][item], -dl[item]),
        (rows_t, idx["alpha"][f[item]], -lam[item] * dl[item]),
        (rows_c, idx["delta"][first], dl[second] * sigma),
        (rows_c, idx["delta"][second], dl[first] * sigma),
        (rows_t, idx["delta"][item], v["tau"] - v["nu"][item] - lam[item] * v["alpha"][f[item]]),
    ]
    free = [cols >= 0 for _, cols, _ in parts]
    rows = np.concatenate([r[k] for (r, _, _), k in zip(parts, free)])
    cols = np.concatenate([c[k] for (_, c, _), k in zip(parts, free)])
    vals = np.concatenate([val[k] for (_, _, val), k in zip(parts, free)])
    return rows, cols, vals, (t + first.size, lay.npar)


def start_values(lay: OrdLayout, thresholds: list[np.ndarray], cors: list[np.ndarray]) -> np.ndarray:
    """Starting values from each group's polychorics and thresholds.

    Per factor the first principal component of its items' correlations gives
    the loadings (scaled to the marker, or as they are with unit factor
    variances); factor correlations are the median of ``r_ij / (l_i l_j)``
    (within ±0.9); thresholds the sample thresholds; ``nu`` 0, ``delta`` 1,
    ``alpha`` 0.  Shared parameters start from the first group.
    """
    x = np.zeros(lay.npar)
    f = lay.factor_of
    for g in reversed(range(lay.groups)):
        r = cors[g]
        load = np.zeros(f.size)
        for j in range(lay.k):
            items = np.flatnonzero(f == j)
            vals, vecs = np.linalg.eigh(r[np.ix_(items, items)])
            vec = vecs[:, -1] * np.sqrt(max(vals[-1], 1e-6))
            load[items] = vec if vec.sum() >= 0 else -vec
        marker_fixed = lay.idx["lam"][g] < 0
        scale = np.ones(lay.k)
        for j in range(lay.k):
            items = np.flatnonzero(f == j)
            if marker_fixed[items[0]]:
                scale[j] = load[items[0]] if abs(load[items[0]]) > 1e-3 else 1.0
        lam = load / scale[f]
        free = lay.idx["lam"][g] >= 0
        x[lay.idx["lam"][g][free]] = lam[free]
        fvar = np.where(
            lay.idx["psi"][g][np.arange(lay.k), np.arange(lay.k)] >= 0,
            scale**2,
            lay.fixed["psi"][g][np.arange(lay.k), np.arange(lay.k)],
        )
        for a in range(lay.k):
            for b in range(a + 1):
                pid = lay.idx["psi"][g, a, b]
                if pid < 0:
                    continue
                if a == b:
                    x[pid] = fvar[a]
                    continue
                ia, ib = np.flatnonzero(f == a), np.flatnonzero(f == b)
                ratio = r[np.ix_(ia, ib)] / np.outer(load[ia], load[ib])
                x[pid] = np.clip(np.median(ratio), -0.9, 0.9) * np.sqrt(fvar[a] * fvar[b])
        x[lay.idx["tau"][g]] = thresholds[g]
        for block, start in (("nu", 0.0), ("alpha", 0.0), ("delta", 1.0)):
            ids = lay.idx[block][g]
            x[ids[ids >= 0]] = start
    return x
