"""Group comparisons pinned to R reference output and to independent routes.

Reference data sets are R's ``sleep`` and ``PlantGrowth`` (datasets package),
typed in below; each pinned number is the printed R output of the call noted
beside it, so tolerances follow the printed digits.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from statsmodels.stats.multicomp import pairwise_tukeyhsd
from statsmodels.stats.multitest import multipletests

from analysis.compare import compare_groups, crosstab, many_groups, posthoc, regress, two_groups
from survey.errors import DataError

SLEEP = pd.DataFrame(
    {
        "extra": [
            0.7,
            -1.6,
            -0.2,
            -1.2,
            -0.1,
            3.4,
            3.7,
            0.8,
            0.0,
            2.0,
            1.9,
            0.8,
            1.1,
            0.1,
            -0.1,
            4.4,
            5.5,
            1.6,
            4.6,
            3.4,
        ],
        "group": ["1"] * 10 + ["2"] * 10,
    }
)
PLANTS = pd.DataFrame(
    {
        "weight": [
            4.17,
            5.58,
            5.18,
            6.11,
            4.50,
            4.61,
            5.17,
            4.53,
            5.33,
            5.14,
            4.81,
            4.17,
            4.41,
            3.59,
            5.87,
            3.83,
            6.03,
            4.89,
            4.32,
            4.69,
            6.31,
            5.12,
            5.54,
            5.50,
            5.37,
            5.29,
            4.92,
            6.15,
            5.80,
            5.26,
        ],
        "group": ["ctrl"] * 10 + ["trt1"] * 10 + ["trt2"] * 10,
    }
)


# ------------------------------------------------------------------ two groups
def test_two_groups_sleep_matches_r():
    res = two_groups(SLEEP, "extra", "group").iloc[0]
    # R: t.test(extra ~ group, data = sleep)
    #    t = -1.8608, df = 17.776, p-value = 0.07939
    #    95 percent confidence interval: -3.3654832  0.2054832
    assert res["t"] == pytest.approx(-1.8608, abs=5e-5)
    assert res["df"] == pytest.approx(17.776, abs=5e-4)
    assert res["p"] == pytest.approx(0.07939, abs=5e-6)
    assert res["ci_low"] == pytest.approx(-3.3654832, abs=5e-8)
    assert res["ci_high"] == pytest.approx(0.2054832, abs=5e-8)
    assert (res["mean_1"], res["mean_2"]) == (pytest.approx(0.75), pytest.approx(2.33))
    # R: wilcox.test(extra ~ group, data = sleep)  -> W = 25.5, p-value = 0.06933
    assert res["u"] == 25.5
    assert res["u_p"] == pytest.approx(0.06933, abs=5e-6)
    assert res["rank_biserial"] == pytest.approx(2 * 25.5 / 100 - 1)


def test_two_groups_effect_sizes_hand_worked():
    data = pd.DataFrame({"y": [1, 2, 3, 4, 5, 3, 4, 5, 6, 7], "g": ["a"] * 5 + ["b"] * 5})
    res = two_groups(data, "y", "g").iloc[0]
    # both variances 2.5, pooled sd sqrt(2.5), d = -2 / sqrt(2.5)
    d = -2 / math.sqrt(2.5)
    assert res["cohen_d"] == pytest.approx(d, abs=1e-12)
    # J(8) = Gamma(4) / (sqrt(4) Gamma(3.5)), Gamma(3.5) = 15 sqrt(pi) / 8
    j = 6 / (2 * 15 * math.sqrt(math.pi) / 8)
    assert res["hedges_g"] == pytest.approx(d * j, abs=1e-12)
    # noncentral-t interval: at each bound the observed t sits at the 97.5 / 2.5 % point
    scale = math.sqrt(1 / 5 + 1 / 5)
    t_obs = d / scale
    assert stats.nct.cdf(t_obs, 8, res["cohen_d_ci_low"] / scale) == pytest.approx(0.975, abs=1e-9)
    assert stats.nct.cdf(t_obs, 8, res["cohen_d_ci_high"] / scale) == pytest.approx(0.025, abs=1e-9)
    assert res["hedges_g_ci_low"] == pytest.approx(res["cohen_d_ci_low"] * j)
    # Mann-Whitney with ties -> normal approximation; cross-check scipy directly
    ref = stats.mannwhitneyu([1, 2, 3, 4, 5], [3, 4, 5, 6, 7], method="asymptotic")
    assert res["u"] == ref.statistic and res["u_p"] == pytest.approx(ref.pvalue, abs=1e-12)


def test_mann_whitney_exact_without_ties():
    data = pd.DataFrame({"y": [1, 2, 3, 4, 5, 6], "g": ["a"] * 3 + ["b"] * 3})
    res = two_groups(data, "y", "g").iloc[0]
    # R: wilcox.test(c(1,2,3), c(4,5,6)) -> W = 0, p-value = 0.1 (= 2 / choose(6, 3))
    assert res["u"] == 0 and res["u_p"] == pytest.approx(0.1, abs=1e-12)
    assert res["rank_biserial"] == -1


def test_two_groups_levels_and_missing():
    data = PLANTS.assign(weight=PLANTS["weight"].mask(PLANTS.index == 0))
    res = two_groups(data, "weight", "group", levels=["trt2", "ctrl"]).iloc[0]
    assert (res["level_1"], res["level_2"], res["n_1"], res["n_2"]) == ("trt2", "ctrl", 10, 9)
    ref = stats.ttest_ind(data.loc[20:, "weight"], data.loc[1:9, "weight"], equal_var=False)
    assert res["t"] == pytest.approx(ref.statistic, abs=1e-12)


# ------------------------------------------------------------------ many groups
def test_many_groups_plantgrowth_matches_r():
    res = many_groups(PLANTS, "weight", "group").iloc[0]
    # R: anova(lm(weight ~ group, PlantGrowth))
    #    group 2 3.7663 1.8832 4.8461 0.01591; Residuals 27 10.4921 0.3886
    assert (res["df1"], res["df2"]) == (2, 27)
    assert res["f"] == pytest.approx(4.8461, abs=5e-5)
    assert res["p"] == pytest.approx(0.01591, abs=5e-6)
    assert res["eta_sq"] == pytest.approx(3.76634 / (3.76634 + 10.49209), abs=1e-5)
    ms_w = 10.49209 / 27
    assert res["omega_sq"] == pytest.approx((3.76634 - 2 * ms_w) / (3.76634 + 10.49209 + ms_w), abs=1e-5)
    # R: oneway.test(weight ~ group, PlantGrowth)
    #    F = 5.181, num df = 2.000, denom df = 17.128, p-value = 0.01739
    assert res["welch_f"] == pytest.approx(5.181, abs=5e-4)
    assert res["welch_df2"] == pytest.approx(17.128, abs=5e-4)
    assert res["welch_p"] == pytest.approx(0.01739, abs=5e-6)
    # R: kruskal.test(weight ~ group, PlantGrowth) -> chi-squared = 7.9882, p = 0.01842
    assert res["h"] == pytest.approx(7.9882, abs=5e-5)
    assert res["kw_p"] == pytest.approx(0.01842, abs=5e-6)
    assert res["epsilon_sq"] == pytest.approx(res["h"] / 29)


def test_welch_anova_with_two_groups_is_welch_t_squared():
    res = many_groups(SLEEP, "extra", "group").iloc[0]
    ref = stats.ttest_ind(SLEEP.extra[:10], SLEEP.extra[10:], equal_var=False)
    assert res["welch_f"] == pytest.approx(ref.statistic**2, rel=1e-12)
    assert res["welch_df2"] == pytest.approx(ref.df, rel=1e-12)
    assert res["welch_p"] == pytest.approx(ref.pvalue, rel=1e-10)
    # classic F against scipy's one-way
    assert res["f"] == pytest.approx(stats.f_oneway(SLEEP.extra[:10], SLEEP.extra[10:]).statistic)


# ------------------------------------------------------------------ post hoc
def test_tukey_plantgrowth_matches_r_and_statsmodels():
    res = posthoc(PLANTS, "weight", "group").set_index(["level_1", "level_2"])
    # R: TukeyHSD(aov(weight ~ group, PlantGrowth))  (R reports level_2 - level_1)
    #    trt1-ctrl -0.371 -1.0622161 0.3202161 0.3908711
    #    trt2-ctrl  0.494 -0.1972161 1.1852161 0.1979960
    #    trt2-trt1  0.865  0.1737839 1.5562161 0.0120064
    r = {
        ("ctrl", "trt1"): (0.371, -0.3202161, 1.0622161, 0.3908711),
        ("ctrl", "trt2"): (-0.494, -1.1852161, 0.1972161, 0.1979960),
        ("trt1", "trt2"): (-0.865, -1.5562161, -0.1737839, 0.0120064),
    }
    for pair, (diff, low, high, p) in r.items():
        row = res.loc[pair]
        assert row["mean_diff"] == pytest.approx(diff, abs=1e-9)
        assert row["ci_low"] == pytest.approx(low, abs=5e-7)
        assert row["ci_high"] == pytest.approx(high, abs=5e-7)
        assert row["adj_p"] == pytest.approx(p, abs=5e-7)
    sm = pairwise_tukeyhsd(PLANTS["weight"], PLANTS["group"])
    np.testing.assert_allclose(res["adj_p"].to_numpy(), sm.pvalues, atol=1e-6)
    np.testing.assert_allclose(-res["mean_diff"].to_numpy(), sm.meandiffs, atol=1e-12)


def test_games_howell_two_groups_equals_welch():
    # With two groups the studentized range with k = 2 reduces to Welch's t test.
    gh = posthoc(SLEEP, "extra", "group", method="games-howell").iloc[0]
    welch = two_groups(SLEEP, "extra", "group").iloc[0]
    assert gh["adj_p"] == pytest.approx(welch["p"], abs=1e-8)
    assert gh["df"] == pytest.approx(welch["df"], rel=1e-12)
    assert gh["ci_low"] == pytest.approx(welch["ci_low"], abs=1e-6)
    assert gh["ci_high"] == pytest.approx(welch["ci_high"], abs=1e-6)


def test_games_howell_three_groups_hand_worked():
    res = posthoc(PLANTS, "weight", "group", method="games-howell")
    assert len(res) == 3
    g = {k: v.to_numpy() for k, v in PLANTS.groupby("group")["weight"]}
    a, b = g["ctrl"], g["trt1"]
    va, vb = a.var(ddof=1) / 10, b.var(ddof=1) / 10
    se = math.sqrt(va + vb)
    df = (va + vb) ** 2 / (va**2 / 9 + vb**2 / 9)
    q = abs(a.mean() - b.mean()) / se * math.sqrt(2)
    row = res.iloc[0]
    assert (row["level_1"], row["level_2"]) == ("ctrl", "trt1")
    assert row["se"] == pytest.approx(se) and row["df"] == pytest.approx(df)
    assert row["adj_p"] == pytest.approx(stats.studentized_range.sf(q, 3, df), abs=1e-12)


# ------------------------------------------------------------------ crosstab
def test_crosstab_fisher_tea_tasting():
    # R: fisher.test(matrix(c(3, 1, 1, 3), 2))  -> p-value = 0.4857
    data = pd.DataFrame(
        {
            "guess": ["milk"] * 4 + ["tea"] * 4,
            "truth": ["milk", "milk", "milk", "tea", "milk", "tea", "tea", "tea"],
        }
    )
    res = crosstab(data, "guess", "truth").iloc[0]
    assert res["test"] == "fisher"
    assert res["p"] == pytest.approx(0.4857, abs=5e-5)
    assert res["min_expected"] == 2.0
    # uncorrected chi2 = 8 * (3*3 - 1*1)^2 / (4^4) = 2, V = sqrt(2 / 8)
    assert res["cramer_v"] == pytest.approx(0.5)


def test_crosstab_yates_2x2_hand_worked():
    # table [[20, 10], [10, 20]]: expected 15 everywhere,
    # Yates chi2 = 4 * (5 - 0.5)^2 / 15 = 5.4; uncorrected = 4 * 25 / 15
    data = pd.DataFrame(
        {"a": ["x"] * 30 + ["y"] * 30, "b": ["u"] * 20 + ["v"] * 10 + ["u"] * 10 + ["v"] * 20}
    )
    res = crosstab(data, "a", "b").iloc[0]
    assert res["test"] == "chi-square (Yates)"
    assert res["chi2"] == pytest.approx(5.4)
    assert res["p"] == pytest.approx(stats.chi2.sf(5.4, 1))
    assert res["cramer_v"] == pytest.approx(math.sqrt(100 / 15 / 60))


def test_crosstab_rxc():
    rng = np.random.default_rng(5)
    data = pd.DataFrame({"a": rng.choice(list("xyz"), 300), "b": rng.choice(list("uvwq"), 300)})
    res = crosstab(data, "a", "b").iloc[0]
    obs = pd.crosstab(data.a, data.b).to_numpy()
    exp = obs.sum(1, keepdims=True) * obs.sum(0, keepdims=True) / obs.sum()
    chi2 = ((obs - exp) ** 2 / exp).sum()
    assert res["test"] == "chi-square" and res["df"] == 6
    assert res["chi2"] == pytest.approx(chi2)
    assert res["cramer_v"] == pytest.approx(math.sqrt(chi2 / (300 * 2)))


# ------------------------------------------------------------------ regress
def test_regress_closed_form_and_hc3(rng):
    x = rng.normal(size=80)
    y = 1.0 + 0.5 * x + rng.normal(size=80) * (1 + np.abs(x))
    data = pd.DataFrame({"y": y, "x": x})
    data.loc[3, "x"] = np.nan
    res = regress(data, "y ~ x")
    assert list(res.columns) == ["term", "estimate", "se", "t", "p", "ci_low", "ci_high", "r2", "r2_adj", "n"]
    d = data.dropna()
    slope = np.cov(d.x, d.y)[0, 1] / d.x.var()
    assert res.set_index("term").loc["x", "estimate"] == pytest.approx(slope)
    assert res["n"].iloc[0] == 79
    assert res["r2"].iloc[0] == pytest.approx(np.corrcoef(d.x, d.y)[0, 1] ** 2)
    # HC3 by hand: (X'X)^-1 X' diag(e^2 / (1 - h)^2) X (X'X)^-1, t with n - p df (as R coeftest)
    X = np.column_stack([np.ones(len(d)), d.x])
    beta, *_ = np.linalg.lstsq(X, d.y, rcond=None)
    e = d.y.to_numpy() - X @ beta
    xtx = np.linalg.inv(X.T @ X)
    h = np.einsum("ij,jk,ik->i", X, xtx, X)
    cov = xtx @ (X.T * (e**2 / (1 - h) ** 2)) @ X @ xtx
    robust = regress(data, "y ~ x", robust="HC3").set_index("term")
    assert robust.loc["x", "se"] == pytest.approx(math.sqrt(cov[1, 1]), rel=1e-10)
    t = beta[1] / math.sqrt(cov[1, 1])
    assert robust.loc["x", "p"] == pytest.approx(2 * stats.t.sf(abs(t), 77), rel=1e-8)


# ------------------------------------------------------------------ compare_groups
@pytest.fixture
def scores(rng):
    n = 200
    g = rng.choice(["a", "b", "c"], n)
    return pd.DataFrame(
        {
            "y1": rng.normal(size=n) + (g == "a") * 0.8,
            "y2": rng.normal(size=n),
            "g3": g,
            "g2": rng.choice(["u", "v"], n),
            "tiny": ["big"] * (n - 3) + ["small"] * 3,
            "few": ["p"] * 3 + ["q"] * 2 + [None] * (n - 5),
        }
    )


def test_compare_groups_matches_single_tests(scores):
    res = compare_groups(scores, ["y1", "y2"], ["g3", "g2"], tests=["welch", "anova", "rank"])
    assert len(res) == 2 * 2 * 3
    row = res[(res.dv == "y1") & (res.group == "g3") & (res.test == "Welch F")].iloc[0]
    ref = many_groups(scores, "y1", "g3").iloc[0]
    assert row["statistic"] == pytest.approx(ref["welch_f"])
    assert row["p"] == pytest.approx(ref["welch_p"])
    assert row["estimate"] == pytest.approx(ref["omega_sq"])  # closed form vs statsmodels
    classic = res[(res.dv == "y1") & (res.group == "g3") & (res.test == "one-way ANOVA F")].iloc[0]
    assert classic["statistic"] == pytest.approx(ref["f"])
    kw = res[(res.dv == "y1") & (res.group == "g3") & (res.test == "Kruskal-Wallis H")].iloc[0]
    assert kw["statistic"] == pytest.approx(ref["h"]) and kw["estimate"] == pytest.approx(ref["epsilon_sq"])
    t2 = res[(res.dv == "y2") & (res.group == "g2") & (res.test == "Welch t")].iloc[0]
    ref2 = two_groups(scores, "y2", "g2").iloc[0]
    assert t2["statistic"] == pytest.approx(ref2["t"]) and t2["df1"] == pytest.approx(ref2["df"])
    assert t2["estimate"] == pytest.approx(ref2["hedges_g"]) and t2["effect"] == "hedges_g"
    # assumption checks beside each test
    sub = scores[["y1", "g3"]]
    lev = stats.levene(*[v for _, v in sub.groupby("g3")["y1"]], center="median").pvalue
    assert row["levene_p"] == pytest.approx(lev)
    resid = sub["y1"] - sub.groupby("g3")["y1"].transform("mean")
    assert row["shapiro_p"] == pytest.approx(stats.shapiro(resid).pvalue)
    # adj_p: Holm within each test type
    welch = res[res.test.isin(["Welch F", "Welch t"])]
    np.testing.assert_allclose(welch["adj_p"], multipletests(welch["p"], method="holm")[1])


def test_holm_hand_worked(scores):
    res = compare_groups(scores, ["y1", "y2"], ["g3", "g2"], correction="bonferroni")
    np.testing.assert_allclose(res["adj_p"], np.minimum(res["p"] * 4, 1))
    holm = compare_groups(scores, ["y1", "y2"], ["g3", "g2"]).sort_values("p")
    p = holm["p"].to_numpy()
    expect = np.minimum(1, np.maximum.accumulate(p * np.array([4, 3, 2, 1])))
    np.testing.assert_allclose(holm["adj_p"], expect)


def test_small_groups_suppressed_and_untested_rows_kept(scores):
    res = compare_groups(scores, ["y1"], ["tiny", "few", "g3"], min_group_size=5)
    assert len(res) == 3
    tiny = res[res.group == "tiny"].iloc[0]
    assert not tiny["tested"] and tiny["suppressed"] == "small (n=3)"
    assert "1 level(s) with at least 5 respondents" in tiny["reason"]
    assert np.isnan(tiny["p"]) and np.isnan(tiny["adj_p"])
    few = res[res.group == "few"].iloc[0]
    assert few["suppressed"] == "p (n=3); q (n=2)" and few["k"] == 0
    g3 = res[res.group == "g3"].iloc[0]
    assert g3["tested"] and g3["suppressed"] == "" and g3["adj_p"] == pytest.approx(g3["p"])


def test_prefer_not_to_say_is_not_a_group(scores):
    data = scores.assign(g2=scores["g2"].where(scores.index % 4 != 0, "na"))
    res = compare_groups(data, "y1", "g2").iloc[0]
    assert res["levels"] == "u; v" and res["n"] == (data.g2 != "na").sum()


# ------------------------------------------------------------------ bad input
def test_bad_input_messages(scores):
    with pytest.raises(DataError, match=r"dv: column 'g3' is not numeric \(dtype \w+\); expected numbers"):
        two_groups(scores, "g3", "g2")
    with pytest.raises(DataError, match=r"group: column 'nope' not found"):
        many_groups(scores, "y1", "nope")
    with pytest.raises(DataError, match=r"group: column 'one' has 1 level\(s\) \['x'\]"):
        many_groups(scores.assign(one="x"), "y1", "one")
    with pytest.raises(DataError, match=r"group: column 'g3' has 3 levels .*expected exactly 2"):
        two_groups(scores, "y1", "g3")
    with pytest.raises(DataError, match=r"group: level\(s\) 'p' \(n=1\)"):
        many_groups(pd.DataFrame({"y": [1.0, 2, 3], "g": ["p", "q", "q"]}), "y", "g")
    with pytest.raises(DataError, match=r"method: got 'scheffe'"):
        posthoc(scores, "y1", "g3", method="scheffe")
    with pytest.raises(DataError, match=r"correction: got 'sidak'"):
        compare_groups(scores, "y1", "g3", correction="sidak")
    with pytest.raises(DataError, match=r"min_group_size: got 1"):
        compare_groups(scores, "y1", "g3", min_group_size=1)
    with pytest.raises(DataError, match=r"dvs: column 'zz' not found"):
        compare_groups(scores, ["y1", "zz"], "g3")
    with pytest.raises(DataError, match=r"formula: 'y1 ~ nope' cannot be used"):
        regress(scores, "y1 ~ nope")
    with pytest.raises(DataError, match=r"a: column 'zz' not found"):
        crosstab(scores, "zz", "g3")
