"""A small run of benchmarks/coverage_sim.py (the full run's table is in docs/methods.md).

600 simulated surveys per size instead of 10,000, so the bounds are loose (Monte-Carlo
error about ±1.8 points near 95%); they still fail the engine before share intervals,
whose 95% intervals covered a 95% share in 13% of surveys of 8 children and 5 parents.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
import coverage_sim  # noqa: E402


@pytest.mark.parametrize("sizes", [(8, 5), (40, 25)])
def test_intervals_cover_about_95_percent_of_surveys(sizes):
    out = coverage_sim.run(sizes, reps=300, pops=2, seed=7)
    cov = out["coverage"]
    assert out["surveys"] == 600
    for key, value in cov.items():
        assert 0.88 <= value <= 1.0, (sizes, key, value)
    for key in ("child voice mean", "voice", "dim_b", "total"):
        assert cov[key] <= 0.985, (sizes, key, cov[key])  # means and totals are not padded
    # HC2 is biased low with unequal weights, less so with more respondents
    ratio = out["variance_ratio"]
    assert 0.75 < ratio["HC2"] < 1.05 and ratio["n/(n-1)"] < ratio["HC2"]
