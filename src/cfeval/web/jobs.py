"""Long work off the server's event loop: the district's reports and the field kit.

A :class:`Job` runs in the app's thread pool and says how far it got (``done`` of
``total``), so a page can poll it and draw a progress bar. The batch is
:func:`cfeval.render_batch` in a freshly started process (it forks its own workers, which
must not happen inside this threaded server); cancelling interrupts that process as Ctrl-C
does on the command line, and ``render_batch`` stops its workers at once (queued
communities dropped, running workers terminated, each removing its half-written PDF). The
PDFs of a finished batch are zipped into one file to download.
"""

from __future__ import annotations

import shutil
import threading
import time
import zipfile
from concurrent.futures import Executor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cfeval.errors import CfevalError
from cfeval.web.security import new_token

__all__ = ["Cancelled", "Job", "start_batch", "start_kit"]


class Cancelled(Exception):
    """The job was cancelled before it finished."""


@dataclass
class Job:
    """One piece of background work of one session."""

    kind: str  # batch | kit
    total: int
    id: str = field(default_factory=new_token)
    done: int = 0
    failed: dict[str, str] = field(default_factory=dict)
    status: str = "running"  # running | done | failed | cancelled
    error: str | None = None
    output: Path | None = None
    started: float = field(default_factory=time.monotonic)
    seconds: float | None = None
    _cancel: threading.Event = field(default_factory=threading.Event)

    @property
    def finished(self) -> bool:
        return self.status != "running"

    def cancel(self) -> None:
        """Ask the job to stop (a batch is interrupted at once; a field kit cannot be)."""
        self._cancel.set()

    def as_dict(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "done": self.done,
            "total": self.total,
            "failed": len(self.failed),
            "seconds": None if self.seconds is None else round(self.seconds, 1),
        }

    def run(self, work) -> None:
        """Run ``work()`` (returns the output file) and record how it ended."""
        try:
            if self._cancel.is_set():
                raise Cancelled
            self.output = work()
            self.status = "cancelled" if self._cancel.is_set() else "done"
        except Cancelled:
            self.status = "cancelled"
        except CfevalError as exc:
            self.status, self.error = "failed", exc.text(None)
        except Exception as exc:  # noqa: BLE001 - a bug: said on the page, logged by the caller
            self.status, self.error = "failed", f"{type(exc).__name__}"
            raise
        finally:
            self.seconds = time.monotonic() - self.started


def _zip_folder(folder: Path, target: Path) -> Path:
    """Every file of ``folder`` (flat) into the zip ``target``, names sorted."""
    tmp = target.with_suffix(".part")
    with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as zf:
        for path in sorted(folder.iterdir()):
            if path.is_file():
                zf.write(path, arcname=path.name)
    tmp.replace(target)
    return target


def start_batch(
    pool: Executor,
    ws,
    ids: list[str],
    *,
    lang: str,
    workers: int,
    log,
) -> Job:
    """Render every community's report of ``ws``'s result in the background, then zip them.

    The batch runs in a process of its own (started afresh, not forked from this threaded
    server), where :func:`cfeval.render_batch` forks its workers as it does on the command
    line; cancelling is its Ctrl-C (SIGINT to that process), which stops the workers at once.
    """
    job = Job("batch", total=len(ids))
    folder = ws.new_path("reports", "d")
    target = folder.with_name(f"reports-{lang}-{job.id[:8]}.zip")
    args = (ws.result, ws.framework, ws.dataset, ids, str(folder), lang, workers)

    def work() -> Path:
        try:
            _run_batch_process(job, args)
            return _zip_folder(folder, target)
        finally:
            shutil.rmtree(folder, ignore_errors=True)

    ws.jobs[job.id] = job
    pool.submit(_logged, job, work, log)
    return job


def _run_batch_process(job: Job, args) -> None:
    """Run the batch in a child process, following its progress; raises :class:`Cancelled`
    when it was cancelled."""
    import multiprocessing
    import os
    import signal

    ctx = multiprocessing.get_context("spawn")
    receive, send = ctx.Pipe(duplex=False)
    # Not a daemon: render_batch starts worker processes of its own, which a daemon may not.
    proc = ctx.Process(target=_batch_main, args=(*args, send, os.getpid()))
    proc.start()
    send.close()
    started = signalled = ended = False
    try:
        while True:
            if job._cancel.is_set() and started and not signalled:
                os.kill(proc.pid, signal.SIGINT)
                signalled = True
            if not receive.poll(0.2):
                if not proc.is_alive() and not receive.poll(0):
                    break
                continue
            try:
                message = receive.recv()
            except (EOFError, OSError):
                break
            kind = message[0]
            if kind == "started":
                started = True
            elif kind == "done":
                job.done += 1
            elif kind == "end":
                job.failed, ended = message[1], True
            elif kind == "error":
                raise CfevalError(message[1])
    finally:
        proc.join(timeout=30)
        if proc.is_alive():
            proc.kill()
            proc.join()
        receive.close()
    if job._cancel.is_set():
        raise Cancelled
    if not ended:
        raise RuntimeError(f"the batch process stopped with exit code {proc.exitcode}")


def _batch_main(result, fw, data, ids, folder, lang, workers, conn, parent_pid: int) -> None:
    """The batch process: :func:`cfeval.render_batch` with progress sent to the server."""
    import signal

    from cfeval.report.entry import BatchInterrupted, render_batch

    signal.signal(signal.SIGINT, signal.default_int_handler)
    _die_with(parent_pid)
    conn.send(("started",))
    try:
        outcome = render_batch(
            result,
            folder,
            ids,
            framework=fw,
            lang=lang,
            workers=workers,
            on_done=lambda cid, ok: conn.send(("done", cid, ok)),
            reliability=_scales(fw, data),
        )
    except (BatchInterrupted, KeyboardInterrupt):
        return
    except CfevalError as exc:
        conn.send(("error", exc.text(lang)))
        return
    conn.send(("end", dict(outcome.failed)))


def _die_with(parent_pid: int) -> None:
    """Be interrupted (as by Ctrl-C) when the server process is gone."""
    import os
    import signal
    import sys

    if sys.platform.startswith("linux"):
        import ctypes

        ctypes.CDLL(None).prctl(1, signal.SIGINT)  # PR_SET_PDEATHSIG
    if os.getppid() != parent_pid:
        raise SystemExit(0)


def start_kit(pool: Executor, ws, *, lang: str, log) -> Job:
    """Write the field kit of ``ws``'s framework in the background, then zip it."""
    from cfeval.collect.kit import template

    job = Job("kit", total=1)
    folder = ws.new_path("kit", "d")
    target = folder.with_name(f"kit-{lang}-{job.id[:8]}.zip")
    fw = ws.framework

    def work() -> Path:
        try:
            template(fw, folder, lang=lang)
            job.done = 1
            return _zip_folder(folder, target)
        finally:
            shutil.rmtree(folder, ignore_errors=True)

    ws.jobs[job.id] = job
    pool.submit(_logged, job, work, log)
    return job


def _logged(job: Job, work, log) -> None:
    try:
        job.run(work)
    except Exception:  # noqa: BLE001 - the page says it failed; the log keeps the traceback
        log.exception("background %s job failed", job.kind)


def _scales(fw, data):
    """Reliability of the survey scales for the method appendix, as ``cfeval report`` does."""
    if data is None or data.survey is None or data.survey.empty:
        return None
    from cfeval.results.reliability import reliability

    return reliability(fw, data, n_boot=0).scales
