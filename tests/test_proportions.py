"""Korn–Graubard share intervals (cfeval.scoring.proportions) against scipy's beta quantiles."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import beta, t

from cfeval.scoring.proportions import (
    effective_size,
    implied_variance,
    korn_graubard,
    wilson,
)


def arr(*x):
    return np.array(x, dtype=float)


def test_equal_weights_is_clopper_pearson_at_n_minus_1():
    # 3 of 8 favourable, equal weights: the linearised variance is p(1-p)/(n-1), so
    # n* = 7 (as R's svyciprop(method="beta") gives for a simple random sample) and the
    # interval is Clopper–Pearson with x = 7 × 3/8 successes out of 7.
    p, n = 3 / 8, 8
    var = p * (1 - p) / (n - 1)
    low, high = korn_graubard(arr(p), arr(var), arr(n), arr(n))
    x = 7 * p
    assert low[0] == pytest.approx(beta.ppf(0.025, x, 7 - x + 1), abs=1e-12)
    assert high[0] == pytest.approx(beta.ppf(0.975, x + 1, 7 - x), abs=1e-12)


def test_all_on_one_side_never_gives_zero_width():
    # 8 of 8 favourable: variance 0, n* falls back to the cap (Kish n_eff, here 5.3).
    low, high = korn_graubard(arr(1.0, 0.0), arr(0.0, 0.0), arr(8, 8), arr(5.3, 5.3))
    assert high[0] == 1.0 and low[0] == pytest.approx(0.025 ** (1 / 5.3), abs=1e-12)
    assert low[1] == 0.0 and high[1] == pytest.approx(1 - 0.025 ** (1 / 5.3), abs=1e-12)


def test_fewer_df_than_n_minus_1_shrinks_the_effective_size():
    # df 3 instead of 7: n* is multiplied by (t_7 / t_3)^2 (Korn & Graubard 1998).
    ne = effective_size(arr(0.5), arr(0.25 / 7), arr(8), arr(8), df=arr(3))
    assert ne[0] == pytest.approx(7 * (t.ppf(0.975, 7) / t.ppf(0.975, 3)) ** 2, rel=1e-12)
    wide = korn_graubard(arr(0.5), arr(0.25 / 7), arr(8), arr(8), df=arr(3))
    narrow = korn_graubard(arr(0.5), arr(0.25 / 7), arr(8), arr(8), df=arr(7))
    assert wide[0][0] < narrow[0][0] and wide[1][0] > narrow[1][0]


def test_one_respondent_has_no_interval_two_have_a_wide_one():
    low, high = korn_graubard(arr(1.0, 0.5), arr(np.nan, 0.125), arr(1, 2), arr(1, 2))
    assert np.isnan(low[0]) and np.isnan(high[0])
    assert high[1] - low[1] > 0.9  # n = 2: almost [0, 1], which the engine flags


def test_wilson_at_the_effective_size_by_hand():
    # p = 0.25, n = 20, var = 0.25 * 0.75 / 10 -> n* = 10 (a design effect of 2);
    # Wilson with t = t_19: centre (p + t²/2n*) / (1 + t²/n*), half as in Wilson (1927).
    p, ne = 0.25, 10.0
    q = t.ppf(0.975, 19)
    centre = (p + q * q / (2 * ne)) / (1 + q * q / ne)
    half = q / (1 + q * q / ne) * np.sqrt(p * (1 - p) / ne + q * q / (4 * ne * ne))
    low, high = wilson(arr(p), arr(p * (1 - p) / ne), arr(20), arr(20))
    assert low[0] == pytest.approx(centre - half, abs=1e-12)
    assert high[0] == pytest.approx(centre + half, abs=1e-12)
    # all 20 favourable: n* is the cap (Kish 12.5), the interval reaches 1 and not below p
    low, high = wilson(arr(1.0), arr(0.0), arr(20), arr(12.5))
    assert high[0] == 1.0 and 0.6 < low[0] < 1.0


def test_implied_variance_inverts_a_symmetric_t_interval():
    q = t.ppf(0.975, 6)
    assert implied_variance(arr(0.3), arr(0.3 + 2 * q * 0.1), arr(6))[0] == pytest.approx(0.01)


@settings(max_examples=200, deadline=None)
@given(
    p=st.floats(0, 1),
    rel=st.floats(0.05, 20),
    n=st.integers(2, 200),
    frac=st.floats(0.2, 1),
    dfrac=st.floats(0.1, 1),
)
def test_interval_contains_the_estimate_and_stays_in_0_1(p, rel, n, frac, dfrac):
    cap = n * frac
    var = rel * p * (1 - p) / n
    df = max((n - 1) * dfrac, 0.5)
    for fn in (korn_graubard, wilson):
        low, high = fn(arr(p), arr(var), arr(n), arr(cap), df=arr(df))
        assert 0 <= low[0] <= p + 1e-12 and p - 1e-12 <= high[0] <= 1
        assert high[0] - low[0] > 0
