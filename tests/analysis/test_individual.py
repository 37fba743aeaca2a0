"""One respondent's feedback numbers: the numpy scorer equals analysis.score, hand-worked bands,
coarse cohort bands."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from analysis.individual import (
    BANDS,
    COARSE_BINS,
    answers_frame,
    attention_result,
    cohort_band,
    facet_profile,
    individual_scores,
    reference_reliability,
    respondent_scorer,
)
from analysis.quality import flag_careless
from analysis.scoring import score
from survey.errors import DataError
from survey.schema import MIN_GROUP_SIZE
from tests.helpers import keyed_answers

REL = {"networking": 0.91, "socializing": 0.84, "balance": 0.75, "intentionality": 0.64}
#: The provisional inline norms (mean, sd, reliability) the hand-worked numbers use.
NORMS = {
    "networking": (3.19, 0.74, 0.93),
    "socializing": (2.87, 0.74, 0.92),
    "balance": (0.08, 0.22, 0.90),
    "intentionality": (3.02, 0.80, 0.80),
}


# ------------------------------------------------------ scorer == score()
def assert_same_as_score(x: np.ndarray, instrument) -> None:
    """Every column of analysis.score equals the numpy scorer's, exactly (NaN = NA)."""
    scorer = respondent_scorer(instrument)
    frame = pd.DataFrame(x, columns=scorer.question_ids)
    ref = score(frame, instrument)
    mine = scorer.scores(x)
    for col in ref.columns:
        expected = ref[col]
        if isinstance(expected.dtype, pd.CategoricalDtype):
            assert [None if pd.isna(v) else v for v in expected.astype(object)] == list(mine[col]), col
        else:
            np.testing.assert_array_equal(expected.to_numpy(float), np.asarray(mine[col], float), err_msg=col)
    careless = flag_careless(frame, instrument, max_longstring=None, min_seconds=None)
    np.testing.assert_array_equal(careless["attention_failures"], mine["attention_failures"])
    np.testing.assert_array_equal(careless["attention_answered"], mine["attention_answered"])


def test_scorer_equals_score_on_many_random_answer_vectors(instrument, rng):
    n_q = len(respondent_scorer(instrument).question_ids)
    x = rng.integers(1, 6, size=(3000, n_q)).astype(float)
    # every missing share from none to most, so the 75 % rule bites both ways
    x[rng.random(x.shape) < rng.random((3000, 1)) * 0.6] = np.nan
    assert_same_as_score(x, instrument)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.data())
def test_scorer_equals_score_for_one_answers_dict(instrument, data):
    scorer = respondent_scorer(instrument)
    answers = {q: data.draw(st.one_of(st.none(), st.integers(1, 5)), label=q) for q in scorer.question_ids}
    own = scorer.score_answers(answers)
    ref = score(answers_frame(answers, instrument), instrument).iloc[0]
    for col, expected in ref.items():
        got = own[col]
        if pd.isna(expected):
            assert got is None or (isinstance(got, float) and math.isnan(got)), col
        else:
            assert got == expected, col


def test_scorer_refuses_bad_codes_naming_the_question(instrument):
    scorer = respondent_scorer(instrument)
    with pytest.raises(DataError, match=r"'net_purpose_1' must be a whole-number code 1..5, got 7"):
        scorer.score_answers({"net_purpose_1": 7})
    with pytest.raises(DataError, match=r"'net_purpose_1'.*got 2.5"):
        scorer.score_answers({"net_purpose_1": 2.5})
    with pytest.raises(DataError, match=r"'net_purpose_1'.*got 'x'"):
        scorer.score_answers({"net_purpose_1": "x"})
    with pytest.raises(DataError, match=r"'net_purpose_1'.*got True"):
        scorer.score_answers({"net_purpose_1": True})
    assert scorer is respondent_scorer(instrument)  # built once per instrument


# ------------------------------------------------------------ the numbers
def test_answers_frame_is_one_row_of_codes(instrument):
    df = answers_frame({"net_purpose_1": 4, "consent": True, "role": "sales"}, instrument)
    assert df.shape[0] == 1 and df.loc[0, "net_purpose_1"] == 4
    assert df["net_purpose_2"].isna().all() and str(df["net_purpose_2"].dtype) == "Int64"
    assert df.loc[0, "role"] == "sales" and "consent" not in df


def test_band_and_norm_percentile_by_hand(instrument):
    row = answers_frame(keyed_answers(instrument, 4, 2, 3), instrument)
    out = individual_scores(row, instrument, reliability=REL, norms=NORMS).set_index("score")
    net = out.loc["networking"]
    # networking = 4; norms mean 3.19, sd 0.74; sem = 0.74 * sqrt(0.09) = 0.222
    assert net["estimate"] == 4
    assert net["sem"] == pytest.approx(0.222)
    assert net["ci_low"] == pytest.approx(4 - 1.959964 * 0.222, abs=1e-6)
    assert net["ci_high"] == pytest.approx(4 + 1.959964 * 0.222, abs=1e-6)
    # Phi((4 - 3.19) / 0.74) = Phi(1.0946) = 0.86315 (R: pnorm(0.81/0.74))
    assert net["percentile_norm"] == pytest.approx(86.315, abs=1e-3)
    bal = out.loc["balance"]
    assert bal["estimate"] == pytest.approx(0.5)  # (4 - 2) / 4
    assert bal["sem"] == pytest.approx(0.22 * 0.5)  # sqrt(1 - 0.75)
    soc = out.loc["socializing"]
    assert soc["sem"] == pytest.approx(0.74 * 0.4)
    assert out.loc["intentionality", "percentile_norm"] == pytest.approx(
        100 * 0.5 * (1 + math.erf((3 - 3.02) / 0.80 / math.sqrt(2)))
    )
    assert out["cohort_band"].isna().all()  # no peers given
    # R: qnorm(0.95) = 1.644854 for a 90 % band
    ninety = individual_scores(row, instrument, reliability=REL, norms=NORMS, ci=0.90).set_index("score")
    assert ninety.loc["networking", "ci_low"] == pytest.approx(4 - 1.644854 * 0.222, abs=1e-6)


def test_band_is_cut_to_the_score_range(instrument):
    row = answers_frame(keyed_answers(instrument, 5, 1, 5), instrument)
    out = individual_scores(row, instrument, reliability=REL, norms=NORMS).set_index("score")
    assert out.loc["networking", "ci_high"] == 5 and out.loc["socializing", "ci_low"] == 1
    assert out.loc["balance", "estimate"] == 1 and out.loc["balance", "ci_high"] == 1


def test_cohort_band_by_hand():
    # 1..5 in four bins: [1,2) [2,3) [3,4) [4,5]
    peers = np.array([1.0, 1.5, 2.2, 2.9, 3.1, 3.5, 3.9, 4.4, 5.0])  # bins 0 0 1 1 2 2 2 3 3
    # 3.2 is in bin 2: 4 peers below, 3 tie -> (4 + 1.5) / 9 = 0.61 -> middle
    assert cohort_band(3.2, peers, 1, 5) == "middle"
    # 4.0 in bin 3: 7 below, 2 tie -> 8 / 9 -> upper; 1.9 in bin 0: 1 / 9 -> lower
    assert cohort_band(4.0, peers, 1, 5) == "upper" and cohort_band(1.9, peers, 1, 5) == "lower"
    # within a bin the exact value does not matter
    assert {cohort_band(v, peers, 1, 5) for v in (3.0, 3.5, 3.99)} == {"middle"}
    # 2 x k responses needed, the participant included; NaN peers do not count
    assert cohort_band(3.2, peers[:8], 1, 5) is None
    assert cohort_band(3.2, np.append(peers[:8], np.nan), 1, 5) is None
    # 8 responses suffice for k = 4: bins 0 0 1 1 2 2 2 -> (4 + 1.5) / 7 = 0.79 -> upper
    assert cohort_band(3.2, peers[:7], 1, 5, min_group_size=4) == "upper"
    assert cohort_band(float("nan"), peers, 1, 5) is None
    # balance: -1..1 in bins of 0.5
    assert cohort_band(0.9, np.linspace(-1, 0.4, 9), -1, 1) == "upper"
    with pytest.raises(DataError, match="min_group_size: got 0; expected a whole number of at least 2"):
        cohort_band(3.0, peers, 1, 5, min_group_size=0)
    assert BANDS == ("lower", "middle", "upper") and COARSE_BINS == 4 and MIN_GROUP_SIZE == 5
    import analysis.individual as individual

    assert not hasattr(individual, "MIN_COHORT")  # the retired name of the minimum group size


def test_individual_scores_band_needs_ten_responses(instrument):
    me = answers_frame(keyed_answers(instrument, 5, 3), instrument)
    peers = pd.concat(
        [answers_frame(keyed_answers(instrument, v, 3), instrument) for v in (1, 2, 3, 4, 5, 1, 2, 3, 4)],
        ignore_index=True,
    )
    out = individual_scores(me, instrument, peers=peers, reliability=REL).set_index("score")
    # networking 5 (bin 3) among bins 0 1 2 3 3 0 1 2 3: 6 below, 3 ties -> 7.5 / 9 -> upper
    assert out.loc["networking", "cohort_band"] == "upper"
    assert out.loc["socializing", "cohort_band"] == "middle"  # everyone 3
    assert "percentile_cohort" not in out and "n_cohort" not in out  # never exact
    eight = individual_scores(me, instrument, peers=peers.iloc[:8], reliability=REL)
    assert eight["cohort_band"].isna().all()


# ------------------------------------------------------------------ rest
def test_default_reliability_matches_alpha_from_an_independent_route(instrument):
    from analysis.demo import read_demo_csv
    from survey.instrument import Norms
    from tests.helpers import ROOT

    inline = instrument.model_copy(
        update={
            "norms": Norms.model_validate(
                {"source": "provisional"}
                | {k: dict(zip(("mean", "sd", "reliability"), v)) for k, v in NORMS.items()}
            )
        }
    )
    rel = reference_reliability(None, inline)
    assert list(rel.index) == ["networking", "socializing", "balance", "intentionality"]
    df = read_demo_csv(str(ROOT / "data" / "demo" / "responses.csv"), instrument)
    # the values stored in the instrument's norms are those of the reference sample
    recomputed = reference_reliability(df, inline)
    np.testing.assert_allclose(rel.to_numpy(), recomputed.to_numpy(), atol=0.006)
    # alpha by hand: k/(k-1) * (1 - sum of item variances / variance of the total),
    # on the keyed networking items of complete cases
    items = instrument.scale_items("networking")
    x = np.column_stack(
        [
            (6 - df[i.id].to_numpy(dtype=float, na_value=np.nan))
            if i.keying == "reverse"
            else df[i.id].to_numpy(dtype=float, na_value=np.nan)
            for i in items
        ]
    )
    x = x[~np.isnan(x).any(axis=1)]
    k = x.shape[1]
    alpha = k / (k - 1) * (1 - x.var(axis=0, ddof=1).sum() / x.sum(axis=1).var(ddof=1))
    assert rel["networking"] == pytest.approx(alpha, abs=0.01)  # pairwise vs listwise
    assert 0 < rel["balance"] < 1


def test_facet_profile_and_attention(instrument):
    answers = keyed_answers(instrument, 4, 2)
    answers["attn_1"] = 5  # asked for 2
    row = answers_frame(answers, instrument)
    prof = facet_profile(row, instrument)
    assert list(prof["facet"]) == list(instrument.facets)
    assert (prof["networking"] == 4).all() and (prof["difference"] == 2).all()
    assert attention_result(row, instrument) == {"n_checks": 2, "n_failed": 1, "failed": True}
    ok = answers_frame(keyed_answers(instrument, 4, 2), instrument)
    assert attention_result(ok, instrument)["failed"] is False
    none = answers_frame(keyed_answers(instrument, 4, 2, checks=False), instrument)
    assert attention_result(none, instrument) == {"n_checks": 0, "n_failed": 0, "failed": False}


def test_errors_name_the_argument(instrument):
    two = pd.concat([answers_frame({}, instrument)] * 2)
    with pytest.raises(DataError, match="data: expected a DataFrame with exactly one row"):
        individual_scores(two, instrument)
    with pytest.raises(DataError, match="ci: expected a confidence level"):
        individual_scores(answers_frame({}, instrument), instrument, ci=95)
    with pytest.raises(DataError, match="whole numbers"):
        answers_frame({"net_purpose_1": 2.5}, instrument)
    with pytest.raises(DataError, match="reference: the instrument has no inline norms"):
        reference_reliability(None, instrument.model_copy(update={"norms": "netsoc-norms.yaml"}))
    with pytest.raises(TypeError, match="unexpected keyword"):
        individual_scores(answers_frame({}, instrument), instrument, peer=None)
