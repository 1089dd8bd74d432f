"""Scores and exports of the shipped frameworks on the shipped sample data, pinned.

Restructuring must not change a number or a byte of what people get. When a change is
*meant* to alter outputs (a fixed interval, a new column), regenerate the pins with
``CFEVAL_UPDATE_GOLDEN=1 python -m pytest tests/test_golden.py`` and say why in the commit.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
GOLDEN = Path(__file__).parent / "golden" / "scores.json"
CASES = {
    "chengdu-community": "chengdu",
    "hangzhou-community": "hangzhou",
    "tzsx-community": "tzsx",
    "unicef-cfci": "unicef",
    "research-index": "research",
}
FORMATS = ("csv", "json", "xlsx", "parquet")


def _digests(framework_id: str, folder: str, tmp: Path) -> dict[str, str]:
    import cfeval

    data = ROOT / "sample_data" / folder
    fw = cfeval.load_framework(framework_id)
    result = cfeval.score(fw, survey=data / "survey.csv", audit=data / "audit.csv")
    out = {}
    for fmt in FORMATS:
        path = result.write(tmp / f"{framework_id}.{fmt}")
        data = xlsx_content(path) if fmt == "xlsx" else path.read_bytes()
        out[fmt] = hashlib.sha256(data).hexdigest()
    return out


def xlsx_content(path: Path) -> bytes:
    """What a workbook holds, as canonical JSON: per sheet its name, frozen panes, filter
    range and every non-empty cell's position, value (numbers exactly, as ``repr``), number
    format, bold and quote prefix (formula safety).

    The XLSX pin is on this content, not on the file's bytes: the writer (XlsxWriter since
    the 5,000-community workbook had to come down from 77 s) chooses how a workbook is
    spelled in XML (inline or shared strings, style order, column-width padding), which
    says nothing about what a reader sees. The pin was taken from the openpyxl workbook
    before the change, so the same content is what this test checks.
    """
    from openpyxl import load_workbook

    wb = load_workbook(path)
    doc = []
    for ws in wb.worksheets:
        cells = [
            [c.coordinate, repr(c.value), c.number_format, bool(c.font.b), bool(c.quotePrefix)]
            for row in ws.iter_rows()
            for c in row
            if c.value is not None
        ]
        doc.append([ws.title, ws.freeze_panes, ws.auto_filter.ref, cells])
    return json.dumps(doc, ensure_ascii=False).encode("utf-8")


@pytest.mark.parametrize("framework_id", sorted(CASES))
def test_exports_are_pinned(framework_id, tmp_path):
    got = _digests(framework_id, CASES[framework_id], tmp_path)
    pinned = json.loads(GOLDEN.read_text(encoding="utf-8")) if GOLDEN.exists() else {}
    if os.environ.get("CFEVAL_UPDATE_GOLDEN") == "1":
        pinned[framework_id] = got
        GOLDEN.write_text(json.dumps(pinned, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    assert got == pinned[framework_id]


REPORTS = {  # (framework, data folder, community, language)
    "chengdu_zh": ("chengdu-community", "chengdu", "HZ-XH-002", "zh"),
    "unicef_en": ("unicef-cfci", "unicef", "HZ-XH-002", "en"),
}


@pytest.mark.parametrize("name", sorted(REPORTS))
def test_report_text_is_pinned(name, tmp_path):
    """The words of a report; a change shows up as a readable diff of the .txt pin."""
    import shutil
    import subprocess

    import cfeval
    from cfeval.report.entry import render_report

    if shutil.which("pdftotext") is None:
        pytest.fail("poppler-utils (pdftotext) is part of the set-up; install it")
    framework_id, folder, community, lang = REPORTS[name]
    data = ROOT / "sample_data" / folder
    result = cfeval.score(framework_id, survey=data / "survey.csv", audit=data / "audit.csv")
    pdf = render_report(result, community, tmp_path / "r.pdf", lang=lang, date="2024-06-01")
    text = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    pin = GOLDEN.parent / f"report_{name}.txt"
    if os.environ.get("CFEVAL_UPDATE_GOLDEN") == "1":
        pin.write_text(text, encoding="utf-8")
    assert text == pin.read_text(encoding="utf-8")
