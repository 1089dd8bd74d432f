"""Checking one survey or audit file against a framework, column by column.

Each check works on a whole column (numbers through numpy, texts through their distinct
values), marks the rows to exclude and turns only the bad cells into issues. The result
is a :class:`Part`: the file's tidy columns for every row, plus which rows are excluded;
:mod:`cfeval.data.load` combines parts across files (duplicates, unknown communities).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from cfeval.data.headers import match_headers, report_matches, split_matches
from cfeval.data.issues import show
from cfeval.data.mapping import (
    BOOLEAN_WORDS,
    SKIP_MARKERS,
    Mapping,
    category_lookup,
    group_lookup,
    id_texts,
    norm_id,
    norm_text,
    numbers,
    resolve_columns,
    scale_lookup,
    text_values,
)
from cfeval.data.names import apply_community_map
from cfeval.data.platforms import blank_platform_codes, detect_platform, report_platform_blanks
from cfeval.data.readers import Table, peek_headers, read_table
from cfeval.errors import UsageError

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

    from cfeval.framework.model import Framework

__all__ = ["Part", "open_table", "survey_part", "audit_part"]


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


def _text_headers(framework: Framework, headers: list[str], kind: str, mapping) -> set[str]:
    found, unknown, dups = resolve_columns(framework, headers, kind, mapping)
    numeric = (
        {i.id for i in framework.items()}
        if kind == "survey"
        else {k for k, f in framework.fields.items() if f.type == "number"}
    )
    numeric |= {"weight", "age"}
    return {h for t, h in found.items() if t not in numeric} | set(unknown) | {h for h, _ in dups}


def open_table(framework, source, kind, label, sheet, mapping, report) -> tuple[Table, bool]:
    """The file as read, and whether it has data rows (an empty file is one issue)."""
    headers = peek_headers(source)
    text_headers = _text_headers(framework, headers, kind, mapping) if headers else set()
    table = read_table(source, label, sheet, text_headers, kind)
    for row, column, value, code, message in table.notes:
        report.add(table.label, row, column, value, code, message)
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


def _resolve(framework, table: Table, kind: str, mapping, report, platform=None) -> dict[str, int]:
    matches = match_headers(framework, table.headers, kind, mapping, platform)
    report_matches(report, table.label, matches)
    found, _, dups = split_matches(matches)
    unknown = [m.header for m in matches if m.how == "unknown" and not m.candidates]
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


def _flagger(report, table: Table, rows, header: str, col):
    """``flag(mask, code, message)``: one issue per cell of ``col`` where ``mask`` holds."""
    return functools.partial(_cell_issues, report, table, rows, header, col)


def _cell_issues(report, table: Table, rows, header: str, col, mask, code, message) -> None:
    import numpy as np
    import pandas as pd

    for i in np.flatnonzero(mask):
        value = col.iloc[i]
        if pd.isna(value):
            value = None
        shown = "(blank)" if value is None else show(value)
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


def _required_ids(report, table, cols, rows, excluded, name, code, message):
    """An id-like column whose blank cells exclude their row (each listed under ``code``)."""
    import pandas as pd

    col = table.column(cols[name])
    ids = id_texts(col)
    missing = pd.isna(ids)
    _cell_issues(report, table, rows, table.headers[cols[name]], col, missing, code, message)
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
    ids = _required_ids(
        report,
        table,
        cols,
        rows,
        excluded,
        "community_id",
        "missing-community-id",
        "no community id; fill it in or the row cannot be used",
    )
    return apply_community_map(ids, mapping)


def _wave(report, table, cols, mapping, rows, excluded):
    import numpy as np

    n = len(table.frame)
    if mapping is not None and mapping.wave is not None:
        return np.full(n, norm_id(mapping.wave), dtype=object), True
    if "wave" not in cols:
        return np.full(n, "1", dtype=object), False
    waves = _required_ids(
        report,
        table,
        cols,
        rows,
        excluded,
        "wave",
        "missing-wave",
        "the wave is blank while the file has a wave column; fill it in",
    )
    return waves, True


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
        col = table.column(cols["respondent"])
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
        col = table.column(cols["weight"])
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
        id_texts(table.column(cols["respondent_id"]))
        if "respondent_id" in cols
        else np.full(n, None, dtype=object)
    )
    for name in ("city", "district", "age", "gender"):
        if name not in cols:
            continue
        col = table.column(cols[name])
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
    # Only the items asked of the groups in this file are expected in it.
    expected = [
        it.id
        for ind in framework.indicators()
        for it in ind.items or []
        if not present or present & set(it.respondents or ind.respondents or [])
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
    # Items go straight into one column-major block holding only the kept rows (every
    # exclusion is known by now; cells of excluded rows are still checked and reported).
    # Each raw column is freed as soon as it is converted, and the block's pages are only
    # touched as columns are written, so raw and converted cells barely overlap in memory.
    items = framework.items()
    keep = None if not excluded.any() else ~excluded
    block = np.empty((n if keep is None else int(keep.sum()), len(items)), order="F")
    for j, it in enumerate(items):
        if it.id not in cols:
            block[:, j] = np.nan
            continue
        values = _item_values(framework, it, table, cols[it.id], rows, mapping, report, platform)
        table.release(cols[it.id])
        block[:, j] = values if keep is None else values[keep]
    return Part(table, pd.DataFrame(out), rows, excluded, has_wave, _names(table, cols), block)


def _item_values(framework, item, table, pos, rows, mapping, report, platform=None):
    import numpy as np

    scale = framework.scales[item.scale]
    col = table.column(pos)
    header = table.headers[pos]
    flag = _flagger(report, table, rows, header, col)
    values, notnum = numbers(col, scale_lookup(framework, item.scale, mapping))
    values, blanked = blank_platform_codes(col, values, scale, platform)
    if blanked:
        report_platform_blanks(report, table.label, header, blanked, platform)
    valid = np.isin(values, scale.values)
    blank = np.isnan(values) | np.isin(values, scale.missing_codes)
    bad = ~valid & ~blank
    outside = bad & ((values < scale.low) | (values > scale.high))
    # Outside the scale, negatives and 9/99/999 are almost always an undeclared missing code
    # (问卷星 -3, SPSS 99) rather than a typo.
    nines = np.isin(values, [9, 99, 999, 9999]) | (values < 0)
    span = f"{item.scale} ({scale.low}..{scale.high})"
    flag(
        notnum,
        "not-a-number",
        "{value!r} is neither a number nor an option text of scale "
        + span
        + "; it was left blank (correct it, or map it under `values:` in a mapping file)",
    )
    flag(
        outside & ~nines,
        "out-of-range",
        "{value} is outside scale " + span + "; it was left blank (correct the value)",
    )
    missing_codes = ", ".join(map(str, scale.missing_codes)) or "none"
    flag(
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
    for name in ("name", "city", "district"):
        out[name] = (
            id_texts(table.column(cols[name])) if name in cols else np.full(n, None, dtype=object)
        )
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
        col, header = table.column(cols[key]), table.headers[cols[key]]
        flag = _flagger(report, table, rows, header, col)
        if spec.type == "boolean":
            out[key] = _booleans(col, flag)
        elif spec.type == "number":
            vals, bad = numbers(col)
            flag(
                bad,
                "not-a-number",
                "{value!r} is not a number; it was left blank (write digits only)",
            )
            lo = -np.inf if spec.min is None else spec.min
            hi = np.inf if spec.max is None else spec.max
            outside = (vals < lo) | (vals > hi)
            rng = f"{'' if spec.min is None else f'{spec.min:g}'}..{'' if spec.max is None else f'{spec.max:g}'}"
            flag(
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
            flag(
                bad,
                "unknown-category",
                "{value!r} is not a category of " + key + "; use one of " + allowed,
            )
            cats[bad] = None
            out[key] = cats
    return Part(table, pd.DataFrame(out), rows, excluded, has_wave, _names(table, cols))


def _category(value, lookup: dict[str, str]) -> str | bool | None:
    """The category value, None for a blank or skipped cell, False when unknown."""
    text = norm_text(value)
    if text == "" or text in SKIP_MARKERS:
        return None
    return lookup.get(text, False)


def _booleans(col, flag):
    import numpy as np

    def convert(u):
        if isinstance(u, bool | np.bool_):
            return 1.0 if u else 0.0
        text = norm_text(u)
        if text == "" or text in SKIP_MARKERS:
            return float("nan")
        return BOOLEAN_WORDS.get(text)

    vals = text_values(col, convert)
    # text_values leaves missing cells None too: a blank answer is missing, not a mistake.
    bad = np.equal(vals, None) & col.notna().to_numpy()
    flag(
        bad,
        "not-a-boolean",
        "{value!r} is not a yes/no answer; use 是/否, 有/无, yes/no, 1/0 or Y/N",
    )
    return np.array([np.nan if v is None else v for v in vals], dtype="float64")
