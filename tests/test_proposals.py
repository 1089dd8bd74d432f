"""The proposal log: its checks (every problem with its sheet row) and its measures."""

from __future__ import annotations

import datetime as dt
import math

import pandas as pd
import pytest

from cfeval.data.proposal_measures import proposal_measures
from cfeval.data.proposals import parse_date, read_proposals

HEADER = (
    "community_id,wave,date_raised,raised_by,topic,proposal,referred_to,date_answered,"
    "answer,reason,action,date_reported_back,reported_how\n"
)
CLEAN = HEADER + (
    # A, wave 1: answered after 10, 40 and 5 days; one never answered
    "A,1,2026-03-01,observation group,play space,More swings,street office,2026-03-11,"
    "accepted,,Two swings installed,2026-04-01,meeting\n"
    "A,1,2026-03-01,council,safety,Crossing guard,police,2026-04-10,partly,,,,\n"
    "A,1,2026-03-05,class,play space,Open the yard,school,2026-03-10,declined,No staff,,"
    "2026-03-20,poster\n"
    "A,1,2026-03-06,class,safety,Slower cars,street office,,,,,,\n"
    # B, wave 1: one proposal, answered the same day, partly with an action; Excel serial
    "B,1,46082,council,play space,Shade,street office,46082,部分采纳,,Umbrellas,46090,letter\n"
)


def _write(tmp_path, text, name="log.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_clean_log_gives_hand_computed_measures(tmp_path):
    log = read_proposals(_write(tmp_path, CLEAN), communities={"A", "B"}, lang="en")
    assert log.report.issues == []
    assert list(log.frame["row"]) == [2, 3, 4, 5, 6]
    answers = log.frame["answer"].astype(object).where(log.frame["answer"].notna(), None)
    assert list(answers) == ["accepted", "partly", "declined", None, "partly"]
    m = proposal_measures(log.frame, within_days=30)
    a, b = m.loc[("A", "1")], m.loc[("B", "1")]
    assert a["n_proposals"] == 4
    assert a["share_answered_within"] == pytest.approx(2 / 4)  # 10 and 5 days; 40 is late
    assert a["share_acted_on"] == pytest.approx(1 / 4)  # partly without an action is not acted
    assert a["median_days_to_answer"] == pytest.approx(10.0)  # median of 10, 40, 5
    assert a["share_reported_back"] == pytest.approx(2 / 4)
    assert b["n_proposals"] == 1
    assert (b["share_answered_within"], b["share_acted_on"], b["share_reported_back"]) == (1, 1, 1)
    assert b["median_days_to_answer"] == 0
    # a longer window lets the 40-day answer count
    assert (
        proposal_measures(log.frame, within_days=40).loc[("A", "1"), "share_answered_within"]
        == 0.75
    )


def test_log_with_mistakes_lists_every_problem_with_its_row(tmp_path):
    text = HEADER + (
        "A,1,2026-03-10,group,play space,Swings,street office,2026-03-01,accepted,,x,,\n"  # 2
        "A,1,2026-03-10,group,homework,Less homework,school,,,,,,\n"  # 3 unknown topic (kept)
        ",1,2026-03-10,group,safety,Lights,police,,,,,,\n"  # 4 blank community
        "Z,1,2026-03-10,group,safety,Lights,police,,,,,,\n"  # 5 unknown community
        "A,1,March,group,safety,Lights,police,,,,,,\n"  # 6 not a date
        "A,1,2026-03-10,group,safety,Lights,mayor,2026-03-12,maybe,,,,\n"  # 7 answer, body
        "A,1,2026-03-10,group,safety,Lights,police,2026-03-12,declined,,,2026-03-11,talk\n"  # 8
        "A,1,2026-03-10,group,safety,Lights,police,,accepted,,,,\n"  # 9 answer without date
        "A,,,group,safety,Lights,police,2026-03-12,,,,,\n"  # 10 no wave, no date, no answer
    )
    log = read_proposals(
        _write(tmp_path, text),
        communities={"A"},
        topics=["play space", "safety"],
        bodies=["street office", "police", "school"],
        lang="en",
    )
    assert log.report.flatten() == [
        [2, "date_answered", "dates-out-of-order"],
        [3, "topic", "unknown-topic"],
        [4, "community_id", "missing-community-id"],
        [5, "community_id", "unknown-community"],
        [6, "date_raised", "not-a-date"],
        [7, "answer", "unknown-answer"],
        [7, "referred_to", "unknown-body"],
        [8, "date_reported_back", "dates-out-of-order"],
        [8, "reason", "missing-reason"],
        [9, "date_answered", "missing-date"],
        [10, "wave", "missing-wave"],
        [10, "date_raised", "missing-date"],
        [10, "answer", "missing-answer"],
    ]
    issues = {(i.row, i.code): i for i in log.report.issues}
    early = issues[(2, "dates-out-of-order")]
    assert early.value == "2026-03-01" and "2026-03-10" in early.message
    assert early.severity == "error" and early.file.endswith("log.csv")
    assert issues[(5, "unknown-community")].value == "Z"
    assert issues[(3, "unknown-topic")].severity == "warning"
    assert "play space, safety" in issues[(3, "unknown-topic")].message
    # kept: the unknown topic (3) and the decline without a reason (8) is excluded for order
    assert list(log.frame["row"]) == [3]
    assert sum(log.report.excluded_rows.values()) == 8


def test_messages_are_translated():
    frame = pd.DataFrame({"community_id": [None], "date_raised": ["2026-01-01"]})
    log = read_proposals(frame, lang="zh")
    issue = next(i for i in log.report.issues if i.code == "missing-community-id")
    assert issue.row == 2 and "社区" in issue.message
    bad = read_proposals(pd.DataFrame({"community_id": ["A"], "date_raised": ["soon"]}), lang="zh")
    errors = [i for i in bad.report.issues if i.severity != "info"]
    assert [[i.row, i.column, i.code] for i in errors] == [[2, "date_raised", "not-a-date"]]
    assert "不是日期" in errors[0].message


def test_xlsx_dates_and_serials(tmp_path):
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(["community_id", "date_raised", "date_answered", "answer", "wave"])
    ws.append(["A", dt.datetime(2026, 3, 1), 46092, "accepted", 2])
    ws.append(["A", "2026/3/1", "2026年3月21日", "Declined", 2])
    wb.save(tmp_path / "log.xlsx")
    log = read_proposals(tmp_path / "log.xlsx", lang="en")
    assert [i.code for i in log.report.issues].count("missing-reason") == 1
    assert list(log.frame["wave"]) == ["2", "2"]
    m = proposal_measures(log.frame, within_days=19).loc[("A", "2")]
    assert m["median_days_to_answer"] == 15  # 10 and 20 days
    assert m["share_answered_within"] == 0.5


def test_ids_keep_their_leading_zeros(tmp_path):
    text = "community_id,wave,date_raised\n01,02,46082\n"
    log = read_proposals(_write(tmp_path, text), communities={"01"}, lang="en")
    assert [i.code for i in log.report.issues if i.severity != "info"] == []
    assert log.frame.loc[0, ["community_id", "wave"]].tolist() == ["01", "02"]
    assert log.frame.loc[0, "date_raised"] == pd.Timestamp("2026-03-01")


def test_missing_required_column_and_empty_file(tmp_path):
    log = read_proposals(_write(tmp_path, "community_id,wave\nA,1\n"), lang="en")
    assert log.report.flatten() == [[None, "date_raised", "missing-column"]]
    assert log.frame.empty
    log = read_proposals(_write(tmp_path, HEADER, "head.csv"), lang="en")
    assert log.report.summary() == {"no-data-rows": 1}


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("2026-03-01", dt.date(2026, 3, 1)),
        ("2026-03-01 08:30:00", dt.date(2026, 3, 1)),
        (46082, dt.date(2026, 3, 1)),  # Excel serial
        (46082.75, dt.date(2026, 3, 1)),  # with a time of day
        ("46082", dt.date(2026, 3, 1)),
        ("２０２６－０３－０１", dt.date(2026, 3, 1)),  # full-width
        (None, None),
        ("  ", None),
        (math.nan, None),
    ],
)
def test_parse_date(cell, expected):
    assert parse_date(cell) == expected


@pytest.mark.parametrize("cell", ["March", "2026-13-01", "2026-02-30", 0, -3, True, "1e9"])
def test_parse_date_refuses(cell):
    with pytest.raises(ValueError):
        parse_date(cell)


def test_measures_of_an_empty_log():
    frame = read_proposals(pd.DataFrame({"community_id": ["A"], "date_raised": ["x"]})).frame
    assert proposal_measures(frame).empty
    with pytest.raises(ValueError):
        proposal_measures(frame, within_days=-1)
