"""Issues found in data, and the report that holds them (a value, not an exception).

A :class:`DataReport` collects one :class:`Issue` per unusable cell, row, column or file,
with the sheet row as a spreadsheet shows it (header = row 1), a stable kebab-case
``code`` and a plain-English message that says how to fix it. It can be counted,
flattened for tests, turned into a table and written as CSV.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cfeval._io import atomic_write
from cfeval._safety import cap, csv_text, mask_pii

if TYPE_CHECKING:
    import pandas as pd

    from cfeval.i18n import Words

__all__ = ["SEVERITY", "Issue", "FileInfo", "DataReport", "show"]

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
    "header-suggestion": "warning",
    "platform-column": "info",
    "platform-blank": "info",
    "community-by-name": "info",
    "ambiguous-community": "error",
    "formula-without-value": "warning",
    "wave-is-a-date": "error",
    "wave-not-in-audit": "warning",
    "duplicate-file": "warning",
}


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
    #: The language of the messages (``zh``/``en``; None: the environment's), chosen when
    #: the data is read: a report is written in one language.
    lang: str | None = field(default=None, compare=False)

    @property
    def words(self) -> Words:
        """The words the messages of this report are written in."""
        from cfeval.i18n import resolve_lang, words

        # resolved here: words(None) is cached, and the environment may change
        return words(resolve_lang(self.lang))

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
            Issue(
                file,
                row,
                column,
                show(value),
                code,
                severity or SEVERITY[code],
                cap(message, 400),  # a message quoting a 12 MB cell stays readable
            )  # fmt: skip
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
        return atomic_write(
            path, csv_text(self.to_frame(), index=False, lineterminator="\n"), encoding="utf-8-sig"
        )

    def _sort(self) -> None:
        # Issues read in file order, then sheet order; file-wide lines first.
        order = {f: i for i, f in enumerate(dict.fromkeys(i.file for i in self.issues))}
        self.issues.sort(key=lambda i: (order[i.file], i.row is not None, i.row or 0))


def show(value: Any) -> str | None:
    """A cell as text for a report: integers without ``.0``, at most 80 characters, phone
    and ID-card numbers masked (answers are respondents' own words)."""
    if value is None:
        return None
    if isinstance(value, float):
        if math.isnan(value):
            return ""
        if value.is_integer():
            value = int(value)
    text = str(value)
    # Mask a little more than is shown, so that a number cut at the edge is masked too.
    return cap(mask_pii(text[:120]) + text[120:121], 80)


class RowFiles:
    """Which file each row of a combined frame came from: an int code per row into the
    files' labels (a million rows of one file hold one label, not a million pointers).

    ``files[i]`` is row ``i``'s label, ``files[mask]`` the rows ``mask`` selects, and
    :meth:`counts` the rows per label.
    """

    def __init__(self, codes, labels: list[str]) -> None:
        self.codes = codes
        self.labels = labels

    @classmethod
    def of_sizes(cls, labels: list[str], sizes: list[int]) -> RowFiles:
        import numpy as np

        return cls(np.repeat(np.arange(len(labels), dtype=np.int32), sizes), labels)

    def __len__(self) -> int:
        return len(self.codes)

    def __getitem__(self, key):
        import numpy as np

        if isinstance(key, int | np.integer):
            return self.labels[self.codes[key]]
        return RowFiles(self.codes[key], self.labels)

    def counts(self) -> Counter:
        """Rows per label (labels without a row left out, as ``Counter(labels)`` does)."""
        import numpy as np

        per = np.bincount(self.codes, minlength=len(self.labels))
        out: Counter = Counter()
        for label, n in zip(self.labels, per, strict=True):
            if n:
                out[label] += int(n)
        return out
