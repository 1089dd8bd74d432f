"""Entry workbooks for paper questionnaires: one per respondent group, one row per person.

Headers are the codes printed on the paper questionnaire (``community_id``, item ids), so a
clerk copies what the form shows, and every item column accepts only the scale's codes and
its missing codes: a typing error is stopped at entry instead of found later. The first
sheet holds the data, which is the sheet ``cfeval check --survey`` reads by default; each
group has its own file so that all of them can be checked and scored together.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from cfeval.collect import sheets
from cfeval.collect.common import questions, scale_codes
from cfeval.i18n import words

if TYPE_CHECKING:
    from cfeval.framework.model import Framework

__all__ = ["ENTRY_COLUMNS", "AGE_RANGE", "GENDERS", "entry_columns", "write_entry_workbook"]

#: Standard columns of an entry row, before the items (names the data stage reads).
ENTRY_COLUMNS = ("community_id", "wave", "respondent", "respondent_id", "age", "gender")
#: Plausible ages per group: children's questionnaires are made for ages 6-14, and older
#: or younger children are sometimes asked too.
AGE_RANGE = {"child": (3, 18)}
ADULT_AGE = (12, 110)
GENDERS = ("female", "male")


def entry_columns(fw: Framework, group: str) -> list[str]:
    """Column names of ``group``'s entry sheet: standard columns, then item ids in order."""
    return [*ENTRY_COLUMNS, *[q.item.id for q in questions(fw, group)]]


def write_entry_workbook(
    fw: Framework, group: str, path: str | Path, lang: str, communities: list[str] | None = None
) -> Path:
    """Write ``group``'s entry workbook to ``path`` (atomically); returns the path."""
    import openpyxl

    w = words(lang)
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = w.label(fw.respondents[group].label)[:31] or group
    lists = wb.create_sheet(w("Lists"))
    qs = questions(fw, group)
    for col, name in enumerate(entry_columns(fw, group), start=1):
        sheets.put(ws, 1, col, name)
    _standard_rules(ws, lists, group, w, communities)
    first = len(ENTRY_COLUMNS) + 1
    for col, q in enumerate(qs, start=first):
        codes = scale_codes(q.scale)
        meaning = ", ".join(f"{c} {w.label(q.scale.labels.get(c))}".strip() for c in codes)
        sheets.add_list(
            ws, lists, col, [str(c) for c in codes], w("Question {n}", n=q.number), meaning
        )
        note = f"{w('Question {n}', n=q.number)}: {w.label(q.item.text)}\n{meaning}\n"
        note += w("Leave the cell empty when the question was not answered.")
        sheets.comment(ws.cell(row=1, column=col), note)
    sheets.style_header(ws, [14, 6, 10, 14, 6, 8] + [7] * len(qs), height=30)
    sheets.protect(ws)
    _codes_sheet(fw, group, wb.create_sheet(w("Codes")), w)
    lists.sheet_state = "hidden"
    sheets.protect(lists)
    sheets.save(wb, path)
    return Path(path)


def _standard_rules(ws, lists, group: str, w, communities: list[str] | None) -> None:
    if communities:
        sheets.add_list(ws, lists, 1, list(communities), w("Community"), w("Choose the community"))
    sheets.add_number_rule(
        ws, 2, 1, 1000, w("Wave"), w("Enter the wave number (1, 2, ...)"), whole=True
    )
    sheets.add_list(ws, lists, 3, [group], w("Respondent group"), group)
    low, high = AGE_RANGE.get(group, ADULT_AGE)
    sheets.add_number_rule(
        ws,
        5,
        low,
        high,
        w("Age"),
        w("Enter a whole number from {low} to {high}", low=low, high=high),
        whole=True,
    )
    sheets.add_list(ws, lists, 6, list(GENDERS), w("Gender"), " / ".join(GENDERS))
    sheets.comment(
        ws.cell(row=1, column=4),
        w("The number written on the questionnaire; never a name or a phone number."),
    )


def _codes_sheet(fw: Framework, group: str, ws, w) -> None:
    titles = [w("Question"), w("Code cfeval reads"), w("Question text"), w("Answer codes")]
    for col, title in enumerate(titles, start=1):
        sheets.put(ws, 1, col, title)
    for row, q in enumerate(questions(fw, group), start=2):
        codes = "\n".join(
            f"{c} = {w.label(q.scale.labels.get(c))}".rstrip(" =") for c in scale_codes(q.scale)
        )
        for col, value in enumerate([q.number, q.item.id, w.label(q.item.text), codes], start=1):
            sheets.put(ws, row, col, value)
    sheets.style_header(ws, [8, 22, 60, 30], height=20)
    from openpyxl.styles import Alignment

    for r in ws.iter_rows(min_row=2):
        for cell in r:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
