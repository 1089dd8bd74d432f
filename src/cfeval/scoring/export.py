"""Writers of a :class:`~cfeval.scoring.result.ScoreResult`: CSV, JSON, XLSX (Parquet is
pandas' own).

Outputs are deterministic: rows are sorted by community, wave and framework order;
floats are written with ten significant digits; no timestamps are recorded (the XLSX's
zip and document dates are pinned by :func:`cfeval._io.deterministic_zip`), so identical
inputs give byte-identical files. The workbook's sheet names and headers come from the
catalogue (``results.po``): in one language when one is asked for, else as "中文 English"
so that readers of either find their way. The interval's level is the framework's
``scoring.ci_level``, never a typed number.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cfeval._io import deterministic_zip
from cfeval._safety import csv_text, is_formula
from cfeval.errors import UsageError
from cfeval.i18n import N_, Msg, words

if TYPE_CHECKING:
    import pandas as pd

    from cfeval.scoring.result import ScoreResult

__all__ = ["to_json", "write_csv", "write_xlsx", "sheets", "headers"]

_FLOAT_FORMAT = "%.10g"
_MAX_ROWS = 1_048_576  # rows of an Excel worksheet

# column → (English name in the catalogue, tag shown after the Chinese name in a
# two-language header: the column's id, so code and people meet in one cell)
_HEADERS: dict[str, tuple[str, str]] = {
    "community_id": (N_("Community id"), "community_id"), "wave": (N_("Wave"), "wave"),
    "name": (N_("Name"), "name"), "city": (N_("City"), "city"),
    "district": (N_("District"), "district"), "path": (N_("Path"), "path"),
    "node_id": (N_("Id"), "id"), "id": (N_("Id"), "id"),
    "label_zh": (N_("Name"), "label (zh)"), "label_en": (N_("Name"), "label (en)"),
    "kind": (N_("Kind"), "kind"), "level": (N_("Level"), "level"),
    "score": (N_("Score"), "score"), "points": (N_("Points"), "points"),
    "max_points": (N_("Maximum points"), "max points"), "df": (N_("Degrees of freedom"), "df"),
    "n": (N_("Sample size"), "n"), "coverage": (N_("Data coverage"), "coverage"),
    "potential_gain": (N_("Points to gain"), "potential gain"),
    "status": (N_("Status"), "status"), "grade": (N_("Grade"), "grade"),
    "grade_zh": (N_("Grade"), "(zh)"), "grade_en": (N_("Grade"), "(en)"),
    "grade_before_veto": (N_("Grade before veto"), "grade before veto"),
    "grade_status": (N_("Grade status"), "grade status"),
    "bonus_points": (N_("Bonus points"), "bonus"), "vetoed": (N_("Vetoed"), "vetoed"),
    "respondent": (N_("Group of respondents"), "group"),
    "respondent_zh": (N_("Group of respondents"), "(zh)"),
    "respondent_en": (N_("Group of respondents"), "(en)"),
    "n_eff": (N_("Effective sample size"), "n_eff"), "used": (N_("Counted"), "used"),
    "message": (N_("Message"), "message"), "key": (N_("Entry"), "key"),
    "value": (N_("Value"), "value"), "file": (N_("File"), "file"), "row": (N_("Row"), "row"),
    "column": (N_("Data column"), "column"), "code": (N_("Code"), "code"),
    "severity": (N_("Severity"), "severity"), "imputed": (N_("Imputed"), "imputed"),
    "treatment": (N_("Treatment asked"), "treatment"),
    "applied": (N_("Treatment applied"), "applied"),
    "n_winsorised": (N_("Points winsorised"), "n_winsorised"),
    "skew_before": (N_("Skewness before"), "skew_before"),
    "kurt_before": (N_("Kurtosis before"), "kurt_before"),
    "skew_after": (N_("Skewness after"), "skew_after"),
    "kurt_after": (N_("Kurtosis after"), "kurt_after"),
    "passes": (N_("Passes the skew/kurtosis check"), "passes"),
    "treated": (N_("Treated value"), "treated"), "point": (N_("Treated how"), "point"),
}  # fmt: skip
# Index block only: what outlier treatment did (sheets after the others).
_INDEX_SHEETS = ((N_("Treatment"), "Treatment"), (N_("Treated points"), "Treated points"))
_INTERVAL = {
    "ci_low": N_("{level} interval, lower end"),
    "ci_high": N_("{level} interval, upper end"),
}
# Two-language headers of English-labelled columns: an English reader needs no Chinese.
_ENGLISH_ONLY = {"label_en": "Name (en)", "grade_en": "Grade (en)", "respondent_en": "Group (en)"}
# Sheets: (name in the catalogue, English name in a two-language title as before)
_SHEETS = (
    (N_("Total"), "Total"), (N_("Dimensions"), "Dimensions"), (N_("Indicators"), "Indicators"),
    (N_("By group"), "By group"), (N_("Notes on the scores"), "Notes"),
    (N_("Data issues"), "Data issues"), (N_("Provenance"), "Provenance"),
)  # fmt: skip
_ONE_DECIMAL = {
    "score", "points", "max_points", "ci_low", "ci_high", "df", "potential_gain",
    "bonus_points", "n_eff",
}  # fmt: skip


def to_json(result: ScoreResult) -> str:
    """All frames, the data-issue summary and provenance as one JSON document."""
    doc = {
        "provenance": result.provenance,
        "communities": _records(result.communities),
        "scores": _records(result.to_frame()),
        "by_group": _records(result.by_group),
        "notes": _records(result.notes),
        "data_issues": _issue_summary(result.report),
    }
    if result.treatment is not None:
        doc["treatment"] = _records(result.treatment)
        doc["treated_points"] = _records(result.treated_points)
    return json.dumps(_clean(doc), ensure_ascii=False, sort_keys=True, indent=1) + "\n"


def write_csv(result: ScoreResult, fh) -> None:
    """The tidy scores as UTF-8 CSV with ``\\n`` line ends."""
    # Formula-like text (an id "=HYPERLINK(...)") is neutralised; see cfeval._safety.
    text = csv_text(result.to_frame(), index=False, float_format=_FLOAT_FORMAT, lineterminator="\n")
    fh.write(text.encode("utf-8"))


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


# --------------------------------------------------------------------------- XLSX


def _both(message: str, tag: str) -> str:
    """A two-language header: the Chinese words, then the tag (the column's id)."""
    return f"{words('zh')(message)} {tag}"


def headers(result: ScoreResult, lang: str | None = None) -> dict[str, str]:
    """Column → header of the workbook, in ``lang``, or in both languages when None."""
    fw = result.framework
    level = fw.scoring.ci_level
    out: dict[str, str] = {}
    if lang is None:
        out.update({c: _both(m, tag) for c, (m, tag) in _HEADERS.items()})
        out.update(_ENGLISH_ONLY)
        zh_level = words("zh").percent(level)
        for col, message in _INTERVAL.items():
            out[col] = f"{words('zh')(message, level=zh_level)} {col}"
        for key, group in fw.respondents.items():
            out[f"n_{key}"] = f"{group.label.get('zh', key)} n_{key}"
        return out
    w = words(lang)
    out.update({c: w(m) for c, (m, _) in _HEADERS.items()})
    for col in ("label", "grade", "respondent"):
        for lg in ("zh", "en"):
            out[f"{col}_{lg}"] = f"{w(_HEADERS[col + '_' + lg][0])} ({lg})"
    for col, message in _INTERVAL.items():
        out[col] = w(message, level=w.percent(level))
    for key, group in fw.respondents.items():
        out[f"n_{key}"] = w("{group}, sample size", group=w.label(group.label))
    return out


def sheet_names(lang: str | None = None) -> list[str]:
    """The workbook's sheet names, in ``lang`` or as "中文 English"."""
    if lang is None:
        return [f"{words('zh')(m)} {tag}" for m, tag in _SHEETS]
    return [words(lang)(m) for m, _ in _SHEETS]


def sheets(result: ScoreResult) -> list[pd.DataFrame]:
    """The workbook's sheets as frames, labels placed beside ids (order of :data:`_SHEETS`)."""
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
            # A dict maps a column in one hash lookup per row; ids not in the table
            # (and blanks) get no label.
            by_id = {k: (v or {}).get(lang) for k, v in table.items()}
            df.insert(pos, f"{prefix}_{lang}", df[key].map(by_id))
            pos += 1
        return df

    scores = result.to_frame()
    comm = with_labels(result.communities, "grade", grades, prefix="grade")
    by_kind = {
        kind: with_labels(
            scores[scores["kind"] == kind].drop(columns=["grade", "grade_status"]),
            "node_id",
            labels,
        )
        for kind in ("dimension", "indicator")
    }
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
    return [comm, by_kind["dimension"], by_kind["indicator"], groups_df, notes, issues, prov]


def _flatten_dict(d: Any, prefix: str = "") -> list[tuple[str, str]]:
    if isinstance(d, dict):
        return [row for k, v in d.items() for row in _flatten_dict(v, f"{prefix}{k}.")]
    if isinstance(d, list):
        return [row for i, v in enumerate(d) for row in _flatten_dict(v, f"{prefix}{i}.")]
    return [(prefix.rstrip("."), "" if d is None else str(d))]


def write_xlsx(result: ScoreResult, fh, lang: str | None = None) -> None:
    """The workbook, one sheet per frame, with pinned dates (byte-identical reruns).

    Written by XlsxWriter in constant-memory mode, with each sheet's body built a column
    at a time (:mod:`cfeval.scoring.xlsx_rows`): a district of 5,000 communities (six
    million cells) takes seconds, with the same cells, number formats, widths, frozen
    header and filter as a cell-by-cell writer.
    """
    write_frames_xlsx(xlsx_frames(result, lang), fh, headers(result, lang))


def xlsx_frames(result: ScoreResult, lang: str | None = None) -> list[tuple[str, pd.DataFrame]]:
    """The workbook's sheets as (title, frame), in order."""
    frames = list(zip(sheet_names(lang), sheets(result), strict=True))
    if result.treatment is not None:
        for (message, tag), df in zip(
            _INDEX_SHEETS, (result.treatment, result.treated_points), strict=True
        ):
            title = words(lang)(message) if lang else f"{words('zh')(message)} {tag}"
            frames.append((title, df))
    return frames


def write_frames_xlsx(
    frames: list[tuple[str, pd.DataFrame]],
    fh,
    names: dict[str, str],
    *,
    per_cell: bool = False,
) -> None:
    """Frames as a workbook's sheets (title, frame), headers named by ``names``.

    ``per_cell`` writes every cell through XlsxWriter's ``write`` (the reference the
    column-wise writer is tested against).
    """
    import io

    import xlsxwriter

    from cfeval.scoring.xlsx_rows import FrameSheet

    for title, df in frames:
        # A worksheet holds 1,048,576 rows, the header included; XlsxWriter would drop
        # the rest without a word.
        if len(df) >= _MAX_ROWS:
            raise UsageError(
                Msg(
                    "sheet {sheet!r} would have {rows} rows and a worksheet holds "
                    "{limit}: write the results as .parquet or .csv",
                    sheet=title,
                    rows=len(df) + 1,
                    limit=_MAX_ROWS,
                )
            )
    buf = io.BytesIO()
    # Text is text: no cell of ours becomes a formula, a number or a link by its look.
    options = {
        "constant_memory": True,
        "strings_to_formulas": False,
        "strings_to_numbers": False,
        "strings_to_urls": False,
    }
    wb = xlsxwriter.Workbook(buf, options)
    styles = _Styles(wb)
    for title, df in frames:
        ws = wb.add_worksheet(title, worksheet_class=FrameSheet)
        column_styles = _write_head(ws, df, names, styles)
        if per_cell or not ws.write_body(df, 1, column_styles, styles.text):
            _write_cells(ws, df, styles)
    wb.close()
    # XlsxWriter deflates with zipfile's default level, the one deterministic_zip uses, so
    # the compressed entries are kept and only their headers are pinned.
    fh.write(deterministic_zip(buf.getvalue(), keep_compressed=True))


class _Styles:
    """The workbook's few cell formats, made once."""

    def __init__(self, wb) -> None:
        self.header = wb.add_format({"bold": True})
        # Formula-like text stays text when a person edits the cell (Excel's quote prefix).
        self.header_text = wb.add_format({"bold": True, "quote_prefix": True})
        self.text = wb.add_format({"quote_prefix": True})
        self.number = {"0.0": wb.add_format({"num_format": "0.0"})}
        self.number["0.0%"] = wb.add_format({"num_format": "0.0%"})


def _write_head(ws, df: pd.DataFrame, names: dict[str, str], styles: _Styles) -> list:
    """Column widths and formats, frozen header, filter and the header row; the formats."""
    cols = [str(c) for c in df.columns]
    column_styles = []
    for j, col in enumerate(cols):
        fmt = "0.0%" if col == "coverage" else "0.0" if col in _ONE_DECIMAL else None
        shown = [_shown(v) for v in _column_values(df.iloc[:200, j])]
        # CJK characters are about twice as wide as Latin ones in Excel's column units.
        width = max(_text_width(t) for t in [names.get(col, col), *shown])
        # A column's number format applies to the cells written without one of their own.
        column_styles.append(styles.number.get(fmt))
        ws.set_column(j, j, min(max(width + 2, 8), 60), column_styles[-1])
    ws.freeze_panes(1, 0)
    if cols:
        ws.autofilter(0, 0, len(df), len(cols) - 1)
    for j, c in enumerate(cols):
        text = names.get(c, c)
        ws.write_string(0, j, text, styles.header_text if is_formula(text) else styles.header)
    return column_styles


def _write_cells(ws, df: pd.DataFrame, styles: _Styles) -> None:
    """The body cell by cell, through XlsxWriter's ``write``."""
    columns = [_column_values(df.iloc[:, j]) for j in range(df.shape[1])]
    # Formula-like text cells (an id "=HYPERLINK(...)"), found per column before writing.
    risky = [
        {i: v for i, v in enumerate(values) if v.__class__ is str and is_formula(v)}
        for values in columns
    ]
    risky = [(j, cells) for j, cells in enumerate(risky) if cells]
    # One write per cell: write_row stops at a cell it truncates (text over 32,767
    # characters) and would drop the rest of the row.
    write = ws.write
    for i, row in enumerate(zip(*columns, strict=True)):
        for j, value in enumerate(row):
            write(i + 1, j, value)
        for j, cells in risky:
            if i in cells:
                ws.write_string(i + 1, j, cells[i], styles.text)


def _column_values(series: pd.Series) -> list:
    """A column as Python values for the sheet: None for blanks and non-finite numbers."""
    import numpy as np

    values = series.to_numpy()
    if values.dtype.kind in "iub":
        return values.tolist()
    if values.dtype.kind == "f":
        out = values.tolist()
        for i in np.flatnonzero(~np.isfinite(values)):
            out[i] = None
        return out
    return [_cell(v) for v in values]


def _shown(v: Any) -> str:
    """Roughly what Excel shows in a cell, to size its column."""
    if v is None:
        return ""
    return f"{v:.1f}" if isinstance(v, float) else str(v)


def _text_width(text: str) -> int:
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in text)


def _cell(v: Any) -> Any:
    import pandas as pd

    if v is None or v.__class__ is str:
        return v
    if pd.isna(v):
        return None
    if hasattr(v, "item") and not isinstance(v, (str, bytes)):
        v = v.item()
    if isinstance(v, float) and not math.isfinite(v):
        return None
    return v
