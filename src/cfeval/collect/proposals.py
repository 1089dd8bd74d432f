"""The children's proposal log template: ``proposals.xlsx`` and ``proposals.csv``.

One row per proposal, the columns :func:`cfeval.data.proposals.read_proposals` reads (their
ids are the headers, so a filled template is read back with no mapping). The workbook
offers the framework's topics and adult bodies and the three answers as drop-downs (in the
kit's language; the log may also use ids), holds the three date columns to dates, explains
every column in a header note and on its help sheet, and keeps text as text: a label
starting with ``=`` never becomes a formula. The CSV is the header row alone (UTF-8 with
BOM, so Excel shows Chinese), for people who keep the log in another program.

>>> write_proposal_template(load_framework("chengdu-community"), "kit", "zh")  # doctest: +SKIP
[PosixPath('kit/proposals.xlsx'), PosixPath('kit/proposals.csv')]
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from cfeval.collect import sheets
from cfeval.data.proposals import COLUMNS
from cfeval.i18n import N_, words

if TYPE_CHECKING:
    from cfeval.framework.model import Framework

__all__ = ["COLUMN_HELP", "ANSWER_CHOICES", "write_proposal_template", "wants_proposal_log"]

#: What goes into each column, in words.
COLUMN_HELP = {
    "community_id": N_("The community's id, as in the audit sheet."),
    "wave": N_("The round of assessment (1, 2, ...) the proposal belongs to."),
    "date_raised": N_("The day the children made the proposal (2026-03-01)."),
    "raised_by": N_(
        "Which group made it: observation group, children's council, a class. Never a "
        "child's name: this column is not shown in any report."
    ),
    "topic": N_("What the proposal is about, from the list."),
    "proposal": N_(
        "The proposal in the children's own words. It is quoted in the reports: write no "
        "names, phone numbers or addresses."
    ),
    "referred_to": N_("The adult body the proposal went to, from the list."),
    "date_answered": N_("The day the adults answered."),
    "answer": N_("accepted, partly or declined."),
    "reason": N_("Why it was declined, or only partly accepted: the children are owed a reason."),
    "action": N_("What was done (leave empty until something was done)."),
    "date_reported_back": N_("The day the children were told what happened."),
    "reported_how": N_("How they were told: a meeting, a notice, a letter."),
}
#: The answers the drop-down offers, per language (all of them are read back).
ANSWER_CHOICES = {"zh": ["采纳", "部分采纳", "未采纳"], "en": ["accepted", "partly", "declined"]}
_DATES = ("date_raised", "date_answered", "date_reported_back")
_WIDTHS = [14, 6, 12, 18, 18, 40, 18, 12, 10, 24, 28, 12, 16]


def wants_proposal_log(fw: Framework) -> bool:
    """Whether the framework keeps a proposal log (a ``proposals:`` section or a
    ``proposal_log`` indicator): then the field kit includes its template."""
    return fw.proposals is not None or any(i.rule.type == "proposal_log" for i in fw.indicators())


def write_proposal_template(
    fw: Framework, out_dir: str | Path, lang: str, communities: list[str] | None = None
) -> list[Path]:
    """Write ``proposals.xlsx`` and ``proposals.csv`` into ``out_dir``; returns both paths."""
    out_dir = Path(out_dir)
    return [_workbook(fw, out_dir / "proposals.xlsx", lang, communities), _csv(out_dir)]


def _csv(out_dir: Path) -> Path:
    from cfeval._io import atomic_write

    path = out_dir / "proposals.csv"
    atomic_write(path, ",".join(COLUMNS) + "\n", encoding="utf-8-sig")
    return path


def _workbook(fw: Framework, path: Path, lang: str, communities: list[str] | None) -> Path:
    import openpyxl
    from openpyxl.worksheet.datavalidation import DataValidation

    w = words(lang)
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = w("Proposals")
    lists = wb.create_sheet(w("Lists"))
    for col, name in enumerate(COLUMNS, start=1):
        sheets.put(ws, 1, col, name)
        sheets.comment(ws.cell(row=1, column=col), w(COLUMN_HELP[name]))
    pos = {name: col for col, name in enumerate(COLUMNS, start=1)}
    if communities:
        sheets.add_list(
            ws,
            lists,
            pos["community_id"],
            list(communities),
            w("Community"),
            w("Choose the community"),
        )
    sheets.add_number_rule(
        ws, pos["wave"], 1, 1000, w("Wave"), w("Enter the wave number (1, 2, ...)"), whole=True
    )
    if fw.proposals is not None:
        for column, kind in (("topic", "topics"), ("referred_to", "bodies")):
            choices = [w.label(c.label) for c in getattr(fw.proposals, kind)]
            title = w("Topic") if column == "topic" else w("Went to")
            sheets.add_list(ws, lists, pos[column], choices, title, " / ".join(choices))
    sheets.add_list(
        ws,
        lists,
        pos["answer"],
        ANSWER_CHOICES[lang],
        w("Answer"),
        " / ".join(ANSWER_CHOICES[lang]),
    )
    for column in _DATES:
        letter = ws.cell(row=1, column=pos[column]).column_letter
        dv = DataValidation(type="date", operator="greaterThan", formula1="36526", allow_blank=True)
        dv.error = dv.prompt = w("A date, such as 2026-03-01")
        dv.showErrorMessage = dv.showInputMessage = True
        dv.add(f"{letter}2:{letter}{sheets.LAST_ROW}")
        ws.add_data_validation(dv)
    sheets.style_header(ws, _WIDTHS, height=20)
    for column in _DATES:  # after style_header, which sets each column's default style
        letter = ws.cell(row=1, column=pos[column]).column_letter
        ws.column_dimensions[letter].number_format = "yyyy-mm-dd"
    sheets.protect(ws)
    _help_sheet(wb.create_sheet(w("Help")), w)
    lists.sheet_state = "hidden"
    sheets.protect(lists)
    sheets.save(wb, path)
    return path


def _help_sheet(ws, w) -> None:
    from openpyxl.styles import Alignment

    sheets.put(ws, 1, 1, w("Column"))
    sheets.put(ws, 1, 2, w("What to write"))
    for row, name in enumerate(COLUMNS, start=2):
        sheets.put(ws, row, 1, name)
        sheets.put(ws, row, 2, w(COLUMN_HELP[name]))
    sheets.style_header(ws, [20, 80], height=20)
    for r in ws.iter_rows(min_row=2):
        for cell in r:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
