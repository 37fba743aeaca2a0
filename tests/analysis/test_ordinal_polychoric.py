"""Polychoric correlations, thresholds and their NACOV against lavaan and psych.

Reference numbers: tests/reference/ordinal_lavaan.R (lavaan 0.6.14, psych 2.2.9)
wrote tests/reference/ordinal_lavaan.json; the suite does not need R.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.stats import multivariate_normal

from analysis import polychoric
from analysis.structure.bvn import bvn_cdf
from analysis.structure.nacov import nacov
from analysis.structure.ordinal_data import category_levels, ordinal_sample, recode
from analysis.structure.polychoric import two_step_rho
from survey.errors import DataError
from tests.helpers import ordinal_data, ordinal_reference

REF = ordinal_reference()
CASES = ("spi", "bfi", "demo")
TOL = 1e-6  # polychorics and thresholds


def _items(name: str) -> list[str]:
    return REF[name]["polychoric"]["items"]


@pytest.mark.parametrize("name", CASES)
def test_lavaan_polychorics_and_thresholds(name: str) -> None:
    ref = REF[name]["polychoric"]
    res = polychoric(ordinal_data(name), _items(name))
    assert res.method == "lavaan"
    np.testing.assert_allclose(res.rho.to_numpy(), np.array(ref["lavaan_rho"]), atol=TOL)
    np.testing.assert_allclose(res.thresholds["value"], ref["lavaan_th"], atol=TOL)
    # tidy: item, threshold number, value; lavaan's names are item|t1, item|t2, ...
    names = [f"{i}|t{t}" for i, t in zip(res.thresholds["item"], res.thresholds["threshold"])]
    assert names == ref["lavaan_th_names"]
    assert list(res.rho.index) == _items(name)


@pytest.mark.parametrize("name", CASES)
def test_psych_polychorics(name: str) -> None:
    ref = REF[name]["polychoric"]
    res = polychoric(ordinal_data(name), _items(name), method="psych")
    np.testing.assert_allclose(res.rho.to_numpy(), np.array(ref["psych_rho"]), atol=TOL)
    tau = np.array(ref["psych_tau"])
    np.testing.assert_allclose(res.thresholds["value"], tau.ravel(), atol=TOL)


def test_sparse_case_the_two_methods_differ_and_each_matches_its_reference() -> None:
    ref = REF["sparse"]["polychoric"]
    data = pd.DataFrame(np.array(ref_data := REF["sparse"]["data"], dtype=float), columns=ref["items"])
    assert data.isna().sum().sum() == 1 and len(ref_data) == 40
    lav = polychoric(data, method="lavaan")
    psy = polychoric(data, method="psych")
    np.testing.assert_allclose(lav.rho.to_numpy(), np.array(ref["lavaan_rho"]), atol=TOL)
    np.testing.assert_allclose(psy.rho.to_numpy(), np.array(ref["psych_rho"]), atol=TOL)
    assert np.abs(lav.rho.to_numpy() - psy.rho.to_numpy()).max() > 0.01
    assert lav.n == 39 and psy.n == 40
    assert lav.empty_cells, "the sparse tables have empty cells"


def test_nacov_matches_lavaan_gamma() -> None:
    ref = REF["spi"]["polychoric"]
    data = ordinal_data("spi")[_items("spi")].to_numpy(float)
    levels = category_levels(data, _items("spi"))
    sample = ordinal_sample(recode(data, levels), np.array([lv.size for lv in levels]))
    rho = two_step_rho(sample)
    np.testing.assert_allclose(np.concatenate([sample.flat_thresholds, rho]), ref["lavaan_wls_obs"], atol=TOL)
    gamma = nacov(sample, rho)
    np.testing.assert_allclose(np.diag(gamma), ref["lavaan_nacov_diag"], rtol=1e-6)
    rows = np.array(ref["lavaan_nacov_rows"]["index"]) - 1
    np.testing.assert_allclose(gamma[rows], np.array(ref["lavaan_nacov_rows"]["rows"]), rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(gamma, gamma.T)


def test_bivariate_normal_against_scipy() -> None:
    rng = np.random.default_rng(24)
    h, k = rng.normal(scale=1.5, size=(2, 200))
    r = np.concatenate(
        [rng.uniform(-0.92, 0.92, 100), rng.uniform(0.925, 0.999, 50), -rng.uniform(0.925, 0.999, 50)]
    )
    ours = bvn_cdf(h, k, r)
    ref = [
        multivariate_normal.cdf([a, b], cov=[[1, c], [c, 1]], abseps=1e-13, releps=1e-13)
        for a, b, c in zip(h, k, r)
    ]
    np.testing.assert_allclose(ours, ref, atol=1e-12)
    assert bvn_cdf(np.inf, 0.3, 0.5) == pytest.approx(0.617911409)
    assert bvn_cdf(-np.inf, 0.3, 0.5) == 0.0


def test_binary_items_follow_lavaan_2x2_rules() -> None:
    # proportional rows: lavaan returns exactly 0; one empty cell: 0.5 added keeping margins
    indep = pd.DataFrame({"a": [0, 0, 1, 1] * 5, "b": [0, 1, 0, 1] * 5})
    assert polychoric(indep).rho.loc["a", "b"] == 0.0
    one_empty = pd.DataFrame({"a": [0] * 10 + [1] * 10, "b": [0] * 6 + [1] * 4 + [1] * 10})
    # lavaan::lavCor(one_empty, ordered = c("a", "b")) gives 0.820019650 (0.999 without zero.add)
    assert polychoric(one_empty).rho.loc["a", "b"] == pytest.approx(0.820019650, abs=1e-6)


@pytest.mark.parametrize(
    ("frame", "needle"),
    [
        (pd.DataFrame({"a": [1, 2, 3, 2], "b": [1.5, 2, 3, 1]}), "'b'"),
        (pd.DataFrame({"a": [1, 2, 3, 2], "b": [2, 2, 2, 2]}), "constant"),
        (pd.DataFrame({"a": [1, 2, 3, 2], "b": ["x", "y", "x", "y"]}), "not numeric"),
    ],
)
def test_bad_items_raise_data_error_naming_the_item(frame: pd.DataFrame, needle: str) -> None:
    with pytest.raises(DataError, match=needle):
        polychoric(frame)


def test_unknown_method_and_single_column() -> None:
    frame = pd.DataFrame({"a": [1, 2, 3, 2], "b": [1, 2, 3, 1]})
    with pytest.raises(DataError, match="method"):
        polychoric(frame, method="spearman")
    with pytest.raises(DataError, match="at least two"):
        polychoric(frame, ["a"])


def test_nacov_in_single_precision_chunks_agrees_with_double() -> None:
    data = ordinal_data("bfi")[_items("bfi")].to_numpy(float)
    levels = category_levels(data, _items("bfi"))
    sample = ordinal_sample(recode(data, levels), np.array([lv.size for lv in levels]))
    rho = two_step_rho(sample)
    double, single = nacov(sample, rho, single=False), nacov(sample, rho, single=True)
    scale = np.sqrt(np.outer(np.diag(double), np.diag(double)))
    assert np.abs(single - double).max() / scale.max() < 1e-5
    assert np.abs((single - double) / scale).max() < 1e-5


def test_psych_method_refuses_tables_psych_itself_cannot_estimate() -> None:
    # 30 rows of the bfi N items: N3 never uses category 6, so psych drops the global
    # thresholds and its 0.5 per empty cell pushes a cumulative proportion past 1;
    # psych::polychoric 2.2.9 stops with an error on this data (see ordinal_lavaan.R)
    data = ordinal_data("bfi").iloc[:30][["N1", "N2", "N3", "N4", "N5"]]
    with pytest.raises(DataError, match="N1 x N2.*method='lavaan'"):
        polychoric(data, method="psych")
    assert np.isfinite(polychoric(data).rho.to_numpy()).all()
