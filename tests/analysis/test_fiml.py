"""Full-information ML (``cfa(missing="ml")``, ``invariance(missing="ml")``) against lavaan.

The reference numbers come from lavaan 0.6.14 (``tests/reference/fiml_lavaan.R``,
its output ``tests/reference/fiml_lavaan.json``), so this suite runs without R.
Data: psych::bfi, the agreeableness, conscientiousness and extraversion items and
gender (2800 rows, 2.4 % of them with a missing item; two rows with no item at all,
which both sides drop), ``tests/reference/fiml_bfi.csv``.
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analysis import cfa, invariance
from analysis.structure import invariance_groups
from survey.errors import DataError

REF_DIR = Path(__file__).resolve().parents[1] / "reference"
REF = json.loads((REF_DIR / "fiml_lavaan.json").read_text())
FACTORS = REF["factors"]
RELATIVE = {
    "chi2": "chisq",
    "aic": "aic",
    "bic": "bic",
    "loglik": "logl",
    "unrestricted_loglik": "unrestricted.logl",
    "baseline_chi2": "baseline.chisq",
}
ABSOLUTE = {
    "cfi": "cfi",
    "tli": "tli",
    "rmsea": "rmsea",
    "rmsea_ci_low": "rmsea.ci.lower",
    "rmsea_ci_high": "rmsea.ci.upper",
    "srmr": "srmr",
}
EXACT = {"n": "ntotal", "df": "df", "npar": "npar", "baseline_df": "baseline.df"}


@pytest.fixture(scope="module")
def bfi() -> pd.DataFrame:
    return pd.read_csv(REF_DIR / "fiml_bfi.csv")


def assert_fit_matches(fit: pd.Series, ref: dict) -> None:
    for ours, theirs in EXACT.items():
        assert int(fit[ours]) == int(ref[theirs]), ours
    for ours, theirs in RELATIVE.items():
        assert fit[ours] == pytest.approx(ref[theirs], rel=1e-6), ours
    for ours, theirs in ABSOLUTE.items():
        assert fit[ours] == pytest.approx(ref[theirs], abs=1e-6), ours


def test_the_reference_is_lavaan_0_6_14_with_observed_information():
    assert REF["lavaan_version"] == "0.6.14"
    assert REF["one_group"]["information"][0] == "observed"
    # lavaan's own stopping rules land within 1e-6 of the optimum the reference holds
    assert REF["default_chisq"] == pytest.approx(REF["one_group"]["fit"]["chisq"], rel=1e-6)


def test_fiml_cfa_matches_lavaan(bfi):
    ref = REF["one_group"]
    result = cfa(bfi, FACTORS, missing="ml")
    assert result.converged and result.problems == []
    assert_fit_matches(result.fit.iloc[0], ref["fit"])
    params = pd.DataFrame(ref["params"])
    load = params[params.op == "=~"].reset_index(drop=True)
    assert list(result.loadings["item"]) == list(load["rhs"])
    np.testing.assert_allclose(result.loadings["estimate"], load["est"], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(result.loadings["std_all"], load["std.all"], atol=1e-6)
    # observed-information standard errors (lavaan's default for missing = "ml")
    free = result.loadings["se"].notna()
    np.testing.assert_allclose(result.loadings.loc[free, "se"], load.loc[free, "se"], rtol=1e-4)
    res = params[
        (params.op == "~~") & (params.lhs == params.rhs) & params.lhs.isin(result.residual_variances["item"])
    ].reset_index(drop=True)
    np.testing.assert_allclose(result.residual_variances["estimate"], res["est"], rtol=1e-5)
    np.testing.assert_allclose(result.residual_variances["se"], res["se"], rtol=1e-4)
    cors = params[(params.op == "~~") & (params.lhs != params.rhs)].reset_index(drop=True)
    np.testing.assert_allclose(result.factor_correlations["correlation"], cors["std.all"], atol=1e-6)


def test_fiml_uses_every_row_with_an_answer(bfi):
    answered = bfi[[i for f in FACTORS.values() for i in f]].notna().any(axis=1)
    complete = bfi[[i for f in FACTORS.values() for i in f]].notna().all(axis=1)
    result = cfa(bfi, FACTORS, missing="ml")
    assert int(result.fit.loc[0, "n"]) == int(answered.sum()) == 2798
    listwise = cfa(bfi, FACTORS)
    assert int(listwise.fit.loc[0, "n"]) == int(complete.sum()) < 2798


def test_fiml_ladder_matches_lavaan(bfi):
    ladder = invariance(bfi, FACTORS, "gender", missing="ml")
    assert ladder.attrs["groups"] == REF["ladder"]["configural"]["groups"]
    assert list(ladder.attrs["n"].values()) == REF["ladder"]["configural"]["nobs"]
    assert ladder.attrs["missing"] == "ml"
    for step, ref in REF["ladder"].items():
        assert ladder.loc[step, "chi2"] == pytest.approx(ref["fit"]["chisq"], rel=1e-6), step
        assert int(ladder.loc[step, "df"]) == int(ref["fit"]["df"]), step
        for col in ("cfi", "tli", "rmsea", "srmr"):
            assert ladder.loc[step, col] == pytest.approx(ref["fit"][col], abs=1e-6), (step, col)
    counts = invariance_groups(bfi, FACTORS, "gender", missing="ml")
    assert counts == dict(zip(ladder.attrs["groups"], REF["ladder"]["configural"]["nobs"]))


def test_fiml_scalar_model_estimates_match_lavaan(bfi):
    ref = REF["ladder"]["scalar"]
    result = cfa(bfi, FACTORS, group="gender", equal=("loadings", "intercepts"), missing="ml")
    assert_fit_matches(result.fit.iloc[0], ref["fit"])
    params = pd.DataFrame(ref["params"])
    load = params[params.op == "=~"].reset_index(drop=True)
    np.testing.assert_allclose(result.loadings["estimate"], load["est"], rtol=1e-5, atol=1e-5)
    free = result.loadings["se"].notna()
    np.testing.assert_allclose(result.loadings.loc[free, "se"], load.loc[free, "se"], rtol=1e-4)


def test_fiml_on_complete_data_gives_the_ml_estimates(bfi):
    complete = bfi.dropna().reset_index(drop=True)
    ml, fiml = cfa(complete, FACTORS), cfa(complete, FACTORS, missing="ml")
    assert fiml.fit.loc[0, "chi2"] == pytest.approx(ml.fit.loc[0, "chi2"], rel=1e-7)
    np.testing.assert_allclose(fiml.loadings["estimate"], ml.loadings["estimate"], atol=1e-6)
    assert int(fiml.fit.loc[0, "npar"]) == int(ml.fit.loc[0, "npar"]) + 15  # the intercepts


def test_missing_is_checked_and_thin_items_are_named(bfi):
    with pytest.raises(DataError, match=r"missing: got 'pairwise'; expected one of \['listwise', 'ml'\]"):
        cfa(bfi, FACTORS, missing="pairwise")
    thin = bfi.copy()
    thin.loc[1:, "A3"] = np.nan
    with pytest.raises(DataError, match=r"item\(s\) \['A3'\] have fewer than 2 answers"):
        cfa(thin, FACTORS, missing="ml")


def test_fiml_nonconvergence_warns_and_says_so(bfi):
    from analysis.structure import CFAWarning

    tiny = bfi.head(60).copy()
    tiny["A1"] = tiny["A2"] * 2 + 0.001 * np.arange(60)  # nearly collinear: improper solution
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = cfa(tiny, FACTORS, missing="ml")
    if result.converged:
        pytest.fail("expected an improper solution for a collinear item")
    assert any(issubclass(w.category, CFAWarning) for w in caught)
    assert result.problems


def test_mlr_matches_lavaan_huber_white_and_yuan_bentler(bfi):
    ref = REF["mlr"]
    result = cfa(bfi, FACTORS, missing="ml", estimator="MLR")
    fit = result.fit.iloc[0]
    assert fit["estimator"] == "MLR"
    assert fit["chi2"] == pytest.approx(ref["fit"]["chisq"], rel=1e-6)
    assert fit["scaling_factor"] == pytest.approx(ref["fit"]["chisq.scaling.factor"], rel=1e-6)
    assert fit["chi2_scaled"] == pytest.approx(ref["fit"]["chisq.scaled"], rel=1e-6)
    assert int(fit["df_scaled"]) == int(ref["fit"]["df.scaled"])
    for ours, theirs in (
        ("cfi_scaled", "cfi.scaled"),
        ("tli_scaled", "tli.scaled"),
        ("rmsea_scaled", "rmsea.scaled"),
    ):
        assert fit[ours] == pytest.approx(ref["fit"][theirs], abs=1e-6), ours
    params = pd.DataFrame(ref["params"])
    load = params[params.op == "=~"].reset_index(drop=True)
    free = result.loadings["se"].notna()
    np.testing.assert_allclose(result.loadings.loc[free, "se"], load.loc[free, "se"], rtol=1e-4)
    np.testing.assert_allclose(result.loadings["estimate"], load["est"], rtol=1e-5, atol=1e-6)
    # the robust SEs differ from the observed-information ones lavaan gives for plain ML
    plain = pd.DataFrame(REF["one_group"]["params"])
    plain_se = plain[plain.op == "=~"].reset_index(drop=True)["se"]
    assert not np.allclose(result.loadings.loc[free, "se"], plain_se[free], rtol=1e-3)


def test_mlr_needs_full_information(bfi):
    with pytest.raises(DataError, match=r"estimator: got 'MLR' with missing='listwise'"):
        cfa(bfi, FACTORS, estimator="MLR")
