"""Reading and checking survey/audit data: every fixture gives the exact issues and rows.

Rows are as a spreadsheet shows them (header = row 1). Fixtures live in
tests/fixtures/data/ and are written by its make_fixtures.py.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cfeval.data.load import DataReport, check, load_data, read_audit, read_survey
from cfeval.errors import DataError, UsageError

DATA = Path(__file__).parent / "fixtures" / "data"
ITEMS = ["c_voice_1", "c_voice_2", "c_voice_3", "c_safe_1", "c_safe_2"]


def problems(report: DataReport) -> list[list]:
    """The flattened report without info lines (encoding, ignored columns)."""
    return [[i.row, i.column, i.code] for i in report.issues if i.severity != "info"]


def survey_frame(rows: list[dict]) -> pd.DataFrame:
    """A hand-written expected survey frame with the contract's columns and dtypes."""
    frame = pd.DataFrame(rows)
    for col in ("community_id", "wave", "respondent", "respondent_id"):
        frame[col] = frame[col].astype("str")
    for col in ["weight", *ITEMS]:
        frame[col] = frame[col].astype("float64")
    return frame[["community_id", "wave", "respondent", "weight", "respondent_id", *ITEMS]]


# --------------------------------------------------------------------------- clean input


def test_clean_file_gives_the_hand_written_frame(full_framework):
    survey, report = read_survey(full_framework, DATA / "clean.csv")
    nan = np.nan
    expected = survey_frame(
        [
            dict(community_id="XH-01", wave="1", respondent="child", respondent_id="a1",
                 weight=1.0, c_voice_1=4, c_voice_2=2, c_voice_3=5, c_safe_1=4, c_safe_2=3),
            dict(community_id="XH-01", wave="1", respondent="parent", respondent_id="a2",
                 weight=2.5, c_voice_1=3, c_voice_2=nan, c_voice_3=1, c_safe_1=nan, c_safe_2=nan),
            dict(community_id="XH-02", wave="1", respondent="child", respondent_id="a3",
                 weight=1.0, c_voice_1=5, c_voice_2=1, c_voice_3=5, c_safe_1=5, c_safe_2=5),
        ]
    )  # fmt: skip
    pd.testing.assert_frame_equal(survey, expected)
    assert report.flatten() == [[None, None, "encoding"]]
    assert not report.has_problems
    assert report.excluded_rows == {}
    (info,) = report.files
    assert (info.kind, info.encoding, info.rows_read, info.rows_used) == ("survey", "utf-8", 3, 3)
    assert len(info.sha256) == 64


def test_a_frame_is_read_like_a_file(full_framework):
    from_file, _ = read_survey(full_framework, DATA / "clean.csv")
    raw = pd.read_csv(DATA / "clean.csv", dtype={"respondent_id": str})
    from_frame, report = read_survey(full_framework, raw)
    pd.testing.assert_frame_equal(from_frame, from_file)
    assert report.issues == [] and report.files[0].path == "<survey frame 1>"


def test_parquet_is_read_like_csv(full_framework, tmp_path):
    raw = pd.read_csv(DATA / "clean.csv", dtype={"respondent_id": str})
    raw.to_parquet(tmp_path / "clean.parquet")
    survey, report = read_survey(full_framework, tmp_path / "clean.parquet")
    expected, _ = read_survey(full_framework, DATA / "clean.csv")
    pd.testing.assert_frame_equal(survey, expected)
    assert report.issues == [] and report.files[0].encoding is None


# --------------------------------------------------------------------------- encodings, formats


def test_gbk_file_with_chinese_headers_and_group_labels(full_framework):
    survey, report = read_survey(full_framework, DATA / "gbk.csv")
    assert report.flatten() == [[None, None, "encoding"]]
    assert report.issues[0].value == "gb18030"
    assert "GBK" in report.issues[0].message
    # 锦江－01 (full-width hyphen) is the same community as 锦江-01 after NFKC.
    assert survey["community_id"].tolist() == ["锦江-01", "锦江-01"]
    assert survey["respondent"].tolist() == ["child", "parent"]
    assert survey["respondent_id"].tolist() == ["1", "2"]
    assert survey["c_voice_1"].tolist() == [4.0, 3.0]


def test_ids_keep_leading_zeros_in_a_big_utf8_file(full_framework, tmp_path):
    # > 64 KiB of Chinese text, so the header peek ends inside a multi-byte character.
    path = tmp_path / "big.csv"
    rows = "".join(f"007,儿童,{i},3\n" for i in range(12000))
    path.write_text(f"社区编号,对象,编号,c_voice_1\n{rows}", encoding="utf-8")
    survey, report = read_survey(full_framework, path)
    assert report.issues[0].value == "utf-8"
    assert set(survey["community_id"]) == {"007"}
    assert survey["respondent_id"].tolist()[:3] == ["0", "1", "2"]


def test_bom_does_not_stick_to_the_first_header(full_framework):
    survey, report = read_survey(full_framework, DATA / "bom.csv")
    assert report.issues[0].value == "utf-8-sig"
    assert problems(report) == []
    assert survey.loc[0, ITEMS].tolist() == [1.0, 2.0, 3.0, 4.0, 5.0]


def test_bytes_neither_utf8_nor_gb18030_are_refused(full_framework, tmp_path):
    path = tmp_path / "latin.csv"
    path.write_bytes(b"community_id,respondent\n\x81\x30,child\n")
    with pytest.raises(DataError, match=r"latin\.csv.*neither UTF-8 nor GBK"):
        read_survey(full_framework, path)


def test_kobo_semicolon_export_by_label(full_framework):
    survey, report = read_survey(full_framework, DATA / "kobo.csv")
    assert report.flatten() == [
        [None, None, "encoding"],
        [None, "start, _id, _uuid", "platform-column"],
        [3, "I have helped decide things here", "not-a-number"],
    ]
    assert report.issues[2].value == "Maybe"
    assert survey["respondent"].tolist() == ["child", "parent"]
    # "Don't know" is the declared missing code 9: blank, without an issue.
    assert survey.loc[0, ITEMS].tolist()[:4] == [4.0, 1.0, 3.0, 5.0]
    assert np.isnan(survey.loc[0, "c_safe_2"])


def test_wenjuanxing_by_text_export(full_framework):
    survey, report = read_survey(full_framework, DATA / "wjx.csv")
    assert problems(report) == [[4, "3、大人会听我的想法", "not-a-number"]]
    # The platform's columns are set aside; its running number 序号 is not a respondent id
    # (it restarts in every export, so two files would share ids).
    assert [i.column for i in report.issues if i.code == "platform-column"] == [
        "序号, 提交答卷时间"
    ]
    assert survey["respondent_id"].isna().all()
    got = survey[ITEMS].to_numpy(dtype=object).tolist()
    nan = float("nan")
    expected = [
        [4.0, 1.0, nan, 5.0, nan],  # (跳过) and 不知道 (missing code) are blank
        [5.0, 2.0, 3.0, nan, 4.0],  # （空） full-width is blank too
        [nan, 3.0, 3.0, 4.0, 4.0],
    ]
    assert str(got) == str(expected)
    blanks = [(i.column, i.severity) for i in report.issues if i.code == "platform-blank"]
    assert blanks == [("5:我参加过社区的决定", "info"), ("6、我在社区里感到安全", "info")]
    assert survey["respondent"].unique().tolist() == ["child"]


def test_two_row_merged_header_xlsx(full_framework):
    survey, report = read_survey(full_framework, DATA / "two_row_header.xlsx")
    # First data row is sheet row 3; the blank sheet row 5 keeps row 6 at 6.
    assert report.flatten() == [
        [4, "儿童参与/大人会听我的想法", "out-of-range"],
        [4, "儿童参与/c_voice_3", "not-a-number"],
        [6, "儿童参与/c_voice_3", "out-of-range"],
    ]
    assert survey["respondent"].tolist() == ["child", "child", "parent"]
    assert survey["respondent_id"].tolist() == ["1", "2", "3"]
    assert report.files[0].sheet == "问卷"


def test_xlsx_sheet_by_name(full_framework):
    survey, report = read_survey(full_framework, DATA / "two_row_header.xlsx", sheet="说明")
    assert len(survey) == 0
    assert report.files[0].sheet == "说明"
    assert [i.code for i in report.issues] == ["no-data-rows"]
    with pytest.raises(UsageError, match="no sheet 'nope'; sheets: 问卷, 说明"):
        read_survey(full_framework, DATA / "two_row_header.xlsx", sheet="nope")


# --------------------------------------------------------------------------- bad input


def test_empty_file_and_header_only(full_framework):
    survey, report = read_survey(full_framework, DATA / "empty.csv")
    assert problems(report) == [[None, None, "empty-file"]]
    assert list(survey.columns)[:5] == [
        "community_id",
        "wave",
        "respondent",
        "weight",
        "respondent_id",
    ]
    assert len(survey) == 0 and report.has_problems
    survey, report = read_survey(full_framework, DATA / "header_only.csv")
    assert problems(report) == [[None, None, "no-data-rows"]]
    assert survey.dtypes["c_voice_1"] == "float64"


def test_every_bad_cell_and_row_is_listed(full_framework):
    survey, report = read_survey(full_framework, DATA / "bad_values.csv")
    assert report.flatten() == [
        [None, None, "encoding"],
        [3, "c_voice_1", "not-a-number"],
        [4, "c_voice_2", "out-of-range"],
        [5, "c_voice_3", "unknown-code"],  # 99
        [5, "c_safe_1", "unknown-code"],  # -3 (问卷星's "skipped")
        [6, "respondent_id", "duplicate-respondent"],
        [7, "respondent", "unknown-respondent-group"],
        [8, "weight", "bad-weight"],
        [9, "community_id", "missing-community-id"],
        [10, "c_voice_1", "unknown-code"],  # 2.5 lies inside the scale but is no value
    ]
    values = [i.value for i in report.issues[1:]]
    assert values == ["abc", "7", "99", "-3", None, "teacher", "0", None, "2.5"]
    # Cells become NaN, never a guess; the declared missing code 9 is blank silently.
    assert survey["respondent_id"].tolist() == ["r1", "r2", "r3", "r4", "r8"]
    assert np.isnan(survey.loc[1, "c_voice_1"]) and np.isnan(survey.loc[2, "c_voice_2"])
    assert survey.loc[3, ["c_voice_3", "c_safe_1", "c_safe_2"]].isna().all()
    assert report.excluded_rows == {
        "duplicate-respondent": 1,
        "unknown-respondent-group": 1,
        "bad-weight": 1,
        "missing-community-id": 1,
    }
    assert report.files[0].rows_read == 9 and report.files[0].rows_used == 5
    assert report.summary()["unknown-code"] == 3
    by_code = {i.code: i for i in report.issues}
    assert by_code["out-of-range"].severity == "error"
    assert "outside scale agree5 (1..5)" in by_code["out-of-range"].message
    assert "missing_codes" in by_code["unknown-code"].message
    assert "child (儿童/Children)" in by_code["unknown-respondent-group"].message


def test_issue_messages_speak_the_language_asked_for(full_framework, monkeypatch):
    monkeypatch.setenv("CFEVAL_LANG", "en")
    en = {i.code: i.message for i in check(full_framework, survey=DATA / "bad_values.csv").issues}
    zh_report = check(full_framework, survey=DATA / "bad_values.csv", lang="zh")
    zh = {i.code: i.message for i in zh_report.issues}
    assert set(zh) == set(en)  # the same issues, only the words differ
    assert (
        en["out-of-range"]
        == "7 is outside scale agree5 (1..5); it was left blank (correct the value)"
    )
    assert zh["out-of-range"] == "7 超出量表 agree5 (1..5) 的范围；已留空（请更正）"
    assert zh["encoding"] == "按 UTF-8 读取"
    assert zh["missing-community-id"] == "缺少社区编号；请填写，否则此行无法使用"
    assert zh["bad-weight"].startswith("权重 '0' 不是正数")
    assert zh["duplicate-respondent"].startswith("同一社区同一轮次中已出现此答卷编号")
    for text in zh.values():  # every message is translated: no English sentence left
        assert not any(word in text for word in (" the ", " was ", " is not ")), text
    monkeypatch.setenv("CFEVAL_LANG", "zh")  # without lang=, the environment decides
    assert (
        check(full_framework, survey=DATA / "bad_values.csv").issues[0].message == "按 UTF-8 读取"
    )


def test_respondent_ids_never_appear_in_the_report(full_framework):
    # An id may be a phone number; the duplicate line names the row, not the id.
    frame = pd.DataFrame(
        {
            "community_id": ["A", "A"],
            "respondent": ["child"] * 2,
            "respondent_id": ["13800000000"] * 2,
        }
    )
    _, report = read_survey(full_framework, frame)
    dup = [i for i in report.issues if i.code == "duplicate-respondent"]
    assert [[i.row, i.value] for i in dup] == [[3, None]]
    assert "13800000000" not in report.to_frame().to_csv()


def test_missing_items_are_one_warning_per_file(full_framework):
    frame = pd.DataFrame({"community_id": ["A"], "respondent": ["parent"], "c_voice_1": [3]})
    survey, report = read_survey(full_framework, frame)
    # Parents are not asked c_safe_*, so only the voice items they should have are listed.
    assert report.flatten() == [[None, "c_voice_2, c_voice_3", "missing-column"]]
    assert report.issues[0].severity == "warning"
    assert survey[ITEMS].isna().sum().tolist() == [0, 1, 1, 1, 1]


def test_items_asked_of_other_groups_are_not_expected(full_framework):
    fw = full_framework.model_copy(deep=True)
    fw.node("voice_heard").items[2].respondents = ["child"]  # c_voice_3: children only
    frame = pd.DataFrame({"community_id": ["A"], "respondent": ["parent"], "c_voice_1": [3]})
    _, report = read_survey(fw, frame)
    assert report.flatten() == [[None, "c_voice_2", "missing-column"]]


def test_no_community_column_excludes_every_row_with_one_line(full_framework):
    frame = pd.DataFrame({"respondent": ["child"] * 3, **{i: [3] * 3 for i in ITEMS}})
    survey, report = read_survey(full_framework, frame)
    assert report.flatten() == [[None, "community_id", "missing-column"]]
    assert report.issues[0].severity == "error"
    assert report.excluded_rows == {"missing-column": 3} and len(survey) == 0


def test_unknown_community_against_the_audit(full_framework):
    ds = load_data(full_framework, survey=DATA / "unknown_community.csv", audit=DATA / "audit.csv")
    assert problems(ds.report) == [[3, "community_id", "unknown-community"]]
    assert ds.report.issues[1].value == "XH-99"
    assert ds.survey["community_id"].tolist() == ["XH-01", "XH-02"]
    assert ds.report.excluded_rows == {"unknown-community": 1}
    assert [f.kind for f in ds.files] == ["survey", "audit"]


def test_audit_values_and_chinese_headers(full_framework):
    audit, report = read_audit(full_framework, DATA / "audit.csv")
    assert problems(report) == []
    assert audit.columns.tolist() == [
        "community_id", "wave", "name", "city", "district", "has_council", "council_meetings",
        "play_area_m2", "proposals_answered_pct", "safety_check", "partner_orgs", "serious_incident",
    ]  # fmt: skip
    assert audit["name"].tolist() == ["星河社区", "锦里社区"]
    assert audit["has_council"].tolist() == [1.0, 0.0]  # 是 / N
    assert audit["serious_incident"].tolist() == [0.0, 0.0]  # 否 / no
    assert audit["safety_check"].tolist() == ["full", "partial"]  # by label 全面 and by value
    assert audit["safety_check"].dtype == object
    assert np.isnan(audit.loc[1, "play_area_m2"])
    assert audit["wave"].tolist() == ["1", "1"]


def test_audit_problems(full_framework):
    audit, report = read_audit(full_framework, DATA / "audit_bad.csv")
    assert report.flatten() == [
        [None, None, "encoding"],
        [None, "serious_incident", "missing-column"],
        [2, "council_meetings", "out-of-range"],  # 60 > 52
        [3, "community_id", "duplicate-community"],
        [4, "has_council", "not-a-boolean"],
        [4, "council_meetings", "not-a-number"],
        [4, "play_area_m2", "out-of-range"],  # -5 < 0
        [4, "safety_check", "unknown-category"],
        [5, "community_id", "missing-community-id"],
    ]
    assert audit["community_id"].tolist() == ["XH-01", "XH-02"]
    assert audit["has_council"].tolist()[0] == 1.0  # 有
    assert audit.loc[1, ["has_council", "council_meetings", "play_area_m2"]].isna().all()
    assert audit.loc[1, "safety_check"] is None
    assert report.excluded_rows == {"duplicate-community": 1, "missing-community-id": 1}


@pytest.mark.parametrize(
    ("cell", "expected"),
    [("1", 1.0), ("0", 0.0), ("TRUE", 1.0), ("false", 0.0), ("Yes", 1.0), ("no", 0.0),
     ("是", 1.0), ("否", 0.0), ("有", 1.0), ("无", 0.0), ("Y", 1.0), ("n", 0.0), ("", None),
     (None, None), (float("nan"), None)],
)  # fmt: skip
def test_boolean_cells(full_framework, cell, expected):
    frame = pd.DataFrame({"community_id": ["A"], "has_council": [cell]})
    audit, report = read_audit(full_framework, frame)
    got = audit.loc[0, "has_council"]
    assert np.isnan(got) if expected is None else got == expected
    assert "not-a-boolean" not in report.summary()


def test_audit_without_waves_applies_to_every_survey_wave(full_framework):
    survey = pd.DataFrame(
        {"community_id": ["A", "A", "B"], "wave": [1, 2, 1], "respondent": ["child"] * 3}
    )
    audit = pd.DataFrame({"community_id": ["A", "B", "C"], "play_area_m2": [10, 20, 30]})
    ds = load_data(full_framework, survey=survey, audit=audit)
    got = ds.audit[["community_id", "wave", "play_area_m2"]].values.tolist()
    assert got == [["A", "1", 10.0], ["A", "2", 10.0], ["B", "1", 20.0], ["C", "1", 30.0]]


def test_duplicates_across_files_keep_the_first_file(full_framework):
    one = pd.DataFrame({"community_id": ["A"], "respondent": ["child"], "respondent_id": [7]})
    two = pd.DataFrame(
        {"community_id": ["A", "A"], "respondent": ["child"] * 2, "respondent_id": [7, 8]}
    )
    ds = load_data(full_framework, survey=[one, two])
    dup = [[i.file, i.row] for i in ds.report.issues if i.code == "duplicate-respondent"]
    assert dup == [["<survey frame 2>", 2]]
    assert ds.survey["respondent_id"].tolist() == ["7", "8"]
    assert [f.rows_used for f in ds.files] == [1, 1]


def test_blank_wave_in_a_wave_column_is_not_guessed(full_framework):
    frame = pd.DataFrame(
        {"community_id": ["A", "A"], "wave": ["2", None], "respondent": ["child"] * 2}
    )
    survey, report = read_survey(full_framework, frame)
    assert [[i.row, i.code] for i in report.issues if i.severity == "error"] == [
        [3, "missing-wave"]
    ]
    assert survey["wave"].tolist() == ["2"]


# --------------------------------------------------------------------------- mapping file


def test_mapping_file(full_framework):
    survey, report = read_survey(full_framework, DATA / "mapped.csv", mapping=DATA / "mapping.yaml")
    assert problems(report) == [[3, "Q5", "not-a-number"]]
    assert report.issues[-1].value == "没想好"
    assert survey["community_id"].tolist() == ["XH-09", "XH-09"]
    assert survey["respondent"].tolist() == ["child", "child"]
    assert survey[["c_voice_1", "c_safe_1"]].values.tolist() == [[5.0, 5.0], [4.0, 4.0]]


def test_mapping_sets_community_wave_and_group_for_a_whole_file(full_framework):
    frame = pd.DataFrame({"Q1": ["很同意", "3"]})
    mapping = {"columns": {"Q1": "c_voice_1"}, "values": {"很同意": 5}, "respondent": "儿童",
               "community_id": " ＸＨ－01 ", "wave": 2}  # fmt: skip
    survey, _ = read_survey(full_framework, frame, mapping=mapping)
    assert survey[["community_id", "wave", "respondent", "c_voice_1"]].values.tolist() == [
        ["XH-01", "2", "child", 5.0],
        ["XH-01", "2", "child", 3.0],
    ]


def test_mapping_file_mistakes_are_usage_errors(full_framework, tmp_path):
    bad = tmp_path / "m.yaml"
    bad.write_text("columns: {Q1: c_voice_9}\n", encoding="utf-8")
    with pytest.raises(UsageError, match="'Q1' maps to 'c_voice_9'"):
        read_survey(full_framework, DATA / "mapped.csv", mapping=bad)
    bad.write_text("colums: {}\n", encoding="utf-8")
    with pytest.raises(UsageError, match=r"m\.yaml: mapping file refused:\n  colums"):
        read_survey(full_framework, DATA / "mapped.csv", mapping=bad)
    with pytest.raises(UsageError, match="not a group"):
        read_survey(full_framework, DATA / "mapped.csv", mapping={"respondent": "teacher"})


def test_a_mapping_applies_to_the_survey_only_unless_it_says_so(full_framework, tmp_path):
    # issue 10: the mapping was applied to the audit file too, so a header renamed to a
    # survey item (问卷号 → respondent_id, Q1 → c_voice_1) was refused there as soon as an
    # audit was given. The audit is now read as it is.
    audit = tmp_path / "audit.csv"
    audit.write_text("社区编号,社区名称,has_council\nXH-09,星河,是\n", encoding="utf-8")
    ds = load_data(
        full_framework, survey=DATA / "mapped.csv", audit=audit, mapping=DATA / "mapping.yaml"
    )
    assert ds.survey["c_voice_1"].tolist() == [5.0, 4.0]
    assert ds.audit[["community_id", "has_council"]].values.tolist() == [["XH-09", 1.0]]
    # the survey's own problem, and the audit's missing fields; nothing about the mapping
    assert [p[2] for p in problems(ds.report)] == ["not-a-number", "missing-column"]
    # A mapping that says it is for the audit as well is applied there too.
    mapping = {"columns": {"面积": "play_area_m2"}, "applies_to": ["survey", "audit"]}
    audit.write_text("社区编号,面积\nXH-01,200\n", encoding="utf-8")
    both = load_data(full_framework, audit=audit, mapping=mapping)
    assert both.audit["play_area_m2"].tolist() == [200.0]
    only_survey = load_data(full_framework, audit=audit, mapping={"columns": mapping["columns"]})
    assert only_survey.audit["play_area_m2"].isna().all()  # 面积 means nothing to the audit
    with pytest.raises(UsageError, match="applies_to"):
        load_data(full_framework, audit=audit, mapping={"applies_to": ["records"]})


# --------------------------------------------------------------------------- whole-file errors


def test_whole_file_problems_raise_with_the_path(full_framework, tmp_path):
    with pytest.raises(UsageError, match=r"nope\.csv: file not found"):
        read_survey(full_framework, tmp_path / "nope.csv")
    corrupt = tmp_path / "broken.parquet"
    corrupt.write_bytes(b"PAR1 this is not parquet PAR1")
    with pytest.raises(DataError, match=r"broken\.parquet: not a readable Parquet file"):
        read_survey(full_framework, corrupt)
    utf16 = tmp_path / "unicode.txt"
    utf16.write_bytes("community_id\trespondent\nA\tchild\n".encode("utf-16"))
    with pytest.raises(DataError, match=r"unicode\.txt: UTF-16 text .*'CSV UTF-8'"):
        read_survey(full_framework, utf16)
    binary = tmp_path / "image.csv"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00")
    with pytest.raises(DataError, match=r"image\.csv: not a table"):
        read_survey(full_framework, binary)


def test_odd_csv_falls_back_to_the_c_engine(full_framework, tmp_path):
    short = tmp_path / "short.csv"
    short.write_text("community_id,respondent,c_voice_1\nA,child,3\nA,child\n", encoding="utf-8")
    survey, _ = read_survey(full_framework, short)
    assert survey["c_voice_1"].tolist()[0] == 3.0 and np.isnan(survey["c_voice_1"].tolist()[1])
    ragged = tmp_path / "ragged.csv"
    ragged.write_text("community_id,respondent\nA,child\nB,child,4\n", encoding="utf-8")
    with pytest.raises(DataError, match=r"ragged\.csv: not a readable table: .*line 3"):
        read_survey(full_framework, ragged)


def test_broken_or_old_workbooks_are_refused(full_framework, tmp_path):
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(DataError, match=r"broken\.xlsx: not a readable XLSX workbook"):
        read_survey(full_framework, broken)
    old = tmp_path / "old.xls"
    old.write_bytes(b"\xd0\xcf\x11\xe0")
    with pytest.raises(DataError, match=r"old\.xls: old Excel \.xls format; .*save as \.xlsx"):
        read_survey(full_framework, old)


def test_blank_lines_keep_the_sheet_row_numbers(full_framework, tmp_path):
    path = tmp_path / "blank.csv"
    path.write_text(
        "\ncommunity_id,respondent,c_voice_1\nA,child,3\n\nA,child,8\n", encoding="utf-8"
    )
    _, report = read_survey(full_framework, path)
    # line 1 blank, header on line 2, data on lines 3 and 5
    assert [[i.row, i.code] for i in report.issues if i.code == "out-of-range"] == [
        [5, "out-of-range"]
    ]


# --------------------------------------------------------------------------- report value


def test_report_frame_csv_and_extend(full_framework, tmp_path):
    report = check(full_framework, survey=DATA / "bad_values.csv")
    frame = report.to_frame()
    assert frame.columns.tolist() == [
        "file",
        "row",
        "column",
        "value",
        "code",
        "severity",
        "message",
    ]
    assert str(frame["row"].dtype) == "Int64"
    out = report.write_csv(tmp_path / "issues.csv")
    back = pd.read_csv(out, encoding="utf-8-sig", dtype=str, keep_default_na=False)
    assert back["code"].tolist() == frame["code"].tolist()
    assert [p.name for p in tmp_path.iterdir()] == ["issues.csv"]  # no temp file left
    other = check(full_framework, survey=DATA / "clean.csv")
    n = len(report.issues)
    report.extend(other)
    assert len(report.issues) == n + 1 and len(report.files) == 2


def test_long_values_are_cut_to_80_characters(full_framework):
    frame = pd.DataFrame({"community_id": ["A"], "respondent": ["x" * 200]})
    _, report = read_survey(full_framework, frame)
    (issue,) = [i for i in report.issues if i.code == "unknown-respondent-group"]
    assert len(issue.value) == 80


# --------------------------------------------------------------------------- properties

cells = st.one_of(
    st.sampled_from(["1", "2", "3", "4", "5", "9", "", "7", "99", "-3", "abc", "2.5", "比较同意"])
)
groups = st.sampled_from(["child", "parent", "儿童", "teacher", ""])
communities = st.sampled_from(["A", "B", "Ｂ", " ", "C"])


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    rows=st.lists(st.tuples(communities, groups, st.lists(cells, min_size=5, max_size=5)),
                  min_size=1, max_size=15),
    seed=st.integers(0, 2**32 - 1),
)  # fmt: skip
def test_issues_do_not_depend_on_row_order(full_framework, rows, seed):
    frame = pd.DataFrame(
        [[c, g, *v] for c, g, v in rows], columns=["community_id", "respondent", *ITEMS]
    )
    perm = np.random.default_rng(seed).permutation(len(frame))
    shuffled = frame.iloc[perm].reset_index(drop=True)
    _, a = read_survey(full_framework, frame)
    _, b = read_survey(full_framework, shuffled)
    # Shuffled row j (sheet row j + 2) is original row perm[j].
    original = {j + 2: int(p) + 2 for j, p in enumerate(perm)}
    mapped = {
        (None if i.row is None else original[i.row], i.column, i.code, i.value) for i in b.issues
    }
    assert mapped == {(i.row, i.column, i.code, i.value) for i in a.issues}
    assert a.excluded_rows == b.excluded_rows


@settings(max_examples=30, deadline=None)
@given(
    ids=st.lists(st.sampled_from(["1", "2", "3"]), min_size=1, max_size=12),
    seed=st.integers(0, 2**32 - 1),
)
def test_duplicate_counts_do_not_depend_on_row_order(full_framework, ids, seed):
    frame = pd.DataFrame({"community_id": "A", "respondent": "child", "respondent_id": ids})
    shuffled = frame.sample(frac=1, random_state=seed % 2**31).reset_index(drop=True)
    a_frame, a = read_survey(full_framework, frame)
    b_frame, b = read_survey(full_framework, shuffled)
    assert a.summary() == b.summary()
    assert a.excluded_rows.get("duplicate-respondent", 0) == len(ids) - len(set(ids))
    assert sorted(a_frame["respondent_id"]) == sorted(b_frame["respondent_id"]) == sorted(set(ids))


# --------------------------------------------------------------------------- command line


def test_cli_check_data(full_yaml, tmp_path):
    from typer.testing import CliRunner

    from cfeval.cli.app import app

    runner = CliRunner()
    out = tmp_path / "issues.csv"
    args = ["check", str(full_yaml), "--survey", str(DATA / "bad_values.csv")]
    res = runner.invoke(app, [*args, "--survey", str(DATA / "clean.csv"), "--out", str(out)])
    assert res.exit_code == 1, res.output
    assert "out-of-range" in res.output and "bad_values.csv:4" in res.output
    assert pd.read_csv(out, encoding="utf-8-sig")["code"].tolist()[1] == "not-a-number"
    clean = runner.invoke(app, ["check", str(full_yaml), "--survey", str(DATA / "clean.csv")])
    assert clean.exit_code == 0, clean.output
    missing = runner.invoke(app, ["check", str(full_yaml), "--survey", str(tmp_path / "no.csv")])
    assert missing.exit_code == 2 and "no.csv: file not found" in missing.output
    mapped = runner.invoke(
        app, ["check", str(full_yaml), "--survey", str(DATA / "mapped.csv"),
              "--mapping", str(DATA / "mapping.yaml")],
    )  # fmt: skip
    assert mapped.exit_code == 1 and "Q5" in mapped.output


# --------------------------------------------------------------------------- column-wise reading
# Parquet is read a column at a time (files with an index or duplicate names whole), CSV is
# parsed by pyarrow and converted a column at a time, items go into one float block whose
# excluded rows are removed in place. Every expectation below is written by hand.

nan = float("nan")


def _write_parquet(frame: pd.DataFrame, path: Path, **kwargs) -> Path:
    import pyarrow as pa
    import pyarrow.parquet as pq

    pq.write_table(pa.Table.from_pandas(frame, preserve_index=False), path, **kwargs)
    return path


def _mixed_frame() -> pd.DataFrame:
    """Seven rows, one problem or exclusion in most, typed columns as Parquet keeps them."""
    return pd.DataFrame(
        {
            "community_id": ["A", "A", "B", "B", "C", "A", "A"],
            "respondent": ["child", "parent", "儿童", "child", "家长", "child", "child"],
            "respondent_id": ["r1", "r2", "r3", "r4", "r5", "r1", "r6"],
            "weight": [1.0, 2.0, 1.0, 0.0, 1.0, 1.0, 1.5],
            "c_voice_1": [4, 3, 5, 2, 1, 1, 99],
            "c_voice_2": ["4", "abc", None, "2", "5", "3", "7"],
            "c_voice_3": [1.0, nan, 9.0, 2.5, 3.0, 3.0, 3.0],
            "c_safe_1": pd.array([5, 4, 3, 2, 1, -3, None], dtype="Int64"),
            "c_safe_2": [3, 3, 3, 3, 3, 3, 3],
        }
    )


MIXED_PROBLEMS = [
    [3, "c_voice_2", "not-a-number"],  # abc
    [5, "weight", "bad-weight"],  # 0; the row's cells are still checked
    [5, "c_voice_3", "unknown-code"],  # 2.5
    [7, "c_safe_1", "unknown-code"],  # -3
    [7, "respondent_id", "duplicate-respondent"],  # r1 again
    [8, "c_voice_1", "unknown-code"],  # 99
    [8, "c_voice_2", "out-of-range"],  # 7
]


def _mixed_expected() -> pd.DataFrame:
    return survey_frame(
        [
            dict(community_id="A", wave="1", respondent="child", weight=1.0, respondent_id="r1",
                 c_voice_1=4, c_voice_2=4, c_voice_3=1, c_safe_1=5, c_safe_2=3),
            dict(community_id="A", wave="1", respondent="parent", weight=2.0, respondent_id="r2",
                 c_voice_1=3, c_voice_2=nan, c_voice_3=nan, c_safe_1=4, c_safe_2=3),
            dict(community_id="B", wave="1", respondent="child", weight=1.0, respondent_id="r3",
                 c_voice_1=5, c_voice_2=nan, c_voice_3=nan, c_safe_1=3, c_safe_2=3),
            dict(community_id="C", wave="1", respondent="parent", weight=1.0, respondent_id="r5",
                 c_voice_1=1, c_voice_2=5, c_voice_3=3, c_safe_1=1, c_safe_2=3),
            dict(community_id="A", wave="1", respondent="child", weight=1.5, respondent_id="r6",
                 c_voice_1=nan, c_voice_2=nan, c_voice_3=3, c_safe_1=nan, c_safe_2=3),
        ]
    )  # fmt: skip


def test_parquet_row_groups_csv_and_frame_give_the_same_hand_written_result(
    full_framework, tmp_path
):
    raw = _mixed_frame()
    parquet = _write_parquet(raw, tmp_path / "mixed.parquet", row_group_size=2)
    csv = tmp_path / "mixed.csv"
    raw.to_csv(csv, index=False)
    for source in (parquet, csv, raw):
        survey, report = read_survey(full_framework, source)
        pd.testing.assert_frame_equal(survey, _mixed_expected())
        assert problems(report) == MIXED_PROBLEMS, source if isinstance(source, Path) else "frame"
        assert report.excluded_rows == {"bad-weight": 1, "duplicate-respondent": 1}
        info = report.files[0]
        assert (info.rows_read, info.rows_used) == (7, 5)
    import pyarrow.parquet as pq

    assert pq.ParquetFile(parquet).metadata.num_row_groups == 4


def test_parquet_with_an_index_or_duplicate_names_is_read_whole_and_right(full_framework, tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    from cfeval.data.readers import read_table

    # A filtered frame saved by pandas keeps its index [10, 20, 30] in the file's metadata.
    indexed = pd.DataFrame(
        {"community_id": ["A", "B", "C"], "respondent": ["child"] * 3, "c_voice_1": [3, 8, 2]},
        index=[10, 20, 30],
    )
    indexed.to_parquet(tmp_path / "indexed.parquet")
    # Two columns named c_voice_1: the first one counts, as in a CSV.
    dup = pa.Table.from_arrays(
        [pa.array(["A", "B", "C"]), pa.array(["child"] * 3), pa.array([3, 8, 2]),
         pa.array([1, 1, 1])],
        names=["community_id", "respondent", "c_voice_1", "c_voice_1"],
    )  # fmt: skip
    pq.write_table(dup, tmp_path / "dup.parquet")
    expected = survey_frame(
        [
            dict(community_id=c, wave="1", respondent="child", weight=1.0, respondent_id=None,
                 c_voice_1=v, c_voice_2=nan, c_voice_3=nan, c_safe_1=nan, c_safe_2=nan)
            for c, v in [("A", 3), ("B", nan), ("C", 2)]
        ]
    )  # fmt: skip
    missing = [None, "c_voice_2, c_voice_3, c_safe_1, c_safe_2", "missing-column"]
    for name, first in [("indexed", []), ("dup", [[None, "c_voice_1", "unknown-column"]])]:
        path = tmp_path / f"{name}.parquet"
        assert read_table(path, str(path), None, set()).source is None  # the whole-file path
        survey, report = read_survey(full_framework, path)
        pd.testing.assert_frame_equal(survey, expected)
        assert report.flatten() == [*first, missing, [3, "c_voice_1", "out-of-range"]]


def test_a_named_index_is_read_as_the_column_it_names(full_framework, tmp_path):
    # Researchers often save after set_index("community_id"): the ids live in the index.
    frame = pd.DataFrame(
        {"community_id": ["A", "B"], "respondent": ["child"] * 2, "c_voice_1": [3, 5]}
    ).set_index("community_id")
    frame.to_parquet(tmp_path / "indexed.parquet")
    for source in (tmp_path / "indexed.parquet", frame):
        survey, report = read_survey(full_framework, source)
        assert survey["community_id"].tolist() == ["A", "B"]
        assert survey["c_voice_1"].tolist() == [3.0, 5.0]
        assert "missing-community-id" not in report.summary()
        assert [i.column for i in report.issues if i.code == "missing-column"] == [
            "c_voice_2, c_voice_3, c_safe_1, c_safe_2"
        ]


def test_parquet_typed_item_columns(full_framework, tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.table(
        {
            "community_id": pa.array(["A", "Ｂ", None, "A", "A"]).dictionary_encode(),
            "respondent": pa.array(["child"] * 5).dictionary_encode(),
            "c_voice_1": pa.array([1, None, 3, 6, 0], pa.int64()),  # Int64 with a null
            "c_voice_2": pa.array(["2", "很好", None, "9", "不太同意"]),  # text with labels
            "c_voice_3": pa.array(["5", None, "5", "x", "10"]).dictionary_encode(),  # categorical
            "c_safe_1": pa.array([None, 2.0, 4.0, -1.0, 4.0]),  # float with a null
            "c_safe_2": pa.array([None] * 5, pa.string()),  # all blank
        }
    )
    pq.write_table(table, tmp_path / "typed.parquet", row_group_size=3)
    survey, report = read_survey(full_framework, tmp_path / "typed.parquet")
    assert report.flatten() == [
        [3, "c_voice_2", "not-a-number"],  # 很好 is no option text of agree5
        [4, "community_id", "missing-community-id"],
        [5, "c_voice_1", "out-of-range"],  # 6
        [5, "c_voice_3", "not-a-number"],  # x
        [5, "c_safe_1", "unknown-code"],  # -1
        [6, "c_voice_1", "out-of-range"],  # 0
        [6, "c_voice_3", "out-of-range"],  # 10
    ]
    assert [i.value for i in report.issues if i.row in (3, 5)] == ["很好", "6", "x", "-1"]
    expected = survey_frame(
        [
            dict(community_id="A", wave="1", respondent="child", weight=1.0, respondent_id=None,
                 c_voice_1=1, c_voice_2=2, c_voice_3=5, c_safe_1=nan, c_safe_2=nan),
            dict(community_id="B", wave="1", respondent="child", weight=1.0, respondent_id=None,
                 c_voice_1=nan, c_voice_2=nan, c_voice_3=nan, c_safe_1=2, c_safe_2=nan),
            dict(community_id="A", wave="1", respondent="child", weight=1.0, respondent_id=None,
                 c_voice_1=nan, c_voice_2=nan, c_voice_3=nan, c_safe_1=nan, c_safe_2=nan),
            dict(community_id="A", wave="1", respondent="child", weight=1.0, respondent_id=None,
                 c_voice_1=nan, c_voice_2=2, c_voice_3=nan, c_safe_1=4, c_safe_2=nan),
        ]
    )  # fmt: skip
    pd.testing.assert_frame_equal(survey, expected)


def test_parquet_blank_rows_and_a_dotted_header(full_framework, tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    # All-null rows are dropped but keep their place; "Q1.1" is a name, not a nested path.
    table = pa.table(
        {
            "社区": ["A", None, "B", None],
            "Q1.1": pa.array([3, None, 8, None], pa.int64()),
            "resp": ["child", None, "parent", None],
        }
    )
    pq.write_table(table, tmp_path / "gaps.parquet", row_group_size=1)
    mapping = {"columns": {"Q1.1": "c_voice_1", "resp": "respondent"}}
    survey, report = read_survey(full_framework, tmp_path / "gaps.parquet", mapping=mapping)
    assert report.flatten() == [
        [None, "c_voice_2, c_voice_3, c_safe_1, c_safe_2", "missing-column"],
        [4, "Q1.1", "out-of-range"],
    ]
    assert survey[["community_id", "respondent", "c_voice_1"]].values.tolist()[0] == [
        "A",
        "child",
        3.0,
    ]
    assert survey["community_id"].tolist() == ["A", "B"] and np.isnan(survey.loc[1, "c_voice_1"])
    assert (report.files[0].rows_read, report.files[0].rows_used) == (2, 2)


def test_empty_parquet_and_header_only_csv(full_framework, tmp_path):
    _write_parquet(_mixed_frame().iloc[:0], tmp_path / "empty.parquet")
    (tmp_path / "header.csv").write_text("\n\ncommunity_id,respondent,c_voice_1\n\n\n")
    (tmp_path / "blank.csv").write_text("\r\n\r\n")
    (tmp_path / "zero.csv").write_bytes(b"")
    for name, code in [("empty.parquet", "no-data-rows"), ("header.csv", "no-data-rows"),
                       ("blank.csv", "empty-file"), ("zero.csv", "empty-file")]:  # fmt: skip
        survey, report = read_survey(full_framework, tmp_path / name)
        assert problems(report) == [[None, None, code]], name
        assert len(survey) == 0 and survey.dtypes["c_voice_1"] == "float64"
        assert report.files[0].rows_read == 0


def test_pyarrow_csv_keeps_sheet_rows_across_blank_lines(full_framework, tmp_path):
    body = (
        "community_id,respondent,c_voice_1\r\n"  # line 3
        "A,child,3\r\n"  # 4
        "A,child,x\r\n"  # 5
        ",,\r\n"  # 6: a row of empty cells
        "A,child,8\r\n"  # 7
    )
    (tmp_path / "lead.csv").write_text("\r\n\r\n" + body)  # parsed by pyarrow
    between = "\n\ncommunity_id,respondent,c_voice_1\nA,child,3\nA,child,x\n\nA,child,8\n\n"
    (tmp_path / "between.csv").write_text(between)  # empty lines: the C engine
    for name in ("lead.csv", "between.csv"):
        survey, report = read_survey(full_framework, tmp_path / name)
        assert [r for r in problems(report) if r[0] is not None] == [
            [5, "c_voice_1", "not-a-number"],
            [7, "c_voice_1", "out-of-range"],
        ], name
        assert survey["c_voice_1"].tolist()[0] == 3.0 and survey["c_voice_1"].isna().sum() == 2
        assert report.files[0].rows_read == 3


def test_gb18030_and_bom_csv_give_identical_frames(full_framework, tmp_path):
    text = (
        "社区编号,对象,编号,年龄,c_voice_1,c_voice_2\n"
        "锦江－01,儿童,007,10,4,很好\n"
        " 锦江-01 ,家长,008,,3,非常同意\n"
    )
    (tmp_path / "gbk.csv").write_bytes(text.encode("gb18030"))
    (tmp_path / "bom.csv").write_bytes(text.encode("utf-8-sig"))
    gbk, gbk_report = read_survey(full_framework, tmp_path / "gbk.csv")
    bom, bom_report = read_survey(full_framework, tmp_path / "bom.csv")
    assert [i.value for i in gbk_report.issues[:1] + bom_report.issues[:1]] == [
        "gb18030",
        "utf-8-sig",
    ]
    pd.testing.assert_frame_equal(gbk, bom)
    assert problems(gbk_report) == problems(bom_report)
    assert [r for r in problems(bom_report) if r[0]] == [[2, "c_voice_2", "not-a-number"]]
    assert gbk[["community_id", "respondent", "respondent_id"]].values.tolist() == [
        ["锦江-01", "child", "007"],
        ["锦江-01", "parent", "008"],
    ]
    assert gbk["age"].tolist()[0] == 10.0 and np.isnan(gbk["age"].tolist()[1])
    assert gbk["c_voice_1"].tolist() == [4.0, 3.0]
    assert np.isnan(gbk.loc[0, "c_voice_2"]) and gbk.loc[1, "c_voice_2"] == 5.0


IDS = [  # as written → as stored (NFKC, stripped, inner whitespace collapsed, case kept)
    ("ＸＨ－01", "XH-01"),
    (" XH-01 ", "XH-01"),
    ("XH  01", "XH 01"),
    ("XH\t01 ", "XH 01"),
    ("XH\u300001", "XH 01"),  # ideographic space
    ("X\u00a0H", "X H"),
    ("A\x0bB", "A B"),  # vertical tab
    ("A\x85B", "A B"),  # NEL
    ("A\u2028B", "A B"),  # line separator
    ("007", "007"),
    (" 007", "007"),
    ("7", "7"),
    ("xh-01", "xh-01"),
    ("锦江－01", "锦江-01"),
]


@pytest.mark.parametrize("fmt", ["csv", "parquet", "frame"])
def test_community_ids_are_normalised_once_per_distinct_value(full_framework, tmp_path, fmt):
    # 40 rows of each id (the per-distinct-value path), plus a blank and a spaces-only id.
    written = [w for w, _ in IDS] * 40 + ["", "  "]
    respondent_ids = [f" r{i}\u3000" for i in range(len(written))]  # all distinct
    frame = pd.DataFrame(
        {"community_id": written, "respondent": "child", "respondent_id": respondent_ids}
    )
    if fmt == "csv":
        source = tmp_path / "ids.csv"
        frame.to_csv(source, index=False)
    elif fmt == "parquet":
        source = _write_parquet(frame, tmp_path / "ids.parquet", row_group_size=100)
    else:
        source = frame
    survey, report = read_survey(full_framework, source)
    assert survey["community_id"].tolist() == [s for _, s in IDS] * 40
    assert survey["respondent_id"].tolist()[:3] == ["r0", "r1", "r2"]
    n = len(IDS) * 40
    assert [r for r in problems(report) if r[0]] == [
        [n + 2, "community_id", "missing-community-id"],
        [n + 3, "community_id", "missing-community-id"],
    ]


def test_respondent_ids_unique_and_numeric(full_framework, tmp_path):
    # Unique ids take the vectorised path; numbers stored as numbers lose no zeros they
    # never had and gain no ".0".
    frame = pd.DataFrame(
        {"community_id": [7, 7, 8], "respondent": "child", "respondent_id": [1.0, 2.0, nan]}
    )
    path = _write_parquet(frame, tmp_path / "num.parquet")
    survey, _ = read_survey(full_framework, path)
    assert survey["community_id"].tolist() == ["7", "7", "8"]
    assert survey["respondent_id"].tolist()[:2] == ["1", "2"]
    assert pd.isna(survey["respondent_id"].tolist()[2])


def _aligned_frame(first_id: int) -> pd.DataFrame:
    """Eight rows, each with its own item values, five of them excluded for some reason."""
    return pd.DataFrame(
        {
            "community_id": ["A", "ZZ", "A", None, "B", "A", "A", "B"],
            "respondent": ["child", "child", "parent", "child", "child", "teacher", "child",
                           "child"],
            "respondent_id": [f"r{first_id}", "x1", "x2", "x3", "x4", "x5", f"r{first_id}",
                              "x7"],
            "weight": [1, 1, 1, 1, -2, 1, 1, 1],
            "c_voice_1": [1, 2, 3, 4, 5, 1, 2, 3],
            "c_voice_2": [5, 4, 3, 2, 1, 5, 4, 3],
            "c_voice_3": [1, 1, 2, 2, 3, 3, 4, 4],
            "c_safe_1": [2, 3, 4, 5, 1, 2, 3, 4],
            "c_safe_2": [5, 5, 4, 4, 3, 3, 2, 1],
        }
    )  # fmt: skip


def test_excluded_rows_leave_the_item_block_aligned(full_framework, tmp_path):
    # Rows excluded by the file (no community, unknown group, bad weight) and by the whole
    # data (unknown community ZZ, duplicate respondent) must leave the right item values
    # next to the right respondents; one file compacts its block in place.
    audit = pd.DataFrame({"community_id": ["A", "B"]})
    path = _write_parquet(_aligned_frame(1), tmp_path / "one.parquet", row_group_size=3)
    ds = load_data(full_framework, survey=path, audit=audit)
    expected = survey_frame(
        [
            dict(community_id="A", wave="1", respondent="child", weight=1.0, respondent_id="r1",
                 c_voice_1=1, c_voice_2=5, c_voice_3=1, c_safe_1=2, c_safe_2=5),
            dict(community_id="A", wave="1", respondent="parent", weight=1.0, respondent_id="x2",
                 c_voice_1=3, c_voice_2=3, c_voice_3=2, c_safe_1=4, c_safe_2=4),
            dict(community_id="B", wave="1", respondent="child", weight=1.0, respondent_id="x7",
                 c_voice_1=3, c_voice_2=3, c_voice_3=4, c_safe_1=4, c_safe_2=1),
        ]
    )  # fmt: skip
    pd.testing.assert_frame_equal(ds.survey, expected)
    survey_lines = [[i.row, i.column, i.code] for i in ds.report.issues if i.file == str(path)]
    assert survey_lines == [
        [3, "community_id", "unknown-community"],
        [5, "community_id", "missing-community-id"],
        [6, "weight", "bad-weight"],
        [7, "respondent", "unknown-respondent-group"],
        [8, "respondent_id", "duplicate-respondent"],
    ]
    assert ds.report.excluded_rows == {
        "unknown-community": 1, "missing-community-id": 1, "bad-weight": 1,
        "unknown-respondent-group": 1, "duplicate-respondent": 1,
    }  # fmt: skip


def test_several_files_are_concatenated_in_order(full_framework, tmp_path):
    audit = pd.DataFrame({"community_id": ["A", "B"]})
    first = tmp_path / "first.csv"
    _aligned_frame(1).to_csv(first, index=False)
    second = _write_parquet(_aligned_frame(2), tmp_path / "second.parquet", row_group_size=2)
    third = pd.DataFrame(
        {"community_id": ["B", "A"], "respondent": ["parent", "child"],
         "respondent_id": ["x7", "y1"], "weight": [2.0, 3.0],
         "c_voice_1": [5, 9], "c_voice_2": [1, 1], "c_voice_3": [5, 5], "c_safe_1": [1, 1],
         "c_safe_2": [1, 1]}
    )  # fmt: skip
    ds = load_data(full_framework, survey=[first, second, third], audit=audit)
    rows = [
        # first.csv: rows 2, 4, 9 as in the single-file test
        ["A", "child", "r1", 1.0, 1, 5, 1, 2, 5],
        ["A", "parent", "x2", 1.0, 3, 3, 2, 4, 4],
        ["B", "child", "x7", 1.0, 3, 3, 4, 4, 1],
        # second.parquet: its r2, then x2 and x7 repeat first.csv's ids (duplicates)
        ["A", "child", "r2", 1.0, 1, 5, 1, 2, 5],
        # the frame: x7 in B repeats first.csv's; y1 is new (9 is a missing code)
        ["A", "child", "y1", 3.0, nan, 1, 5, 1, 1],
    ]
    expected = survey_frame(
        [
            dict(community_id=c, wave="1", respondent=g, respondent_id=i, weight=w,
                 **dict(zip(ITEMS, v, strict=True)))
            for c, g, i, w, *v in rows
        ]
    )  # fmt: skip
    pd.testing.assert_frame_equal(ds.survey, expected)
    dups = [[i.file, i.row] for i in ds.report.issues if i.code == "duplicate-respondent"]
    assert dups == [
        [str(first), 8],
        [str(second), 4],
        [str(second), 8],
        [str(second), 9],
        ["<survey frame 3>", 2],
    ]
    assert [(f.rows_read, f.rows_used) for f in ds.files[:3]] == [(8, 3), (8, 1), (2, 1)]


# Cells a survey tool might write: scale values, outside values, missing codes, blanks, text.
item_cells = st.sampled_from([1, 2, 3, 4, 5, 9, 0, 6, 99, -3, None, "abc", "2.5", "一般"])


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    rows=st.lists(
        st.tuples(
            st.sampled_from(["A", "Ｂ", " B ", "007", None]),
            st.sampled_from(["child", "parent", "儿童", "teacher", None]),
            st.sampled_from(["r1", "r2", "r3", None]),
            st.sampled_from([1.0, 2.5, 0.0, None]),
            st.lists(item_cells, min_size=5, max_size=5),
        ),
        min_size=1,
        max_size=12,
    ),
    text_items=st.lists(st.booleans(), min_size=5, max_size=5),
)
def test_parquet_csv_and_frame_agree(full_framework, tmp_path, rows, text_items):
    """Each item column is numbers (text cells become blank) or text; all three agree."""
    data = {
        "community_id": [r[0] for r in rows],
        "respondent": [r[1] for r in rows],
        "respondent_id": [r[2] for r in rows],
        "weight": [nan if r[3] is None else r[3] for r in rows],
    }
    for j, (item, as_text) in enumerate(zip(ITEMS, text_items, strict=True)):
        cells = [r[4][j] for r in rows]
        if as_text:
            data[item] = pd.Series([None if c is None else str(c) for c in cells], dtype=object)
        else:
            data[item] = [float(c) if isinstance(c, int) else nan for c in cells]
    frame = pd.DataFrame(data)
    csv = tmp_path / "p.csv"
    frame.to_csv(csv, index=False)
    parquet = _write_parquet(frame, tmp_path / "p.parquet", row_group_size=3)
    s_frame, r_frame = read_survey(full_framework, frame)
    s_csv, r_csv = read_survey(full_framework, csv)
    s_pq, r_pq = read_survey(full_framework, parquet)
    pd.testing.assert_frame_equal(s_csv, s_frame)
    pd.testing.assert_frame_equal(s_pq, s_frame)
    assert problems(r_csv) == problems(r_frame) == problems(r_pq)
    assert r_csv.excluded_rows == r_frame.excluded_rows == r_pq.excluded_rows


def test_unreadable_files_are_explained_in_either_language(full_framework, tmp_path):
    with pytest.raises(UsageError) as err:
        check(full_framework, survey=tmp_path / "nowhere.csv")
    assert str(err.value) == f"{tmp_path / 'nowhere.csv'}: file not found"
    assert err.value.text("zh") == f"{tmp_path / 'nowhere.csv'}：找不到文件"
    old = tmp_path / "old.xls"
    old.write_bytes(b"\xd0\xcf\x11\xe0")
    with pytest.raises(DataError) as err:
        check(full_framework, survey=old)
    assert err.value.text("zh").endswith("旧的 Excel .xls 格式；请在 Excel 中打开并另存为 .xlsx")


def test_mapping_file_mistakes_speak_chinese_when_asked(full_framework, tmp_path):
    bad = tmp_path / "m.yaml"
    bad.write_text("colums: {}\n", encoding="utf-8")
    with pytest.raises(UsageError) as err:
        read_survey(full_framework, DATA / "mapped.csv", mapping=bad)
    assert (
        err.value.text("zh") == f"{bad}：映射文件被拒绝：\n  colums: Extra inputs are not permitted"
    )
    with pytest.raises(UsageError) as err:
        read_survey(full_framework, DATA / "mapped.csv", mapping=tmp_path / "none.yaml")
    assert err.value.text("zh") == f"{tmp_path / 'none.yaml'}：找不到映射文件"
