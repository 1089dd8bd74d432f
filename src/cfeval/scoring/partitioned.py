"""Scoring a survey larger than memory, or on a Dask cluster: communities in shards.

Every statistic the engine computes lies within one community × wave: group means, the
HC2 variances, Bell–McCaffrey and Welch–Satterthwaite df, the design-based variance,
duplicates of a respondent, the audit row. So a survey split *by community* into shards
that each fit in memory gives, shard by shard, exactly the rows of the in-memory run for
those communities; the ordinary data stage and engine score each shard, and the shards'
frames put side by side in community order are the in-memory result (the same floating-
point operations on the same rows in the same order: equal, not merely close). Nothing is
approximated, and no sum has to be reduced across machines: each worker's result for its
communities is final.

1. **Partition** (:func:`cfeval.data.shards.partition`): each Parquet file is streamed one
   record batch at a time into one part per shard; files are cut side by side (threads
   here, one Dask task per file on a cluster).
2. **Score a shard** (:func:`score_shard`): its rows are validated as in one pass
   (:func:`cfeval.data.shards.shard_data`) and scored by the engine. Locally one shard at
   a time, so peak memory is one shard's; with a scheduler (:mod:`cfeval._cluster`) the
   shards are Dask tasks on the workers, and the scratch folder must be on storage they
   all see (docs/scale.md).
3. **Merge** (:mod:`cfeval.scoring.merge`): frames in community order, the data report's
   issues and counts added up, file-wide lines once.
"""

from __future__ import annotations

import math
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from cfeval.errors import UsageError
from cfeval.i18n import Msg

if TYPE_CHECKING:
    from cfeval.framework.model import Framework
    from cfeval.scoring.result import ScoreResult

__all__ = ["score_partitioned", "score_shard", "SHARD_ROWS"]

#: Rows per shard by default: about 0.5 GB of item answers at 60 items, so a shard's
#: validation and scoring stay well under 2 GB.
SHARD_ROWS = 500_000


def score_partitioned(
    framework: Framework | str | Path,
    survey,
    audit=None,
    *,
    mapping=None,
    shard_rows: int = SHARD_ROWS,
    scheduler: str | None = None,
    scratch: str | Path | None = None,
    lang: str | None = None,
    show_small_groups: bool = False,
) -> ScoreResult:
    """Score Parquet survey files in shards of about ``shard_rows`` rows (out of core).

    The result equals :func:`cfeval.score` on the same files. ``scheduler`` (or
    ``$CFEVAL_SCHEDULER``) runs the shards on a Dask cluster; ``scratch`` is the folder for
    the shards (default: a temporary folder beside the first survey file, so that workers
    reading the same storage find it), removed afterwards.

    >>> score_partitioned("unicef-cfci", ["wave1.parquet", "wave2.parquet"], "audit.csv")  # doctest: +SKIP
    """
    from cfeval._cluster import scheduler_address
    from cfeval.data.load import pair_mappings, refuse_same_content
    from cfeval.data.shards import partition, read_audit_once, rows_of
    from cfeval.scoring.engine import _load_framework
    from cfeval.scoring.merge import merge_results

    fw = framework if not isinstance(framework, str | Path) else _load_framework(framework)
    if fw.index is not None:
        # An index: block normalises across communities (min-max, ranks ...): a shard
        # alone would give other scores. Such a framework is scored in one pass.
        raise UsageError(
            Msg(
                "{framework}: its index: block compares communities with each other, so it "
                "cannot be scored in shards or on a cluster; score it without --shard-rows "
                "and --scheduler",
                framework=fw.id,
            )
        )
    files = [Path(p) for p in ([survey] if isinstance(survey, str | Path) else survey)]
    if not files:
        raise UsageError(Msg("give the data: --survey FILE and/or --audit FILE"))
    s_maps, a_map = pair_mappings(mapping, len(files))
    address = scheduler_address(scheduler)
    the_audit = read_audit_once(fw, audit, a_map, lang)
    total = sum(rows_of(f) for f in files)
    shards = max(1, math.ceil(total / max(int(shard_rows), 1)))
    folder = Path(scratch) if scratch is not None else files[0].resolve().parent
    with tempfile.TemporaryDirectory(prefix=".cfeval-shards-", dir=folder) as tmp:
        cuts = [
            (fw, f, m, shards, Path(tmp) / f"f{i}", the_audit)
            for i, (f, m) in enumerate(zip(files, s_maps, strict=True))
        ]

        def jobs(plans):
            return [
                (fw, plans, s_maps, s, shards, the_audit, lang, show_small_groups)
                for s in range(shards)
            ]

        if address is None:
            from cfeval._threads import ordered_map

            # Files are cut side by side (Arrow's reading and filtering let go of the
            # GIL); shards are scored one at a time, so memory holds one shard.
            plans = list(ordered_map(lambda cut: partition(*cut), cuts))
            refuse_same_content((plan.label, plan.sha256) for plan in plans)
            results = [score_shard(*job) for job in jobs(plans)]
        else:
            results, plans = _on_cluster(address, cuts, jobs)
    return merge_results(fw, results, plans, the_audit, lang)


def _on_cluster(address: str, cuts: list[tuple], jobs) -> tuple[list, list]:
    """Files cut on the workers (one task per file), then the shards scored there (one
    task each); plans and results gathered in file and shard order, so the merge is the
    same as here."""
    from cfeval._cluster import connect
    from cfeval.data.load import refuse_same_content
    from cfeval.data.shards import partition

    with connect(address) as client:
        plans = client.gather([client.submit(partition, *cut, pure=False) for cut in cuts])
        refuse_same_content((plan.label, plan.sha256) for plan in plans)
        futures = [client.submit(score_shard, *job, pure=False) for job in jobs(plans)]
        return client.gather(futures), plans


def score_shard(fw, plans, mappings, shard: int, shards: int, audit, lang, small):
    """One shard validated and scored: a :class:`~cfeval.data.shards.ShardData` whose
    ``data`` is replaced by the shard's :class:`ScoreResult` (``small``: show small groups)."""
    from cfeval.data.shards import shard_data
    from cfeval.scoring.engine import score

    out = shard_data(fw, plans, mappings, shard, shards, audit, lang)
    if out.data is not None:
        out.data = score(fw, out.data, lang=lang, show_small_groups=small)
    return out
