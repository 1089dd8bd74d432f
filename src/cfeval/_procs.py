"""Worker processes that stop when they are told to, or when their parent is gone.

A batch of reports runs in a process pool. Ctrl-C must stop it at once (not after the
queued reports), and a parent killed outright must not leave workers writing files.

- :func:`guard_worker` (a pool initializer's first call): the worker ignores SIGINT (the
  parent decides); on SIGTERM it removes the file it is writing
  (:func:`cfeval._io.remove_in_progress`) and exits at once; it asks Linux to send it
  SIGTERM when its parent dies (``prctl(PR_SET_PDEATHSIG)``); elsewhere it polls its parent instead.
- :func:`stop_pool`: cancel what has not started and terminate the workers.
"""

from __future__ import annotations

import os
import signal
import sys
import threading

__all__ = ["guard_worker", "stop_pool"]

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
