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
from scipy import linalg, stats

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
    with one_blas_thread():
        pi = [jacobian(m1.layout, m1.fit.x, g) for g in range(len(groups))]
        d0 = [jacobian(m0.layout, m0.fit.x, g) for g in range(len(groups))]
        info = sum(f * d.T @ (grp.weight[:, None] * d) for f, d, grp in zip(fg, pi, groups))
        p_inv = np.linalg.inv(info)
        h = np.linalg.pinv(np.vstack(pi)) @ np.vstack(d0)
        a = linalg.null_space(h.T).T
        # U = K K' with K = V Pi P^-1 A' (A P^-1 A')^-1/2 (rank m): traces without forming U
        vals, vecs = np.linalg.eigh(a @ p_inv @ a.T)
        keep = vals > vals.max() * 1e-12
        k = p_inv @ a.T @ (vecs[:, keep] / np.sqrt(vals[keep]))
        low = [grp.weight[:, None] * d @ k for d, grp in zip(pi, groups)]
        tr1, tr2 = u_gamma_traces(None, low, [f * grp.gamma for f, grp in zip(fg, groups)])
        tr1 = -tr1
    scale = np.sqrt(m / tr2)
    stat = t_diff * scale + (m - scale * tr1)
    return float(stat), m, float(stats.chi2.sf(stat, m))


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
