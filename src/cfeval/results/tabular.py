"""Writing research tables to CSV and XLSX: atomic, deterministic, formula-free.

Text that a spreadsheet would run as a formula (community names, ids, labels from
strangers' files) is neutralised by :mod:`cfeval._safety`: apostrophe-prefixed and quoted
in CSV, a quote-prefixed text cell in XLSX. CSV is UTF-8 with ``\\n`` line ends and ten
significant digits, like the score exports; XLSX zip dates are pinned.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from cfeval._io import atomic_write
from cfeval._safety import csv_text as _safe_csv
from cfeval.errors import UsageError
from cfeval.i18n import Msg

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["write_tables", "csv_text"]

FLOAT_FORMAT = "%.10g"


def csv_text(frame: pd.DataFrame, na_rep: str = "") -> str:
    """``frame`` as formula-safe CSV text (UTF-8, ``\\n``, ten significant digits)."""
    return _safe_csv(frame, float_format=FLOAT_FORMAT, lineterminator="\n", na_rep=na_rep)


def write_tables(tables: dict[str, pd.DataFrame], path: str | Path) -> list[Path]:
    """Write named tables: ``.xlsx`` gets one sheet per table; ``.csv`` gets the first
    table at ``path`` and each other one beside it as ``STEM.NAME.csv``.

    Returns the paths written. Raises :class:`~cfeval.errors.UsageError` for another
    suffix or a folder that does not exist.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in (".csv", ".xlsx"):
        raise UsageError(
            Msg("cannot write {path!r}: use a .csv or .xlsx file name", path=str(path))
        )
    if not path.parent.exists():
        raise UsageError(
            Msg(
                "cannot write {path!r}: folder {folder!r} does not exist",
                path=str(path),
                folder=str(path.parent),
            )
        )
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

    from cfeval._io import deterministic_zip
    from cfeval._safety import xlsx_value

    wb = Workbook(write_only=True)
    for name, frame in tables.items():
        ws = wb.create_sheet(title=name[:31])
        ws.freeze_panes = "A2"
        ws.append([xlsx_value(ws, str(c)) for c in frame.columns])
        for row in frame.itertuples(index=False, name=None):
            cells = []
            for v in row:
                if hasattr(v, "item") and not isinstance(v, str):
                    v = v.item()
                if v is None or (isinstance(v, float) and not math.isfinite(v)):
                    cells.append(None)
                else:
                    cells.append(xlsx_value(ws, v))
            ws.append(cells)
    buf = io.BytesIO()
    wb.save(buf)
    return deterministic_zip(buf.getvalue())
