"""The children's proposal log: one row per proposal, read and checked like any data file.

A proposal is raised by children (an observation group, a council, a class), goes to an
adult body, gets an answer (accepted / partly / declined, with a reason when declined),
maybe an action, and is reported back to the children. :func:`read_proposals` reads the
log (CSV or XLSX through :func:`cfeval.data.readers.read_table`), lists every unusable
cell as an :class:`~cfeval.data.issues.Issue` with its sheet row, and returns the usable
proposals as a tidy frame. The indicators computed from that frame live in
:mod:`cfeval.data.proposal_measures`. Messages are in the report's language
(``proposals.po``).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from cfeval.data.issues import DataReport, FileInfo
from cfeval.data.mapping import norm_id, norm_text
from cfeval.data.readers import peek_headers, read_table
from cfeval.data.waves import normalise_waves
from cfeval.i18n import N_

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "COLUMNS",
    "DATES",
    "ANSWERS",
    "ProposalLog",
    "parse_date",
    "read_proposals",
    "dataset_log",
]

#: The columns of a proposal log, in template order.
COLUMNS = (
    "community_id",
    "wave",
    "date_raised",
    "raised_by",
    "topic",
    "proposal",
    "referred_to",
    "date_answered",
    "answer",
    "reason",
    "action",
    "date_reported_back",
    "reported_how",
)
DATES = ("date_raised", "date_answered", "date_reported_back")
#: Columns of free text, kept as written (only stripped).
FREE_TEXT = ("raised_by", "proposal", "reason", "action", "reported_how")
#: Without these the log cannot be used at all.
REQUIRED = ("community_id", "date_raised")
#: Answer as written (normalised, lower case) → the stored answer.
ANSWERS: dict[str, str] = {
    "accepted": "accepted",
    "accept": "accepted",
    "yes": "accepted",
    "采纳": "accepted",
    "接受": "accepted",
    "已采纳": "accepted",
    "partly": "partly",
    "partial": "partly",
    "partly accepted": "partly",
    "部分采纳": "partly",
    "部分": "partly",
    "declined": "declined",
    "decline": "declined",
    "no": "declined",
    "未采纳": "declined",
    "不采纳": "declined",
    "拒绝": "declined",
}
_ANSWER_NAMES = "accepted / partly / declined (采纳 / 部分采纳 / 未采纳)"
#: The 1900 date system's day 0 as Excel counts it (Excel's fictitious 1900-02-29 included).
_EXCEL_EPOCH = dt.date(1899, 12, 30)
_SERIAL = re.compile(r"\d{1,6}(\.\d+)?\Z")
_YMD = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:[ T].*)?\Z")

_EMPTY = N_("the file is empty; export it again with a header row and data rows")
_NO_ROWS = N_("the file has a header but no data rows")
_NO_COLUMN = N_("no {column} column: the proposal log cannot be used; add the column")
_NO_OPTIONAL = N_("no {column} column; it is treated as blank in every row")
_UNKNOWN_COLUMN = N_("this column is not part of a proposal log and was ignored")
_NO_COMMUNITY = N_("no community id; fill it in or the row cannot be used")
_UNKNOWN_COMMUNITY = N_("{value!r} is not a community of this evaluation; the row was excluded")
_NO_WAVE = N_("the wave is blank while the file has a wave column; fill it in")
_NO_DATE_RAISED = N_("no date raised; fill it in or the row cannot be used")
_BAD_DATE = N_(
    "{value!r} is not a date; write it as 2026-03-01 or use an Excel date cell (the row was "
    "excluded)"
)
_ANSWERED_EARLY = N_(
    "answered on {value} but raised on {raised}: an answer cannot come first; correct one of "
    "the dates (the row was excluded)"
)
_REPORTED_EARLY = N_(
    "reported back on {value} but {before} on {when}: correct one of the dates (the row was "
    "excluded)"
)
_ANSWERED = N_("answered")
_RAISED = N_("raised")
_UNKNOWN_ANSWER = N_("{value!r} is not an answer; use one of {answers} (the row was excluded)")
_NO_ANSWER_DATE = N_("the answer has no date answered; fill it in (the row was excluded)")
_NO_ANSWER = N_("a date answered but no answer; fill in the answer (the row was excluded)")
_NO_REASON = N_("declined without a reason; the children are owed one, write it in")
_UNKNOWN_TOPIC = N_(
    "{value!r} is not a topic of the framework ({allowed}); the row was kept, correct the "
    "spelling or add the topic to the framework"
)
_UNKNOWN_BODY = N_(
    "{value!r} is not an adult body of the framework ({allowed}); the row was kept, correct "
    "the spelling or add the body to the framework"
)
_BLANK = N_("(blank)")

_SEVERITY = {
    "missing-column": "error",
    "unknown-column": "info",
    "missing-community-id": "error",
    "unknown-community": "error",
    "missing-wave": "error",
    "missing-date": "error",
    "not-a-date": "error",
    "dates-out-of-order": "error",
    "unknown-answer": "error",
    "missing-answer": "error",
    "missing-reason": "warning",
    "unknown-topic": "warning",
    "unknown-body": "warning",
}


@dataclass
class ProposalLog:
    """The usable proposals (one row each, ``row`` = sheet row) and every problem found."""

    frame: pd.DataFrame
    report: DataReport
    #: What was read (kind ``proposals``), for the result's provenance; None if unreadable.
    file: FileInfo | None = None


def parse_date(value: Any) -> dt.date | None:
    """A cell as a date: a date/datetime, an Excel serial number (1900 system) or a text
    ``YYYY-MM-DD`` (also ``/``, ``.`` or ``年月日``). Blank → None; ``ValueError`` otherwise."""
    import pandas as pd

    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, bool):
        raise ValueError(value)
    if isinstance(value, int | float):
        return _serial(float(value))
    text = norm_id(value)
    if not text:
        return None
    if _SERIAL.match(text):
        return _serial(float(text))
    m = _YMD.match(text)
    if m is None:
        raise ValueError(text)
    return dt.date(int(m[1]), int(m[2]), int(m[3]))


def _serial(number: float) -> dt.date:
    # 1..2958465 are Excel's dates 1900-01-01..9999-12-31; a fraction is the time of day.
    if not 1 <= number <= 2_958_465:
        raise ValueError(number)
    return _EXCEL_EPOCH + dt.timedelta(days=int(number))


def _cell_text(value: Any, keep: bool = False) -> str | None:
    """A cell as text (None when blank). Ids and list entries are normalised (NFKC, spaces
    collapsed); free text (``keep``) is only stripped: the children's words, with their
    full-width punctuation, are quoted as written."""
    import pandas as pd

    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if keep:
        return str(value).strip() or None
    return norm_id(value) or None


class _Checker:
    """Walks the rows of one log, adding issues to ``report`` and marking rows excluded."""

    def __init__(self, report: DataReport, label: str, headers: dict[str, str]) -> None:
        self.report, self.label, self.headers = report, label, headers
        self.w = report.words
        self.excluded: set[int] = set()

    def add(self, row, column, value, code, message, exclude=False, /, **fields) -> None:
        shown = self.w(_BLANK) if value is None else value
        text = self.w(message).format(value=shown, **fields)
        header = self.headers.get(column, column)
        self.report.add(self.label, row, header, value, code, text, _SEVERITY[code])
        if exclude and row not in self.excluded:  # a row is counted once, for its first reason
            self.excluded.add(row)
            self.report.exclude(code, 1)


def _header_map(headers: list[str]) -> tuple[dict[str, int], list[int]]:
    found: dict[str, int] = {}
    unknown = []
    for pos, header in enumerate(headers):
        key = norm_text(header).lower().replace(" ", "_")
        if key in COLUMNS and key not in found:
            found[key] = pos
        else:
            unknown.append(pos)
    return found, unknown


def _list_lookup(values: Iterable[str] | Mapping[str, str] | None) -> dict[str, str] | None:
    if values is None:
        return None
    if isinstance(values, Mapping):  # every way of writing an entry → its id
        return {norm_text(k).lower(): v for k, v in values.items()}
    return {norm_text(v).lower(): norm_id(v) for v in values}


def read_proposals(
    source,
    *,
    communities: Iterable[str] | None = None,
    topics: Iterable[str] | None = None,
    bodies: Iterable[str] | None = None,
    names: Mapping[str, str] | None = None,
    sheet: str | None = None,
    label: str | None = None,
    lang: str | None = None,
) -> ProposalLog:
    """Read and check a proposal log (CSV/XLSX path, or a DataFrame).

    ``communities``: the known community ids (None: any id is accepted). ``topics`` and
    ``bodies``: the framework's lists (None: any text is accepted), as names or as a mapping
    from every accepted spelling to the id stored (``ProposalLists.aliases``); ``names``
    (id → name in the report's language) is how a message lists them. Rows with an
    unusable community, wave, date or answer are excluded and listed; unknown topics and
    bodies and a decline without a reason are listed but the row is kept.
    """
    import pandas as pd

    report = DataReport(lang=lang)
    if label is None:
        label = "proposals" if isinstance(source, pd.DataFrame) else str(source)
    # every column as text: ids such as ``01`` keep their zero, serials are parsed here
    text_headers = set() if isinstance(source, pd.DataFrame) else set(peek_headers(source) or ())
    table = read_table(source, label, sheet, text_headers, None)
    label = table.label
    for row, column, value, code, message in table.notes:
        report.add(label, row, column, value, code, message)
    empty = pd.DataFrame(columns=["row", *COLUMNS])
    for column in DATES:  # typed like a read log, so its measures work on it too
        empty[column] = pd.to_datetime(empty[column])
    if table.empty or len(table.frame) == 0:
        code, msg = ("empty-file", _EMPTY) if table.empty else ("no-data-rows", _NO_ROWS)
        report.add(label, None, None, None, code, report.words(msg), "error")
        return ProposalLog(empty, report)
    info = FileInfo(label, "proposals", table.sha256, table.encoding, table.sheet, 0, 0)
    cols, unknown = _header_map(table.headers)
    headers = {key: table.headers[pos] for key, pos in cols.items()}
    check = _Checker(report, label, headers)
    for pos in unknown:
        check.add(None, table.headers[pos], None, "unknown-column", _UNKNOWN_COLUMN)
    missing = [c for c in REQUIRED if c not in cols]
    for column in missing:
        check.add(None, column, None, "missing-column", _NO_COLUMN, column=column)
    if missing:
        return ProposalLog(empty, report, info)
    for column in ("wave", *COLUMNS[3:]):
        if column not in cols and column not in ("reason", "reported_how"):
            report.add(
                label, None, column, None, "missing-column",
                report.words(_NO_OPTIONAL).format(column=column), "info",
            )  # fmt: skip
    rows = table.first_row + table.frame.index.to_numpy()
    raw = {c: table.column(p).tolist() for c, p in cols.items()}
    n = len(rows)
    known = None if communities is None else {norm_id(c) for c in communities}
    lists = {"topic": _list_lookup(topics), "referred_to": _list_lookup(bodies), "names": names}
    records = []
    for i in range(n):
        cells = {c: (raw[c][i] if c in raw else None) for c in COLUMNS}
        records.append(_check_row(check, int(rows[i]), cells, known, lists, "wave" in cols))
    report._sort()
    frame = pd.DataFrame(
        [r for r in records if r["row"] not in check.excluded], columns=["row", *COLUMNS]
    )
    for column in DATES:
        frame[column] = pd.to_datetime(frame[column])
    # ``1.0`` from a spreadsheet is wave ``1``, as in the survey and audit
    frame["wave"] = normalise_waves(frame["wave"].to_numpy(dtype=object))[0]
    info = dataclasses.replace(info, rows_read=n, rows_used=len(frame))
    return ProposalLog(frame.reset_index(drop=True), report, info)


def _check_row(check: _Checker, row: int, cells: dict, known, lists, has_wave) -> dict:
    """One row: ids, dates, their order, the answer and the list columns."""
    out: dict[str, Any] = {"row": row}
    for column in COLUMNS:
        if column not in DATES:
            out[column] = _cell_text(cells[column], keep=column in FREE_TEXT)
    community = out["community_id"]
    if community is None:
        check.add(row, "community_id", None, "missing-community-id", _NO_COMMUNITY, True)
    elif known is not None and community not in known:
        check.add(row, "community_id", community, "unknown-community", _UNKNOWN_COMMUNITY, True)
    if out["wave"] is None:
        if has_wave:
            check.add(row, "wave", None, "missing-wave", _NO_WAVE, True)
        out["wave"] = "1"
    bad = set()
    for column in DATES:
        try:
            out[column] = parse_date(cells[column])
        except (ValueError, OverflowError):
            value = _cell_text(cells[column])
            check.add(row, column, value, "not-a-date", _BAD_DATE, True)
            out[column] = None
            bad.add(column)
            continue
        if column == "date_raised" and out[column] is None:
            check.add(row, column, None, "missing-date", _NO_DATE_RAISED, True)
    _check_order(check, row, out)
    _check_answer(check, row, out, "date_answered" in bad)
    _check_lists(check, row, out, lists)
    return out


def _check_order(check: _Checker, row: int, out: dict) -> None:
    raised, answered, reported = (out[c] for c in DATES)
    w = check.w
    if raised and answered and answered < raised:
        check.add(
            row, "date_answered", answered.isoformat(), "dates-out-of-order", _ANSWERED_EARLY, True,
            raised=raised.isoformat(),
        )  # fmt: skip
    before, when = (_ANSWERED, answered) if answered else (_RAISED, raised)
    if when and reported and reported < when:
        check.add(
            row, "date_reported_back", reported.isoformat(), "dates-out-of-order", _REPORTED_EARLY,
            True, before=w(before), when=when.isoformat(),
        )  # fmt: skip


def _check_answer(check: _Checker, row: int, out: dict, bad_date: bool) -> None:
    text = out["answer"]
    if text is not None:
        answer = ANSWERS.get(norm_text(text).lower())
        if answer is None:
            check.add(
                row, "answer", text, "unknown-answer", _UNKNOWN_ANSWER, True, answers=_ANSWER_NAMES
            )
        out["answer"] = answer
        if answer is not None and out["date_answered"] is None and not bad_date:
            check.add(row, "date_answered", None, "missing-date", _NO_ANSWER_DATE, True)
        if answer == "declined" and out["reason"] is None:
            check.add(row, "reason", None, "missing-reason", _NO_REASON)
    elif out["date_answered"] is not None or bad_date:
        check.add(row, "answer", None, "missing-answer", _NO_ANSWER, True)


def _check_lists(check: _Checker, row: int, out: dict, lists: dict) -> None:
    for column, code, message in (
        ("topic", "unknown-topic", _UNKNOWN_TOPIC),
        ("referred_to", "unknown-body", _UNKNOWN_BODY),
    ):
        lookup, value = lists[column], out[column]
        if lookup is None or value is None:
            continue
        canonical = lookup.get(norm_text(value).lower())
        if canonical is None:
            ids = set(lookup.values())
            shown = lists["names"] or {i: i for i in sorted(ids)}  # the framework's order
            allowed = ", ".join(name for i, name in shown.items() if i in ids)
            check.add(row, column, value, code, message, allowed=allowed)
        else:
            out[column] = canonical


_WAVE_NOT_IN_AUDIT = N_(
    "community {community} has no audit row for wave {wave}; this proposal is not counted in "
    "any score (correct the wave, or add the wave to the audit)"
)


def _list_names(lists, w) -> dict[str, str]:
    """Topic and body ids → their names in the report's language (for its messages)."""
    return {c.id: w.label(c.label) for c in [*lists.topics, *lists.bodies]}


def dataset_log(framework, source, known, audit, report):
    """The proposal log's usable rows for a Dataset; its problems and file go into ``report``.

    Proposals of a wave the audit does not have for their community are listed (a warning):
    no community × wave would score them.
    """
    lists = framework.proposals
    log = read_proposals(
        source,
        communities=known,
        topics=None if lists is None else lists.aliases("topics"),
        bodies=None if lists is None else lists.aliases("bodies"),
        names=None if lists is None else _list_names(lists, report.words),
        lang=report.lang,
    )
    report.extend(log.report)
    if log.file is not None:
        report.files.append(log.file)
    frame = log.frame
    if len(audit) and len(frame):
        have = set(zip(audit["community_id"], audit["wave"], strict=True))
        for row, cid, wave in zip(frame["row"], frame["community_id"], frame["wave"], strict=True):
            if (cid, wave) not in have:
                message = report.words(_WAVE_NOT_IN_AUDIT, community=cid, wave=wave)
                report.add(
                    log.file.path, int(row), "wave", wave, "wave-not-in-audit", message, "warning"
                )
    return frame
