"""Communities given by name, matched to the audit's names (cfeval.data.names)."""

from __future__ import annotations

import pandas as pd
import pytest

from cfeval.data.load import load_data
from cfeval.data.names import CommunityNames, name_key, short_key
from cfeval.framework.loader import load_framework

FW = load_framework("chengdu-community")
NAMES = CommunityNames.from_pairs(
    [("A-1", "桂花巷社区"), ("A-2", "银杏湾社区"), ("A-3", "竹溪里社区"), ("A-4", "竹溪里小区"),
     ("B-1", "荷风苑社区"), ("B-2", "荷风苑社区居委会")]
)  # fmt: skip


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("桂花巷社区", ("A-1", "name")),
        (" 桂花巷　社区 ", ("A-1", "name")),  # spaces, full-width space
        ("桂花巷", ("A-1", "short-name")),
        ("桂花巷社区居委会", ("A-1", "short-name")),
        ("竹溪里小区", ("A-4", "name")),  # 小区 is kept: not the same as 竹溪里社区
        ("竹溪里", ("A-3", "short-name")),  # only 竹溪里社区 shortens to it: 小区 stays
        ("荷风苑", (None, "ambiguous")),  # two audit rows shorten to it
        ("荷风苑社区", ("B-1", "name")),  # the full name is still exact
        ("梧桐里社区", (None, "unknown")),
    ],
)
def test_resolve(text, expected):
    assert NAMES.resolve(text) == expected


def test_keys():
    assert name_key("ＡＢ 社区") == "ab社区"
    assert short_key("社区") == "社区"  # never down to nothing
    assert short_key("竹溪里小区") == "竹溪里小区"


def test_candidates_list_every_bearer_of_an_ambiguous_name_and_close_names():
    assert [c for c, _, _ in NAMES.candidates("荷风苑")][:2] == ["B-1", "B-2"]
    cid, name, score = NAMES.candidates("桂花港社区")[0]
    assert (cid, name) == ("A-1", "桂花巷社区") and 60 <= score < 100


def _audit():
    return pd.DataFrame(
        {
            "community_id": ["CD-1", "CD-2", "CD-3"],
            "name": ["桂花巷社区", "荷风苑社区", "荷风苑社区"],
        }
    )


def _survey(communities):
    n = len(communities)
    return pd.DataFrame({"社区": communities, "c_voice_listen": [3] * n})


def test_load_data_matches_names_and_reports_ambiguous_and_unknown_ones():
    survey = _survey(["桂花巷", "CD-2", "荷风苑", "梧桐里", "桂花巷社区"])
    ds = load_data(FW, survey=survey, audit=_audit(), mapping={"respondent": "child"})
    assert ds.survey["community_id"].tolist() == ["CD-1", "CD-2", "CD-1"]
    issues = {i.code: i for i in ds.report.issues if i.file.startswith("<survey")}
    assert issues["ambiguous-community"].row == 4
    assert "CD-2" in issues["ambiguous-community"].message
    assert "CD-3" in issues["ambiguous-community"].message
    assert issues["unknown-community"].row == 5
    assert "2 rows" in issues["community-by-name"].message
    assert dict(ds.report.excluded_rows) == {"ambiguous-community": 1, "unknown-community": 1}


def test_a_mapping_settles_a_name():
    survey = _survey(["荷风苑", "老荷风"])
    mapping = {"respondent": "child", "communities": {"荷风苑": "CD-3", "老荷风": "CD-2"}}
    ds = load_data(FW, survey=survey, audit=_audit(), mapping=mapping)
    assert ds.survey["community_id"].tolist() == ["CD-3", "CD-2"]
    assert {i.code for i in ds.report.issues} == {"missing-column"}  # the items not in it
