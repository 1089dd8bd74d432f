"""Platform system columns and "no answer" codes (cfeval.data.platforms), through load_data."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from cfeval.data.load import load_data
from cfeval.data.platforms import (
    BLANK_CODES,
    PLATFORMS,
    SYSTEM_COLUMNS,
    codes_table_markdown,
    detect_platform,
)
from cfeval.framework.loader import load_framework

FW = load_framework("chengdu-community")
DOCS = Path(__file__).parents[1] / "docs" / "imports.md"


def wjx_numeric(extra_system=True):
    """A 问卷星 numeric export: c_voice_listen (child3: 1..3) with -3, -2 and a real 7."""
    frame = pd.DataFrame(
        {
            "序号": [1, 2, 3, 4, 5],
            "提交答卷时间": ["2024/5/1 10:00"] * 5,
            "1、社区编号": ["CD-JJ-001"] * 5,
            "2、社区里的大人会认真听我说话。": [3, -3, -2, -3, 7],
        }
    )
    return frame if extra_system else frame.drop(columns=["序号", "提交答卷时间"])


def test_detect_platform_needs_two_signature_columns():
    assert detect_platform(["序号", "提交答卷时间", "1、x"]) == "wjx"
    assert detect_platform(["start", "_uuid", "_submission_time"]) == "kobo"
    assert detect_platform(["SubmissionDate", "q", "KEY"]) == "odk"
    assert detect_platform(["key", "community_id"]) is None


def test_wjx_skip_codes_are_blanks_with_one_info_line_per_column():
    ds = load_data(FW, survey=wjx_numeric(), mapping={"respondent": "child"})
    values = ds.survey["c_voice_listen"].tolist()
    assert values[0] == 3.0 and np.isnan(values[1:]).all()
    lines = [i for i in ds.report.issues if i.code == "platform-blank"]
    assert len(lines) == 1
    assert (lines[0].column, lines[0].severity) == ("2、社区里的大人会认真听我说话。", "info")
    assert "-2 × 1" in lines[0].message and "-3 × 2" in lines[0].message
    # a real mistake in the same column is still reported, once
    assert [i.value for i in ds.report.issues if i.code == "out-of-range"] == ["7"]
    assert ds.report.summary().get("unknown-code") is None


def test_without_the_platform_a_negative_code_stays_a_warning_unless_the_mapping_says_so():
    ds = load_data(FW, survey=wjx_numeric(False), mapping={"respondent": "child"})
    assert ds.report.summary()["unknown-code"] == 3
    ds = load_data(
        FW, survey=wjx_numeric(False), mapping={"respondent": "child", "platform": "wjx"}
    )
    assert "unknown-code" not in ds.report.summary()
    assert ds.report.summary()["platform-blank"] == 1


def test_a_scale_that_uses_the_number_keeps_it_as_an_answer():
    fw = FW.model_copy(deep=True)
    fw.scales["child3"].missing_codes.append(-2)
    ds = load_data(fw, survey=wjx_numeric(), mapping={"respondent": "child"})
    line = next(i for i in ds.report.issues if i.code == "platform-blank")
    assert "-2" not in line.message  # -2 is the scale's own missing code: no platform note


@pytest.mark.parametrize("cell", ["(跳过)", "（跳过）", "(空)", "n/a", "N/A", "跳过"])
def test_text_codes_are_blank_with_an_info_line(cell):
    frame = pd.DataFrame({"community_id": ["A", "A"], "c_voice_listen": ["是", cell]})
    ds = load_data(FW, survey=frame, mapping={"respondent": "child"})
    assert ds.survey["c_voice_listen"].tolist()[0] == 3.0
    assert np.isnan(ds.survey["c_voice_listen"].tolist()[1])
    assert ds.report.summary() == {"missing-column": 1, "platform-blank": 1}


def test_docs_table_is_the_code_table():
    text = DOCS.read_text(encoding="utf-8")
    assert codes_table_markdown() in text
    for code in BLANK_CODES:
        assert code.meaning  # every code says what it means
    for platform, columns in SYSTEM_COLUMNS.items():
        row = " ".join(
            line.casefold().replace("\\_", "_")
            for line in text.splitlines()
            if line.startswith(f"| {PLATFORMS[platform]} |")
        )
        assert all(c in row for c in columns), platform
    # README links the page
    readme = (DOCS.parents[1] / "README.md").read_text(encoding="utf-8")
    assert re.search(r"\(docs/imports\.md\)", readme)


def test_messages_follow_the_language_of_the_moment(monkeypatch):
    frame = pd.DataFrame({"community_id": ["A"], "c_voice_listen": ["(跳过)"]})
    said = {}
    for lang in ("en", "zh", "en"):
        monkeypatch.setenv("CFEVAL_LANG", lang)
        ds = load_data(FW, survey=frame, mapping={"respondent": "child"})
        said.setdefault(lang, []).append(
            next(i.message for i in ds.report.issues if i.code == "platform-blank")
        )
    assert said["en"][0] == said["en"][1] and "read as blank" in said["en"][0]
    assert "按空白处理" in said["zh"][0]
