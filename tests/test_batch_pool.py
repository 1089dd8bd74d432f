"""Batch workers: warmed once and forked, the same bytes whichever way a batch is run."""

from __future__ import annotations

import datetime as dt
import os
import sys

import pytest
from test_report import scored

from cfeval._procs import run_pool
from cfeval.report import entry as report

DATE = dt.date(2024, 6, 1)

# What the first item "loaded": forked workers must find it already there.
_WARM: dict[str, int] = {}


def _task(item: int) -> tuple[int, int, int | None]:
    loaded_by = _WARM.get("loaded_by")
    if loaded_by is None:
        _WARM["loaded_by"] = os.getpid()
    return item, os.getpid(), loaded_by


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="fork start method")
def test_first_item_warms_this_process_and_workers_inherit_it():
    _WARM.clear()
    seen: list[tuple[int, int, int | None]] = []
    run_pool(_task, list(range(6)), 2, lambda *r: seen.append(r))
    assert sorted(item for item, _, _ in seen) == list(range(6))  # each once
    first = next(s for s in seen if s[0] == 0)
    assert first == (0, os.getpid(), None)  # done here, before any worker existed
    others = [s for s in seen if s[0] != 0]
    assert all(pid != os.getpid() for _, pid, _ in others)
    # every worker started with what the first item loaded: nothing loaded twice
    assert all(loaded_by == os.getpid() for _, _, loaded_by in others)


def test_one_item_needs_no_worker():
    seen = []
    run_pool(_task, [7], 4, lambda *r: seen.append(r))
    assert [s[:2] for s in seen] == [(7, os.getpid())]


def test_two_workers_write_the_same_bytes_as_one(full_framework, tmp_path):
    res = scored(full_framework, tmp_path / "data")
    runs = {}
    for workers in (1, 2):
        out = report.render_batch(
            res, tmp_path / f"w{workers}", lang="en", date=DATE, workers=workers
        )
        assert not out.failed and sorted(out.written) == ["A01", "B02", "C03"]
        runs[workers] = {cid: p.read_bytes() for cid, p in out.written.items()}
    assert runs[1] == runs[2]
