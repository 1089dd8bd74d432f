"""Batch workers: warmed once and forked, the same bytes whichever way a batch is run."""

from __future__ import annotations

import datetime as dt
import os
import signal
import sys
from contextlib import contextmanager
from pathlib import Path

import pytest
from test_report import scored, write_data

from cfeval._procs import run_pool
from cfeval.report import entry as report
from cfeval.report.cluster import chunked

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


# --------------------------------------------------------------------------- Dask


@contextmanager
def _guard(seconds: int):
    """A hang fails the test instead of stalling CI (a guard, not a measurement)."""

    def stop(*_):
        raise TimeoutError(f"still running after {seconds} s")

    old = signal.signal(signal.SIGALRM, stop)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)


@pytest.fixture(scope="module")
def cluster():
    """A 2-worker LocalCluster (one thread each) and a client on it, for the module."""
    distributed = pytest.importorskip("distributed")
    with _guard(180):
        local = distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, dashboard_address=None, silence_logs=40
        )
        client = distributed.Client(local, timeout=60)
    yield client
    with _guard(60):
        client.close()
        local.close()


def _files(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


@pytest.fixture(scope="module")
def local_run(full_framework, tmp_path_factory):
    """The three communities rendered here, one process: what the cluster must match."""
    folder = tmp_path_factory.mktemp("batch")
    res = scored(full_framework, folder / "data")
    out = report.render_batch(res, folder / "local", lang="zh", date=DATE, workers=1)
    assert not out.failed
    return res, _files(folder / "local")


def test_cluster_renders_the_same_bytes_as_a_local_run(cluster, local_run, tmp_path):
    res, local = local_run
    seen = []
    with _guard(300):
        out = report.render_batch(
            res, tmp_path / "remote", lang="zh", date=DATE, scheduler=cluster,
            on_done=lambda c, ok: seen.append((c, ok)),
        )  # fmt: skip
    assert not out.failed and sorted(out.written) == ["A01", "B02", "C03"]
    assert sorted(seen) == [("A01", True), ("B02", True), ("C03", True)]
    assert _files(tmp_path / "remote") == local  # byte for byte, and no temporary files
    assert all(p.parent == tmp_path / "remote" for p in out.written.values())


def test_cluster_workers_can_write_into_a_shared_folder(cluster, local_run, tmp_path):
    res, local = local_run
    with _guard(300):
        out = report.render_batch(
            res, tmp_path / "shared", lang="zh", date=DATE, scheduler=cluster, shared=True
        )
    assert not out.failed
    assert _files(tmp_path / "shared") == local


def test_cluster_batch_goes_on_past_a_broken_community(cluster, full_framework, tmp_path):
    res = scored(full_framework, tmp_path / "data", names={"B02": "河畔🦄社区"})
    with _guard(300):
        out = report.render_batch(res, tmp_path / "out", lang="zh", date=DATE, scheduler=cluster)
    assert sorted(out.written) == ["A01", "C03"]
    assert list(out.failed) == ["B02"] and "U+1F984" in out.failed["B02"]
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["A01_zh.pdf", "C03_zh.pdf"]


def _chunks_run(stream) -> int:
    """How many report chunks the cluster ran while ``stream`` recorded."""
    return sum("_render_chunk" in str(task["key"]) for task in stream.data)


def test_cli_report_all_on_a_scheduler_address(cluster, full_yaml, tmp_path):
    from distributed import get_task_stream
    from typer.testing import CliRunner

    from cfeval.cli.app import app

    survey, audit = write_data(tmp_path / "data")
    args = ["report", str(full_yaml), "--survey", str(survey), "--audit", str(audit),
            "--all", "--lang", "zh", "--date", "2024-06-01"]  # fmt: skip
    with _guard(300), get_task_stream(cluster) as stream:
        res = CliRunner().invoke(
            app, [*args, "-o", str(tmp_path / "out"), "--scheduler", cluster.scheduler.address]
        )
    assert res.exit_code == 0, res.output
    assert _chunks_run(stream) >= 1  # rendered on the cluster, not here
    # the command adds the scale-reliability appendix: compare with the command run here
    res = CliRunner().invoke(app, [*args, "-o", str(tmp_path / "here"), "--workers", "1"])
    assert res.exit_code == 0, res.output
    assert _files(tmp_path / "out") == _files(tmp_path / "here")


def test_scheduler_comes_from_the_environment(cluster, local_run, tmp_path, monkeypatch):
    from distributed import get_task_stream

    monkeypatch.setenv("CFEVAL_SCHEDULER", cluster.scheduler.address)
    with _guard(300), get_task_stream(cluster) as stream:
        out = report.render_batch(local_run[0], tmp_path / "env", lang="zh", date=DATE)
    assert not out.failed and _chunks_run(stream) >= 1
    assert _files(tmp_path / "env") == local_run[1]


def test_cli_shared_without_a_scheduler_is_a_usage_error(full_yaml, tmp_path, monkeypatch):
    from typer.testing import CliRunner

    from cfeval.cli.app import app

    monkeypatch.delenv("CFEVAL_SCHEDULER", raising=False)
    survey, audit = write_data(tmp_path / "data")
    args = ["report", str(full_yaml), "--survey", str(survey), "--audit", str(audit),
            "--all", "-o", str(tmp_path / "out"), "--lang", "en", "--shared"]  # fmt: skip
    res = CliRunner().invoke(app, args)
    assert res.exit_code == 2 and "--shared needs --scheduler" in res.output
    assert not (tmp_path / "out").exists()
    res = CliRunner().invoke(app, [*args[:-1], "--scheduler", "nowhere"])
    assert res.exit_code == 2 and "not an address" in res.output


def test_chunks_cover_every_item_once_in_order():
    items = list(range(23))
    for workers in (1, 2, 5):
        chunks = chunked(items, workers)
        assert [i for c in chunks for i in c] == items
        assert all(chunks) and len(chunks) <= workers * 4
        assert max(map(len, chunks)) - min(map(len, chunks)) <= 1
    assert chunked([1], 8) == [[1]]
