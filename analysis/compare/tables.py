"""Contingency tables and linear regression."""

from __future__ import annotations

from typing import Literal

import numpy as np
import pandas as pd
from scipy import stats

from analysis._checks import check_choice, check_columns, check_frame, check_levels, check_probability
from survey.errors import DataError

__all__ = ["crosstab", "regress"]


def crosstab(data: pd.DataFrame, a: str, b: str, *, min_expected: float = 5.0) -> pd.DataFrame:
    """Association of two categorical columns: chi-square or Fisher's exact test.

    Parameters
    ----------
    data : pandas.DataFrame
        Table with one row per respondent.
    a, b : str
        Categorical columns (any dtype; each needs at least two levels).
    min_expected : float, default 5
        For a 2 x 2 table with any expected count below this, Fisher's exact
        test is used instead of the chi-square test.

    Returns
    -------
    pandas.DataFrame
        One row with columns

        - ``a``, ``b``: the column names; ``n``: respondents with both values.
        - ``test``: ``"chi-square"`` (Pearson), ``"chi-square (Yates)"``
          (2 x 2, continuity-corrected as R's ``chisq.test`` does by
          default) or ``"fisher"`` (R: ``fisher.test``).
        - ``chi2``, ``df``: the chi-square statistic (Yates-corrected for
          2 x 2, as R) and its degrees of freedom (reported for Fisher too).
        - ``p``: p of the test named in ``test``.
        - ``cramer_v``: ``sqrt(chi2_uncorrected / (n (min(r, c) - 1)))``.
        - ``min_expected``: smallest expected count.

        ``attrs["table"]`` holds the observed counts.

    Notes
    -----
    Rows with a missing ``a`` or ``b`` are dropped; unused categories are
    dropped from the table.

    Examples
    --------
    >>> import pandas as pd
    >>> data = pd.DataFrame({"profile": ["a", "b"] * 20 + ["a"] * 10, "mode": ["x"] * 25 + ["y"] * 25})
    >>> crosstab(data, "profile", "mode")[["n", "test", "chi2", "df", "p", "cramer_v"]].round(3)
        n                test  chi2  df      p  cramer_v
    0  50  chi-square (Yates)  0.75   1  0.386     0.163
    """
    check_frame(data, "data")
    check_columns(data, a, "a")
    check_columns(data, b, "b")
    if a == b:
        raise DataError(f"b: column {b!r} is the same as a; expected two different columns")
    keep = data[a].notna() & data[b].notna()
    sub = data.loc[keep, [a, b]]
    check_levels(sub[a], "a")
    check_levels(sub[b], "b")
    table = pd.crosstab(sub[a].astype("object"), sub[b].astype("object"))
    obs = table.to_numpy()
    n = int(obs.sum())
    plain = stats.chi2_contingency(obs, correction=False)
    r, c = obs.shape
    expected = plain.expected_freq
    if (r, c) == (2, 2):
        yates = stats.chi2_contingency(obs, correction=True)
        chi2, p, test = yates.statistic, yates.pvalue, "chi-square (Yates)"
        if expected.min() < min_expected:
            p, test = stats.fisher_exact(obs).pvalue, "fisher"
    else:
        chi2, p, test = plain.statistic, plain.pvalue, "chi-square"
    v = np.sqrt(plain.statistic / (n * (min(r, c) - 1)))
    out = pd.DataFrame(
        [
            dict(
                a=a,
                b=b,
                n=n,
                test=test,
                chi2=float(chi2),
                df=int(plain.dof),
                p=float(p),
                cramer_v=float(v),
                min_expected=float(expected.min()),
            )
        ]
    )
    out.attrs["table"] = table
    return out


def regress(
    data: pd.DataFrame, formula: str, *, robust: Literal["HC3"] | None = None, ci: float = 0.95
) -> pd.DataFrame:
    """Ordinary least squares from an R-style formula (statsmodels).

    Parameters
    ----------
    data : pandas.DataFrame
        Table with one row per respondent.
    formula : str
        Patsy formula, e.g. ``"networking ~ C(role) + introversion"``; quote odd
        names with ``Q('name')``.  Categorical predictors use treatment
        (dummy) coding with the first level as reference, as R's default.
    robust : {None, "HC3"}, default None
        ``"HC3"``: heteroscedasticity-consistent standard errors (R:
        ``lmtest::coeftest(fit, sandwich::vcovHC(fit, "HC3"))``).
    ci : float, default 0.95
        Level of the coefficient intervals.

    Returns
    -------
    pandas.DataFrame
        One row per model term with columns ``term``, ``estimate``, ``se``,
        ``t``, ``p``, ``ci_low``, ``ci_high``, and the model-level ``r2``,
        ``r2_adj``, ``n`` (respondents used) repeated on every row
        (R: ``summary(lm(formula, data))``).

    Notes
    -----
    Rows with a missing value in any variable of the formula are dropped
    (listwise), as R's ``lm``.

    Examples
    --------
    >>> import pandas as pd
    >>> data = pd.DataFrame({"y": [1.0, 2.1, 2.9, 4.2, 5.1, 5.8, 7.2, 8.1], "x": range(1, 9)})
    >>> regress(data, "y ~ x")[["term", "estimate", "se", "p", "r2", "n"]].round(3)
            term  estimate     se      p     r2  n
    0  Intercept     0.007  0.117  0.953  0.997  8
    1          x     1.010  0.023  0.000  0.997  8
    """
    from statsmodels.formula.api import ols

    check_frame(data, "data")
    if not isinstance(formula, str) or "~" not in formula:
        raise DataError(f"formula: got {formula!r}; expected a formula like 'y ~ x1 + x2'")
    check_choice(robust, (None, "HC3"), "robust")
    ci = check_probability(ci, "ci")
    try:
        model = ols(formula, data=data, missing="drop")
    except Exception as exc:  # patsy reports unknown names and syntax errors
        first = str(exc).splitlines()[0]
        raise DataError(f"formula: {formula!r} cannot be used with these data: {first}") from None
    if model.endog.ndim != 1 or not np.issubdtype(model.endog.dtype, np.number):
        raise DataError(f"formula: the outcome of {formula!r} is not a single numeric column")
    if model.nobs <= model.exog.shape[1]:
        raise DataError(
            f"formula: {int(model.nobs)} complete respondents for {model.exog.shape[1]} "
            f"coefficients in {formula!r}; expected more respondents than coefficients"
        )
    # use_t: t distribution with residual df also for HC3, as R's coeftest
    fit = model.fit(cov_type=robust or "nonrobust", use_t=True)
    conf = fit.conf_int(alpha=1 - ci)
    out = pd.DataFrame(
        {
            "term": fit.params.index,
            "estimate": fit.params.to_numpy(),
            "se": fit.bse.to_numpy(),
            "t": fit.tvalues.to_numpy(),
            "p": fit.pvalues.to_numpy(),
            "ci_low": conf.iloc[:, 0].to_numpy(),
            "ci_high": conf.iloc[:, 1].to_numpy(),
            "r2": fit.rsquared,
            "r2_adj": fit.rsquared_adj,
            "n": int(fit.nobs),
        }
    )
    out.attrs.update(formula=formula, robust=robust)
    return out
