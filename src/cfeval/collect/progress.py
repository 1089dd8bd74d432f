"""The fieldwork monitor: what each community still lacks, as one tidy table.

One row per community × wave × need:

* ``respondents`` — a group's respondents so far who answered at least one question
  (``have``) against its ``min_n``;
* ``field`` — an audit field, ``have`` 1 when a usable value is in, 0 while blank;
* ``indicator`` — an indicator the scoring engine could not score (``missing``) or scored
  only from groups below ``min_n`` (``insufficient``), with the points it carries: what is
  missing before the grade rests on all the evidence the framework asks for;
* ``grade`` — the share of the framework with data, in percent (``have``), against
  ``scoring.min_coverage_for_grade`` (``need``): below it the grade is ``provisional`` or
  ``withheld``; ``points`` are the points that still lack data.

``status`` is ``ok`` or says what is short; anything not ``ok`` means fieldwork goes on.
The data are read and checked by the data stage and scored by the engine; nothing here
re-reads files or re-decides what a valid answer is.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from cfeval.collect.common import survey_groups
from cfeval.errors import UsageError

if TYPE_CHECKING:
    import pandas as pd

    from cfeval.data.load import Dataset
    from cfeval.framework.model import Framework

__all__ = ["COLUMNS", "progress", "progress_summary", "write_progress", "is_complete"]

COLUMNS = [
    "community_id",
    "wave",
    "kind",
    "key",
    "have",
    "need",
    "short",
    "points",
    "status",
]


def _dataset(fw: Framework, data, survey, audit, mapping, sheet) -> Dataset:
    from cfeval.data.load import Dataset, load_data

    if isinstance(data, Dataset):
        return data
    if data is not None:
        survey = data
    if survey is None and audit is None:
        raise UsageError("give the data collected so far: --survey FILE and/or --audit FILE")
    return load_data(fw, survey=survey, audit=audit, mapping=mapping, sheet=sheet)


def _cells(ds: Dataset) -> list[tuple[str, str]]:
    """Every community × wave the data know of (audit rows first, then survey-only ones)."""
    seen: dict[tuple[str, str], None] = {}
    for frame in (ds.audit, ds.survey):
        for cid, wave in zip(frame["community_id"], frame["wave"], strict=True):
            seen.setdefault((str(cid), str(wave)), None)
    return list(seen)


def _respondent_rows(fw: Framework, ds: Dataset, cells) -> list[dict]:
    from cfeval.collect.common import questions

    survey = ds.survey
    counts: dict[tuple[str, str, str], int] = {}
    for group in survey_groups(fw):
        # A respondent counts once they answered something: a child who declined, or a
        # form sent back empty, is not a respondent yet.
        items = [q.item.id for q in questions(fw, group)]
        rows = survey[(survey["respondent"] == group) & survey[items].notna().any(axis=1)]
        for (cid, wave), n in rows.groupby(["community_id", "wave"], observed=True).size().items():
            counts[str(cid), str(wave), group] = int(n)
    out = []
    for cid, wave in cells:
        for group in survey_groups(fw):
            have = counts.get((cid, wave, group), 0)
            need = fw.respondents[group].min_n
            out.append(_row(cid, wave, "respondents", group, have, need, "short"))
    return out


def _field_rows(fw: Framework, ds: Dataset, cells) -> list[dict]:
    audit = ds.audit.set_index(["community_id", "wave"])
    rows = []
    for cid, wave in cells:
        present = (cid, wave) in audit.index
        record = audit.loc[(cid, wave)] if present else None
        if record is not None and getattr(record, "ndim", 1) > 1:
            record = record.iloc[0]
        for key in fw.fields:
            value = None if record is None else record[key]
            filled = value is not None and value == value  # NaN is blank
            rows.append(_row(cid, wave, "field", key, int(filled), 1, "blank"))
    return rows


def _indicator_rows(fw: Framework, ds: Dataset) -> list[dict]:
    from cfeval.scoring.engine import score

    if fw.scoring.missing == "fail":
        # The monitor wants to list what is missing, not stop at it.
        fw = fw.model_copy(deep=True)
        fw.scoring.missing = "renormalize"
    result = score(fw, ds)
    scores = result.to_frame()
    scores = scores[scores["kind"] == "indicator"]
    rows = []
    for rec in scores.itertuples(index=False):
        status = "ok" if rec.status in ("ok", "veto") else str(rec.status)
        rows.append(_scored_row(rec.community_id, rec.wave, "indicator", rec.node_id, status))
        rows[-1]["points"] = float(rec.max_points)
    return rows + _grade_rows(fw, result.communities)


def _grade_rows(fw: Framework, communities) -> list[dict]:
    """Per community × wave: the share of the framework with data (``have``, in percent)
    against ``scoring.min_coverage_for_grade`` (``need``); below it the grade is only
    provisional or withheld, and ``points`` says how many points still lack data."""
    import math

    need = math.ceil(fw.scoring.min_coverage_for_grade * 100 - 1e-9)
    rows = []
    for rec in communities.itertuples(index=False):
        coverage = rec.coverage if rec.coverage == rec.coverage else 0.0
        status = {"final": "ok", "none": "missing"}.get(rec.grade_status, rec.grade_status)
        row = _scored_row(rec.community_id, rec.wave, "grade", "coverage", str(status))
        have = math.floor(coverage * 100 + 1e-9)
        row.update(have=have, need=need, short=max(0, need - have))
        row["points"] = float(fw.max_total() * (1 - coverage))
        rows.append(row)
    return rows


def _scored_row(cid, wave, kind: str, key: str, status: str) -> dict:
    return {
        "community_id": str(cid),
        "wave": str(wave),
        "kind": kind,
        "key": key,
        "have": None,
        "need": None,
        "short": None,
        "points": None,
        "status": status,
    }


def _row(cid, wave, kind, key, have, need, short_status) -> dict:
    short = max(0, need - have)
    return {
        "community_id": cid,
        "wave": wave,
        "kind": kind,
        "key": key,
        "have": have,
        "need": need,
        "short": short,
        "points": None,
        "status": "ok" if short == 0 else short_status,
    }


def progress(
    framework: Framework | str | Path,
    data=None,
    *,
    survey=None,
    audit=None,
    mapping=None,
    sheet: str | None = None,
) -> pd.DataFrame:
    """What each community × wave still lacks: a tidy table (see the module docstring).

    ``data`` is a :class:`~cfeval.data.load.Dataset` or survey file(s); or give ``survey``
    and ``audit`` as for :func:`~cfeval.data.load.load_data`. Without an audit file every
    field counts as blank: the audit is part of the fieldwork.

    >>> table = progress("chengdu-community", survey="survey.csv", audit="audit.xlsx")  # doctest: +SKIP
    >>> table[table.status != "ok"]  # doctest: +SKIP
    """
    import pandas as pd

    from cfeval.framework.loader import load_framework
    from cfeval.framework.model import Framework

    fw = framework if isinstance(framework, Framework) else load_framework(framework)
    ds = _dataset(fw, data, survey, audit, mapping, sheet)
    cells = _cells(ds)
    rows = [*_respondent_rows(fw, ds, cells), *_field_rows(fw, ds, cells)]
    if cells:
        rows += _indicator_rows(fw, ds)
    frame = pd.DataFrame(rows, columns=COLUMNS)
    order = {"respondents": 0, "field": 1, "indicator": 2, "grade": 3}
    frame["_k"] = frame["kind"].map(order)
    frame = frame.sort_values(["community_id", "wave", "_k"], kind="stable").drop(columns="_k")
    for col in ("have", "need", "short"):
        frame[col] = frame[col].astype("Int64")
    frame["points"] = frame["points"].astype("float64")
    return frame.reset_index(drop=True)


def is_complete(frame: pd.DataFrame) -> bool:
    """True when nothing in a :func:`progress` table is short."""
    return bool((frame["status"] == "ok").all())


def progress_summary(frame: pd.DataFrame, framework: Framework) -> pd.DataFrame:
    """One row per community × wave: ``n_<group>`` so far, ``min_<group>``, blank fields,
    indicators not yet scorable and the points they carry, ``coverage`` (percent of the
    framework with data) against ``coverage_needed`` for a final grade, and whether all
    is in."""
    import pandas as pd

    groups = survey_groups(framework)
    out = []
    for (cid, wave), part in frame.groupby(["community_id", "wave"], sort=False):
        row: dict[str, object] = {"community_id": cid, "wave": wave}
        resp = part[part["kind"] == "respondents"].set_index("key")
        for g in groups:
            row[f"n_{g}"] = int(resp.loc[g, "have"]) if g in resp.index else 0
            row[f"min_{g}"] = framework.respondents[g].min_n
        fields = part[part["kind"] == "field"]
        row["blank_fields"] = int((fields["status"] != "ok").sum())
        ind = part[(part["kind"] == "indicator") & (part["status"] != "ok")]
        row["indicators_short"] = len(ind)
        row["points_short"] = float(ind["points"].sum())
        grade = part[part["kind"] == "grade"]
        row["coverage"] = int(grade["have"].iloc[0]) if len(grade) else 0
        row["coverage_needed"] = int(grade["need"].iloc[0]) if len(grade) else 0
        row["complete"] = bool((part["status"] == "ok").all())
        out.append(row)
    return pd.DataFrame(out)


def write_progress(frame: pd.DataFrame, path: str | Path) -> Path:
    """Write a :func:`progress` table to ``.csv`` (UTF-8 with BOM, for Excel) or ``.xlsx``."""
    from cfeval._io import atomic_write

    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".csv":
        from cfeval._safety import csv_text

        text = csv_text(frame, index=False, lineterminator="\n")
        return atomic_write(path, text, encoding="utf-8-sig")
    if suffix == ".xlsx":
        return _write_xlsx(frame, path)
    raise UsageError(f"{path}: write the progress table as .csv or .xlsx")


def _write_xlsx(frame: pd.DataFrame, path: Path) -> Path:
    import openpyxl
    import pandas as pd

    from cfeval.collect import sheets

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "progress"
    for col, name in enumerate(frame.columns, start=1):
        sheets.put(ws, 1, col, name)
    for r, values in enumerate(frame.itertuples(index=False), start=2):
        for col, value in enumerate(values, start=1):
            if not pd.isna(value):
                sheets.put(ws, r, col, value.item() if hasattr(value, "item") else value)
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = ws.dimensions
    sheets.save(wb, path)
    return path
