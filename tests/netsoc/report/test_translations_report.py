"""Results per language version in the report: reliability per version, the invariance hook."""

from __future__ import annotations

import pandas as pd
import pytest

from analysis.demo import make_demo
from analysis.psychometrics import reliability
from netsoc import report


@pytest.fixture(scope="module")
def demo_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("lang") / "responses.csv"
    make_demo(n=600, seed=2026).to_csv(path, index=False)
    return path


@pytest.fixture(scope="module")
def study(demo_file):
    return report.prepare(data=demo_file)


def test_the_demo_has_a_german_group(study):
    counts = report.language_counts(study)
    assert set(counts.index) == {"en", "de"}
    assert counts.sum() == len(study.included)
    assert 0.18 < counts["de"] / counts.sum() < 0.32


def test_reliability_per_language_equals_reliability_of_each_subset(study):
    rel = report.reliability_by_language(study)
    assert list(rel.columns[:2]) == ["language", "language_name"]
    assert list(dict.fromkeys(rel["language"])) == ["en", "de"]
    assert set(rel.loc[rel["language"] == "de", "language_name"]) == {"Deutsch"}
    for tag in ("en", "de"):
        sub = study.included[study.included["language"] == tag].reset_index(drop=True)
        expected = reliability(sub, study.instrument)
        got = rel[rel["language"] == tag].drop(columns=["language", "language_name"])
        pd.testing.assert_frame_equal(got.reset_index(drop=True), expected.reset_index(drop=True))
        assert (got.loc[got["facet"].isna(), "n"] == len(sub)).all()
    assert rel.attrs["too_small"] == {} and rel.attrs["minimum"] == report.LANGUAGE_MIN_N


def test_small_language_versions_are_left_out_and_named(demo_file, tmp_path):
    frame = pd.read_csv(demo_file)
    de = frame.index[frame["language"] == "de"]
    frame = frame.drop(de[20:]).reset_index(drop=True)  # 20 German responses remain
    path = tmp_path / "few.csv"
    frame.to_csv(path, index=False)
    study = report.prepare(data=path, exclusion="none")
    rel = report.reliability_by_language(study)
    assert set(rel["language"]) == {"en"} and rel.attrs["too_small"] == {"de": 20}
    assert report.invariance_by_language(study) is None
    # min_group_size raises the bar above the documented minimum
    rel = report.reliability_by_language(study, min_group_size=1000)
    assert len(rel) == 0 and rel.attrs["too_small"] == {"en": len(frame) - 20, "de": 20}
    note = report.language_note(study)
    assert "Deutsch (de): 20" in note and "at least 30 responses" in note


def test_one_language_only_gives_no_per_language_rows(demo_file, tmp_path):
    frame = pd.read_csv(demo_file)
    path = tmp_path / "en.csv"
    frame[frame["language"] == "en"].to_csv(path, index=False)
    study = report.prepare(data=path)
    assert len(report.reliability_by_language(study)) == 0
    assert "one language" in report.language_note(study)


def test_invariance_across_languages_counts_responses_as_the_estimator_uses_them(demo_file):
    # full-information ML (the default) uses every analysed response with an answer: the
    # 600-row demo's German group qualifies; complete cases alone (about 60) do not
    study = report.prepare(data=demo_file)
    ladder = report.invariance_by_language(study)
    assert ladder is not None and list(ladder.index) == ["configural", "metric", "scalar", "strict"]
    assert set(ladder.attrs["groups"]) == {"en", "de"} and ladder.attrs["missing"] == "ml"
    counts = report.language_counts(study)
    assert ladder.attrs["n"] == {t: int(counts[t]) for t in ("en", "de")}
    assert min(ladder.attrs["n"].values()) >= report.INVARIANCE_MIN_N
    listwise = report.prepare(data=demo_file, missing="listwise")
    assert report.invariance_by_language(listwise) is None
