"""The observed information of a full-information ML fit, analytically (lavaan's
``observed.information = "hessian"``, without finite differences).

For one pattern with answered items ``o``, ``P = Sigma_oo^-1``, ``d`` the pattern's mean
minus ``mu_o``, ``C`` its scatter about ``mu_o`` and ``Q = P C P``, the Hessian of
``f = n log|Sigma_oo| + tr(P C)`` along ``(dS_1, dm_1)`` and ``(dS_2, dm_2)`` is

    -n tr(P dS_1 P dS_2) + 2 tr(dS_1 P dS_2 Q) + 2n dm_1' P dm_2
    + 2n d' P dS_1 P dm_2 + 2n d' P dS_2 P dm_1,

plus the model's curvature ``tr(D S_ab) + d_mu' m_ab`` with the gradient ``D``, ``d_mu``
of :func:`analysis.structure.missing_stats.pattern_sums`.  Every first derivative of the
CFA's ``Sigma = Lambda Phi Lambda' + Theta`` is a sum of terms ``c (u v' + v u')`` and
every one of ``mu = nu + Lambda alpha`` a sum of ``c w``, with ``u``, ``v``, ``w`` columns
of the basis ``[I | Lambda Phi | Lambda]``.  So a pattern enters only through the small
Gram matrices ``B_o' P B_o`` and ``B_o' Q B_o`` and ``B_o' P d``: the cost per pattern is
a few products of ``k x (p + 2m)`` matrices, not one per parameter.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

from analysis.structure._engine import Layout, implied, matrices
from analysis.structure.missing_stats import Pattern, pattern_sums

__all__ = ["observed_hessian"]

_CHUNK = 64  # patterns per batch of gathered (terms x terms) arrays


class _Terms(NamedTuple):
    basis: np.ndarray  # p x (p + 2m)
    s_par: np.ndarray  # Sigma terms: parameter, u, v, coefficient
    s_u: np.ndarray
    s_v: np.ndarray
    s_c: np.ndarray
    m_par: np.ndarray  # mu terms: parameter, w, coefficient
    m_w: np.ndarray
    m_c: np.ndarray


def _terms(lay: Layout, x: np.ndarray, g: int) -> _Terms:
    lam, phi, _, _, alpha = matrices(lay, x, g)
    p, m, f = lay.factor_of.size, lay.k, lay.factor_of
    s_rows: list[tuple[int, int, int, float]] = []
    m_rows: list[tuple[int, int, float]] = []
    for i in range(p):
        if lay.lam[g, i] >= 0:
            s_rows.append((int(lay.lam[g, i]), i, p + int(f[i]), 1.0))
            if alpha is not None:
                m_rows.append((int(lay.lam[g, i]), i, float(alpha[f[i]])))
        s_rows.append((int(lay.theta[g, i]), i, i, 0.5))
        if lay.nu is not None:
            m_rows.append((int(lay.nu[g, i]), i, 1.0))
    for r in range(m):
        for c in range(r + 1):
            if lay.phi[g, r, c] >= 0:
                s_rows.append((int(lay.phi[g, r, c]), p + m + r, p + m + c, 1.0 if r != c else 0.5))
        if lay.alpha is not None and lay.alpha[g, r] >= 0:
            m_rows.append((int(lay.alpha[g, r]), p + m + r, 1.0))
    s = np.array(s_rows, dtype=float).reshape(-1, 4)
    mt = np.array(m_rows, dtype=float).reshape(-1, 3)
    basis = np.hstack([np.eye(p), lam @ phi, lam])
    si, mi = s[:, :3].astype(int), mt[:, :2].astype(int)
    return _Terms(basis, si[:, 0], si[:, 1], si[:, 2], s[:, 3], mi[:, 0], mi[:, 1], mt[:, 2])


def _gather(g: np.ndarray, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
    nb = g.shape[-1]
    return g.reshape(g.shape[0], -1)[:, (rows[:, None] * nb + cols[None, :]).ravel()].reshape(
        g.shape[0], rows.size, cols.size
    )


def _chunk_parts(t: _Terms, blk: Pattern, sel: np.ndarray, sigma: np.ndarray, mu: np.ndarray) -> Any:
    """``n``, ``B_o' P B_o``, ``B_o' Q B_o`` and ``B_o' P d`` of the patterns ``sel``."""
    o, n = blk.o[sel], blk.n[sel]
    inv = np.linalg.inv(sigma[o[:, :, None], o[:, None, :]])
    b_o = t.basis[o]
    pb = inv @ b_o
    gp = np.swapaxes(b_o, 1, 2) @ pb
    h = np.einsum("mkb,mk->mb", pb, blk.mean[sel] - mu[o])
    gq = n[:, None, None] * h[:, :, None] * h[:, None, :]
    multi = np.flatnonzero(n > 1)
    if multi.size:
        gq[multi] += np.swapaxes(pb[multi], 1, 2) @ blk.scatter[sel][multi] @ pb[multi]
    return n, gp, gq, h


def _pattern_part(
    t: _Terms, pats: list[Pattern], sigma: np.ndarray, mu: np.ndarray
) -> tuple[np.ndarray, ...]:
    """The patterns' part of the Hessian in the terms' coordinates: SS, MM, SM."""
    ns, nm = t.s_u.size, t.m_w.size
    hss, hsm = np.zeros((ns, ns)), np.zeros((ns, nm))
    gp_n = np.zeros((t.basis.shape[1],) * 2)
    for blk in pats:
        for start in range(0, blk.n.size, _CHUNK):
            sel = np.arange(start, min(start + _CHUNK, blk.n.size))
            n, gp, gq, h = _chunk_parts(t, blk, sel, sigma, mu)
            gp_n += np.tensordot(n, gp, axes=1)
            p_uv, p_uu, p_vv = _gather(gp, t.s_u, t.s_v), _gather(gp, t.s_u, t.s_u), _gather(gp, t.s_v, t.s_v)
            q_uv, q_uu, q_vv = _gather(gq, t.s_u, t.s_v), _gather(gq, t.s_u, t.s_u), _gather(gq, t.s_v, t.s_v)
            hss -= 2.0 * (
                np.einsum("m,mst,mts->ts", n, p_uv, p_uv) + np.einsum("m,mts,mts->ts", n, p_vv, p_uu)
            )
            hss += 2.0 * (np.einsum("mst,mts->ts", p_uv, q_uv) + np.einsum("mts,mts->ts", p_vv, q_uu))
            hss += 2.0 * (np.einsum("mts,mts->ts", p_uu, q_vv) + np.einsum("mts,mst->ts", p_uv, q_uv))
            hsm += 2.0 * np.einsum("m,mt,mts->ts", n, h[:, t.s_u], _gather(gp, t.s_v, t.m_w))
            hsm += 2.0 * np.einsum("m,mt,mts->ts", n, h[:, t.s_v], _gather(gp, t.s_u, t.m_w))
    hmm = 2.0 * gp_n[np.ix_(t.m_w, t.m_w)]
    cs, cm = t.s_c, t.m_c
    return hss * np.outer(cs, cs), hmm * np.outer(cm, cm), hsm * np.outer(cs, cm)


def _curvature(
    lay: Layout, x: np.ndarray, g: int, d_sigma: np.ndarray, d_mu: np.ndarray, hess: np.ndarray
) -> None:
    """Add ``tr(D S_ab) + d_mu' m_ab``: loadings with loadings, factor (co)variances
    and latent means (the only second derivatives of the CFA's moments)."""
    lam, phi, _, _, _ = matrices(lay, x, g)
    f = lay.factor_of
    items = np.flatnonzero(lay.lam[g] >= 0)
    a = lay.lam[g, items]
    np.add.at(
        hess, (a[:, None], a[None, :]), 2.0 * phi[np.ix_(f[items], f[items])] * d_sigma[np.ix_(items, items)]
    )
    ld = lam.T @ d_sigma
    for r in range(lay.k):
        for c in range(r + 1):
            b = lay.phi[g, r, c]
            if b < 0:
                continue
            val = 2.0 * ((f[items] == r) * ld[c, items] + ((f[items] == c) * ld[r, items] if r != c else 0.0))
            np.add.at(hess, (a, b), val)
            np.add.at(hess, (b, a), val)
    if lay.alpha is not None:
        for j in range(lay.k):
            b = lay.alpha[g, j]
            if b >= 0:
                val = (f[items] == j) * d_mu[items]
                np.add.at(hess, (a, b), val)
                np.add.at(hess, (b, a), val)


def observed_hessian(lay: Layout, x: np.ndarray, groups: list[Any]) -> np.ndarray:
    """The Hessian of ``-2 logL`` at ``x`` (``groups``: :class:`~.missing_stats.FimlGroup`)."""
    hess = np.zeros((lay.npar, lay.npar))
    for g, grp in enumerate(groups):
        sigma, mu = implied(lay, x, g)
        if mu is None:
            raise RuntimeError("fiml: the layout has no mean structure")
        t = _terms(lay, x, g)
        hss, hmm, hsm = _pattern_part(t, grp.patterns, sigma, mu)
        np.add.at(hess, (t.s_par[:, None], t.s_par[None, :]), hss)
        np.add.at(hess, (t.m_par[:, None], t.m_par[None, :]), hmm)
        np.add.at(hess, (t.s_par[:, None], t.m_par[None, :]), hsm)
        np.add.at(hess, (t.m_par[:, None], t.s_par[None, :]), hsm.T)
        _, d_sigma, d_mu = pattern_sums(grp.patterns, sigma, mu, gradient=True)
        _curvature(lay, x, g, d_sigma, d_mu, hess)
    return (hess + hess.T) / 2.0
