"""One respondent's feedback numbers: hand-worked bands and percentiles."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from analysis.individual import (
    MIN_COHORT,
    answers_frame,
    attention_result,
    facet_profile,
    individual_scores,
    reference_reliability,
)
from survey.errors import DataError
from tests.helpers import keyed_answers

REL = {"networking": 0.91, "socializing": 0.84, "balance": 0.75, "intentionality": 0.64}


def test_answers_frame_is_one_row_of_codes(instrument):
    df = answers_frame({"net_purpose_1": 4, "consent": True, "role": "sales"}, instrument)
    assert df.shape[0] == 1 and df.loc[0, "net_purpose_1"] == 4
    assert df["net_purpose_2"].isna().all() and str(df["net_purpose_2"].dtype) == "Int64"
    assert df.loc[0, "role"] == "sales" and "consent" not in df


def test_band_and_norm_percentile_by_hand(instrument):
    row = answers_frame(keyed_answers(instrument, 4, 2, 3), instrument)
    out = individual_scores(row, instrument, reliability=REL).set_index("score")
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
        100 * 0.5 * (1 + math.erf((3 - 3.02) / 0.80 / math.sqrt(2))))
    assert (out["n_cohort"] == 0).all() and out["percentile_cohort"].isna().all()


def test_band_is_cut_to_the_score_range(instrument):
    row = answers_frame(keyed_answers(instrument, 5, 1, 5), instrument)
    out = individual_scores(row, instrument, reliability=REL).set_index("score")
    assert out.loc["networking", "ci_high"] == 5 and out.loc["socializing", "ci_low"] == 1
    assert out.loc["balance", "estimate"] == 1 and out.loc["balance", "ci_high"] == 1


def test_cohort_percentile_needs_five_others_and_is_mid_rank(instrument):
    me = answers_frame(keyed_answers(instrument, 3, 3), instrument)
    peers = pd.concat([answers_frame(keyed_answers(instrument, v, 3), instrument)
                       for v in (1, 2, 3, 4, 5)], ignore_index=True)
    out = individual_scores(me, instrument, cohort=peers, reliability=REL).set_index("score")
    # networking 3 among {1,2,3,4,5}: 2 below, 1 tie -> (2 + 0.5) / 5 = 50 %
    assert out.loc["networking", "n_cohort"] == MIN_COHORT == 5
    assert out.loc["networking", "percentile_cohort"] == pytest.approx(50.0)
    # socializing 3 among five 3s -> every one a tie -> 50 %
    assert out.loc["socializing", "percentile_cohort"] == pytest.approx(50.0)
    four = individual_scores(me, instrument, cohort=peers.iloc[:4], reliability=REL)
    assert four["percentile_cohort"].isna().all() and (four["n_cohort"] == 4).all()


def test_default_reliability_matches_alpha_from_an_independent_route(instrument):
    from analysis.demo import read_demo_csv
    from tests.conftest import ROOT

    rel = reference_reliability(None, instrument)
    assert list(rel.index) == ["networking", "socializing", "balance", "intentionality"]
    df = read_demo_csv(str(ROOT / "data" / "demo" / "responses.csv"), instrument)
    # the values stored in the instrument's norms are those of the reference sample
    recomputed = reference_reliability(df, instrument)
    np.testing.assert_allclose(rel.to_numpy(), recomputed.to_numpy(), atol=0.006)
    # alpha by hand: k/(k-1) * (1 - sum of item variances / variance of the total),
    # on the keyed networking items of complete cases
    items = instrument.scale_items("networking")
    x = np.column_stack([
        (6 - df[i.id].to_numpy(dtype=float, na_value=np.nan)) if i.keying == "reverse"
        else df[i.id].to_numpy(dtype=float, na_value=np.nan) for i in items])
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


def test_errors_name_the_argument(instrument):
    two = pd.concat([answers_frame({}, instrument)] * 2)
    with pytest.raises(DataError, match="respondent: expected a DataFrame with exactly one row"):
        individual_scores(two, instrument)
    with pytest.raises(DataError, match="level: expected a probability"):
        individual_scores(answers_frame({}, instrument), instrument, level=95)
    with pytest.raises(DataError, match="whole numbers"):
        answers_frame({"net_purpose_1": 2.5}, instrument)
