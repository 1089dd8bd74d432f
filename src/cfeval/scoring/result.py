"""Scoring results as a value: tidy frames, provenance, and writers for csv/xlsx/json/parquet.

:class:`ScoreResult` is what :func:`cfeval.score` returns. Outputs are deterministic:
rows are sorted by community, wave and framework order; floats are written with ten
significant digits; no timestamps are recorded (the XLSX's zip dates and document dates
are pinned), so identical inputs give byte-identical files. Every file is written to a
temporary file in the target folder and moved into place with :func:`os.replace`.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cfeval._io import atomic_write
from cfeval._safety import csv_text, is_formula, xlsx_value
from cfeval.errors import UsageError

if TYPE_CHECKING:
    import pandas as pd

    from cfeval.framework.model import Framework

__all__ = ["ScoreResult", "provenance", "empty_report"]

SCORE_COLUMNS = [
    "community_id", "wave", "path", "node_id", "kind", "level", "score", "points", "max_points",
    "ci_low", "ci_high", "df", "n", "coverage", "potential_gain", "status", "grade",
]  # fmt: skip
_FLOAT_FORMAT = "%.10g"
# A fixed date for the XLSX package (zip entries and document properties): Excel needs
# some date, and a real one would make two runs differ.
_FIXED_ZIP_DATE = (1980, 1, 1, 0, 0, 0)
_FIXED_DOC_DATE = "2000-01-01T00:00:00Z"


@dataclass
class ScoreResult:
    """Scores of every community × wave × framework node, with their context.

    ``scores``, ``by_group``, ``communities`` and ``notes`` are the frames described in
    docs/architecture.md; ``report`` is the data report of the input; ``provenance``
    records the cfeval version, framework fingerprint, data fingerprints and settings.

    >>> result = cfeval.score(fw, survey=survey, audit=audit)  # doctest: +SKIP
    >>> result.write("scores.xlsx")  # doctest: +SKIP
    """

    framework: Framework
    scores: pd.DataFrame
    by_group: pd.DataFrame
    communities: pd.DataFrame
    notes: pd.DataFrame
    report: Any = None
    provenance: dict[str, Any] = field(default_factory=dict)

    def to_frame(self) -> pd.DataFrame:
        """The tidy scores (one row per community × wave × node), a copy."""
        return self.scores[SCORE_COLUMNS].copy()

    def by_group_frame(self) -> pd.DataFrame:
        """Survey indicators by respondent group (children, parents, ...), a copy."""
        return self.by_group.copy()

    def community(self, community_id: str, wave: str | None = None) -> pd.DataFrame:
        """The score rows of one community (all waves, or one), for reports.

        Raises :class:`~cfeval.errors.UsageError` for an unknown community or wave.
        """
        df = self.scores
        rows = df[df["community_id"] == str(community_id)]
        if wave is not None:
            rows = rows[rows["wave"] == str(wave)]
        if rows.empty:
            known = sorted(set(df["community_id"]))
            hint = f"; known: {', '.join(known[:10])}{' ...' if len(known) > 10 else ''}"
            what = f"community {community_id!r}" + (f" wave {wave!r}" if wave is not None else "")
            raise UsageError(f"no scores for {what}{hint}")
        return rows.reset_index(drop=True)

    def to_json(self) -> str:
        """All frames, the data-issue summary and provenance as one JSON document."""
        doc = {
            "provenance": self.provenance,
            "communities": _records(self.communities),
            "scores": _records(self.to_frame()),
            "by_group": _records(self.by_group),
            "notes": _records(self.notes),
            "data_issues": _issue_summary(self.report),
        }
        return json.dumps(_clean(doc), ensure_ascii=False, sort_keys=True, indent=1) + "\n"

    def write(self, path: str | Path) -> Path:
        """Write the results; the format follows the suffix (.csv, .xlsx, .json, .parquet).

        CSV and Parquet hold the tidy scores; JSON and XLSX hold everything.
        """
        path = Path(path)
        suffix = path.suffix.lower()
        writers = {
            ".csv": self._write_csv,
            ".json": self._write_json,
            ".parquet": self._write_parquet,
            ".xlsx": self._write_xlsx,
        }
        if suffix not in writers:
            raise UsageError(
                f"cannot write {str(path)!r}: use a .csv, .xlsx, .json or .parquet file name"
            )
        if not path.parent.exists():
            raise UsageError(
                f"cannot write {str(path)!r}: folder {str(path.parent)!r} does not exist"
            )
        atomic_write(path, writers[suffix])
        return path

    # -- writers (each takes an open binary file) ---------------------------------------

    def _write_csv(self, fh) -> None:
        # Formula-like text (an id "=HYPERLINK(...)") is neutralised; see cfeval._safety.
        text = csv_text(
            self.to_frame(), index=False, float_format=_FLOAT_FORMAT, lineterminator="\n"
        )
        fh.write(text.encode("utf-8"))

    def _write_json(self, fh) -> None:
        fh.write(self.to_json().encode("utf-8"))

    def _write_parquet(self, fh) -> None:
        self.to_frame().to_parquet(fh, index=False)

    def _write_xlsx(self, fh) -> None:
        fh.write(_pin_zip_dates(_workbook_bytes(self)))


def _pin_zip_dates(data: bytes) -> bytes:
    """Rewrite an XLSX package with fixed zip-entry and document dates."""
    import io
    import re
    import zipfile

    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            body = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                body = re.sub(
                    rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*(</dcterms:)",
                    rb"\g<1>" + _FIXED_DOC_DATE.encode() + rb"\g<2>",
                    body,
                )
            zi = zipfile.ZipInfo(info.filename, date_time=_FIXED_ZIP_DATE)
            zi.compress_type = zipfile.ZIP_DEFLATED
            zi.external_attr = 0o600 << 16
            dst.writestr(zi, body)
    return out.getvalue()


def _clean(value: Any) -> Any:
    """JSON-ready values: NaN → null, numpy scalars → Python, floats to ten digits."""
    if isinstance(value, dict):
        return {str(k): _clean(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_clean(v) for v in value]
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):
        value = value.item()
    if isinstance(value, float):
        return None if not math.isfinite(value) else float(f"{value:.10g}")
    return value


def _records(df: pd.DataFrame) -> list[dict[str, Any]]:
    import pandas as pd

    out = df.astype(object).where(pd.notna(df), None)
    return out.to_dict(orient="records")


def _issue_summary(report: Any) -> dict[str, int]:
    if report is None or not hasattr(report, "summary"):
        return {}
    return {str(k): int(v) for k, v in dict(report.summary()).items()}


def empty_report() -> Any:
    """An empty :class:`cfeval.data.DataReport`, for results scored from plain frames."""
    from cfeval.data.load import DataReport

    return DataReport()


def provenance(
    fw: Framework, files: list, survey: pd.DataFrame, audit: pd.DataFrame
) -> dict[str, Any]:
    """What produced a result: cfeval version, framework fingerprint, data fingerprints, settings.

    Data files are named without their folder (so outputs do not depend on where the
    files lie) and fingerprinted by their bytes; frames passed directly are fingerprinted
    by their content.
    """
    import dataclasses

    from cfeval import __version__

    try:
        from cfeval.framework.loader import framework_sha256

        fw_sha = framework_sha256(fw)
    except ImportError:
        fw_sha = getattr(fw, "source_sha256", None)
    data = []
    for f in files:
        info = dataclasses.asdict(f) if dataclasses.is_dataclass(f) else dict(vars(f))
        entry = {k: v for k, v in info.items() if isinstance(v, (str, int, float)) or v is None}
        for key in ("path", "file", "name"):
            if isinstance(entry.get(key), str):
                entry[key] = Path(entry[key]).name
        data.append(entry)
    if not files:
        data = [
            {"name": "survey (frame)", "sha256": _frame_sha256(survey), "rows": len(survey)},
            {"name": "audit (frame)", "sha256": _frame_sha256(audit), "rows": len(audit)},
        ]
    s = fw.scoring
    return {
        "cfeval_version": __version__,
        "framework": {"id": fw.id, "version": fw.version, "sha256": fw_sha},
        "data": data,
        "settings": {
            "method": s.method,
            "missing": s.missing,
            "ci_level": s.ci_level,
            "bonus_cap": s.bonus_cap,
        },
    }


def _frame_sha256(df: pd.DataFrame) -> str:
    import hashlib

    import pandas as pd

    h = hashlib.sha256()
    h.update(json.dumps([str(c) for c in df.columns]).encode())
    if len(df):
        h.update(pd.util.hash_pandas_object(df, index=False).to_numpy().tobytes())
    return h.hexdigest()


# --------------------------------------------------------------------------- XLSX

_HEADERS = {  # column → "中文 English" header, for people who read the sheet, not code
    "community_id": "社区编号 community_id", "wave": "轮次 wave", "name": "名称 name",
    "city": "城市 city", "district": "区 district", "path": "路径 path", "node_id": "编号 id",
    "label_zh": "名称 label (zh)", "label_en": "Name (en)", "kind": "类型 kind", "level": "层级 level",
    "score": "得分率 score", "points": "得分 points", "max_points": "满分 max points",
    "ci_low": "95%区间下限 ci_low", "ci_high": "95%区间上限 ci_high", "df": "自由度 df",
    "n": "样本 n",
    "coverage": "数据覆盖 coverage", "potential_gain": "可提升分 potential gain",
    "status": "状态 status", "grade": "等级 grade", "grade_zh": "等级 (zh)", "grade_en": "Grade (en)",
    "grade_before_veto": "否决前等级 grade before veto", "bonus_points": "加分 bonus",
    "vetoed": "否决 vetoed", "respondent": "群体 group", "respondent_zh": "群体 (zh)",
    "respondent_en": "Group (en)", "n_eff": "有效样本 n_eff", "used": "计入 used",
    "id": "编号 id", "message": "说明 message", "key": "项目 key", "value": "值 value",
    "file": "文件 file", "row": "行 row", "column": "列 column", "code": "代码 code",
    "severity": "严重程度 severity",
}  # fmt: skip
_ONE_DECIMAL = {
    "score",
    "points",
    "max_points",
    "ci_low",
    "ci_high",
    "df",
    "potential_gain",
    "bonus_points",
    "n_eff",
}


def _sheets(result: ScoreResult) -> list[tuple[str, pd.DataFrame]]:
    """The workbook's sheets as (title, frame), labels placed beside ids."""
    import pandas as pd

    fw = result.framework
    labels = {n.id: n.label for _, n in fw.walk()}
    labels["total"] = fw.title
    grades = {g.id: g.label for g in fw.scoring.grades}
    groups = {k: r.label for k, r in fw.respondents.items()}

    def with_labels(df, key, table, prefix="label", after=None):
        df = df.copy()
        pos = df.columns.get_loc(after or key) + 1
        for lang in ("zh", "en"):
            df.insert(
                pos,
                f"{prefix}_{lang}",
                df[key].map(lambda v, lang=lang: (table.get(v) or {}).get(lang)),
            )
            pos += 1
        return df

    scores = result.to_frame()
    comm = with_labels(result.communities, "grade", grades, prefix="grade")
    dims = with_labels(
        scores[scores["kind"] == "dimension"].drop(columns="grade"), "node_id", labels
    )
    inds = with_labels(
        scores[scores["kind"] == "indicator"].drop(columns="grade"), "node_id", labels
    )
    groups_df = with_labels(result.by_group, "node_id", labels)
    groups_df = with_labels(groups_df, "respondent", groups, prefix="respondent")
    notes = with_labels(
        result.notes, "id", {**labels, **{b.id: b.label for b in [*fw.bonus, *fw.veto]}}
    )
    report = result.report
    issues = (
        report.to_frame() if report is not None and hasattr(report, "to_frame") else pd.DataFrame()
    )
    if "file" in issues.columns:
        # Files are named without their folder, as in the provenance: a folder can name a
        # person, and the same data must give the same workbook wherever it lies.
        issues["file"] = [None if f is None else Path(str(f)).name for f in issues["file"]]
    prov = pd.DataFrame(_flatten_dict(result.provenance), columns=["key", "value"])
    return [
        ("总分 Total", comm),
        ("维度 Dimensions", dims),
        ("指标 Indicators", inds),
        ("分组 By group", groups_df),
        ("说明 Notes", notes),
        ("数据问题 Data issues", issues),
        ("来源 Provenance", prov),
    ]


def _flatten_dict(d: Any, prefix: str = "") -> list[tuple[str, str]]:
    if isinstance(d, dict):
        return [row for k, v in d.items() for row in _flatten_dict(v, f"{prefix}{k}.")]
    if isinstance(d, list):
        return [row for i, v in enumerate(d) for row in _flatten_dict(v, f"{prefix}{i}.")]
    return [(prefix.rstrip("."), "" if d is None else str(d))]


def _workbook_bytes(result: ScoreResult) -> bytes:
    import io

    import pandas as pd
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    fw = result.framework
    headers = dict(_HEADERS)
    for key, group in fw.respondents.items():
        headers[f"n_{key}"] = f"{group.label.get('zh', key)} n_{key}"
    # Write-only mode streams each sheet row by row: about ten times faster than building
    # every cell object first, which matters for a district of thousands of communities.
    wb = Workbook(write_only=True)
    bold = Font(bold=True)
    for title, df in _sheets(result):
        ws = wb.create_sheet(title)
        cols = [str(c) for c in df.columns]
        body = df.astype(object).where(pd.notna(df), None)
        # Sheet-level settings must come before the first row in write-only mode.
        formats = []
        for j, col in enumerate(cols, start=1):
            formats.append("0.0%" if col == "coverage" else "0.0" if col in _ONE_DECIMAL else None)
            shown = [_shown(v) for v in body[df.columns[j - 1]].head(200)]
            # CJK characters are about twice as wide as Latin ones in Excel's column units.
            width = max(_text_width(t) for t in [headers.get(col, col), *shown])
            ws.column_dimensions[get_column_letter(j)].width = min(max(width + 2, 8), 60)
        ws.freeze_panes = "A2"
        if cols:
            ws.auto_filter.ref = f"A1:{get_column_letter(len(cols))}{len(body) + 1}"
        header = []
        for c in cols:
            cell = WriteOnlyCell(ws, value=headers.get(c, c))
            if is_formula(cell.value):
                # A header built from a group label: text, never a formula.
                cell.data_type, cell.quotePrefix = "s", True
            cell.font = bold
            header.append(cell)
        ws.append(header)
        styled = [j for j, fmt in enumerate(formats) if fmt]
        for row in body.itertuples(index=False, name=None):
            values = [xlsx_value(ws, _cell(v)) for v in row]
            for j in styled:
                if values[j] is not None:
                    cell = WriteOnlyCell(ws, value=values[j])
                    cell.number_format = formats[j]
                    values[j] = cell
            ws.append(values)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _shown(v: Any) -> str:
    """Roughly what Excel shows in a cell, to size its column."""
    if v is None:
        return ""
    return f"{v:.1f}" if isinstance(v, float) else str(v)


def _text_width(text: str) -> int:
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in text)


def _cell(v: Any) -> Any:
    if hasattr(v, "item") and not isinstance(v, (str, bytes)):
        v = v.item()
    if isinstance(v, float) and not math.isfinite(v):
        return None
    return v
