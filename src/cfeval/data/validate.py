"""Checking one survey or audit file against a framework, column by column.

Each check works on a whole column, marks the rows to exclude and turns only the bad cells
into issues (the cells themselves are checked in :mod:`cfeval.data.cells`). The result is
a :class:`Part`: the file's tidy columns for every row, plus which rows are excluded;
:mod:`cfeval.data.load` combines parts across files (duplicates, unknown communities).
Messages are in the report's language (``data.po``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from cfeval._columns import AUDIT_DESCRIPTION, SURVEY_NUMBERS, SURVEY_OPTIONAL, SURVEY_TEXT
from cfeval.data.cells import cell_issues, clean_item_values, field_values, flagger, item_values
from cfeval.data.headers import match_headers, report_matches, split_matches
from cfeval.data.mapping import (
    Mapping,
    group_lookup,
    id_texts,
    norm_id,
    norm_text,
    numbers,
    resolve_columns,
    text_values,
)
from cfeval.data.names import apply_community_map
from cfeval.data.platforms import detect_platform
from cfeval.data.readers import Table, peek_headers, read_table
from cfeval.data.waves import normalise_waves
from cfeval.errors import UsageError
from cfeval.i18n import N_

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

    from cfeval.framework.model import Framework

__all__ = ["Part", "open_table", "survey_part", "audit_part"]

_ENCODINGS = {
    "utf-8": N_("read as UTF-8"),
    "utf-8-sig": N_("read as UTF-8 with BOM"),
    "gb18030": N_(
        "read as GBK/GB18030 (Chinese Excel's default); if characters look wrong, save the "
        "file as 'CSV UTF-8'"
    ),
}
_EMPTY = N_("the file is empty; export it again with a header row and data rows")
_NO_ROWS = N_("the file has a header but no data rows")
_UNKNOWN_COLUMNS = {
    "survey": N_(
        "{n} column(s) match no item or standard column and were ignored; rename them or map "
        "them in a mapping file"
    ),
    "audit": N_(
        "{n} column(s) match no field or standard column and were ignored; rename them or map "
        "them in a mapping file"
    ),
}
_DUPLICATE_COLUMN = N_(
    "this column also means {target!r}, which an earlier column already provides; it was ignored"
)
_NO_COLUMN = N_(
    "no {column} column (and no `{column}:` in a mapping file): all {n} rows were excluded; "
    "add the column"
)
_NO_COMMUNITY = N_("no community id; fill it in or the row cannot be used")
_NO_WAVE = N_("the wave is blank while the file has a wave column; fill it in")
_WAVE_DATE = N_(
    "the wave {value} is a date; a wave is a round of data collection: write 1, 2 or 2024"
)
_NOT_A_GROUP = N_("mapping file: respondent {group!r} is not a group of {framework!r} ({groups})")
_UNKNOWN_GROUP = N_("{value!r} is not a respondent group; use one of {groups}")
_BAD_WEIGHT = N_(
    "weight {value!r} is not a positive number; the row was excluded (fix or remove the weight)"
)
_BAD_AGE = N_("age {value!r} is not a number; it was left blank")
_BAD_NUMBER = N_("{value!r} is not a number; it was left blank (write digits only)")
_MISSING_ITEMS = N_(
    "{n} item(s) of {framework!r} are not in this file; they are missing for every "
    "respondent here (add the columns, or map their headers)"
)
_MISSING_FIELDS = N_(
    "{n} audit field(s) of {framework!r} are not in this file; indicators that use them will "
    "be missing (add the columns)"
)


@dataclass
class Part:
    """One file after validation: its frame (all rows), sheet rows, and who is excluded."""

    table: Table
    frame: pd.DataFrame
    rows: np.ndarray
    excluded: np.ndarray
    has_wave: bool
    headers: dict[str, str]  # target → header as written, to name columns in issues
    #: Survey items: float64, column-major, one column per ``framework.items()``, and
    #: only the rows that are *not* excluded (``frame`` has every row, ``items`` does not).
    items: np.ndarray | None = None
    #: Instead of ``items``, for a table read by pyarrow: its item columns, decoded when
    #: asked (:class:`cfeval.data.items.PartItems`).
    lazy: Any = None


def _text_headers(framework: Framework, headers: list[str], kind: str, mapping) -> set[str]:
    found, unknown, dups = resolve_columns(framework, headers, kind, mapping)
    numeric = (
        {i.id for i in framework.items()}
        if kind == "survey"
        else {k for k, f in framework.fields.items() if f.type == "number"}
    )
    numeric |= set(SURVEY_NUMBERS)
    return {h for t, h in found.items() if t not in numeric} | set(unknown) | {h for h, _ in dups}


def open_table(framework, source, kind, label, sheet, mapping, report) -> tuple[Table, bool]:
    """The file as read, and whether it has data rows (an empty file is one issue)."""
    w = report.words
    headers = peek_headers(source)
    text_headers = _text_headers(framework, headers, kind, mapping) if headers else set()
    table = read_table(source, label, sheet, text_headers, kind)
    for row, column, value, code, message in table.notes:
        report.add(table.label, row, column, value, code, message)
    if table.encoding is not None:
        text = w(_ENCODINGS[table.encoding])
        report.add(table.label, None, None, table.encoding, "encoding", text)
    if table.empty:
        report.add(table.label, None, None, None, "empty-file", w(_EMPTY))
        return table, False
    if len(table.frame) == 0:
        report.add(table.label, None, None, None, "no-data-rows", w(_NO_ROWS))
        return table, False
    return table, True


def _resolve(framework, table: Table, kind: str, mapping, report, platform=None) -> dict[str, int]:
    w = report.words
    matches = match_headers(framework, table.headers, kind, mapping, platform)
    report_matches(report, table.label, matches)
    found, _, dups = split_matches(matches)
    unknown = [m.header for m in matches if m.how == "unknown" and not m.candidates]
    if unknown:
        text = w(_UNKNOWN_COLUMNS[kind], n=len(unknown))
        report.add(table.label, None, ", ".join(unknown), None, "unknown-column", text)
    for header, target in dups:
        text = w(_DUPLICATE_COLUMN, target=target)
        report.add(table.label, None, header, None, "unknown-column", text)
    position = {h: i for i, h in reversed(list(enumerate(table.headers)))}
    return {t: position[h] for t, h in found.items()}


def _names(table: Table, cols: dict[str, int]) -> dict[str, str]:
    return {target: table.headers[pos] for target, pos in cols.items()}


def _exclude_missing_column(report, table, name, n, excluded) -> None:
    text = report.words(_NO_COLUMN, column=name, n=n)
    report.add(table.label, None, name, None, "missing-column", text, severity="error")
    report.exclude("missing-column", (~excluded).sum())
    excluded[:] = True


def _required_ids(report, table, cols, rows, excluded, name, code, message):
    """An id-like column whose blank cells exclude their row (each listed under ``code``)."""
    import pandas as pd

    col = table.column(cols[name])
    ids = id_texts(col)
    missing = pd.isna(ids)
    cell_issues(report, table, rows, table.headers[cols[name]], col, missing, code, message)
    report.exclude(code, (missing & ~excluded).sum())
    excluded |= missing
    return ids


def _community(report, table, cols, mapping, rows, excluded):
    import numpy as np

    n = len(table.frame)
    if mapping is not None and mapping.community_id is not None:
        return np.full(n, norm_id(mapping.community_id), dtype=object)
    if "community_id" not in cols:
        _exclude_missing_column(report, table, "community_id", n, excluded)
        return np.full(n, None, dtype=object)
    code = "missing-community-id"
    ids = _required_ids(report, table, cols, rows, excluded, "community_id", code, _NO_COMMUNITY)
    return apply_community_map(ids, mapping)


def _wave(report, table, cols, mapping, rows, excluded):
    import numpy as np

    n = len(table.frame)
    if mapping is not None and mapping.wave is not None:
        return np.full(n, norm_id(mapping.wave), dtype=object), True
    if "wave" not in cols:
        return np.full(n, "1", dtype=object), False
    waves = _required_ids(report, table, cols, rows, excluded, "wave", "missing-wave", _NO_WAVE)
    # Normalised once ("1.0" is wave 1); a date is not a wave label (see data/waves.py).
    waves, is_date = normalise_waves(waves)
    if is_date.any():
        header, col = table.headers[cols["wave"]], table.column(cols["wave"])
        cell_issues(report, table, rows, header, col, is_date, "wave-is-a-date", _WAVE_DATE)
        report.exclude("wave-is-a-date", (is_date & ~excluded).sum())
        excluded |= is_date
    return waves, True


def _respondents(framework, table, cols, mapping, rows, excluded, report):
    """Each row's respondent group; a row whose group is unknown is excluded."""
    import numpy as np

    n = len(table.frame)
    groups = group_lookup(framework, mapping)
    if mapping is not None and mapping.respondent is not None:
        key = groups.get(norm_text(mapping.respondent))
        if key is None:
            raise UsageError(
                report.words(
                    _NOT_A_GROUP,
                    group=mapping.respondent,
                    framework=framework.id,
                    groups=", ".join(framework.respondents),
                )
            )
        return np.full(n, key, dtype=object)
    if "respondent" in cols:
        col = table.column(cols["respondent"])
        resp = text_values(col, lambda u: groups.get(norm_text(u)))
        bad = np.equal(resp, None)
        names = ", ".join(
            f"{k} ({'/'.join(r.label.values())})" for k, r in framework.respondents.items()
        )
        header = table.headers[cols["respondent"]]
        code = "unknown-respondent-group"
        cell_issues(report, table, rows, header, col, bad, code, _UNKNOWN_GROUP, groups=names)
        report.exclude(code, (bad & ~excluded).sum())
        excluded |= bad
        return resp
    if len(framework.respondents) == 1:
        return np.full(n, next(iter(framework.respondents)), dtype=object)
    _exclude_missing_column(report, table, "respondent", n, excluded)
    return np.full(n, None, dtype=object)


def _weights(table, cols, rows, excluded, report):
    """Each row's weight (1 without a weight column); a row with a bad weight is excluded."""
    import numpy as np

    if "weight" not in cols:
        return np.ones(len(table.frame))
    col = table.column(cols["weight"])
    w, _ = numbers(col)
    bad = ~(w > 0) | ~np.isfinite(w)
    header = table.headers[cols["weight"]]
    cell_issues(report, table, rows, header, col, bad, "bad-weight", _BAD_WEIGHT)
    report.exclude("bad-weight", (bad & ~excluded).sum())
    excluded |= bad
    return w


def _optional(table, cols, rows, report, out: dict[str, Any]) -> None:
    """The respondent id and the optional columns (city, district, age, gender)."""
    import numpy as np

    n = len(table.frame)
    out["respondent_id"] = (
        id_texts(table.column(cols["respondent_id"]))
        if "respondent_id" in cols
        else np.full(n, None, dtype=object)
    )
    for name in SURVEY_OPTIONAL:
        if name not in cols:
            continue
        col = table.column(cols[name])
        if name in SURVEY_NUMBERS:
            out[name], bad = numbers(col)
            header = table.headers[cols[name]]
            text = _BAD_AGE if name == "age" else _BAD_NUMBER
            cell_issues(report, table, rows, header, col, bad, "not-a-number", text)
        else:
            out[name] = id_texts(col)


def _report_missing_items(framework, table, cols, present: set, report) -> None:
    """Items asked of the groups in this file but absent from it: one line for the file."""
    expected = [
        it.id
        for ind in framework.indicators()
        for it in ind.items or []
        if not present or present & set(it.respondents or ind.respondents or [])
    ]
    missing = [i for i in expected if i not in cols]
    if missing:
        text = report.words(_MISSING_ITEMS, n=len(missing), framework=framework.id)
        report.add(table.label, None, ", ".join(missing), None, "missing-column", text)


def survey_part(framework, table: Table, mapping: Mapping | None, report) -> Part:
    """Check a survey table: ids, group, wave, weight and every item column."""
    import numpy as np
    import pandas as pd

    platform = (mapping.platform if mapping is not None else None) or detect_platform(table.headers)
    cols = _resolve(framework, table, "survey", mapping, report, platform)
    n = len(table.frame)
    rows = table.first_row + table.frame.index.to_numpy()
    excluded = np.zeros(n, bool)
    out: dict[str, Any] = {"community_id": _community(report, table, cols, mapping, rows, excluded)}
    out["wave"], has_wave = _wave(report, table, cols, mapping, rows, excluded)
    out["respondent"] = _respondents(framework, table, cols, mapping, rows, excluded, report)
    out["weight"] = _weights(table, cols, rows, excluded, report)
    _optional(table, cols, rows, report, out)
    # Only the items asked of the groups in this file are expected in it.
    present = {g for g in pd.unique(out["respondent"][~excluded]) if g is not None}
    _report_missing_items(framework, table, cols, present, report)
    items = framework.items()
    keep = None if not excluded.any() else ~excluded
    frame = pd.DataFrame({k: _texts(v) if k in SURVEY_TEXT else v for k, v in out.items()})
    if table.source is not None:  # read by pyarrow: the columns stay where they are
        lazy = _lazy_items(framework, items, table, cols, mapping, rows, report, platform)
        lazy.keep = keep
        return Part(table, frame, rows, excluded, has_wave, _names(table, cols), lazy=lazy)
    # A table pandas holds (XLSX, a frame): its item columns go into one column-major
    # block holding only the kept rows (cells of excluded rows are still checked).
    block = np.empty((n if keep is None else int(keep.sum()), len(items)), order="F")
    for j, it in enumerate(items):
        if it.id not in cols:
            block[:, j] = np.nan
            continue
        values = item_values(framework, it, table, cols[it.id], rows, mapping, report, platform)
        block[:, j] = values if keep is None else values[keep]
    return Part(table, frame, rows, excluded, has_wave, _names(table, cols), block)


def _texts(values):
    """An id column (str or None per row) as the frame's string dtype, through Arrow:
    pandas would look at each of a million cells to infer the same dtype."""
    import pandas as pd
    import pyarrow as pa

    try:
        return pd.array(pa.array(values, type=pa.large_string(), from_pandas=True), dtype="str")
    except (pa.ArrowInvalid, pa.ArrowTypeError):  # not all str: pandas decides, as before
        return values


def _lazy_items(framework, items, table: Table, cols, mapping, rows, report, platform):
    """Check every item column of a pyarrow-read table and keep what the engine will ask
    for (:class:`cfeval.data.items.PartItems`): a clean column as int8 codes (or, when its
    scale does not allow them, nothing: it is decoded from the file again), a column with a
    reported cell as its checked values."""
    from cfeval.data.items import PartItems

    lazy = PartItems(framework, table, [cols.get(it.id) for it in items])
    checks = _clean_items(framework, items, table, cols)
    for j, (it, clean) in enumerate(zip(items, checks, strict=True)):
        if it.id not in cols or clean is _CLEAN:
            continue  # absent, or decoded again from the file when asked
        if clean is None:  # some cell must be reported: on this thread
            lazy.checked[j] = item_values(
                framework, it, table, cols[it.id], rows, mapping, report, platform
            )
        else:
            lazy.codes[j] = clean
    # Only the columns decoded again are read from now on; a CSV's others are let go.
    table.keep_only({lazy.positions[j] for j in lazy.still_in_file()})
    return lazy


#: A clean column whose scale has values other than small whole numbers.
_CLEAN = object()


def _clean_items(framework, items, table: Table, cols: dict):
    """Per item, in order: its column's int8 codes (:func:`cfeval.data.items.compact`), or
    ``_CLEAN``, when it is numeric and clean; else None.

    Each column is decoded into the thread's scratch buffer and compared with its scale;
    this runs on every core (:func:`cfeval._threads.ordered_map`); the report is only
    written on the calling thread, so its lines keep their order.
    """
    import threading

    from cfeval._threads import ordered_map
    from cfeval.data.items import compact, scratch

    n, local = len(table.frame), threading.local()

    def quick(j):
        it = items[j]
        if it.id not in cols:
            return None
        values = table.numbers(cols[it.id], scratch(local, n))
        if values is None or clean_item_values(framework, it, values) is None:
            return None
        codes = compact(framework.scales[it.scale], values)
        return _CLEAN if codes is None else codes

    return ordered_map(quick, range(len(items)))


def audit_part(framework, table: Table, mapping, report) -> Part:
    """Check an audit table: ids, wave, names and every declared field by its type."""
    import numpy as np
    import pandas as pd

    cols = _resolve(framework, table, "audit", mapping, report)
    n = len(table.frame)
    rows = table.first_row + table.frame.index.to_numpy()
    excluded = np.zeros(n, bool)
    out: dict[str, Any] = {"community_id": _community(report, table, cols, mapping, rows, excluded)}
    out["wave"], has_wave = _wave(report, table, cols, mapping, rows, excluded)
    for name in AUDIT_DESCRIPTION:
        out[name] = (
            id_texts(table.column(cols[name])) if name in cols else np.full(n, None, dtype=object)
        )
    missing_fields = [k for k in framework.fields if k not in cols]
    if missing_fields:
        text = report.words(_MISSING_FIELDS, n=len(missing_fields), framework=framework.id)
        report.add(table.label, None, ", ".join(missing_fields), None, "missing-column", text)
    for key, spec in framework.fields.items():
        if key not in cols:
            out[key] = (
                np.full(n, np.nan) if spec.type != "category" else np.full(n, None, dtype=object)
            )
            continue
        col, header = table.column(cols[key]), table.headers[cols[key]]
        flag = flagger(report, table, rows, header, col)
        out[key] = field_values(framework, key, spec, col, flag, mapping)
    return Part(table, pd.DataFrame(out), rows, excluded, has_wave, _names(table, cols))
