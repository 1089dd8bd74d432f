"""The cells of one column checked against what the framework allows: survey items
against their scale, audit fields against their type (number, yes/no, category).

Each check works on the whole column (numbers through numpy, texts through their distinct
values) and turns only the bad cells into issues, in the report's language; a bad cell
becomes blank, never a guess.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING

from cfeval.data.issues import show
from cfeval.data.mapping import (
    BOOLEAN_WORDS,
    SKIP_MARKERS,
    category_lookup,
    norm_text,
    numbers,
    scale_lookup,
    text_values,
)
from cfeval.data.platforms import blank_platform_codes, report_platform_blanks
from cfeval.i18n import N_

if TYPE_CHECKING:
    import numpy as np

    from cfeval.data.readers import Table

__all__ = ["flagger", "cell_issues", "item_values", "clean_item_values", "field_values"]

_NOT_OPTION = N_(
    "{value!r} is neither a number nor an option text of scale {scale}; it was left blank "
    "(correct it, or map it under `values:` in a mapping file)"
)
_OUTSIDE_SCALE = N_("{value} is outside scale {scale}; it was left blank (correct the value)")
_UNKNOWN_CODE = N_(
    "{value} is not a value of scale {scale} nor one of its missing codes ({codes}); it was "
    "left blank (add it to `missing_codes` if it means 'no answer')"
)
_NO_CODES = N_("none")
_NOT_NUMBER = N_("{value!r} is not a number; it was left blank (write digits only)")
_OUTSIDE_FIELD = N_(
    "{value} is outside the allowed range {range} of {field}; it was left blank (correct the value)"
)
_NOT_CATEGORY = N_("{value!r} is not a category of {field}; use one of {allowed}")
_NOT_BOOLEAN = N_("{value!r} is not a yes/no answer; use 是/否, 有/无, yes/no, 1/0 or Y/N")
_BLANK = N_("(blank)")


def flagger(report, table: Table, rows, header: str, col):
    """``flag(mask, code, message, **fields)``: one issue per cell of ``col`` where
    ``mask`` holds; ``message`` is a catalogue id with ``{value}`` and ``fields``."""
    return functools.partial(cell_issues, report, table, rows, header, col)


def cell_issues(report, table: Table, rows, header: str, col, mask, code, message, **fields):
    """One issue per cell where ``mask`` holds, the message in the report's language."""
    import numpy as np
    import pandas as pd

    w = report.words
    template = w(message)
    for i in np.flatnonzero(mask):
        value = col.iloc[i]
        if pd.isna(value):
            value = None
        shown = w(_BLANK) if value is None else show(value)
        text = template.format(value=shown, **fields)
        report.add(table.label, int(rows[i]), header, value, code, text)


def item_values(framework, item, table: Table, pos, rows, mapping, report, platform=None):
    """A survey item's column as scale values (NaN for blanks and unusable cells)."""
    import numpy as np

    scale = framework.scales[item.scale]
    col = table.column(pos)
    header = table.headers[pos]
    flag = flagger(report, table, rows, header, col)
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
    flag(notnum, "not-a-number", _NOT_OPTION, scale=span)
    flag(outside & ~nines, "out-of-range", _OUTSIDE_SCALE, scale=span)
    codes = ", ".join(map(str, scale.missing_codes)) or report.words(_NO_CODES)
    flag(bad & (nines | ~outside), "unknown-code", _UNKNOWN_CODE, scale=span, codes=codes)
    return np.where(valid, values, np.nan)


def clean_item_values(framework, item, values: np.ndarray) -> np.ndarray | None:
    """A numeric item column's scale values when every cell is a value of its scale, a
    missing code or blank; None when some cell needs :func:`item_values` to be reported.

    The common case (a clean export) costs a comparison per scale value, with no pandas
    copy of the column; ``values`` (float64, owned by the caller) is reused for the result.
    For such a column the result is exactly :func:`item_values`', which also reports
    nothing for it (a platform's blank code is never a scale value or missing code).
    """
    import numpy as np

    scale = framework.scales[item.scale]
    valid = np.isin(values, scale.values)
    if valid.all():
        return values
    blank = np.isnan(values)
    if scale.missing_codes:
        blank |= np.isin(values, scale.missing_codes)
    if not (valid | blank).all():
        return None
    values[~valid] = np.nan
    return values


def field_values(framework, key: str, spec, col, flag, mapping) -> np.ndarray:
    """An audit field's column by its type: float64 (numbers, yes/no) or category values."""
    import numpy as np

    if spec.type == "boolean":
        return _booleans(col, flag)
    if spec.type == "number":
        vals, bad = numbers(col)
        flag(bad, "not-a-number", _NOT_NUMBER)
        lo = -np.inf if spec.min is None else spec.min
        hi = np.inf if spec.max is None else spec.max
        outside = (vals < lo) | (vals > hi)
        low = "" if spec.min is None else f"{spec.min:g}"
        high = "" if spec.max is None else f"{spec.max:g}"
        flag(outside, "out-of-range", _OUTSIDE_FIELD, range=f"{low}..{high}", field=key)
        return np.where(outside, np.nan, vals)
    lookup = category_lookup(framework, key, mapping)
    cats = text_values(col, lambda u, lookup=lookup: _category(u, lookup))
    bad = np.equal(cats, False)
    allowed = ", ".join(f"{c.value} ({'/'.join(c.label.values())})" for c in spec.categories or [])
    flag(bad, "unknown-category", _NOT_CATEGORY, field=key, allowed=allowed)
    cats[bad] = None
    return cats


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
    flag(bad, "not-a-boolean", _NOT_BOOLEAN)
    return np.array([np.nan if v is None else v for v in vals], dtype="float64")
