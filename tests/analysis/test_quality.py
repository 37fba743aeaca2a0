"""Careless-responding indices on hand-built respondents."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis.quality import describe_exclusions, flag_careless, irv, longstring
from survey.errors import DataError


def _table(instrument, rows: list[dict], n: int) -> pd.DataFrame:
    """n respondents answering 'alternating 2/4', then overrides from rows."""
    items = instrument.item_ids
    base = {iid: (2 if j % 2 else 4) for j, iid in enumerate(items)}
    base.update({c.id: c.expected for c in instrument.attention_checks})
    data = pd.DataFrame([base] * n).astype("Int64")
    start = pd.Timestamp("2026-03-02 10:00:00", tz="UTC")
    data["started_at"] = start
    data["submitted_at"] = start + pd.Timedelta(seconds=600)
    for i, row in enumerate(rows):
        for k, v in row.items():
            data.loc[i, k] = v
    return data


def test_longstring_and_irv_hand_worked():
    x = np.array(
        [
            [1, 1, 1, 2, 2],  # run of three
            [3, 3, np.nan, 3, 3],  # NA breaks the run: 2
            [5, 5, 5, 5, 5],  # straight line: 5
            [np.nan] * 5,  # nothing answered: 0
            [1, 2, 3, 4, 5],  # 1
        ],
        dtype=float,
    )
    assert longstring(x).tolist() == [3, 2, 5, 0, 1]
    v = irv(x)
    assert v[0] == pytest.approx(np.std([1, 1, 1, 2, 2], ddof=1))
    assert v[1] == 0.0 and v[2] == 0.0
    assert np.isnan(v[3])
    assert v[4] == pytest.approx(np.sqrt(2.5))  # var(1..5) = 2.5


def test_flags_each_criterion(instrument):
    items = instrument.item_ids
    a1 = instrument.attention_checks[0]
    straight = {iid: 3 for iid in items}
    data = _table(
        instrument,
        [
            {},  # 0 attentive
            {a1.id: a1.expected % 5 + 1},  # 1 fails one check
            straight,  # 2 straight-liner
            {"submitted_at": pd.Timestamp("2026-03-02 10:00:30", tz="UTC")},  # 3 speeder (30 s)
            {a1.id: pd.NA},  # 4 skipped a check
        ],
        n=6,
    )
    flags = flag_careless(data, instrument)
    assert flags.index.equals(data.index)
    assert flags["attention_failures"].tolist() == [0, 1, 0, 0, 0, 0]
    assert flags["attention_answered"].tolist() == [2, 2, 2, 2, 1, 2]
    assert flags.loc[2, "longstring"] == len(items)
    assert flags.loc[0, "longstring"] == 1
    assert flags.loc[2, "irv"] == 0.0
    assert flags.loc[3, "duration_s"] == 30.0
    assert flags["flag_attention"].tolist() == [False, True, False, False, False, False]
    assert flags["flag_longstring"].tolist() == [False, False, True, False, False, False]
    assert flags["flag_speed"].tolist() == [False, False, False, True, False, False]
    assert not flags["flag_irv"].any()  # not used by default
    assert flags["exclude"].tolist() == [False, True, True, True, False, False]
    n_q = len(items) + len(instrument.attention_checks)
    assert flags.attrs["rule"] == (
        f"exclude if any of: attention failures > 0; longstring > {len(items) // 2} items; "
        f"duration < {2 * n_q} s"
    )


def test_rule_all_and_count(instrument):
    items = instrument.item_ids
    a1 = instrument.attention_checks[0]
    both = {iid: 3 for iid in items} | {a1.id: a1.expected % 5 + 1}
    data = _table(instrument, [both, {a1.id: a1.expected % 5 + 1}], n=3)
    f_all = flag_careless(data, instrument, min_seconds=None, rule="all")
    assert f_all["exclude"].tolist() == [True, False, False]
    f_two = flag_careless(data, instrument, min_irv=0.5, min_seconds=None, rule=2)
    assert f_two["n_flags"].tolist() == [3, 1, 0]
    assert f_two["exclude"].tolist() == [True, False, False]
    assert f_two.attrs["rule"].startswith("exclude if at least 2 of: ")
    assert "IRV < 0.5" in f_two.attrs["rule"]


def test_all_criteria_off_excludes_nobody(instrument):
    data = _table(instrument, [{instrument.attention_ids[0]: 1}], n=2)
    flags = flag_careless(
        data, instrument, max_attention_failures=None, max_longstring=None, min_seconds=None
    )
    assert not flags["exclude"].any()
    assert flags.attrs["rule"] == "no criterion used; nobody excluded"


def test_missing_timestamps_do_not_flag(instrument):
    data = _table(instrument, [], n=2).drop(columns=["started_at", "submitted_at"])
    flags = flag_careless(data, instrument)
    assert flags["duration_s"].isna().all()
    assert not flags["flag_speed"].any()


def test_describe_exclusions(instrument):
    a1 = instrument.attention_checks[0]
    data = _table(instrument, [{a1.id: a1.expected % 5 + 1}], n=4)
    table = describe_exclusions(flag_careless(data, instrument))
    assert list(table.columns) == ["criterion", "rule", "n_flagged", "n", "share"]
    assert table["criterion"].tolist() == ["attention", "longstring", "irv", "speed", "exclude"]
    ex = table.set_index("criterion")
    assert ex.loc["attention", "n_flagged"] == 1 and ex.loc["attention", "share"] == 0.25
    assert ex.loc["irv", "rule"] == "not used"
    assert ex.loc["exclude", "rule"].startswith("exclude if any of")


def test_demo_careless_are_caught(instrument):
    from analysis.demo import make_demo

    data = make_demo(n=400, seed=11)
    flags = flag_careless(data, instrument)
    # the demo plants straight-liners; each must be flagged
    straight = flags["irv"] == 0
    assert straight.sum() > 0
    assert flags.loc[straight, "exclude"].all()


def test_bad_input(instrument):
    data = _table(instrument, [], n=2)
    with pytest.raises(DataError, match=r"data: column 'net_purpose_1' not found"):
        flag_careless(data.drop(columns="net_purpose_1"), instrument)
    with pytest.raises(DataError, match=r"data: column 'attn_1' is not numeric"):
        flag_careless(data.assign(attn_1="yes"), instrument)
    with pytest.raises(DataError, match=r"max_longstring: got 'long'; expected a number"):
        flag_careless(data, instrument, max_longstring="long")
    with pytest.raises(DataError, match=r"rule: got 'some'"):
        flag_careless(data, instrument, rule="some")
    with pytest.raises(
        DataError, match=r"started_at: column 'started_at' holds values that are not timestamps"
    ):
        flag_careless(data.assign(started_at="yesterday"), instrument)
    with pytest.raises(DataError, match=r"flags: expected the result of flag_careless"):
        describe_exclusions(data)
