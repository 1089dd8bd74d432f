"""The proposal log in the framework format, the engine and the commands.

A clean log changes Chengdu's observation-group scores exactly as computed by hand; a log
with mistakes lists every problem with its row through ``check``, ``score`` and ``report``;
without a log the audit sheet is the source, as before.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import cfeval
from cfeval.errors import FrameworkError
from cfeval.framework.loader import parse_framework
from cfeval.framework.rules.proposal_log import ProposalLogRule, score

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "sample_data" / "chengdu"
CHENGDU = ROOT / "frameworks" / "chengdu-community.yaml"
HEADER = (
    "community_id,wave,date_raised,raised_by,topic,proposal,referred_to,date_answered,"
    "answer,reason,action,date_reported_back,reported_how\n"
)
# CD-JJ-001 wave 1: three proposals, two of them reported back. Topics and bodies by id, by
# Chinese label and by English label. The audit says 7 proposals and 72% reported back.
CLEAN = HEADER + (
    "CD-JJ-001,1,2024-03-01,observation group,play_space,More swings please,"
    "residents_committee,2024-03-11,accepted,,Two swings installed,2024-04-01,meeting\n"
    "CD-JJ-001,1,2024-03-01,observation group,游戏和活动场地,A bench by the slide,物业服务企业,"
    "2024-04-10,partly,,,,\n"
    "CD-JJ-001,1,2024-03-05,council,Safety on the way to school,A crossing guard,Street office,"
    "2024-03-10,declined,No budget this year,,2024-03-20,poster\n"
)
# Row 2: answered before it was raised; row 3: a topic the framework does not have;
# row 4: no community.
BROKEN = HEADER + (
    "CD-JJ-001,1,2024-03-10,observation group,play_space,Swings,residents_committee,"
    "2024-03-01,accepted,,x,,\n"
    "CD-JJ-001,1,2024-03-10,observation group,homework,Less homework,school,,,,,,\n"
    ",1,2024-03-10,observation group,safety,Lights,street_office,,,,,,\n"
)
EXPECTED_BROKEN = [
    [2, "date_answered", "dates-out-of-order"],
    [3, "topic", "unknown-topic"],
    [4, "community_id", "missing-community-id"],
]


def _write(tmp_path, text, name="log.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _score(proposals=None, lang="en"):
    return cfeval.score(
        "chengdu-community",
        survey=SAMPLE / "survey.csv",
        audit=SAMPLE / "audit.csv",
        proposals=proposals,
        lang=lang,
    )


def _node(result, community, node_id):
    f = result.to_frame()
    row = f[(f.community_id == community) & (f.wave == "1") & (f.node_id == node_id)]
    return row.iloc[0]


# --------------------------------------------------------------------------- the format


def test_rule_scores_through_its_number_rule():
    rule = ProposalLogRule(
        type="proposal_log",
        measure="share_reported_back",
        scored_by={"type": "goalposts", "low": 20, "high": 90},
    )
    assert score([20.0, 55.0, 90.0, 100.0], rule).tolist() == [0.0, 0.5, 1.0, 1.0]


def _chengdu_with(old: str, new: str) -> str:
    text = CHENGDU.read_text(encoding="utf-8")
    assert old in text
    return text.replace(old, new, 1)


def _problems(text):
    with pytest.raises(FrameworkError) as info:
        parse_framework(text, "cd.yaml")
    return [(p.line, p.path, p.message) for p in info.value.problems]


def test_topic_list_mistakes_have_file_line_and_path():
    text = _chengdu_with(
        "    - {id: traffic, label: {zh: 社区交通和停车, en: Traffic and parking}}",
        "    - {id: play_space, label: {zh: 社区交通和停车}}",
    )
    problems = _problems(text)
    line = text.splitlines().index("    - {id: play_space, label: {zh: 社区交通和停车}}") + 1
    assert (line, "proposals.topics.2.id", "duplicate id 'play_space'") in problems
    assert any(p[:2] == (line, "proposals.topics.2.label") and "'en'" in p[2] for p in problems)


def test_a_log_rule_needs_a_number_field_and_a_known_measure():
    text = _chengdu_with(
        "        field: proposals_recorded\n", "        field: has_observation_group\n"
    )
    (problem,) = _problems(text)
    assert problem[1].endswith("indicators.2.rule.type") and "boolean" in problem[2]
    text = _chengdu_with("measure: n_proposals", "measure: n_proposal")
    (problem,) = _problems(text)
    assert problem[1].endswith("rule.proposal_log.measure") or problem[1].endswith("measure")
    assert "n_proposals" in problem[2]


def test_a_share_needs_a_percent_field():
    text = _chengdu_with(
        "measure: n_proposals\n          scored_by: {type: target, target: 12}",
        "measure: share_acted_on\n          scored_by: {type: target, target: 12}",
    )
    text = text.replace(
        "    max: 1000\n    label: {zh: 近一年登记在册的儿童提案数",
        "    max: 50\n    label: {zh: 近一年登记在册的儿童提案数",
    )
    (problem,) = _problems(text)
    assert problem[1].endswith("rule.measure") and "percentage" in problem[2]


# --------------------------------------------------------------------------- scores


def test_without_a_log_the_audit_is_the_source_and_nothing_changes():
    result = _score()
    assert not (result.notes["kind"] == "source").any()
    # audit: 7 proposals (target 12) and 72% reported back (goalposts 20..90)
    assert _node(result, "CD-JJ-001", "proposals_recorded")["points"] == pytest.approx(3 * 7 / 12)
    answered = _node(result, "CD-JJ-001", "proposals_answered")["points"]
    assert answered == pytest.approx(4 * (72 - 20) / 70)


def test_a_clean_log_changes_the_observation_group_as_computed_by_hand(tmp_path):
    before = _score()
    after = _score(_write(tmp_path, CLEAN))
    assert not [i for i in after.report.issues if i.file.endswith("log.csv")]
    # by hand: 3 proposals → 3/12 of 3 points; 2 of 3 reported back = 66.67% → (66.67-20)/70
    recorded = 3 * 3 / 12
    answered = 4 * (200 / 3 - 20) / 70
    assert _node(after, "CD-JJ-001", "proposals_recorded")["points"] == pytest.approx(recorded)
    assert _node(after, "CD-JJ-001", "proposals_answered")["points"] == pytest.approx(answered)
    group_before = _node(before, "CD-JJ-001", "observation_group")["points"]
    delta = (recorded - 3 * 7 / 12) + (answered - 4 * (72 - 20) / 70)
    group_after = _node(after, "CD-JJ-001", "observation_group")["points"]
    assert group_after == pytest.approx(group_before + delta)
    assert round(group_before, 4) == 9.999 and round(group_after, 4) == 8.6943
    # every other community keeps its audit values and says so
    f0, f1 = before.to_frame(), after.to_frame()
    other = f0.community_id != "CD-JJ-001"
    assert (
        f0[other]["points"].fillna(-1).to_numpy() == f1[other]["points"].fillna(-1).to_numpy()
    ).all()
    notes = after.notes[after.notes["kind"] == "source"]
    mine = notes[(notes.community_id == "CD-JJ-001") & (notes.wave == "1")]
    assert set(mine["id"]) == {"proposals_recorded", "proposals_answered"}
    assert set(mine["message"]) == {"from the children's proposal log (3 proposals)"}
    elsewhere = notes[notes.community_id == "CD-QY-001"]["message"]
    assert set(elsewhere) == {
        "from the audit sheet: the proposal log has no proposal for this period"
    }
    assert {"path": "log.csv", "kind": "proposals"}.items() <= after.provenance["data"][-1].items()


def test_source_notes_in_chinese(tmp_path):
    after = _score(_write(tmp_path, CLEAN), lang="zh")
    notes = after.notes[(after.notes.kind == "source") & (after.notes.community_id == "CD-JJ-001")]
    assert "儿童提案记录表（3 条提案）" in notes["message"].iloc[0]


def test_a_log_with_mistakes_lists_every_problem_with_its_row(tmp_path):
    result = _score(_write(tmp_path, BROKEN))
    mine = [[i.row, i.column, i.code] for i in result.report.issues if i.file.endswith("log.csv")]
    assert mine == EXPECTED_BROKEN
    (topic,) = [i for i in result.report.issues if i.code == "unknown-topic"]
    # the framework's topics by their names in the report's language, in the file's order
    assert "(Places to play, Safety on the way to school, Traffic and parking," in topic.message
    # the unknown topic is kept (a warning): CD-JJ-001 has one usable proposal
    notes = result.notes[
        (result.notes.kind == "source") & (result.notes.community_id == "CD-JJ-001")
    ]
    assert set(notes["message"]) == {"from the children's proposal log (1 proposal)"}


# --------------------------------------------------------------------------- commands


def _cli(args, monkeypatch):
    from typer.testing import CliRunner

    from cfeval.cli.app import app

    monkeypatch.setenv("COLUMNS", "200")
    return CliRunner().invoke(app, [*args, "--lang", "en"])


def _data_args(log):
    return [
        "chengdu-community",
        "--survey", str(SAMPLE / "survey.csv"),
        "--audit", str(SAMPLE / "audit.csv"),
        "--proposals", str(log),
    ]  # fmt: skip


def test_check_lists_every_problem_of_the_log(tmp_path, monkeypatch):
    log = _write(tmp_path, BROKEN)
    out = tmp_path / "issues.csv"
    res = _cli(["check", *_data_args(log), "--out", str(out)], monkeypatch)
    assert res.exit_code == 1, res.output
    assert "dates-out-of-order" in res.output and "unknown-topic" in res.output
    import pandas as pd

    issues = pd.read_csv(out, encoding="utf-8-sig")
    mine = issues[issues["file"].str.endswith("log.csv")]
    assert mine[["row", "column", "code"]].values.tolist() == EXPECTED_BROKEN


@pytest.mark.parametrize("fmt", ["csv", "json", "xlsx", "parquet"])
def test_score_with_a_broken_log_in_every_format(tmp_path, monkeypatch, fmt):
    log = _write(tmp_path, BROKEN)
    out = tmp_path / f"scores.{fmt}"
    res = _cli(["score", *_data_args(log), "--out", str(out)], monkeypatch)
    assert res.exit_code == 1, res.output
    assert "dates-out-of-order 1" in res.output and "missing-community-id 1" in res.output
    assert "proposal log: used for 1 of 32 communities × waves" in res.output
    assert out.exists()
    if fmt == "json":
        data = json.loads(out.read_text(encoding="utf-8"))
        summary = data["data_issues"]
        assert summary["dates-out-of-order"] == summary["unknown-topic"] == 1
        assert summary["missing-community-id"] == 1
        sources = [n for n in data["notes"] if n["kind"] == "source"]
        assert {n["id"] for n in sources} == {"proposals_recorded", "proposals_answered"}
    if fmt == "xlsx":
        from openpyxl import load_workbook

        book = load_workbook(out, read_only=True)
        rows = [r for ws in book.worksheets for r in ws.iter_rows(values_only=True)]
        found = [[r[1], r[2], r[4]] for r in rows if r and r[0] == "log.csv"]
        assert found == EXPECTED_BROKEN


def test_report_lists_the_log_problems_and_shows_the_usable_rows(tmp_path, monkeypatch):
    import re
    import subprocess

    log = _write(tmp_path, BROKEN)
    out = tmp_path / "out"
    args = ["report", *_data_args(log), "--community", "CD-JJ-001", "--out", str(out)]
    res = _cli([*args, "--workers", "1"], monkeypatch)
    assert res.exit_code == 0, res.output
    lines = [line for line in res.output.splitlines() if "log.csv:" in line]
    codes = {code for *_, code in EXPECTED_BROKEN}
    found = []
    for line in lines:
        row, column = re.match(r"log\.csv:(\d+)\s+(\S+)", line).groups()
        found.append([int(row), column, next(c for c in line.split() if c in codes)])
    assert sorted(found) == EXPECTED_BROKEN
    pdf = out / "CD-JJ-001_en.pdf"
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True).stdout
    flat = "".join(text.split())
    # the row answered before it was raised and the blank community are left out; the
    # unknown topic is kept (shown as written)
    assert "1proposal" in flat and "Lesshomework" in flat and "Swings" not in flat
    assert "Datesoutoforder" in flat and "MissingcommunityID" in flat  # excluded rows, by reason


# --------------------------------------------------------------------------- template


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_template_filled_in_reads_back_clean(tmp_path, monkeypatch, lang):
    import datetime as dt

    from openpyxl import load_workbook

    from cfeval.data.proposals import COLUMNS, read_proposals

    res = _cli(["template", "chengdu-community", "-o", str(tmp_path / "kit"), "--proposals",
                "--community", "CD-JJ-001"], monkeypatch)  # fmt: skip
    assert res.exit_code == 0, res.output
    assert sorted(p.name for p in (tmp_path / "kit").iterdir()) == [
        "proposals.csv",
        "proposals.xlsx",
    ]
    csv = (tmp_path / "kit" / "proposals.csv").read_bytes()
    assert csv == ("\ufeff" + ",".join(COLUMNS) + "\n").encode("utf-8")
    path = tmp_path / "kit" / "proposals.xlsx"
    book = load_workbook(path)
    ws = book.worksheets[0]
    assert [c.value for c in ws[1]] == list(COLUMNS)
    topic = "游戏和活动场地" if lang == "zh" else "Places to play"
    answer = "部分采纳" if lang == "zh" else "partly"
    row = ["CD-JJ-001", 1, dt.date(2026, 3, 1), "observation group", topic,
           "=HYPERLINK(\"http://x\")", "Street office", dt.date(2026, 3, 9), answer, "",
           "Shade put up", dt.date(2026, 3, 20), "meeting"]  # fmt: skip
    for col, value in enumerate(row, start=1):
        ws.cell(row=2, column=col, value=value)
    ws.cell(row=2, column=6).data_type = "s"
    book.save(path)
    log = read_proposals(
        path, communities={"CD-JJ-001"}, topics=_lists("topics"), bodies=_lists("bodies")
    )
    assert log.report.issues == []
    (got,) = log.frame.to_dict("records")
    assert (got["topic"], got["referred_to"], got["answer"]) == (
        "play_space",
        "street_office",
        "partly",
    )
    assert got["date_answered"].date() == dt.date(2026, 3, 9)
    assert got["proposal"] == '=HYPERLINK("http://x")'  # kept as text, never a formula


def _lists(kind):
    return cfeval.load_framework("chengdu-community").proposals.aliases(kind)


@pytest.mark.parametrize("text", ["", "a,b\n1,2\n", HEADER])
def test_an_unusable_log_leaves_the_audit_as_the_source(tmp_path, text):
    result = _score(_write(tmp_path, text))
    codes = {i.code for i in result.report.issues if i.file.endswith("log.csv")}
    assert codes and codes <= {"empty-file", "missing-column", "unknown-column", "no-data-rows"}
    notes = result.notes[result.notes["kind"] == "source"]
    assert set(notes["message"]) == {
        "from the audit sheet: the proposal log has no proposal for this period"
    }
    assert _node(result, "CD-JJ-001", "proposals_recorded")["points"] == pytest.approx(3 * 7 / 12)


# --------------------------------------------------------------------------- laws


def _random_log(data):
    import datetime as dt

    import pandas as pd
    from hypothesis import strategies as st

    n = data.draw(st.integers(1, 12))
    rows = []
    for i in range(n):
        raised = dt.date(2024, 1, 1) + dt.timedelta(days=data.draw(st.integers(0, 300)))
        answer = data.draw(st.sampled_from([None, "accepted", "partly", "declined"]))
        answered = None if answer is None else raised + dt.timedelta(data.draw(st.integers(0, 90)))
        told = None
        if answered is not None and data.draw(st.booleans()):
            told = answered + dt.timedelta(data.draw(st.integers(0, 30)))
        rows.append({
            "row": i + 2, "community_id": data.draw(st.sampled_from(["A", "B"])), "wave": "1",
            "date_raised": raised, "answer": answer, "date_answered": answered,
            "action": data.draw(st.sampled_from([None, "", "done it"])),
            "date_reported_back": told, "proposal": "x", "topic": None, "referred_to": None,
            "reason": None, "reported_how": None, "raised_by": None,
        })  # fmt: skip
    frame = pd.DataFrame(rows)
    for c in ("date_raised", "date_answered", "date_reported_back"):
        frame[c] = pd.to_datetime(frame[c])
    return frame


def test_measures_and_statuses_obey_their_laws():
    from hypothesis import given, settings
    from hypothesis import strategies as st

    from cfeval.data.proposal_measures import proposal_measures
    from cfeval.results.proposals import STATUSES, proposal_status

    @settings(max_examples=60, deadline=None)
    @given(st.data())
    def law(data):
        frame = _random_log(data)
        m = proposal_measures(frame, within_days=30)
        shuffled = frame.sample(frac=1, random_state=1).reset_index(drop=True)
        assert m.equals(proposal_measures(shuffled, within_days=30))  # row order is irrelevant
        assert m["n_proposals"].sum() == len(frame)
        for col in ("share_answered_within", "share_acted_on", "share_reported_back"):
            assert ((m[col] >= 0) & (m[col] <= 1)).all()
        # a longer window never answers fewer proposals in time
        longer = proposal_measures(frame, within_days=60)["share_answered_within"]
        assert (longer >= m["share_answered_within"]).all()
        status = proposal_status(frame)
        assert set(status) <= set(STATUSES)
        # "acted on" (the measure) is exactly accepted, or partly with an action recorded
        acted = (status == "done") | ((status == "promised") & (frame["answer"] == "accepted"))
        by_unit = acted.groupby(frame["community_id"]).mean()
        assert by_unit.to_numpy() == pytest.approx(m["share_acted_on"].to_numpy())

    law()


def test_a_proposal_of_a_wave_the_audit_lacks_is_listed(tmp_path):
    text = HEADER + "CD-JJ-001,3,2024-03-01,group,play_space,Swings,school,,,,,,\n"
    result = _score(_write(tmp_path, text))
    (issue,) = [i for i in result.report.issues if i.file.endswith("log.csv")]
    assert (issue.row, issue.column, issue.value, issue.code, issue.severity) == (
        2, "wave", "3", "wave-not-in-audit", "warning",
    )  # fmt: skip
    assert "CD-JJ-001" in issue.message and "wave 3" in issue.message
