"""Insights (peers, rank, strengths, priorities, group gaps) against hand-computed values.

The result is the oracle points framework scored on the small survey of test_engine.py,
whose every score is worked out there by hand:

    community X: voice 65.625 (26.25/40), council 100 (20/20), safe 50 (10/20),
                 space 50 (10/20), dim_a 46.25/60, dim_b 20/40, bonus 2, total 68.25
    community Y: voice 75 (30/40), council missing, safe 50 (insufficient),
                 space 100 (20/20), dim_a 45/60 (renormalized), dim_b 30/40, bonus 3,
                 total 78 (vetoed: grade "low")
"""

from __future__ import annotations

import math

import pandas as pd
import pytest
from test_engine import points_data, points_fw

import cfeval
from cfeval.errors import UsageError
from cfeval.results import insights
from cfeval.scoring.engine import score


@pytest.fixture(scope="module")
def result():
    survey, audit = points_data()
    return score(points_fw(), survey=survey, audit=audit)


def test_rank_counts_peers_above_and_all_peers(result):
    got = insights.rank(result)
    assert got[["community_id", "wave", "rank", "n_peers"]].values.tolist() == [
        ["X", "1", 2, 2],
        ["Y", "1", 1, 2],
    ]
    assert got["score"].tolist() == pytest.approx([68.25, 78.0])
    assert insights.rank(result, "X")[["rank", "n_peers"]].values.tolist() == [[2, 2]]


def test_rank_ties_share_the_better_place_and_unscored_communities_have_none(result):
    comm = result.communities.copy()
    comm = pd.concat([comm, comm.assign(community_id=["Z", "W"], score=[78.0, math.nan])])
    tied = type(result)(**{**vars(result), "communities": comm.reset_index(drop=True)})
    got = insights.rank(tied).set_index("community_id")
    # Y and Z share 1st; X has two above it: 3rd; W has no score and no rank; 4 peers.
    assert got.loc[["X", "Y", "Z"], "rank"].tolist() == [3, 1, 1]
    assert pd.isna(got.loc["W", "rank"])
    assert set(got["n_peers"]) == {4}


def test_peers_are_the_communities_of_the_same_wave_best_first(result):
    got = insights.peers(result, "X")
    assert got[["community_id", "grade", "is_self"]].values.tolist() == [
        ["Y", "low", False],
        ["X", "ok", True],
    ]
    assert got["score"].tolist() == pytest.approx([78.0, 68.25])


def test_peer_medians_per_node(result):
    got = insights.peer_medians(result, "X").set_index("node_id")
    assert list(got.index) == ["total", "dim_a", "voice", "council", "dim_b", "safe", "space"]
    # medians of two peers are the midpoints; council: Y has no value, only X counts
    expect = {
        "total": (68.25, (68.25 + 78) / 2, 2),
        "dim_a": (46.25 / 60 * 100, (46.25 / 60 * 100 + 75) / 2, 2),
        "voice": (65.625, (65.625 + 75) / 2, 2),
        "council": (100.0, 100.0, 1),
        "dim_b": (50.0, (50 + 75) / 2, 2),
        "safe": (50.0, 50.0, 2),
        "space": (50.0, (50 + 100) / 2, 2),
    }
    for node, (mine, median, n) in expect.items():
        assert got.loc[node, "score"] == pytest.approx(mine, abs=1e-9), node
        assert got.loc[node, "peer_median"] == pytest.approx(median, abs=1e-9), node
        assert got.loc[node, "n_peers"] == n, node


def test_strengths_are_achieved_indicators_best_first(result):
    got = insights.strengths(result, "X", lang="en")
    # council 100 > safe 50 = space 50 (framework order); voice (65.625) rests on two
    # parents and is flagged insufficient, so it is no strength
    assert got["node_id"].tolist() == ["council", "safe", "space"]
    assert got["label"].tolist() == ["Council", "Feeling safe", "Space"]
    assert got["score"].tolist() == pytest.approx([100.0, 50.0, 50.0])
    # Y: council has no data, safe and voice are insufficient, so none is a strength
    y = insights.strengths(result, "Y", n=5)
    assert y["node_id"].tolist() == ["space"]


def test_priorities_have_the_points_to_gain_and_the_recommendation(result):
    got = insights.priorities(result, "X", lang="en")
    # X: voice (1 − 0.65625) × 40 = 13.75; safe and space 10 each (framework order);
    # council is full: nothing to gain, left out
    assert got["node_id"].tolist() == ["voice", "safe", "space"]
    assert got["potential_gain"].tolist() == pytest.approx([13.75, 10.0, 10.0])
    assert got["recommendation"].tolist() == ["Listen.", "Improve.", "Enlarge."]
    zh = insights.priorities(result, "Y", lang="zh")
    # Y: dim_a is voice alone (council missing, renormalized), worth 60 of 100, so voice
    # gains 0.6 × 100 × (1 − 0.75) = 15; safe 20 × (1 − 0.5) = 10; space is full
    assert zh["node_id"].tolist() == ["voice", "safe"]
    assert zh["potential_gain"].tolist() == pytest.approx([15.0, 10.0])
    assert zh["recommendation"].tolist() == ["听。", "改善。"]
    assert zh["status"].tolist() == ["insufficient", "insufficient"]


def test_shortfalls_compare_groups_that_reach_min_n(result):
    # Two parents are too few to compare (an interval on one df): X's gaps are all NaN.
    assert insights.shortfalls(result, "X")["gap"].isna().all()
    # With a third parent (weight 4, all answers 3 -> 1/2) the parents' voice is
    # (1 × 1/2 + 3 × 1 + 4 × 1/2) / 8 = 11/16.
    survey, audit = points_data()
    extra = {"community_id": "X", "respondent": "parent", "weight": 4.0, "v1": 3, "v2": 3}
    survey = pd.concat([survey, pd.DataFrame([{**extra, "v3": 3}])], ignore_index=True)
    result = score(points_fw(), survey=survey, audit=audit)
    got = insights.shortfalls(result, "X", lang="en")
    # voice: children 7/12 = 58.33 (n 3 ≥ 3), parents 11/16 = 68.75 (n 3 ≥ 2)
    assert got[["node_id", "respondent"]].values.tolist() == [
        ["voice", "child"],
        ["voice", "parent"],
        ["safe", "child"],
    ]
    assert got["gap"].iloc[0] == pytest.approx(100 * (7 / 12 - 11 / 16))
    assert got["gap"].iloc[1] == pytest.approx(100 * (11 / 16 - 7 / 12))
    assert got["others"].iloc[0] == pytest.approx(68.75)
    assert math.isnan(got["gap"].iloc[2])  # safe asks children only: nobody to compare
    assert got["group"].tolist() == ["Children", "Parents", "Children"]
    # Y: the two children (min_n 3) are too few to compare with anyone
    assert insights.shortfalls(result, "Y")["gap"].isna().all()


def test_waves_are_picked_like_reports_and_unknowns_refused(result):
    two = type(result)(
        **{
            **vars(result),
            "communities": pd.concat(
                [result.communities, result.communities.assign(wave="10")], ignore_index=True
            ),
            "scores": pd.concat([result.scores, result.scores.assign(wave="10")]),
        }
    )
    assert insights.pick_wave(two, "X") == "10"  # "10" is later than "1"
    assert insights.pick_wave(two, "X", "1") == "1"
    assert insights.rank(two, "X")["n_peers"].tolist() == [2]
    assert len(insights.rank(two)) == 4
    with pytest.raises(UsageError, match="no community 'Q'|no community Q"):
        insights.rank(result, "Q")
    with pytest.raises(UsageError, match="has no wave 3"):
        insights.strengths(result, "X", wave="3")


def test_insights_are_public_api(result):
    assert cfeval.priorities is insights.priorities
    assert cfeval.rank(result, "Y")["rank"].tolist() == [1]


def test_same_selections_as_the_report(result):
    """The report shows the same strengths, priorities and rank (reports must not change)."""
    import datetime as dt

    from cfeval.report.context import build_context

    for cid in ("X", "Y"):
        ctx = build_context(result, cid, lang="en", date=dt.date(2024, 6, 1))
        assert [s["label"] for s in ctx["strengths"]] == list(
            insights.strengths(result, cid, lang="en")["label"]
        )
        pri = insights.priorities(result, cid, lang="en")
        assert [p["label"] for p in ctx["priorities"]] == list(pri["label"])
        assert [p["recommendation"] for p in ctx["priorities"]] == list(pri["recommendation"])
        r = insights.rank(result, cid).iloc[0]
        # two communities are too few for a rank: the report says so instead of "1 of 2"
        assert r["n_peers"] == 2
        assert ctx["overall"]["rank"] == "— (fewer than 3 communities assessed together)"
