"""Report batches on a Dask distributed cluster: rendered on the workers, written here.

:func:`cfeval.render_batch` with a ``scheduler`` (``--scheduler tcp://host:8786`` or
``CFEVAL_SCHEDULER``, resolved by :mod:`cfeval._cluster`) sends the scored result to every
worker once and hands out the communities in chunks. By default each worker renders a
chunk into a private temporary folder and sends the PDFs' bytes back; this process
writes them into the output folder atomically, so the files are byte for byte those of
a local run and nothing half-written is ever in the folder. With ``shared=True`` the
output folder is storage every worker sees (NFS, a mounted bucket): the workers write
the PDFs there themselves (atomically too) and only the names come back.

The workers must run the same cfeval, WeasyPrint and fonts as this machine (docs/scale.md).
"""

from __future__ import annotations

import tempfile
import threading
from collections.abc import Callable, Sequence
from pathlib import Path

__all__ = ["run_on", "run_on_cluster", "chunked"]

# matplotlib's pyplot (the charts) is not thread-safe: a worker started with several
# threads renders one report at a time (start workers with --nthreads 1 to use every core).
_RENDER = threading.Lock()


def chunked(items: Sequence, workers: int, per_worker: int = 4) -> list[list]:
    """``items`` in about ``per_worker`` chunks per worker, in order, none empty.

    Enough chunks that the last ones spread over the workers; few enough that each
    carries several reports (a task and its reply cost a round trip to the scheduler).

    >>> chunked(list(range(10)), 2, per_worker=2)
    [[0, 1, 2], [3, 4, 5], [6, 7], [8, 9]]
    """
    n = max(1, min(len(items), workers * per_worker))
    size, extra = divmod(len(items), n)
    out, start = [], 0
    for i in range(n):
        stop = start + size + (1 if i < extra else 0)
        out.append(list(items[start:stop]))
        start = stop
    return [c for c in out if c]


def _render_chunk(state: dict, ids: list[str], shared: bool) -> list[tuple]:
    """On a worker: render ``ids``; (id, file name, PDF bytes or None, error) for each."""
    from cfeval.report import entry

    options = state["options"]
    with _RENDER, tempfile.TemporaryDirectory(prefix="cfeval-report-") as tmp:
        if not shared:  # render into a private folder; the bytes travel back
            options = {**options, "out_dir": tmp}
        saved = dict(entry._WORKER)
        entry._WORKER.clear()
        entry._WORKER.update(state, options=options)
        try:
            out = []
            for cid in ids:
                cid, path, error = entry._render_one(cid)
                data = None if shared or path is None else Path(path).read_bytes()
                out.append((cid, path and Path(path).name, data, error))
        finally:
            entry._WORKER.clear()
            entry._WORKER.update(saved)
    return out


def run_on(scheduler, state: dict, ids: Sequence[str], record, *, shared: bool = False) -> None:
    """:func:`run_on_cluster` on a ``distributed.Client`` or a scheduler address
    (:func:`cfeval._cluster.connect`: ``local:N`` starts a cluster and stops it after)."""
    if hasattr(scheduler, "submit"):
        run_on_cluster(scheduler, state, ids, record, shared=shared)
        return
    from cfeval._cluster import connect

    with connect(scheduler) as client:
        run_on_cluster(client, state, ids, record, shared=shared)


def run_on_cluster(
    client,
    state: dict,
    ids: Sequence[str],
    record: Callable[[str, str | None, str | None], None],
    *,
    shared: bool = False,
) -> None:
    """Render ``ids`` on the workers of a Dask ``client``; ``record`` each in this process.

    ``state`` is what :func:`cfeval.report.entry._render_one` reads (result, framework,
    options); it is scattered to every worker once. A chunk whose worker died is recorded
    as failed for each of its communities; the others go on. ``KeyboardInterrupt``
    cancels every chunk not yet finished and is re-raised.
    """
    from distributed import as_completed

    from cfeval._io import atomic_write

    out_dir = Path(state["options"]["out_dir"])
    workers = max(1, len(client.scheduler_info().get("workers", {})))
    # hash=False: hashing every frame of the result to name it costs more than it saves.
    [payload] = client.scatter([state], broadcast=True, hash=False)
    futures = {}
    for chunk in chunked(list(ids), workers):
        fut = client.submit(_render_chunk, payload, chunk, shared, pure=False)
        futures[fut] = chunk
    try:
        for fut in as_completed(list(futures)):
            try:
                rendered = fut.result()
            except Exception as exc:  # noqa: BLE001 - a lost worker fails its chunk only
                for cid in futures[fut]:
                    record(cid, None, f"{type(exc).__name__}: {exc}")
                continue
            for cid, name, data, error in rendered:
                if error is not None:
                    record(cid, None, error)
                    continue
                # Only a bare name is taken from the worker: nothing lands outside out_dir.
                path = out_dir / Path(name).name
                if data is not None:
                    atomic_write(path, data)
                record(cid, str(path), None)
    except BaseException:
        client.cancel(list(futures))
        raise
