"""Reading survey and audit files into tidy frames, with every unusable cell reported.

Files may be CSV (UTF-8, UTF-8 with BOM, GBK/GB18030; ``,`` ``;`` tab or ``|``), XLSX
(including a merged two-row header) or Parquet; columns may be named by id or by the
question text that 问卷星 / KoboToolbox export (see :mod:`cfeval.mapping`). Problems never
raise one at a time: each unusable cell or row becomes an :class:`Issue` in a
:class:`DataReport`, the cell becomes NaN and a row without a usable community, group,
wave or weight is excluded and counted. Only a file that cannot be read at all raises
(:class:`~cfeval.errors.UsageError` / :class:`~cfeval.errors.DataError`).

Validation works on whole columns (and on the few *unique* texts of a text column), so a
million rows cost seconds; only the bad cells become Python objects.

>>> ds = load_data(fw, survey=["children.csv", "parents.xlsx"], audit="audit.csv")  # doctest: +SKIP
>>> ds.report.summary()  # doctest: +SKIP
{'out-of-range': 3, 'unknown-community': 1}
"""

from __future__ import annotations

import math
import os
import tempfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cfeval.errors import UsageError
from cfeval.mapping import (
    BOOLEAN_WORDS,
    SKIP_MARKERS,
    Mapping,
    category_lookup,
    group_lookup,
    id_texts,
    load_mapping,
    norm_id,
    norm_text,
    numbers,
    resolve_columns,
    scale_lookup,
    text_values,
)
from cfeval.readers import Table, peek_headers, read_table

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

    from cfeval.framework import Framework

__all__ = [
    "Issue",
    "FileInfo",
    "DataReport",
    "Dataset",
    "SEVERITY",
    "read_survey",
    "read_audit",
    "load_data",
    "check",
]

#: Default severity of each issue code (``missing-column`` is an error for community_id).
SEVERITY: dict[str, str] = {
    "missing-column": "warning",
    "unknown-community": "error",
    "unknown-respondent-group": "error",
    "out-of-range": "error",
    "unknown-code": "warning",
    "not-a-number": "error",
    "duplicate-respondent": "warning",
    "empty-file": "error",
    "no-data-rows": "error",
    "bad-weight": "error",
    "missing-community-id": "error",
    "missing-wave": "error",
    "unknown-column": "info",
    "encoding": "info",
    "duplicate-community": "error",
    "not-a-boolean": "error",
    "unknown-category": "error",
}

SURVEY_TEXT = ("community_id", "wave", "respondent", "respondent_id", "city", "district", "gender")
AUDIT_TEXT = ("community_id", "wave", "name", "city", "district")


# --------------------------------------------------------------------------- report


@dataclass(frozen=True, slots=True)
class Issue:
    """One unusable cell, row, column or file. ``row`` is the sheet row (header = 1)."""

    file: str
    row: int | None
    column: str | None
    value: str | None
    code: str
    severity: str
    message: str


@dataclass(frozen=True)
class FileInfo:
    """What was read from one input: kind is ``survey`` or ``audit``; rows exclude blank lines."""

    path: str
    kind: str
    sha256: str
    encoding: str | None
    sheet: str | None
    rows_read: int
    rows_used: int


@dataclass
class DataReport:
    """Every data problem found, as a value: filter it, count it, save it.

    >>> report = check(fw, survey="survey.csv")  # doctest: +SKIP
    >>> report.flatten()  # doctest: +SKIP
    [[3, 'c_voice_1', 'out-of-range']]
    """

    issues: list[Issue] = field(default_factory=list)
    files: list[FileInfo] = field(default_factory=list)
    excluded_rows: Counter = field(default_factory=Counter)

    def add(
        self,
        file: str,
        row: int | None,
        column: str | None,
        value: Any,
        code: str,
        message: str,
        severity: str | None = None,
    ) -> None:
        self.issues.append(
            Issue(file, row, column, _show(value), code, severity or SEVERITY[code], message)
        )

    def exclude(self, reason: str, count) -> None:
        """Count ``count`` rows excluded for ``reason`` (zero counts leave no key behind)."""
        if int(count):
            self.excluded_rows[reason] += int(count)

    @property
    def has_problems(self) -> bool:
        """True when any issue is an error or a warning (info lines do not count)."""
        return any(i.severity != "info" for i in self.issues)

    def summary(self) -> dict[str, int]:
        """Number of issues per code, codes in alphabetical order."""
        counts = Counter(i.code for i in self.issues)
        return dict(sorted(counts.items()))

    def flatten(self) -> list[list]:
        """``[[row, column, code], ...]`` in report order, for tests and quick looks."""
        return [[i.row, i.column, i.code] for i in self.issues]

    def to_frame(self) -> pd.DataFrame:
        """The issues as a table: file, row, column, value, code, severity, message."""
        import pandas as pd

        cols = ["file", "row", "column", "value", "code", "severity", "message"]
        frame = pd.DataFrame([[getattr(i, c) for c in cols] for i in self.issues], columns=cols)
        frame["row"] = frame["row"].astype("Int64")
        return frame

    def extend(self, other: DataReport) -> DataReport:
        """Add another report's issues, files and exclusion counts to this one."""
        self.issues.extend(other.issues)
        self.files.extend(other.files)
        self.excluded_rows.update(other.excluded_rows)
        return self

    def write_csv(self, path: str | Path) -> Path:
        """Write :meth:`to_frame` as CSV (UTF-8 with BOM so Excel shows Chinese), atomically."""
        path = Path(path)
        fd, tmp = tempfile.mkstemp(dir=path.parent or ".", prefix=f".{path.name}.", suffix=".tmp")
        try:
            with os.fdopen(fd, "w", encoding="utf-8-sig", newline="") as fh:
                self.to_frame().to_csv(fh, index=False)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return path

    def _sort(self) -> None:
        # Issues read in file order, then sheet order; file-wide lines first.
        order = {f: i for i, f in enumerate(dict.fromkeys(i.file for i in self.issues))}
        self.issues.sort(key=lambda i: (order[i.file], i.row is not None, i.row or 0))


@dataclass
class Dataset:
    """Tidy survey and audit frames (see docs/architecture.md) with their report."""

    framework: Framework
    survey: pd.DataFrame
    audit: pd.DataFrame
    report: DataReport
    files: list[FileInfo]


def _show(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, float):
        if math.isnan(value):
            return ""
        if value.is_integer():
            value = int(value)
    text = str(value)
    return text if len(text) <= 80 else text[:79] + "…"


# --------------------------------------------------------------------------- validation


@dataclass
class _Part:
    """One file after validation: its frame (all rows), sheet rows, and who is excluded."""

    table: Table
    frame: pd.DataFrame
    rows: np.ndarray
    excluded: np.ndarray
    has_wave: bool
    headers: dict[str, str]  # target → header as written, to name columns in issues


def _text_headers(framework: Framework, headers: list[str], kind: str, mapping) -> set[str]:
    found, unknown, dups = resolve_columns(framework, headers, kind, mapping)
    numeric = (
        {i.id for i in framework.items()}
        if kind == "survey"
        else {k for k, f in framework.fields.items() if f.type == "number"}
    )
    numeric |= {"weight", "age"}
    return {h for t, h in found.items() if t not in numeric} | set(unknown) | {h for h, _ in dups}


def _open(framework, source, kind, label, sheet, mapping, report) -> tuple[Table, bool]:
    """The file as read, and whether it has data rows (an empty file is one issue)."""
    headers = peek_headers(source)
    text_headers = _text_headers(framework, headers, kind, mapping) if headers else set()
    table = read_table(source, label, sheet, text_headers)
    if table.encoding is not None:
        names = {"utf-8": "UTF-8", "utf-8-sig": "UTF-8 with BOM", "gb18030": "GBK/GB18030"}
        hint = (
            " (Chinese Excel's default); if characters look wrong, save the file as 'CSV UTF-8'"
            if table.encoding == "gb18030"
            else ""
        )
        report.add(
            table.label,
            None,
            None,
            table.encoding,
            "encoding",
            f"read as {names[table.encoding]}{hint}",
        )
    if table.empty:
        report.add(
            table.label,
            None,
            None,
            None,
            "empty-file",
            "the file is empty; export it again with a header row and data rows",
        )
        return table, False
    if len(table.frame) == 0:
        report.add(
            table.label, None, None, None, "no-data-rows", "the file has a header but no data rows"
        )
        return table, False
    return table, True


def _resolve(framework, table: Table, kind: str, mapping, report) -> dict[str, int]:
    found, unknown, dups = resolve_columns(framework, table.headers, kind, mapping)
    if unknown:
        report.add(
            table.label,
            None,
            ", ".join(unknown),
            None,
            "unknown-column",
            f"{len(unknown)} column(s) match no {'item' if kind == 'survey' else 'field'} or "
            "standard column and were ignored; rename them or map them in a mapping file",
        )
    for header, target in dups:
        report.add(
            table.label,
            None,
            header,
            None,
            "unknown-column",
            f"this column also means {target!r}, which an earlier column already provides; "
            "it was ignored",
        )
    position = {h: i for i, h in reversed(list(enumerate(table.headers)))}
    return {t: position[h] for t, h in found.items()}


def _names(table: Table, cols: dict[str, int]) -> dict[str, str]:
    return {target: table.headers[pos] for target, pos in cols.items()}


def _cell_issues(report, table: Table, rows, header: str, col, mask, code, message) -> None:
    import numpy as np
    import pandas as pd

    for i in np.flatnonzero(mask):
        value = col.iloc[i]
        if pd.isna(value):
            value = None
        shown = "(blank)" if value is None else _show(value)
        report.add(table.label, int(rows[i]), header, value, code, message.format(value=shown))


def _exclude_missing_column(report, table, name, n, excluded) -> None:
    report.add(
        table.label,
        None,
        name,
        None,
        "missing-column",
        f"no {name} column (and no `{name}:` in a mapping file): all {n} rows were excluded; "
        f"add the column",
        severity="error",
    )
    report.exclude("missing-column", (~excluded).sum())
    excluded[:] = True


def _community(report, table, cols, mapping, rows, excluded):
    import numpy as np
    import pandas as pd

    n = len(table.frame)
    if mapping is not None and mapping.community_id is not None:
        return np.full(n, norm_id(mapping.community_id), dtype=object)
    if "community_id" not in cols:
        _exclude_missing_column(report, table, "community_id", n, excluded)
        return np.full(n, None, dtype=object)
    col = table.frame[cols["community_id"]]
    ids = id_texts(col)
    missing = pd.isna(ids)
    _cell_issues(
        report,
        table,
        rows,
        table.headers[cols["community_id"]],
        col,
        missing,
        "missing-community-id",
        "no community id; fill it in or the row cannot be used",
    )
    report.exclude("missing-community-id", (missing & ~excluded).sum())
    excluded |= missing
    return ids


def _wave(report, table, cols, mapping, rows, excluded):
    import numpy as np
    import pandas as pd

    n = len(table.frame)
    if mapping is not None and mapping.wave is not None:
        return np.full(n, norm_id(mapping.wave), dtype=object), True
    if "wave" not in cols:
        return np.full(n, "1", dtype=object), False
    col = table.frame[cols["wave"]]
    waves = id_texts(col)
    missing = pd.isna(waves)
    _cell_issues(
        report,
        table,
        rows,
        table.headers[cols["wave"]],
        col,
        missing,
        "missing-wave",
        "the wave is blank while the file has a wave column; fill it in",
    )
    report.exclude("missing-wave", (missing & ~excluded).sum())
    excluded |= missing
    return waves, True


def _survey_part(framework, table: Table, mapping: Mapping | None, report) -> _Part:
    import numpy as np
    import pandas as pd

    cols = _resolve(framework, table, "survey", mapping, report)
    frame, n = table.frame, len(table.frame)
    rows = table.first_row + table.frame.index.to_numpy()
    excluded = np.zeros(n, bool)
    out: dict[str, Any] = {"community_id": _community(report, table, cols, mapping, rows, excluded)}
    out["wave"], has_wave = _wave(report, table, cols, mapping, rows, excluded)

    groups = group_lookup(framework, mapping)
    if mapping is not None and mapping.respondent is not None:
        key = groups.get(norm_text(mapping.respondent))
        if key is None:
            raise UsageError(
                f"mapping file: respondent {mapping.respondent!r} is not a group of "
                f"{framework.id!r} ({', '.join(framework.respondents)})"
            )
        out["respondent"] = np.full(n, key, dtype=object)
    elif "respondent" in cols:
        col = frame[cols["respondent"]]
        resp = text_values(col, lambda u: groups.get(norm_text(u)))
        bad = np.equal(resp, None)
        _cell_issues(
            report,
            table,
            rows,
            table.headers[cols["respondent"]],
            col,
            bad,
            "unknown-respondent-group",
            "{value!r} is not a respondent group; use one of "
            + ", ".join(
                f"{k} ({'/'.join(r.label.values())})" for k, r in framework.respondents.items()
            ),
        )
        report.exclude("unknown-respondent-group", (bad & ~excluded).sum())
        excluded |= bad
        out["respondent"] = resp
    elif len(framework.respondents) == 1:
        out["respondent"] = np.full(n, next(iter(framework.respondents)), dtype=object)
    else:
        _exclude_missing_column(report, table, "respondent", n, excluded)
        out["respondent"] = np.full(n, None, dtype=object)

    if "weight" in cols:
        col = frame[cols["weight"]]
        w, _ = numbers(col)
        bad = ~(w > 0) | ~np.isfinite(w)
        _cell_issues(
            report,
            table,
            rows,
            table.headers[cols["weight"]],
            col,
            bad,
            "bad-weight",
            "weight {value!r} is not a positive number; the row was excluded (fix or "
            "remove the weight)",
        )
        report.exclude("bad-weight", (bad & ~excluded).sum())
        excluded |= bad
        out["weight"] = w
    else:
        out["weight"] = np.ones(n)
    out["respondent_id"] = (
        id_texts(frame[cols["respondent_id"]])
        if "respondent_id" in cols
        else np.full(n, None, dtype=object)
    )
    for name in ("city", "district", "age", "gender"):
        if name not in cols:
            continue
        col = frame[cols[name]]
        if name == "age":
            out[name], bad = numbers(col)
            _cell_issues(
                report,
                table,
                rows,
                table.headers[cols[name]],
                col,
                bad,
                "not-a-number",
                "age {value!r} is not a number; it was left blank",
            )
        else:
            out[name] = id_texts(col)

    present = {g for g in pd.unique(out["respondent"][~excluded]) if g is not None}
    expected = [
        it.id
        for ind in framework.indicators()
        if ind.items and (not present or present & set(ind.respondents or []))
        for it in ind.items
    ]
    missing_items = [i for i in expected if i not in cols]
    if missing_items:
        report.add(
            table.label,
            None,
            ", ".join(missing_items),
            None,
            "missing-column",
            f"{len(missing_items)} item(s) of {framework.id!r} are not in this file; they are "
            "missing for every respondent here (add the columns, or map their headers)",
        )
    # Items go straight into one 2-D block: a dict of a million-row columns would be
    # copied once more when pandas consolidates it.
    items = framework.items()
    block = np.full((n, len(items)), np.nan)
    for j, it in enumerate(items):
        if it.id in cols:
            block[:, j] = _item_values(framework, it, table, cols[it.id], rows, mapping, report)
    frame = pd.concat(
        [pd.DataFrame(out), pd.DataFrame(block, columns=[it.id for it in items], copy=False)],
        axis=1,
    )
    return _Part(table, frame, rows, excluded, has_wave, _names(table, cols))


def _item_values(framework, item, table, pos, rows, mapping, report):
    import numpy as np

    scale = framework.scales[item.scale]
    col = table.frame[pos]
    header = table.headers[pos]
    values, notnum = numbers(col, scale_lookup(framework, item.scale, mapping))
    valid = np.isin(values, scale.values)
    blank = np.isnan(values) | np.isin(values, scale.missing_codes)
    bad = ~valid & ~blank
    outside = bad & ((values < scale.low) | (values > scale.high))
    # Outside the scale, negatives and 9/99/999 are almost always an undeclared missing code
    # (问卷星 -3, SPSS 99) rather than a typo.
    nines = np.isin(values, [9, 99, 999, 9999]) | (values < 0)
    span = f"{item.scale} ({scale.low}..{scale.high})"
    _cell_issues(
        report,
        table,
        rows,
        header,
        col,
        notnum,
        "not-a-number",
        "{value!r} is neither a number nor an option text of scale "
        + span
        + "; it was left blank (correct it, or map it under `values:` in a mapping file)",
    )
    _cell_issues(
        report,
        table,
        rows,
        header,
        col,
        outside & ~nines,
        "out-of-range",
        "{value} is outside scale " + span + "; it was left blank (correct the value)",
    )
    missing_codes = ", ".join(map(str, scale.missing_codes)) or "none"
    _cell_issues(
        report,
        table,
        rows,
        header,
        col,
        bad & (nines | ~outside),
        "unknown-code",
        "{value} is not a value of scale "
        + span
        + " nor one of its missing codes ("
        + missing_codes
        + "); it was left blank (add it to `missing_codes` if it means "
        "'no answer')",
    )
    return np.where(valid, values, np.nan)


def _audit_part(framework, table: Table, mapping, report) -> _Part:
    import numpy as np
    import pandas as pd

    cols = _resolve(framework, table, "audit", mapping, report)
    frame, n = table.frame, len(table.frame)
    rows = table.first_row + table.frame.index.to_numpy()
    excluded = np.zeros(n, bool)
    out: dict[str, Any] = {"community_id": _community(report, table, cols, mapping, rows, excluded)}
    out["wave"], has_wave = _wave(report, table, cols, mapping, rows, excluded)
    for name in ("name", "city", "district"):
        out[name] = id_texts(frame[cols[name]]) if name in cols else np.full(n, None, dtype=object)
    missing_fields = [k for k in framework.fields if k not in cols]
    if missing_fields:
        report.add(
            table.label,
            None,
            ", ".join(missing_fields),
            None,
            "missing-column",
            f"{len(missing_fields)} audit field(s) of {framework.id!r} are not in this file; "
            "indicators that use them will be missing (add the columns)",
        )
    for key, spec in framework.fields.items():
        if key not in cols:
            out[key] = (
                np.full(n, np.nan) if spec.type != "category" else np.full(n, None, dtype=object)
            )
            continue
        col, header = frame[cols[key]], table.headers[cols[key]]
        if spec.type == "boolean":
            out[key] = _booleans(col, report, table, rows, header)
        elif spec.type == "number":
            vals, bad = numbers(col)
            _cell_issues(
                report,
                table,
                rows,
                header,
                col,
                bad,
                "not-a-number",
                "{value!r} is not a number; it was left blank (write digits only)",
            )
            lo = -np.inf if spec.min is None else spec.min
            hi = np.inf if spec.max is None else spec.max
            outside = (vals < lo) | (vals > hi)
            rng = f"{'' if spec.min is None else f'{spec.min:g}'}..{'' if spec.max is None else f'{spec.max:g}'}"
            _cell_issues(
                report,
                table,
                rows,
                header,
                col,
                outside,
                "out-of-range",
                "{value} is outside the allowed range "
                + rng
                + " of "
                + key
                + "; it was left blank (correct the value)",
            )
            out[key] = np.where(outside, np.nan, vals)
        else:
            lookup = category_lookup(framework, key, mapping)
            cats = text_values(col, lambda u, lookup=lookup: _category(u, lookup))
            bad = np.equal(cats, False)
            allowed = ", ".join(
                f"{c.value} ({'/'.join(c.label.values())})" for c in spec.categories or []
            )
            _cell_issues(
                report,
                table,
                rows,
                header,
                col,
                bad,
                "unknown-category",
                "{value!r} is not a category of " + key + "; use one of " + allowed,
            )
            cats[bad] = None
            out[key] = cats
    return _Part(table, pd.DataFrame(out), rows, excluded, has_wave, _names(table, cols))


def _category(value, lookup: dict[str, str]) -> str | bool | None:
    """The category value, None for a blank or skipped cell, False when unknown."""
    text = norm_text(value)
    if text == "" or text in SKIP_MARKERS:
        return None
    return lookup.get(text, False)


def _booleans(col, report, table, rows, header):
    import numpy as np

    def convert(u):
        if isinstance(u, bool | np.bool_):
            return 1.0 if u else 0.0
        text = norm_text(u)
        if text == "" or text in SKIP_MARKERS:
            return float("nan")
        return BOOLEAN_WORDS.get(text)

    vals = text_values(col, convert)
    bad = np.equal(vals, None)
    _cell_issues(
        report,
        table,
        rows,
        header,
        col,
        bad,
        "not-a-boolean",
        "{value!r} is not a yes/no answer; use 是/否, 有/无, yes/no, 1/0 or Y/N",
    )
    return np.array([np.nan if v is None else v for v in vals], dtype="float64")


# --------------------------------------------------------------------------- assembling


def _dedupe(frame, keys, where, report, code, message, column, show) -> np.ndarray:
    """Mark every later row that repeats ``keys`` (the first one is kept) and report it.

    ``show`` is False for respondent ids: they may be phone numbers, so only the row is named.
    """
    import numpy as np

    files, rows, headers = where
    dup = frame.duplicated(subset=keys, keep="first").to_numpy()
    for i in np.flatnonzero(dup):
        value = frame[column].iloc[i] if show else None
        header = headers[files[i]].get(column, column)
        report.add(files[i], int(rows[i]), header, value, code, message)
    report.exclude(code, dup.sum())
    return dup


def _concat(parts: list[_Part]):
    import numpy as np
    import pandas as pd

    # Filtering copies every column; a million clean rows should not pay for that.
    kept = [p.frame[~p.excluded] if p.excluded.any() else p.frame for p in parts]
    frame = kept[0].reset_index(drop=True) if len(kept) == 1 else pd.concat(kept, ignore_index=True)
    files = np.concatenate(
        [np.full(int((~p.excluded).sum()), p.table.label, dtype=object) for p in parts]
    )
    rows = np.concatenate([p.rows[~p.excluded] for p in parts])
    return frame, (files, rows, {p.table.label: p.headers for p in parts})


def _survey_frame(framework, parts, report, known: set[str] | None):
    import numpy as np

    frame, (files, rows, headers) = _concat(parts)
    drop = np.zeros(len(frame), bool)
    if known is not None:
        unknown = ~frame["community_id"].isin(known).to_numpy()
        for i in np.flatnonzero(unknown):
            cid = frame["community_id"].iloc[i]
            report.add(
                files[i], int(rows[i]), headers[files[i]].get("community_id"), cid,
                "unknown-community",
                f"community {cid!r} is not in the audit file; the row was excluded (check the "
                "id's spelling or add the community to the audit)",
            )  # fmt: skip
        report.exclude("unknown-community", unknown.sum())
        drop |= unknown
    has_id = frame["respondent_id"].notna().to_numpy() & ~drop
    dup = _dedupe(
        frame[has_id], ["community_id", "wave", "respondent_id"],
        (files[has_id], rows[has_id], headers), report, "duplicate-respondent",
        "this respondent id already appears for the same community and wave; the first row "
        "was kept and this one excluded",
        "respondent_id", show=False,
    )  # fmt: skip
    drop[np.flatnonzero(has_id)[dup]] = True
    kept_files = Counter(files[~drop])
    return _tidy_survey(framework, frame[~drop] if drop.any() else frame), kept_files


def _tidy_survey(framework, frame):
    frame = frame.reset_index(drop=True)
    for name in SURVEY_TEXT:
        if name in frame:
            frame[name] = frame[name].astype("str")
    for name in ("weight", "age"):
        if name in frame:
            frame[name] = frame[name].astype("float64")
    for it in framework.items():
        frame[it.id] = frame[it.id].astype("float64")
    order = ["community_id", "wave", "respondent", "weight", "respondent_id"]
    order += [c for c in ("city", "district", "age", "gender") if c in frame]
    order += [it.id for it in framework.items()]
    return frame[order]


def _audit_frame(framework, parts, report, survey=None):
    import pandas as pd

    frame, where = _concat(parts)
    dup = _dedupe(
        frame, ["community_id", "wave"], where, report, "duplicate-community",
        "this community (and wave) already has an audit row; the first row was kept and this "
        "one excluded (merge the two rows)",
        "community_id", show=True,
    )  # fmt: skip
    files = where[0]
    frame = frame[~dup].reset_index(drop=True)
    kept_files = Counter(files[~dup])
    if survey is not None and parts and not all(p.has_wave for p in parts):
        # An audit without waves describes the community in every wave the survey has.
        waves = survey[["community_id", "wave"]].drop_duplicates()
        frame = frame.drop(columns="wave").merge(waves, on="community_id", how="left")
        frame["wave"] = frame["wave"].fillna("1")
    for name in AUDIT_TEXT:
        frame[name] = frame[name].astype("str")
    for key, spec in framework.fields.items():
        if spec.type == "category":
            frame[key] = pd.Series(
                [v if isinstance(v, str) else None for v in frame[key]], dtype=object
            )
        else:
            frame[key] = frame[key].astype("float64")
    order = [*AUDIT_TEXT, *framework.fields]
    return frame[order], kept_files


def _empty_survey(framework):
    import pandas as pd

    cols = {
        "community_id": "str",
        "wave": "str",
        "respondent": "str",
        "weight": "float64",
        "respondent_id": "str",
        **{it.id: "float64" for it in framework.items()},
    }
    return pd.DataFrame({c: pd.Series(dtype=t) for c, t in cols.items()})


def _empty_audit(framework):
    import pandas as pd

    cols = {c: "str" for c in AUDIT_TEXT}
    for key, spec in framework.fields.items():
        cols[key] = object if spec.type == "category" else "float64"
    return pd.DataFrame({c: pd.Series(dtype=t) for c, t in cols.items()})


# --------------------------------------------------------------------------- public API


def _as_framework(framework) -> Framework:
    from cfeval.framework import Framework

    if isinstance(framework, Framework):
        return framework
    from cfeval.loader import load_framework

    return load_framework(framework)


def _sources(value) -> list:
    import pandas as pd

    if value is None:
        return []
    if isinstance(value, str | Path | pd.DataFrame):
        return [value]
    return list(value)


def _label(source, kind: str, i: int) -> str:
    import pandas as pd

    return f"<{kind} frame {i + 1}>" if isinstance(source, pd.DataFrame) else str(source)


def _parts(framework, sources, kind, mapping, sheet, report) -> tuple[list[_Part], list[Table]]:
    build = _survey_part if kind == "survey" else _audit_part
    parts, tables = [], []
    for i, source in enumerate(sources):
        sub = DataReport()
        table, usable = _open(framework, source, kind, _label(source, kind, i), sheet, mapping, sub)
        tables.append(table)
        if usable:
            parts.append(build(framework, table, mapping, sub))
            # The raw cells are no longer needed; keep memory for the tidy frame.
            table.frame = table.frame.iloc[:0]
        report.extend(sub)
    return parts, tables


def _file_info(kind: str, table: Table, kept: Counter) -> FileInfo:
    return FileInfo(
        table.label, kind, table.sha256, table.encoding, table.sheet, table.rows_read,
        kept[table.label],
    )  # fmt: skip


def load_data(
    framework, survey=None, audit=None, mapping=None, sheet: str | None = None
) -> Dataset:
    """Read survey file(s) and an audit file, check them against each other, report all.

    ``survey`` is a path, a DataFrame or a list of them; ``audit`` is one path or frame.
    Survey rows of a community missing from the audit are excluded (``unknown-community``);
    an audit without a wave column applies to every wave of the survey.

    >>> ds = load_data(fw, survey="survey.csv", audit="audit.xlsx")  # doctest: +SKIP
    >>> ds.survey.groupby("community_id").size()  # doctest: +SKIP
    """
    framework = _as_framework(framework)
    mapping = load_mapping(mapping)
    report = DataReport()
    s_parts, s_tables = _parts(framework, _sources(survey), "survey", mapping, sheet, report)
    a_parts, a_tables = _parts(framework, _sources(audit), "audit", mapping, sheet, report)
    known = None
    if a_parts:
        # Known communities come from the audit as deduplicated; its issues are reported
        # once, below, when the final audit frame is built.
        first, _ = _audit_frame(framework, a_parts, DataReport())
        if len(first):
            known = set(first["community_id"])
    survey_df, s_kept = (
        _survey_frame(framework, s_parts, report, known)
        if s_parts
        else (_empty_survey(framework), Counter())
    )
    audit_df, a_kept = (
        _audit_frame(framework, a_parts, report, survey_df)
        if a_parts
        else (_empty_audit(framework), Counter())
    )
    report.files.extend(_file_info("survey", t, s_kept) for t in s_tables)
    report.files.extend(_file_info("audit", t, a_kept) for t in a_tables)
    report._sort()
    return Dataset(framework, survey_df, audit_df, report, list(report.files))


def read_survey(framework, path_or_frame, *, mapping=None, sheet: str | None = None):
    """Read one survey file or frame: ``(survey frame, DataReport)``.

    >>> survey, report = read_survey(fw, "children.csv")  # doctest: +SKIP
    """
    ds = load_data(framework, survey=[path_or_frame], mapping=mapping, sheet=sheet)
    return ds.survey, ds.report


def read_audit(framework, path_or_frame, *, mapping=None, sheet: str | None = None):
    """Read one audit file or frame: ``(audit frame, DataReport)``.

    >>> audit, report = read_audit(fw, "audit.xlsx", sheet="检查表")  # doctest: +SKIP
    """
    ds = load_data(framework, audit=path_or_frame, mapping=mapping, sheet=sheet)
    return ds.audit, ds.report


def check(framework, survey=None, audit=None, mapping=None, sheet: str | None = None) -> DataReport:
    """Only the report of :func:`load_data`: every problem in the given files."""
    return load_data(framework, survey=survey, audit=audit, mapping=mapping, sheet=sheet).report
