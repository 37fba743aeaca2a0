"""Reliability of scales: Cronbach's alpha, item statistics, omega total.

Conventions follow R's ``psych`` package so that numbers agree with it:

* Missing answers.  By default every statistic is computed from the
  *pairwise-complete* covariance matrix ``C`` (R: ``cov(x, use = "pairwise")``,
  the default of ``psych::alpha``).  ``missing="listwise"`` uses only the
  respondents who answered every item (R: ``use = "complete.obs"``).  Nothing is
  imputed (unlike ``psych::scoreItems``, which imputes item medians by default).
* Raw alpha ``= k/(k-1) * (1 - tr(C)/sum(C))``; standardised alpha uses
  ``R = cov2cor(C)``: ``k/(k-1) * (1 - k/sum(R))``.
* Item-rest correlation (psych ``r.drop``) and alpha if the item is dropped
  (psych ``alpha.drop$raw_alpha``) are computed algebraically from ``C``;
  with ``listwise`` the item is removed from the listwise ``C`` and rows are not
  re-selected.
* The confidence interval of alpha is Feldt's (Feldt, Woodruff & Salih 1987),
  exact F quantiles, as ``psych::alpha.ci``.
* Omega total ``= 1 - sum(1 - lambda^2) / sum(R)`` with ``R`` the pairwise
  correlation matrix and ``lambda`` one-factor minres (unweighted least
  squares) loadings, as ``psych::fa(R, 1, fm = "minres")``.

Input is wide: one row per respondent, one numeric column per item, already
keyed (reverse-keyed items reflected).  :func:`reliability` does the keying for
a whole instrument.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Literal, cast

import numpy as np
import pandas as pd
from scipy import optimize, stats

from analysis._checks import (
    check_choice,
    check_frame,
    check_min_n,
    check_numeric,
    check_probability,
    numeric_columns,
    numeric_matrix,
)
from analysis._moments import Moments, listwise_rows, pairwise_moments
from survey.errors import DataError

if TYPE_CHECKING:
    from survey.instrument import Instrument

__all__ = [
    "cronbach_alpha",
    "item_statistics",
    "omega_total",
    "reliability",
    "difference_score_reliability",
]

Missing = Literal["pairwise", "listwise"]


# ------------------------------------------------------------------ helpers
Columns = np.ndarray | list[np.ndarray]


def _prepare(
    data: pd.DataFrame, columns: Sequence[str] | None, missing: str, *, min_items: int = 2
) -> tuple[list[str], Columns]:
    """Checked item columns and their values.

    Pairwise: the columns as float arrays (no copy for float64 columns);
    listwise: the matrix of complete rows.
    """
    check_frame(data, "data")
    cols = list(data.columns) if columns is None else list(columns)
    cols = check_numeric(data, cols, "data" if columns is None else "columns")
    check_choice(missing, ("pairwise", "listwise"), "missing")
    if len(cols) < min_items:
        raise DataError(f"data: got {len(cols)} item column(s) {cols}; expected at least {min_items}")
    if missing == "pairwise":
        return cols, numeric_columns(data, cols)
    x = numeric_matrix(data, cols)
    return cols, x[listwise_rows(x)]


def _covariance(x: Columns, cols: list[str], *, corr: bool = False) -> Moments:
    """Pairwise moments of the prepared values, checked for what alpha needs.

    ``rows`` of the result counts respondents with at least one answer
    (pairwise) or complete rows (listwise).
    """
    moments = pairwise_moments(x, corr=corr)
    check_min_n(moments.rows, 3, "data", "respondents")
    cov, count = moments.cov, moments.count
    if np.isnan(cov).any() or (count < 3).any():
        i, j = np.argwhere(np.isnan(cov) | (count < 3))[0]
        raise DataError(
            f"data: columns {cols[i]!r} and {cols[j]!r} are both answered by only "
            f"{int(count[i, j])} respondent(s); expected at least 3 for a covariance"
        )
    var = np.diag(cov)
    if (var <= 0).any():
        bad = [c for c, v in zip(cols, var) if v <= 0]
        raise DataError(
            f"data: column(s) {bad} have no variance (everyone gave the same answer); "
            "drop them before computing reliability"
        )
    return moments


def _alpha_from_cov(C: np.ndarray) -> tuple[float, float]:
    k = C.shape[0]
    raw = k / (k - 1) * (1 - np.trace(C) / C.sum())
    d = np.sqrt(np.diag(C))
    R = C / np.outer(d, d)
    std = k / (k - 1) * (1 - k / R.sum())
    return float(raw), float(std)


def feldt_ci(alpha: float, n: int, k: int, ci: float = 0.95) -> tuple[float, float]:
    """Feldt's exact confidence interval for coefficient alpha.

    ``1 - (1 - alpha) * F_{q}(n - 1, (n - 1)(k - 1))`` for
    ``q = 1 - (1-ci)/2`` (lower) and ``(1-ci)/2`` (upper), as R's
    ``psych::alpha.ci``.
    """
    df1, df2 = n - 1, (n - 1) * (k - 1)
    tail = (1 - ci) / 2
    low = 1 - (1 - alpha) * stats.f.ppf(1 - tail, df1, df2)
    high = 1 - (1 - alpha) * stats.f.ppf(tail, df1, df2)
    return float(low), float(high)


# ------------------------------------------------------------------ alpha
def cronbach_alpha(
    data: pd.DataFrame,
    ci: float = 0.95,
    *,
    columns: Sequence[str] | None = None,
    missing: Missing = "pairwise",
) -> pd.DataFrame:
    """Cronbach's coefficient alpha with Feldt's confidence interval.

    Parameters
    ----------
    data : pandas.DataFrame
        Wide table, one row per respondent, one numeric column per item
        (reverse-keyed items already reflected).  Missing answers as NA.
    ci : float, default 0.95
        Confidence level of the interval.
    columns : list of str, optional
        Item columns to use; default every column of ``data``.
    missing : {"pairwise", "listwise"}, default "pairwise"
        ``"pairwise"``: covariances over pairwise-complete rows, as
        ``psych::alpha`` by default; respondents with no answer at all are
        dropped.  ``"listwise"``: only respondents who answered every item.

    Returns
    -------
    pandas.DataFrame
        One row with columns

        - ``alpha``: raw alpha, ``k/(k-1) (1 - tr(C)/sum(C))``
          (R: ``psych::alpha(x)$total$raw_alpha``).
        - ``std_alpha``: standardised alpha from ``cov2cor(C)``
          (R: ``$total$std.alpha``).
        - ``ci_low``, ``ci_high``: Feldt interval at level ``ci`` (exact F
          quantiles; R: ``psych::alpha.ci(alpha, n, k)`` / the "Feldt" row).
        - ``n``: respondents used (pairwise: with at least one answer;
          ``psych`` uses ``nrow(x)``, identical unless a row is empty;
          listwise: complete rows, where psych still uses ``nrow(x)``, so its
          Feldt interval is narrower than the data support).
        - ``k``: number of items.

    Raises
    ------
    DataError
        Fewer than 2 items, a non-numeric item, an item without variance,
        fewer than 3 respondents, or a pair of items answered together by
        fewer than 3 respondents.

    Examples
    --------
    >>> import pandas as pd
    >>> items = pd.DataFrame({"a": [1, 2, 3, 4, 5, 3], "b": [2, 2, 3, 5, 5, 3],
    ...                       "c": [1, 3, 3, 4, 4, 2]})
    >>> cronbach_alpha(items)[["alpha", "ci_low", "ci_high", "n", "k"]].round(3)
       alpha  ci_low  ci_high  n  k
    0  0.946   0.771    0.992  6  3
    """
    ci = check_probability(ci, "ci")
    cols, x = _prepare(data, columns, missing)
    moments = _covariance(x, cols)
    raw, std = _alpha_from_cov(moments.cov)
    n, k = moments.rows, len(cols)
    low, high = feldt_ci(raw, n, k, ci)
    out = pd.DataFrame(
        {"alpha": [raw], "std_alpha": [std], "ci_low": [low], "ci_high": [high], "n": [n], "k": [k]}
    )
    out.attrs.update(missing=missing, ci_method="Feldt (exact F quantiles)", ci_level=ci)
    return out


def item_statistics(
    data: pd.DataFrame, *, columns: Sequence[str] | None = None, missing: Missing = "pairwise"
) -> pd.DataFrame:
    """Per-item statistics of a scale, as ``psych::alpha(x)$item.stats``.

    Parameters
    ----------
    data : pandas.DataFrame
        Wide table of keyed item answers (see :func:`cronbach_alpha`).
    columns : list of str, optional
        Item columns; default every column.
    missing : {"pairwise", "listwise"}, default "pairwise"
        How the covariance matrix ``C`` is formed (see :func:`cronbach_alpha`).

    Returns
    -------
    pandas.DataFrame
        One row per item with columns

        - ``item``: column name.
        - ``n``: respondents who answered the item (among those used).
        - ``mean``, ``sd``: mean and standard deviation (n - 1) of the
          item over every answer given (psych computes these on all
          available answers in both modes; so do we).
        - ``r_drop``: corrected item-total (item-rest) correlation,
          ``(sum_j C_ij - C_ii) / sqrt(C_ii * sum(C without i))``
          (R: ``$item.stats$r.drop``).
        - ``alpha_if_dropped``: raw alpha of the remaining items
          (R: ``$alpha.drop$raw_alpha``).  NaN for a 2-item scale, where
          alpha of one item is undefined (psych prints the inter-item
          correlation there instead).

    Raises
    ------
    DataError
        As :func:`cronbach_alpha`.

    Examples
    --------
    >>> import pandas as pd
    >>> items = pd.DataFrame({"a": [1, 2, 3, 4, 5, 3], "b": [2, 2, 3, 5, 5, 3],
    ...                       "c": [1, 3, 3, 4, 4, 2]})
    >>> item_statistics(items).round(2)
      item  n  mean    sd  r_drop  alpha_if_dropped
    0    a  6  3.00  1.41    0.94              0.88
    1    b  6  3.33  1.37    0.90              0.91
    2    c  6  2.83  1.17    0.83              0.96
    """
    cols, x = _prepare(data, columns, missing)
    moments = _covariance(x, cols)
    C = moments.cov
    k = len(cols)
    diag = np.diag(C)
    total = C.sum()
    colsum = C.sum(axis=0)
    rest = total - 2 * colsum + diag
    r_drop = (colsum - diag) / np.sqrt(diag * rest)
    if k > 2:
        tr_rest = np.trace(C) - diag
        alpha_drop = (k - 1) / (k - 2) * (1 - tr_rest / rest)
    else:
        alpha_drop = np.full(k, np.nan)
    raw = numeric_matrix(data, cols)
    with np.errstate(invalid="ignore"):
        mean = np.nanmean(raw, axis=0)
        sd = np.nanstd(raw, axis=0, ddof=1)
    n = np.diag(moments.count).astype(int)
    out = pd.DataFrame(
        {"item": cols, "n": n, "mean": mean, "sd": sd, "r_drop": r_drop, "alpha_if_dropped": alpha_drop}
    )
    out.attrs.update(missing=missing)
    return out


# ------------------------------------------------------------------ omega
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
    cols, x = _prepare(data, columns, missing, min_items=3)
    moments = _covariance(x, cols, corr=True)
    R = cast(np.ndarray, moments.cor)  # corr=True computes it
    lam = minres_loadings(R)
    omega = 1 - (1 - lam**2).sum() / R.sum()
    out = pd.DataFrame({"omega_total": [float(omega)], "n": [moments.rows], "k": [len(cols)]})
    out.attrs.update(missing=missing, loadings=dict(zip(cols, lam.tolist())))
    return out


def difference_score_reliability(
    var_a: float, var_b: float, rel_a: float, rel_b: float, r_ab: float
) -> float:
    """Classical reliability of a difference score ``A - B``.

    ``(s_a^2 rel_a + s_b^2 rel_b - 2 s_a s_b r_ab) / (s_a^2 + s_b^2 - 2 s_a s_b r_ab)``
    (Lord 1963; Williams & Zimmerman 1977).  Invariant to a common linear
    rescaling of the difference, so it applies to the balance index.
    """
    sa, sb = np.sqrt(var_a), np.sqrt(var_b)
    cross = 2 * sa * sb * r_ab
    return float((var_a * rel_a + var_b * rel_b - cross) / (var_a + var_b - cross))


# ------------------------------------------------------------------ instrument
def reliability(
    data: pd.DataFrame,
    instrument: Instrument | None = None,
    *,
    ci: float = 0.95,
    missing: Missing = "pairwise",
) -> pd.DataFrame:
    """Reliability of every scale and facet of an instrument, and of the balance.

    Reverse-keyed items are reflected as ``(min + max) - x`` using the
    item's response range before anything is computed.  Nothing is imputed.

    Parameters
    ----------
    data : pandas.DataFrame
        Wide response table (one row per respondent, one column per item).
    instrument : Instrument, optional
        Default: the shipped instrument (``load_instrument()``).
    ci : float, default 0.95
        Level of the Feldt interval.
    missing : {"pairwise", "listwise"}, default "pairwise"
        Passed to :func:`cronbach_alpha` for each scale.

    Returns
    -------
    pandas.DataFrame
        One row per scale (``facet`` NA), per orientation x facet, and one for
        the balance (difference) score, with columns

        - ``scale``, ``facet``: what is measured (``scale == "balance"`` for
          the difference score networking - socializing).
        - ``k``: items; ``n``: respondents used.
        - ``alpha``, ``std_alpha``, ``ci_low``, ``ci_high``: as
          :func:`cronbach_alpha`.  For 2-item facets ``std_alpha`` equals the
          Spearman-Brown coefficient ``2r/(1+r)`` of the inter-item
          correlation.  For the balance row ``alpha`` holds the classical
          difference-score reliability
          (:func:`difference_score_reliability`) from the two scale alphas,
          the variances of the two scale scores (``analysis.scoring.score``:
          mean of the keyed items answered, NA below the instrument's
          minimum answered share) and their correlation, over respondents with
          both scores;
          its other statistics are NA.
        - ``omega_total``: one-factor minres omega (NA for fewer than 3
          items and for the balance row).
        - ``method``: ``"alpha"`` or ``"difference score"``.

    Examples
    --------
    >>> from analysis import make_demo
    >>> from survey.instrument import load_instrument
    >>> table = reliability(make_demo(300, seed=1), load_instrument())
    >>> table.loc[table["facet"].isna(), "scale"].tolist()
    ['networking', 'socializing', 'intentionality', 'balance']
    >>> bool(table["alpha"].between(0, 1).all())
    True
    """
    from analysis.scoring import keyed_items, score
    from survey.instrument import load_instrument

    inst = instrument if instrument is not None else load_instrument()
    check_frame(data, "data")
    check_numeric(data, inst.item_ids, "data")
    keyed = keyed_items(data, inst)

    groups: list[tuple[str, str | None, list[str]]] = []
    for scale in inst.scales:
        groups.append((scale, None, [i.id for i in inst.scale_items(scale)]))
    for scale in inst.scales:
        for facet_id in inst.facets:
            its = [i.id for i in inst.scale_items(scale, facet_id)]
            if its:
                groups.append((scale, facet_id, its))

    rows = []
    for scale, facet, its in groups:
        a = cronbach_alpha(keyed, ci, columns=its, missing=missing).iloc[0]
        om = np.nan
        if len(its) >= 3:
            om = omega_total(keyed, columns=its, missing=missing)["omega_total"].iloc[0]
        rows.append(
            dict(
                scale=scale,
                facet=facet,
                k=len(its),
                n=int(a["n"]),
                alpha=a["alpha"],
                std_alpha=a["std_alpha"],
                ci_low=a["ci_low"],
                ci_high=a["ci_high"],
                omega_total=om,
                method="alpha",
            )
        )

    rel = {r["scale"]: r["alpha"] for r in rows if r["facet"] is None}
    if "networking" in rel and "socializing" in rel:
        scores = score(data, inst)
        both = scores["networking"].notna() & scores["socializing"].notna()
        net, soc = scores.loc[both, "networking"], scores.loc[both, "socializing"]
        rd = difference_score_reliability(
            net.var(), soc.var(), rel["networking"], rel["socializing"], float(np.corrcoef(net, soc)[0, 1])
        )
        k_bal = len(inst.scale_items("networking")) + len(inst.scale_items("socializing"))
        rows.append(
            dict(
                scale="balance",
                facet=None,
                k=k_bal,
                n=int(both.sum()),
                alpha=rd,
                std_alpha=np.nan,
                ci_low=np.nan,
                ci_high=np.nan,
                omega_total=np.nan,
                method="difference score",
            )
        )
    out = pd.DataFrame(rows)
    out["facet"] = out["facet"].astype("object")
    out.attrs.update(missing=missing, ci_level=ci, note="reverse-keyed items reflected; no imputation")
    return out
