"""Reading one survey or audit file into a raw table, whatever it was saved as.

CSV files are read by :mod:`cfeval.data.csvs` (UTF-8 or GB18030, the delimiter sniffed,
Arrow's reader with pandas' C engine for ragged files). XLSX sheets may carry a merged two-row header; Parquet keeps its
types. The result keeps the headers as written and positional columns, so duplicate or
odd headers cannot collide, and its index is the position among data rows, so the sheet
row of any cell is ``first_row + index`` even after blank lines.
"""

from __future__ import annotations

import csv
import hashlib
import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cfeval.errors import DataError, UsageError
from cfeval.i18n import Msg

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["Table", "read_table", "peek_headers"]


@dataclass
class Table:
    """A file as read: positional columns 0..n-1, the headers as written, and where rows start.

    ``frame``'s index is the position of each data row. Its columns are the cells, except
    for a table read by pyarrow (CSV, Parquet): then ``frame`` has no columns and
    :meth:`column` converts one column when asked, so a wide file never sits in memory whole
    next to its validated copy. Use :meth:`column`, not ``frame[pos]``, and
    :meth:`keep_only` the columns still to be read once the others have been converted.
    """

    frame: pd.DataFrame
    headers: list[str]
    label: str
    first_row: int
    sha256: str
    encoding: str | None = None
    sheet: str | None = None
    empty: bool = False
    rows_read: int = field(init=False)
    #: Where the columns come from when ``frame`` does not hold them.
    source: _Columns | None = field(default=None, repr=False)
    #: Issues found while reading: (sheet row, column header, value, code, message).
    notes: list[tuple] = field(default_factory=list, repr=False)
    #: Positions in ``source`` of the rows kept, when ``frame``'s index holds the rows'
    #: places in a larger file (a shard of it) rather than positions in ``source``.
    kept: Any = field(default=None, repr=False)

    def __post_init__(self) -> None:
        self.rows_read = len(self.frame)

    def numbers(self, pos: int, out=None):
        """Column ``pos`` as float64 for the data rows, or None unless it is stored as
        numbers (a CSV or Parquet column pyarrow typed as integer or float).

        ``out`` (float64, one per data row) receives the values when given; writing into
        memory already in use saves touching fresh pages, which costs more than the copy.
        """
        import numpy as np

        if self.source is None:
            return None
        whole = self.source.n_rows(pos) == len(self.frame)
        values = self.source.numbers(pos, out if whole else None)
        if values is not None and not whole:  # blank rows were dropped
            picked = values[self.frame.index.to_numpy() if self.kept is None else self.kept]
            values = picked if out is None else np.copyto(out, picked) or out
        return values

    def column(self, pos: int) -> pd.Series:
        """Column ``pos`` with the frame's index (the data rows only)."""
        if self.source is None:
            return self.frame[pos]
        col = self.source.get(pos)
        if len(col) != len(self.frame):  # blank rows were dropped
            col = col.iloc[self.frame.index.to_numpy() if self.kept is None else self.kept]
        col.index = self.frame.index
        return col

    def keep_only(self, positions: set[int]) -> None:
        """Every column but ``positions`` is no longer needed (free-text answers, ids
        already converted): free their memory now, not when the table goes."""
        if self.source is not None:
            self.source.keep_only(positions)

    def close(self) -> None:
        """Drop the cells (the row count, headers and checksum stay)."""
        self.frame = self.frame.iloc[:0, :0]
        if self.source is not None:
            self.source.close()
            self.source = None


class _Columns:
    """The columns of a table pyarrow read, converted to pandas one at a time.

    pyarrow's allocator keeps memory it freed for its own later use; it is given back
    when columns are let go (:meth:`keep_only`, :meth:`close`).
    """

    def __init__(self, table=None, parquet=None, opener=None, label: str = "") -> None:
        # One of: the pyarrow Table (CSV), or a ParquetFile read a column per call.
        self.columns = None if table is None else list(table.columns)
        self.parquet = parquet
        # A fresh ParquetFile over the same bytes, for reads from other threads (one
        # reader object is not meant to be shared between threads).
        self.opener = opener
        self.label = label  # the file, for a column that turns out not to be readable

    def get(self, pos: int) -> pd.Series:
        import pyarrow as pa

        if self.parquet is None:
            return pa.table([self.columns[pos]], names=["c"]).to_pandas().iloc[:, 0]
        name = self.parquet.schema_arrow.names[pos]
        with self._readable():
            one = self.parquet.read(columns=[name], use_pandas_metadata=True)
        return one.to_pandas(self_destruct=True).iloc[:, 0]

    def _readable(self):
        """A column's pages that cannot be decoded (a damaged file) are a data error."""
        import contextlib

        import pyarrow as pa

        @contextlib.contextmanager
        def guard():
            try:
                yield
            # ValueError: the file's pandas metadata (JSON in its footer) is damaged.
            except (pa.ArrowException, OSError, ValueError) as exc:
                raise DataError(_not_parquet(self.label, exc)) from None

        return guard()

    def n_rows(self, pos: int) -> int:
        return len(self.columns[pos]) if self.parquet is None else self.parquet.metadata.num_rows

    def numbers(self, pos: int, out=None):
        """Column ``pos`` as float64 (NaN for nulls) when it is stored as numbers, else None.

        Straight from Arrow to numpy (into ``out`` if given), without a pandas Series: the
        values are exactly what ``column(pos).to_numpy("float64")`` gives for a numeric
        column. Safe to call from several threads at once.
        """
        import pyarrow as pa

        if self.parquet is None:
            col = self.columns[pos]
        else:
            kind = self.parquet.schema_arrow.types[pos]
            if not (pa.types.is_integer(kind) or pa.types.is_floating(kind)):
                return None
            name = self.parquet.schema_arrow.names[pos]
            reader = self.parquet if self.opener is None else self.opener()
            with self._readable():
                col = reader.read(columns=[name]).column(0)
        if not (pa.types.is_integer(col.type) or pa.types.is_floating(col.type)):
            return None
        return _float64(col, out)

    def keep_only(self, positions: set[int]) -> None:
        # The whole CSV is held: what will not be read again goes back now. A Parquet
        # column is read when asked: nothing is held.
        if self.columns is not None:
            self.columns = [c if i in positions else None for i, c in enumerate(self.columns)]
            _give_back()

    def close(self) -> None:
        self.columns = self.parquet = None
        _give_back()

    def filled(self, n_rows: int, n_cols: int):
        """Which rows have a value in any column (pandas' notna, column by column)."""
        import numpy as np

        filled = np.zeros(n_rows, bool)
        for pos in range(n_cols):  # usually the first column (an id) is never blank
            filled |= self.get(pos).notna().to_numpy()
            if filled.all():
                break
        return filled


def _float64(col, out=None):
    """A numeric Arrow column as float64 numpy values (in ``out`` if given), nulls as NaN."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    out = np.empty(len(col)) if out is None else out
    if col.type != pa.float64():
        col = pc.cast(col, pa.float64())
    at = 0
    for chunk in col.chunks:
        # A float array's nulls come out as NaN; without nulls this is a view.
        out[at : at + len(chunk)] = chunk.to_numpy(zero_copy_only=False)
        at += len(chunk)
    return out


def _give_back() -> None:
    import pyarrow as pa

    pa.default_memory_pool().release_unused()


def _lazy_table(source: _Columns, n_rows, headers, label, first_row, sha, encoding=None):
    import pandas as pd

    filled = source.filled(n_rows, len(headers))
    index = pd.RangeIndex(n_rows) if filled.all() else pd.Index(filled.nonzero()[0])
    return Table(pd.DataFrame(index=index), headers, label, first_row, sha, encoding, source=source)


def _drop_blank_rows(frame: pd.DataFrame) -> pd.DataFrame:
    """Rows with no value at all; the index keeps each row's position for its sheet row."""
    # dropna() copies every column even when nothing is dropped.
    filled = frame.notna().any(axis=1).to_numpy()
    return frame if filled.all() else frame[filled]


def _read_xlsx(path: Path, raw: bytes, sheet: str | None, kind: str | None = None) -> Table:
    import pandas as pd

    from cfeval.data.xlsx import choose_sheet, open_workbook, read_rows

    label = str(path)
    # Read-only (streaming) with limits checked first; see cfeval.data.xlsx.
    wb = open_workbook(raw, label)
    try:
        ws = choose_sheet(wb, sheet, kind, label)
        rows, scan = read_rows(ws, label)
    finally:
        wb.close()
    sha = hashlib.sha256(raw).hexdigest()
    skipped = 0
    while rows and all(v is None or str(v).strip() == "" for v in rows[0]):
        rows.pop(0)
        skipped += 1
    if not rows:
        return Table(pd.DataFrame(), [], label, 2, sha, sheet=ws.title, empty=True)
    top = [None if v is None else str(v).strip() for v in rows[0]]
    header_rows = 1
    merged_top = [m for m in scan.merged if m[0] == skipped + 1 and m[3] <= len(top)]
    if merged_top and len(rows) > 1:
        # A merged group title over several columns: forward-fill it across its range and
        # join it with the second row ("基本信息/社区编号"); the header matcher looks at the
        # text after the last "/" when the whole does not match.
        header_rows = 2
        for _, c0, _, c1 in merged_top:
            for col in range(c0, c1 + 1):
                top[col - 1] = top[c0 - 1]
        bottom = [None if v is None else str(v).strip() for v in rows[1]]
        top = [
            (t or "") if not b or b == t else (b if not t else f"{t}/{b}")
            for t, b in zip(top, bottom, strict=True)
        ]
    width = len(top)
    headers = [h or f"(column {i + 1})" for i, h in enumerate(top)]
    body = rows[header_rows:]
    frame = (
        pd.DataFrame(body, columns=range(width), dtype=object)
        if body
        else pd.DataFrame(columns=range(width), dtype=object)
    )
    frame = frame.replace("", None).dropna(how="all")
    keep = [i for i, h in enumerate(top) if h or frame[i].notna().any()]
    frame = frame[keep]
    table = Table(
        frame, [headers[i] for i in keep], label, skipped + 1 + header_rows, sha, sheet=ws.title
    )
    table.frame.columns = range(len(keep))
    for row, col in scan.formulas_without_value:
        if row > skipped + header_rows and col <= width:
            message = (
                "a formula saved without its value (a script wrote it, no spreadsheet "
                "computed it): read as blank; open the file in Excel or WPS and save it again"
            )
            table.notes.append((row, headers[col - 1], None, "formula-without-value", message))
    return table


def _read_parquet(path: Path, raw: bytes) -> Table:
    """A Parquet file whose columns are read one at a time, when validation asks for them.

    Reading the whole file first would hold every column twice at the peak (pyarrow's table
    and the pandas frame converted from it); one at a time, the raw cells never take more
    than a column or two. Files pandas would give an index (or odd column names) are read
    whole, as before.
    """
    import pandas as pd
    import pyarrow as pa
    import pyarrow.parquet as pq

    sha = hashlib.sha256(raw).hexdigest()
    try:
        pf = pq.ParquetFile(pa.BufferReader(raw))
        names = pf.schema_arrow.names
        shape = pf.schema_arrow.empty_table().to_pandas()
        lazy = (
            len(set(names)) == len(names) == len(shape.columns)
            and isinstance(shape.index, pd.RangeIndex)
            and pf.metadata.num_rows > 0
        )
        # Not pd.read_parquet: its dataset reader refuses duplicate column names.
        whole = None if lazy else pf.read(use_pandas_metadata=True).to_pandas()
    except Exception as exc:  # pyarrow raises ArrowInvalid, OSError, ... for corrupt files
        raise DataError(_not_parquet(path, exc)) from None
    if whole is not None:
        return _from_frame(whole, str(path), sha)
    headers = [str(c) for c in shape.columns]
    try:
        meta = pf.metadata

        def opener(raw=raw, meta=meta):
            return pq.ParquetFile(pa.BufferReader(raw), metadata=meta)

        source = _Columns(parquet=pf, opener=opener, label=str(path))
        return _lazy_table(source, pf.metadata.num_rows, headers, str(path), 2, sha)
    except (pa.ArrowException, OSError) as exc:  # a column that cannot be decoded
        raise DataError(_not_parquet(path, exc)) from None


def _not_parquet(path, exc) -> Msg:
    return Msg("{file}: not a readable Parquet file ({error})", file=str(path), error=exc)


def _from_frame(frame: pd.DataFrame, label: str, sha: str | None = None) -> Table:
    import pandas as pd

    named = [n for n in frame.index.names if n is not None and n not in frame.columns]
    if named:
        # A named index is data: a frame saved after set_index("community_id") keeps its ids.
        frame = frame.reset_index(level=named)
    headers = [str(c) for c in frame.columns]
    frame = frame.reset_index(drop=True)
    frame.columns = range(len(headers))
    if sha is None:
        sha = hashlib.sha256(pd.util.hash_pandas_object(frame, index=False).values).hexdigest()
    return Table(_drop_blank_rows(frame), headers, label, 2, sha)


def read_table(
    source, label: str, sheet: str | None, text_headers, kind: str | None = None
) -> Table:
    import pandas as pd

    if isinstance(source, pd.DataFrame):
        return _from_frame(source, label)
    path = Path(source)
    if not path.exists():
        raise UsageError(Msg("{file}: file not found", file=str(path)))
    if not path.is_file():
        raise UsageError(Msg("{file}: not a file", file=str(path)))
    from cfeval.data.csvs import read_csv, stream_csv

    try:
        table = stream_csv(path, str(path), text_headers)
        if table is not None:
            return table
        raw = path.read_bytes()
    except OSError as exc:  # EIO, permission, a file removed meanwhile
        reason = exc.strerror or exc
        raise DataError(
            Msg("{file}: cannot read the file: {error}", file=str(path), error=reason)
        ) from None
    suffix = path.suffix.lower()
    if suffix == ".xls":
        raise DataError(
            Msg("{file}: old Excel .xls format; open it in Excel and save as .xlsx", file=str(path))
        )
    if suffix in (".xlsx", ".xlsm") or (
        suffix not in (".csv", ".txt", ".tsv") and raw[:2] == b"PK"
    ):
        return _read_xlsx(path, raw, sheet, kind)
    if suffix in (".parquet", ".pq") or raw[:4] == b"PAR1":
        return _read_parquet(path, raw)
    if b"\x00" in raw[:4096] and not raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise DataError(
            Msg("{file}: not a table (binary content); use CSV, XLSX or Parquet", file=str(path))
        )
    try:
        return read_csv(raw, str(path), text_headers)
    except csv.Error as exc:  # a header cell over the csv module's 131,072 characters
        raise UsageError(
            Msg("{file}: the header row cannot be read ({error})", file=str(path), error=exc)
        ) from None


def peek_headers(source) -> list[str] | None:
    """Header texts of a CSV file, to choose which columns are read as text."""
    import pandas as pd

    if isinstance(source, pd.DataFrame):
        return None
    path = Path(source)
    if path.suffix.lower() not in (".csv", ".txt", ".tsv", "") or not path.is_file():
        return None
    try:
        with open(path, "rb") as fh:
            head = fh.read(1 << 16)
    except OSError:
        return None  # read_table says why, with the whole file in view
    from cfeval.data.csvs import decode, sniff

    # Decode the header line alone: a chunk cut inside a multi-byte character would fail
    # as UTF-8 and then "succeed" as GB18030 with the wrong text.
    bom = b"\xef\xbb\xbf" if head.startswith(b"\xef\xbb\xbf") else b""
    body = head[len(bom) :].lstrip(b"\r\n")
    end = body.find(b"\n")
    try:
        line, encoding = decode(bom + (body if end < 0 else body[:end]), str(path))
    except DataError:
        return None  # read_table gives the error, with the whole file in view
    line = line.rstrip("\r")
    try:
        delim = sniff(line)
        if line.count('"') % 2:  # a quoted header cell holds a line break: follow the quotes
            codec = "gb18030" if encoding == "gb18030" else "utf-8"
            text = body.decode(codec, errors="ignore")  # the cut at 64 KB may split a character
            cells = next(csv.reader(io.StringIO(text, newline=""), delimiter=delim), [])
            return [h.strip() for h in cells]
        return [h.strip() for h in next(csv.reader([line], delimiter=delim), [])]
    except csv.Error:
        return None  # read_table gives the error
