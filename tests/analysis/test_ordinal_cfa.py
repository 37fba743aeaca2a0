"""WLSMV CFA, the Wu & Estabrook ladder and ordinal reliability against lavaan,
semTools and psych (tests/reference/ordinal_lavaan.R wrote the JSON)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis import cfa, invariance, omega_categorical, ordinal_alpha
from analysis.structure import FIT_COLUMNS, invariance_level, invariance_sentence
from analysis.structure.ordinal_cfa import SCALED_COLUMNS
from analysis.structure.summary import (
    ORDINAL_REFERENCES,
    fit_sentence,
    ml_comparison_sentence,
    structure_methods,
)
from survey.errors import DataError
from tests.helpers import ORDINAL_GROUPS, ordinal_data, ordinal_reference

REF = ordinal_reference()
CASES = ("spi", "bfi", "demo")
STEPS = ("configural", "thresholds", "loadings", "intercepts")
# ours -> lavaan's fitMeasures: chi-squares relative 1e-5, indices absolute 1e-5
CHI2 = {
    "chi2": "chisq",
    "chi2_scaled": "chisq.scaled",
    "baseline_chi2": "baseline.chisq",
    "baseline_chi2_scaled": "baseline.chisq.scaled",
}
INDICES = {
    "cfi": "cfi",
    "tli": "tli",
    "rmsea": "rmsea",
    "cfi_scaled": "cfi.scaled",
    "tli_scaled": "tli.scaled",
    "rmsea_scaled": "rmsea.scaled",
    "rmsea_ci_low_scaled": "rmsea.ci.lower.scaled",
    "rmsea_ci_high_scaled": "rmsea.ci.upper.scaled",
    "srmr": "srmr",
    "scaled_p": "pvalue.scaled",
}


@pytest.fixture(scope="module", params=CASES)
def case(request: pytest.FixtureRequest) -> tuple[str, dict, pd.DataFrame]:
    name = request.param
    return name, REF[name]["factors"], ordinal_data(name)


@pytest.fixture(scope="module")
def fitted(case: tuple[str, dict, pd.DataFrame]):
    name, factors, data = case
    return name, cfa(data, factors, ordered=True)


def _check_fit(row: pd.Series, ref: dict) -> None:
    for ours, theirs in CHI2.items():
        if ours in row:
            assert row[ours] == pytest.approx(ref[theirs], rel=1e-5), ours
    for ours, theirs in INDICES.items():
        if ours in row and theirs in ref:
            assert row[ours] == pytest.approx(ref[theirs], abs=1e-5), ours
    assert int(row["df"]) == ref["df"]


def test_wlsmv_fit_matches_lavaan(fitted) -> None:
    name, res = fitted
    ref = REF[name]["cfa"]
    row = res.fit.iloc[0]
    assert list(res.fit.columns[: len(FIT_COLUMNS)]) == list(FIT_COLUMNS)
    assert set(SCALED_COLUMNS) <= set(res.fit.columns)
    _check_fit(row, ref["fit"])
    assert row["n"] == ref["fit"]["ntotal"] and row["npar"] == ref["fit"]["npar"]
    assert row["shift"] == pytest.approx(ref["shift"], rel=1e-4)
    assert row["estimator"] == "WLSMV" and res.converged


def test_wlsmv_estimates_match_lavaan(fitted) -> None:
    name, res = fitted
    ref = REF[name]["cfa"]
    load = pd.DataFrame(ref["loadings"])
    assert list(res.loadings["item"]) == list(load["rhs"])
    np.testing.assert_allclose(res.loadings["std_all"], load["std.all"], atol=1e-4)
    np.testing.assert_allclose(res.loadings["estimate"], load["est"], atol=1e-4)
    free = load["se"] > 0  # markers: fixed
    np.testing.assert_allclose(res.loadings["se"][free], load["se"][free], rtol=1e-3)
    assert res.loadings["se"][~free].isna().all()
    th = pd.DataFrame(ref["thresholds"])
    np.testing.assert_allclose(res.thresholds["estimate"], th["est"], atol=1e-6)
    np.testing.assert_allclose(res.thresholds["se"], th["se"], rtol=1e-3)
    cov = pd.DataFrame(ref["factor_cov"])
    between = cov[cov["lhs"] != cov["rhs"]]
    np.testing.assert_allclose(
        np.sort(res.factor_correlations["correlation"]), np.sort(between["std.all"]), atol=1e-4
    )


def test_wu_estabrook_ladder_matches_semtools_and_lavtestlrt(case) -> None:
    name, factors, data = case
    ladder = invariance(data, factors, ORDINAL_GROUPS[name], ordered=True)
    ref = REF[name]["ladder"]
    assert list(ladder.index) == list(STEPS)
    for step in STEPS:
        row = ladder.loc[step]
        _check_fit(row, ref[step]["fit"])
        if step == "configural":
            assert pd.isna(row["delta_chi2"]) and pd.isna(row["supported"])
            continue
        lrt = ref[step]["lrt"]
        assert row["delta_chi2"] == pytest.approx(lrt["delta_chi2"], rel=1e-5)
        assert int(row["delta_df"]) == lrt["delta_df"]
        assert row["delta_p"] == pytest.approx(lrt["delta_p"], rel=1e-4, abs=1e-8)
        assert row["delta_cfi"] == pytest.approx(
            ref[step]["fit"]["cfi.scaled"] - ref[STEPS[STEPS.index(step) - 1]]["fit"]["cfi.scaled"], abs=1e-5
        )
        assert isinstance(row["supported"], (bool, np.bool_))
    assert ladder.attrs["estimator"] == "WLSMV" and "Chen" in ladder.attrs["rule"]
    level = invariance_level(ladder)
    assert level in STEPS
    sentence = invariance_sentence(ladder, ORDINAL_GROUPS[name])
    assert ("warranted" in sentence) == (level == "intercepts")


def test_omega_categorical_and_ordinal_alpha(case) -> None:
    name, factors, data = case
    ref = REF[name]["reliability"]
    omega = omega_categorical(data, factors).set_index("factor")["omega_categorical"]
    for factor, value in ref["omega"].items():
        assert omega[factor] == pytest.approx(value, abs=1e-5)
    for factor, items in factors.items():
        alpha = ordinal_alpha(data, items)
        assert alpha.loc[0, "alpha"] == pytest.approx(ref["ordinal_alpha"][factor], abs=1e-6)
        assert alpha.loc[0, "items"] == len(items)


# ------------------------------------------------------------------ bad input
@pytest.fixture()
def small() -> pd.DataFrame:
    rng = np.random.default_rng(7)
    latent = rng.normal(size=400)
    data = pd.DataFrame(
        {f"i{j}": np.digitize(latent + rng.normal(size=400), [-1, 0, 1]) + 1 for j in range(6)}
    )
    data["g"] = np.where(np.arange(400) % 2, "a", "b")
    return data


FACTORS = {"f": [f"i{j}" for j in range(6)]}


def test_category_missing_in_one_group_names_item_and_group(small: pd.DataFrame) -> None:
    small.loc[small["g"] == "b", "i3"] = small.loc[small["g"] == "b", "i3"].clip(upper=3)
    with pytest.raises(DataError) as err:
        invariance(small, FACTORS, "g", ordered=True)
    assert "i3" in str(err.value) and "'b'" in str(err.value) and "category 4" in str(err.value)
    assert err.value.problems[0].field == "i3"


def test_constant_item_and_non_integer_codes(small: pd.DataFrame) -> None:
    small["i2"] = 3
    with pytest.raises(DataError, match="'i2'.*constant"):
        cfa(small, FACTORS, ordered=True)
    small["i2"] = 2.5
    with pytest.raises(DataError, match="whole-number"):
        cfa(small, FACTORS, ordered=True)


def test_fewer_rows_than_parameters_names_the_group(small: pd.DataFrame) -> None:
    # group b: 4 rows that still show every category of every item, 6 loadings to estimate
    items = FACTORS["f"]
    b_rows = pd.DataFrame([[code] * 6 + ["b"] for code in (1, 2, 3, 4)], columns=[*items, "g"])
    tiny = pd.concat([small[small["g"] == "a"], b_rows], ignore_index=True)
    with pytest.raises(DataError, match="group 'b' of 'g' has 4 complete case"):
        invariance(tiny, FACTORS, "g", ordered=True)


def test_ordered_list_must_cover_the_model(small: pd.DataFrame) -> None:
    with pytest.raises(DataError, match="not listed as ordered"):
        cfa(small, FACTORS, ordered=["i0", "i1"])
    res = cfa(small, FACTORS, ordered=list(FACTORS["f"]))
    assert res.fit.loc[0, "estimator"] == "WLSMV"


def test_ordinal_with_equal_or_fiml_is_refused(small: pd.DataFrame) -> None:
    with pytest.raises(DataError, match="invariance"):
        cfa(small, FACTORS, ordered=True, group="g", equal="loadings")
    with pytest.raises(DataError, match="listwise"):
        invariance(small, FACTORS, "g", ordered=True, missing="ml")


def test_sentences_name_the_estimator_and_the_ladder() -> None:
    data, factors = ordinal_data("spi"), REF["spi"]["factors"]
    wlsmv, ml = cfa(data, factors, ordered=True), cfa(data, factors)
    ladder = invariance(data, factors, "sex", ordered=True)
    sentence = fit_sentence(wlsmv)
    assert sentence.startswith("scaled \u03c7\u00b2(34) = 445.92")  # lavaan: chisq.scaled 445.9198
    assert "CFI = .969" in sentence  # cfi.scaled 0.96861
    assert ml_comparison_sentence(ml).startswith("Treating the answers as continuous")
    text = structure_methods(wlsmv, {"sex": ladder})
    assert "WLSMV" in text and "Wu and Estabrook's (2016)" in text and "Satorra 2000" in text
    assert "intercept (scalar) invariance held across sex" in text
    assert any(ref.startswith("Wu, H., & Estabrook") for ref in ORDINAL_REFERENCES)
