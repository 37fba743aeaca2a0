"""One ladder for every estimator (issue 30 point 1, issue 33): the step table, its
difference-test columns and the decision rule, and one report table for both ladders."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from analysis.structure import CFAResult
from analysis.structure.ladder import CHEN, CHEN_ORDINAL, LADDER_COLUMNS, Rule, Step, ladder_table


def _result(converged: bool = True, **fit: float) -> CFAResult:
    row = {"chi2": 100.0, "df": 40, "p": 0.01, "cfi": 0.95, "tli": 0.94, "rmsea": 0.05, "srmr": 0.04}
    row |= fit
    empty = pd.DataFrame()
    return CFAResult(pd.DataFrame([row]), empty, empty, empty, converged)


def test_plain_difference_and_chen_rule():
    steps = [
        Step("configural", _result()),
        Step("metric", _result(chi2=110.0, df=45, cfi=0.948, rmsea=0.049, srmr=0.045)),
        Step("scalar", _result(chi2=190.0, df=50, cfi=0.930, rmsea=0.070, srmr=0.050)),
        Step("strict", _result(False, chi2=200.0, df=58, cfi=0.925, rmsea=0.071, srmr=0.051)),
    ]
    table = ladder_table(steps, CHEN)
    assert list(table.columns) == ["chi2", "df", "p", "cfi", "tli", "rmsea", "srmr", *LADDER_COLUMNS]
    assert table.index.name == "step" and list(table.index) == [s.name for s in steps]
    assert table.loc["metric", "delta_chi2"] == pytest.approx(10.0)
    assert table.loc["metric", "delta_df"] == 5
    assert table.loc["metric", "delta_p"] == pytest.approx(stats.chi2.sf(10.0, 5))
    assert pd.isna(table.loc["configural", "delta_p"]) and pd.isna(table.loc["configural", "supported"])
    assert bool(table.loc["metric", "supported"])
    assert not bool(table.loc["scalar", "supported"])  # CFI -.018 with RMSEA +.021
    assert pd.isna(table.loc["strict", "supported"])  # the strict model did not converge
    assert table.attrs["rule"] == CHEN.text and table.attrs["cutoffs"]["delta_srmr"]["metric"] == 0.030


def test_srmr_cut_off_is_per_step():
    base = _result()
    table = ladder_table([Step("configural", base), Step("metric", _result(cfi=0.939, srmr=0.069))], CHEN)
    assert bool(table.loc["metric", "supported"])  # SRMR +.029 < .030 and RMSEA unchanged
    rule = Rule(0.010, 0.015, {"metric": 0.020}, False, "stricter")
    table = ladder_table([Step("configural", base), Step("metric", _result(cfi=0.939, srmr=0.069))], rule)
    assert not bool(table.loc["metric", "supported"])


def test_given_difference_and_scaled_indices():
    scaled = {"chi2_scaled": 80.0, "df_scaled": 40, "scaled_p": 0.2, "cfi_scaled": 0.97}
    scaled |= {"tli_scaled": 0.96, "rmsea_scaled": 0.03}
    first = _result(**scaled)
    second = _result(**(scaled | {"cfi_scaled": 0.95, "rmsea_scaled": 0.05}))
    steps = [Step("configural", first), Step("thresholds", second, (7.5, 3, 0.058))]
    table = ladder_table(steps, CHEN_ORDINAL)
    row = table.loc["thresholds"]
    assert (row["delta_chi2"], row["delta_df"], row["delta_p"]) == (7.5, 3, 0.058)
    assert row["delta_cfi"] == pytest.approx(-0.02) and row["delta_rmsea"] == pytest.approx(0.02)
    assert not bool(row["supported"])
    assert [c for c in table.columns if c == "p" or c.endswith("_p")] == ["p", "scaled_p", "delta_p"]
    assert np.issubdtype(table["df_scaled"].dtype, np.integer)


def test_one_report_table_for_both_ladders(tmp_path):
    from analysis.demo import make_demo
    from netsoc import report
    from netsoc.report.ladder_tables import ladder_table as table_of
    from netsoc.report.ladder_tables import rule_words

    path = tmp_path / "r.csv"
    make_demo(n=120, seed=3).to_csv(path, index=False)
    study = report.prepare(data=path)
    ml = ladder_table([Step("configural", _result()), Step("metric", _result(chi2=104.0, df=44))], CHEN)
    ml.attrs |= {"n": {"a": 60, "b": 60}, "missing": "ml"}
    scaled = {"chi2_scaled": 80.0, "df_scaled": 40, "scaled_p": 0.2, "cfi_scaled": 0.97}
    scaled |= {"tli_scaled": 0.96, "rmsea_scaled": 0.03}
    steps = [Step("configural", _result(**scaled)), Step("thresholds", _result(**scaled), (1.0, 2, 0.6))]
    ordinal = ladder_table(steps, CHEN_ORDINAL)
    ordinal.attrs |= {"n": {"a": 60, "b": 60}}
    first, second = table_of(study, "role", ml, {}), table_of(study, "role", ordinal, {})
    assert list(first.frame.columns)[1] == "χ² (df)" and list(second.frame.columns)[1] == "χ² (df), scaled"
    assert list(first.frame.columns)[2:] == list(second.frame.columns)[2:]
    assert "full-information ML" in first.note and "Satorra" in second.note
    assert ".030 (metric)" in rule_words(ml) and ".030 (loadings)" in rule_words(ordinal)
    assert "the scaled CFI" in second.note and ".010 (thresholds, intercepts)" in second.note
