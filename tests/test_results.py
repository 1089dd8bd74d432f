"""ScoreResult: tidy frames, JSON, and the csv/xlsx/json/parquet writers."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pandas as pd
import pytest

from cfeval.errors import UsageError
from cfeval.framework.loader import load_framework
from cfeval.scoring.engine import score
from cfeval.scoring.result import SCORE_COLUMNS

ORACLE = Path(__file__).parent / "fixtures" / "oracle"
NaN = float("nan")


@pytest.fixture(scope="module")
def result():
    fw = load_framework(ORACLE / "points.yaml")
    survey = pd.DataFrame(
        [
            ("X", "child", 1.0, 5, 1, 3, 4, 5),
            ("X", "child", 2.0, 4, 2, NaN, 3, 3),
            ("X", "child", 1.0, 1, 5, 1, 5, 5),
            ("X", "parent", 1.0, 3, 3, 3, NaN, NaN),
            ("X", "parent", 3.0, 5, 1, 5, NaN, NaN),
            ("Y", "child", 1.0, 2, 2, 2, 2, 2),
        ],
        columns=["community_id", "respondent", "weight", "v1", "v2", "v3", "s1", "s2"],
    )
    audit = pd.DataFrame(
        {
            "community_id": ["X", "Y"],
            "name": ["西村", "东村"],
            "has_council": [1.0, 0.0],
            "area": [50.0, NaN],
            "partners": [2.0, 0.0],
            "incident": [0.0, 1.0],
        }
    )
    return score(fw, survey=survey, audit=audit)


def test_to_frame_has_the_contract_columns_and_one_row_per_node(result):
    df = result.to_frame()
    assert list(df.columns) == SCORE_COLUMNS
    # 2 communities × (total + 2 dimensions + 4 indicators)
    assert len(df) == 14
    assert df.groupby("community_id")["path"].apply(list)["X"] == [
        "total", "dim_a", "dim_a.voice", "dim_a.council", "dim_b", "dim_b.safe", "dim_b.space",
    ]  # fmt: skip
    assert df.loc[df["kind"] != "total", "grade"].isna().all()
    assert df["level"].tolist()[:7] == [0, 1, 2, 2, 1, 2, 2]
    df.loc[0, "score"] = -1.0  # a copy: the result itself is untouched
    assert result.scores.loc[0, "score"] != -1.0


def test_community_helper(result):
    rows = result.community("Y")
    assert set(rows["community_id"]) == {"Y"} and len(rows) == 7
    with pytest.raises(UsageError, match="known: X, Y"):
        result.community("Z")
    with pytest.raises(UsageError, match="wave '3'"):
        result.community("X", wave="3")


def test_csv_round_trips_the_tidy_scores(result, tmp_path):
    path = result.write(tmp_path / "scores.csv")
    back = pd.read_csv(path, dtype={"community_id": str, "wave": str})
    want = result.to_frame()
    assert list(back.columns) == SCORE_COLUMNS
    pd.testing.assert_series_equal(back["score"], want["score"], check_exact=False, rtol=1e-9)
    assert back["status"].tolist() == want["status"].tolist()


def test_parquet_round_trips_exactly(result, tmp_path):
    back = pd.read_parquet(result.write(tmp_path / "scores.parquet"))
    pd.testing.assert_frame_equal(back, result.to_frame())


def test_json_holds_every_frame_and_provenance(result, tmp_path):
    doc = json.loads(result.write(tmp_path / "scores.json").read_text(encoding="utf-8"))
    assert set(doc) == {"provenance", "communities", "scores", "by_group", "notes", "data_issues"}
    assert len(doc["scores"]) == 14
    x_total = next(r for r in doc["scores"] if r["community_id"] == "X" and r["kind"] == "total")
    assert x_total["grade"] in {"good", "ok", "low"}
    # NaN becomes null, never the invalid JSON token NaN
    assert "NaN" not in (tmp_path / "scores.json").read_text(encoding="utf-8")
    y_space = next(r for r in doc["scores"] if r["community_id"] == "Y" and r["node_id"] == "space")
    assert y_space["score"] is None and y_space["status"] == "missing"
    prov = doc["provenance"]
    assert prov["framework"]["id"] == "oracle-points"
    assert len(prov["framework"]["sha256"]) == 64
    assert [d["name"] for d in prov["data"]] == ["survey (frame)", "audit (frame)"]
    assert prov["settings"]["missing"] == "renormalize"
    # the names of the communities survive as UTF-8, not escapes
    assert "西村" in (tmp_path / "scores.json").read_text(encoding="utf-8")


def test_xlsx_is_readable_by_people(result, tmp_path):
    from openpyxl import load_workbook

    wb = load_workbook(result.write(tmp_path / "scores.xlsx"))
    assert wb.sheetnames == [
        "总分 Total", "维度 Dimensions", "指标 Indicators", "分组 By group", "说明 Notes",
        "数据问题 Data issues", "来源 Provenance",
    ]  # fmt: skip
    ws = wb["指标 Indicators"]
    header = [c.value for c in ws[1]]
    assert header[:5] == [
        "社区编号 community_id",
        "轮次 wave",
        "路径 path",
        "编号 id",
        "名称 label (zh)",
    ]
    assert "Name (en)" in header
    assert ws.freeze_panes == "A2"
    assert ws.auto_filter.ref.startswith("A1:")
    score_col = header.index("得分率 score") + 1
    assert ws.cell(row=2, column=score_col).number_format == "0.0"
    assert ws.cell(row=2, column=header.index("名称 label (zh)") + 1).value == "声音"
    assert ws.column_dimensions["A"].width >= 8
    total = wb["总分 Total"]
    grades = [c.value for c in total[1]]
    assert "等级 (zh)" in grades and "Grade (en)" in grades
    # the Y community is vetoed and shows the lowest grade's labels
    y = [c.value for c in total[3]]
    assert y[grades.index("等级 (zh)")] == "待合格"
    prov = {r[0].value: r[1].value for r in wb["来源 Provenance"].iter_rows(min_row=2)}
    assert prov["framework.id"] == "oracle-points"


def test_write_is_atomic_and_refuses_unknown_suffixes(result, tmp_path):
    target = tmp_path / "scores.csv"
    target.write_text("old", encoding="utf-8")
    with pytest.raises(UsageError, match=r"\.csv, \.xlsx, \.json or \.parquet"):
        result.write(tmp_path / "scores.txt")
    with pytest.raises(UsageError, match="does not exist"):
        result.write(tmp_path / "no" / "scores.csv")

    def boom(fh):
        fh.write(b"partial")
        raise RuntimeError("disk full")

    object.__setattr__(result, "_write_csv", boom)
    try:
        with pytest.raises(RuntimeError):
            result.write(target)
    finally:
        del result._write_csv
    assert target.read_text(encoding="utf-8") == "old"  # the old file is untouched
    assert [p.name for p in tmp_path.iterdir()] == ["scores.csv"]  # no temp file left
    result.write(target)
    assert target.read_text(encoding="utf-8").startswith("community_id,wave,path")


def test_notes_and_communities(result):
    com = result.communities.set_index("community_id")
    assert com.loc["X", "name"] == "西村"
    assert list(result.communities.columns[:5]) == [
        "community_id",
        "wave",
        "name",
        "city",
        "district",
    ]
    assert {"grade_before_veto", "bonus_points", "vetoed", "n_child", "n_parent"} <= set(
        com.columns
    )
    assert com.loc["Y", "vetoed"] and com.loc["Y", "grade"] == "low"
    notes = result.notes
    assert list(notes.columns) == ["community_id", "wave", "kind", "id", "points", "message"]
    assert notes[["community_id", "kind", "id"]].values.tolist() == [
        ["X", "bonus", "linkage"],
        ["Y", "insufficient", "safe"],
        ["Y", "insufficient", "voice"],
        ["Y", "missing", "space"],
        ["Y", "veto", "accident"],
    ]
    assert math.isnan(notes.loc[notes["kind"] == "veto", "points"].iloc[0])


def test_provenance_uses_dataset_files(tmp_path):
    from cfeval.data.load import load_data

    fw = load_framework(ORACLE / "points.yaml")
    survey = tmp_path / "survey.csv"
    survey.write_text(
        "community_id,respondent,v1,v2,v3,s1,s2\nX,child,5,1,3,4,5\nX,child,4,2,,3,3\n",
        encoding="utf-8",
    )
    r = score(fw, survey=survey)
    ds = load_data(fw, survey=survey)
    assert [d["path"] for d in r.provenance["data"]] == ["survey.csv"]  # no folder
    assert r.provenance["data"][0]["sha256"] == ds.files[0].sha256
    assert r.report.summary() == ds.report.summary()
