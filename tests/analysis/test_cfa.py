"""CFA and measurement invariance against lavaan itself.

The reference numbers come from lavaan 0.6 (``tests/reference/lavaan_cfa.R``,
its output ``tests/reference/lavaan_cfa.json``), so this suite runs without R.
Data: lavaan's HolzingerSwineford1939 (301 rows, two schools) and demo data
drawn by ``analysis.make_demo(n=1200, seed=14)`` (work modes hybrid and remote,
incomplete rows included: both sides drop them listwise).
"""

from __future__ import annotations

import json
import warnings

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from analysis import cfa, instrument_model, invariance
from analysis.structure import (
    FIT_COLUMNS,
    CFAWarning,
    _engine,
    invariance_groups,
    invariance_level,
    invariance_sentence,
)
from survey.config import instrument_path
from survey.errors import DataError
from survey.instrument import load_instrument
from tests.helpers import ROOT

REF_DIR = ROOT / "tests" / "reference"
REF = json.loads((REF_DIR / "lavaan_cfa.json").read_text())
HS_FACTORS = {"visual": ["x1", "x2", "x3"], "textual": ["x4", "x5", "x6"], "speed": ["x7", "x8", "x9"]}
STEPS = {
    "configural": (),
    "metric": ("loadings",),
    "scalar": ("loadings", "intercepts"),
    "strict": ("loadings", "intercepts", "residuals"),
}
# ours -> lavaan's fitMeasures name
RELATIVE = {"chi2": "chisq", "aic": "aic", "bic": "bic", "loglik": "logl", "baseline_chi2": "baseline.chisq"}
ABSOLUTE = {
    "p": "pvalue",
    "cfi": "cfi",
    "tli": "tli",
    "rmsea": "rmsea",
    "rmsea_ci_low": "rmsea.ci.lower",
    "rmsea_ci_high": "rmsea.ci.upper",
    "srmr": "srmr",
}
EXACT = {"n": "ntotal", "df": "df", "npar": "npar", "baseline_df": "baseline.df"}


@pytest.fixture(scope="module")
def holzinger() -> pd.DataFrame:
    return pd.read_csv(REF_DIR / "holzinger_lavaan.csv")


@pytest.fixture(scope="module")
def demo() -> tuple[pd.DataFrame, dict[str, list[str]]]:
    """The demo file keyed by the instrument's own model helper.

    The file holds the 32 orientation items only; the intentionality items the
    scoring code also checks are added as unanswered.
    """
    raw = pd.read_csv(REF_DIR / "demo_lavaan.csv")
    inst = load_instrument(instrument_path("1.0.0"))  # the file was drawn under version 1.0.0
    for item in inst.item_ids:
        if item not in raw.columns:
            raw[item] = np.nan
    return instrument_model(raw, inst, group="work_mode")


def _data(name: str, holzinger, demo):
    if name == "holzinger":
        return holzinger, HS_FACTORS, "school"
    data, factors = demo
    return data, factors, "work_mode"


def assert_matches_lavaan(result, ref: dict) -> None:
    """chi2 to 1e-6 relative, fit indices to 1e-6, standardized loadings to 1e-5."""
    assert result.converged is True and ref["converged"] is True
    fit = result.fit.iloc[0]
    for ours, theirs in EXACT.items():
        assert fit[ours] == ref["fit"][theirs], ours
    for ours, theirs in RELATIVE.items():
        assert fit[ours] == pytest.approx(ref["fit"][theirs], rel=1e-6), ours
    for ours, theirs in ABSOLUTE.items():
        assert fit[ours] == pytest.approx(ref["fit"][theirs], abs=1e-6), ours
    load = pd.DataFrame(ref["loadings"])
    assert list(result.loadings["item"]) == list(load["rhs"])
    assert list(result.loadings["factor"]) == list(load["lhs"])
    np.testing.assert_allclose(result.loadings["std_all"], load["std.all"], atol=1e-5)
    np.testing.assert_allclose(result.loadings["estimate"], load["est"], rtol=1e-4, atol=1e-5)
    free = load["se"] > 0  # lavaan: se 0 for the fixed marker; ours NaN
    assert result.loadings.loc[~free.to_numpy(), "se"].isna().all()
    np.testing.assert_allclose(result.loadings.loc[free.to_numpy(), "se"], load.loc[free, "se"], rtol=1e-4)
    np.testing.assert_allclose(result.loadings.loc[free.to_numpy(), "z"], load.loc[free, "z"], rtol=1e-4)
    cors = pd.DataFrame(ref["factor_correlations"])
    np.testing.assert_allclose(result.factor_correlations["correlation"], cors["std.all"], atol=1e-5)
    np.testing.assert_allclose(result.factor_correlations["covariance"], cors["est"], rtol=1e-4, atol=1e-6)


@pytest.mark.parametrize("name", ["holzinger", "demo"])
def test_single_group_cfa_matches_lavaan(name, holzinger, demo):
    data, factors, _ = _data(name, holzinger, demo)
    result = cfa(data, factors)
    assert list(result.fit.columns[: len(FIT_COLUMNS)]) == list(FIT_COLUMNS)
    assert "group" not in result.loadings.columns
    assert_matches_lavaan(result, REF[name]["single"])


@pytest.mark.parametrize("name", ["holzinger", "demo"])
@pytest.mark.parametrize("step", list(STEPS))
def test_multi_group_cfa_matches_lavaan(name, step, holzinger, demo):
    data, factors, group = _data(name, holzinger, demo)
    ref = REF[name]["ladder"][step]
    result = cfa(data, factors, group=group, equal=STEPS[step])
    assert [str(g) for g in result.groups] == ref["groups"]
    assert list(result.loadings["group"].astype(str)) == [
        ref["groups"][g - 1] for g in pd.DataFrame(ref["loadings"])["group"]
    ]
    assert_matches_lavaan(result, ref)


def test_equal_takes_a_single_name(holzinger):
    result = cfa(holzinger, HS_FACTORS, group="school", equal="loadings")
    assert_matches_lavaan(result, REF["holzinger"]["metric_only"])
    loads = result.loadings.pivot(index="item", columns="group", values="estimate")
    np.testing.assert_allclose(loads["Pasteur"], loads["Grant-White"])


@pytest.mark.parametrize("name", ["holzinger", "demo"])
def test_invariance_ladder_matches_lavaan_fits(name, holzinger, demo):
    data, factors, group = _data(name, holzinger, demo)
    ladder = invariance(data, factors, group)
    assert list(ladder.index) == list(STEPS)
    assert list(ladder.columns) == [
        "chi2",
        "df",
        "p",
        "cfi",
        "tli",
        "rmsea",
        "srmr",
        "delta_chi2",
        "delta_df",
        "delta_p",
        "delta_cfi",
        "delta_rmsea",
        "delta_srmr",
        "supported",
        "converged",
    ]
    for step in STEPS:
        ref = REF[name]["ladder"][step]["fit"]
        assert ladder.loc[step, "chi2"] == pytest.approx(ref["chisq"], rel=1e-6)
        assert ladder.loc[step, "df"] == ref["df"]
        for col in ("cfi", "tli", "rmsea", "srmr"):
            assert ladder.loc[step, col] == pytest.approx(ref[col], abs=1e-6), (step, col)
    for before, step in zip(list(STEPS), list(STEPS)[1:]):
        r0, r1 = REF[name]["ladder"][before]["fit"], REF[name]["ladder"][step]["fit"]
        d = r1["chisq"] - r0["chisq"]
        assert ladder.loc[step, "delta_chi2"] == pytest.approx(d, rel=1e-5)
        assert ladder.loc[step, "delta_df"] == r1["df"] - r0["df"]
        assert ladder.loc[step, "delta_p"] == pytest.approx(stats.chi2.sf(d, r1["df"] - r0["df"]), abs=1e-6)
        assert ladder.loc[step, "delta_cfi"] == pytest.approx(r1["cfi"] - r0["cfi"], abs=1e-6)
    assert pd.isna(ladder.loc["configural", "supported"])
    assert ladder.attrs["groups"] == REF[name]["ladder"]["configural"]["groups"]


def test_scalar_invariance_fails_across_the_holzinger_schools(holzinger):
    """The textbook result: loadings are invariant across the two schools, the
    intercepts are not (CFI drops by 0.038 and SRMR rises by 0.011)."""
    ladder = invariance(holzinger, HS_FACTORS, "school")
    assert ladder.loc["metric", "supported"] == True  # noqa: E712 (pandas boolean)
    assert ladder.loc["scalar", "supported"] == False  # noqa: E712
    assert invariance_level(ladder) == "metric"
    sentence = invariance_sentence(ladder, "school")
    assert sentence.startswith(
        "Comparing means across school (Pasteur, Grant-White) can be "
        "made only with caution: scalar invariance"
    )
    assert "-0.038" in sentence


def test_a_supported_ladder_warrants_comparing_means(demo):
    data, factors = demo
    ladder = invariance(data, factors, "work_mode")
    assert ladder["supported"].iloc[1:].all()
    assert invariance_level(ladder) == "strict"
    assert invariance_sentence(ladder, "work mode").startswith(
        "Comparing means across work mode (hybrid, remote) is warranted: strict invariance holds"
    )


def test_invariance_groups_counts_complete_cases(demo):
    data, factors = demo
    complete = data.dropna()
    counts = complete["work_mode"].value_counts()
    assert invariance_groups(data, factors, "work_mode") == {
        "hybrid": counts["hybrid"],
        "remote": counts["remote"],
    }
    # 3 * 32 - 2 + 3 = 97 free parameters per group; 160 is more than remote has
    assert invariance_groups(data, factors, "work_mode", min_n=160) == {"hybrid": counts["hybrid"]}


def test_instrument_model_reflects_reverse_keyed_items():
    inst = load_instrument()
    raw = pd.DataFrame({i: [1, 2, 5] for i in inst.item_ids})
    data, factors = instrument_model(raw, inst)
    assert list(factors) == ["networking", "socializing"]
    assert factors["networking"] == [i.id for i in inst.scale_items("networking")]
    reverse = [i.id for i in inst.items if i.keying == "reverse" and i.id in data]
    forward = [i.id for i in inst.items if i.keying == "forward" and i.id in data]
    assert (data[reverse].to_numpy() == [[5], [4], [1]]).all()
    assert (data[forward].to_numpy() == [[1], [2], [5]]).all()
    _, facets = instrument_model(raw, inst, facets=True)
    assert facets["networking_purpose"] == ["net_purpose_1", "net_purpose_2"]
    assert len(facets) == 2 * len(inst.facets)


# ------------------------------------------------------------ improper fits
def _exact_sample(cov: np.ndarray, n: int, seed: int = 1) -> pd.DataFrame:
    """Data whose covariance (divisor N) is exactly ``cov``."""
    z = np.random.default_rng(seed).standard_normal((n, cov.shape[0]))
    z -= z.mean(axis=0)
    z = z @ np.linalg.inv(np.linalg.cholesky(z.T @ z / n)).T
    x = z @ np.linalg.cholesky(cov).T
    return pd.DataFrame(x, columns=[f"y{i + 1}" for i in range(cov.shape[0])])


def test_a_heywood_case_warns_and_is_not_converged():
    # one factor, three items: lambda_1^2 phi = .8 * .8 / .5 = 1.28 > var(y1) = 1
    cov = np.array([[1.0, 0.8, 0.8], [0.8, 1.0, 0.5], [0.8, 0.5, 1.0]])
    data = _exact_sample(cov, 200)
    with pytest.warns(CFAWarning, match="negative residual variance"):
        result = cfa(data, {"f": ["y1", "y2", "y3"]})
    assert result.converged is False
    assert result.residual_variances.loc[0, "estimate"] == pytest.approx(-0.28, abs=1e-6)
    assert any("Heywood" in p for p in result.problems)


def test_no_convergence_warns_and_is_not_converged(holzinger, monkeypatch):
    monkeypatch.setattr(_engine, "_MAX_ITER", 2)
    with pytest.warns(CFAWarning, match="no convergence in 2 iterations"):
        result = cfa(holzinger, HS_FACTORS)
    assert result.converged is False


def test_a_good_fit_gives_no_warning(holzinger):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert cfa(holzinger, HS_FACTORS).converged is True


# --------------------------------------------------------------- bad input
@pytest.mark.parametrize(
    "factors, match",
    [
        ({"visual": ["x1", "x2", "nope"]}, r"factors: column 'nope' not found"),
        (
            {"visual": ["x1"], "textual": ["x4", "x5", "x6"]},
            r"factor 'visual' has 1 item.*expected at least 2.*not identified",
        ),
        (
            {"visual": ["x1", "x2", "x3"], "textual": ["x3", "x5", "x6"]},
            r"item 'x3' appears in factors 'visual' and 'textual'.*exactly one factor",
        ),
        ({}, r"factors: expected a non-empty mapping"),
    ],
)
def test_bad_factors_raise_data_error(holzinger, factors, match):
    with pytest.raises(DataError, match=match):
        cfa(holzinger, factors)


def test_non_numeric_items_raise_data_error(holzinger):
    bad = holzinger.assign(x2=holzinger["x2"].astype(str).where(holzinger.index != 5, "high"))
    with pytest.raises(DataError, match=r"item column 'x2' is not numeric.*expected numbers"):
        cfa(bad, HS_FACTORS)


def test_a_group_smaller_than_its_free_parameters_raises_data_error(holzinger):
    small = pd.concat(
        [holzinger[holzinger.school == "Pasteur"], holzinger[holzinger.school == "Grant-White"].head(29)]
    )
    with pytest.raises(
        DataError,
        match=r"group 'Grant-White' of 'school' has 29 complete "
        r"case\(s\); expected at least 30, the number of free "
        r"parameters",
    ):
        cfa(small, HS_FACTORS, group="school")
    # with equal loadings the group's model has the same 30 parameters (6 of them shared)
    with pytest.raises(DataError, match="expected at least 30"):
        invariance(small, HS_FACTORS, "school")


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"equal": "loadings"}, r"equal: \['loadings'\].*expected group="),
        ({"group": "school", "equal": ["slopes"]}, r"equal: got \['slopes'\]; expected a subset"),
        ({"group": "nope"}, r"group: column 'nope' not found"),
    ],
)
def test_bad_options_raise_data_error(holzinger, kwargs, match):
    with pytest.raises(DataError, match=match):
        cfa(holzinger, HS_FACTORS, **kwargs)


def test_one_group_only_raises_data_error(holzinger):
    with pytest.raises(DataError, match=r"group: column 'school' has 1 level"):
        cfa(holzinger[holzinger.school == "Pasteur"], HS_FACTORS, group="school")


def test_an_item_without_variance_raises_data_error(holzinger):
    with pytest.raises(DataError, match=r"singular \(item\(s\) \['x9'\] do not vary\)"):
        cfa(holzinger.assign(x9=3.0), HS_FACTORS)


def test_complete_cases_only(holzinger):
    holes = holzinger.copy()
    holes.loc[[0, 5, 9], "x4"] = np.nan
    result = cfa(holes, HS_FACTORS)
    assert result.fit.loc[0, "n"] == 298
    same = cfa(holzinger.drop(index=[0, 5, 9]), HS_FACTORS)
    assert result.fit.loc[0, "chi2"] == pytest.approx(same.fit.loc[0, "chi2"], rel=1e-12)
