"""Reading survey and audit files into tidy frames, with every unusable cell reported.

Files may be CSV (UTF-8, UTF-8 with BOM, GBK/GB18030; ``,`` ``;`` tab or ``|``), XLSX
(including a merged two-row header) or Parquet; columns may be named by id or by the
question text that 问卷星 / KoboToolbox export (see :mod:`cfeval.data.mapping`). Problems never
raise one at a time: each unusable cell or row becomes an :class:`Issue` in a
:class:`DataReport`, the cell becomes NaN and a row without a usable community, group,
wave or weight is excluded and counted. Only a file that cannot be read at all raises
(:class:`~cfeval.errors.UsageError` / :class:`~cfeval.errors.DataError`).

Validation works on whole columns (and on the few *unique* texts of a text column), so a
million rows cost seconds; only the bad cells become Python objects.

>>> ds = load_data(fw, survey=["children.csv", "parents.xlsx"], audit="audit.csv")  # doctest: +SKIP
>>> ds.report.summary()  # doctest: +SKIP
{'out-of-range': 3, 'unknown-community': 1}
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING

from cfeval._columns import (
    AUDIT_COLUMNS,
    ID_COLUMNS,
    SURVEY_NUMBERS,
    SURVEY_OPTIONAL,
    SURVEY_REQUIRED,
    SURVEY_TEXT,
)
from cfeval.data.dataset import Dataset, with_items
from cfeval.data.issues import SEVERITY, DataReport, FileInfo, Issue, RowFiles
from cfeval.data.mapping import load_mapping
from cfeval.data.names import CommunityNames, resolve_by_name, unknown_hint
from cfeval.data.proposals import dataset_log
from cfeval.data.readers import Table
from cfeval.data.validate import Part, audit_part, open_table, survey_part
from cfeval.data.waves import wave_mismatches
from cfeval.errors import UsageError
from cfeval.i18n import N_, Msg

if TYPE_CHECKING:
    import numpy as np

    from cfeval.framework.model import Framework

__all__ = [
    "Issue",
    "FileInfo",
    "DataReport",
    "Dataset",
    "SEVERITY",
    "read_survey",
    "read_audit",
    "load_data",
    "check",
    "pair_mappings",
]

_GIVEN_TWICE = N_("{file}: the same file as {other}, given twice")
_SAME_CONTENT = N_(
    "{file}: the same content as {other} (identical bytes), given twice: its rows would "
    "count twice; give each file once"
)
_UNKNOWN_COMMUNITY = N_(
    "community {community!r} is not in the audit file; the row was excluded (check the id's "
    "spelling or add the community to the audit)"
)
_DUPLICATE_RESPONDENT = N_(
    "this respondent id already appears for the same community and wave; the first row was "
    "kept and this one excluded"
)
_DUPLICATE_COMMUNITY = N_(
    "this community (and wave) already has an audit row; the first row was kept and this one "
    "excluded (merge the two rows)"
)

_WAVE_NOT_IN_AUDIT = N_(
    "community {community}: the survey has wave {wave}, the audit has only wave(s) {waves}; "
    "the two are scored apart until the waves match"
)


# --------------------------------------------------------------------------- assembling


def _dedupe(frame, keys, where, report, code, message, column, show) -> np.ndarray:
    """Mark every later row that repeats ``keys`` (the first one is kept) and report it.

    ``show`` is False for respondent ids: they may be phone numbers, so only the row is named.
    """
    import numpy as np

    files, rows, headers = where
    dup = frame.duplicated(subset=keys, keep="first").to_numpy()
    for i in np.flatnonzero(dup):
        value = frame[column].iloc[i] if show else None
        header = headers[files[i]].get(column, column)
        report.add(files[i], int(rows[i]), header, value, code, message)
    report.exclude(code, dup.sum())
    return dup


def _concat(parts: list[Part]):
    import numpy as np
    import pandas as pd

    # Filtering copies every column; a million clean rows should not pay for that.
    kept = [p.frame[~p.excluded] if p.excluded.any() else p.frame for p in parts]
    frame = kept[0].reset_index(drop=True) if len(kept) == 1 else pd.concat(kept, ignore_index=True)
    files = RowFiles.of_sizes([p.table.label for p in parts], [len(f) for f in kept])
    rows = np.concatenate([p.rows[~p.excluded] for p in parts])
    return frame, (files, rows, {p.table.label: p.headers for p in parts})


def _survey_frame(framework, parts, report, known: set[str] | None, names=None):
    import numpy as np

    frame, (files, rows, headers) = _concat(parts)
    drop = np.zeros(len(frame), bool)
    if known is not None:
        if names is not None:  # communities written by name (cfeval.data.names)
            drop |= resolve_by_name(frame, (files, rows, headers), known, names, report)
        unknown = ~frame["community_id"].isin(known).to_numpy() & ~drop
        for i in np.flatnonzero(unknown):
            cid = frame["community_id"].iloc[i]
            text = report.words(_UNKNOWN_COMMUNITY, community=cid) + unknown_hint(names, cid)
            header = headers[files[i]].get("community_id")
            report.add(files[i], int(rows[i]), header, cid, "unknown-community", text)
        report.exclude("unknown-community", unknown.sum())
        drop |= unknown
    has_id = frame["respondent_id"].notna().to_numpy() & ~drop
    dup = _dedupe(
        frame[has_id], [*ID_COLUMNS, "respondent_id"],
        (files[has_id], rows[has_id], headers), report, "duplicate-respondent",
        report.words(_DUPLICATE_RESPONDENT), "respondent_id", show=False,
    )  # fmt: skip
    drop[np.flatnonzero(has_id)[dup]] = True
    kept_files = files[~drop].counts()
    keep = ~drop if drop.any() else None
    base = _tidy_base(frame if keep is None else frame[keep])
    if all(p.lazy is not None for p in parts):  # every item column stays in its file
        from cfeval.data.items import SurveyItems

        return base, kept_files, SurveyItems(framework, [p.lazy for p in parts], keep)
    return with_items(framework, base, _item_block(framework, parts, keep)), kept_files, None


def _item_block(framework, parts: list[Part], keep):
    """The parts' item blocks as one column-major block of the rows ``keep`` selects.

    ``keep`` (None: all) indexes the rows the parts kept, in order. Each part's block is
    let go as soon as it is copied, so at most one part is held twice; a single file's
    block is compacted in place rather than copied. A part whose columns stayed in its
    file (read by pyarrow, beside an XLSX file) gives its block here.
    """
    import numpy as np

    from cfeval.data.items import SurveyItems

    blocks = []
    for p in parts:
        if p.lazy is not None:
            lazy = SurveyItems(framework, [p.lazy])
            p.items, p.lazy = lazy.block(), None
            lazy.close()
        blocks.append(p.items)
        p.items = None
    if len(blocks) == 1:
        block = blocks.pop()
        return block if keep is None else _compact(block, keep)
    sizes = [b.shape[0] for b in blocks]
    total = sum(sizes) if keep is None else int(keep.sum())
    out = np.empty((total, blocks[0].shape[1]), order="F")
    start = at = 0
    while blocks:
        block = blocks.pop(0)
        size = sizes.pop(0)
        seg = None if keep is None else keep[start : start + size]
        m = size if seg is None else int(seg.sum())
        for j in range(block.shape[1]):
            out[at : at + m, j] = block[:, j] if seg is None else block[seg, j]
        del block
        start, at = start + size, at + m
    return out


def _compact(block, keep):
    """``block[keep]`` for a column-major block, written over the block itself (no copy)."""
    m, k = int(keep.sum()), block.shape[1]
    flat = block.reshape(-1, order="F")  # a view: the block is column-major
    for j in range(k):
        # Column j lands at or before where it was read from; every later column lies
        # beyond, so nothing still to be read is overwritten.
        flat[j * m : (j + 1) * m] = block[keep, j]
    return flat[: m * k].reshape((m, k), order="F")


def _tidy_base(frame):
    """The survey's columns but the items, in their order and types."""
    frame = frame.reset_index(drop=True)
    for name in SURVEY_TEXT:
        if name in frame:
            frame[name] = frame[name].astype("str")
    for name in SURVEY_NUMBERS:
        if name in frame:
            frame[name] = frame[name].astype("float64")
    return frame[[*SURVEY_REQUIRED, *(c for c in SURVEY_OPTIONAL if c in frame)]]


def _audit_frame(framework, parts, report, survey=None):
    import pandas as pd

    frame, where = _concat(parts)
    dup = _dedupe(
        frame, list(ID_COLUMNS), where, report, "duplicate-community",
        report.words(_DUPLICATE_COMMUNITY), "community_id", show=True,
    )  # fmt: skip
    files = where[0]
    frame = frame[~dup].reset_index(drop=True)
    kept_files = files[~dup].counts()
    if survey is not None and parts and not all(p.has_wave for p in parts):
        # An audit without waves describes the community in every wave the survey has.
        waves = survey[list(ID_COLUMNS)].drop_duplicates()
        frame = frame.drop(columns="wave").merge(waves, on="community_id", how="left")
        frame["wave"] = frame["wave"].fillna("1")
    for name in AUDIT_COLUMNS:
        frame[name] = frame[name].astype("str")
    for key, spec in framework.fields.items():
        if spec.type == "category":
            frame[key] = pd.Series(
                [v if isinstance(v, str) else None for v in frame[key]], dtype=object
            )
        else:
            frame[key] = frame[key].astype("float64")
    order = [*AUDIT_COLUMNS, *framework.fields]
    return frame[order], kept_files


def _empty_survey(framework):
    import pandas as pd

    cols = {c: "float64" if c == "weight" else "str" for c in SURVEY_REQUIRED}
    cols.update({it.id: "float64" for it in framework.items()})
    return pd.DataFrame({c: pd.Series(dtype=t) for c, t in cols.items()})


def _empty_audit(framework):
    import pandas as pd

    cols = {c: "str" for c in AUDIT_COLUMNS}
    for key, spec in framework.fields.items():
        cols[key] = object if spec.type == "category" else "float64"
    return pd.DataFrame({c: pd.Series(dtype=t) for c, t in cols.items()})


# --------------------------------------------------------------------------- public API


def _as_framework(framework) -> Framework:
    from cfeval.framework.model import Framework

    if isinstance(framework, Framework):
        return framework
    from cfeval.framework.loader import load_framework

    return load_framework(framework)


def _sources(value) -> list:
    import pandas as pd

    if value is None:
        return []
    if isinstance(value, str | Path | pd.DataFrame):
        return [value]
    return list(value)


def _refuse_repeats(sources: list) -> None:
    """The same survey file given twice would count its rows twice: a usage error."""
    seen: dict[tuple, str] = {}
    for source in sources:
        if isinstance(source, str | Path) and Path(source).is_file():
            st = Path(source).stat()
            key = (st.st_dev, st.st_ino)
            if key in seen:
                raise UsageError(Msg(_GIVEN_TWICE, file=str(source), other=seen[key]))
            seen[key] = str(source)


def known_communities(framework, a_parts) -> tuple[set | None, CommunityNames | None]:
    """The audit's communities (as deduplicated) and their names; ``(None, None)`` without
    an audit row. The audit's own issues are not reported here (a throwaway report): the
    caller reports them once, when it builds the final audit frame."""
    if not a_parts:
        return None, None
    first, _ = _audit_frame(framework, a_parts, DataReport())
    if not len(first):
        return None, None
    names = CommunityNames.from_pairs(zip(first["community_id"], first["name"], strict=True))
    return set(first["community_id"]), names


def refuse_same_content(labels_and_sums) -> None:
    """Two survey files with the very same bytes under two names (a copy sent twice)
    would count every row twice: a usage error naming both."""
    seen: dict[str, str] = {}
    for label, sha in labels_and_sums:
        if sha and sha in seen:
            raise UsageError(Msg(_SAME_CONTENT, file=label, other=seen[sha]))
        seen.setdefault(sha, label)


def _label(source, kind: str, i: int) -> str:
    import pandas as pd

    return f"<{kind} frame {i + 1}>" if isinstance(source, pd.DataFrame) else str(source)


def _parts(framework, sources, kind, mappings, sheet, report) -> tuple[list[Part], list[Table]]:
    build = survey_part if kind == "survey" else audit_part
    parts, tables = [], []
    for i, (source, mapping) in enumerate(zip(sources, mappings, strict=True)):
        sub = DataReport(lang=report.lang)
        table, usable = open_table(
            framework, source, kind, _label(source, kind, i), sheet, mapping, sub
        )
        tables.append(table)
        if isinstance(source, str | Path):
            refuse_same_content((t.label, t.sha256) for t in tables)
        if usable:
            parts.append(build(framework, table, mapping, sub))
            if parts[-1].lazy is None:  # the raw cells are no longer needed
                table.close()
        report.extend(sub)
    return parts, tables


def pair_mappings(mapping, n_surveys: int) -> tuple[list, object]:
    """``(one mapping per survey file, the audit's mapping)`` from the ``mapping`` argument.

    The one rule: a single mapping (path, dict or :class:`Mapping`, or a list of one) serves
    every survey file, and the audit file only when it says ``applies_to: [survey, audit]``
    (a mapping describes a survey export; its headers mean nothing in an audit); a list of as many mappings as survey files pairs them in order, the first
    with the first (the audit file is then read without a mapping, its headers being the
    framework's own). Any other number is refused, never half-applied: a repeated
    ``--mapping`` that cannot be paired must not silently override another.
    """
    if not isinstance(mapping, list | tuple) or len(mapping) == 1:
        one = load_mapping(mapping[0] if isinstance(mapping, list | tuple) else mapping)
        if one is None:
            return [None] * n_surveys, None
        return [one.for_kind("survey")] * n_surveys, one.for_kind("audit")
    if len(mapping) == 0:
        return [None] * n_surveys, None
    if len(mapping) != n_surveys:
        raise UsageError(
            f"{len(mapping)} mapping files for {n_surveys} survey file(s): give one mapping "
            "for every file, or one per survey file in the same order as the survey files"
        )
    return [load_mapping(m) for m in mapping], None


def _file_info(kind: str, table: Table, kept: Counter) -> FileInfo:
    return FileInfo(
        table.label, kind, table.sha256, table.encoding, table.sheet, table.rows_read,
        kept[table.label],
    )  # fmt: skip


def load_data(
    framework,
    survey=None,
    audit=None,
    mapping=None,
    sheet: str | None = None,
    *,
    proposals=None,
    lang: str | None = None,
) -> Dataset:
    """Read survey file(s) and an audit file, check them against each other, report all.

    ``survey`` is a path, a DataFrame or a list of them; ``audit`` is one path or frame.
    ``mapping`` is one mapping for every file, or a list with one per survey file in the
    same order (see :func:`pair_mappings`). ``lang`` (``zh``/``en``, default: the
    environment's) is the language of the report's messages.
    Survey rows of a community missing from the audit are excluded (``unknown-community``);
    an audit without a wave column applies to every wave of the survey. ``proposals`` is the
    children's proposal log (path or frame), checked against the audit's communities and the
    framework's topics and bodies; its usable rows are ``Dataset.proposals``.

    >>> ds = load_data(fw, survey="survey.csv", audit="audit.xlsx")  # doctest: +SKIP
    >>> ds.survey.groupby("community_id").size()  # doctest: +SKIP
    """
    framework = _as_framework(framework)
    surveys, audits = _sources(survey), _sources(audit)
    _refuse_repeats(surveys)
    s_maps, a_map = pair_mappings(mapping, len(surveys))
    report = DataReport(lang=lang)
    s_parts, s_tables = _parts(framework, surveys, "survey", s_maps, sheet, report)
    a_parts, a_tables = _parts(framework, audits, "audit", [a_map] * len(audits), sheet, report)
    known, names = known_communities(framework, a_parts)
    audit_ids = known  # the audit's communities, which a proposal log must name
    survey_df, s_kept, items = (
        _survey_frame(framework, s_parts, report, known, names)
        if s_parts
        else (_empty_survey(framework), Counter(), None)
    )
    audit_df, a_kept = (
        _audit_frame(framework, a_parts, report, survey_df)
        if a_parts
        else (_empty_audit(framework), Counter())
    )
    if a_parts and all(p.has_wave for p in a_parts):
        # Every survey wave of a community the audit lacks, said once per pair: otherwise
        # the community is scored twice, audit-only and survey-only, without a word.
        for cid, wave, known in wave_mismatches(survey_df, audit_df):
            message = report.words(
                _WAVE_NOT_IN_AUDIT, community=cid, wave=wave, waves=", ".join(known)
            )
            report.add(a_tables[0].label, None, "wave", wave, "wave-not-in-audit", message)
    report.files.extend(_file_info("survey", t, s_kept) for t in s_tables)
    report.files.extend(_file_info("audit", t, a_kept) for t in a_tables)
    log = (
        None
        if proposals is None
        else dataset_log(framework, proposals, audit_ids, audit_df, report)
    )
    report._sort()
    return Dataset(framework, survey_df, audit_df, report, list(report.files), log, items=items)


def read_survey(framework, path_or_frame, *, mapping=None, sheet: str | None = None, lang=None):
    """Read one survey file or frame: ``(survey frame, DataReport)``.

    >>> survey, report = read_survey(fw, "children.csv")  # doctest: +SKIP
    """
    ds = load_data(framework, survey=[path_or_frame], mapping=mapping, sheet=sheet, lang=lang)
    return ds.survey, ds.report


def read_audit(framework, path_or_frame, *, mapping=None, sheet: str | None = None, lang=None):
    """Read one audit file or frame: ``(audit frame, DataReport)``.

    >>> audit, report = read_audit(fw, "audit.xlsx", sheet="检查表")  # doctest: +SKIP
    """
    ds = load_data(framework, audit=path_or_frame, mapping=mapping, sheet=sheet, lang=lang)
    return ds.audit, ds.report


def check(
    framework,
    survey=None,
    audit=None,
    mapping=None,
    sheet: str | None = None,
    *,
    proposals=None,
    lang=None,
) -> DataReport:
    """Only the report of :func:`load_data`: every problem in the given files."""
    return load_data(
        framework,
        survey=survey,
        audit=audit,
        mapping=mapping,
        sheet=sheet,
        proposals=proposals,
        lang=lang,
    ).report
