"""The "You said, we did" section of the community report and the children's edition.

Both are read as their readers see them: text through pdftotext, pages counted, fonts
through pdffonts; nothing about any one child may appear (no respondent ids, no names of
who raised a proposal, no phone numbers).
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pandas as pd
import pytest

import cfeval
from cfeval.report.entry import render_report

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "sample_data" / "chengdu"
HEADER = (
    "community_id,wave,date_raised,raised_by,topic,proposal,referred_to,date_answered,"
    "answer,reason,action,date_reported_back,reported_how\n"
)
# ``raised_by`` holds children's names here: they must never reach a report.
LOG = HEADER + (
    "CD-JJ-001,1,2024-03-01,Wang Xiaoming,play_space,More swings please,residents_committee,"
    "2024-03-11,accepted,,Two swings installed,2024-04-01,meeting\n"
    "CD-JJ-001,1,2024-03-01,李小红,游戏和活动场地,滑梯旁边放一张长椅,物业服务企业,"
    "2024-04-10,partly,,,,\n"
    "CD-JJ-001,1,2024-03-05,Chen Jiajia,way_to_school,Call 13812345678 about the crossing,"
    "street_office,2024-03-10,declined,No budget this year,,2024-03-20,poster\n"
    "CD-JJ-001,1,2024-05-05,Zhao Lei,safety,<b>Lights</b> on the path,street_office,,,,,,\n"
)
NAMES = ("Wang Xiaoming", "李小红", "Chen Jiajia", "Zhao Lei")


@pytest.fixture(scope="module")
def result(tmp_path_factory):
    log = tmp_path_factory.mktemp("log") / "log.csv"
    log.write_text(LOG, encoding="utf-8")
    return cfeval.score(
        "chengdu-community", survey=SAMPLE / "survey.csv", audit=SAMPLE / "audit.csv",
        proposals=log,
    )  # fmt: skip


def _text(pdf: Path) -> str:
    if shutil.which("pdftotext") is None:
        pytest.fail("poppler-utils (pdftotext) is part of the set-up; install it")
    # reading order (no -layout): a table cell's wrapped lines stay together
    return subprocess.run(
        ["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout


def _flat(text: str) -> str:
    return re.sub(r"\s+", "", text)


def _respondent_ids() -> set[str]:
    ids = pd.read_csv(SAMPLE / "survey.csv", dtype=str)["respondent_id"].dropna()
    return {i for i in ids if len(i) >= 4}


def _no_one_child(text: str) -> None:
    flat = _flat(text)
    for name in NAMES:
        assert _flat(name) not in flat
    assert "13812345678" not in flat and "***********" in flat
    leaked = [i for i in _respondent_ids() if i in flat]
    assert not leaked


# --------------------------------------------------------------------------- adults


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_you_said_we_did_lists_counts_and_quotes(result, tmp_path, lang):
    text = _text(
        render_report(result, "CD-JJ-001", tmp_path / "r.pdf", lang=lang, date="2024-06-01")
    )
    flat = _flat(text)
    title, counts, source = {
        "en": ("You said, we did", ["4proposals", "1done", "1agreed,notdoneyet", "1nottakenup",
                                    "1waitingforananswer", "2reportedbacktothechildren"],
               "computedfromthechildren'sproposallog"),
        "zh": ("你们说，我们做", ["4条提案", "1条已落实", "1条已同意、尚未落实", "1条未采纳",
                                 "1条等待答复", "2条已向儿童反馈"], "根据儿童提案记录表计算"),
    }[lang]  # fmt: skip
    assert title in text
    for c in counts:
        assert c in flat
    assert source in flat
    _no_one_child(text)
    # the children's words, quoted as written; markup is shown as text, never applied
    from cfeval.report.context import build_context
    from cfeval.report.render import render_html

    html = render_html("report.html.j2", build_context(result, "CD-JJ-001", lang=lang))
    for quote in (
        "“More swings please”",
        "“滑梯旁边放一张长椅”",
        "“&lt;b&gt;Lights&lt;/b&gt; on the path”",
    ):
        assert quote in html
    assert "<b>Lights" not in html and "13812345678" not in html
    for name in NAMES:
        assert name not in html


def test_without_a_log_the_report_says_the_audit_sheet_was_used(tmp_path):
    plain = cfeval.score(
        "chengdu-community", survey=SAMPLE / "survey.csv", audit=SAMPLE / "audit.csv"
    )
    text = _flat(_text(render_report(plain, "CD-JJ-001", tmp_path / "r.pdf", lang="en")))
    assert "Noproposallogwasgiven" in text and "comefromtheauditsheet" in text


# --------------------------------------------------------------------------- children


def _pages(pdf: Path) -> int:
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True)
    return int(re.search(r"Pages:\s+(\d+)", info.stdout).group(1))


def _fonts(pdf: Path) -> list[list[str]]:
    out = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=True)
    return [line.split() for line in out.stdout.splitlines()[2:]]


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_children_edition_is_short_plain_and_about_no_one_child(result, tmp_path, lang):
    pdf = render_report(
        result, "CD-JJ-001", tmp_path / "c.pdf", lang=lang, date="2024-06-01", edition="children"
    )
    assert 2 <= _pages(pdf) <= 4
    fonts = _fonts(pdf)
    assert fonts and all(f[-5] == "yes" for f in fonts)  # every font embedded
    assert {f[0].split("+", 1)[1] for f in fonts} <= {"Noto-Sans-CJK-SC", "Noto-Sans-CJK-SC-Bold"}
    text = _text(pdf)
    assert "\ufffd" not in text
    flat = _flat(text)
    words = {
        "en": ["Whatchildrentoldus", "Whatyouaskedfor,andwhattheadultsdid", "Whathappensnext",
               "Howtomakeanewproposal", "Done!", "within30days", "36childrenansweredourquestions"],
        "zh": ["小朋友们告诉我们的", "你们提了什么建议，大人们做了什么", "接下来会怎样",
               "怎样提出新的建议", "做到了！", "30天内回答", "36个小朋友回答了我们的问题"],
    }[lang]  # fmt: skip
    for word in words:
        assert word in flat
    # no scores, grades, intervals or points: no number with a decimal point or a percent
    assert not re.search(r"\d+\.\d|%|％", text)
    for jargon in ("interval", "区间", "grade", "等级", "score", "得分"):
        assert jargon not in text.lower()
    _no_one_child(text)


def test_children_edition_never_shows_a_group_below_min_n(tmp_path):
    survey = pd.read_csv(SAMPLE / "survey.csv", dtype={"wave": str})
    few = survey[(survey.community_id != "CD-JJ-001") | (survey.respondent != "child")]
    kids = survey[(survey.community_id == "CD-JJ-001") & (survey.respondent == "child")].head(5)
    small = cfeval.score(
        "chengdu-community", survey=pd.concat([few, kids]), audit=SAMPLE / "audit.csv"
    )
    pdf = render_report(small, "CD-JJ-001", tmp_path / "c.pdf", lang="en", edition="children")
    flat = _flat(_text(pdf))
    assert "Notenoughchildrenansweredthistime" in flat
    assert "childrenansweredourquestions" not in flat and "Children'sviewsareheard" not in flat
    # without a log the children hear that the list has not come yet
    assert "Yoursocialworkerhasnotsentusthelistofyourproposalsyet" in flat


def test_children_edition_of_a_framework_without_a_log(tmp_path):
    folder = ROOT / "sample_data" / "unicef"
    plain = cfeval.score("unicef-cfci", survey=folder / "survey.csv", audit=folder / "audit.csv")
    cid = plain.communities["community_id"].iloc[0]
    pdf = render_report(plain, cid, tmp_path / "c.pdf", lang="zh", edition="children")
    assert 2 <= _pages(pdf) <= 4
    flat = _flat(_text(pdf))
    assert "社工还没有把你们的建议清单交给我们" in flat and "怎样提出新的建议" in flat


def test_an_unknown_edition_is_refused(result, tmp_path):
    from cfeval.errors import UsageError

    with pytest.raises(UsageError):
        render_report(result, "CD-JJ-001", tmp_path / "x.pdf", edition="kids")
    assert not (tmp_path / "x.pdf").exists()


def test_cli_report_children_edition(tmp_path, monkeypatch):
    from typer.testing import CliRunner

    from cfeval.cli.app import app

    log = tmp_path / "log.csv"
    log.write_text(LOG, encoding="utf-8")
    args = [
        "report", "chengdu-community", "--survey", str(SAMPLE / "survey.csv"),
        "--audit", str(SAMPLE / "audit.csv"), "--proposals", str(log),
        "--community", "CD-JJ-001", "--out", str(tmp_path / "out"), "--lang", "zh",
        "--edition", "children", "--workers", "1",
    ]  # fmt: skip
    res = CliRunner().invoke(app, args)
    assert res.exit_code == 0, res.output
    pdf = tmp_path / "out" / "CD-JJ-001_children_zh.pdf"
    assert 2 <= _pages(pdf) <= 4
    bad = CliRunner().invoke(app, [*args[:-4], "--edition", "kids"])
    assert bad.exit_code == 2 and "Traceback" not in bad.output
