"""Before and after (``analysis.longitudinal``) against lavaan, semTools, psych and R's stats.

The reference numbers come from tests/reference/longitudinal_lavaan.R (lavaan 0.6.14,
semTools 0.5.6, psych 2.2.9), stored in longitudinal_lavaan.json, so this suite runs
without R.  Data: psychTools::sai, real state-anxiety answers at two occasions
(tests/reference/longitudinal_sai.csv; set "paired": both occasions, set "single":
people seen once).  Tolerances: fit statistics 1e-6 relative (indices 1e-6 absolute,
as the other oracles), estimates and standard errors 1e-4, degrees of freedom exact.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analysis import longitudinal_invariance, paired_change, reliable_change, retest_reliability
from survey.errors import DataError

REF_DIR = Path(__file__).resolve().parents[1] / "reference"
REF = json.loads((REF_DIR / "longitudinal_lavaan.json").read_text())
FACTORS = REF["factors"]
INDICES = ("cfi", "tli", "rmsea", "srmr")
SCALED = {"chi2_scaled": "chisq.scaled", "cfi_scaled": "cfi.scaled", "tli_scaled": "tli.scaled"}


@pytest.fixture(scope="module")
def sai() -> pd.DataFrame:
    return pd.read_csv(REF_DIR / "longitudinal_sai.csv")


@pytest.fixture(scope="module")
def paired(sai: pd.DataFrame) -> pd.DataFrame:
    return sai[sai["set"] == "paired"]


def _check_ladder(table: pd.DataFrame, ref: dict, ordered: bool = False) -> None:
    assert list(table.index) == list(ref)
    for step, r in ref.items():
        row, fit = table.loc[step], r["fit"]
        assert row["chi2"] == pytest.approx(fit["chisq"], rel=1e-6), step
        assert int(row["df"]) == int(fit["df"]), step
        for col in INDICES:
            assert row[col] == pytest.approx(fit[col], abs=1e-6), (step, col)
        if ordered:
            for ours, theirs in SCALED.items():
                assert row[ours] == pytest.approx(fit[theirs], rel=1e-6), (step, ours)
            assert row["rmsea_scaled"] == pytest.approx(fit["rmsea.scaled"], abs=1e-6), step
            assert int(row["df_scaled"]) == int(fit["df.scaled"])
        assert bool(row["converged"]) and r["converged"]
        if "lrt" in r:
            assert row["delta_chi2"] == pytest.approx(r["lrt"]["delta_chi2"], rel=1e-6), step
            assert int(row["delta_df"]) == int(r["lrt"]["delta_df"]), step
            assert row["delta_p"] == pytest.approx(r["lrt"]["delta_p"], rel=1e-5, abs=1e-12), step
        else:
            assert np.isnan(row["delta_chi2"]) and pd.isna(row["delta_df"])


def _check_latent_change(table: pd.DataFrame, ref: dict) -> None:
    last = ref[list(ref)[-1]]["latent_means"]
    change = table.attrs["latent_change"]
    assert change["factor"].tolist() == list(FACTORS)
    np.testing.assert_allclose(change["estimate"], last["est"][2:], atol=1e-4)
    np.testing.assert_allclose(change["se"], last["se"][2:], atol=1e-4)
    np.testing.assert_allclose(change["z"], last["z"][2:], rtol=1e-3)


def test_ml_ladder_matches_lavaan_semtools(paired: pd.DataFrame) -> None:
    table = longitudinal_invariance(paired, FACTORS, time="time", subject="subject")
    _check_ladder(table, REF["ml"])
    _check_latent_change(table, REF["ml"])
    assert table.attrs["n"] == REF["n_complete"] == REF["ml"]["configural"]["fit"]["ntotal"]
    assert table.attrs["waves"] == [1, 2]
    # the scalar step is rejected by the difference test but kept by Chen's rule
    assert table.loc["scalar", "delta_p"] < 0.001 and bool(table.loc["scalar", "supported"])


def test_fiml_ladder_uses_every_person_and_matches_lavaan(sai: pd.DataFrame) -> None:
    table = longitudinal_invariance(sai, FACTORS, time="time", subject="subject", missing="ml")
    _check_ladder(table, REF["fiml"])
    _check_latent_change(table, REF["fiml"])
    assert table.attrs["n"] == REF["fiml"]["configural"]["fit"]["ntotal"] > REF["n_complete"]
    assert table.attrs["missing"] == "ml"


def test_ordinal_ladder_matches_lavaan_semtools(paired: pd.DataFrame) -> None:
    table = longitudinal_invariance(paired, FACTORS, time="time", subject="subject", ordered=True)
    _check_ladder(table, REF["ordinal"], ordered=True)
    _check_latent_change(table, REF["ordinal"])
    assert table.attrs["estimator"] == "WLSMV"


def test_waves_named_pre_and_post_give_the_same_ladder(paired: pd.DataFrame) -> None:
    named = paired.assign(time=paired["time"].map({1: "pre", 2: "post"})).iloc[::-1]
    table = longitudinal_invariance(named, FACTORS, time="time", subject="subject")
    assert table.attrs["waves"] == ["pre", "post"]
    assert table.loc["scalar", "chi2"] == pytest.approx(REF["ml"]["scalar"]["fit"]["chisq"], rel=1e-6)
    assert table.attrs["latent_change"]["estimate"].iloc[0] == pytest.approx(
        REF["ml"]["scalar"]["latent_means"]["est"][2], abs=1e-4
    )


def test_retest_reliability_matches_psych_icc(paired: pd.DataFrame) -> None:
    table = retest_reliability(paired, dv="anxiety", time="time", subject="subject")
    ref = REF["icc"]
    assert table["type"].tolist() == ref["type"]
    for col in ("icc", "F", "p", "lower", "upper"):
        np.testing.assert_allclose(table[col], ref[col], rtol=1e-6, err_msg=col)
    assert table["df1"].tolist() == ref["df1"] and table["df2"].tolist() == ref["df2"]
    assert table.attrs["n"] == REF["paired"]["n"]


def test_paired_change_matches_t_test_and_wilcox_test(paired: pd.DataFrame) -> None:
    row = paired_change(paired, dv="anxiety", time="time", subject="subject").iloc[0]
    for col, value in REF["paired"].items():
        assert row[col] == pytest.approx(value, rel=1e-6), col


def test_reliable_change_matches_jacobson_truax(paired: pd.DataFrame) -> None:
    ref = pd.DataFrame(REF["rci"]).set_index("subject")
    table = reliable_change(
        paired, dv="anxiety", time="time", subject="subject", reliability=REF["rci"]["reliability"]
    ).set_index("subject")
    assert sorted(table.index) == sorted(ref.index)
    np.testing.assert_allclose(table["rci"], ref.loc[table.index, "rci"], rtol=1e-6)
    assert (table["category"] == ref.loc[table.index, "category"]).all()
    assert set(table["category"]) == {"improved", "unchanged", "deteriorated"}
    flipped = reliable_change(
        paired, dv="anxiety", time="time", subject="subject", reliability=0.8, higher_is_better=False
    ).set_index("subject")
    swap = {"improved": "deteriorated", "deteriorated": "improved", "unchanged": "unchanged"}
    assert (flipped["category"] == table["category"].map(swap)).all()


def _tiny() -> pd.DataFrame:
    return pd.DataFrame(
        {"id": [1, 2, 3, 4] * 2, "wave": ["pre"] * 4 + ["post"] * 4, "s": [1.0, 2, 3, 4, 2, 2, 3, 5]}
    )


@pytest.mark.parametrize(
    ("change", "match"),
    [
        (
            lambda d: d.assign(wave=["pre"] * 4 + ["later"] * 4),
            "expected numbers .* or the texts 'pre' and 'post'",
        ),
        (lambda d: d.assign(wave=["pre"] * 8), "has 1 wave"),
        (lambda d: d.assign(id=[1, 1, 3, 4] * 2), "two rows in one wave"),
        (lambda d: d.assign(s=["a"] * 8), "not numeric"),
        (lambda d: d.assign(id=[1, 2, 3, 4, 5, 6, 7, 8]), "at least 3 pairs"),
        (lambda d: d.assign(wave=[None] + ["pre"] * 3 + ["post"] * 4), "missing in row"),
    ],
)
def test_bad_stacked_tables_are_refused_with_a_message(change, match: str) -> None:
    with pytest.raises(DataError, match=match):
        paired_change(change(_tiny()), dv="s", time="wave", subject="id")


def test_bad_arguments_are_refused(paired: pd.DataFrame) -> None:
    with pytest.raises(DataError, match="ci: got 2"):
        paired_change(_tiny(), dv="s", time="wave", subject="id", ci=2)
    with pytest.raises(DataError, match="reliability"):
        reliable_change(_tiny(), dv="s", time="wave", subject="id", reliability=1.0)
    with pytest.raises(DataError, match="missing: WLSMV"):
        longitudinal_invariance(paired, FACTORS, time="time", subject="subject", ordered=True, missing="ml")
    with pytest.raises(DataError, match="missing: got 'pairwise'"):
        longitudinal_invariance(paired, FACTORS, time="time", subject="subject", missing="pairwise")
    with pytest.raises(DataError, match="column 'nope'"):
        longitudinal_invariance(paired, {"calm": ["calm", "nope"]}, time="time", subject="subject")
    few = paired[paired["subject"].isin(paired["subject"].unique()[:10])]
    with pytest.raises(DataError, match="answered every item at both waves"):
        longitudinal_invariance(few, FACTORS, time="time", subject="subject")


def test_ordinal_item_with_a_category_missing_at_one_wave_is_named(paired: pd.DataFrame) -> None:
    merged = paired.copy()
    merged.loc[(merged["time"] == 2) & (merged["calm"] == 1), "calm"] = 2
    with pytest.raises(DataError, match="item 'calm' has 4 categories at one wave and 3"):
        longitudinal_invariance(merged, FACTORS, time="time", subject="subject", ordered=True)


def test_inputs_are_not_modified(paired: pd.DataFrame) -> None:
    before = paired.copy()
    longitudinal_invariance(paired, FACTORS, time="time", subject="subject")
    retest_reliability(paired, dv="anxiety", time="time", subject="subject")
    pd.testing.assert_frame_equal(paired, before)
