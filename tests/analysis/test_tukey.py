"""The studentized range on arrays (issue 33 point 2) agrees with scipy's adaptive
quadrature, and with the closed form for two groups."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from analysis.compare._tukey import sr_cdf, sr_ppf, sr_sf


@pytest.mark.parametrize("k", [2, 3, 5, 8])
def test_sf_and_ppf_agree_with_scipy(k):
    df = np.array([2.0, 3.7, 12.3, 55.5, 400.0, 9_000.0, 1e6])
    for q in (0.5, 2.0, 3.5, 5.0, 8.0):
        ours = sr_sf(np.full(df.size, q), k, df)
        ref = np.array([stats.studentized_range.sf(q, k, d) for d in df])
        np.testing.assert_allclose(ours, ref, rtol=0, atol=1e-10)
    ref_q = np.array([stats.studentized_range.ppf(0.95, k, d) for d in df[:4]])
    np.testing.assert_allclose(sr_ppf(0.95, k, df[:4]), ref_q, rtol=1e-9)


def test_two_groups_is_the_normal_difference():
    # the range of two standard normals is |Z1 - Z2|: P(range <= w) = 2 Phi(w / sqrt 2) - 1
    w = np.array([0.3, 1.0, 2.5, 4.0])
    np.testing.assert_allclose(
        sr_cdf(w, 2, np.full(4, 1e9)), 2 * stats.norm.cdf(w / np.sqrt(2)) - 1, atol=1e-12
    )
