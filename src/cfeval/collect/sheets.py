"""openpyxl helpers shared by the audit workbook and the entry sheets.

Text that comes from a framework or a data file is written as a *string cell* even when it
starts with ``=``, ``+``, ``-`` or ``@``: a label such as ``=HYPERLINK(...)`` must never
become a formula in a workbook people open.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from cfeval._safety import is_formula

if TYPE_CHECKING:
    from openpyxl.worksheet.worksheet import Worksheet

__all__ = [
    "put",
    "style_header",
    "protect",
    "unlock_rows",
    "add_list",
    "add_number_rule",
    "comment",
    "save",
    "LAST_ROW",
]

#: Validations and unlocked cells reach this row: far beyond any community or sample size.
LAST_ROW = 5000
_HEADER_FILL = "DCE8F0"


def put(ws: Worksheet, row: int, col: int, value: Any):
    """Write ``value``; text is kept as text (never a formula)."""
    cell = ws.cell(row=row, column=col, value=value)
    if is_formula(value):
        cell.data_type = "s"  # openpyxl would store "=..." as a formula
        cell.quotePrefix = True  # and Excel keeps "+..."/"-..."/"@..." text when edited
    return cell


def style_header(ws: Worksheet, widths: list[float], height: float = 48) -> None:
    """Bold wrapped header on a tinted row, column widths, header frozen, data unlocked."""
    from openpyxl.styles import Alignment, Font, PatternFill, Protection
    from openpyxl.utils import get_column_letter

    fill = PatternFill("solid", fgColor=_HEADER_FILL)
    for col, width in enumerate(widths, start=1):
        cell = ws.cell(row=1, column=col)
        cell.font = Font(bold=True)
        cell.fill = fill
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        cell.protection = Protection(locked=True)
        letter = get_column_letter(col)
        ws.column_dimensions[letter].width = width
        # A column's default style unlocks every cell typed into it later; the header
        # cell keeps its own locked style.
        ws.column_dimensions[letter].protection = Protection(locked=False)
    ws.row_dimensions[1].height = height
    ws.freeze_panes = "B2"


def protect(ws: Worksheet) -> None:
    """Protect the sheet (no password: this guards against accidents, not people) while
    leaving rows, sorting, filtering and column widths free."""
    p = ws.protection
    p.sheet = True
    for name in ("formatColumns", "formatRows", "insertRows", "deleteRows", "sort", "autoFilter"):
        setattr(p, name, False)


def unlock_rows(ws: Worksheet, rows: range, n_cols: int) -> None:
    """Cells written explicitly get their own style: unlock the data cells that exist."""
    from openpyxl.styles import Protection

    unlocked = Protection(locked=False)
    for row in rows:
        for col in range(1, n_cols + 1):
            ws.cell(row=row, column=col).protection = unlocked


def _range(col: int) -> str:
    from openpyxl.utils import get_column_letter

    letter = get_column_letter(col)
    return f"{letter}2:{letter}{LAST_ROW}"


def add_list(
    ws: Worksheet, lists: Worksheet, col: int, values: list[str], title: str, prompt: str
) -> None:
    """A drop-down on column ``col`` offering ``values`` (kept on the hidden lists sheet, so
    commas or quotes inside them cannot break the list and long lists fit)."""
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    list_col = 1 if lists["A1"].value is None else lists.max_column + 1
    for i, value in enumerate(values, start=1):
        put(lists, i, list_col, value)
    letter = get_column_letter(list_col)
    ref = f"'{lists.title}'!${letter}$1:${letter}${len(values)}"
    dv = DataValidation(type="list", formula1=f"={ref}", allow_blank=True)
    _messages(dv, title, prompt)
    dv.add(_range(col))
    ws.add_data_validation(dv)


def add_number_rule(
    ws: Worksheet,
    col: int,
    low: float | None,
    high: float | None,
    title: str,
    prompt: str,
    whole: bool = False,
) -> None:
    """Only numbers (whole ones if ``whole``) within ``low``..``high`` are accepted."""
    from openpyxl.worksheet.datavalidation import DataValidation

    kind = "whole" if whole else "decimal"
    lo = -1e15 if low is None else low
    hi = 1e15 if high is None else high
    dv = DataValidation(
        type=kind, operator="between", formula1=f"{lo:g}", formula2=f"{hi:g}", allow_blank=True
    )
    _messages(dv, title, prompt)
    dv.add(_range(col))
    ws.add_data_validation(dv)


def _messages(dv, title: str, prompt: str) -> None:
    # Excel caps titles at 32 and messages at 255 characters.
    dv.showErrorMessage = True
    dv.showInputMessage = True
    dv.errorTitle = title[:32]
    dv.error = prompt[:255]
    dv.promptTitle = title[:32]
    dv.prompt = prompt[:255]


def comment(cell, text: str) -> None:
    """A note on ``cell``, sized for a few lines of text."""
    from openpyxl.comments import Comment

    note = Comment(text, "cfeval")
    note.width = 320
    note.height = min(400, 60 + 16 * (text.count("\n") + len(text) // 40))
    cell.comment = note


def save(wb, path) -> None:
    """Write the workbook atomically (a half-written workbook never appears)."""
    from cfeval._io import atomic_write

    atomic_write(path, wb.save)
