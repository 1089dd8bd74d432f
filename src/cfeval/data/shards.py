"""The data stage shard by shard: a survey larger than memory, split by community.

Every check and every statistic lies within one community × wave (duplicates of a
respondent, the audit row, group means and their variances), so a survey split *by
community* into shards gives, shard by shard, exactly the rows one pass would give for
those communities. :mod:`cfeval.scoring.partitioned` scores the shards; this module reads.

1. :func:`partition` streams a Parquet file one record batch at a time; a row's shard is a
   stable hash of its community id as validation will see it (NFKC, spaces, the mapping's
   community map, a community written by name); rows go to one Parquet part per shard
   (the file's own schema), their row numbers beside them.
2. :func:`shard_data` opens one shard's parts as tables that carry the original file name
   and sheet row numbers and runs the ordinary checks: every bad cell is reported with
   its file and row, as in one pass.

The audit is small: :func:`read_audit_once` reads and checks it once for every shard.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cfeval._io import file_sha256
from cfeval.errors import DataError, UsageError
from cfeval.i18n import Msg

__all__ = [
    "FilePlan",
    "Audit",
    "ShardData",
    "read_audit_once",
    "rows_of",
    "partition",
    "shard_data",
    "shard_of",
]

_BATCH = 65_536


@dataclass
class FilePlan:
    """One survey file as partitioned: where its shards' rows went."""

    label: str
    sha256: str
    headers: list[str]
    rows: int
    parts: dict[int, tuple[str, str]] = field(default_factory=dict)  # shard → (parquet, rows)


@dataclass
class Audit:
    """The audit, read and checked once; every shard takes its communities' rows."""

    parts: list
    report: Any
    files: list
    known: set | None
    names: Any
    label: str | None = None


@dataclass
class ShardData:
    """One shard: its Dataset (None when it has no community), its data report, and per
    survey file the rows read and used."""

    data: Any
    report: Any
    counts: dict[str, tuple[int, int]]
    validated: int = 0  # report.issues[:validated] came from checking the files themselves


def rows_of(path: Path) -> int:
    """Rows in a Parquet survey file; other files are refused (shards read Parquet)."""
    import pyarrow.parquet as pq

    if path.suffix.lower() not in (".parquet", ".pq"):
        raise UsageError(
            Msg(
                "{file}: scoring in shards reads Parquet files; convert it first (for example "
                "with DuckDB: COPY (FROM 'survey.csv') TO 'survey.parquet')",
                file=str(path),
            )
        )
    try:
        return pq.ParquetFile(path).metadata.num_rows
    except Exception as exc:  # pyarrow raises ArrowInvalid, OSError, ... for corrupt files
        # A damaged file is a data problem (exit code 1), as in one pass.
        raise DataError(
            Msg("{file}: not a readable Parquet file ({error})", file=str(path), error=exc)
        ) from None


def read_audit_once(fw, audit, mapping, lang):
    """The audit's parts, its issues, the known communities and their names."""
    from collections import Counter

    from cfeval.data.issues import DataReport
    from cfeval.data.load import _audit_frame, _file_info, _parts, known_communities

    report = DataReport(lang=lang)
    sources = [] if audit is None else [audit]
    parts, tables = _parts(fw, sources, "audit", [mapping] * len(sources), None, report)
    known, names = known_communities(fw, parts)
    if parts:
        _, kept = _audit_frame(fw, parts, report)  # the audit's own issues, said once
    else:
        kept = Counter()
    files = [_file_info("audit", t, kept) for t in tables]
    return Audit(parts, report, files, known, names, tables[0].label if tables else None)


def shard_of(ids, shards: int, known: set | None, names) -> Any:
    """Each normalised community id's shard: a stable hash (the same in every process).

    An id the audit does not know but whose name it does goes with the community it
    names, so that the data stage finds that community's audit row in the same shard.
    """
    import numpy as np
    import pandas as pd

    # Once per distinct id (a batch of 65,536 rows holds a few thousand communities).
    codes, uniques = pd.factorize(np.asarray(ids, dtype=object), use_na_sentinel=True)
    table = np.empty(len(uniques) + 1, dtype=np.int32)
    for j, cid in enumerate([*uniques, None]):  # the last one: missing ids (code -1)
        key = cid if isinstance(cid, str) else ""
        if names is not None and known is not None and key and key not in known:
            key = names.resolve(key)[0] or key
        table[j] = zlib.crc32(key.encode("utf-8")) % shards
    return table[codes]


def partition(fw, path: Path, mapping, shards: int, folder: Path, audit: Audit) -> FilePlan:
    """Stream ``path`` batch by batch into one Parquet part per shard (its own schema)."""
    import numpy as np
    import pyarrow.parquet as pq

    pf = pq.ParquetFile(path)
    headers = [str(c) for c in pf.schema_arrow.empty_table().to_pandas().columns]
    if len(headers) != len(pf.schema_arrow.names) or len(set(headers)) != len(headers):
        raise UsageError(
            Msg(
                "{file}: scoring in shards needs a Parquet file with one column per header "
                "and no index (write it with index=False)",
                file=str(path),
            )
        )
    plan = FilePlan(str(path), file_sha256(path), headers, pf.metadata.num_rows)
    folder.mkdir(parents=True)
    pos = _community_position(fw, path, headers, mapping)
    writers: dict[int, Any] = {}
    rows: dict[int, list] = {}
    start = 0
    batches = pf.iter_batches(batch_size=_BATCH, use_pandas_metadata=True)
    while (batch := _next_batch(batches, path)) is not None:
        shard = _batch_shards(batch, pos, mapping, shards, audit)
        for s in np.unique(shard):
            mask = shard == s
            if s not in writers:
                writers[s] = pq.ParquetWriter(folder / f"s{s}.parquet", pf.schema_arrow)
                rows[s] = []
            writers[s].write_batch(batch.filter(mask))
            rows[s].append(start + np.flatnonzero(mask))
        start += batch.num_rows
    for s, writer in writers.items():
        writer.close()
        np.save(folder / f"s{s}.npy", np.concatenate(rows[s]))
        plan.parts[int(s)] = (str(folder / f"s{s}.parquet"), str(folder / f"s{s}.npy"))
    return plan


def _next_batch(batches, path: Path):
    """The next record batch, None at the end; pages that cannot be decoded (a damaged
    file) are a data error, as in one pass."""
    import pyarrow as pa

    from cfeval.data.readers import _not_parquet
    from cfeval.errors import DataError

    try:
        return next(batches, None)
    except (pa.ArrowException, OSError, ValueError) as exc:  # ValueError: bad footer JSON
        raise DataError(_not_parquet(path, exc)) from None


def _community_position(fw, path, headers, mapping) -> int | None:
    """Which column holds the community id, as the data stage resolves headers."""
    import pandas as pd

    from cfeval.data.issues import DataReport
    from cfeval.data.readers import Table
    from cfeval.data.validate import _resolve

    if mapping is not None and mapping.community_id is not None:
        return None
    table = Table(pd.DataFrame(), headers, str(path), 2, "")
    return _resolve(fw, table, "survey", mapping, DataReport()).get("community_id")


def _batch_shards(batch, pos, mapping, shards, audit):
    import numpy as np

    from cfeval.data.mapping import id_texts, norm_id
    from cfeval.data.names import apply_community_map

    if mapping is not None and mapping.community_id is not None:
        ids = np.full(batch.num_rows, norm_id(mapping.community_id), dtype=object)
    elif pos is None:
        return np.zeros(batch.num_rows, dtype=np.int32)
    else:
        col = batch.select([pos]).to_pandas().iloc[:, 0]
        ids = apply_community_map(id_texts(col), mapping)
    return shard_of(ids, shards, audit.known, audit.names)


def shard_data(fw, plans, mappings, shard: int, shards: int, audit: Audit, lang) -> ShardData:
    """One shard's rows of every file, validated and checked against the audit: the
    shard's :class:`~cfeval.data.load.Dataset` (None when it holds no community)."""
    from collections import Counter

    from cfeval.data.issues import DataReport
    from cfeval.data.load import Dataset, _empty_survey, _survey_frame
    from cfeval.data.validate import survey_part

    report = DataReport(lang=lang)
    parts, rows_read = [], Counter()
    for plan, mapping in zip(plans, mappings, strict=True):
        if shard not in plan.parts:
            continue
        table = _shard_table(plan, *plan.parts[shard])
        rows_read[plan.label] += table.rows_read
        if len(table.frame):
            sub = DataReport(lang=lang)
            parts.append(survey_part(fw, table, mapping, sub))
            if parts[-1].lazy is None:
                table.close()
            report.extend(sub)
    validated = len(report.issues)  # the files' own issues; then those across files
    if parts:
        survey_df, kept, items = _survey_frame(fw, parts, report, audit.known, audit.names)
    else:
        survey_df, kept, items = _empty_survey(fw), Counter(), None
    audit_df = _shard_audit(fw, audit, survey_df, shard, shards)
    _wave_mismatches(audit, survey_df, audit_df, report)
    counts = {label: (rows_read[label], kept[label]) for label in rows_read}
    if len(survey_df) == 0 and len(audit_df) == 0:
        return ShardData(None, report, counts, validated)
    data = Dataset(fw, survey_df, audit_df, report, [], items=items)
    return ShardData(data, report, counts, validated)


def _wave_mismatches(audit: Audit, survey_df, audit_df, report) -> None:
    """Survey waves a community's audit lacks, as the data stage says them."""
    from cfeval.data.load import _WAVE_NOT_IN_AUDIT
    from cfeval.data.waves import wave_mismatches

    if not audit.parts or not all(p.has_wave for p in audit.parts):
        return
    for cid, wave, waves in wave_mismatches(survey_df, audit_df):
        text = report.words(_WAVE_NOT_IN_AUDIT, community=cid, wave=wave, waves=", ".join(waves))
        report.add(audit.label, None, "wave", wave, "wave-not-in-audit", text)


def _shard_table(plan: FilePlan, part: str, rows_file: str):
    """One file's rows of one shard as a Table with the file's name and sheet rows."""
    import numpy as np
    import pandas as pd
    import pyarrow.parquet as pq

    from cfeval.data.readers import Table, _Columns

    pf = pq.ParquetFile(part)
    source = _Columns(
        parquet=pf, opener=lambda: pq.ParquetFile(part, metadata=pf.metadata), label=plan.label
    )
    rows = np.load(rows_file)
    filled = source.filled(len(rows), len(plan.headers))  # blank rows are dropped, as always
    kept = None if filled.all() else np.flatnonzero(filled)
    index = pd.Index(rows if kept is None else rows[kept])
    table = Table(pd.DataFrame(index=index), plan.headers, plan.label, 2, plan.sha256)
    table.source, table.kept = source, kept
    return table


def _shard_audit(fw, audit: Audit, survey_df, shard: int, shards: int):
    """The audit rows of this shard's communities (waves from the shard's survey)."""
    from cfeval.data.issues import DataReport
    from cfeval.data.load import _audit_frame, _empty_audit

    if not audit.parts:
        return _empty_audit(fw)
    frame, _ = _audit_frame(fw, audit.parts, DataReport(), survey_df)
    mine = shard_of(frame["community_id"].to_numpy(dtype=object), shards, None, None) == shard
    return frame[mine].reset_index(drop=True)
