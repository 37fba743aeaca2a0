"""Demo data: reproducible, documented, and the planted effects are recoverable."""

from __future__ import annotations

import filecmp

import numpy as np
import pandas as pd
import pytest

from analysis.demo import PLANTED_EFFECTS, make_demo, read_demo_csv, write_demo_set
from analysis.scoring import score
from tests.conftest import ROOT


def cohen_d(a: pd.Series, b: pd.Series) -> float:
    a, b = a.dropna(), b.dropna()
    pooled = np.sqrt(((len(a) - 1) * a.var() + (len(b) - 1) * b.var()) / (len(a) + len(b) - 2))
    return (a.mean() - b.mean()) / pooled


@pytest.fixture(scope="module")
def big():
    data = make_demo(n=4000, seed=7)
    return data, score(data)


def test_same_seed_same_data_different_seed_different_data():
    a, b, c = make_demo(50, seed=1), make_demo(50, seed=1), make_demo(50, seed=2)
    pd.testing.assert_frame_equal(a, b)
    assert not a["net_purpose_1"].equals(c["net_purpose_1"])


def test_shape_and_dtypes(instrument):
    data = make_demo(n=30, seed=3)
    assert list(data.columns[:6]) == [
        "respondent_id",
        "cohort",
        "instrument_id",
        "instrument_version",
        "started_at",
        "submitted_at",
    ]
    assert all(data[q].dtype == "Int64" for q in instrument.question_ids)
    assert isinstance(data["role"].dtype, pd.CategoricalDtype)
    assert data["respondent_id"].str.fullmatch(r"[0-9A-HJKMNP-TV-Z]{10}").all()
    assert data["respondent_id"].is_unique
    assert (data["submitted_at"] > data["started_at"]).all()


def test_shipped_demo_set_equals_a_fresh_draw(tmp_path):
    write_demo_set(tmp_path)
    for name in ("responses.csv", "codebook.csv"):
        assert filecmp.cmp(tmp_path / name, ROOT / "data" / "demo" / name, shallow=False), name
    back = read_demo_csv(ROOT / "data" / "demo" / "responses.csv")
    assert len(back) == 600 and back["net_purpose_1"].dtype == "Int64"


def test_planted_effects_are_written_down():
    text = (ROOT / "data" / "demo" / "README.md").read_text(encoding="utf-8")
    for trait, field, level in PLANTED_EFFECTS:
        assert f"| {trait} | {field} | {level} |" in text


def test_missing_and_careless_shares(big, instrument):
    data, _ = big
    careless = data.attrs["careless"]
    assert 0.035 < careless.mean() < 0.065
    attentive = data.loc[~careless, instrument.item_ids]
    assert 0.02 < attentive.isna().to_numpy().mean() < 0.04
    fails = sum((data[a.id] != a.expected).fillna(True) for a in instrument.attention_checks)
    assert (fails[careless] > 0).mean() > 0.7
    assert (fails[~careless] > 0).mean() < 0.1


def test_planted_group_differences_are_recovered(big):
    data, s = big
    s = s.join(data[["role", "work_mode", "introversion", "cohort"]])
    sales = cohen_d(s.networking[s.role == "sales"], s.networking[s.role != "sales"])
    remote = cohen_d(s.socializing[s.work_mode == "remote"], s.socializing[s.work_mode != "remote"])
    assert 0.35 < sales < 0.7
    assert -0.7 < remote < -0.35
    by_intro = s.groupby("introversion", observed=True).socializing.mean()
    order = ["introvert", "lean_introvert", "ambivert", "lean_extravert", "extravert"]
    assert by_intro[order].is_monotonic_increasing
    assert 0.15 < s["networking"].corr(s["socializing"]) < 0.4
    cohorts = s.groupby("cohort", observed=True).balance.mean()
    assert cohorts.max() - cohorts.min() < 0.05


def test_bad_n_is_refused():
    with pytest.raises(ValueError, match="n: expected a positive whole number"):
        make_demo(n=0)


def test_two_waves_plant_a_documented_latent_change() -> None:
    from analysis import instrument_model, paired_change, score
    from analysis.demo import ATTRITION, LATENT_CHANGE, make_two_waves

    data = make_two_waves(1500, seed=9)
    assert data.equals(make_two_waves(1500, seed=9))
    pre = data[data["wave"] == "pre"].reset_index(drop=True)
    assert pre.drop(columns=["wave", "subject"]).equals(make_demo(1500, seed=9).reset_index(drop=True))
    post = data[data["wave"] == "post"]
    assert abs(len(post) / 1500 - (1 - ATTRITION)) < 0.03
    assert post["subject"].isna().mean() > 0 and pre["subject"].notna().all()
    assert set(post["subject"].dropna()) <= set(pre["subject"])
    assert not set(post["respondent_id"]) & set(pre["respondent_id"])
    scores = score(data)
    scores[["wave", "subject"]] = data[["wave", "subject"]]
    net = paired_change(scores, dv="networking", time="wave", subject="subject").iloc[0]
    soc = paired_change(scores, dv="socializing", time="wave", subject="subject").iloc[0]
    assert LATENT_CHANGE["networking"] > 0 and net["p"] < 1e-6 and 0.1 < net["dz"] < 0.8
    assert abs(soc["dz"]) < 0.15
    items, factors = instrument_model(data)
    assert list(factors) == ["networking", "socializing"] and len(items) == len(data)


def test_netsoc_demo_data_writes_two_waves(tmp_path, capsys) -> None:
    from netsoc.cli import main

    assert main(["demo-data", "--waves", "--n", "40", "--seed", "3", "--out", str(tmp_path)]) == 0
    assert "40 people in two waves" in capsys.readouterr().out
    written = pd.read_csv(tmp_path / "responses.csv")
    assert set(written["wave"]) == {"pre", "post"} and (written["wave"] == "pre").sum() == 40
    assert written.loc[written["wave"] == "pre", "subject"].is_unique
