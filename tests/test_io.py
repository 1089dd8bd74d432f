"""atomic_write: all of a file or none of it."""

from __future__ import annotations

import os

import pytest

from cfeval._io import atomic_write


def test_writes_bytes_text_and_writer_functions(tmp_path):
    assert atomic_write(tmp_path / "a.bin", b"\x00\x01").read_bytes() == b"\x00\x01"
    assert atomic_write(tmp_path / "b.csv", "社区,1\n", encoding="utf-8-sig").read_bytes() == (
        b"\xef\xbb\xbf" + "社区,1\n".encode()
    )
    assert atomic_write(tmp_path / "new" / "c.txt", lambda fh: fh.write(b"x")).read_text() == "x"


def test_a_failed_write_leaves_the_old_file_and_no_temporary(tmp_path):
    target = tmp_path / "report.pdf"
    target.write_bytes(b"old")

    def half_then_fail(fh):
        fh.write(b"half")
        raise RuntimeError("renderer crashed")

    with pytest.raises(RuntimeError):
        atomic_write(target, half_then_fail)
    assert target.read_bytes() == b"old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.pdf"]


def test_mode_is_an_ordinary_files_not_mkstemps_private_one(tmp_path):
    old = os.umask(0o022)
    try:
        path = atomic_write(tmp_path / "scores.csv", "a\n")
    finally:
        os.umask(old)
    assert path.stat().st_mode & 0o777 == 0o644


def test_a_stopping_worker_removes_the_file_it_is_writing(tmp_path):
    """What a batch worker's SIGTERM handler calls before it leaves: no half-written file stays."""
    from cfeval import _io

    seen = []

    def write(fh):
        fh.write(b"half a PDF")
        seen.extend(_io._IN_PROGRESS)
        _io.remove_in_progress()

    from cfeval.errors import UsageError

    with pytest.raises(UsageError):  # the rename finds its file gone
        _io.atomic_write(tmp_path / "r.pdf", write)
    assert len(seen) == 1 and ".r.pdf.cfeval-" in seen[0]
    assert list(tmp_path.iterdir()) == [] and not _io._IN_PROGRESS
