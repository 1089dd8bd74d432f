"""Grades only where the evidence is there, and defined behaviour with little or no survey.

The oracle points framework (tests/fixtures/oracle/points.yaml): dim_a (60 points: voice
40 from the survey, council 20 from the audit) and dim_b (40: safe 20 from the survey,
space 20 from the audit). Community X's scores are worked out in test_engine.py.
"""

from __future__ import annotations

import json
import math
import shutil

import pandas as pd
import pytest
from test_engine import ORACLE, points_data, points_fw, row
from typer.testing import CliRunner

import cfeval
from cfeval.cli.app import app
from cfeval.scoring.engine import score

runner = CliRunner(env={"COLUMNS": "200", "CFEVAL_LANG": "en"})


def _status(result, community):
    com = result.communities.set_index("community_id").loc[community]
    return com["grade"], com["grade_status"], com["coverage"]


def test_grade_is_final_at_the_threshold_and_provisional_below_it():
    survey, audit = points_data()
    # X without the space field: coverage = (60 + 20) / 100 = 0.8 of the points.
    audit = audit.assign(area=[float("nan"), 150.0])
    fw = points_fw()
    fw.scoring.min_coverage_for_grade = 0.8
    grade, status, cov = _status(score(fw, survey=survey, audit=audit), "X")
    assert cov == pytest.approx(0.8) and status == "final" and grade is not None
    fw.scoring.min_coverage_for_grade = 0.81
    r = score(fw, survey=survey, audit=audit)
    grade, status, _ = _status(r, "X")
    assert status == "provisional" and grade is not None  # kept, shown as provisional
    total = row(r, "X", "total")
    assert total["grade_status"] == "provisional"
    note = r.notes.query("community_id == 'X' and kind == 'grade'")["message"].tolist()
    assert note == [
        "grade provisional: data cover 80% of the total's points, below the 81% needed "
        "(scoring.min_coverage_for_grade)"
    ]
    fw.scoring.below_min_coverage = "withheld"
    r = score(fw, survey=survey, audit=audit)
    grade, status, _ = _status(r, "X")
    assert status == "withheld" and grade is None
    assert row(r, "X", "total")["grade"] is None


def test_children_only_never_get_an_unqualified_grade(tmp_path):
    # The case: children's answers only (no audit, no parents). In the oracle
    # that is voice and safe from children: 60 of 100 points (< 0.7, the default).
    survey, _ = points_data()
    kids = survey[(survey["respondent"] == "child") & (survey["community_id"] == "X")]
    r = score(points_fw(), survey=kids)
    grade, status, cov = _status(r, "X")
    assert cov == pytest.approx(0.6) and status == "provisional"
    path = tmp_path / "kids.csv"
    kids.to_csv(path, index=False)
    res = runner.invoke(app, ["score", str(ORACLE / "points.yaml"), "--survey", str(path)])
    assert res.exit_code == 0, res.output
    assert "(provisional: coverage 60%)" in res.stdout
    out = tmp_path / "scores.json"
    runner.invoke(
        app, ["score", str(ORACLE / "points.yaml"), "--survey", str(path), "-o", str(out)]
    )
    doc = json.loads(out.read_text(encoding="utf-8"))
    assert doc["communities"][0]["grade_status"] == "provisional"


@pytest.fixture
def files(tmp_path):
    survey, audit = points_data()
    audit["has_council"] = audit["has_council"].fillna(0.0)
    audit.to_csv(tmp_path / "audit.csv", index=False)
    (tmp_path / "empty.csv").write_bytes(b"")
    survey.head(0).to_csv(tmp_path / "header.csv", index=False)
    return tmp_path


@pytest.mark.parametrize("survey", [None, "empty.csv", "header.csv"])
def test_audit_only_or_an_unusable_survey_scores_what_can_be_scored(files, survey):
    # Before: ValueError: cannot convert float NaN to integer, through every command.
    fw = str(ORACLE / "points.yaml")
    data = ["--audit", str(files / "audit.csv")]
    if survey:
        data += ["--survey", str(files / survey)]
    expect = 0 if survey is None else 1  # an empty survey file is a data problem
    res = runner.invoke(app, ["check", fw, *data])
    assert res.exit_code == expect, res.output
    for fmt in ("csv", "json", "xlsx"):
        out = files / f"scores.{fmt}"
        res = runner.invoke(app, ["score", fw, *data, "-o", str(out)])
        assert res.exit_code == expect, res.output
        assert out.stat().st_size > 0
    doc = json.loads((files / "scores.json").read_text(encoding="utf-8"))
    scores = pd.DataFrame(doc["scores"]).set_index(["community_id", "node_id"])
    # X: council yes (20/20), space 50/100 -> 10/20; voice and safe have no data:
    # renormalised dim_a = 60 × 1, dim_b = 40 × 0.5; total = 60 + 20 + bonus 2 = 82.
    assert scores.loc[("X", "voice"), "status"] == "missing"
    assert scores.loc[("X", "total"), "points"] == pytest.approx(82.0)
    assert scores.loc[("X", "total"), "coverage"] == pytest.approx(0.4)
    assert scores.loc[("X", "total"), "grade_status"] == "provisional"
    assert math.isnan(scores.loc[("X", "total"), "ci_low"] or math.nan)
    notes = pd.DataFrame(doc["notes"])
    missing = notes[(notes["community_id"] == "X") & (notes["kind"] == "missing")]
    assert sorted(missing["id"]) == ["safe", "voice"]  # says what is missing
    out = files / "reports"
    res = runner.invoke(app, ["report", fw, *data, "--community", "X", "-o", str(out)])
    # (report exits 0 even when the data had problems; the data report is in the PDF)
    assert res.exit_code in (0, expect) and res.exception is None, res.output
    assert [p.suffix for p in out.iterdir()] == [".pdf"]
    shutil.rmtree(out)


def test_score_api_with_an_audit_only():
    _, audit = points_data()
    r = cfeval.score(points_fw(), audit=audit)
    assert row(r, "X", "total")["points"] == pytest.approx(82.0)
    assert (r.by_group["n"] == 0).all()


def test_report_shows_a_provisional_grade_no_rank_among_two_and_missing_indicators():
    from cfeval.report.comparison import build_comparison_context
    from cfeval.report.context import build_context

    survey, audit = points_data()
    audit = audit.assign(has_council=[float("nan"), float("nan")])  # council missing
    fw = points_fw()
    fw.scoring.min_coverage_for_grade = 0.9  # X: 80% of the points have data
    r = score(fw, survey=survey, audit=audit)
    ctx = build_context(r, "X", lang="en")
    assert ctx["grade"]["id"] is not None
    assert ctx["grade_note"] == (
        "Provisional: data cover 80% of the points; a final grade needs 90%"
    )
    assert ctx["overall"]["rank"] == "— (fewer than 3 communities assessed together)"
    assert ctx["missing"] == ["Council"]  # its own section ...
    assert all(n["kind"] != "missing" for n in ctx["notes"])  # ... not among the notes
    zh = build_context(r, "X", lang="zh")
    assert zh["grade_note"] == "暂定：有数据的部分占总分的 80%；确定等级需要至少 90%"
    comp = build_comparison_context(r, lang="en")
    rows = {row["id"]: row for row in comp["table"]}
    assert rows["X"]["provisional"] and rows["X"]["rank"] == "—"
    fw.scoring.below_min_coverage = "withheld"
    r = score(fw, survey=survey, audit=audit)
    ctx = build_context(r, "X", lang="en")
    assert ctx["grade"]["id"] is None  # not the grade of the score instead
    assert ctx["grade_note"].startswith("No grade: data cover 80%")


def test_rank_is_printed_among_three_or_more():
    from cfeval.report.context import build_context

    survey, audit = points_data()
    third = audit.iloc[[0]].assign(community_id="Z", name="Zcun")
    r = score(points_fw(), survey=survey, audit=pd.concat([audit, third], ignore_index=True))
    assert build_context(r, "X", lang="en")["overall"]["rank"].endswith("of 3")
