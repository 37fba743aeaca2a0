"""netsoc.report / analysis.methods / ``netsoc report``: the data hash, the
study preparation, the methods paragraph and the report end to end."""

from __future__ import annotations

import json
import re

import numpy as np
import pandas as pd
import pytest

from analysis.demo import make_demo
from netsoc import report
from survey.errors import DataError
from survey.store import open_store


@pytest.fixture(scope="module")
def demo():
    return make_demo(n=120, seed=7)


@pytest.fixture(scope="module")
def demo_csv(demo, tmp_path_factory):
    path = tmp_path_factory.mktemp("data") / "responses.csv"
    demo.to_csv(path, index=False)
    return path


# ------------------------------------------------------------------ hash
def test_data_hash_ignores_row_order_and_ids_but_not_answers(demo, instrument):
    h = report.data_hash(demo, instrument)
    assert re.fullmatch(r"[0-9a-f]{64}", h)
    shuffled = demo.sample(frac=1, random_state=1).reset_index(drop=True)
    assert report.data_hash(shuffled, instrument) == h
    assert report.data_hash(demo.drop(columns="respondent_id"), instrument) == h
    changed = demo.copy()
    changed.loc[3, "net_purpose_1"] = (
        6 - changed.loc[3, "net_purpose_1"] if changed.loc[3, "net_purpose_1"] != 3 else 4
    )
    assert report.data_hash(changed, instrument) != h


def test_data_hash_is_the_sha256_of_sorted_canonical_lines(instrument):
    import hashlib

    df = make_demo(n=3, seed=1, instrument=instrument)
    lines = report.canonical_lines(df, instrument)
    assert lines[0].startswith("cohort,instrument_id,instrument_version,started_at")
    assert lines[1:] == sorted(lines[1:]) and len(lines) == 4
    # integer codes print as integers; timestamps in UTC ISO form
    assert ",3," in lines[1] or ",4," in lines[1] or ",2," in lines[1]
    assert re.search(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}\+00:00", lines[1])
    expected = hashlib.sha256("\n".join(lines).encode()).hexdigest()
    assert report.data_hash(df, instrument) == expected


def test_same_hash_from_file_and_store(demo, demo_csv, tmp_path, instrument):
    from survey.store import open_store

    db = f"sqlite:///{tmp_path / 'r.sqlite'}"
    with open_store(db, instrument=instrument) as store:
        store.import_frame(demo, source="test")
    from_file, src_file = report.load_responses(data=demo_csv, instrument=instrument)
    from_db, src_db = report.load_responses(db=db, instrument=instrument)
    assert src_file == "file responses.csv" and src_db == "response store"
    assert report.data_hash(from_file, instrument) == report.data_hash(from_db, instrument)


def test_load_responses_takes_one_source_or_a_documented_default(demo_csv, monkeypatch, tmp_path):
    with pytest.raises(DataError, match="not both"):
        report.load_responses(data=demo_csv, db="sqlite:///x.sqlite")
    monkeypatch.delenv("NETSOC_DB", raising=False)
    frame, source = report.load_responses()
    assert source == "file responses.csv" and len(frame) == 600  # the shipped demo set
    db = tmp_path / "env.sqlite"
    with open_store(db) as store:
        store.import_frame(make_demo(n=12, seed=4))
    monkeypatch.setenv("NETSOC_DB", str(db))
    frame, source = report.load_responses()
    assert source == "response store" and len(frame) == 12
    with pytest.raises(DataError, match="no responses for cohort 'nope'"):
        report.load_responses(data=demo_csv, cohort="nope")


# ---------------------------------------------------------------- prepare
def test_prepare_excludes_by_the_flag_rule(demo_csv, demo):
    study = report.prepare(data=demo_csv, group_fields="role, work_mode")
    from analysis.quality import flag_careless

    flags = flag_careless(demo)
    assert study.n_total == 120
    assert study.n_excluded == int(flags["exclude"].sum()) > 0
    assert len(study.scores) == 120 - study.n_excluded
    assert study.groups == ["role", "work_mode"]
    assert "respondent_id" not in study.scores.columns
    none = report.prepare(data=demo_csv, exclusion="none")
    assert none.n_excluded == 0 and none.exclusion_rule.startswith("no exclusions")


def test_prepare_reports_bad_parameters(demo_csv):
    with pytest.raises(DataError, match="exclusion: got 'some'"):
        report.prepare(data=demo_csv, exclusion="some")
    with pytest.raises(DataError, match=r"group_fields: \['shoe_size'\]"):
        report.prepare(data=demo_csv, group_fields="role, shoe_size")
    with pytest.raises(DataError, match="outcomes: \\['happiness'\\]"):
        report.prepare(data=demo_csv, outcomes="balance, happiness")
    with pytest.raises(DataError, match="differs from the expected"):
        report.prepare(data=demo_csv, expected_sha256="0" * 64)


def test_descriptives_match_pandas(demo_csv):
    study = report.prepare(data=demo_csv)
    d = report.descriptives(study).set_index("score")
    bal = study.scores["balance"]
    assert d.loc["balance", "n"] == bal.count()
    assert d.loc["balance", "mean"] == pytest.approx(bal.mean())
    assert d.loc["balance", "sd"] == pytest.approx(bal.std(ddof=1))
    assert "networking_purpose" in d.index


# ---------------------------------------------------------------- methods
def _tables(study):
    from analysis.compare import compare_groups, regress
    from analysis.psychometrics import reliability

    rel = reliability(study.included, study.instrument)
    cmp = compare_groups(study.scores, study.outcomes, study.groups, "holm", min_group_size=5)
    reg = regress(report.regression_data(study), report.regression_formula(study), robust="HC3")
    return rel, cmp, reg


def test_methods_paragraph_states_the_numbers_of_the_run(demo_csv):
    study = report.prepare(data=demo_csv, group_fields="role, work_mode")
    rel, cmp, reg = _tables(study)
    text = report.methods(study, reliability=rel, comparisons=cmp, regression=reg, alpha=0.05)
    n = study.n_total - study.n_excluded
    assert f"Of N = 120 responses, {study.n_excluded} (" in text
    assert f"leaving n = {n} for analysis" in text
    assert study.exclusion_rule in text
    alpha_net = rel.loc[(rel.scale == "networking") & rel.facet.isna(), "alpha"].iloc[0]
    assert f"\u03b1 = {alpha_net:.2f}".replace("0.", ".") in text
    tested = int(cmp["tested"].sum())
    assert f"({tested} tests" in text
    assert "Holm's step-down method" in text and "\u03b1 = .05" in text
    n_sig = int((cmp["adj_p"] < 0.05).sum())
    assert (f"{n_sig} of {tested} differences were significant" in text) or (
        n_sig == 0 and f"none of the {tested} differences" in text
    )
    assert f"on n = {int(reg['n'].iloc[0])} respondents" in text
    assert f"R\u00b2 = {reg['r2'].iloc[0]:.3f}".replace("0.", ".") in text
    assert f"version {study.instrument.version}" in text and study.data_sha256[:16] in text


def test_apa_numbers_drop_the_leading_zero_only_below_one():
    from analysis.methods import fmt_num

    assert fmt_num(0.5, 3, leading_zero=False) == ".500"
    assert fmt_num(-0.25, 3, leading_zero=False) == "-.250"
    assert fmt_num(1.0, 3, leading_zero=False) == "1.000"
    assert fmt_num(10.5, 3, leading_zero=False) == "10.500"  # not "1.500"
    assert fmt_num(-10.5, 2, leading_zero=False) == "-10.50"
    assert fmt_num(0.5, 2) == "0.50"


def test_methods_paragraph_hand_built_tables(instrument):
    from analysis.methods import fmt_p, methods_paragraph

    cmp = pd.DataFrame(
        {
            "dv": ["balance", "balance"],
            "group": ["role", "work_mode"],
            "test": ["Welch F", "Welch t"],
            "k": [3, 2],
            "n": [50, 40],
            "statistic": [5.123, 1.0],
            "df1": [2.0, 37.5],
            "df2": [30.25, np.nan],
            "p": [0.004, 0.3],
            "adj_p": [0.008, 0.3],
            "effect": ["omega_sq", "hedges_g"],
            "estimate": [0.12, 0.31],
            "tested": [True, True],
        }
    )
    cmp.attrs.update(correction="bonferroni", min_group_size=7)
    text = methods_paragraph(
        instrument=instrument,
        n_total=50,
        n_excluded=0,
        exclusion_rule="no criterion used",
        comparisons=cmp,
        alpha=0.01,
    )
    assert "Of N = 50 responses none were excluded" in text
    assert "Welch's ANOVA and Welch's t test (2 tests)" in text
    assert "Bonferroni correction" in text and "\u03b1 = .01" in text
    assert "fewer than 7 respondents" in text
    assert (
        "1 of 2 differences were significant: balance by role "
        "(F(2, 30.2) = 5.12, adj_p = .008, \u03c9\u00b2 = .12)" in text
    )
    assert fmt_p(0.0004) == "p < .001" and fmt_p(0.0456) == "p = .046"


# ------------------------------------------------------- end to end (CLI)
@pytest.fixture(scope="module")
def two_reports(demo_csv, tmp_path_factory):
    from netsoc.cli import main

    out = tmp_path_factory.mktemp("reports")
    paths = [out / "a.html", out / "b.html"]
    for p in paths:
        assert (
            main(
                [
                    "report",
                    "--data",
                    str(demo_csv),
                    "--out",
                    str(p),
                    "--groups",
                    "role,work_mode",
                    "--seed",
                    "11",
                ]
            )
            == 0
        )
    return paths


def _stamp(text: str) -> dict:
    m = re.search(r'<script type="application/json" id="netsoc-stamp">(.*?)</script>', text, re.S)
    assert m, "no stamp in the report"
    return json.loads(m.group(1))


def test_report_is_stamped_and_self_contained(two_reports, demo, instrument):
    text = two_reports[0].read_text(encoding="utf-8")
    stamp = _stamp(text)
    assert stamp["instrument_id"] == "netsoc" and stamp["instrument_version"] == instrument.version
    assert stamp["data_sha256"] == report.data_hash(demo, instrument)
    assert stamp["data_sha256"] in text  # also visible at the top of the report
    assert stamp["seed"] == 11 and stamp["n_responses"] == 120
    assert {"pandas", "numpy", "scipy", "statsmodels", "seaborn", "netsoc"} <= set(stamp["packages"])
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00", stamp["time"])
    # self-contained: images inline, no script loaded from elsewhere
    assert text.count('src="data:image/png;base64,') >= 8
    assert not re.search(r'<script[^>]+src="https?://', text)
    assert 'import("https://' not in text
    # code hidden by default, no respondent ids anywhere
    assert "report.prepare(" not in text
    assert not any(rid in text for rid in demo["respondent_id"])
    assert "Participants completed the" in text and "leaving n = " in text


def test_report_rerun_reproduces_every_number(two_reports):
    a, b = (p.read_text(encoding="utf-8") for p in two_reports)
    when = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00")
    assert _stamp(a)["data_sha256"] == _stamp(b)["data_sha256"]
    assert when.sub("TIME", a) == when.sub("TIME", b)
    assert a.count("<table") >= 6  # exclusions, descriptives, profiles, reliability, ...


def test_report_from_store_with_cohort(tmp_path, instrument):
    from netsoc.cli import main
    from survey.store import open_store

    df = make_demo(n=80, seed=4, instrument=instrument)
    df["cohort"] = np.where(np.arange(80) < 50, "WS1", "WS2")
    db = f"sqlite:///{tmp_path / 's.sqlite'}"
    with open_store(db, instrument=instrument) as store:
        store.import_frame(df, source="test")
    out = tmp_path / "r.html"
    assert main(["report", "--db", db, "--cohort", "WS1", "--out", str(out), "--groups", "work_mode"]) == 0
    stamp = _stamp(out.read_text(encoding="utf-8"))
    assert stamp["n_responses"] == 50 and stamp["source"] == "response store, cohort WS1"
    assert stamp["data_sha256"] == report.data_hash(df[df.cohort == "WS1"], instrument)


def test_report_command_errors_are_one_line(tmp_path, capsys):
    from netsoc.cli import main

    assert main(["report", "--data", str(tmp_path / "missing.csv"), "--out", str(tmp_path / "r.html")]) == 1
    err = capsys.readouterr().err
    assert err.startswith("netsoc report: error:") and "not found" in err
    assert not (tmp_path / "r.html").exists()


def test_regression_data_drops_na_and_small_levels(demo_csv):
    study = report.prepare(data=demo_csv, group_fields="role, work_mode")
    data = report.regression_data(study, min_group_size=10)
    role = data["role"].dropna()
    assert "na" not in set(role)
    assert role.value_counts().min() >= 10
    assert report.regression_formula(study) == "balance ~ C(role) + C(work_mode)"


def test_regression_formula_uses_the_same_minimum_group_size(demo_csv):
    study = report.prepare(data=demo_csv, group_fields="role, work_mode")
    # work_mode levels have more than 100 people each, roles do not all
    assert report.regression_formula(study, min_group_size=1000) == "balance ~ 1"
    data = report.regression_data(study, min_group_size=150)
    formula = report.regression_formula(study, min_group_size=150)
    expected = [f"C({g})" for g in ("role", "work_mode") if data[g].nunique() >= 2]
    assert formula == "balance ~ " + (" + ".join(expected) or "1")


def test_data_hash_counts_the_language_only_when_some_response_is_not_default(demo, instrument):
    """Data from before languages were recorded keep their hash; a German answer changes it."""
    h = report.data_hash(demo.drop(columns="language", errors="ignore"), instrument)
    all_default = demo.assign(language=instrument.default_language)
    assert report.data_hash(all_default, instrument) == h
    mixed = all_default.copy()
    mixed.loc[0, "language"] = "de"
    assert report.data_hash(mixed, instrument) != h
    assert "language" in report.canonical_lines(mixed, instrument)[0].split(",")
