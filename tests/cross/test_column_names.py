"""One column name per quantity across the analysis layer's result tables (issue 30
point 1, the board's p-name rule): a p value is ``p`` when it is the row's only test and
``<test>_p`` otherwise (``kw_p``, ``welch_p``, ``adj_p``, ``scaled_p``, ``delta_p``), never
``p_<test>``; every ladder's difference test is ``delta_chi2``, ``delta_df``, ``delta_p``."""

from __future__ import annotations

import re
import warnings

import pandas as pd
import pytest

import analysis
from analysis.demo import make_demo

_P = re.compile(r"(^|_)p(_|$)")


@pytest.fixture(scope="module")
def tables() -> dict[str, pd.DataFrame]:
    warnings.simplefilter("ignore")
    data = make_demo(1500, seed=30)
    scores = pd.concat([analysis.score(data), data[["role", "work_mode"]]], axis=1)
    keyed, factors = analysis.instrument_model(data, group="work_mode")
    keyed = keyed[keyed["work_mode"].isin(["remote", "hybrid"])]
    fit = analysis.cfa(keyed, factors, missing="ml", estimator="MLR")
    wlsmv = analysis.cfa(keyed.drop(columns="work_mode").dropna(), factors, ordered=True)
    return {
        "two_groups": analysis.two_groups(scores, "balance", "work_mode", levels=["remote", "hybrid"]),
        "many_groups": analysis.many_groups(scores, "balance", "role"),
        "posthoc": analysis.posthoc(scores, "balance", "role", method="games-howell"),
        "compare_groups": analysis.compare_groups(
            scores, ["balance"], ["role"], tests=["welch", "anova", "rank"]
        ),
        "crosstab": analysis.crosstab(data, "role", "work_mode"),
        "regress": analysis.regress(scores, "balance ~ networking"),
        "reliability": analysis.reliability(data),
        "cfa.fit": fit.fit,
        "cfa.loadings": fit.loadings,
        "wlsmv.fit": wlsmv.fit,
        "invariance": analysis.invariance(keyed, factors, "work_mode", missing="ml"),
        "invariance.ordered": analysis.invariance(keyed.dropna(), factors, "work_mode", ordered=True),
    }


def test_p_columns_are_p_or_end_in_p(tables):
    for name, table in tables.items():
        for column in map(str, table.columns):
            if _P.search(column):
                assert column == "p" or column.endswith("_p"), (name, column)


def test_every_ladder_names_its_difference_test_alike(tables):
    ml, ordinal = tables["invariance"], tables["invariance.ordered"]
    for ladder in (ml, ordinal):
        assert {"delta_chi2", "delta_df", "delta_p", "supported", "converged"} <= set(ladder.columns)
    shared = [c for c in ordinal.columns if c in ml.columns]
    assert shared == [c for c in ml.columns if c in ordinal.columns]  # the same order too
