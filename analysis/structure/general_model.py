"""A one-group factor model with any pattern: residual covariances and equalities anywhere.

The other modules of :mod:`analysis.structure` fit simple-structure models with
diagonal residual covariances, and equalities across *groups*.  A longitudinal
model needs more: residual covariances between an item and itself at another
wave, and equalities between parameters of different factors of one group
(the same item's loading at both waves).  :class:`Spec` writes such a model as
index arrays, one per model matrix, each entry a parameter number (shared
numbers are equality constraints, ``-1`` a fixed entry whose value is in
``fixed``), in LISREL notation:

* continuous items: ``Sigma = Lambda Psi Lambda' + Theta`` and ``mu = nu + Lambda
  alpha`` (:func:`implied`, :func:`rank_two`, :func:`mean_derivatives`);
* ordinal items in lavaan's delta parameterization: the thresholds ``tau`` and
  scale factors ``delta`` of the latent responses; the implied sample statistics
  are ``tau*_ic = (tau_ic - nu_i - (Lambda alpha)_i) delta_i`` and the polychoric
  correlations ``rho_ij = delta_i delta_j (Lambda Psi Lambda' + Theta)_ij``
  (``Theta``'s diagonal is not a parameter; :func:`ordinal_implied`,
  :func:`ordinal_jacobian`).

The estimators are in :mod:`analysis.structure.general_fit`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from analysis.structure.ordinal_data import pair_index

__all__ = [
    "Spec",
    "values",
    "implied",
    "rank_two",
    "mean_derivatives",
    "ordinal_implied",
    "ordinal_jacobian",
]

BLOCKS = ("lam", "psi", "theta", "nu", "alpha", "tau", "delta")


@dataclass
class Spec:
    """Parameter numbers (``-1`` fixed) and fixed values of every model matrix.

    ``lam`` ``(p, k)``, ``psi`` ``(k, k)`` and ``theta`` ``(p, p)`` symmetric,
    ``nu`` ``(p,)``, ``alpha`` ``(k,)``; ordinal only: ``tau`` (thresholds item by
    item) and ``delta`` ``(p,)`` with ``ncat`` the categories per item.
    """

    p: int
    k: int
    ncat: np.ndarray | None = None
    idx: dict = field(default_factory=dict)
    fixed: dict = field(default_factory=dict)
    npar: int = 0

    @classmethod
    def empty(cls, p: int, k: int, ncat: np.ndarray | None = None) -> Spec:
        t = int((ncat - 1).sum()) if ncat is not None else 0
        shapes = {"lam": (p, k), "psi": (k, k), "theta": (p, p), "nu": (p,), "alpha": (k,)}
        shapes.update(tau=(t,), delta=(p,))
        spec = cls(p, k, None if ncat is None else np.asarray(ncat))
        spec.idx = {b: np.full(s, -1) for b, s in shapes.items()}
        spec.fixed = {b: np.zeros(s) for b, s in shapes.items()}
        spec.fixed["delta"][:] = 1.0
        return spec

    def new(self) -> int:
        """A new free parameter's number."""
        self.npar += 1
        return self.npar - 1

    def free(self, block: str, where: tuple, number: int | None = None) -> int:
        """Free an entry (both halves of a symmetric one); ``number`` to share one."""
        n = self.new() if number is None else number
        self.idx[block][where] = n
        if block in ("psi", "theta") and len(where) == 2:
            self.idx[block][where[::-1]] = n
        return n

    @property
    def item_of_th(self) -> np.ndarray:
        assert self.ncat is not None
        return np.repeat(np.arange(self.p), self.ncat - 1)


def values(spec: Spec, x: np.ndarray) -> dict:
    """Every model matrix at ``x``."""
    return {b: np.where(spec.idx[b] >= 0, x[np.maximum(spec.idx[b], 0)], spec.fixed[b]) for b in BLOCKS}


def implied(spec: Spec, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Model-implied covariance matrix and means of continuous items."""
    v = values(spec, x)
    lam = v["lam"]
    return lam @ v["psi"] @ lam.T + v["theta"], v["nu"] + lam @ v["alpha"]


def rank_two(spec: Spec, x: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``d Sigma / d x_a`` as sums of symmetrised outer products ``u w' + w u'``.

    Returns ``U`` and ``W`` (``K x p``, one row per term) and ``C`` (``npar x K``, which
    parameter each term belongs to): a loading ``(i, j)`` gives ``u = e_i``, ``w =
    (Lambda Psi)_j``; a factor (co)variance ``(r, c)`` gives ``Lambda_r``, ``Lambda_c``; a
    residual (co)variance ``e_r``, ``e_c`` (a variance halves both).  Products such as the
    expected information then cost ``K^2 p`` instead of ``npar^2 p^2``.
    """
    v = values(spec, x)
    lam = v["lam"]
    lpsi = lam @ v["psi"]
    eye = np.eye(spec.p)
    us, ws, owner = [], [], []
    for i, j in zip(*np.nonzero(spec.idx["lam"] >= 0)):
        us.append(eye[i])
        ws.append(lpsi[:, j])
        owner.append(spec.idx["lam"][i, j])
    for block, cols in (("psi", lam.T), ("theta", eye)):
        for r, c in zip(*np.nonzero(np.tril(spec.idx[block] + 1) > 0)):
            half = np.sqrt(0.5) if r == c else 1.0
            us.append(half * cols[r])
            ws.append(half * cols[c])
            owner.append(spec.idx[block][r, c])
    owners = np.zeros((spec.npar, len(owner)))
    owners[owner, np.arange(len(owner))] = 1.0
    return np.array(us), np.array(ws), owners


def mean_derivatives(spec: Spec, x: np.ndarray) -> np.ndarray:
    """``d mu / d x`` ``(npar, p)``."""
    v = values(spec, x)
    dmu = np.zeros((spec.npar, spec.p))
    for i, j in zip(*np.nonzero(spec.idx["lam"] >= 0)):
        dmu[spec.idx["lam"][i, j], i] += v["alpha"][j]
    for i in np.flatnonzero(spec.idx["nu"] >= 0):
        dmu[spec.idx["nu"][i], i] += 1.0
    for j in np.flatnonzero(spec.idx["alpha"] >= 0):
        dmu[spec.idx["alpha"][j]] += v["lam"][:, j]
    return dmu


def ordinal_implied(spec: Spec, x: np.ndarray) -> np.ndarray:
    """Model-implied ``(thresholds, polychoric correlations)`` in lavaan's order."""
    v = values(spec, x)
    first, second = pair_index(spec.p)
    item = spec.item_of_th
    lam, dl = v["lam"], v["delta"]
    core = lam @ v["psi"] @ lam.T + v["theta"]
    th = (v["tau"] - v["nu"][item] - (lam @ v["alpha"])[item]) * dl[item]
    return np.concatenate([th, dl[first] * dl[second] * core[first, second]])


def ordinal_jacobian(spec: Spec, x: np.ndarray) -> np.ndarray:
    """``d ordinal_implied / d x``: ``(thresholds + pairs, npar)``."""
    v = values(spec, x)
    first, second = pair_index(spec.p)
    item = spec.item_of_th
    lam, dl, alpha = v["lam"], v["delta"], v["alpha"]
    u, w, owners = rank_two(spec, x)
    core = lam @ v["psi"] @ lam.T + v["theta"]
    t = item.size
    jac = np.zeros((t + first.size, spec.npar))
    pairs = u[:, first] * w[:, second] + w[:, first] * u[:, second]  # d Sigma_ij per term
    jac[t:] = (owners @ pairs).T * (dl[first] * dl[second])[:, None]
    for i, j in zip(*np.nonzero(spec.idx["lam"] >= 0)):
        rows = np.flatnonzero(item == i)
        jac[rows, spec.idx["lam"][i, j]] -= alpha[j] * dl[i]
    rows_t = np.arange(t)

    def add(rows: np.ndarray, ids: np.ndarray, vals: np.ndarray) -> None:
        ok = ids >= 0
        np.add.at(jac, (rows[ok], ids[ok]), vals[ok])

    add(rows_t, spec.idx["tau"], dl[item])
    add(rows_t, spec.idx["nu"][item], -dl[item])
    for j in np.flatnonzero(spec.idx["alpha"] >= 0):
        jac[rows_t, spec.idx["alpha"][j]] -= lam[item, j] * dl[item]
    mean_part = v["tau"] - v["nu"][item] - (lam @ alpha)[item]
    add(rows_t, spec.idx["delta"][item], mean_part)
    rows_c = t + np.arange(first.size)
    add(rows_c, spec.idx["delta"][first], dl[second] * core[first, second])
    add(rows_c, spec.idx["delta"][second], dl[first] * core[first, second])
    return jac
