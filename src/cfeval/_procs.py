"""Worker processes that stop when they are told to, or when their parent is gone.

A batch of reports runs in a process pool. Ctrl-C must stop it at once (not after the
queued reports), and a parent killed outright must not leave workers writing files.

- :func:`guard_worker` (a pool initializer's first call): the worker ignores SIGINT (the
  parent decides); on SIGTERM it removes the file it is writing
  (:func:`cfeval._io.remove_in_progress`) and exits at once; it asks Linux to send it
  SIGTERM when its parent dies (``prctl(PR_SET_PDEATHSIG)``); elsewhere it polls its parent instead.
- :func:`stop_pool`: cancel what has not started and terminate the workers.
- :func:`run_pool`: do the first item here (which loads and warms every library the work
  needs), then fork workers that inherit all of it and share the rest.
"""

from __future__ import annotations

import gc
import os
import signal
import sys
import threading
from collections.abc import Callable, Sequence

__all__ = ["guard_worker", "stop_pool", "run_pool"]

_PR_SET_PDEATHSIG = 1


def _exit_on_term(signum, frame) -> None:
    # Leave at once, without raising: a SystemExit raised here can land inside a weakref
    # or GC callback, where Python prints "Exception ignored ... Traceback" and goes on.
    from cfeval._io import remove_in_progress

    remove_in_progress()
    os._exit(128 + signum)


def guard_worker(parent_pid: int) -> None:
    """Make this worker process stoppable by its parent and mortal with it."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, _exit_on_term)
    if sys.platform.startswith("linux"):
        try:
            import ctypes

            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)
        except (OSError, AttributeError):
            _watch_parent(parent_pid)
    else:
        _watch_parent(parent_pid)
    if os.getppid() != parent_pid:  # the parent died before the signal was asked for
        sys.exit(0)


def _watch_parent(parent_pid: int) -> None:
    def watch() -> None:
        while os.getppid() == parent_pid:
            threading.Event().wait(1.0)
        os.kill(os.getpid(), signal.SIGTERM)

    threading.Thread(target=watch, daemon=True).start()


def stop_pool(pool) -> None:
    """Cancel queued work and terminate the workers of a ProcessPoolExecutor now."""
    processes = list(getattr(pool, "_processes", {}).values())  # no public handle exists
    pool.shutdown(wait=False, cancel_futures=True)
    for proc in processes:
        if proc.is_alive():
            proc.terminate()
    for proc in processes:
        proc.join(timeout=5)
        if proc.is_alive():
            proc.kill()


def _start_worker(init: Callable[[], None] | None, parent_pid: int) -> None:
    guard_worker(parent_pid)
    if init is not None:
        init()


def _context():
    """'fork' where the platform has it (chosen explicitly: Python 3.14 defaults to
    'forkserver', whose workers would import and warm everything again)."""
    import multiprocessing

    methods = multiprocessing.get_all_start_methods()
    return multiprocessing.get_context("fork" if "fork" in methods else None)


def run_pool(
    task: Callable,
    items: Sequence,
    workers: int,
    record: Callable,
    *,
    init: Callable[[], None] | None = None,
) -> None:
    """``record(*task(item))`` for every item: the first here, the others on ``workers`` processes.

    The first item is done in this process before any worker exists, so that the imports,
    font caches and compiled templates it needed are in memory when the workers are forked
    and none of them pays for them again. Each worker then takes one item after another
    until none is left (long-lived, fed one item at a time so that the last ones spread
    over the workers and progress is reported per item). ``init`` runs in each worker
    first: it has nothing to do under 'fork' (the state is inherited) but sets the
    worker's state where processes start afresh. ``record`` runs in this process, in the
    order items finish. ``KeyboardInterrupt`` (or any failure here) cancels the queued
    items, terminates the workers (each removes the file it was writing) and is re-raised.
    """
    from concurrent.futures import ProcessPoolExecutor, as_completed

    if not items:
        return
    record(*task(items[0]))
    rest = list(items[1:])
    if not rest:
        return
    pool = ProcessPoolExecutor(
        max_workers=max(1, min(workers, len(rest))),
        mp_context=_context(),
        initializer=_start_worker,
        initargs=(init, os.getpid()),
    )
    # Objects that exist at the fork are kept out of the collector's sight (gc.freeze):
    # otherwise each worker's first collections touch, and so copy, every inherited page.
    gc.freeze()
    try:
        futures = [pool.submit(task, item) for item in rest]  # the workers fork here
        for fut in as_completed(futures):
            record(*fut.result())
    except BaseException:
        # Stop now: queued items are cancelled and running workers terminated, not
        # finished first.
        stop_pool(pool)
        raise
    finally:
        gc.unfreeze()
    pool.shutdown(wait=True)
