"""Exports for secondary analysis: Stata, SPSS and R files with labels, and microdata.

* :func:`write_analysis` writes a research table — the tidy scores, a breakdown, wave
  changes — as Stata ``.dta`` or SPSS ``.sav`` (through pyreadstat) with a variable label
  on every column and value labels on coded columns (node, group, grade, status, ...), in
  the chosen language; or as an **R-ready CSV** (``NA`` for missing, codes as text) with a
  data dictionary beside it (``NAME.dictionary.csv`` and ``NAME.dictionary.md``).
* :func:`anonymised_microdata` gives item-level survey rows for secondary analysis:
  respondent ids replaced by new ones (random but seeded, or sequential), every column
  that is not an id, group, weight, age, gender, place or item dropped (names, phone
  numbers, free text), text in item columns blanked, and each row of a community × group
  below its ``min_n`` flagged. :func:`write_microdata` writes it with a note of what was
  removed (``NAME.README.md``).

Text cells never become spreadsheet formulas (:mod:`cfeval._safety`). Stata/SPSS value
labels sit on numeric codes 1, 2, ...; a coded column with blanks is stored as a double
(pyreadstat and pandas read the labels back either way).

>>> write_analysis(result.to_frame(), "scores.dta", framework=fw, lang="zh")  # doctest: +SKIP
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from cfeval._io import atomic_write
from cfeval.errors import UsageError
from cfeval.i18n import N_, Msg

if TYPE_CHECKING:
    import pandas as pd

    from cfeval.framework.model import Framework

__all__ = ["write_analysis", "data_dictionary", "anonymised_microdata", "write_microdata"]

FORMATS = (".dta", ".sav", ".csv")

#: Variable labels (msgids); ``{level}`` is the framework's interval level.
VARIABLE_LABELS = {
    "community_id": N_("Community id"),
    "wave": N_("Wave"),
    "path": N_("Position in the framework"),
    "node_id": N_("Framework node"),
    "indicator": N_("Indicator"),
    "kind": N_("Kind of node"),
    "level": N_("Depth in the framework (0 = total)"),
    "score": N_("Score (0 to 100)"),
    "points": N_("Points awarded"),
    "max_points": N_("Maximum points"),
    "ci_low": N_("Lower bound of the {level} interval"),
    "ci_high": N_("Upper bound of the {level} interval"),
    "df": N_("Degrees of freedom of the interval"),
    "n": N_("Respondents"),
    "n_eff": N_("Effective number of respondents (Kish)"),
    "coverage": N_("Share of the node with data"),
    "potential_gain": N_("Points gained at full attainment"),
    "status": N_("Status"),
    "grade": N_("Grade"),
    "respondent": N_("Respondent group"),
    "variable": N_("Breakdown variable"),
    "category": N_("Category"),
    "is_total": N_("All categories together"),
    "ci_level": N_("Interval level"),
    "min_n": N_("Minimum respondents to show a result"),
    "suppressed": N_("Hidden to protect respondents"),
    "suppression": N_("Why hidden"),
    "wave_from": N_("Earlier wave"),
    "wave_to": N_("Later wave"),
    "score_from": N_("Score in the earlier wave"),
    "score_to": N_("Score in the later wave"),
    "change": N_("Change in score"),
    "se": N_("Standard error"),
    "n_from": N_("Respondents in the earlier wave"),
    "n_to": N_("Respondents in the later wave"),
    "change_class": N_("Kind of change"),
    "basis": N_("Basis of the change"),
    "grade_from": N_("Grade in the earlier wave"),
    "grade_to": N_("Grade in the later wave"),
    "framework_version_from": N_("Framework version in the earlier wave"),
    "framework_version_to": N_("Framework version in the later wave"),
    "version_changed": N_("Framework version changed"),
    "rid": N_("Anonymous respondent id"),
    "weight": N_("Survey weight"),
    "age": N_("Age"),
    "gender": N_("Gender"),
    "city": N_("City"),
    "district": N_("District"),
    "small_group": N_("Group below its minimum size"),
}
_FIXED_CODES = {
    "kind": {"total": N_("Total"), "dimension": N_("Dimension"), "indicator": N_("Indicator")},
    "status": {
        "ok": N_("ok"),
        "insufficient": N_("too few respondents"),
        "missing": N_("no data"),
        "veto": N_("vetoed"),
    },
    "basis": {
        "interval": N_("interval for the difference"),
        "exact": N_("audit values, no sampling error"),
        "none": N_("no interval"),
    },
    "suppression": {
        "": N_("shown"),
        "small_cell": N_("fewer respondents than the minimum"),
        "complementary": N_("hidden so that another hidden cell cannot be worked out"),
    },
}
_BOOL = ("is_total", "suppressed", "version_changed", "small_group", "weighted", "reverse")


def write_analysis(
    frame: pd.DataFrame,
    path: str | Path,
    *,
    framework: Framework,
    lang: str | None = None,
) -> list[Path]:
    """Write a research table as ``.dta``, ``.sav`` or R-ready ``.csv`` with its labels.

    ``frame`` is any of cfeval's tidy tables (scores, by-group, breakdown, wave changes,
    microdata); labels come from the framework (node, group and grade names, item texts
    and answer options) and the catalogue, in ``lang``. Returns the files written (the
    CSV's dictionary files too).

    >>> write_analysis(changes, "changes.sav", framework=fw, lang="en")  # doctest: +SKIP
    """
    from cfeval.i18n import words

    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in FORMATS:
        raise UsageError(
            Msg("cannot write {path!r}: use a .dta, .sav or .csv file name", path=str(path))
        )
    if not path.parent.exists():
        raise UsageError(
            Msg(
                "cannot write {path!r}: folder {folder!r} does not exist",
                path=str(path),
                folder=str(path.parent),
            )
        )
    w = words(lang)
    labels, values = _labels(frame, framework, w)
    if suffix == ".csv":
        return _write_r(frame, path, labels, values)
    num = _numeric_labels(values, frame)
    return [_write_readstat(_coded(frame, values), path, labels, num, suffix, framework, w)]


def data_dictionary(
    frame: pd.DataFrame, *, framework: Framework, lang: str | None = None
) -> pd.DataFrame:
    """One row per column of ``frame``: ``variable, type, label, values`` (``code = label``)."""
    from cfeval.i18n import words

    labels, values = _labels(frame, framework, words(lang))
    return _dictionary(frame, labels, values)


# -- labels ---------------------------------------------------------------------------


def _labels(frame, fw: Framework, w) -> tuple[dict[str, str], dict[str, dict[str, str]]]:
    """Variable labels and value labels (text value → label) for the columns of ``frame``."""
    level = w.percent(fw.scoring.ci_level)
    items = {it.id: it for it in fw.items()}
    labels: dict[str, str] = {}
    for col in frame.columns:
        if col in VARIABLE_LABELS:
            labels[col] = w(VARIABLE_LABELS[col], level=level)
        elif col in items:
            labels[col] = w.label(items[col].text)
        else:
            labels[col] = col
    nodes = {"total": w(_FIXED_CODES["kind"]["total"])}
    nodes |= {node.id: w.label(node.label) for _, node in fw.walk()}
    groups = {k: w.label(r.label) for k, r in fw.respondents.items()}
    grades = {g.id: w.label(g.label) for g in fw.scoring.grades}
    from cfeval.results.waves import CHANGE_CLASSES

    known: dict[str, dict[str, str]] = {
        "node_id": nodes,
        "indicator": nodes,
        "respondent": groups,
        "grade": grades,
        "grade_from": grades,
        "grade_to": grades,
        "change_class": {k: w(v) for k, v in CHANGE_CLASSES.items()},
    }
    known |= {col: {k: w(v) for k, v in codes.items()} for col, codes in _FIXED_CODES.items()}
    values: dict[str, dict[str, str]] = {}
    for col in frame.columns:
        if col in known:
            present = {str(v) for v in frame[col].dropna().unique()}
            table = {k: v for k, v in known[col].items() if k in present}
            table |= {v: v for v in sorted(present - set(table))}  # unknown codes keep their text
            values[col] = table
        elif col in _BOOL:
            values[col] = {"0": w("no"), "1": w("yes")}
        elif col in items:
            scale = fw.scales[items[col].scale]
            values[col] = {str(int(k)): w.label(v) for k, v in sorted(scale.labels.items())}
    return labels, values


def _coded(frame, values: dict[str, dict[str, str]]) -> pd.DataFrame:
    """Coded columns as numbers 1, 2, ... (booleans 0/1; items keep their scale codes)."""
    import numpy as np

    out = frame.copy()
    for col, table in values.items():
        s = out[col]
        if col in _BOOL:
            out[col] = s.astype("float64").astype(np.int8) if s.notna().all() else s.astype(float)
            continue
        if s.dtype.kind in "fiu":  # items: their codes are the values
            out[col] = s.astype(np.float64)
            continue
        codes = {k: i for i, k in enumerate(table, start=1)}
        mapped = s.map(lambda v, codes=codes: codes.get(str(v)) if v is not None else None)
        mapped = mapped.astype(np.float64)
        out[col] = mapped.astype(np.int32) if mapped.notna().all() else mapped
    for col in out.columns:  # text columns: plain str with "" for missing (Stata has no NA text)
        if col not in values and out[col].dtype.kind not in "fiub":
            out[col] = out[col].map(lambda v: "" if v is None or v != v else str(v)).astype(object)
    return out


def _numeric_labels(values: dict[str, dict[str, str]], frame) -> dict[str, dict]:
    out = {}
    for col, table in values.items():
        if col in _BOOL or frame[col].dtype.kind in "fiu":
            out[col] = {int(k): v for k, v in table.items() if k.lstrip("-").isdigit()}
        else:
            out[col] = {i: v for i, v in enumerate(table.values(), start=1)}
    return out


def _write_readstat(coded, path: Path, labels, num, suffix, fw, w) -> Path:
    import tempfile

    import pyreadstat

    from cfeval._safety import is_formula

    names = {c: _safe_name(c) for c in coded.columns}
    frame = coded.rename(columns=names)
    col_labels = {names[c]: _cap(labels[c], 80) for c in coded.columns}
    vlabels = {names[c]: {k: _cap(v, 80) for k, v in t.items()} for c, t in num.items()}
    for col in frame.columns:  # a formula in a string cell is still a formula when re-exported
        if frame[col].dtype == object:
            frame[col] = frame[col].map(lambda v: "'" + v if is_formula(v) else v)
    title = _cap(f"{w.label(fw.title)} {fw.version}", 80)
    with tempfile.TemporaryDirectory(dir=path.parent) as tmp:
        target = Path(tmp) / f"out{suffix}"
        if suffix == ".dta":
            pyreadstat.write_dta(
                frame, target, file_label=title, column_labels=col_labels,
                variable_value_labels=vlabels, version=15,
            )  # fmt: skip
        else:
            pyreadstat.write_sav(
                frame, target, file_label=title, column_labels=col_labels,
                variable_value_labels=vlabels,
            )  # fmt: skip
        atomic_write(path, target.read_bytes())
    return path


def _safe_name(col: str) -> str:
    """A Stata/SPSS variable name: letters, digits and _, starting with a letter, ≤ 32."""
    import re

    name = re.sub(r"[^A-Za-z0-9_]", "_", str(col))
    if not name or not name[0].isalpha():
        name = "v_" + name
    return name[:32]


def _cap(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` UTF-8 bytes (Stata counts bytes), on a character boundary."""
    data = text.encode("utf-8")
    return text if len(data) <= limit else data[:limit].decode("utf-8", "ignore")


def _dictionary(frame, labels, values) -> pd.DataFrame:
    import pandas as pd

    rows = []
    for col in frame.columns:
        kind = frame[col].dtype.kind
        typ = "logical" if col in _BOOL else "numeric" if kind in "fiu" else "character"
        codes = "; ".join(f"{k} = {v}" for k, v in values.get(col, {}).items())
        rows.append({"variable": col, "type": typ, "label": labels[col], "values": codes})
    return pd.DataFrame(rows, columns=["variable", "type", "label", "values"])


def _write_r(frame, path: Path, labels, values) -> list[Path]:
    from cfeval.results.tabular import csv_text

    out = frame.copy()
    for col in out.columns:
        if col in _BOOL:  # R reads TRUE/FALSE as logical
            out[col] = out[col].map(lambda v: None if v is None or v != v else bool(v))
            out[col] = out[col].map({True: "TRUE", False: "FALSE"})
    dic = _dictionary(frame, labels, values)
    md = ["| variable | type | label | values |", "| --- | --- | --- | --- |"]
    for r in dic.itertuples(index=False):
        cells = [str(x).replace("|", "\\|").replace("\n", " ") for x in r]
        md.append("| " + " | ".join(cells) + " |")
    written = [atomic_write(path, csv_text(out, na_rep="NA"))]
    written.append(atomic_write(path.with_name(f"{path.stem}.dictionary.csv"), csv_text(dic)))
    written.append(atomic_write(path.with_name(f"{path.stem}.dictionary.md"), "\n".join(md) + "\n"))
    return written


# -- microdata ------------------------------------------------------------------------

_KEEP = ("community_id", "wave", "respondent", "weight", "city", "district", "age", "gender")


def anonymised_microdata(
    framework: Framework,
    data: Any,
    *,
    ids: str = "random",
    seed: int = 2024,
) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Item-level survey rows safe to hand on, and a record of what was removed.

    Keeps the community, wave, group, weight, city, district, age, gender and the item
    columns; the respondent id is replaced by ``rid`` (``R000001`` ...), numbered after a
    seeded shuffle (``ids="random"``) or in the data's order (``"sequential"``); rows are
    sorted by community, wave, group and ``rid`` so the original order is not kept either.
    Any other column (names, phone numbers, notes) is dropped and item cells that are not
    numbers are blanked. ``small_group`` flags rows of a community × wave × group with
    fewer respondents than the group's ``min_n``.

    Returns ``(frame, removed)`` where ``removed`` has ``dropped_columns``,
    ``blanked_cells``, ``ids`` and ``small_groups`` (how many rows are flagged).
    """
    import numpy as np
    import pandas as pd

    from cfeval.results._survey import survey_frame

    if ids not in ("random", "sequential"):
        raise UsageError(Msg("ids must be 'random' or 'sequential', not {ids!r}", ids=ids))
    survey = survey_frame(framework, data).reset_index(drop=True)
    item_ids = [it.id for it in framework.items()]
    items = [c for c in dict.fromkeys(item_ids) if c in survey.columns]
    keep = [c for c in _KEEP if c in survey.columns]
    dropped = [str(c) for c in survey.columns if c not in keep and c not in items]
    out = survey[keep].copy()
    for col in ("age",):
        if col in out.columns:
            out[col] = pd.to_numeric(out[col], errors="coerce")
    blanked = 0
    for c in items:
        num = pd.to_numeric(survey[c], errors="coerce")
        blanked += int((num.isna() & survey[c].notna()).sum())
        out[c] = num.astype(np.float64)
    order = np.arange(len(out))
    if ids == "random":
        order = np.random.default_rng(seed).permutation(len(out))
    rid = np.empty(len(out), dtype=object)
    rid[order] = [f"R{i:06d}" for i in range(1, len(out) + 1)]
    out.insert(0, "rid", rid)
    keys = ["community_id", "wave", "respondent"]
    size = out.groupby(keys, sort=False)["rid"].transform("size").to_numpy(dtype=np.float64)
    min_n = out["respondent"].map({k: r.min_n for k, r in framework.respondents.items()})
    out["small_group"] = size < min_n.to_numpy(dtype=np.float64)
    out = out.sort_values(["community_id", "wave", "respondent", "rid"], kind="stable")
    removed = {
        "dropped_columns": dropped,
        "blanked_cells": blanked,
        "ids": ids,
        "seed": seed if ids == "random" else None,
        "small_groups": int(out["small_group"].sum()),
    }
    return out.reset_index(drop=True), removed


def write_microdata(
    framework: Framework,
    data: Any,
    path: str | Path,
    *,
    lang: str | None = None,
    ids: str = "random",
    seed: int = 2024,
) -> list[Path]:
    """Write :func:`anonymised_microdata` (``.dta``, ``.sav`` or ``.csv`` with dictionary)
    and ``NAME.README.md``, the note of what was removed. Returns the files written."""
    from cfeval.i18n import words

    frame, removed = anonymised_microdata(framework, data, ids=ids, seed=seed)
    written = write_analysis(frame, path, framework=framework, lang=lang)
    w = words(lang)
    path = Path(path)
    lines = [f"# {w('Anonymised survey microdata')}", ""]
    lines.append("- " + w("Respondent ids were replaced by new ids ({how}).", how=w(_ID_WAYS[ids])))
    if removed["dropped_columns"]:
        cols = ", ".join(removed["dropped_columns"])
        lines.append("- " + w("Columns removed: {columns}.", columns=cols))
    lines.append(
        "- "
        + w.n(
            "{n} answer that was not a number was blanked.",
            "{n} answers that were not numbers were blanked.",
            removed["blanked_cells"],
        )
    )
    lines.append(
        "- "
        + w.n(
            "{n} row belongs to a group below its minimum size (column small_group).",
            "{n} rows belong to a group below its minimum size (column small_group).",
            removed["small_groups"],
        )
    )
    note = path.with_name(f"{path.stem}.README.md")
    written.append(atomic_write(note, "\n".join(lines) + "\n"))
    return written


_ID_WAYS = {
    "random": N_("numbered in a random, seeded order"),
    "sequential": N_("numbered in order"),
}
