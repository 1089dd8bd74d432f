"""Oracle tests for cfeval.scoring.index_methods against hand values and scipy."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from scipy import stats

from cfeval.errors import DataError, UsageError
from cfeval.scoring import index_methods as im

TOL = 1e-9
finite = st.floats(-1e6, 1e6, allow_nan=False, allow_infinity=False)
vec = arrays(float, st.integers(3, 30), elements=finite).filter(lambda v: np.ptp(v) > 1e-3)


def test_skew_kurt_match_scipy_unbiased():
    x = np.array([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 30, 100], float)
    assert im.skew(x) == pytest.approx(stats.skew(x, bias=False), abs=TOL)
    assert im.kurt(x) == pytest.approx(stats.kurtosis(x, fisher=True, bias=False), abs=TOL)
    assert np.isnan(im.skew([1, 2])) and np.isnan(im.kurt([1, 2, 3]))
    # NaNs are removed (na.rm = TRUE)
    assert im.skew(np.append(x, np.nan)) == pytest.approx(im.skew(x), abs=TOL)


def test_check_skew_kurt_is_an_or():
    x = np.r_[np.arange(1.0, 11), 30, 100]
    assert im.check_skew_kurt(x) is False
    assert im.check_skew_kurt(np.arange(1.0, 11)) is True
    assert im.check_skew_kurt([1.0, 1.0, 1.0, 1.0]) is None


def test_winsorise_coinr_example_by_hand():
    # COINr's own example: winsorise(c(1:10, 30, 100)).  The check fails (skew 3.0, kurtosis
    # 9.7); skew >= 0 so the maximum 100 takes the next-highest value 30, and then
    # |skew| = 1.71 < 2 passes: one point winsorised.
    x = np.r_[np.arange(1.0, 11), 30, 100]
    assert im.check_skew_kurt(x) is False
    v, n, labels = im.winsorise(x)
    expected = np.r_[np.arange(1.0, 11), 30, 30]
    assert stats.skew(expected, bias=False) < 2
    np.testing.assert_allclose(v, expected, atol=TOL)
    assert n == 1
    assert labels == ("",) * 11 + ("winhi",)


def test_winsorise_ties_accumulate_count():
    # Two steps: after the first, the winsorised point ties with the new maximum, so the
    # second step moves both and COINr's count (positions of the last step) is 2.
    x = np.r_[np.zeros(30), np.arange(1.0, 6), 100, 1000]
    v, n, labels = im.winsorise(x, skew_thresh=2, kurt_thresh=3.5)
    step1 = x.copy()
    step1[-1] = 100
    assert im.check_skew_kurt(step1) is False
    step2 = step1.copy()
    step2[-2:] = 5
    assert im.check_skew_kurt(step2) is True
    assert n == 2
    np.testing.assert_allclose(v, step2, atol=TOL)
    assert labels[-2:] == ("winhi", "winhi") and labels[-3] == ""


def test_winsorise_low_end_and_winmax():
    x = -np.r_[np.arange(1.0, 11), 30, 100]
    v, n, labels = im.winsorise(x)
    np.testing.assert_allclose(v, -np.r_[np.arange(1.0, 11), 30, 30], atol=TOL)
    assert n == 1 and labels[-1] == "winlo"
    y = np.r_[np.zeros(30), np.arange(1.0, 6), 100, 1000]
    v1, n1, _ = im.winsorise(y, winmax=1)
    assert n1 == 1 and v1[-1] == 100 and v1[-2] == 100


def test_winsorise_equals_mstats_when_one_sided():
    # Winsorising the top k points one at a time = scipy's winsorize with limits (0, k/n).
    rng = np.random.default_rng(3)
    x = np.r_[rng.normal(size=40), 50, 80, 200]
    v, n, _ = im.winsorise(x, winmax=None)
    assert n >= 2
    ref = np.asarray(stats.mstats.winsorize(x, limits=(0, n / x.size)))
    np.testing.assert_allclose(v, ref, atol=TOL)


def test_log_ct_by_hand():
    x = np.array([1.0, 2.0, 11.0, np.nan])
    a = 0.01 * 10
    np.testing.assert_allclose(im.log_ct(x)[:3], np.log([a, 1 + a, 10 + a]), atol=TOL)
    assert np.isnan(im.log_ct(x)[3])


def test_treat_winsorise_then_log_fallback():
    x = np.r_[np.arange(1.0, 11), 30, 100]
    t = im.treat(x)
    assert t.method == "winsorise" and t.n_winsorised == 1 and t.passes is True
    assert t.skew_before == pytest.approx(stats.skew(x, bias=False), abs=TOL)
    # heavy tail with winmax=1: winsorising one point is not enough, so log_CT of the ORIGINAL
    y = np.r_[np.ones(20), 2, 3, 1000, 5000, 10000]
    t2 = im.treat(y, winmax=1)
    assert t2.method == "log_ct" and t2.n_winsorised == 1
    np.testing.assert_allclose(t2.values, im.log_ct(y), atol=TOL)
    assert t2.points[-1] == "winhi+log_CT" and t2.points[0] == "log_CT"
    t3 = im.treat(y, winmax=1, log=False)
    assert t3.method == "winsorise" and t3.passes is False
    assert im.treat(np.arange(10.0)).method == "none"


def test_minmax_zscore_dist2max_by_hand():
    x = np.array([2.0, 4.0, 6.0, 10.0, np.nan])
    np.testing.assert_allclose(im.n_minmax(x)[:4], [0, 25, 50, 100], atol=TOL)
    np.testing.assert_allclose(im.n_minmax(x, (1, 2))[:4], [1, 1.25, 1.5, 2], atol=TOL)
    assert np.isnan(im.n_minmax(x)[4])
    m, sd = 5.5, np.std([2, 4, 6, 10], ddof=1)
    np.testing.assert_allclose(im.n_zscore(x)[:4], (x[:4] - m) / sd, atol=TOL)
    np.testing.assert_allclose(im.n_zscore(x, (100, 10))[:4], (x[:4] - m) / sd * 10 + 100, atol=TOL)
    np.testing.assert_allclose(im.n_dist2max(x)[:4], [0, 0.25, 0.5, 1], atol=TOL)
    assert np.isnan(im.n_minmax([3.0, 3.0])).all()


def test_ranks_by_hand_and_scipy():
    x = np.array([3.0, 1.0, 3.0, np.nan, 7.0])
    np.testing.assert_array_equal(im.n_rank(x)[[0, 1, 2, 4]], [2, 1, 2, 4])
    assert np.isnan(im.n_rank(x)[3])
    np.testing.assert_array_equal(im.n_borda(x)[[0, 1, 2, 4]], [1, 0, 1, 3])
    np.testing.assert_allclose(im.n_prank(x)[[0, 1, 2, 4]], [1 / 3, 0, 1 / 3, 1], atol=TOL)
    y = np.random.default_rng(0).integers(0, 5, 30).astype(float)
    np.testing.assert_array_equal(im.n_rank(y), stats.rankdata(y, method="min"))


def test_dist2targ_and_goalposts_by_hand():
    x = np.array([0.0, 5.0, 10.0, 20.0])
    np.testing.assert_allclose(im.n_dist2targ(x, 10), [0, 0.5, 1, 2], atol=TOL)
    np.testing.assert_allclose(im.n_dist2targ(x, 10, cap_max=True), [0, 0.5, 1, 1], atol=TOL)
    np.testing.assert_allclose(im.n_dist2targ(x, 10, direction=-1), [2, 1.5, 1, 0], atol=TOL)
    g = im.n_goalposts(x, (5, 15, 100))
    np.testing.assert_allclose(g, [0, 0, 50, 100], atol=TOL)
    g2 = im.n_goalposts(x, (5, 15, 1), direction=-1, trunc2posts=False)
    np.testing.assert_allclose(g2, [1.5, 1, 0.5, -0.5], atol=TOL)
    # COINr's iMeta route for dist2targ, direction -1: negate x and target, direction 1
    neg = im.n_dist2targ(-x, -10)
    np.testing.assert_allclose(im.normalise(x, "dist2targ", -1, targ=10), neg, atol=TOL)


def test_normalise_direction_and_columns():
    x = np.array([[1.0, 10.0], [2.0, 30.0], [4.0, 20.0]])
    out = im.normalise(x, "minmax", direction=-1)
    np.testing.assert_allclose(out, [[100, 100], [200 / 3, 0], [0, 50]], atol=TOL)
    with pytest.raises(UsageError):
        im.normalise(x, "nope")
    with pytest.raises(UsageError):
        im.normalise(x, "minmax", direction=2)


def test_aggregators_against_scipy_with_missing():
    x = np.array([[1.0, 2.0, 4.0], [3.0, np.nan, 9.0], [np.nan, np.nan, np.nan]])
    w = np.array([0.5, 0.25, 0.25])
    am = im.a_amean(x, w)
    assert am[0] == pytest.approx(0.5 + 0.5 + 1.0, abs=TOL)
    assert am[1] == pytest.approx((0.5 * 3 + 0.25 * 9) / 0.75, abs=TOL)
    assert np.isnan(am[2])
    gm = im.a_gmean(x, w)
    assert gm[0] == pytest.approx(stats.gmean([1, 2, 4], weights=w), abs=TOL)
    assert gm[1] == pytest.approx(stats.gmean([3, 9], weights=[0.5, 0.25]), abs=TOL)
    hm = im.a_hmean(x, w)
    assert hm[0] == pytest.approx(stats.hmean([1, 2, 4], weights=w), abs=TOL)
    assert hm[1] == pytest.approx(stats.hmean([3, 9], weights=[0.5, 0.25]), abs=TOL)
    md = im.a_median(x, w)
    assert md[0] == 2 and md[1] == 6 and np.isnan(md[2])


def test_aggregation_refusals():
    with pytest.raises(DataError):
        im.a_gmean([[1.0, 0.0]])
    with pytest.raises(DataError):
        im.a_gmean([[1.0, -2.0]])
    with pytest.raises(DataError):
        im.a_hmean([[1.0, 0.0]])
    assert im.a_hmean([[1.0, -2.0]])[0] == pytest.approx(2 / (1 - 0.5), abs=TOL)
    with pytest.raises(UsageError):
        im.a_amean([[1.0, 2.0]], [1.0])
    with pytest.raises(UsageError):
        im.aggregate([[1.0]], method="mode")


def test_data_availability_threshold():
    x = np.array([[1.0, 2.0, 3.0, 4.0], [1.0, np.nan, 3.0, np.nan], [np.nan, np.nan, np.nan, 0.0]])
    np.testing.assert_allclose(im.data_availability(x), [1, 0.5, 0.25])
    vals, scored = im.aggregate(x, method="amean", dat_thresh=0.5)
    np.testing.assert_array_equal(scored, [True, True, False])
    np.testing.assert_allclose(vals[:2], [2.5, 2.0], atol=TOL)
    assert np.isnan(vals[2])
    # a row below the threshold is never aggregated, so its zero cannot trip the gmean refusal
    vals, scored = im.aggregate(x, method="gmean", dat_thresh=0.5)
    assert scored.tolist() == [True, True, False]
    with pytest.raises(UsageError):
        im.aggregate(x, dat_thresh=1.5)


@given(vec, st.floats(-100, 100), st.floats(0.1, 100))
def test_minmax_in_range(x, lo, span):
    y = im.n_minmax(x, (lo, lo + span))
    assert np.all(y >= lo - 1e-9 * span) and np.all(y <= lo + span + 1e-9 * span)


@given(vec, st.sampled_from(["minmax", "zscore", "rank", "prank", "borda", "dist2max"]))
def test_monotone_and_direction_reverses(x, method):
    up = im.normalise(x, method, 1)
    down = im.normalise(x, method, -1)
    i, j = np.argmin(x), np.argmax(x)
    assert up[i] < up[j] and down[i] > down[j]
    order = np.argsort(x, kind="stable")
    assert np.all(np.diff(up[order]) >= -1e-9 * (1 + np.abs(up).max()))
    assert np.all(np.diff(down[order]) <= 1e-9 * (1 + np.abs(down).max()))


@given(
    arrays(float, (4, 3), elements=st.floats(0.01, 1e3)),
    arrays(float, 3, elements=st.floats(0.01, 10)),
)
def test_mean_inequality(x, w):
    # harmonic <= geometric <= arithmetic, all within [min, max] of each row
    h, g, a = im.a_hmean(x, w), im.a_gmean(x, w), im.a_amean(x, w)
    rel = 1e-9 * x.max()
    assert np.all(h <= g + rel) and np.all(g <= a + rel)
    assert np.all(x.min(axis=1) - rel <= h) and np.all(a <= x.max(axis=1) + rel)


@given(
    arrays(
        float,
        st.tuples(st.integers(1, 6), st.integers(1, 6)),
        elements=st.sampled_from([np.nan, -1.0, 0.0, 0.5, 2.0, 2.0, 7.0]),
    ),
    st.sampled_from([0, 1]),
)
def test_rank_min_is_scipys_min_rank_with_ties_and_missing_values(a, axis):
    expected = stats.rankdata(a, method="min", axis=axis, nan_policy="omit")
    np.testing.assert_array_equal(im.rank_min(a, axis=axis), expected)


def test_categorical_scale_by_hand():
    from cfeval.scoring.index_methods import categorical_cuts, n_categorical, normalise

    x = [1.0, 2.0, 3.5, float("nan"), 4.0, 9.0]
    # cuts 2 and 4: below 2 -> first category, 2 <= v < 4 -> second, 4 and above -> third
    got = n_categorical(x, [2, 4], [10, 50, 90])
    np.testing.assert_array_equal(got, [10, 50, 50, np.nan, 90, 90])
    np.testing.assert_array_equal(n_categorical(x, [2, 4]), [0, 50, 50, np.nan, 100, 100])
    flipped = normalise(x, "categorical", -1, cuts=[2, 4], scores=[10, 50, 90])
    np.testing.assert_array_equal(flipped, [90, 50, 50, np.nan, 10, 10])
    # percentile cuts equal R's quantile(type = 7) (numpy's default, checked with scipy)
    from scipy.stats.mstats import mquantiles

    vals = [1.0, 2.0, 3.5, 4.0, 9.0]
    np.testing.assert_allclose(
        categorical_cuts(vals + [float("nan")], [25, 50, 75]),
        mquantiles(vals, [0.25, 0.5, 0.75], alphap=1, betap=1),
        rtol=0,
        atol=1e-12,
    )
    with pytest.raises(UsageError):
        n_categorical(x, [4, 2])
    with pytest.raises(UsageError):
        n_categorical(x, [2, 4], [1, 2])
