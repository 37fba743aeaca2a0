"""Reliability: alpha, item statistics, omega, instrument-wide table.

References: hand-worked examples (closed forms written out below), and
independent routes (pandas' pairwise covariance, statsmodels' principal-axis
factoring).  The R call that gives the same number is noted beside each check.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from statsmodels.multivariate.factor import Factor

from analysis._moments import pairwise_moments
from analysis.psychometrics import (
    cronbach_alpha,
    difference_score_reliability,
    item_statistics,
    minres_loadings,
    omega_total,
    reliability,
)
from survey.errors import DataError

# Hand-worked 4 x 3 example.  Deviations from the means (2.5, 2.5, 3):
#   a: -1.5 -0.5  0.5 1.5    b: -1.5 0.5 -0.5 1.5    c: -1 -1 1 1
# so C = (1/3) [[5, 4, 4], [4, 5, 2], [4, 2, 4]], tr(C) = 14/3, sum(C) = 34/3.
SMALL = pd.DataFrame({"a": [1, 2, 3, 4], "b": [1, 3, 2, 4], "c": [2, 2, 4, 4]})


def test_alpha_hand_worked():
    # R: psych::alpha(data.frame(a=c(1,2,3,4), b=c(1,3,2,4), c=c(2,2,4,4)))
    res = cronbach_alpha(SMALL)
    assert list(res.columns) == ["alpha", "std_alpha", "ci_low", "ci_high", "n", "k"]
    row = res.iloc[0]
    assert row["alpha"] == pytest.approx(3 / 2 * (1 - 14 / 34), abs=1e-12)  # 15/17
    r12, r13, r23 = 4 / 5, 4 / math.sqrt(20), 2 / math.sqrt(20)
    sum_r = 3 + 2 * (r12 + r13 + r23)
    assert row["std_alpha"] == pytest.approx(3 / 2 * (1 - 3 / sum_r), abs=1e-12)
    assert (row["n"], row["k"]) == (4, 3)
    # Feldt: 1 - (1 - alpha) F_{.975 / .025}(n - 1, (n - 1)(k - 1)) = F(3, 6)
    a = 15 / 17
    # F tables: F_.975(3, 6) = 6.5988; F_.025(3, 6) = 1 / F_.975(6, 3) = 1 / 14.7347
    assert row["ci_low"] == pytest.approx(1 - (1 - a) * 6.598799, abs=1e-6)  # R: qf(.975, 3, 6)
    assert row["ci_high"] == pytest.approx(1 - (1 - a) / 14.734718, abs=1e-6)  # R: qf(.025, 3, 6)


def test_alpha_ci_level_changes_interval():
    wide = cronbach_alpha(SMALL, ci=0.99).iloc[0]
    narrow = cronbach_alpha(SMALL, ci=0.80).iloc[0]
    assert wide["ci_low"] < narrow["ci_low"] < narrow["ci_high"] < wide["ci_high"]
    assert wide["ci_low"] == pytest.approx(1 - (1 - 15 / 17) * stats.f.ppf(0.995, 3, 6), abs=1e-12)


def test_item_statistics_hand_worked():
    # R: psych::alpha(x)$item.stats[, c("mean", "sd", "r.drop")], $alpha.drop$raw_alpha
    res = item_statistics(SMALL)
    assert list(res.columns) == ["item", "n", "mean", "sd", "r_drop", "alpha_if_dropped"]
    a = res.set_index("item")
    # item a: sum_j C_aj - C_aa = 8/3; rest sum = (5 + 2 + 2 + 4)/3 = 13/3
    assert a.loc["a", "r_drop"] == pytest.approx((8 / 3) / math.sqrt(5 / 3 * 13 / 3), abs=1e-12)
    # dropping a leaves C = (1/3)[[5, 2], [2, 4]]: alpha = 2 (1 - 9/13) = 8/13
    assert a.loc["a", "alpha_if_dropped"] == pytest.approx(8 / 13, abs=1e-12)
    # dropping c leaves (1/3)[[5, 4], [4, 5]]: alpha = 2 (1 - 10/18) = 8/9
    assert a.loc["c", "alpha_if_dropped"] == pytest.approx(8 / 9, abs=1e-12)
    assert a.loc["c", "mean"] == 3.0
    assert a.loc["c", "sd"] == pytest.approx(math.sqrt(4 / 3), abs=1e-12)


@pytest.fixture
def one_factor(rng):
    n, k = 400, 6
    f = rng.normal(size=n)
    load = np.linspace(0.4, 0.8, k)
    x = f[:, None] * load + rng.normal(size=(n, k)) * np.sqrt(1 - load**2)
    codes = np.clip(np.round(3 + 1.2 * x), 1, 5)
    df = pd.DataFrame(codes, columns=[f"q{j}" for j in range(k)])
    return df.mask(rng.random(df.shape) < 0.08).astype("Int64")


def test_pairwise_moments_match_pandas(one_factor):
    x = one_factor.to_numpy(dtype=float, na_value=np.nan)
    cov, count, cor, rows = pairwise_moments(x, corr=True)
    assert rows == one_factor.notna().any(axis=1).sum()
    frame = one_factor.astype(float)
    np.testing.assert_allclose(cov, frame.cov().to_numpy(), atol=1e-12)
    np.testing.assert_allclose(cor, frame.corr().to_numpy(), atol=1e-12)
    assert count[0, 1] == (one_factor["q0"].notna() & one_factor["q1"].notna()).sum()


def test_alpha_pairwise_uses_pairwise_covariance(one_factor):
    # Independent route: pandas' pairwise cov (= R's cov(use = "pairwise")) into the formula.
    C = one_factor.astype(float).cov().to_numpy()
    k = C.shape[0]
    d = np.sqrt(np.diag(C))
    res = cronbach_alpha(one_factor).iloc[0]
    assert res["alpha"] == pytest.approx(k / (k - 1) * (1 - np.trace(C) / C.sum()), abs=1e-12)
    R = C / np.outer(d, d)  # cov2cor(C), not the pairwise correlation matrix
    assert res["std_alpha"] == pytest.approx(k / (k - 1) * (1 - k / R.sum()), abs=1e-12)
    assert res["n"] == len(one_factor)


def test_alpha_listwise(one_factor):
    complete = one_factor.dropna().astype(float)
    C = complete.cov().to_numpy()
    res = cronbach_alpha(one_factor, missing="listwise").iloc[0]
    assert res["alpha"] == pytest.approx(6 / 5 * (1 - np.trace(C) / C.sum()), abs=1e-12)
    assert res["n"] == len(complete)
    stats_ = item_statistics(one_factor, missing="listwise").set_index("item")
    # dropping q0 from the listwise C (rows are not re-selected)
    Cd = C[1:, 1:]
    assert stats_.loc["q0", "alpha_if_dropped"] == pytest.approx(
        5 / 4 * (1 - np.trace(Cd) / Cd.sum()), abs=1e-12
    )


def test_alpha_if_dropped_equals_alpha_of_remaining_items(one_factor):
    # Closed form against the direct route: alpha of the other columns.
    stats_ = item_statistics(one_factor).set_index("item")
    for item in ["q0", "q3"]:
        rest = one_factor.drop(columns=item)
        assert stats_.loc[item, "alpha_if_dropped"] == pytest.approx(
            cronbach_alpha(rest).iloc[0]["alpha"], abs=1e-12
        )


def test_r_drop_equals_item_rest_correlation_when_complete(one_factor):
    full = one_factor.dropna().astype(float)
    stats_ = item_statistics(full).set_index("item")
    rest = full.drop(columns="q2").sum(axis=1)
    assert stats_.loc["q2", "r_drop"] == pytest.approx(np.corrcoef(full["q2"], rest)[0, 1], abs=1e-12)


def test_minres_recovers_exact_one_factor_structure():
    lam = np.array([0.3, 0.5, 0.6, 0.7, 0.8])
    R = np.outer(lam, lam)
    np.fill_diagonal(R, 1.0)
    np.testing.assert_allclose(minres_loadings(R), lam, atol=1e-8)


def test_minres_matches_statsmodels_principal_axis(one_factor):
    # At convergence iterated principal axis and minres (ULS) share the fixed point.
    R = one_factor.astype(float).corr().to_numpy()
    sm = Factor(corr=R, n_factor=1, method="pa", smc=True).fit(maxiter=100_000, tol=1e-13)
    lam_sm = np.abs(sm.loadings.ravel())
    np.testing.assert_allclose(minres_loadings(R), lam_sm, atol=1e-8)
    res = omega_total(one_factor).iloc[0]
    assert res["omega_total"] == pytest.approx(1 - (1 - lam_sm**2).sum() / R.sum(), abs=1e-8)


def test_omega_closed_form_on_exact_structure():
    # With an exact one-factor R, omega = (sum l)^2 / sum(R).
    lam = np.array([0.5, 0.6, 0.7])
    R = np.outer(lam, lam)
    np.fill_diagonal(R, 1.0)
    l_hat = minres_loadings(R)
    assert 1 - (1 - l_hat**2).sum() / R.sum() == pytest.approx(lam.sum() ** 2 / R.sum(), abs=1e-9)


def test_difference_score_reliability_hand_worked():
    # equal variances 1, reliabilities .8 and .9, correlation .5:
    # (0.8 + 0.9 - 1) / (2 - 1) = 0.7
    assert difference_score_reliability(1, 1, 0.8, 0.9, 0.5) == pytest.approx(0.7)
    # var 4 and 1, rel .9/.7, r .2: (3.6 + .7 - .8) / (5 - .8)
    assert difference_score_reliability(4, 1, 0.9, 0.7, 0.2) == pytest.approx(3.5 / 4.2)


def test_reliability_table_reverse_keys_and_balance(instrument, rng):
    from analysis.demo import make_demo
    from analysis.scoring import score

    data = make_demo(n=300, seed=7)
    table = reliability(data, instrument)
    assert list(table.columns) == [
        "scale",
        "facet",
        "k",
        "n",
        "alpha",
        "std_alpha",
        "ci_low",
        "ci_high",
        "omega_total",
        "method",
    ]
    n_facet_rows = sum(
        1 for s in instrument.scales for f in instrument.facets if instrument.scale_items(s, f)
    )
    assert len(table) == len(instrument.scales) + n_facet_rows + 1
    # networking alpha by hand: reflect reverse-keyed items as 6 - x
    net = instrument.scale_items("networking")
    keyed = pd.DataFrame({i.id: (6 - data[i.id]) if i.keying == "reverse" else data[i.id] for i in net})
    row = table[(table["scale"] == "networking") & table["facet"].isna()].iloc[0]
    assert row["alpha"] == pytest.approx(cronbach_alpha(keyed).iloc[0]["alpha"], abs=1e-12)
    assert row["alpha"] > 0.8  # keyed correctly; unkeyed it would collapse
    # balance row from the classical formula on the scored scales
    s = score(data, instrument).dropna(subset=["networking", "socializing"])
    soc_alpha = table[(table["scale"] == "socializing") & table["facet"].isna()]["alpha"].iloc[0]
    expect = difference_score_reliability(
        s["networking"].var(),
        s["socializing"].var(),
        row["alpha"],
        soc_alpha,
        s["networking"].corr(s["socializing"]),
    )
    bal = table[table["scale"] == "balance"].iloc[0]
    assert bal["alpha"] == pytest.approx(expect, abs=1e-12)
    assert bal["method"] == "difference score"
    two = table[table["k"] == 2]
    assert two["omega_total"].isna().all()


# ------------------------------------------------------------------ bad input
def test_errors_name_argument_and_value():
    with pytest.raises(DataError, match=r"data: column 'b' is not numeric \(dtype \w+\); expected numbers"):
        cronbach_alpha(SMALL.assign(b=["x", "y", "z", "w"]))
    with pytest.raises(DataError, match=r"columns: column 'zz' not found"):
        cronbach_alpha(SMALL, columns=["a", "zz"])
    with pytest.raises(DataError, match=r"data: got 1 item column\(s\) \['a'\]; expected at least 2"):
        cronbach_alpha(SMALL[["a"]])
    with pytest.raises(DataError, match=r"data: only 2 respondents"):
        cronbach_alpha(SMALL.iloc[:2])
    with pytest.raises(DataError, match=r"no variance"):
        cronbach_alpha(SMALL.assign(c=3))
    with pytest.raises(DataError, match=r"missing: got 'pairs'; expected one of"):
        cronbach_alpha(SMALL, missing="pairs")
    with pytest.raises(DataError, match=r"ci: got 95"):
        cronbach_alpha(SMALL, ci=95)
    with pytest.raises(DataError, match=r"expected at least 3"):
        omega_total(SMALL[["a", "b"]])
    with pytest.raises(DataError, match=r"expected a pandas DataFrame, got list"):
        cronbach_alpha([[1, 2], [3, 4]])


def test_input_not_modified(one_factor):
    before = one_factor.copy()
    cronbach_alpha(one_factor)
    item_statistics(one_factor)
    omega_total(one_factor)
    pd.testing.assert_frame_equal(one_factor, before)


@pytest.mark.parametrize("offset, scale", [(0, 1), (0.5, 1), (0, 40), (1e6, 1e-3)])
def test_pairwise_moments_across_chunks(rng, offset, scale):
    # 70,000 rows span many chunks and the centring head; a large offset with a
    # small spread would lose digits without centring.  Reference: pandas on
    # the data with the offset taken off first (exact here), since pandas
    # itself loses about 7 digits on the (1e6, 1e-3) case.
    x = rng.integers(1, 6, size=(70_000, 4)).astype(float) * scale + offset
    x[rng.random(x.shape) < 0.05] = np.nan
    x[5] = np.nan  # an empty row
    frame = pd.DataFrame(x - offset)
    cov, count, cor, rows = pairwise_moments(x, corr=True)
    np.testing.assert_allclose(cov, frame.cov().to_numpy(), rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(cor, frame.corr().to_numpy(), rtol=1e-12, atol=1e-12)
    np.testing.assert_array_equal(count, (~np.isnan(x)).astype(int).T @ (~np.isnan(x)).astype(int))
    assert rows == (~np.isnan(x)).any(axis=1).sum()
    # the columns as separate arrays (as read from a DataFrame) give the same
    by_column = pairwise_moments(list(x.T.copy()), corr=True)
    np.testing.assert_array_equal(by_column.cov, cov)
    np.testing.assert_array_equal(by_column.count, count)


def test_alpha_same_for_int64_float64_and_float32_frames(one_factor):
    expect = cronbach_alpha(one_factor.astype("float64")).iloc[0]
    for dtype in ("Int64", "float32", "Float64"):
        got = cronbach_alpha(one_factor.astype(dtype)).iloc[0]
        assert got["alpha"] == pytest.approx(expect["alpha"], abs=1e-12), dtype
        assert got["n"] == expect["n"]


def test_item_statistics_pairwise_from_pandas_cov(one_factor):
    # psych computes r.drop and alpha.drop algebraically from the pairwise C;
    # route: pandas' pairwise cov, item i removed by slicing.
    C = one_factor.astype(float).cov().to_numpy()
    stats_ = item_statistics(one_factor)
    for i in range(C.shape[0]):
        keep = [j for j in range(C.shape[0]) if j != i]
        rest = C[np.ix_(keep, keep)]
        r_drop = (C[i].sum() - C[i, i]) / math.sqrt(C[i, i] * rest.sum())
        a_drop = 5 / 4 * (1 - np.trace(rest) / rest.sum())
        assert stats_["r_drop"].iloc[i] == pytest.approx(r_drop, abs=1e-12)
        assert stats_["alpha_if_dropped"].iloc[i] == pytest.approx(a_drop, abs=1e-12)
    assert stats_["n"].tolist() == one_factor.notna().sum().tolist()
