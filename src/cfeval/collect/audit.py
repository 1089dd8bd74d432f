"""The audit workbook: one row per community, one column per audit field.

Headers are the fields' names in the kit's language, which the data stage matches back to
field ids, so a filled workbook is read by ``cfeval check --audit`` with no mapping file.
Drop-downs offer categories and yes/no, numbers are held to the field's range, units and
evidence sit in header notes and on the help sheet, and the header row is protected.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from cfeval.collect import sheets
from cfeval.collect.common import YES_NO, field_evidence
from cfeval.i18n import words

if TYPE_CHECKING:
    from cfeval.framework.model import AuditField, Framework

__all__ = ["Community", "STANDARD_HEADERS", "write_audit_workbook", "audit_headers"]

#: Headers of the standard audit columns per language; each is an alias the data stage
#: reads (``AUDIT_STANDARD``), which a test checks.
STANDARD_HEADERS: dict[str, dict[str, str]] = {
    "zh": {
        "community_id": "社区编号",
        "wave": "轮次",
        "name": "社区名称",
        "city": "城市",
        "district": "区县",
    },
    "en": {
        "community_id": "community_id",
        "wave": "wave",
        "name": "name",
        "city": "city",
        "district": "district",
    },
}


@dataclass(frozen=True)
class Community:
    """A row to pre-fill: who the community is (never any field value)."""

    community_id: str
    wave: str = "1"
    name: str | None = None
    city: str | None = None
    district: str | None = None


def audit_headers(fw: Framework, lang: str) -> dict[str, str]:
    """Target (standard column or field id) → header text.

    A field's header is its label; where the data stage would not read that label back
    as this very field (two fields sharing a label, a label equal to a standard column),
    the field id is used instead.
    """
    from cfeval.data.mapping import resolve_columns

    w = words(lang)
    headers = dict(STANDARD_HEADERS[w.lang])
    for key, spec in fw.fields.items():
        headers[key] = w.label(spec.label).strip() or key
    found, _, _ = resolve_columns(fw, list(headers.values()), "audit", None)
    for key in fw.fields:
        if found.get(key) != headers[key]:
            headers[key] = key
    return headers


def _allowed(spec: AuditField, w) -> tuple[str, list[str] | None]:
    """(words describing what is allowed, drop-down values or None)."""
    if spec.type == "boolean":
        yes_no = YES_NO[w.lang]
        return w("{yes} or {no}", yes=yes_no["1"], no=yes_no["0"]), [yes_no["1"], yes_no["0"]]
    if spec.type == "category":
        values = [w.label(c.label) or c.value for c in spec.categories or []]
        return w("one of: {values}", values=" / ".join(values)), values
    return _range_words(spec, w), None


def _range_words(spec: AuditField, w) -> str:
    def num(x: float) -> str:
        return f"{x:g}"

    if spec.min is not None and spec.max is not None:
        return w("a number from {low} to {high}", low=num(spec.min), high=num(spec.max))
    if spec.min is not None:
        return w("a number of at least {low}", low=num(spec.min))
    if spec.max is not None:
        return w("a number of at most {high}", high=num(spec.max))
    return w("a number")


def _evidence_lines(fw: Framework, key: str, w) -> list[str]:
    out = []
    for node_id, method, evidence in field_evidence(fw, key):
        text = w.label(evidence) if evidence else ""
        out.append(f"{w.label(method)} ({node_id}): {text}".rstrip(": "))
    return out


def _field_note(fw: Framework, key: str, spec: AuditField, w) -> str:
    other = [v for k, v in spec.label.items() if k != w.lang]
    lines = [w("Code cfeval reads: {code}", code=key), *other[:1]]
    allowed, _ = _allowed(spec, w)
    lines.append(w("Allowed: {what}", what=allowed))
    if spec.unit:
        lines.append(w("Unit: {unit}", unit=w.label(spec.unit)))
    lines += [w("Evidence: {what}", what=e) for e in _evidence_lines(fw, key, w)]
    if spec.help:
        lines.append(w.label(spec.help))
    return "\n".join(lines)


def write_audit_workbook(
    fw: Framework, path: str | Path, lang: str, communities: list[Community] | None = None
) -> Path:
    """Write the audit workbook for ``fw`` to ``path`` (atomically); returns the path."""
    import openpyxl

    w = words(lang)
    headers = audit_headers(fw, w.lang)
    targets = list(headers)
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = w("Audit")
    lists = wb.create_sheet(w("Lists"))
    for col, target in enumerate(targets, start=1):
        sheets.put(ws, 1, col, headers[target])
    _validate_columns(fw, ws, lists, targets, w)
    rows = communities or []
    for r, com in enumerate(rows, start=2):
        for col, target in enumerate(targets, start=1):
            value = getattr(com, target, None) if target in STANDARD_HEADERS["en"] else None
            if target == "wave" and value is not None and value.isdigit():
                value = int(value)  # a number, as the column's validation asks (not text)
            if value is not None:
                sheets.put(ws, r, col, value)
    widths = [14, 8, 16, 10, 12] + [18] * len(fw.fields)
    sheets.style_header(ws, widths, height=64)
    sheets.unlock_rows(ws, range(2, len(rows) + 2), len(targets))
    sheets.protect(ws)
    _help_sheet(fw, wb.create_sheet(w("Help")), headers, w)
    lists.sheet_state = "hidden"
    sheets.protect(lists)
    sheets.save(wb, path)
    return Path(path)


def _validate_columns(fw: Framework, ws, lists, targets: list[str], w) -> None:
    for col, target in enumerate(targets, start=1):
        cell = ws.cell(row=1, column=col)
        if target == "wave":
            sheets.add_number_rule(
                ws, col, 1, 1000, w("Wave"), w("Enter the wave number (1, 2, ...)"), whole=True
            )
            sheets.comment(cell, w("Code cfeval reads: {code}", code=target))
            continue
        spec = fw.fields.get(target)
        if spec is None:
            sheets.comment(cell, w("Code cfeval reads: {code}", code=target))
            continue
        title = w.label(spec.label)
        allowed, values = _allowed(spec, w)
        if values is not None:
            sheets.add_list(ws, lists, col, values, title, w("Choose {what}", what=allowed))
        else:
            sheets.add_number_rule(
                ws, col, spec.min, spec.max, title, w("Enter {what}", what=allowed)
            )
        sheets.comment(cell, _field_note(fw, target, spec, w))


def _help_sheet(fw: Framework, ws, headers: dict[str, str], w) -> None:
    titles = [
        w("Column"),
        w("Code cfeval reads"),
        w("Allowed"),
        w("Unit"),
        w("Evidence"),
        w("Notes"),
    ]
    for col, title in enumerate(titles, start=1):
        sheets.put(ws, 1, col, title)
    row = 2
    for key, spec in fw.fields.items():
        allowed, _ = _allowed(spec, w)
        cells = [
            headers[key],
            key,
            allowed,
            w.label(spec.unit) if spec.unit else "",
            "\n".join(_evidence_lines(fw, key, w)),
            w.label(spec.help) if spec.help else "",
        ]
        for col, value in enumerate(cells, start=1):
            sheets.put(ws, row, col, value)
        row += 1
    sheets.put(
        ws,
        row + 1,
        1,
        w(
            "The header row is protected so that columns keep the names cfeval reads; the sheet has no password (Review → Unprotect Sheet)."
        ),
    )
    sheets.style_header(ws, [28, 26, 30, 10, 50, 50], height=20)
    from openpyxl.styles import Alignment

    for r in ws.iter_rows(min_row=2, max_row=row - 1):
        for cell in r:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
