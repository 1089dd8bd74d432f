"""Writing research tables to CSV and XLSX safely: atomic, deterministic, formula-free.

A text cell that begins with ``=``, ``+``, ``-``, ``@`` (or a tab or carriage return)
would be run as a formula by a spreadsheet program; such values (community names, ids,
labels from strangers' files) are written to CSV with a leading apostrophe instead
(:func:`neutralise`), the usual defence against CSV/formula injection. Numbers stay
numbers. CSV is UTF-8 with ``\\n`` line ends and ten significant digits, like the score
exports; XLSX text cells are typed explicitly as strings (kept as they are), so openpyxl
never writes a formula.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from cfeval._io import atomic_write
from cfeval.errors import UsageError

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["neutralise", "neutralise_frame", "write_tables", "csv_text"]

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
FLOAT_FORMAT = "%.10g"


def neutralise(value: Any) -> Any:
    """``value`` with a leading apostrophe if it is text a spreadsheet would run as a formula.

    >>> neutralise("=HYPERLINK(1)"), neutralise("-3"), neutralise(-3)
    ("'=HYPERLINK(1)", "'-3", -3)
    """
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def neutralise_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` whose text columns are :func:`neutralise`-d (numbers untouched)."""
    import pandas as pd

    out = frame.copy()
    for col in out.columns:
        s = out[col]
        if pd.api.types.is_object_dtype(s) or pd.api.types.is_string_dtype(s):
            out[col] = s.map(neutralise, na_action="ignore").astype(object)
    return out


def csv_text(frame: pd.DataFrame, na_rep: str = "") -> str:
    """``frame`` as neutralised CSV text (UTF-8, ``\\n``, ten significant digits)."""
    return neutralise_frame(frame).to_csv(
        index=False, float_format=FLOAT_FORMAT, lineterminator="\n", na_rep=na_rep
    )


def write_tables(tables: dict[str, pd.DataFrame], path: str | Path) -> list[Path]:
    """Write named tables: ``.xlsx`` gets one sheet per table; ``.csv`` gets the first
    table at ``path`` and each other one beside it as ``STEM.NAME.csv``.

    Returns the paths written. Raises :class:`~cfeval.errors.UsageError` for another
    suffix or a folder that does not exist.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in (".csv", ".xlsx"):
        raise UsageError(f"cannot write {str(path)!r}: use a .csv or .xlsx file name")
    if not path.parent.exists():
        raise UsageError(f"cannot write {str(path)!r}: folder {str(path.parent)!r} does not exist")
    if suffix == ".xlsx":
        atomic_write(path, _xlsx_bytes(tables))
        return [path]
    written = []
    for i, (name, frame) in enumerate(tables.items()):
        target = path if i == 0 else path.with_name(f"{path.stem}.{name}.csv")
        written.append(atomic_write(target, csv_text(frame)))
    return written


def _xlsx_bytes(tables: dict[str, pd.DataFrame]) -> bytes:
    """A workbook (write-only mode) with one sheet per table, header frozen, dates pinned."""
    import io
    import math

    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    from cfeval.scoring.result import _pin_zip_dates

    wb = Workbook(write_only=True)
    for name, frame in tables.items():
        ws = wb.create_sheet(title=name[:31])
        ws.freeze_panes = "A2"
        ws.append([str(c) for c in frame.columns])
        for row in frame.itertuples(index=False, name=None):
            cells = []
            for v in row:
                if hasattr(v, "item") and not isinstance(v, str):
                    v = v.item()
                if v is None or (isinstance(v, float) and not math.isfinite(v)):
                    cells.append(None)
                elif isinstance(v, (bool, int, float)):
                    cells.append(v)
                else:
                    cell = WriteOnlyCell(ws, value=str(v))
                    # Typed as a string: openpyxl would otherwise store "=..." as a formula.
                    cell.data_type = "s"
                    cells.append(cell)
            ws.append(cells)
    buf = io.BytesIO()
    wb.save(buf)
    return _pin_zip_dates(buf.getvalue())
