"""Breakdowns: hand-computed cells, margins equal to the engine, small-cell and
complementary suppression (including a hidden cell that would otherwise be derivable)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy import stats

from cfeval.errors import UsageError
from cfeval.framework.loader import load_framework
from cfeval.results.breakdowns import breakdown, suppress
from cfeval.scoring.engine import score

ORACLE = Path(__file__).parent / "fixtures" / "oracle" / "points.yaml"  # child min_n 3


@pytest.fixture(scope="module")
def fw():
    return load_framework(ORACLE)


def _survey(groups: dict[str, list[tuple[int, int, int]]], weights=None) -> pd.DataFrame:
    """Children of C1 answering v1..v3; ``groups`` maps a school to its children's answers."""
    rows = []
    for school, people in groups.items():
        for a, b, c in people:
            rows.append({"community_id": "C1", "wave": "1", "respondent": "child",
                         "school": school, "v1": a, "v2": b, "v3": c})  # fmt: skip
    df = pd.DataFrame(rows).astype({"v1": float, "v2": float, "v3": float})
    df["weight"] = 1.0 if weights is None else weights
    return df


def _voice(people) -> np.ndarray:
    x = np.array(people, dtype=float)
    x[:, 1] = 6 - x[:, 1]  # v2 is reverse-worded
    return 100 * (x.mean(axis=1) - 1) / 4


A = [(5, 1, 5), (4, 2, 5)]  # two children: below min_n 3
B = [(3, 3, 3), (4, 2, 3), (2, 4, 2), (3, 3, 4), (4, 3, 4)]
C = [(2, 3, 3), (3, 4, 2), (4, 2, 3), (3, 3, 3)]


def _cell(table, school):
    sel = table["indicator"].eq("voice") & ~table["is_total"]
    return table[sel].set_index("category").loc[school]


def test_cell_mean_and_interval_by_hand(fw):
    survey = _survey({"B": B, "C": C, "D": B})
    table = breakdown(fw, survey, "school").table
    row = _cell(table, "C")
    y = _voice(C)
    lo, hi = stats.t.interval(0.95, len(y) - 1, loc=y.mean(), scale=stats.sem(y))
    assert row["score"] == pytest.approx(y.mean())
    assert (row["ci_low"], row["ci_high"]) == pytest.approx((lo, hi))
    assert row["df"] == pytest.approx(3) and row["n"] == 4 and not row["suppressed"]


def test_weighted_cell_uses_hc2_variance(fw):
    w = np.array([1.0, 2.0, 0.5, 1.5, 1.0])
    table = breakdown(fw, _survey({"B": B}, weights=w), "school").table
    row = _cell(table, "B")
    y = _voice(B)
    h = w / w.sum()
    mean = (h * y).sum()
    se = np.sqrt((h**2 * (y - mean) ** 2 / (1 - h)).sum())
    assert row["score"] == pytest.approx(mean)
    assert row["n_eff"] == pytest.approx(w.sum() ** 2 / (w**2).sum())
    half = stats.t.ppf(0.975, row["df"]) * se
    assert row["ci_high"] - row["score"] == pytest.approx(half)
    assert 2 < row["df"] < 4  # unequal weights: fewer than n − 1 = 4


def test_margin_equals_the_engines_group_score(fw):
    rng = np.random.default_rng(1)
    people = [tuple(int(v) for v in rng.integers(1, 6, 3)) for _ in range(30)]
    survey = _survey({"B": people[:12], "C": people[12:]}, weights=rng.uniform(0.5, 2, 30))
    survey.loc[3, "v1"] = np.nan
    table = breakdown(fw, survey, "school").table
    total = table[table["is_total"] & (table["indicator"] == "voice")].iloc[0]
    audit = pd.DataFrame({"community_id": ["C1"], "has_council": [1.0], "area": [1.0]})
    bg = score(fw, survey=survey, audit=audit).by_group
    ref = bg[(bg["node_id"] == "voice") & (bg["respondent"] == "child")].iloc[0]
    for col in ("score", "ci_low", "ci_high", "df", "n", "n_eff"):
        assert total[col] == pytest.approx(ref[col], rel=1e-12), col


def test_lone_small_cell_would_be_derivable_so_a_second_one_is_hidden(fw):
    survey = _survey({"A": A, "B": B, "C": C})
    table = breakdown(fw, survey, "school").table
    voice = table[table["indicator"] == "voice"]
    total = voice[voice["is_total"]].iloc[0]
    # The threat: from the margin and the other cells, A's mean follows exactly.
    yb, yc = _voice(B), _voice(C)
    derived = (total["score"] * total["n"] - yb.sum() - yc.sum()) / (total["n"] - 5 - 4)
    assert derived == pytest.approx(_voice(A).mean())
    # So A (small) and C (the smallest shown) are hidden, B and the margin stay.
    assert _cell(voice, "A")["suppression"] == "small_cell"
    assert _cell(voice, "C")["suppression"] == "complementary"
    assert not _cell(voice, "B")["suppressed"] and not total["suppressed"]
    for school in ("A", "C"):
        assert _cell(voice, school)[["n", "score", "ci_low", "ci_high"]].isna().all()


def test_two_small_cells_need_no_complement_and_a_small_margin_is_hidden(fw):
    table = breakdown(fw, _survey({"A": A, "E": A, "B": B}), "school").table
    voice = table[table["indicator"] == "voice"]
    assert list(voice.loc[~voice["is_total"], "suppression"]) == ["small_cell", "", "small_cell"]
    tiny = breakdown(fw, _survey({"A": A}), "school").table
    assert tiny["suppressed"].all()


def test_missing_values_are_a_category_of_their_own(fw):
    survey = _survey({"B": B, "C": C, "D": A})
    survey.loc[survey["school"] == "D", "school"] = None
    voice = breakdown(fw, survey, "school").table.query("indicator == 'voice'")
    cats = voice[~voice["is_total"]]
    assert cats["category"].isna().sum() == 1
    assert set(cats["suppression"]) == {"", "small_cell", "complementary"}


def test_bins_make_bands(fw):
    survey = _survey({"B": B + C + A})
    survey["age"] = [6, 7, 9, 10, 12, 12, 13, 17, 18, 5, 11]
    voice = breakdown(fw, survey, "age", bins=[6, 10, 13, 18]).table.query(
        "indicator == 'voice' and not is_total"
    )
    assert list(voice["category"].fillna("-")) == ["[10, 13)", "[13, 18)", "[6, 10)", "-"]
    with pytest.raises(UsageError, match="two different edges"):
        breakdown(fw, survey, "age", bins=[6])


def test_bad_columns_are_refused(fw):
    survey = _survey({"B": B})
    with pytest.raises(UsageError, match="cannot break down by 'respondent_id'"):
        breakdown(fw, survey.assign(respondent_id="x"), "respondent_id")
    with pytest.raises(UsageError, match="cannot break down by 'nope'.*school"):
        breakdown(fw, survey, "nope")
    with pytest.raises(UsageError, match="not survey indicators"):
        breakdown(fw, survey, "school", indicators=["council"])


@given(
    sizes=st.lists(st.lists(st.integers(1, 12), min_size=1, max_size=6), min_size=1, max_size=5),
    min_n=st.integers(1, 8),
)
def test_suppression_never_leaves_one_hidden_cell_beside_a_shown_margin(sizes, min_n):
    rows = []
    for r, cells in enumerate(sizes):
        for c, n in enumerate(cells):
            rows.append(("C", "1", f"i{r}", "child", False, n, min_n, f"c{c}"))
        rows.append(("C", "1", f"i{r}", "child", True, sum(cells), min_n, None))
    cols = ["community_id", "wave", "indicator", "respondent", "is_total", "n", "min_n", "cat"]
    t = pd.DataFrame(rows, columns=cols)
    t["score"] = 50.0
    out = suppress(t)
    for _, row in out.groupby("indicator"):
        cats, total = row[~row["is_total"]], row[row["is_total"]].iloc[0]
        hidden = cats["suppressed"]
        assert (cats.loc[cats["n"].isna() | hidden, "score"].isna()).all()
        small = t.loc[cats.index, "n"] < min_n
        assert hidden[small].all()  # every small cell is hidden
        assert (cats.loc[hidden & ~small, "suppression"] == "complementary").all()
        if not total["suppressed"]:
            assert hidden.sum() != 1
