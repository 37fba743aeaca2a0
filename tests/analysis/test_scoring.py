"""Scoring: hand-worked examples, the NA rule, errors and properties."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analysis.scoring import score
from survey.errors import DataError
from survey.instrument import load_instrument

INST = load_instrument()
NET = INST.scale_items("networking")
SOC = INST.scale_items("socializing")
INT = INST.scale_items("intentionality")


def raw_from_keyed(items, keyed):
    """Answer codes that give these keyed values (5 - x + 1 for reverse items)."""
    return {i.id: (6 - v if i.keying == "reverse" and v == v else v) for i, v in zip(items, keyed)}


def row(net_keyed, soc_keyed, int_keyed=(3, 3, 3, 3, 3)):
    answers = {
        **raw_from_keyed(NET, net_keyed),
        **raw_from_keyed(SOC, soc_keyed),
        **raw_from_keyed(INT, int_keyed),
    }
    return pd.DataFrame([answers], dtype="Float64").astype("Int64")


def test_pure_networker_scores_at_the_bounds():
    s = score(row([5] * 16, [1] * 16)).iloc[0]
    assert s["networking"] == 5 and s["socializing"] == 1
    assert s["balance"] == 1.0
    assert s["engagement"] == 3.0 and s["engagement_level"] == "moderate"
    assert s["profile"] == "networker"
    mirror = score(row([1] * 16, [5] * 16)).iloc[0]
    assert mirror["balance"] == -1.0 and mirror["profile"] == "socializer"


def test_reverse_keying_by_hand():
    # net_purpose_1 is forward, net_purpose_2 reverse: answers 5 and 2 -> keyed 5 and 4
    data = row([3] * 16, [3] * 16)
    data.loc[0, "net_purpose_1"] = 5
    data.loc[0, "net_purpose_2"] = 2
    s = score(data).iloc[0]
    assert s["networking_purpose"] == pytest.approx(4.5)
    assert s["networking"] == pytest.approx((14 * 3 + 5 + 4) / 16)
    assert s["balance"] == pytest.approx(((14 * 3 + 9) / 16 - 3) / 4)
    assert s["profile"] == "balanced"  # balance 0.047 lies in [-0.15, 0.15)


def test_all_middle_answers_give_zero_balance_and_a_low_profile():
    s = score(row([3] * 16, [3] * 16)).iloc[0]
    assert s["balance"] == 0 and s["profile"] == "balanced"
    low = score(row([2] * 16, [2] * 16)).iloc[0]
    assert low["engagement"] == 2 and low["profile"] == "reserved"
    assert low["engagement_level"] == "low"


def test_min_answered_share_rule():
    data = pd.concat([row([4] * 16, [3] * 16)] * 2, ignore_index=True)
    net_ids = [i.id for i in NET]
    data.loc[0, net_ids[:4]] = pd.NA  # 12 of 16 answered = 0.75 -> scored
    data.loc[1, net_ids[:5]] = pd.NA  # 11 of 16 -> NA
    s = score(data)
    assert s.loc[0, "networking"] == 4 and s.loc[0, "n_answered_networking"] == 12
    assert pd.isna(s.loc[1, "networking"]) and s.loc[1, "n_answered_networking"] == 11
    assert pd.isna(s.loc[1, "balance"]) and pd.isna(s.loc[1, "profile"])
    # facets need half of their two items: row 0 lost both purpose and both context items
    assert net_ids[:4] == ["net_purpose_1", "net_purpose_2", "net_context_1", "net_context_2"]
    assert pd.isna(s.loc[0, "networking_purpose"]) and pd.isna(s.loc[0, "networking_context"])
    assert s.loc[0, "networking_outcome"] == 4
    data.loc[0, "net_outcome_1"] = pd.NA  # one of two left: still scored
    assert score(data).loc[0, "networking_outcome"] == 4


def test_output_is_aligned_to_the_input_index():
    data = pd.concat([row([4] * 16, [2] * 16), row([2] * 16, [4] * 16)])
    data.index = ["b", "a"]
    s = score(data)
    assert list(s.index) == ["b", "a"]
    assert s.loc["a", "balance"] == -0.5
    expected = {
        "networking",
        "socializing",
        "balance",
        "engagement",
        "profile",
        "intentionality",
        "n_answered_networking",
        "n_answered_socializing",
        "n_answered_intentionality",
    }
    assert expected <= set(s.columns)
    assert {f"networking_{f}" for f in INST.facets} <= set(s.columns)


@pytest.mark.parametrize(
    "value, pattern",
    [
        (6, r"'net_purpose_1': 1 value\(s\) outside the codes 1..5 \(e.g. 6\) at rows 0"),
        (0, r"outside the codes 1..5"),
        (2.5, r"outside the codes 1..5 \(e.g. 2.5\)"),
        ("Agree", r"'net_purpose_1': expected integer answer codes 1..5, found 'Agree'"),
        (True, r"found booleans"),
    ],
)
def test_bad_codes_raise_and_are_never_turned_into_na(value, pattern):
    data = row([3] * 16, [3] * 16).astype(object)
    data["net_purpose_1"] = [value]
    if isinstance(value, bool):
        data["net_purpose_1"] = data["net_purpose_1"].astype(bool)
    with pytest.raises(DataError, match=pattern):
        score(data)


def test_missing_columns_are_named():
    data = row([3] * 16, [3] * 16).drop(columns=["soc_online_2", "int_3"])
    with pytest.raises(DataError, match=r"2 item column\(s\) missing: soc_online_2, int_3"):
        score(data)


def test_rejects_non_frames():
    with pytest.raises(DataError, match="expected a pandas DataFrame"):
        score([[1, 2, 3]])


# ------------------------------------------------------------ properties
keyed_values = st.lists(st.one_of(st.integers(1, 5), st.just(np.nan)), min_size=16, max_size=16)


@settings(max_examples=150, deadline=None)
@given(net=keyed_values, soc=keyed_values)
def test_balance_is_bounded_and_swapping_orientations_negates_it(net, soc):
    a = score(row(net, soc)).iloc[0]
    b = score(row(soc, net)).iloc[0]
    if pd.isna(a["balance"]):
        assert pd.isna(b["balance"])
        return
    assert -1 <= a["balance"] <= 1
    assert b["balance"] == pytest.approx(-a["balance"])
    assert a["balance"] == pytest.approx((a["networking"] - a["socializing"]) / 4)
    for facet in INST.facets:
        x, y = a[f"networking_{facet}"], b[f"socializing_{facet}"]
        assert (pd.isna(x) and pd.isna(y)) or x == pytest.approx(y)


@settings(max_examples=50, deadline=None)
@given(st.integers(1, 40), st.integers(0, 2**32 - 1))
def test_vectorised_scoring_equals_row_by_row(n, seed):
    rng = np.random.default_rng(seed)
    ids = INST.item_ids
    x = rng.integers(1, 6, size=(n, len(ids))).astype(float)
    x[rng.random(x.shape) < 0.15] = np.nan
    data = pd.DataFrame(x, columns=ids).astype("Int64")
    whole = score(data)
    parts = pd.concat([score(data.iloc[[i]]) for i in range(n)])
    pd.testing.assert_frame_equal(whole, parts, check_categorical=False)
