"""A frame's rows as worksheet XML, built per column rather than per cell.

XlsxWriter spends about 5 µs on every cell (a Python call, a type switch, a tuple, an
f-string); the 5,000-community workbook has six million of them. :class:`FrameSheet` is an
XlsxWriter worksheet in constant-memory mode that takes a frame's body instead: each
column becomes a small table of the distinct cells it holds, spelled once each exactly as
XlsxWriter spells them (same number text, inline string, escapes, truncation, style
index), plus one code per row; Arrow then joins references, codes and row tags into the
``<row>`` XML of a block of rows in C, and the block's bytes go into the worksheet's
row file where XlsxWriter would have put them. Everything else (styles, widths, frozen
header, filter, dimensions, the package) is XlsxWriter's own.

Cell rules, the same as ``write_row`` with the workbook's options (no string becomes a
formula, a number or a link): None, NaN, ±inf, pandas' NA and the empty string are blank
(no cell); booleans are boolean cells; other numbers are numbers written with 16
significant digits; text is an inline string, control characters escaped as
``_xHHHH_``, cut to Excel's 32,767 UTF-16 units. Formula-like text
(:func:`cfeval._safety.is_formula`) carries the quote-prefix style. Unlike XlsxWriter,
text that looks like rich-text XML (``<r>…</r>``) is escaped like any other text rather
than written into the sheet raw (it could carry a formula past the quote prefix).

A column holding anything else (a date, a Decimal) makes :meth:`FrameSheet.write_body`
return False, and the caller writes that frame cell by cell.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from xlsxwriter.utility import _preserve_whitespace, _utf16_len, _utf16_truncate, xl_col_to_name
from xlsxwriter.worksheet import Worksheet

from cfeval._safety import is_formula

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

__all__ = ["FrameSheet"]

# Rows per block: bounds the memory of one block's XML (about 20 cells of 50 bytes a row).
BLOCK_ROWS = 16_384
_STRMAX = 32_767  # Excel's longest text, in UTF-16 units (XlsxWriter's xls_strmax)


class FrameSheet(Worksheet):
    """An XlsxWriter worksheet (constant-memory mode) that writes a frame's body in blocks.

    >>> ws = wb.add_worksheet("Total", worksheet_class=FrameSheet)  # doctest: +SKIP
    >>> ws.write_body(df, 1, styles_per_column, text_style)  # doctest: +SKIP
    """

    def write_body(self, df: pd.DataFrame, first_row: int, column_styles, text_style) -> bool:
        """Write ``df``'s values from row ``first_row`` down (0-based, as XlsxWriter counts).

        ``column_styles[j]`` is column j's format (or None): the style XlsxWriter gives a
        cell written without its own; ``text_style`` is the format of formula-like text.
        Returns False, having written no cell of the body (only the pending header row),
        when a column holds a type other than text, numbers, booleans and blanks.
        """
        import numpy as np

        if not self.constant_memory:
            raise ValueError("FrameSheet.write_body needs the constant_memory option")
        n = len(df)
        # Excel has 1,048,576 rows; XlsxWriter would drop the rest one cell at a time.
        if first_row + n > self.xls_rowmax:
            raise ValueError(f"{n} rows do not fit in a worksheet")
        # XlsxWriter writes a pending row (the header) when the next row starts; styles
        # are then numbered in the order XlsxWriter itself would meet them.
        if n and first_row > self.previous_row:
            self._write_single_row(first_row)
        columns = []
        for j in range(df.shape[1]):
            encoded = _encode(df.iloc[:, j], _style_attr(column_styles[j]), text_style)
            if encoded is None:
                return False
            columns.append(encoded)
        if n == 0 or not columns:
            return True
        refs = [f'<c r="{xl_col_to_name(j)}' for j in range(len(columns))]
        filled_rows = np.zeros(n, bool)
        filled_cols = [bool((codes >= 0).any()) for codes, _ in columns]
        self.fh.flush()
        out = self.fh.buffer  # the row file, as bytes (XlsxWriter wrote UTF-8 text to it)
        for start in range(0, n, BLOCK_ROWS):
            stop = min(start + BLOCK_ROWS, n)
            block, filled = _block(columns, refs, first_row + start + 1, start, stop)
            filled_rows[start:stop] = filled
            out.write(block)
        out.flush()
        rows = np.flatnonzero(filled_rows)
        if len(rows):
            cols = [j for j, f in enumerate(filled_cols) if f]
            # The sheet's used range (its <dimension>), as XlsxWriter would have grown it.
            self._check_dimensions(first_row + int(rows[0]), cols[0])
            self._check_dimensions(first_row + int(rows[-1]), cols[-1])
        self.previous_row = first_row + n - 1
        return True

    def _write_cell(self, row: int, col: int, cell) -> None:
        # XlsxWriter writes constant-memory text that starts with "<r>" and ends with
        # "</r>" into the sheet as raw rich-text XML; ours is always text.
        if cell.__class__.__name__ == "String" and _looks_rich(cell.string):
            attrs = [("r", xl_col_to_name(col) + str(row + 1))]
            style = cell.format or (
                self.col_info[col].column_format if col in self.col_info else None
            )
            if style is not None:
                attrs.append(("s", style._get_xf_index()))
            text = self._escape_control_characters(cell.string)
            self._xml_inline_string(text, _preserve_whitespace(text), attrs)
            return
        super()._write_cell(row, col, cell)

    def _write_optimized_sheet_data(self) -> None:
        # The row file is UTF-8 already: copy its bytes rather than decode and encode
        # hundreds of megabytes as XlsxWriter does.
        if self.dim_rowmin is None or not hasattr(self.fh, "buffer"):
            super()._write_optimized_sheet_data()
            return
        import os
        import shutil

        self._xml_start_tag("sheetData")
        self.fh.flush()
        self.row_data_fh.seek(0)
        shutil.copyfileobj(self.row_data_fh.buffer, self.fh.buffer, 1 << 20)
        self.fh.buffer.flush()
        self.row_data_fh.close()
        os.unlink(self.row_data_filename)
        self._xml_end_tag("sheetData")


def _looks_rich(text: str) -> bool:
    return text.startswith("<r>") and text.endswith("</r>")


def _style_attr(fmt) -> str:
    return "" if fmt is None else f' s="{fmt._get_xf_index()}"'


def _block(columns, refs: list[str], row1: int, start: int, stop: int) -> tuple[bytes, Any]:
    """Rows ``start:stop`` as ``<row>`` XML (row numbers from ``row1``), and which hold cells."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    def text(s: str):
        return pa.scalar(s, pa.large_string())

    numbers = pa.array(np.arange(row1, row1 + stop - start)).cast(pa.large_string())
    empty = text("")
    cells = []
    filled = np.zeros(stop - start, bool)
    for (codes, table), ref in zip(columns, refs, strict=True):
        part = codes[start:stop]
        blank = part < 0
        filled |= ~blank
        taken = table.take(pa.array(part, mask=blank))
        # '<c r="B' + '17' + '" s="2"><v>1.5</v></c>'; a blank stays null.
        cells.append(pc.binary_join_element_wise(text(ref), numbers, taken, empty))
    rows = pc.binary_join_element_wise(
        text('<row r="'), numbers, text('">'), *cells, text("</row>"), empty,
        null_handling="replace", null_replacement="",
    )  # fmt: skip
    if not filled.all():  # XlsxWriter writes no <row> for a row without cells
        rows = rows.filter(pa.array(filled))
    return _bytes(rows), filled


def _bytes(strings) -> bytes:
    """The concatenation of an Arrow large-string array without nulls: its data buffer."""
    import numpy as np

    _, offsets, data = strings.buffers()
    ends = np.frombuffer(offsets, np.int64)[strings.offset : strings.offset + len(strings) + 1]
    if data is None:
        return b""
    return memoryview(data)[int(ends[0]) : int(ends[-1])].tobytes()


def _encode(series: pd.Series, col_attr: str, text_style):
    """A column as (codes, cells): ``cells[codes[i]]`` is row i's XML after its reference.

    ``codes[i]`` is -1 for a blank. ``cells`` is an Arrow array of the column's distinct
    cells, each spelled once: ``" s="2"><v>1.5</v></c>`` (the quote closes the reference).
    None when the column holds a type this writer does not spell.
    """
    import numpy as np
    import pandas as pd
    import pyarrow as pa

    kind = series.dtype.kind if isinstance(series.dtype, np.dtype) else None
    if kind == "b":
        codes = series.to_numpy().astype(np.int32)
        cells = [_boolean(False, col_attr), _boolean(True, col_attr)]
    elif kind in "iuf" if kind else False:
        codes, cells = _numbers(series.to_numpy(), col_attr)
    elif _all_text(series):
        codes, uniques = pd.factorize(series, use_na_sentinel=True)
        cells = [_text(u, col_attr, text_style) for u in uniques]
        codes = _blank_where_none(codes, cells)
    else:
        cells_per_row = []
        for v in series.tolist():
            cell = _any(v, col_attr, text_style)
            if cell is False:
                return None
            cells_per_row.append(cell)
        codes, uniques = pd.factorize(pd.Series(cells_per_row, dtype=object))
        cells = list(uniques)
    if not isinstance(cells, pa.Array):
        cells = pa.array(cells, type=pa.large_string())
    return codes.astype(np.int32, copy=False), cells


def _all_text(series: pd.Series) -> bool:
    import pandas as pd

    if isinstance(series.dtype, pd.StringDtype):
        return True
    return series.dtype == object and pd.api.types.infer_dtype(series, skipna=True) in (
        "string",
        "empty",
    )


def _blank_where_none(codes: np.ndarray, cells: list) -> np.ndarray:
    """Codes of cells spelled None (the empty string) become blanks."""
    import numpy as np

    none = [i for i, c in enumerate(cells) if c is None]
    if none:
        codes = np.where(np.isin(codes, none), -1, codes)
        for i in none:
            cells[i] = ""
    return codes


def _numbers(values: np.ndarray, col_attr: str) -> tuple[np.ndarray, Any]:
    import numpy as np
    import pandas as pd
    import pyarrow as pa
    import pyarrow.compute as pc

    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    if values.dtype.kind == "f":
        # factorize counts -0.0 as 0.0; XlsxWriter writes "-0".
        negzero = (values == 0) & np.signbit(values)
        if negzero.any():
            codes = np.where(negzero, len(uniques), codes)
            uniques = np.append(uniques, -0.0)
        infinite = np.flatnonzero(np.isinf(uniques))
        if len(infinite):
            codes = np.where(np.isin(codes, infinite), -1, codes)
    # XlsxWriter's spelling of a number, one Python format per distinct value (an
    # int as Python formats an int: 10**17 is "1E+17" either way).
    spelled = pa.array([f"{v:.16G}" for v in uniques.tolist()], pa.large_string())
    head, tail, empty = (
        pa.scalar(t, pa.large_string()) for t in (f'"{col_attr}><v>', "</v></c>", "")
    )
    cells = pc.binary_join_element_wise(head, spelled, tail, empty)
    return codes, cells


def _number(v: float | int, col_attr: str) -> str:
    return f'"{col_attr}><v>{v:.16G}</v></c>'


def _boolean(v: bool, col_attr: str) -> str:
    return f'"{col_attr} t="b"><v>{1 if v else 0}</v></c>'


def _text(v: str, col_attr: str, text_style) -> str | None:
    """A text cell as XlsxWriter spells it in constant-memory mode (None: blank)."""
    if v == "":
        return None
    # The quote-prefix style is numbered when first used, as XlsxWriter numbers styles.
    attr = _style_attr(text_style) if is_formula(v) else col_attr
    if len(v) > _STRMAX // 2 and _utf16_len(v) > _STRMAX:
        v = _utf16_truncate(v, _STRMAX)
    v = Worksheet._escape_control_characters(v)
    space = ' xml:space="preserve"' if _preserve_whitespace(v) else ""
    v = v.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return f'"{attr} t="inlineStr"><is><t{space}>{v}</t></is></c>'


def _any(v: Any, col_attr: str, text_style) -> str | None | bool:
    """One value of a mixed column; False for a type this writer does not spell."""
    import math

    import pandas as pd

    if v is None or v.__class__ is str:
        return None if v is None else _text(v, col_attr, text_style)
    if v is pd.NA or v is pd.NaT:
        return None
    if hasattr(v, "item") and not isinstance(v, (str, bytes)):
        v = v.item()
    if isinstance(v, bool):
        return _boolean(v, col_attr)
    if isinstance(v, (int, float)):
        return None if isinstance(v, float) and not math.isfinite(v) else _number(v, col_attr)
    if isinstance(v, str):
        return _text(str(v), col_attr, text_style)
    return False
