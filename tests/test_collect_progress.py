"""The fieldwork monitor against counts worked out by hand from small data."""

from __future__ import annotations

import openpyxl
import pandas as pd
import pytest

from cfeval._paths import shipped_dir
from cfeval.collect.progress import (
    COLUMNS,
    is_complete,
    progress,
    progress_summary,
    write_progress,
)
from cfeval.errors import UsageError
from cfeval.framework.loader import load_framework

SAMPLE = shipped_dir("sample_data") / "chengdu"


@pytest.fixture(scope="module")
def fw():
    return load_framework("chengdu-community")


@pytest.fixture(scope="module")
def partial(fw):
    """Community CD-JJ-001 wave 1 only: 5 children (and one who answered nothing), all
    parents and staff; its audit row with two fields blanked."""
    survey = pd.read_csv(SAMPLE / "survey.csv", dtype=str)
    survey = survey[(survey["community_id"] == "CD-JJ-001") & (survey["wave"] == "1")]
    children = survey[survey["respondent"] == "child"].head(6).copy()
    # The sixth child declined: a row with no answer is not a respondent yet.
    items = [c for c in survey.columns if c.startswith("c_")]
    children.loc[children.index[-1], items] = None
    survey = pd.concat([children, survey[survey["respondent"] != "child"]])
    audit = pd.read_csv(SAMPLE / "audit.csv", dtype=str)
    audit = audit[(audit["community_id"] == "CD-JJ-001") & (audit["wave"] == "1")].copy()
    audit[["has_children_council", "outdoor_play_area_m2"]] = None
    n_parent = int((survey["respondent"] == "parent").sum())
    return progress(fw, survey=survey, audit=audit), n_parent


def test_respondents_so_far_against_min_n(partial, fw):
    table, n_parent = partial
    assert list(table.columns) == COLUMNS
    resp = table[table["kind"] == "respondents"].set_index("key")
    assert resp.loc["child", ["have", "need", "short", "status"]].tolist() == [5, 20, 15, "short"]
    assert resp.loc["parent", ["have", "need", "short", "status"]].tolist() == [
        n_parent,
        15,
        0,
        "ok",
    ]
    assert set(table["community_id"]) == {"CD-JJ-001"}


def test_blank_fields_and_indicators_missing_for_a_grade(partial, fw):
    table, _ = partial
    fields = table[table["kind"] == "field"]
    assert len(fields) == len(fw.fields)
    assert sorted(fields.loc[fields["status"] == "blank", "key"]) == [
        "has_children_council",
        "outdoor_play_area_m2",
    ]
    short = table[(table["kind"] == "indicator") & (table["status"] != "ok")]
    # The two blank fields feed one indicator each; the child items leave indicators asked
    # of children and parents to the parents (who reach min_n): nothing else is short.
    by_field = {ind.field: ind for ind in fw.indicators() if ind.field}
    want = {by_field["has_children_council"].id, by_field["outdoor_play_area_m2"].id}
    child_only = {ind.id for ind in fw.indicators() if ind.respondents == ["child"]}
    assert set(short["key"]) == want | child_only
    assert set(short.loc[short["key"].isin(child_only), "status"]) == {"insufficient"}
    assert short["points"].sum() == pytest.approx(sum(fw.node(k).points for k in want | child_only))
    assert not is_complete(table)


def test_summary_row_per_community(partial, fw):
    table, n_parent = partial
    summary = progress_summary(table, fw)
    row = summary.iloc[0]
    assert (row["n_child"], row["min_child"], row["n_parent"]) == (5, 20, n_parent)
    assert row["blank_fields"] == 2 and not row["complete"]


def test_complete_sample_community_is_complete(fw):
    survey = pd.read_csv(SAMPLE / "survey.csv", dtype=str)
    audit = pd.read_csv(SAMPLE / "audit.csv", dtype=str)
    keep = survey["community_id"] == "CD-CH-001"
    table = progress(fw, survey=survey[keep], audit=audit[audit["community_id"] == "CD-CH-001"])
    assert is_complete(table)


def test_without_an_audit_every_field_is_blank(fw):
    survey = pd.read_csv(SAMPLE / "survey.csv", dtype=str)
    table = progress(fw, survey[survey["community_id"] == "CD-CH-001"])
    fields = table[table["kind"] == "field"]
    assert (fields["status"] == "blank").all() and len(fields) == len(fw.fields)
    # Only the survey indicators have data: their points are the coverage, short of the
    # framework's minimum for a final grade.
    survey_points = sum(ind.points for ind in fw.indicators() if ind.source == "survey")
    grade = table[table["kind"] == "grade"].iloc[0]
    need = round(fw.scoring.min_coverage_for_grade * 100)
    assert (grade["have"], grade["need"]) == (round(survey_points), need)
    assert grade["status"] == fw.scoring.below_min_coverage  # provisional or withheld
    assert grade["points"] == pytest.approx(fw.max_total() - survey_points)


def test_no_data_is_a_usage_error(fw):
    with pytest.raises(UsageError, match="--survey"):
        progress(fw)


def test_written_tables_hold_no_formula(fw, tmp_path):
    table = pd.DataFrame(
        [["=cmd|' /C calc'!A0", "1", "respondents", "child", 1, 20, 19, None, "short"]],
        columns=COLUMNS,
    )
    csv_path = write_progress(table, tmp_path / "p.csv")
    assert csv_path.read_text(encoding="utf-8-sig").splitlines()[1].startswith("\"'=cmd")
    xlsx = write_progress(table, tmp_path / "p.xlsx")
    cell = openpyxl.load_workbook(xlsx).active["A2"]
    assert cell.value == "=cmd|' /C calc'!A0" and cell.data_type == "s"
    with pytest.raises(UsageError, match=".csv or .xlsx"):
        write_progress(table, tmp_path / "p.json")
