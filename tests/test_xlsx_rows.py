"""The column-wise XLSX body (scoring/xlsx_rows.py) against XlsxWriter cell by cell.

Each workbook is written twice, once through ``FrameSheet.write_body`` and once through
XlsxWriter's own ``write``, cell by cell (``per_cell=True``), and read back with openpyxl: every
cell's position, value, type, number format, bold and quote prefix must agree, and so
must each sheet's used range, frozen panes and filter.
"""

from __future__ import annotations

import io
import re
import zipfile

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cfeval._io import deterministic_zip
from cfeval.errors import UsageError
from cfeval.scoring.export import write_frames_xlsx

NAMES = {"score": "得分 score", "coverage": "覆盖率 coverage", "x": "=x"}


def _both(frames) -> tuple[bytes, bytes]:
    fast, slow = io.BytesIO(), io.BytesIO()
    write_frames_xlsx(frames, fast, NAMES)
    write_frames_xlsx(frames, slow, NAMES, per_cell=True)
    return fast.getvalue(), slow.getvalue()


def _content(data: bytes) -> list:
    from openpyxl import load_workbook

    wb = load_workbook(io.BytesIO(data))
    package = zipfile.ZipFile(io.BytesIO(data))
    doc = []
    for i, ws in enumerate(wb.worksheets, start=1):
        xml = package.read(f"xl/worksheets/sheet{i}.xml").decode("utf-8")
        cells = [
            (c.coordinate, repr(c.value), c.data_type, c.number_format, c.font.b, c.quotePrefix)
            for row in ws.iter_rows()
            for c in row
            if c.value is not None
        ]
        used = re.search(r'<dimension ref="([^"]*)"', xml).group(1)
        doc.append((ws.title, used, ws.freeze_panes, ws.auto_filter.ref, cells))
    return doc


def _same(frames) -> list:
    fast, slow = _both(frames)
    got = _content(fast)
    assert got == _content(slow)
    return got


SPECIAL_TEXT = [
    "=HYPERLINK(\"http://x\",\"y\")", "+1+1", "-A1", "@SUM(A1)", "\t=1", "\r=1", "-3", "+1.5e3",
    " leading", "trailing ", " ", "", "a&b<c>\"d'", "line\nbreak", "\x00\x01\x1f", "_x0000_",
    "_x005F_x0041_", "\ufffe\uffff", "社区儿童友好", "😀 emoji", "<r><t>x</t></r>", "<r>",
]  # fmt: skip
texts = st.one_of(
    st.sampled_from(SPECIAL_TEXT),
    st.text(
        st.one_of(
            st.characters(codec="utf-8"),
            st.sampled_from(list("=+-@\t\r\n\x00\x0b\x1f&<>_x中文😀 ")),
        ),
        max_size=12,
    ),
)
floats = st.one_of(
    st.floats(),
    st.sampled_from([0.0, -0.0, 1e308, -1e308, 5e-324, 0.1 + 0.2, 1e16, 123456789012345678.0]),
)
ints = st.integers(-(2**63), 2**63 - 1)


@st.composite
def frames(draw):
    n = draw(st.integers(0, 12))
    names = draw(
        st.lists(
            st.sampled_from(["score", "coverage", "x", "a", "b", "c"]), unique=True, max_size=5
        )
    )
    data = {}
    for name in names:
        kind = draw(st.sampled_from(["float", "int", "bool", "object", "string", "mixed"]))
        if kind == "float":
            data[name] = pd.Series(draw(st.lists(floats, min_size=n, max_size=n)), dtype=float)
        elif kind == "int":
            data[name] = pd.Series(draw(st.lists(ints, min_size=n, max_size=n)), dtype="int64")
        elif kind == "bool":
            data[name] = pd.Series(
                draw(st.lists(st.booleans(), min_size=n, max_size=n)), dtype=bool
            )
        elif kind in ("object", "string"):
            values = draw(st.lists(st.one_of(texts, st.none()), min_size=n, max_size=n))
            data[name] = pd.Series(values, dtype=object if kind == "object" else "string")
        else:
            anything = st.one_of(texts, floats, ints, st.booleans(), st.none())
            data[name] = pd.Series(draw(st.lists(anything, min_size=n, max_size=n)), dtype=object)
    return pd.DataFrame(data, index=range(n))


@settings(max_examples=80)
@given(st.lists(frames(), min_size=1, max_size=2))
def test_the_column_wise_body_reads_back_as_cell_by_cell(dfs):
    _same([(f"sheet {i}", df) for i, df in enumerate(dfs)])


def test_edge_cells_one_by_one():
    """Blanks, non-finite numbers, -0, huge ints, booleans, formulas, text to truncate."""
    longest = "a" * 32_766 + "😀" + "b" * 10  # the emoji would end past 32,767 UTF-16 units
    df = pd.DataFrame(
        {
            "score": [np.nan, np.inf, -np.inf, -0.0, 0.1 + 0.2, 1e300],
            "coverage": [0.5, 1.0, None, 2.0, 0.0, 1 / 3],
            "n": pd.Series([1, -(2**63), 2**63 - 1, 10**16, 0, 7], dtype="int64"),
            "flag": [True, False, True, False, True, False],
            "text": ["=1+1", "", None, "社" * 20_000, longest, "<r><t>=1</t></r>"],
            "nullable": pd.Series([1, None, 3, None, 5, 6], dtype="Int64"),
        }
    )
    [(_, used, freeze, ref, cells)] = _same([("t", df)])
    assert (used, freeze, ref) == ("A1:F7", "A2", "A1:F7")
    by_ref = {c[0]: c for c in cells}
    assert "A2" not in by_ref and "A3" not in by_ref and "A4" not in by_ref  # NaN, ±inf
    assert by_ref["A5"][1:4] == ("0", "n", "0.0")  # -0.0 is Excel's 0
    assert by_ref["B2"][3] == "0.0%"
    assert by_ref["C5"][1:3] == (repr(1e16), "n")  # XlsxWriter's 16 digits: "1E+16"
    assert by_ref["D2"][1:3] == ("True", "b")
    assert by_ref["E2"][1] == "'=1+1'" and by_ref["E2"][5]  # text, with the quote prefix
    assert "E3" not in by_ref  # the empty string is a blank cell
    assert by_ref["E5"][1] == repr("社" * 20_000)
    assert by_ref["E6"][1] == repr("a" * 32_766)
    # Text shaped like rich-text XML stays text (XlsxWriter alone writes it into the XML).
    assert by_ref["E7"][1] == repr("<r><t>=1</t></r>")
    assert by_ref["F6"][1] == "5"  # a cell after a cut text is kept


def test_a_column_of_other_types_is_written_cell_by_cell():
    """A date (or any type the column writer does not spell) leaves the frame to XlsxWriter."""
    df = pd.DataFrame({"when": [pd.Timestamp("2024-06-01").to_pydatetime(), None], "a": [1, 2]})
    fast, slow = _both([("d", df)])
    assert fast == slow


def test_a_sheet_beyond_excel_rows_is_refused_not_cut():
    df = pd.DataFrame({"n": np.zeros(1_048_576, dtype=np.int8)})
    with pytest.raises(UsageError, match="1048577 rows"):
        write_frames_xlsx([("big", df)], io.BytesIO(), {})


def test_rewriting_the_package_keeps_deflated_entries_byte_for_byte():
    """keep_compressed gives the very bytes of inflating and deflating again."""
    import openpyxl
    import xlsxwriter

    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"constant_memory": True})
    ws = wb.add_worksheet("社区")
    for i in range(2000):
        ws.write_row(i, 0, [i, f"name {i % 7}", i / 7])
    wb.close()
    other = io.BytesIO()
    book = openpyxl.Workbook()
    book.active.append(["a", 1])
    book.save(other)
    for data in (buf.getvalue(), other.getvalue()):
        kept = deterministic_zip(data, keep_compressed=True)
        assert kept == deterministic_zip(data)
        assert zipfile.ZipFile(io.BytesIO(kept)).testzip() is None


def test_workbook_reruns_are_byte_identical():
    df = pd.DataFrame({"score": [1.5, 2.25], "a": ["x", "=y"], "b": [True, False]})
    assert _both([("s", df)])[0] == _both([("s", df)])[0]
