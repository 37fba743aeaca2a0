"""Measurement invariance of ordinal items: the Wu & Estabrook (2016) ladder by WLSMV.

The steps are ``semTools::measEq.syntax(ID.fac = "std.lv", ID.cat =
"Wu.Estabrook.2016", parameterization = "delta", group.equal = ...)`` with
``""``, ``"thresholds"``, ``c("thresholds", "loadings")`` and
``c("thresholds", "loadings", "intercepts")`` (see
:func:`analysis.structure.ordinal_model.ladder_layout`).  Each step is
compared with the one before by ``lavaan::lavTestLRT``'s default for WLSMV:
Satorra's (2000) scaled-shifted difference test with ``A.method = "delta"``
(lavaan's ``lav_test_diff_Satorra2000``):

* ``H = Delta_1^+ Delta_0`` (the Jacobians of the freer model ``1`` and the
  constrained model ``0``, groups stacked), ``A`` the orthogonal complement
  of ``H``'s columns, ``P`` model 1's unit information;
* ``U = V Delta_1 P^-1 A' (A P^-1 A')^+ A P^-1 Delta_1' V`` with ``V``
  block-diagonal in the groups' DWLS weights and ``Gamma`` in ``f_g Gamma_g``
  (``U`` has rank ``m``: its traces come from an ``m``-column factor);
* ``a = sqrt(m / tr((U Gamma)^2))``, ``b = m - a tr(U Gamma)``, ``delta_chi2
  = a (T_0 - T_1) + b`` on ``m = df_0 - df_1`` degrees of freedom.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
from scipy import linalg, sparse, stats

from analysis.structure._threads import one_blas_thread
from analysis.structure.ladder import CHEN_ORDINAL, Step, ladder_table
from analysis.structure.ordinal_cfa import OrdinalFit, ladder_fit, ordinal_input
from analysis.structure.ordinal_model import LADDER, jacobian
from analysis.structure.wlsmv import u_gamma_traces

__all__ = ["invariance_ordinal", "scaled_difference", "ORDINAL_DELTA_SRMR", "ORDINAL_RULE"]

#: SRMR rise that (with a CFI drop) marks a step as not supported, per step.
ORDINAL_DELTA_SRMR = dict(CHEN_ORDINAL.delta_srmr)
ORDINAL_RULE = CHEN_ORDINAL.text


def scaled_difference(m1: OrdinalFit, m0: OrdinalFit) -> tuple[float, int, float]:
    """``lavTestLRT(m1, m0)``'s scaled-shifted difference: ``(delta_chi2, delta_df, p)``.

    ``m1`` is the freer model, ``m0`` the constrained one (same data).
    """
    m = int(m0.inference.df - m1.inference.df)
    t_diff = m0.fit.chi2 - m1.fit.chi2
    if m <= 0:
        return t_diff, m, np.nan
    groups = m1.groups
    n_total = sum(grp.n for grp in groups)
    fg = np.array([grp.n / n_total for grp in groups])
    inf1 = m1.inference
    with one_blas_thread():
        pi = [jacobian(m1.layout, m1.fit.x, g) for g in range(len(groups))]
        d0 = [jacobian(m0.layout, m0.fit.x, g) for g in range(len(groups))]
        p_inv, gamma_wd = inf1.e_inv, inf1.gamma_wd  # P^-1 and Gamma V Delta_1 of model 1
        a = _complement(_nesting(np.vstack(pi), np.vstack(d0)), m)
        # U = K K' with K = V Pi P^-1 A' (A P^-1 A')^-1/2 (rank m): traces without forming U
        vals, vecs = np.linalg.eigh(a @ p_inv @ a.T)
        keep = vals > vals.max() * 1e-12
        k = p_inv @ a.T @ (vecs[:, keep] / np.sqrt(vals[keep]))
        low = [grp.weight[:, None] * d @ k for d, grp in zip(pi, groups)]
        gammas = [f * grp.gamma for f, grp in zip(fg, groups)]
        tr1, tr2 = u_gamma_traces(None, low, gammas, [f * gwd @ k for f, gwd in zip(fg, gamma_wd)])
        tr1 = -tr1
    scale = np.sqrt(m / tr2)
    stat = t_diff * scale + (m - scale * tr1)
    return float(stat), m, float(stats.chi2.sf(stat, m))


def _nesting(pi: np.ndarray, d0: np.ndarray) -> np.ndarray:
    """``H = Pi^+ Delta_0`` by the normal equations on the sparse Jacobians (a few
    non-zeros a row; ``Pi`` has full column rank in an identified model), least
    squares when ``Pi' Pi`` is not positive definite."""
    s1, s0 = sparse.csr_array(pi), sparse.csr_array(d0)
    try:
        factor = linalg.cho_factor((s1.T @ s1).toarray(), check_finite=False)
    except linalg.LinAlgError:
        return np.linalg.lstsq(pi, d0, rcond=None)[0]
    return linalg.cho_solve(factor, (s1.T @ s0).toarray(), check_finite=False)


def _complement(h: np.ndarray, m: int) -> np.ndarray:
    """Rows spanning the orthogonal complement of ``h``'s columns: the last ``m`` columns
    of a complete QR when ``h`` has full column rank (only the space matters), else
    from the SVD."""
    q, r = linalg.qr(h, mode="full", check_finite=False)
    diag = np.abs(np.diag(r))
    if h.shape[0] - h.shape[1] == m and diag.min(initial=np.inf) > 1e-10 * diag.max(initial=0.0):
        return q[:, h.shape[1] :].T
    return linalg.null_space(h.T).T


def invariance_ordinal(
    data: pd.DataFrame,
    factors: Mapping[str, Sequence[str]],
    group: str,
    *,
    ordered: bool | Sequence[str] = True,
) -> pd.DataFrame:
    """The Wu & Estabrook ladder across the groups of ``group`` (see the module
    docstring); what :func:`analysis.structure.invariance` runs with ``ordered=``.

    Returns
    -------
    DataFrame
        Index ``step`` (``configural``, ``thresholds``, ``loadings``,
        ``intercepts``); columns ``chi2``, ``df``, ``p`` (DWLS), their scaled
        counterparts, ``cfi``, ``tli``, ``rmsea`` and the scaled ones,
        ``srmr``; against the step before: ``delta_chi2``, ``delta_df``,
        ``delta_p`` (the scaled difference test) and ``delta_cfi``,
        ``delta_rmsea`` (scaled), ``delta_srmr``; ``supported`` (by
        :data:`ORDINAL_RULE`, NA for the configural row and when a model did
        not converge) and ``converged``.  ``attrs``: ``groups``, ``n``,
        ``rule``, ``estimator`` and ``missing``.
    """
    inp = ordinal_input(data, factors, group=group, ordered=ordered)
    cache = None
    steps: list[Step] = []
    previous: OrdinalFit | None = None
    for step in LADDER:  # the sample statistics once, with the first step
        fit = ladder_fit(inp, step, cache, previous)  # started from the step below
        cache = fit.groups
        diff = scaled_difference(previous, fit) if previous is not None else None
        steps.append(Step(step, fit.result, diff))
        previous = fit
    table = ladder_table(steps, CHEN_ORDINAL)
    labels = [str(g) for g in inp.labels]
    table.attrs.update(
        groups=labels,
        n=dict(zip(labels, [int(c.shape[0]) for c in inp.codes])),
        estimator="WLSMV",
        missing="listwise",
    )
    return table
