"""Shards' results put together into the one result the in-memory run gives.

Each shard (:mod:`cfeval.scoring.partitioned`) holds whole communities, so putting the
shards together is ordering, not arithmetic: every frame's rows are taken in the global
order of the community × wave units (the order the engine sorts them in), a unit's own
rows keeping their order. The data report adds the shards' issues and exclusion counts;
a file-wide line that several shards found is said once.
"""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING

from cfeval._columns import ID_COLUMNS

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

    from cfeval.scoring.result import ScoreResult

__all__ = ["merge_results", "concat_in_order"]


def merge_results(fw, shards: list, plans: list, audit, lang) -> ScoreResult:
    """One :class:`ScoreResult` from the shards' results, plans and the audit read once."""
    import numpy as np

    from cfeval.data.load import Dataset, _empty_audit, _empty_survey
    from cfeval.errors import DataError
    from cfeval.i18n import Msg
    from cfeval.scoring.result import ScoreResult, provenance

    report = merge_reports(shards, plans, audit, lang)
    done = [s.data for s in shards if s.data is not None]
    if not done:
        raise DataError(Msg("no community to score: the survey and audit have no usable rows"))
    units = [r.communities[list(ID_COLUMNS)] for r in done]
    rank = _unit_ranks(units)
    frames = {}
    for name in ("scores", "by_group", "communities", "notes"):
        parts = [getattr(r, name) for r in done]
        unit_of_row = [rank[i][_local_units(part, units[i], name)] for i, part in enumerate(parts)]
        frames[name] = concat_in_order(parts, np.concatenate(unit_of_row))
    data = Dataset(fw, _empty_survey(fw), _empty_audit(fw), report, list(report.files))
    return ScoreResult(
        framework=fw,
        scores=frames["scores"],
        by_group=frames["by_group"],
        communities=frames["communities"],
        notes=frames["notes"],
        report=report,
        provenance=provenance(fw, data),
    )


def _unit_ranks(units: list[pd.DataFrame]) -> list[np.ndarray]:
    """Per shard, each of its units' place in the global (community, wave) order."""
    import numpy as np
    import pandas as pd

    every = pd.concat(units, ignore_index=True)
    order = every.sort_values(list(ID_COLUMNS), kind="stable").index.to_numpy()
    rank = np.empty(len(every), dtype=np.int64)
    rank[order] = np.arange(len(every))
    bounds = np.cumsum([0, *(len(u) for u in units)])
    return [rank[a:b] for a, b in zip(bounds[:-1], bounds[1:], strict=True)]


def _local_units(frame: pd.DataFrame, units: pd.DataFrame, name: str) -> np.ndarray:
    """Each row's unit within its shard (the frames are in unit order, a block per unit)."""
    import numpy as np
    import pandas as pd

    U = len(units)
    if name == "communities":
        return np.arange(U)
    if name in ("scores", "by_group") and U:
        return np.repeat(np.arange(U), len(frame) // U)
    key = pd.MultiIndex.from_frame(units.astype(object))
    rows = pd.MultiIndex.from_frame(frame[list(ID_COLUMNS)].astype(object))
    return key.get_indexer(rows)


def concat_in_order(parts: list[pd.DataFrame], unit_of_row: np.ndarray) -> pd.DataFrame:
    """``parts`` one under the other, rows sorted (stably) by their unit's global rank.

    A column whose dtype differs between parts (a shard whose units have no grade holds
    only None) is typed again from all its values, as one engine pass would type it.
    """
    import numpy as np
    import pandas as pd

    order = np.argsort(unit_of_row, kind="stable")
    columns = {}
    for col in parts[0].columns:
        pieces = [p[col] for p in parts]
        if all(p.dtype == pieces[0].dtype for p in pieces):
            joined = pd.concat(pieces, ignore_index=True)
        else:
            joined = pd.Series(np.concatenate([p.to_numpy(dtype=object) for p in pieces]))
        columns[col] = joined.take(order).reset_index(drop=True)
    return pd.DataFrame(columns)


def merge_reports(shards: list, plans: list, audit, lang):
    """The data report of the whole run, its issues in the order one pass adds them.

    One pass checks the survey files (in order), then the audit, then what spans files
    (unknown communities, duplicates, waves); the report then sorts by file, in the order
    files first appear, and row. The shards' issues are laid out the same way.
    """
    from cfeval.data.issues import DataReport, FileInfo

    place = {p.label: i for i, p in enumerate(plans)}
    place[audit.label] = len(plans)

    def by_file(issues):
        return sorted(issues, key=lambda i: place.get(i.file, len(plans) + 1))

    own = by_file(i for s in shards for i in s.report.issues[: s.validated])
    across = by_file(i for s in shards for i in s.report.issues[s.validated :])
    report = DataReport(lang=lang)
    seen = set()
    for issue in [*own, *audit.report.issues, *across]:
        if issue.row is None and issue.file in place and place[issue.file] < len(plans):
            key = (issue.file, issue.column, issue.code, issue.message)
            if key in seen:  # a file-wide line: each shard of the file found it
                continue
            seen.add(key)
        report.issues.append(issue)
    report.excluded_rows.update(audit.report.excluded_rows)
    counts: dict[str, Counter] = {p.label: Counter() for p in plans}
    for shard in shards:
        report.excluded_rows.update(shard.report.excluded_rows)
        for label, (read, used) in shard.counts.items():
            counts[label].update(read=read, used=used)
    for p in plans:
        c = counts[p.label]
        report.files.append(FileInfo(p.label, "survey", p.sha256, None, None, c["read"], c["used"]))
    report.files.extend(audit.files)
    report._sort()
    return report
