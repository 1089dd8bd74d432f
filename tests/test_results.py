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
    # frames are fingerprinted by the data stage, like files
    assert [(d["path"], d["kind"]) for d in prov["data"]] == [
        ("<survey frame 1>", "survey"),
        ("<audit frame 1>", "audit"),
    ]
    assert all(len(d["sha256"]) == 64 for d in prov["data"])
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
    # X's voice rests on two parents; Y's one child (below min_n, no other group) gives
    # voice and safe from a single answer: no interval, flagged with a note each
    assert notes[["community_id", "kind", "id"]].values.tolist() == [
        ["X", "bonus", "linkage"],
        ["X", "insufficient", "voice"],
        ["Y", "insufficient", "safe"],
        ["Y", "insufficient", "safe"],
        ["Y", "insufficient", "voice"],
        ["Y", "insufficient", "voice"],
        ["Y", "missing", "space"],
        ["Y", "veto", "accident"],
    ]
    assert "only 1 respondent; no interval" in notes["message"].iloc[3]
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


def test_xlsx_words_follow_lang_and_the_interval_level(result, tmp_path):
    from openpyxl import load_workbook

    fw90 = result.framework.model_copy(deep=True)
    fw90.scoring.ci_level = 0.9
    r90 = type(result)(**{**vars(result), "framework": fw90})
    both = load_workbook(r90.write(tmp_path / "both.xlsx"))
    header = [c.value for c in both["指标 Indicators"][1]]
    assert "90%区间下限 ci_low" in header and "90%区间上限 ci_high" in header
    en = load_workbook(r90.write(tmp_path / "en.xlsx", lang="en"))
    assert en.sheetnames == [
        "Total", "Dimensions", "Indicators", "By group", "Notes on the scores", "Data issues",
        "Provenance",
    ]  # fmt: skip
    header = [c.value for c in en["Indicators"][1]]
    assert header[:3] == ["Community id", "Wave", "Path"]
    assert "90% interval, lower end" in header and "Name (zh)" in header
    zh = load_workbook(r90.write(tmp_path / "zh.xlsx", lang="zh"))
    assert zh.sheetnames[:3] == ["总分", "维度", "指标"]
    total = [c.value for c in zh["总分"][1]]
    assert "儿童样本" in total and "等级 (en)" in total
    for wb in (both, en, zh):
        text = " ".join(str(c.value) for ws in wb for row in ws.iter_rows() for c in row)
        assert "95%" not in text
    with pytest.raises(UsageError, match="unknown language"):
        r90.write(tmp_path / "fr.xlsx", lang="fr")


def test_notes_speak_the_language_asked_for():
    fw = load_framework(ORACLE / "points.yaml")
    survey = pd.DataFrame({"community_id": ["X"], "respondent": ["child"], "v1": [5.0]})
    audit = pd.DataFrame({"community_id": ["X"], "partners": [2.0], "incident": [1.0]})
    en = score(fw, survey=survey, audit=audit, lang="en").notes.set_index("kind")
    zh = score(fw, survey=survey, audit=audit, lang="zh").notes.set_index("kind")
    assert en.loc["bonus", "message"] == "bonus: Linkage (capped at 3 in total)"
    assert zh.loc["bonus", "message"] == "加分：联动（合计不超过 3 分）"
    assert en.loc["veto", "message"] == "veto: Serious accident; grade at most 'low'"
    assert zh.loc["veto", "message"] == "否决：严重事故；等级最高为 'low'"


def test_zip_dates_are_pinned_by_one_helper():
    """The same package stamped at two different times gives the same bytes."""
    import io
    import zipfile

    from cfeval._io import deterministic_zip

    def package(when: tuple, stamp: str) -> bytes:
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w") as z:
            core = f"<cp><dcterms:created x='1'>{stamp}</dcterms:created></cp>"
            z.writestr(zipfile.ZipInfo("docProps/core.xml", date_time=when), core)
            z.writestr(zipfile.ZipInfo("xl/sheet.xml", date_time=when), "<a/>")
        return buf.getvalue()

    first = package((2024, 5, 1, 10, 0, 0), "2024-05-01T10:00:00Z")
    second = package((2025, 1, 2, 3, 4, 6), "2025-01-02T03:04:06Z")
    assert first != second
    assert deterministic_zip(first) == deterministic_zip(second)
    out = zipfile.ZipFile(io.BytesIO(deterministic_zip(first)))
    entry = out.getinfo("docProps/core.xml")
    assert entry.date_time == (1980, 1, 1, 0, 0, 0) and entry.external_attr >> 16 == 0o600
    assert b">2000-01-01T00:00:00Z<" in out.read("docProps/core.xml")
    assert out.read("xl/sheet.xml") == b"<a/>"


def test_a_framework_at_90_percent_says_90_in_every_export(tmp_path):
    """A copy of the oracle framework with `ci_level: 0.9`: no export types "95%"."""
    text = (ORACLE / "points.yaml").read_text(encoding="utf-8")
    text = text.replace("  method: points\n", "  method: points\n  ci_level: 0.9\n", 1)
    (tmp_path / "p90.yaml").write_text(text, encoding="utf-8")
    fw = load_framework(tmp_path / "p90.yaml")
    assert fw.scoring.ci_level == 0.9
    survey = pd.DataFrame(
        {
            "community_id": ["X"] * 5,
            "respondent": ["child", "child", "child", "child", "parent"],
            "v1": [4.0, 4.0, 5.0, 3.0, 3.0],
            "v3": [4.0, 5.0, 4.0, 4.0, 5.0],
        }
    )
    audit = pd.DataFrame({"community_id": ["X"], "incident": [1.0], "partners": [9.0]})
    from openpyxl import load_workbook

    for lang in ("zh", "en"):
        r = score(fw, survey=survey, audit=audit, lang=lang)
        words = []
        for ext in ("csv", "json"):
            words.append(r.write(tmp_path / f"s.{ext}").read_text(encoding="utf-8"))
        for xlsx_lang in (None, lang):
            wb = load_workbook(r.write(tmp_path / "s.xlsx", lang=xlsx_lang))
            words += [str(c.value) for ws in wb for row in ws.iter_rows() for c in row]
        words += list(r.notes["message"]) + [i.message for i in r.report.issues]
        joined = "\n".join(words)
        assert "95%" not in joined and "95 %" not in joined
        assert "90%" in joined  # the interval headers name the framework's level
    # and the interval itself is the 90% one. Children's voice, (v − 1)/4 averaged over v1
    # and v3: 0.75, 0.875, 0.875, 0.625, mean 0.78125; squared deviations sum to 0.04296875;
    # equal weights: var = 4/3 × 0.04296875 / 4², df = 3; half-width t_.95(3) × se.
    from scipy.stats import t

    bg = r.by_group.set_index(["node_id", "respondent"]).loc[("voice", "child")]
    half = t.ppf(0.95, 3) * 100 * math.sqrt(4 / 3 * 0.04296875 / 16)
    assert bg["score"] == pytest.approx(78.125) and bg["df"] == pytest.approx(3)
    assert bg["ci_low"] == pytest.approx(78.125 - half)
    assert bg["ci_high"] == pytest.approx(78.125 + half)
