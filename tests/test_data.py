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

from cfeval.data import DataReport, check, load_data, read_audit, read_survey
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
        [None, "start, _id, _uuid", "unknown-column"],
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
    assert [i.column for i in report.issues if i.code == "unknown-column"] == ["提交答卷时间"]
    got = survey[["respondent_id", *ITEMS]].to_numpy(dtype=object).tolist()
    nan = float("nan")
    expected = [
        ["1", 4.0, 1.0, nan, 5.0, nan],  # (跳过) and 不知道 (missing code) are blank
        ["2", 5.0, 2.0, 3.0, nan, 4.0],  # （空） full-width is blank too
        ["3", nan, 3.0, 3.0, 4.0, 4.0],
    ]
    assert str(got) == str(expected)
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

    from cfeval.cli import app

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
