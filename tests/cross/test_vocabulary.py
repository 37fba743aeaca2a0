"""One vocabulary in the analysis layer (issue 10, point 4).

``data`` is the wide table argument, ``ci`` a confidence level and
``min_group_size`` the smallest group shown; the names used before were
removed in 0.2.0.
"""

from __future__ import annotations

import inspect

import pytest

import analysis
from analysis import plots

# functions whose first argument is not the wide table
NOT_A_TABLE = {"make_demo", "describe_exclusions"}
FIGURES = ["balance_distribution", "quadrant", "facet_profile", "likert_bars", "group_points", "profile_bars"]


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


def test_old_keywords_are_gone_in_0_2_0(instrument):
    """0.2.0 removed the deprecated spellings: an old keyword is an ordinary TypeError."""
    from analysis.demo import make_demo

    data = make_demo(60, seed=1)
    for func in (analysis.score, analysis.flag_careless, analysis.reliability):
        with pytest.raises(TypeError, match="responses"):
            func(responses=data, instrument=instrument)
    scores = analysis.score(data, instrument)
    with pytest.raises(TypeError, match="scores"):
        analysis.profile_counts(scores=scores)
    with pytest.raises(TypeError, match="scores"):
        analysis.compare_groups(scores=scores, dvs="balance", groups="role")
    for name in analysis.__all__:
        assert not hasattr(getattr(analysis, name), "__deprecated_parameters__"), name
