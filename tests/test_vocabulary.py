"""One vocabulary in the analysis layer (issue 10, point 4).

``data`` is the wide table argument, ``ci`` a confidence level and
``min_group_size`` the smallest group shown; the names used before still work
for a while, with a DeprecationWarning naming the new one.
"""

from __future__ import annotations

import inspect

import numpy as np
import pandas as pd
import pytest

import analysis
from analysis import plots
from analysis._compat import deprecated_alias, renamed_parameters

# functions whose first argument is not the wide table
NOT_A_TABLE = {"make_demo", "describe_exclusions"}
FIGURES = ["balance_distribution", "quadrant", "facet_profile", "likert_bars",
           "group_points", "profile_bars"]


@pytest.mark.parametrize("name", sorted(set(analysis.__all__) - NOT_A_TABLE))
def test_public_functions_take_data_ci_and_min_group_size(name):
    params = inspect.signature(getattr(analysis, name)).parameters
    assert next(iter(params)) == "data"
    assert not {"level", "confidence", "k", "responses", "scores", "items", "frame", "df"} & set(params)


@pytest.mark.parametrize("name", FIGURES)
def test_figure_functions_take_data(name):
    params = inspect.signature(getattr(plots, name)).parameters
    assert next(iter(params)) == "data"
    assert not {"level", "confidence", "k"} & set(params)


def test_renamed_parameters_maps_old_keywords_with_a_warning():
    @renamed_parameters(items="data", level="ci")
    def f(data, ci=0.95):
        return data, ci

    assert f([1], ci=0.9) == ([1], 0.9)
    with pytest.warns(DeprecationWarning, match=r"f\(\): the argument 'level' is deprecated; use 'ci'"):
        assert f([1], level=0.8) == ([1], 0.8)
    with pytest.raises(TypeError, match="got both 'items'"):
        f(items=[1], data=[2])
    assert f.__name__ == "f"


def test_deprecated_alias_warns_and_calls_the_new_name():
    def new(x):
        return 2 * x

    old = deprecated_alias(new, "old")
    with pytest.warns(DeprecationWarning, match=r"old\(\) is deprecated; use new\(\)"):
        assert old(2) == 4
    assert old.__name__ == "old"


def test_old_keywords_of_the_public_api(instrument):
    from analysis.demo import make_demo

    data = make_demo(60, seed=1)
    for func in (analysis.score, analysis.flag_careless, analysis.reliability):
        with pytest.warns(DeprecationWarning, match="'responses' is deprecated; use 'data'"):
            got = func(responses=data, instrument=instrument)
        pd.testing.assert_frame_equal(got, func(data, instrument))
    scores = analysis.score(data, instrument)
    with pytest.warns(DeprecationWarning, match="'scores' is deprecated; use 'data'"):
        got = analysis.profile_counts(scores=scores)
    pd.testing.assert_frame_equal(got, analysis.profile_counts(scores))
    table = scores.assign(g=np.arange(len(scores)) % 2)
    with pytest.warns(DeprecationWarning, match="'scores' is deprecated; use 'data'"):
        got = analysis.compare_groups(scores=table, dvs="balance", groups="g")
    pd.testing.assert_frame_equal(got, analysis.compare_groups(table, "balance", "g"))
