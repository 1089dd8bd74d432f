"""Round trips: a kit filled in from the shipped sample data reads back with no issues and
scores exactly as the sample data it was filled from.

The baseline is the sample survey without its weight column (paper questionnaires and
forms carry no design weights), read and cleaned by the data stage; every template is
filled from that tidy data the way a person or a platform would fill it.
"""

from __future__ import annotations

import csv

import numpy as np
import openpyxl
import pandas as pd
import pytest

from cfeval._paths import shipped_dir
from cfeval.collect.audit import Community, audit_headers, write_audit_workbook
from cfeval.collect.common import YES_NO, survey_groups
from cfeval.collect.entry import entry_columns, write_entry_workbook
from cfeval.collect.textform import text_questions, write_text_form
from cfeval.collect.xlsform import survey_form
from cfeval.data.load import load_data
from cfeval.framework.loader import load_framework
from cfeval.scoring.engine import score

SAMPLE = shipped_dir("sample_data") / "chengdu"
SCORE_COLUMNS = ["score", "points", "max_points", "ci_low", "ci_high", "n", "status", "grade"]


@pytest.fixture(scope="module")
def base():
    fw = load_framework("chengdu-community")
    raw = pd.read_csv(SAMPLE / "survey.csv", dtype=str).drop(columns="weight")
    ds = load_data(fw, survey=raw, audit=SAMPLE / "audit.csv")
    return fw, ds, score(fw, ds)


def _blank(value) -> bool:
    return value is None or (isinstance(value, float) and np.isnan(value))


def fill_audit(fw, audit: pd.DataFrame, path, lang: str) -> None:
    """Fill the audit workbook as a person would: labels from the drop-downs, numbers."""
    rows = [
        Community(r.community_id, r.wave, r.name, r.city, r.district) for r in audit.itertuples()
    ]
    write_audit_workbook(fw, path, lang, rows)
    wb = openpyxl.load_workbook(path)
    ws = wb.worksheets[0]
    by_header = {v: k for k, v in audit_headers(fw, lang).items()}
    targets = [by_header[c.value] for c in ws[1]]
    for r, rec in enumerate(audit.itertuples(), start=2):
        assert ws.cell(r, 1).value == rec.community_id  # pre-filled
        for col, key in enumerate(targets, start=1):
            spec = fw.fields.get(key)
            value = getattr(rec, key) if spec else None
            if spec is None or _blank(value):
                continue
            if spec.type == "boolean":
                value = YES_NO[lang]["1" if value else "0"]
            elif spec.type == "category":
                value = next(c.label[lang] for c in spec.categories if c.value == value)
            ws.cell(r, col, value)
    wb.save(path)


def _cell(value):
    if _blank(value) or value is pd.NA:
        return None
    return int(value) if isinstance(value, float) and value.is_integer() else value


def fill_entry(fw, survey: pd.DataFrame, folder, lang: str) -> list:
    paths = []
    for group in survey_groups(fw):
        path = folder / f"entry_{group}.xlsx"
        write_entry_workbook(fw, group, path, lang, sorted(survey["community_id"].unique()))
        wb = openpyxl.load_workbook(path)
        ws = wb.worksheets[0]
        columns = entry_columns(fw, group)
        assert [c.value for c in ws[1]] == columns
        rows = survey[survey["respondent"] == group]
        for r, rec in enumerate(rows[columns].itertuples(index=False), start=2):
            for col, value in enumerate(rec, start=1):
                ws.cell(r, col, _cell(value))
        wb.save(path)
        paths.append(path)
    return paths


def kobo_export(fw, survey: pd.DataFrame, folder) -> list:
    """A KoboToolbox CSV export with "XML values and headers": ``;``-separated, every field
    quoted, metadata columns around the questions, names as headers."""
    paths = []
    for group in survey_groups(fw):
        names = [r["name"] for r in survey_form(fw, group).survey if r["type"] != "note"]
        head = [*names, "_id", "_uuid", "_submission_time", "_validation_status", "_index"]
        rows = survey[survey["respondent"] == group]
        path = folder / f"kobo_{group}.csv"
        with open(path, "w", encoding="utf-8", newline="") as fh:
            out = csv.writer(fh, delimiter=";", quoting=csv.QUOTE_ALL)
            out.writerow(head)
            for i, rec in enumerate(rows.to_dict("records"), start=1):
                meta = {
                    "start": "2026-09-01T10:00:00.000+08:00",
                    "end": "2026-09-01T10:09:00.000+08:00",
                    "consent": "yes",
                    "_id": str(1000 + i),
                    "_uuid": f"uuid-{i}",
                    "_submission_time": "2026-09-01T02:10:00",
                    "_validation_status": "",
                    "_index": str(i),
                }
                line = []
                for name in head:
                    value = meta[name] if name in meta else _cell(rec.get(name))
                    line.append("" if value is None else str(value))
                out.writerow(line)
        paths.append(path)
    return paths


def wjx_export(fw, survey: pd.DataFrame, group: str, folder, lang: str):
    """A 问卷星 "by text" (按选项文本) export of the text questionnaire: system columns,
    ``N、question`` headers, option texts in the cells, (跳过) for skipped questions."""
    asked = text_questions(fw, group, lang)
    head = ["序号", "提交答卷时间", "所用时间", "来源", "来源详情", "来自IP"]
    head += [f"{n}、{text}" for n, (_, text, _) in enumerate(asked, start=1)]
    rows = []
    for i, rec in enumerate(survey[survey["respondent"] == group].to_dict("records"), start=1):
        line = [i, "2026/09/03 12:00:00", "123秒", "手机提交", "直接访问", "127.0.0.1"]
        for column, _, options in asked:
            value = rec.get(column)
            if _blank(value):
                line.append("(跳过)")
            elif column == "gender":
                line.append(options[["female", "male"].index(value)])
            elif options and isinstance(options[0], tuple):
                line.append(dict(options)[int(value)])
            else:
                line.append(_cell(value))
        rows.append(line)
    path = folder / f"wjx_{group}.xlsx"
    pd.DataFrame(rows, columns=head).to_excel(path, index=False)
    return path


def assert_same_scores(result, expected) -> None:
    got = result.to_frame().set_index(["community_id", "wave", "path"])[SCORE_COLUMNS]
    want = expected.to_frame().set_index(["community_id", "wave", "path"])[SCORE_COLUMNS]
    pd.testing.assert_frame_equal(got.sort_index(), want.sort_index(), check_exact=False, rtol=1e-9)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_filled_audit_workbook_reads_back_unchanged(base, tmp_path, lang):
    fw, ds, expected = base
    path = tmp_path / "audit.xlsx"
    fill_audit(fw, ds.audit, path, lang)
    raw = pd.read_csv(SAMPLE / "survey.csv", dtype=str).drop(columns="weight")
    back = load_data(fw, survey=raw, audit=path)
    assert [i for i in back.report.issues if i.file == str(path)] == []
    pd.testing.assert_frame_equal(back.audit, ds.audit)
    assert_same_scores(score(fw, back), expected)


def test_filled_entry_sheets_read_back_with_no_issue_and_the_same_scores(base, tmp_path):
    fw, ds, expected = base
    audit = tmp_path / "audit.xlsx"
    fill_audit(fw, ds.audit, audit, "zh")
    entries = fill_entry(fw, ds.survey, tmp_path, "zh")
    back = load_data(fw, survey=entries, audit=audit)
    assert back.report.issues == []
    assert len(back.survey) == len(ds.survey)
    assert_same_scores(score(fw, back), expected)


def test_kobo_export_of_the_xlsforms_reads_back_with_no_mapping(base, tmp_path):
    fw, ds, expected = base
    audit = tmp_path / "audit.xlsx"
    fill_audit(fw, ds.audit, audit, "en")
    exports = kobo_export(fw, ds.survey, tmp_path)
    back = load_data(fw, survey=exports, audit=audit)
    assert not back.report.has_problems
    unknown = {
        name
        for i in back.report.issues
        if i.code in ("unknown-column", "platform-column")
        for name in i.column.split(", ")
    }
    # Only Kobo's own bookkeeping is left unread; every question found its column.
    assert unknown <= {"start", "end", "consent", "_id", "_uuid", "_submission_time",
                       "_validation_status", "_index"}  # fmt: skip
    assert {i.code for i in back.report.issues} <= {"unknown-column", "platform-column", "encoding"}
    assert_same_scores(score(fw, back), expected)


def test_wjx_text_export_reads_back_through_the_generated_mapping(base, tmp_path):
    fw, ds, _ = base
    group = "child"
    write_text_form(fw, group, tmp_path, "zh")
    export = wjx_export(fw, ds.survey, group, tmp_path, "zh")
    back = load_data(fw, survey=export, mapping=tmp_path / f"text_{group}_mapping.yaml")
    assert not back.report.has_problems
    items = [q for q in back.survey.columns if q.startswith("c_")]
    want = ds.survey[ds.survey["respondent"] == group].reset_index(drop=True)
    got = back.survey.reset_index(drop=True)
    pd.testing.assert_frame_equal(got[items], want[items])
    assert list(got["community_id"]) == list(want["community_id"])
