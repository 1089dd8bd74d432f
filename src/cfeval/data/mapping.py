"""Matching file headers and cell texts to a framework's ids and codes.

Survey tools export "by text": 问卷星 writes headers like ``3、我在社区里感到安全`` and cells
like ``比较同意``; KoboToolbox writes ``group/question`` labels. Everything here works on
normalised text (NFKC, so full-width and half-width forms compare equal; enumeration
prefixes stripped; whitespace collapsed; case folded) and builds plain dict lookups, so the
data module can apply them to the *unique* values of a column instead of to every cell.

A small YAML mapping file covers what the framework's labels cannot::

    columns: {"Q3 感到安全": c_safe_1, "学校所在社区": community_id}
    values: {"很同意": 5}
    respondent: child          # the whole file is one group and has no respondent column
    community_id: "XH-01"      # likewise for the community
    platform: wjx              # where the file comes from, when its system columns are gone
    communities: {"桂花巷": CD-JJ-001}   # community names (or old ids) as written → audit ids

How headers are matched is in :mod:`cfeval.data.headers`; what platforms add to an export
(system columns, "skipped" codes) in :mod:`cfeval.data.platforms`.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel, ConfigDict, ValidationError

from cfeval.data.platforms import BLANK_TEXTS, PLATFORMS
from cfeval.errors import UsageError
from cfeval.framework.model import Framework
from cfeval.framework.yaml_limits import yaml_limit_problem
from cfeval.i18n import Msg

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

__all__ = [
    "Mapping",
    "load_mapping",
    "norm_text",
    "norm_header",
    "norm_id",
    "SKIP_MARKERS",
    "SURVEY_STANDARD",
    "AUDIT_STANDARD",
    "resolve_columns",
    "scale_lookup",
    "group_lookup",
    "category_lookup",
    "BOOLEAN_WORDS",
    "factor",
    "text_values",
    "cell_text",
    "numbers",
    "id_texts",
]

_WS = re.compile(r"\s+")
# The same whitespace for pyarrow (RE2), whose \s is ASCII only and lacks \v: Python's
# \s also holds \x1c-\x1f, \x85 and the Z categories (\u2028 …) that NFKC leaves alone.
_RE2_WS = r"[\s\x0b\x1c-\x1f\x85\p{Z}]+"
# After NFKC the full-width 、．：forms of 问卷星 become 、 . : (、 has no half-width form).
_ENUM = re.compile(r"^\s*\d+\s*[、.:]\s*")

#: Cells platforms write for questions a respondent skipped or left empty; they mean blank
#: (the table of them is :data:`cfeval.data.platforms.BLANK_CODES`).
SKIP_MARKERS = BLANK_TEXTS

#: Standard survey columns and the headers (after :func:`norm_header`) that mean them.
_COMMUNITY = ("community_id", "community", "社区编号", "社区", "社区id", "社区代码")
SURVEY_STANDARD: dict[str, tuple[str, ...]] = {
    # A survey may name the community (cfeval.data.names matches names to the audit's).
    "community_id": (
        *_COMMUNITY,
        "社区名称",
        "所在社区",
        "您所在的社区",
        "你所在的社区",
        "您居住的社区",
        "你住在哪个社区",
        "您住在哪个社区",
    ),  # fmt: skip
    "wave": ("wave", "轮次", "批次"),
    "respondent": (
        "respondent",
        "group",
        "对象",
        "身份",
        "调查对象",
        "填写人身份",
        "您的身份",
        "你的身份",
    ),
    "weight": ("weight", "权重"),
    # Never a platform's running number (问卷星 序号, Kobo _index): it restarts in every file.
    "respondent_id": ("respondent_id", "id", "编号", "问卷编号"),
    "city": ("city", "城市"),
    "district": ("district", "区县", "区"),
    "age": ("age", "年龄"),
    "gender": ("gender", "sex", "性别"),
    # survey design (strata, primary sampling units, finite population correction)
    "stratum": ("stratum", "strata", "分层", "层"),
    "cluster": ("cluster", "psu", "整群", "抽样单元"),
    "fpc": ("fpc",),
}

#: Standard audit columns and their headers.
AUDIT_STANDARD: dict[str, tuple[str, ...]] = {
    "community_id": _COMMUNITY,
    "wave": SURVEY_STANDARD["wave"],
    "name": ("name", "community_name", "社区名称", "名称"),
    "city": SURVEY_STANDARD["city"],
    "district": SURVEY_STANDARD["district"],
}

#: Cell texts (after :func:`norm_text`) accepted in boolean audit columns.
BOOLEAN_WORDS: dict[str, float] = {
    **dict.fromkeys(("1", "1.0", "true", "yes", "y", "是", "有", "t"), 1.0),
    **dict.fromkeys(("0", "0.0", "false", "no", "n", "否", "无", "没有", "f"), 0.0),
}


def norm_text(value: object) -> str:
    """Cell text for matching: NFKC, stripped, inner whitespace collapsed, case folded."""
    return _WS.sub(" ", unicodedata.normalize("NFKC", str(value))).strip().casefold()


def norm_header(value: object) -> str:
    """Header text for matching: :func:`norm_text` without a leading ``3、`` / ``3.`` / ``3:``."""
    text = norm_text(value)
    return _ENUM.sub("", text).rstrip("*").strip()


def norm_id(value: object) -> str:
    """A community id as stored: NFKC (full-width → half-width), stripped, whitespace collapsed.

    Case is kept: ``XH-01`` and ``xh-01`` are different ids to the people who wrote them.
    """
    return _WS.sub(" ", unicodedata.normalize("NFKC", str(value))).strip()


class Mapping(BaseModel):
    """A mapping file: headers → item ids or standard columns, cell texts → codes."""

    model_config = ConfigDict(extra="forbid")

    columns: dict[str, str] = {}
    values: dict[str, int | float | str] = {}
    respondent: str | None = None
    community_id: str | None = None
    wave: str | None = None
    platform: str | None = None
    communities: dict[str, str] = {}
    #: The kinds of file the mapping is for. A mapping describes a survey export, so by
    #: default the audit file is read as it is: a header renamed to a survey item, or a
    #: `respondent:` for the whole file, means nothing there.
    applies_to: list[Literal["survey", "audit"]] = ["survey"]

    def for_kind(self, kind: str) -> Mapping | None:
        """This mapping if it applies to files of ``kind``, else None."""
        return self if kind in self.applies_to else None


def load_mapping(source: str | Path | dict | Mapping | None) -> Mapping | None:
    """A :class:`Mapping` from a YAML file, a dict or a Mapping; ``None`` stays ``None``.

    >>> load_mapping({"respondent": "child"}).respondent
    'child'
    """
    import yaml

    if source is None or isinstance(source, Mapping):
        return source
    where = "<mapping>"
    if isinstance(source, str | Path):
        path = Path(source)
        where = str(path)
        if not path.is_file():
            raise UsageError(Msg("{file}: mapping file not found", file=str(path)))
        try:
            text = path.read_text(encoding="utf-8-sig")
            limit = yaml_limit_problem(text)  # alias bombs etc., before building anything
            if limit is not None:
                line, column, message = limit
                where_in = f"{path}:{line}:{column}"
                raise UsageError(_refused(where_in, message))
            source = yaml.safe_load(text) or {}
        except (yaml.YAMLError, UnicodeDecodeError) as exc:
            raise UsageError(
                Msg("{file}: not a readable YAML mapping file: {error}", file=str(path), error=exc)
            ) from None
        except OSError as exc:
            raise UsageError(
                Msg(
                    "{file}: cannot read the mapping file: {error}",
                    file=str(path),
                    error=exc.strerror,
                )
            ) from None
    if not isinstance(source, dict):
        raise UsageError(
            Msg("{file}: a mapping file holds `columns:`, `values:`, `respondent:` …", file=where)
        )
    # YAML turns unquoted keys like 1 or yes into numbers/booleans; headers are text.
    source = dict(source)
    for key in ("columns", "values", "communities"):
        if isinstance(source.get(key), dict):
            source[key] = {str(k): v for k, v in source[key].items()}
    for key in ("respondent", "community_id", "wave", "platform"):
        if source.get(key) is not None and not isinstance(source[key], str):
            source[key] = str(source[key])
    if isinstance(source.get("communities"), dict):
        source["communities"] = {k: str(v) for k, v in source["communities"].items()}
    try:
        mapping = Mapping.model_validate(source)
    except ValidationError as exc:
        # pydantic's own words stay English: they name YAML keys and Python types
        lines = [f"  {'.'.join(map(str, e['loc'])) or '<root>'}: {e['msg']}" for e in exc.errors()]
        raise UsageError(_refused(where, "\n".join(lines), sep="\n")) from None
    if mapping.platform is not None and mapping.platform not in PLATFORMS:
        problem = Msg(
            "  platform: {platform!r} is not one of {platforms}",
            platform=mapping.platform,
            platforms=", ".join(PLATFORMS),
        )
        raise UsageError(_refused(where, problem, sep="\n"))
    return mapping


def _refused(where: str, problem, sep: str = " ") -> Msg:
    """``<where>: mapping file refused:<sep><problem>`` in the reader's language."""
    if sep == "\n":
        return Msg("{file}: mapping file refused:\n{problem}", file=where, problem=problem)
    return Msg("{file}: mapping file refused: {problem}", file=where, problem=problem)


def resolve_columns(
    framework: Framework,
    headers: Iterable[str],
    kind: str,
    mapping: Mapping | None,
    platform: str | None = None,
) -> tuple[dict[str, str], list[str], list[tuple[str, str]]]:
    """Which header holds which target (see :func:`cfeval.data.headers.match_headers`).

    Returns ``(target → header, unplaced headers, duplicates)``; ``duplicates`` lists
    ``(header, target)`` for a second header that means a target already taken (the first
    one wins, the file's order decides). Platform system columns count as unplaced.
    """
    from cfeval.data.headers import match_headers, split_matches

    return split_matches(match_headers(framework, headers, kind, mapping, platform))


def scale_lookup(framework: Framework, scale: str, mapping: Mapping | None) -> dict[str, float]:
    """Normalised option text → code for one scale (labels in every language, the codes
    themselves, and the mapping file's ``values``)."""
    spec = framework.scales[scale]
    out: dict[str, float] = {}
    for code in [*spec.values, *spec.missing_codes]:
        out[norm_text(code)] = float(code)
    for code, label in spec.labels.items():
        for text in label.values():
            out.setdefault(norm_text(text), float(code))
    if mapping is not None:
        for text, code in mapping.values.items():
            try:
                out[norm_text(text)] = float(code)
            except (TypeError, ValueError):
                continue
    return out


def group_lookup(framework: Framework, mapping: Mapping | None) -> dict[str, str]:
    """Normalised respondent text → group key (key itself, or its label in any language)."""
    out: dict[str, str] = {}
    for key, spec in framework.respondents.items():
        out[norm_text(key)] = key
        for text in spec.label.values():
            out.setdefault(norm_text(text), key)
    if mapping is not None:
        for text, target in mapping.values.items():
            if isinstance(target, str) and target in framework.respondents:
                out[norm_text(text)] = target
    return out


def category_lookup(framework: Framework, field: str, mapping: Mapping | None) -> dict[str, str]:
    """Normalised cell text → category value of one category field."""
    out: dict[str, str] = {}
    for cat in framework.fields[field].categories or []:
        out[norm_text(cat.value)] = cat.value
        for text in cat.label.values():
            out.setdefault(norm_text(text), cat.value)
    if mapping is not None:
        declared = set(out.values())
        for text, target in mapping.values.items():
            if isinstance(target, str) and target in declared:
                out[norm_text(text)] = target
    return out


# --------------------------------------------------------------------------- cell parsing


def factor(col: pd.Series) -> tuple[np.ndarray, list]:
    """``(codes, distinct values)`` of a column; missing cells get code -1."""
    import pandas as pd

    codes, uniques = pd.factorize(col, use_na_sentinel=True)
    return codes, list(uniques)


def text_values(col: pd.Series, convert) -> np.ndarray:
    """Apply ``convert`` to each distinct value; missing cells stay ``None``."""
    import numpy as np

    codes, uniques = factor(col)
    mapped = np.array([convert(u) for u in uniques] + [None], dtype=object)
    return mapped[codes]


def cell_text(value) -> str | None:
    """A cell as an id-like string: numbers without a spurious ``.0``; blank → None."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = norm_id(value)
    return text or None


def id_texts(col: pd.Series) -> np.ndarray:
    """Id-like cells (community, wave, respondent id, city …) as normalised str or None.

    Text columns go through pyarrow's vectorised string kernels, number columns are
    formatted without a spurious ``.0``; only mixed object columns (XLSX) take the
    per-distinct-value path.
    """
    import numpy as np
    import pandas as pd

    dtype = col.dtype
    if isinstance(dtype, pd.StringDtype | pd.ArrowDtype) and pd.api.types.is_string_dtype(dtype):
        import pyarrow as pa
        import pyarrow.compute as pc

        def normalise(arr):
            arr = pc.utf8_normalize(arr, "NFKC")
            return pc.utf8_trim_whitespace(pc.replace_substring_regex(arr, _RE2_WS, " "))

        arr = pa.array(col, type=pa.large_string())
        if isinstance(arr, pa.ChunkedArray):  # e.g. a Parquet column of several row groups
            arr = arr.combine_chunks()
        head = arr.slice(0, 50_000)
        if len(pc.unique(head)) <= len(head) // 2:
            # Repeated ids (communities, waves) are normalised once each and share one str
            # object: a million rows of 5,000 communities make 5,000 objects, not a million.
            enc = pc.dictionary_encode(arr)
            mapped = np.array([*normalise(enc.dictionary).to_pylist(), None], dtype=object)
            out = mapped[enc.indices.fill_null(-1).to_numpy(zero_copy_only=False)]
        else:
            out = normalise(arr).to_numpy(zero_copy_only=False).astype(object)
    elif pd.api.types.is_integer_dtype(dtype):
        out = col.astype("str").to_numpy(dtype=object, na_value=None)
    elif pd.api.types.is_float_dtype(dtype):
        values = col.to_numpy(dtype="float64", na_value=np.nan)
        whole = np.isnan(values) | (values == np.round(values))
        if not whole.all():
            return text_values(col, cell_text)
        out = col.astype("Int64").astype("str").to_numpy(dtype=object, na_value=None)
    else:
        return text_values(col, cell_text)
    out[out == ""] = None
    return out


def numbers(
    col: pd.Series, lookup: dict[str, float] | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """``(values, not_a_number)``: numbers, or option texts via ``lookup``; skips are blank."""
    import numpy as np
    import pandas as pd

    if pd.api.types.is_numeric_dtype(col.dtype) and not pd.api.types.is_bool_dtype(col.dtype):
        return col.to_numpy(dtype="float64", na_value=np.nan), np.zeros(len(col), bool)
    nan = float("nan")

    def convert(u) -> float | None:
        if isinstance(u, bool):
            return None
        if isinstance(u, int | float):
            return float(u)
        text = norm_text(u)
        if text == "" or text in SKIP_MARKERS:
            return nan
        if lookup is not None and text in lookup:
            return lookup[text]
        try:
            value = float(text)
        except ValueError:
            return None
        return value if math.isfinite(value) else None

    codes, uniques = factor(col)
    converted = [convert(u) for u in uniques]
    vals = np.array([nan if c is None else c for c in converted] + [nan], dtype="float64")
    bad = np.array([c is None for c in converted] + [False], dtype=bool)
    return vals[codes], bad[codes]
