"""Student-t quantiles of the scoring pass (cfeval.scoring.variance) against scipy directly.

``CellQuantiles`` reuses the quantile of a df it has seen at the same cell (or at one of
the unit's cells); whatever the order of the calls, every number must be exactly
scipy's ``stdtrit`` of that df, and NaN where there is no df.
"""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.special import stdtrit

from cfeval.scoring.variance import CellQuantiles, t_quantile

P = 0.975


def direct(df) -> np.ndarray:
    """scipy's quantile where df is finite and positive, NaN elsewhere (no caching)."""
    df = np.asarray(df, dtype=np.float64)
    out = np.full(df.shape, np.nan)
    for i, d in np.ndenumerate(df):
        if np.isfinite(d) and d > 0:
            out[i] = stdtrit(d, P)
    return out


def test_t_quantile_by_hand():
    # Printed t tables: t_.975(1) = 12.706, t_.975(2) = 4.303; no quantile without a df.
    got = t_quantile(P, np.array([1.0, 2.0, np.nan, 0.0, -1.0, np.inf, 1.0]))
    np.testing.assert_allclose(got[[0, 1, 6]], [12.706, 4.303, 12.706], atol=5e-4)
    assert np.isnan(got[2:6]).all()


def test_cell_quantiles_reuse_by_hand():
    tq = CellQuantiles(P, units=2, groups=2)
    first = np.array([[1.0, 2.0], [np.nan, 3.0]])
    np.testing.assert_array_equal(tq.cells(first), direct(first))
    # The same df at the same cell comes from the table; a new one is computed.
    again = np.array([[1.0, 5.0], [4.0, 3.0]])
    np.testing.assert_array_equal(tq.cells(again), direct(again))
    # A unit's df equal to one of its cells' (a one-group indicator) or a new one.
    units = np.array([2.0, 7.5])
    np.testing.assert_array_equal(tq.units(units), direct(units))
    assert tq.df[1, 0] == 4.0  # a cell without a df takes the first one it is given


dfs = st.lists(
    st.sampled_from([np.nan, 0.0, -2.0, np.inf, 1.0, 1.6, 2.0, 7.25, 30.0, 1e6]),
    min_size=6,
    max_size=6,
)


@settings(max_examples=60, deadline=None)
@given(calls=st.lists(st.tuples(st.booleans(), dfs), min_size=1, max_size=6))
def test_cell_quantiles_equal_scipy_whatever_the_order(calls):
    # Few distinct values, so cells and units keep meeting dfs seen before.
    tq = CellQuantiles(P, units=3, groups=2)
    for per_cell, values in calls:
        df = np.array(values)
        if per_cell:
            got = tq.cells(df.reshape(3, 2))
            np.testing.assert_array_equal(got, direct(df.reshape(3, 2)))
        else:
            np.testing.assert_array_equal(tq.units(df[:3]), direct(df[:3]))


finite_or_not = st.floats(allow_nan=True, allow_infinity=True, width=64)


@settings(max_examples=80, deadline=None)
@given(
    values=st.lists(finite_or_not, min_size=0, max_size=60),
    groups=st.integers(1, 9),
    fortran=st.booleans(),
)
def test_row_sums_are_numpys_sums_bit_for_bit(values, groups, fortran):
    from cfeval.scoring.variance import row_sums

    rows = len(values) // groups
    a = np.array(values[: rows * groups], dtype=np.float64).reshape(rows, groups)
    a = np.asfortranarray(a) if fortran else a
    with np.errstate(invalid="ignore", over="ignore"):
        np.testing.assert_array_equal(row_sums(a), a.sum(axis=1))  # NaN == NaN here
        assert np.signbit(row_sums(a)).tolist() == np.signbit(a.sum(axis=1)).tolist()
    mask = a > 0
    assert row_sums(mask).tolist() == mask.sum(axis=1).tolist()
