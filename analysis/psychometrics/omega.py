"""Omega total from one-factor minres loadings (as ``psych::fa(R, 1, fm = "minres")``)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, cast

import numpy as np
import pandas as pd
from scipy import optimize

from analysis.psychometrics.items import Missing, item_moments, prepare_items

if TYPE_CHECKING:
    pass

__all__ = ["minres_loadings", "omega_total"]


def minres_loadings(R: np.ndarray) -> np.ndarray:
    """One-factor minres (unweighted least squares) loadings of a correlation matrix.

    Minimises the sum of squared off-diagonal residuals
    ``sum_{i != j} (R_ij - l_i l_j)^2`` over the uniquenesses ``psi``
    (loadings = first eigenvector of ``R - diag(psi)`` times the root of its
    eigenvalue), with ``psi`` bounded to ``[0.005, 1]`` as ``psych::fa``
    (``fm = "minres"``).  The interior solution is then polished to the
    stationary point ``psi = 1 - l^2`` (the iterated principal-axis fixed
    point, which is where psych's optimiser stops).  Loadings are signed so
    that their sum is positive.
    """
    k = R.shape[0]

    def loadings(psi: np.ndarray) -> np.ndarray:
        S = R.copy()
        S[np.diag_indices(k)] = 1 - psi
        w, v = np.linalg.eigh(S)
        return v[:, -1] * np.sqrt(max(w[-1], 0.0))

    def objective(psi: np.ndarray) -> float:
        lam = loadings(psi)
        res = R - np.outer(lam, lam)
        np.fill_diagonal(res, 0.0)
        return float((res**2).sum())

    def gradient(psi: np.ndarray) -> np.ndarray:  # psych's FAgr (minres)
        lam = loadings(psi)
        return lam**2 + psi - 1

    try:
        smc = 1 - 1 / np.diag(np.linalg.inv(R))
    except np.linalg.LinAlgError:
        smc = np.full(k, 0.5)
    start = np.clip(1 - smc, 0.005, 1)
    fit = optimize.minimize(
        objective,
        start,
        jac=gradient,
        method="L-BFGS-B",
        bounds=[(0.005, 1.0)] * k,
        options={"ftol": 1e-15, "gtol": 1e-12, "maxiter": 10_000},
    )
    psi = fit.x
    if np.all((psi > 0.005 + 1e-8) & (psi < 1 - 1e-8)):
        polished = optimize.root(gradient, psi, method="hybr", options={"xtol": 1e-14})
        if polished.success and np.all((polished.x > 0.005) & (polished.x <= 1)):
            psi = polished.x
    lam = loadings(psi)
    return lam if lam.sum() >= 0 else -lam


def omega_total(
    data: pd.DataFrame, *, columns: Sequence[str] | None = None, missing: Missing = "pairwise"
) -> pd.DataFrame:
    """McDonald's omega total from a one-factor minres model.

    Parameters
    ----------
    data : pandas.DataFrame
        Wide table of keyed item answers (reverse-keyed items reflected;
        omega is computed on the correlations as given, no automatic
        re-keying).
    columns : list of str, optional
        Item columns; default every column.
    missing : {"pairwise", "listwise"}, default "pairwise"
        Correlations over pairwise-complete rows (R:
        ``cor(x, use = "pairwise")``) or over complete rows.

    Returns
    -------
    pandas.DataFrame
        One row with columns

        - ``omega_total``: ``1 - sum(1 - lambda^2) / sum(R)`` with ``lambda``
          the one-factor minres loadings (:func:`minres_loadings`) and ``R``
          the correlation matrix.
        - ``n``: respondents used; ``k``: number of items.

    Raises
    ------
    DataError
        Fewer than 3 items (a one-factor model of 2 items is not
        identified), or the conditions of :func:`cronbach_alpha`.

    Examples
    --------
    >>> import pandas as pd
    >>> items = pd.DataFrame({"a": [1, 2, 3, 4, 5, 3], "b": [2, 2, 3, 5, 5, 3],
    ...                       "c": [1, 3, 3, 4, 4, 2]})
    >>> omega_total(items).round(3)
       omega_total  n  k
    0        0.949  6  3
    """
    cols, x = prepare_items(data, columns, missing, min_items=3)
    moments = item_moments(x, cols, corr=True)
    R = cast(np.ndarray, moments.cor)  # corr=True computes it
    lam = minres_loadings(R)
    omega = 1 - (1 - lam**2).sum() / R.sum()
    out = pd.DataFrame({"omega_total": [float(omega)], "n": [moments.rows], "k": [len(cols)]})
    out.attrs.update(missing=missing, loadings=dict(zip(cols, lam.tolist())))
    return out
