"""Reliability of ordinal scales: categorical omega and ordinal alpha.

* :func:`omega_categorical`: Green and Yang's (2009) nonlinear SEM
  reliability of each factor's sum score, as ``semTools::compRelSEM(fit)``
  (``ord.scale = TRUE``, ``obs.var = TRUE``) on the WLSMV fit:
  ``sum_jj' sum_cc' [Phi2(t_jc, t_j'c'; l_j l_j' psi) - Phi(t_jc) Phi(t_j'c')]``
  over the same sum with the sample polychoric ``r_jj'`` (1 on the diagonal).
* :func:`ordinal_alpha`: coefficient alpha on the polychoric correlation
  matrix (Zumbo, Gadermann and Zeisser 2007), ``psych::alpha(
  psych::polychoric(x)$rho)``: ``k / (k - 1) (1 - k / sum(R))``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
from scipy.special import ndtr

from analysis._checks import check_frame
from analysis.structure._threads import single_blas
from analysis.structure.bvn import bvn_cdf
from analysis.structure.ordinal_cfa import fit_ordinal, ordinal_input
from analysis.structure.ordinal_model import marker_layout, values
from analysis.structure.polychoric import correlation_matrix, polychoric
from survey.errors import DataError

__all__ = ["omega_categorical", "ordinal_alpha"]


def _green_yang(common: np.ndarray, total: np.ndarray, thresholds: list[np.ndarray]) -> float:
    """semTools' ``omegaCat`` for one factor (scale factors 1), every pair of
    items and of thresholds in one evaluation."""
    width = max(t.size for t in thresholds)
    th = np.zeros((len(thresholds), width))
    valid = np.zeros(th.shape)
    for i, t in enumerate(thresholds):
        th[i, : t.size], valid[i, : t.size] = t, 1.0
    mask = valid[:, None, :, None] * valid[None, :, None, :]
    h, k = th[:, None, :, None], th[None, :, None, :]
    marg = (ndtr(th) * valid).sum(axis=1)
    marg = np.outer(marg, marg).sum()
    num = (bvn_cdf(h, k, np.minimum(common, 1.0)[:, :, None, None]) * mask).sum() - marg
    den = (bvn_cdf(h, k, np.minimum(total, 1.0)[:, :, None, None]) * mask).sum() - marg
    return float(num / den)


@single_blas
def omega_categorical(data: pd.DataFrame, factors: Mapping[str, Sequence[str]]) -> pd.DataFrame:
    """Green and Yang's categorical omega of each factor, from a WLSMV CFA.

    Parameters
    ----------
    data : DataFrame
        Ordinal items as whole-number codes (keyed), one row per respondent;
        complete cases are used.
    factors : mapping of str to list of str
        ``{factor: [item, ...]}`` as for :func:`~analysis.structure.cfa`.

    Returns
    -------
    DataFrame
        One row per factor: ``factor``, ``omega_categorical`` (the
        reliability of the factor's sum score on the scale of the answers),
        ``items`` (count) and ``n`` (complete cases).

    Raises
    ------
    DataError
        As :func:`~analysis.structure.cfa` with ``ordered=True``.

    Examples
    --------
    >>> from analysis import instrument_model, make_demo, omega_categorical
    >>> data, factors = instrument_model(make_demo(800, seed=3))
    >>> omega_categorical(data, factors)  # doctest: +SKIP
    """
    inp = ordinal_input(data, factors)
    lay = marker_layout(inp.factor_of, len(inp.names), inp.ncat)
    fit = fit_ordinal(inp, lay)
    grp = fit.groups[0]
    v = values(lay, fit.fit.x, 0)
    total = correlation_matrix(grp.rho, len(inp.items))
    starts = np.concatenate([[0], np.cumsum(inp.ncat - 1)])
    rows = []
    for f, name in enumerate(inp.names):
        idx = np.flatnonzero(inp.factor_of == f)
        lam = v["lam"][idx]
        common = np.outer(lam, lam) * v["psi"][f, f]
        ths = [v["tau"][starts[i] : starts[i + 1]] for i in idx]
        rows.append(
            {
                "factor": name,
                "omega_categorical": _green_yang(common, total[np.ix_(idx, idx)], ths),
                "items": idx.size,
                "n": grp.n,
            }
        )
    return pd.DataFrame(rows)


@single_blas
def ordinal_alpha(
    data: pd.DataFrame, columns: Sequence[str] | None = None, *, method: str = "psych"
) -> pd.DataFrame:
    """Coefficient alpha on the polychoric correlations ("ordinal alpha").

    Parameters
    ----------
    data : DataFrame
        Ordinal items as whole-number codes (keyed).
    columns : list of str, optional
        The scale's items (default: every column).
    method : {"psych", "lavaan"}
        The polychoric estimate (see :func:`~analysis.structure.polychoric`);
        ``"psych"`` reproduces ``psych::alpha(psych::polychoric(x)$rho)``.

    Returns
    -------
    DataFrame
        One row: ``alpha`` (ordinal alpha), ``items``, ``n`` (rows used by the
        polychoric estimate).

    Raises
    ------
    DataError
        As :func:`~analysis.structure.polychoric`.

    Examples
    --------
    >>> from analysis import make_demo, ordinal_alpha
    >>> ordinal_alpha(make_demo(500, seed=2), ["net_purpose_1", "net_context_1"])  # doctest: +SKIP
    """
    data = check_frame(data)
    poly = polychoric(data, columns, method=method)
    r = poly.rho.to_numpy()
    k = r.shape[0]
    if not np.isfinite(r).all():
        raise DataError(
            "columns: a polychoric correlation could not be estimated; ordinal alpha needs every pair"
        )
    alpha = k / (k - 1) * (1.0 - np.trace(r) / r.sum())
    return pd.DataFrame([{"alpha": float(alpha), "items": k, "n": poly.n}])
