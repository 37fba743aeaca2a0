"""analysis.plots: every function returns a Figure whose artists and labels
show the data that went in."""

from __future__ import annotations

import matplotlib as mpl
import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure

from analysis import plots
from analysis.demo import make_demo
from analysis.scoring import score
from survey.errors import DataError


@pytest.fixture(scope="module")
def scored():
    from survey.instrument import load_instrument

    inst = load_instrument()
    d = make_demo(n=200, seed=11, instrument=inst)
    return d, score(d, inst).join(d[["role", "career_stage", "work_mode"]])


def test_balance_distribution_bins_count_every_respondent_and_markers(scored):
    _, s = scored
    fig = plots.balance_distribution(s, person=0.3, group_mean=-0.1, bins=10)
    assert isinstance(fig, Figure)
    ax = fig.axes[0]
    heights = [p.get_height() for p in ax.patches]
    assert len(heights) == 10
    assert sum(heights) == s["balance"].notna().sum()
    # bin edges span the full range of the index
    assert ax.patches[0].get_x() == pytest.approx(-1.0)
    assert ax.get_xlim() == (-1.0, 1.0)
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend == ["Group mean", "You"]
    xs = sorted(line.get_xdata()[0] for line in ax.lines)
    assert xs == pytest.approx([-0.1, 0.0, 0.3])
    assert ax.get_ylabel() == "Respondents"


def test_plots_do_not_change_global_matplotlib_state(scored):
    _, s = scored
    before = dict(mpl.rcParams)
    plots.quadrant(s, context="talk")
    plots.facet_profile(s)
    after = dict(mpl.rcParams)
    assert {k for k in before if before[k] != after[k]} == set()


def test_quadrant_points_and_profile_regions(scored, instrument):
    _, s = scored
    fig = plots.quadrant(s, hue="profile", instrument=instrument)
    ax = fig.axes[0]
    offsets = ax.collections[0].get_offsets()
    ok = s[["networking", "socializing"]].dropna()
    assert len(offsets) == len(ok)
    # x is socializing, y networking
    np.testing.assert_allclose(np.sort(offsets[:, 0]), np.sort(ok["socializing"]))
    np.testing.assert_allclose(np.sort(offsets[:, 1]), np.sort(ok["networking"]))
    texts = {t.get_text() for t in ax.texts}
    assert {p.label for p in instrument.profiles} <= texts
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("Socializing", "Networking")


def test_profile_regions_agree_with_scoring(instrument):
    x, y, codes, labels = plots.profile_regions(instrument, resolution=41)
    soc, net = np.meshgrid(x, y)
    grid = pd.DataFrame({"networking": net.ravel(), "socializing": soc.ravel()})
    # the same points scored by analysis.scoring's profile rule
    lo, hi = instrument.response_range(instrument.item_ids[0])
    bal = (grid["networking"] - grid["socializing"]) / (hi - lo)
    eng = (grid["networking"] + grid["socializing"]) / 2
    from analysis.scoring import assign_profiles

    expected = np.asarray(assign_profiles(bal.to_numpy(), eng.to_numpy(), instrument, hi).codes)
    np.testing.assert_array_equal(codes.ravel(), expected)
    assert labels == [p.label for p in instrument.profiles]


def test_facet_profile_means_per_facet(scored, instrument):
    _, s = scored
    fig = plots.facet_profile(s, instrument=instrument)
    ax = fig.axes[0]
    ticks = [t.get_text() for t in ax.get_yticklabels()]
    assert ticks == [f.label for f in instrument.facets.values()]
    net_line = ax.lines[0]
    np.testing.assert_allclose(net_line.get_xdata(), [s[f"networking_{f}"].mean() for f in instrument.facets])
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["Networking", "Socializing"]


def test_facet_profile_of_one_person_has_no_intervals(scored, instrument):
    _, s = scored
    fig = plots.facet_profile(s.iloc[[0]], instrument=instrument)
    ax = fig.axes[0]
    # the two point series, no error bars
    assert [len(line.get_xdata()) for line in ax.lines if len(line.get_xdata())] == [8, 8]
    np.testing.assert_allclose(
        ax.lines[1].get_xdata(), [s[f"socializing_{f}"].iloc[0] for f in instrument.facets]
    )


def test_likert_bars_shares_and_divergence():
    # item a: 1,1,2,3  -> shares .5 .25 .25 0 0; item b: 5,5,4,3
    data = pd.DataFrame({"a": [1, 1, 2, 3], "b": [5, 5, 4, 3]}, dtype="Int64")
    levels = {1: "SD", 2: "D", 3: "N", 4: "A", 5: "SA"}
    fig = plots.likert_bars(data, items=["a", "b"], levels=levels, title="Scale")
    ax = fig.axes[0]
    assert len(ax.patches) == 10
    widths = np.array([p.get_width() for p in ax.patches]).reshape(5, 2)  # code x item
    np.testing.assert_allclose(widths[:, 0], [0.5, 0.25, 0.25, 0, 0])
    np.testing.assert_allclose(widths[:, 1], [0, 0, 0.25, 0.25, 0.5])
    lefts = np.array([p.get_x() for p in ax.patches]).reshape(5, 2)
    # a: disagreement (0.75) plus half of neutral (0.125) left of zero
    assert lefts[0, 0] == pytest.approx(-0.875)
    assert lefts[0, 1] == pytest.approx(-0.125)
    assert [t.get_text() for t in ax.get_legend().get_texts()] == list(levels.values())
    assert ax.get_title() == "Scale"


def test_likert_shares_ignore_missing():
    data = pd.DataFrame({"a": pd.array([1, None, 1, 2], dtype="Int64")})
    out = plots.likert_shares(data, ["a"], [1, 2, 3])
    np.testing.assert_allclose(out.loc["a"].to_numpy(), [2 / 3, 1 / 3, 0])


def test_group_points_suppresses_small_groups():
    rng = np.random.default_rng(3)
    data = pd.DataFrame({"g": ["a"] * 10 + ["b"] * 8 + ["c"] * 3 + ["na"] * 6, "y": rng.normal(size=27)})
    fig = plots.group_points(data, dv="y", group="g", labels={"a": "Alpha"}, min_group_size=5)
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["Alpha", "b"]
    assert fig.netsoc_suppressed == ["c (n<5)"]
    assert "fewer than 5 respondents" in fig._supxlabel.get_text()
    # the means and t intervals agree with analysis.summary.group_means
    from analysis.summary import group_means

    gm = group_means(data[data.g.isin(["a", "b"])], dv="y", group="g")
    means = ax.lines[0].get_xdata()  # the points, one per group shown
    err = [line.get_xdata() for line in ax.lines[1:] if len(line.get_xdata())]
    np.testing.assert_allclose(means, gm["mean"])
    np.testing.assert_allclose([e[0] for e in err], gm["ci_low"])
    np.testing.assert_allclose([e[1] for e in err], gm["ci_high"])


def test_profile_bars_counts_and_shares(scored, instrument):
    _, s = scored
    fig = plots.profile_bars(s)
    heights = [p.get_height() for p in fig.axes[0].patches]
    assert (
        heights == s["profile"].value_counts(sort=False).reindex([p.id for p in instrument.profiles]).tolist()
    )
    fig = plots.profile_bars(s, group="work_mode", min_group_size=5)
    ax = fig.axes[0]
    shares = np.array([p.get_height() for p in ax.patches if p.get_height() == p.get_height()])
    kept = [lv for lv, c in s["work_mode"].value_counts().items() if c >= 5 and lv != "na"]
    assert shares.sum() == pytest.approx(len(kept))  # each group's shares sum to 1
    assert ax.get_ylabel() == "Share of group"


def test_bad_column_names_are_reported(scored):
    _, s = scored
    with pytest.raises(DataError, match="'nope'"):
        plots.balance_distribution(s, balance="nope")
    with pytest.raises(DataError, match="not numeric|expected numbers|numeric"):
        plots.group_points(s, dv="role", group="work_mode")
    with pytest.raises(ValueError, match="context: got 'huge'"):
        plots.quadrant(s, context="huge")


def test_to_png_is_deterministic(scored):
    _, s = scored
    a = plots.to_png(plots.balance_distribution(s))
    b = plots.to_png(plots.balance_distribution(s))
    assert a[:8] == b"\x89PNG\r\n\x1a\n" and a == b
