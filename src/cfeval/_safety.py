"""Floor helpers that keep strangers' text harmless wherever cfeval writes or prints it.

- Spreadsheet formulas: text from data or frameworks that a spreadsheet would run as a
  formula (starting with ``= + - @``, a tab or a carriage return) is written to CSV with a
  leading apostrophe and quoted, as OWASP recommends, and to XLSX as a text cell with
  Excel's quote prefix. The values themselves are never changed.
- Messages and terminals: long values are capped, control characters shown escaped.
- Personal data: Chinese ID-card, mobile and landline numbers masked.
- File names: one safe, capped, unique and stable name per id within a run.

Only the standard library is imported here; pandas and openpyxl are imported lazily.
"""

from __future__ import annotations

import csv
import hashlib
import io
import math
import re
from collections.abc import Iterable
from typing import Any

__all__ = [
    "is_formula",
    "csv_text",
    "xlsx_value",
    "cap",
    "term",
    "mask_pii",
    "file_stems",
]

# --------------------------------------------------------------------------- formulas

_DANGER = ("=", "+", "-", "@", "\t", "\r")
# A plain number ("-3", "+1.5e3") is what it looks like in every spreadsheet, not a formula.
_NUMBER = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?\Z")


def is_formula(value: Any) -> bool:
    """True for text a spreadsheet could run: it starts with ``= + - @``, a tab or a CR.

    >>> is_formula("=HYPERLINK(1)"), is_formula("-3"), is_formula("\\t=1")
    (True, False, True)
    """
    return isinstance(value, str) and value.startswith(_DANGER) and not _NUMBER.match(value)


def _formula_mask(df) -> Any:
    """Boolean array of ``df``'s shape: which cells hold formula-like text."""
    import numpy as np
    import pandas as pd

    mask = np.zeros(df.shape, bool)
    for j in range(df.shape[1]):
        s = df.iloc[:, j]
        if s.dtype == object or isinstance(s.dtype, pd.StringDtype):
            mask[:, j] = [is_formula(v) for v in s.tolist()]
    return mask


def csv_text(df, **to_csv: Any) -> str:
    """``df.to_csv(**to_csv)`` with formula-like text neutralised (header and cells).

    A neutralised field is prefixed with ``'`` and always quoted; every other field is
    written exactly as pandas writes it, so harmless tables are unchanged byte for byte.
    """
    to_csv.setdefault("index", False)
    header_mask = [is_formula(str(c)) for c in df.columns]
    cells = _formula_mask(df)
    if not any(header_mask) and not cells.any():
        return df.to_csv(**to_csv)
    terminator = to_csv.get("lineterminator", "\n")
    rows = list(csv.reader(io.StringIO(df.to_csv(**to_csv), newline="")))
    flags = [header_mask, *cells.tolist()]
    out = io.StringIO()
    for row, flag in zip(rows, flags, strict=True):
        out.write(",".join(_field(v, f) for v, f in zip(row, flag, strict=True)) + terminator)
    return out.getvalue()


def _field(value: str, neutralise: bool) -> str:
    if neutralise:
        return '"' + ("'" + value).replace('"', '""') + '"'
    if any(ch in value for ch in ',"\r\n'):
        return '"' + value.replace('"', '""') + '"'
    return value


def xlsx_value(ws, value: Any) -> Any:
    """A value ready for ``ws.append``: formula-like text becomes a quote-prefixed text cell."""
    if not is_formula(value):
        return value
    from openpyxl.cell import WriteOnlyCell

    cell = WriteOnlyCell(ws, value=value)
    cell.data_type = "s"  # openpyxl would store "=..." as a formula
    cell.quotePrefix = True  # and Excel keeps "+..."/"-..."/"@..." text when edited
    return cell


# --------------------------------------------------------------------------- messages

#: At most this many characters of one value go into a message.
MESSAGE_CAP = 80
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069]")


def cap(value: Any, limit: int = MESSAGE_CAP) -> str:
    """``value`` as text of at most ``limit`` characters (a 12 MB cell prints as 80).

    >>> cap("x" * 100, 10)
    'xxxxxxxxx…'
    """
    text = str(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def term(value: Any, limit: int | None = None) -> str:
    """Text safe to print on a terminal: escape sequences and controls shown as ``\\x1b``.

    >>> term("a\\x1b[2Jb")
    'a\\\\x1b[2Jb'
    """
    text = str(value) if limit is None else cap(value, limit)
    return _CONTROL.sub(lambda m: m.group(0).encode("unicode_escape").decode("ascii"), text)


# --------------------------------------------------------------------------- personal data

_ID_CARD = re.compile(r"(?<![0-9])[1-9]\d{16}[0-9Xx](?![0-9A-Za-z])")
_MOBILE = re.compile(r"(?<![0-9])(?:\+?86[- ]?)?1[3-9]\d(?:[- ]?\d{4}){2}(?![0-9])")
_LANDLINE = re.compile(r"(?<![0-9])(?:\(0\d{2,3}\)|0\d{2,3})[- ]?\d{7,8}(?![0-9])")


def mask_pii(text: Any) -> str:
    """Mask Chinese ID-card, mobile and landline numbers in free text with asterisks.

    >>> mask_pii("联系 13812345678")
    '联系 ***********'
    """
    if text is None or (isinstance(text, float) and math.isnan(text)):
        return ""
    s = str(text)
    for pattern in (_ID_CARD, _MOBILE, _LANDLINE):
        s = pattern.sub(lambda m: re.sub(r"[0-9Xx]", "*", m.group(0)), s)
    return s


# --------------------------------------------------------------------------- file names

#: Longest stem (before ``_<lang>.pdf``); far below the 255-byte limit of file systems.
STEM_CAP = 60
_UNSAFE = re.compile(r"[^\w\-]+", flags=re.UNICODE)
_RESERVED = {"comparison"}


def _stem(text: str) -> str:
    safe = _UNSAFE.sub("_", mask_pii(text)).strip("_") or "community"
    # Cap in bytes too: a CJK character is three bytes in UTF-8.
    while len(safe.encode("utf-8")) > STEM_CAP:
        safe = safe[:-1]
    return safe


def file_stems(ids: Iterable[str]) -> dict[str, str]:
    """A file-name stem per id: safe, at most :data:`STEM_CAP` bytes, unique and stable.

    An id that is already a safe, short name keeps it. Any other id (``a/b``, ``a.b``,
    ``(XH-01)``, a 160-character id), ids that differ only in letter case, and the stem
    ``comparison`` (the comparison report's) get a short hash of the full id appended, so
    no report overwrites another and a rerun gives the same names.

    >>> file_stems(["a/b", "a.b", "C01"])
    {'C01': 'C01', 'a.b': 'a_b-2f5d1a4b', 'a/b': 'a_b-c8a5bb3b'}
    """
    ids = sorted(dict.fromkeys(str(i) for i in ids))
    out: dict[str, str] = {}
    taken: set[str] = set()
    # Safe ids first, so that they keep their names whatever other ids come along.
    for i in sorted(ids, key=lambda i: _stem(i) != i):
        s = _stem(i)
        # Case-insensitive: macOS and Windows folders would merge "A" and "a".
        if s != i or s.lower() in taken or s.lower() in _RESERVED:
            digest = hashlib.sha256(i.encode("utf-8")).hexdigest()
            n = 8
            while f"{s[: STEM_CAP - n - 1]}-{digest[:n]}".lower() in taken:
                n += 4  # the hashed name is some other id: lengthen the hash
            s = f"{s[: STEM_CAP - n - 1]}-{digest[:n]}"
        out[i] = s
        taken.add(s.lower())
    return dict(sorted(out.items()))


def readable_stems(ids: Iterable[str], names: dict[str, str]) -> dict[str, str]:
    """Like :func:`file_stems`, with the community's name after the id: ``CD-JJ-001_桂花巷社区``.

    The id part is :func:`file_stems`' (unique, case-insensitively); the name is made safe
    the same way (phone and ID numbers masked) and cut so the whole stays short. A name
    that would make two stems equal is left out of both.

    >>> readable_stems(["C1", "C/2"], {"C1": "桂花巷社区", "C/2": "a.b"})
    {'C/2': 'C_2-9ae5e2e4_a_b', 'C1': 'C1_桂花巷社区'}
    """
    base = file_stems(ids)
    out: dict[str, str] = {}
    for i, stem in base.items():
        name = str(names.get(i) or "").strip()
        part = _stem(name) if name else ""
        full = f"{stem}_{part}" if part and part != stem else stem
        while len(full.encode("utf-8")) > 2 * STEM_CAP:
            full = full[:-1]
        out[i] = full
    counts: dict[str, int] = {}
    for stem in out.values():
        counts[stem.lower()] = counts.get(stem.lower(), 0) + 1
    out = {i: (s if counts[s.lower()] == 1 else base[i]) for i, s in out.items()}
    # A fallback id stem could still meet another's readable stem: then ids only, as before.
    return out if len({s.lower() for s in out.values()}) == len(out) else base
