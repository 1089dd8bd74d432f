"""Column-wise work on every core, in order, with a bounded number of columns in flight.

The heavy steps of reading and scoring a survey are one whole-column numpy or Arrow call
after another (decode a Parquet column, compare it with a scale, ``bincount`` it). Those
calls release the GIL, so two threads keep two cores busy without copying the data into
other processes. :func:`ordered_map` runs a function over a sequence in a thread pool and
yields the results **in the sequence's order**, keeping at most ``ahead`` results waiting:
the output is the same as a plain loop's (every floating-point operation happens on the
same arrays in the same way), and memory holds a few columns rather than all of them.
"""

from __future__ import annotations

import os
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from typing import TypeVar

__all__ = ["ordered_map", "worker_threads"]

T = TypeVar("T")
R = TypeVar("R")


def worker_threads() -> int:
    """Threads for column work: ``$CFEVAL_THREADS`` if set, else the usable cores (≤ 8)."""
    env = os.environ.get("CFEVAL_THREADS", "").strip()
    if env.isdigit() and int(env) > 0:
        return int(env)
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        cores = os.cpu_count() or 1
    return max(1, min(cores, 8))


def ordered_map(
    fn: Callable[[T], R], items: Iterable[T], threads: int | None = None, ahead: int | None = None
) -> Iterator[R]:
    """``fn(item)`` for each item, computed by ``threads`` threads, yielded in order.

    At most ``ahead`` (default: twice the threads) calls are started before the caller
    has taken the earliest result. With one thread, or one item, nothing is threaded. An
    exception in ``fn`` is raised at the item it belongs to; later calls are cancelled.
    """
    threads = worker_threads() if threads is None else threads
    items = list(items)
    if threads <= 1 or len(items) <= 1:
        yield from map(fn, items)
        return
    from concurrent.futures import ThreadPoolExecutor

    ahead = max(ahead or 2 * threads, 1)
    pending: deque = deque()
    todo = iter(items)
    with ThreadPoolExecutor(max_workers=threads, thread_name_prefix="cfeval") as pool:
        try:
            for item in todo:
                pending.append(pool.submit(fn, item))
                if len(pending) >= ahead:
                    yield pending.popleft().result()
            while pending:
                yield pending.popleft().result()
        finally:
            for future in pending:
                future.cancel()


def preload(*modules: str) -> None:
    """Import ``modules`` on a background thread, while the caller goes on (reading data).

    For third-party modules the caller needs later and whose import is mostly work done
    once (scipy.special: ~0.25 s): the data stage spends that time in Arrow and numpy
    calls that release the GIL, so the import overlaps with them. Python's per-module
    import locks make a later ``import`` of the same module wait for this one to finish;
    a failed import here is silent, and the later ``import`` raises it where it belongs.
    """
    import importlib
    import threading

    def load() -> None:
        for name in modules:
            try:
                importlib.import_module(name)
            except Exception:  # noqa: BLE001 - the caller's own import will say it
                return

    threading.Thread(target=load, name="cfeval-preload", daemon=True).start()
