"""Benchmark: read + validate a survey of 1,000,000 rows × 60 items from CSV and Parquet.

A synthetic framework (60 agree5 items) and survey (1,000 communities, two groups, 2%
blank answers, 0.01% out-of-range answers, a unique respondent id per row) are written to
a temporary folder; each format is then read by ``cfeval.data.read_survey`` in its own
subprocess, which reports wall time, CPU time (all threads) and peak memory.

Usage::

    python benchmarks/bench_data.py                  # 1,000,000 rows
    python benchmarks/bench_data.py --rows 100000    # a quick run
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

N_ITEMS = 60


def make_inputs(folder: Path, rows: int) -> None:
    import numpy as np
    import pandas as pd
    import yaml

    lab = {"en": "x"}
    items = [f"q{i:02d}" for i in range(N_ITEMS)]
    indicators = [
        {"id": f"i{j}", "label": lab, "method": "survey", "source": "survey",
         "respondents": ["child", "parent"], "rule": {"type": "scale_mean"},
         "recommendation": lab,
         "items": [{"id": it, "text": {"en": f"text {it}"}, "scale": "agree5"}
                   for it in items[j * 6 : (j + 1) * 6]]}
        for j in range(N_ITEMS // 6)
    ]  # fmt: skip
    framework = {
        "id": "bench", "version": "1", "title": lab, "languages": ["en"],
        "provenance": {"note": lab},
        "scoring": {"method": "index", "grades": [{"id": "a", "min": 0, "label": lab}]},
        "respondents": {"child": {"label": {"en": "Children"}}, "parent": {"label": {"en": "Parents"}}},
        "scales": {"agree5": {"values": [1, 2, 3, 4, 5], "missing_codes": [9]}},
        "dimensions": [{"id": "d", "label": lab, "indicators": indicators}],
    }  # fmt: skip
    (folder / "bench.yaml").write_text(yaml.safe_dump(framework), encoding="utf-8")
    rng = np.random.default_rng(1)
    frame = pd.DataFrame(
        {
            "community_id": np.array([f"C{i:04d}" for i in range(1000)])[
                rng.integers(0, 1000, rows)
            ],
            "respondent": np.where(rng.random(rows) < 0.5, "child", "parent"),
            "respondent_id": np.arange(rows).astype(str),
        }
    )
    values = rng.integers(1, 6, size=(rows, N_ITEMS)).astype(float)
    values[rng.random((rows, N_ITEMS)) < 0.02] = np.nan
    values[rng.random((rows, N_ITEMS)) < 0.0001] = 7
    frame = pd.concat([frame, pd.DataFrame(values, columns=items)], axis=1)
    frame.to_csv(folder / "bench.csv", index=False, float_format="%.0f")
    frame.to_parquet(folder / "bench.parquet")


def _peak_mb() -> int:
    """Peak RSS of this process: ``VmHWM``, because on Linux ``ru_maxrss`` survives ``exec``
    and would report the parent's peak (it built the data) when that was higher."""
    import resource

    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) // 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024


def run_one(folder: Path, name: str) -> dict:
    import time

    from cfeval.data.load import read_survey
    from cfeval.framework.loader import load_framework

    fw = load_framework(folder / "bench.yaml")
    wall, cpu = time.perf_counter(), time.process_time()
    survey, report = read_survey(fw, folder / name)
    return {
        "file": name,
        "rows": len(survey),
        "wall_s": round(time.perf_counter() - wall, 2),
        "cpu_s": round(time.process_time() - cpu, 2),
        "peak_rss_mb": _peak_mb(),
        "issues": report.summary(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--one", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(run_one(Path(args.one[0]), args.one[1])))
        return
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        make_inputs(folder, args.rows)
        for name in ("bench.parquet", "bench.csv"):
            size = (folder / name).stat().st_size / 1e6
            out = subprocess.run(
                [sys.executable, __file__, "--one", str(folder), name],
                check=True, capture_output=True, text=True,
            )  # fmt: skip
            print(f"{size:8.1f} MB  {out.stdout.strip()}")


if __name__ == "__main__":
    main()
