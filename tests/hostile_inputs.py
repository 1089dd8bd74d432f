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


# --------------------------------------------------------------------------- bombs


def yaml_bombs() -> dict[str, str]:
    """YAML texts that expand, nest or count beyond any sane file; each a few kilobytes."""
    laughs = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for i in range(1, 12):
        refs = ", ".join([f"*a{i - 1}"] * 9)
        laughs.append(f"a{i}: &a{i} [{refs}]")
    return {
        "alias": "id: bomb\n" + "\n".join(laughs) + "\n",
        "deep-flow": "id: deep\nx: " + "[" * 50_000 + "]" * 50_000 + "\n",
        "deep-block": "id: deep\nx:\n" + "".join("  " * i + f"k{i}:\n" for i in range(1, 2000)),
        "huge-int": "id: big\nversion: " + "9" * 100_000 + "\n",
        "huge-file": "id: large\nnote: |\n" + "  " + "x" * 100 + "\n" * 1 + ("  y\n" * 1_300_000),
    }


def _xlsx_with(path: Path, sheet_xml, shared=None) -> Path:
    """A workbook from openpyxl whose first sheet (and shared strings) are replaced.

    ``sheet_xml`` is an iterable of byte chunks, streamed into the zip so that a bomb of
    any size is generated in a few megabytes.
    """
    import io
    import zipfile

    from openpyxl import Workbook

    wb = Workbook()
    wb.active.append(["community_id"])
    buf = io.BytesIO()
    wb.save(buf)
    src = zipfile.ZipFile(buf)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            if info.filename == "xl/worksheets/sheet1.xml":
                with dst.open(info.filename, "w", force_zip64=True) as fh:
                    for chunk in sheet_xml:
                        fh.write(chunk)
            else:
                dst.writestr(info.filename, src.read(info.filename))
        if shared is not None:
            with dst.open("xl/sharedStrings.xml", "w", force_zip64=True) as fh:
                for chunk in shared:
                    fh.write(chunk)
    return path


_HEAD = (
    b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    b'<dimension ref="A1:XFD1048576"/><sheetData>'
)
_TAIL = b"</sheetData></worksheet>"


def _rows(n: int, start: int = 1):
    yield _HEAD
    for first in range(start, start + n, 10_000):
        yield b"".join(
            b'<row r="%d"><c r="A%d" t="inlineStr"><is><t>C%d</t></is></c></row>' % (r, r, r)
            for r in range(first, min(first + 10_000, start + n))
        )
    yield _TAIL


def xlsx_bombs(folder: Path) -> dict[str, Path]:
    """Workbooks that unpack to millions of rows, a huge cell, a far row or column."""
    folder.mkdir(parents=True, exist_ok=True)
    big_string = (b"A" * (1 << 20) for _ in range(60))
    shared_head = b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><si><t>'
    return {
        # Three million empty rows: 18 MB of XML in a 20 kB file.
        "rows-3M": _xlsx_with(
            folder / "rows.xlsx",
            [*list(_rows(1))[:-1], *(b"<row/>" * 100_000 for _ in range(30)), _TAIL],
        ),
        "rows-300k": _xlsx_with(folder / "rows300k.xlsx", _rows(300_000)),
        "far-row": _xlsx_with(folder / "far.xlsx", _rows(2, start=1_048_575)),
        "wide": _xlsx_with(
            folder / "wide.xlsx",
            [_HEAD, b'<row r="1"><c r="XFD1"><v>1</v></c></row>', _TAIL],
        ),
        "huge-cell": _xlsx_with(
            folder / "cell.xlsx",
            [_HEAD, b'<row r="1"><c r="A1" t="s"><v>0</v></c></row>', _TAIL],
            shared=[shared_head, *big_string, b"</t></si></sst>"],
        ),
    }
