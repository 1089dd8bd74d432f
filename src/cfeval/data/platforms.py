"""What survey platforms put into an export besides the answers: system columns and codes.

One home for these facts (the table in docs/imports.md is generated from the same data and a
test keeps the two equal):

- :data:`SYSTEM_COLUMNS`: the columns a platform adds (running numbers, submission times,
  IP addresses, uuids). They are never answers and never respondent ids: a platform's
  running number (问卷星 ``序号``, KoboToolbox ``_index`` / ``_id``, ODK ``KEY``) restarts in
  every export, so two files would share ids. A mapping file may still name one of them as
  ``respondent_id`` on purpose.
- :data:`BLANK_CODES`: cells that mean "no answer" on a platform. They become blank cells
  and each column gets one ``platform-blank`` info line with the counts, instead of one
  ``out-of-range`` line per cell. Numeric codes (问卷星's -3 and -2) are only read this way
  in a file known to come from that platform (its system columns, or ``platform: wjx`` in
  the mapping file), and never when the item's scale uses the number itself.

>>> detect_platform(["序号", "提交答卷时间", "1、年龄"])
'wjx'
>>> is_system_column("_submission_time")
True
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from cfeval.i18n import N_

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

    from cfeval.framework.model import Scale

__all__ = [
    "PLATFORMS",
    "SYSTEM_COLUMNS",
    "BlankCode",
    "BLANK_CODES",
    "BLANK_TEXTS",
    "detect_platform",
    "is_system_column",
    "blank_platform_codes",
    "report_platform_blanks",
    "codes_table_markdown",
]

#: Platform keys (as written in a mapping file's ``platform:``) and their names.
PLATFORMS: dict[str, str] = {
    "wjx": "问卷星 (wjx.cn)",
    "kobo": "KoboToolbox",
    "odk": "ODK Central",
}

#: System columns per platform, compared after NFKC and case folding.
SYSTEM_COLUMNS: dict[str, tuple[str, ...]] = {
    "wjx": ("序号", "提交答卷时间", "所用时间", "来源", "来源详情", "来自ip", "总分"),
    "kobo": (
        "start",
        "end",
        "today",
        "deviceid",
        "_id",
        "_uuid",
        "_submission_time",
        "_validation_status",
        "_notes",
        "_status",
        "_submitted_by",
        "_tags",
        "_index",
        "_parent_index",
        "__version__",
        "formhub/uuid",
        "meta/instanceid",
        "meta/rootuuid",
    ),
    "odk": (
        "submissiondate",
        "key",
        "parent_key",
        "submitterid",
        "submittername",
        "attachmentspresent",
        "attachmentsexpected",
        "status",
        "reviewstate",
        "deviceid",
        "edits",
        "formversion",
        "meta-instanceid",
        "meta-instancename",
    ),
}

# Headers that only one platform writes: two of them (or one of the rarest) identify it.
_SIGNATURES: dict[str, tuple[str, ...]] = {
    "wjx": ("序号", "提交答卷时间", "所用时间", "来源详情", "来自ip"),
    "kobo": ("_uuid", "_submission_time", "_validation_status", "_index", "__version__"),
    "odk": ("submissiondate", "key", "submitterid", "reviewstate", "meta-instanceid"),
}


@dataclass(frozen=True)
class BlankCode:
    """A cell a platform writes for "no answer": ``value`` (number or text) and its meaning."""

    platform: str
    value: float | str
    meaning: str
    #: Numeric codes are read as blank only in a file known to come from the platform.
    needs_platform: bool


#: Every "no answer" cell cfeval knows, in one table (docs/imports.md shows it).
BLANK_CODES: tuple[BlankCode, ...] = (
    BlankCode("wjx", -3.0, N_("skipped (jumped over by the questionnaire's logic)"), True),
    BlankCode("wjx", -2.0, N_("not shown to the respondent"), True),
    BlankCode("wjx", "(跳过)", N_("skipped, in an export by option text"), False),
    BlankCode("wjx", "(空)", N_("left empty, in an export by option text"), False),
    BlankCode("wjx", "跳过", N_("skipped, written without brackets"), False),
    BlankCode("kobo", "n/a", N_("not applicable (question not shown)"), False),
    BlankCode("odk", "", N_("blank cell: skipped or not relevant"), False),
)

#: Texts (after NFKC and case folding) that are blank cells wherever they appear.
BLANK_TEXTS: frozenset[str] = frozenset(
    {str(c.value) for c in BLANK_CODES if isinstance(c.value, str) and c.value}
    | {"(skipped)", "(empty)"}
)

_WS = re.compile(r"\s+")


def _norm(text: object) -> str:
    return _WS.sub(" ", unicodedata.normalize("NFKC", str(text))).strip().casefold()


_ALL_SYSTEM = {_norm(h): p for p, heads in SYSTEM_COLUMNS.items() for h in heads}


def is_system_column(header: object, platform: str | None = None) -> bool:
    """Whether ``header`` is a column a survey platform adds (of ``platform``, or of any)."""
    key = _norm(header)
    if platform is None:
        return key in _ALL_SYSTEM
    return key in {_norm(h) for h in SYSTEM_COLUMNS.get(platform, ())}


def detect_platform(headers: Iterable[object]) -> str | None:
    """The platform whose system columns the headers show: ``wjx``, ``kobo``, ``odk`` or None.

    Two signature columns are needed, so a survey that happens to have a ``key`` column is
    not taken for an ODK export.
    """
    keys = {_norm(h) for h in headers}
    best, hits = None, 1
    for platform, sig in _SIGNATURES.items():
        n = sum(_norm(h) in keys for h in sig)
        if n > hits:
            best, hits = platform, n
    return best


def blank_platform_codes(
    col: pd.Series, values: np.ndarray, scale: Scale, platform: str | None
) -> tuple[np.ndarray, Counter]:
    """``(values, counts)``: the platform codes of one item column blanked, and counted.

    ``col`` is the raw column, ``values`` its numbers (option texts already converted, text
    markers already NaN). ``counts`` maps each code as written to its number of cells, for
    one info line per column.
    """
    import numpy as np
    import pandas as pd

    found: Counter = Counter()
    taken = {float(v) for v in [*scale.values, *scale.missing_codes]}
    for code in BLANK_CODES:
        if not isinstance(code.value, float) or code.platform != platform:
            continue
        if code.value in taken:  # the scale uses this number itself: it is an answer
            continue
        hit = values == code.value
        n = int(hit.sum())
        if n:
            values = np.where(hit, np.nan, values)
            found[f"{code.value:g}"] += n
    if not (pd.api.types.is_numeric_dtype(col.dtype) and not pd.api.types.is_bool_dtype(col)):
        # A text cell read as blank is an empty text or a marker: count only those cells
        # (a few per column), not every value of the column.
        marked = np.isnan(values) & col.notna().to_numpy()
        counts = col[marked].value_counts(dropna=True) if marked.any() else {}
        for value, n in counts.items():
            if isinstance(value, str) and _norm(value) in BLANK_TEXTS:
                found[unicodedata.normalize("NFKC", value).strip()] += int(n)
    return values, found


_BLANKED = N_(
    "{cells} read as blank: {platform}'s code(s) for a question that was skipped or not "
    "shown ({codes})"
)


def report_platform_blanks(report, label: str, header: str, counts: Counter, platform) -> None:
    """One ``platform-blank`` info line for a column whose platform codes were blanked."""
    from cfeval.i18n import words

    w = words()
    meaning = {str(c.value) if isinstance(c.value, str) else f"{c.value:g}": c for c in BLANK_CODES}
    codes = ", ".join(
        f"{code} × {n}" + (f" = {w(meaning[code].meaning)}" if code in meaning else "")
        for code, n in sorted(counts.items())
    )
    name = PLATFORMS.get(platform or "", "") or PLATFORMS.get(
        next((c.platform for c in BLANK_CODES if str(c.value) in counts), ""), ""
    )
    report.add(
        label, None, header, None, "platform-blank",
        w(_BLANKED, cells=w.n("{n} cell", "{n} cells", sum(counts.values())),
          platform=name or w("the survey platform"), codes=codes),
    )  # fmt: skip


def codes_table_markdown() -> str:
    """The Markdown table of :data:`BLANK_CODES` that docs/imports.md shows."""
    lines = [
        "| platform | cell | meaning | read as |",
        "| --- | --- | --- | --- |",
    ]
    for c in BLANK_CODES:
        if isinstance(c.value, float):
            cell = f"`{c.value:g}`"
        else:
            cell = f"`{c.value}`" if c.value else "(empty cell)"
        where = " (numeric export, only in a file from this platform)" if c.needs_platform else ""
        lines.append(f"| {PLATFORMS[c.platform]} | {cell} | {c.meaning}{where} | blank |")
    return "\n".join(lines)
