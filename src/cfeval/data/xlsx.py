"""Reading an XLSX workbook safely: limits checked before cells are built, a stated sheet rule.

A workbook is a zip of XML files, so two megabytes can expand to millions of rows or a
gigabyte of text. Before openpyxl reads a cell this module checks the zip's declared
sizes, streams the chosen sheet's XML once (a megabyte at a time) to count its rows, find
its widest column, its merged cells and formulas saved without a value, and measures the
longest text in the shared strings. Only then are the cells read, with openpyxl's
read-only (streaming) reader and explicit bounds, so a forged ``<dimension>`` cannot make
it pad millions of empty rows.

Sheet rule without ``--sheet``: among the visible sheets that are not help sheets (named
like help, instructions, codes, lists: ``说明``, ``代码``, ``选项`` ...), the only one; else the
one named like the data kind (``survey``/``问卷``/``调查``, ``audit``/``评估``/``审核``);
otherwise a usage error that lists the sheets. A hidden sheet is never read unless named.
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass, field

from cfeval.errors import DataError, UsageError

__all__ = [
    "MAX_UNCOMPRESSED",
    "MAX_ROWS",
    "MAX_COLUMNS",
    "MAX_CELLS",
    "MAX_CELL_CHARS",
    "SheetScan",
    "open_workbook",
    "choose_sheet",
    "scan_sheet",
    "read_rows",
]

#: Total uncompressed size of the workbook's parts.
MAX_UNCOMPRESSED = 100_000_000
#: Rows of one sheet (a survey of a district has tens of thousands).
MAX_ROWS = 200_000
#: Columns of one sheet.
MAX_COLUMNS = 2_000
#: Cells of one sheet, blank ones inside a row included.
MAX_CELLS = 5_000_000
#: Characters in one cell: Excel's own limit.
MAX_CELL_CHARS = 32_767
_CHUNK = 1 << 20

_KIND_NAMES = {
    "survey": ("survey", "问卷", "调查", "data", "数据"),
    "audit": ("audit", "评估", "检查", "审核"),
}
#: Sheets that explain or list codes rather than hold data (cfeval's own field kit has them).
_HELPER_NAMES = ("help", "instruction", "readme", "codes", "lists", "说明", "代码", "编码", "选项")


def _column_number(letters: bytes) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ch - 64
    return n


def open_workbook(raw: bytes, label: str):
    """The workbook in openpyxl's read-only mode, after the zip-level limits pass."""
    import openpyxl

    try:
        archive = zipfile.ZipFile(io.BytesIO(raw))
        infos = archive.infolist()
    except (zipfile.BadZipFile, ValueError) as exc:
        raise DataError(f"{label}: not a readable XLSX workbook ({exc})") from None
    total = sum(i.file_size for i in infos)
    if total > MAX_UNCOMPRESSED:
        raise DataError(
            f"{label}: the workbook unpacks to {total:,} bytes, more than the "
            f"{MAX_UNCOMPRESSED:,} cfeval reads; save the data as CSV or split it"
        )
    strings = [i for i in infos if i.filename.lower().endswith("sharedstrings.xml")]
    for info in strings:
        longest = _longest_text(archive, info.filename, label)
        if longest > MAX_CELL_CHARS * 4:  # bytes; a UTF-8 character is at most four
            raise DataError(
                f"{label}: a cell holds more than {MAX_CELL_CHARS:,} characters (Excel's own "
                "limit); the workbook is damaged or not a data export"
            )
    try:
        return openpyxl.load_workbook(io.BytesIO(raw), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a broken zip/xml
        raise DataError(f"{label}: not a readable XLSX workbook ({exc})") from None


def _chunks(archive: zipfile.ZipFile, name: str, label: str):
    try:
        with archive.open(name) as fh:
            while chunk := fh.read(_CHUNK):
                yield chunk
    except (zipfile.BadZipFile, OSError, EOFError) as exc:
        raise DataError(f"{label}: not a readable XLSX workbook ({exc})") from None


def _longest_text(archive: zipfile.ZipFile, name: str, label: str) -> int:
    """Longest stretch of bytes between two ``<`` (the longest text node, roughly)."""
    longest = run = 0
    for chunk in _chunks(archive, name, label):
        parts = chunk.split(b"<")
        if len(parts) == 1:
            run += len(chunk)
        else:
            longest = max(longest, run + len(parts[0]), *map(len, parts[1:-1]))
            run = len(parts[-1])
        longest = max(longest, run)
    return longest


def choose_sheet(wb, sheet: str | None, kind: str | None, label: str):
    """The worksheet to read, by the rule in this module's docstring."""
    names = wb.sheetnames
    listed = ", ".join(
        ws.title + (" (hidden)" if ws.sheet_state != "visible" else "") for ws in wb.worksheets
    )
    if sheet is not None:
        if sheet not in names:
            raise UsageError(f"{label}: no sheet {sheet!r}; sheets: {listed}")
        return wb[sheet]
    visible = [
        ws
        for ws in wb.worksheets
        if ws.sheet_state == "visible" and not any(h in ws.title.lower() for h in _HELPER_NAMES)
    ]
    if len(visible) == 1:
        return visible[0]
    words = _KIND_NAMES.get(kind or "", ())
    named = [ws for ws in visible if any(w in ws.title.lower() for w in words)]
    if len(named) == 1:
        return named[0]
    raise UsageError(
        f"{label}: the workbook has {len(names)} sheets ({listed}); choose one with --sheet NAME"
    )


@dataclass
class SheetScan:
    """What one pass over a sheet's XML found, before any cell is built."""

    rows: int = 0
    merged: list[tuple[int, int, int, int]] = field(default_factory=list)  # r0, c0, r1, c1
    #: Cells (row, column) holding a formula saved without its computed value.
    formulas_without_value: list[tuple[int, int]] = field(default_factory=list)


_FAR_ROW = re.compile(rb'<row\b[^>]*?\br="(\d{6,})"')
_MERGE = re.compile(rb'<mergeCell\b[^>]*?\bref="([A-Z]+)(\d+):([A-Z]+)(\d+)"')
_CELL = re.compile(rb"<c\b([^>]*?)(?:/>|>(.*?)</c>)", re.S)
_REF = re.compile(rb'\br="([A-Z]+)(\d+)"')
_VALUE = re.compile(rb"<v>[^<]|<is>")


def read_rows(ws, label: str) -> tuple[list[list], SheetScan]:
    """The sheet's rows as lists of values (from row 1, column A), and its scan.

    Rows are not padded to the sheet's declared size (a forged ``<dimension>`` or one cell
    in column XFD could make millions of empty cells); rows, columns and cells are counted
    as they come and the read stops at the first limit passed.
    """
    scan = scan_sheet(ws, label)
    ws.reset_dimensions()
    rows: list[list] = []
    cells = 0
    for row in ws.iter_rows(min_row=1, values_only=True):
        if len(rows) >= MAX_ROWS:
            raise DataError(f"{label}: sheet {ws.title!r} has more than {MAX_ROWS:,} rows")
        if len(row) > MAX_COLUMNS:
            raise DataError(
                f"{label}: sheet {ws.title!r} has more than {MAX_COLUMNS:,} columns "
                f"(row {len(rows) + 1})"
            )
        cells += len(row)
        if cells > MAX_CELLS:
            raise DataError(f"{label}: sheet {ws.title!r} has more than {MAX_CELLS:,} cells")
        for v in row:
            if isinstance(v, str) and len(v) > MAX_CELL_CHARS:
                raise DataError(
                    f"{label}: row {len(rows) + 1} has a cell of {len(v):,} characters, more "
                    f"than Excel's limit of {MAX_CELL_CHARS:,}"
                )
        rows.append(list(row))
    width = max(map(len, rows), default=0)
    for row in rows:
        row.extend([None] * (width - len(row)))
    return rows, scan


def scan_sheet(ws, label: str) -> SheetScan:
    """Count rows (a quick refusal of millions), find merged cells and formulas without a value."""
    archive = ws.parent._archive
    scan = SheetScan()
    carry = b""
    for chunk in _chunks(archive, ws._worksheet_path, label):
        data = carry + chunk
        # Whole rows only, so that no row or cell is counted twice or cut in half; a row
        # longer than a few chunks is cut at its last complete element instead.
        cut = data.rfind(b"</row>")
        cut = cut + 6 if cut >= 0 else (data.rfind(b">") + 1 if len(data) > 4 * _CHUNK else 0)
        _account(data[:cut], scan, ws.title, label)
        carry = data[cut:]
    _account(carry, scan, ws.title, label)
    return scan


def _account(data: bytes, scan: SheetScan, title: str, label: str) -> None:
    scan.rows += data.count(b"<row")
    if scan.rows > MAX_ROWS:
        raise DataError(f"{label}: sheet {title!r} has more than {MAX_ROWS:,} rows")
    # A row numbered past the limit (openpyxl would pad the gap with empty rows).
    if any(int(r) > MAX_ROWS for r in _FAR_ROW.findall(data)):
        raise DataError(f"{label}: sheet {title!r} has more than {MAX_ROWS:,} rows")
    for c0, r0, c1, r1 in _MERGE.findall(data):
        scan.merged.append((int(r0), _column_number(c0), int(r1), _column_number(c1)))
    if b"<f" in data:
        for attrs, inner in _CELL.findall(data):
            ref = _REF.search(attrs)
            if inner and b"<f" in inner and not _VALUE.search(inner) and ref:
                where = (int(ref.group(2)), _column_number(ref.group(1)))
                scan.formulas_without_value.append(where)
