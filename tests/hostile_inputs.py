"""Hostile inputs written by the tests themselves (nothing hostile is committed).

Small data sets cut from the shipped Chengdu sample, with ids, names and answers chosen
by a test; helpers that run every command on them in one process; a memory/time guard.
"""

from __future__ import annotations

import resource
import signal
import tracemalloc
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from typer.testing import CliRunner

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "sample_data" / "chengdu"
FRAMEWORK = "chengdu-community"
SOURCE_IDS = ("CD-CH-001", "CD-CH-002", "CD-JJ-001")


def chengdu_data(
    folder: Path,
    ids: dict[str, str] | None = None,
    names: dict[str, str] | None = None,
    survey_edit: Callable | None = None,
    audit_edit: Callable | None = None,
) -> tuple[Path, Path]:
    """Survey and audit CSVs of three sample communities (wave 1), ids renamed by ``ids``.

    ``names`` sets community names (by new id); ``survey_edit``/``audit_edit`` change the
    frames (all text) before they are written.
    """
    import pandas as pd

    ids = ids or {s: s for s in SOURCE_IDS}
    survey = pd.read_csv(SAMPLE / "survey.csv", dtype=str, keep_default_na=False)
    audit = pd.read_csv(SAMPLE / "audit.csv", dtype=str, keep_default_na=False)
    survey = survey[survey["community_id"].isin(ids) & (survey["wave"] == "1")].copy()
    audit = audit[audit["community_id"].isin(ids) & (audit["wave"] == "1")].copy()
    survey["community_id"] = survey["community_id"].map(ids)
    audit["community_id"] = audit["community_id"].map(ids)
    for cid, name in (names or {}).items():
        audit.loc[audit["community_id"] == cid, "name"] = name
    if survey_edit is not None:
        survey = survey_edit(survey)
    if audit_edit is not None:
        audit = audit_edit(audit)
    folder.mkdir(parents=True, exist_ok=True)
    paths = folder / "survey.csv", folder / "audit.csv"
    survey.to_csv(paths[0], index=False)
    audit.to_csv(paths[1], index=False)
    return paths


def cli(*args: str):
    """Run ``cfeval ARGS`` in this process; the click Result (exit_code, output, exception)."""
    from cfeval.cli.app import app

    return CliRunner().invoke(app, [str(a) for a in args])


def every_command(
    folder: Path, data: list[str], framework: str = FRAMEWORK, report: bool = True
) -> dict[str, object]:
    """Run check, score -o csv/xlsx/json/parquet and (optionally) report --all on ``data``.

    ``data`` are the data options (``["--survey", path, ...]``). Returns the click results
    by command name; none of them may end in a traceback (asserted here).
    """
    runs = {"check": cli("check", framework, *data)}
    for fmt in ("csv", "xlsx", "json", "parquet"):
        runs[fmt] = cli("score", framework, *data, "-o", folder / f"scores.{fmt}")
    if report:
        runs["report"] = cli(
            "report", framework, *data, "--all", "--workers", "1", "--lang", "en",
            "-o", folder / "reports",
        )  # fmt: skip
    for name, run in runs.items():
        exc = run.exception
        assert exc is None or isinstance(exc, SystemExit), (name, run.output, exc)
        assert "Traceback" not in run.output, (name, run.output)
    return runs


@contextmanager
def bounded(seconds: int = 20, megabytes: int = 200) -> Iterator[dict[str, float]]:
    """Guard a block: wall-clock alarm (a hang fails the test) and Python peak memory.

    The peak of Python allocations (tracemalloc) is checked against ``megabytes`` at the
    end and left in the yielded dict as ``peak_mb``; the alarm is only a guard.
    """
    stats: dict[str, float] = {}

    def timeout(*_):
        raise TimeoutError(f"still running after {seconds} s")

    old = signal.signal(signal.SIGALRM, timeout)
    signal.alarm(seconds)
    tracemalloc.start()
    try:
        yield stats
    finally:
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)
        stats["peak_mb"] = peak / 1e6
        stats["maxrss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e3
    assert stats["peak_mb"] < megabytes, stats
