"""Benchmark: cfeval score against DuckDB and a lean pandas pass, each in its own process.

A synthetic framework (60 items in 20 survey indicators, plus audit indicators) and a
synthetic survey (N responses × 60 items × C communities, ~5% blank answers, unequal
weights) are written to Parquet and CSV in a temporary folder. Every contender runs in a
fresh subprocess, so its wall time includes Python's start-up and imports (as a user's
command does) and its peak memory (``VmHWM``, read by the child as it exits) is its own:

* ``duckdb``       – DuckDB's bare aggregation from the file: Σw, Σwy, Σwy² per
  community × group × item (180 sums per cell), the least any tool must compute;
* ``pandas``       – a lean pandas pass: ``read_parquet`` + a groupby of the same sums,
  one item at a time (the file's frame plus three columns in memory);
* ``cfeval``       – the command ``cfeval score FW --survey S --audit A -o scores.parquet``
  (read, map, validate every cell, score with intervals, write);
* ``cfeval-shards`` – the same with ``--shard-rows`` (out of core: peak is one shard's);
* ``cfeval-daskN`` – the same on N local Dask worker processes (``--dask 1,2,4``);
* ``duckdb-csv`` / ``cfeval-csv`` – both again from the same rows as CSV (up to
  ``--csv-max`` rows).

Sizes default to 100 k, 1 M and 10 M responses, so that growth with size shows; ``--ooc``
writes a survey as several Parquet files and scores it in shards (out of core).

Then, at fixed rows, the engine alone (``cfeval.score`` on a Dataset already read) for
500 / 5,000 / 50,000 communities, and the XLSX export of the 5,000-community result.

Usage::

    python benchmarks/bench_score.py                           # 100 k, 1 M, 10 M
    python benchmarks/bench_score.py --sizes 100000            # CI-sized
    python benchmarks/bench_score.py --sizes 100000,1000000 --growth-rows 1000000
    python benchmarks/bench_score.py --sizes 10000000 --skip-growth --skip-xlsx --skip-csv
    python benchmarks/bench_score.py --sizes 1000000 --dask 1,2,4 --skip-growth --skip-csv
    python benchmarks/bench_score.py --sizes "" --skip-growth --ooc 20000000 --ooc-files 10

Each contender runs ``--repeat`` times (default 3; once above 2 M rows) and the median
run is shown, with every run's seconds. cfeval's modules are compiled to bytecode first
and the contenders run with bytecode caches allowed, as an installed package runs.
Prints seconds, ratios to DuckDB measured in the same run, rows/s and peak memory, and
the load average before and after (compare ratios from one quiet run).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

GROUPS = ("child", "parent", "staff")
N_IND, ITEMS_PER, N_DIMS = 20, 3, 4


def make_framework(path: Path) -> None:
    """Write the synthetic framework YAML: 4 dimensions × (5 survey + 2 audit indicators)."""
    import yaml

    lab = {"zh": "测试", "en": "test"}
    dims = []
    item = 0
    per_dim = N_IND // N_DIMS
    for d in range(N_DIMS):
        inds = []
        for i in range(per_dim):
            items = []
            for _ in range(ITEMS_PER):
                items.append(
                    {"id": f"q{item:02d}", "scale": "agree5", "text": lab, "reverse": item % 4 == 3}
                )
                item += 1
            inds.append(
                {
                    "id": f"s{d}_{i}",
                    "label": lab,
                    "points": 3,
                    "method": "survey",
                    "source": "survey",
                    "respondents": list(GROUPS[: 1 + (i % 3)]),
                    "items": items,
                    "rule": {"type": "share_favourable", "cut": 4}
                    if i == 4
                    else {"type": "scale_mean"},
                    "recommendation": lab,
                }
            )
        inds.append(
            {
                "id": f"a{d}_0",
                "label": lab,
                "points": 5,
                "method": "document_review",
                "source": "audit",
                "field": f"f{d}_yes",
                "rule": {"type": "yes_no"},
                "recommendation": lab,
            }
        )
        inds.append(
            {
                "id": f"a{d}_1",
                "label": lab,
                "points": 5,
                "method": "records",
                "source": "records",
                "field": f"f{d}_num",
                "rule": {"type": "target", "target": 10},
                "recommendation": lab,
            }
        )
        dims.append({"id": f"d{d}", "label": lab, "points": 25, "indicators": inds})
    fields = {}
    for d in range(N_DIMS):
        fields[f"f{d}_yes"] = {"type": "boolean", "label": lab}
        fields[f"f{d}_num"] = {"type": "number", "min": 0, "label": lab}
    fw = {
        "id": "bench",
        "version": "1",
        "title": lab,
        "provenance": {"note": lab},
        "scoring": {
            "method": "points",
            "total": 100,
            "grades": [{"id": "a", "min": 60, "label": lab}, {"id": "b", "min": 0, "label": lab}],
        },
        "respondents": {g: {"label": lab, "min_n": 5} for g in GROUPS},
        "scales": {"agree5": {"values": [1, 2, 3, 4, 5], "missing_codes": [9]}},
        "fields": fields,
        "dimensions": dims,
    }
    path.write_text(yaml.safe_dump(fw, allow_unicode=True, sort_keys=False), encoding="utf-8")


def make_data(
    folder: Path, rows: int, communities: int, seed: int = 7, name: str = "survey.parquet"
) -> tuple[Path, Path]:
    """Write ``name`` and audit.parquet; items are float64 codes with ~5% blanks."""
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(seed)
    ids = np.array([f"C{i:05d}" for i in range(communities)], dtype=object)
    survey = pd.DataFrame(
        {
            "community_id": ids[rng.integers(0, communities, rows)],
            "respondent": np.array(GROUPS, dtype=object)[rng.choice(3, rows, p=[0.5, 0.35, 0.15])],
            "weight": rng.uniform(0.5, 2.0, rows),
        }
    )
    latent = rng.normal(size=rows)
    for j in range(N_IND * ITEMS_PER):
        codes = np.clip(np.rint(3 + latent + rng.normal(size=rows)), 1, 5)
        codes[rng.random(rows) < 0.05] = np.nan
        survey[f"q{j:02d}"] = codes
    survey_path = folder / name
    survey.to_parquet(survey_path, index=False)
    del survey
    audit = pd.DataFrame({"community_id": ids, "name": ids})
    for d in range(N_DIMS):
        audit[f"f{d}_yes"] = rng.integers(0, 2, communities).astype(float)
        audit[f"f{d}_num"] = rng.uniform(0, 15, communities).round(1)
    audit_path = folder / "audit.parquet"
    audit.to_parquet(audit_path, index=False)
    return survey_path, audit_path


# --------------------------------------------------------------------------- contenders (subprocess)

_DUCKDB_SQL = """
SELECT community_id, respondent, {sums}
FROM (SELECT * FROM {source})
GROUP BY community_id, respondent
"""


def _items() -> list[str]:
    return [f"q{j:02d}" for j in range(N_IND * ITEMS_PER)]


def _duckdb(source: str) -> int:
    import duckdb

    sums = ", ".join(
        f"sum(CASE WHEN {q} IS NOT NULL THEN weight END) AS w_{q}, sum(weight*{q}) AS wy_{q}, "
        f"sum(weight*{q}*{q}) AS wyy_{q}"
        for q in _items()
    )
    con = duckdb.connect()
    return len(con.execute(_DUCKDB_SQL.format(sums=sums, source=source)).fetchall())


def _pandas(path: str) -> int:
    """Read the file, then the same sums one item at a time (three columns in flight)."""
    import pandas as pd

    df = pd.read_parquet(path)
    keys = pd.MultiIndex.from_arrays([df["community_id"], df["respondent"]])
    codes, cells = pd.factorize(keys, sort=False)
    w = df["weight"].to_numpy()
    out = {}
    for q in _items():
        y = df[q].to_numpy()
        wy = w * y
        part = pd.DataFrame({"w": w * ~pd.isna(y), "wy": wy, "wyy": wy * y})
        sums = part.groupby(codes, sort=False).sum()
        out.update({f"{k}_{q}": sums[k].to_numpy() for k in part.columns})
    return len(pd.DataFrame(out, index=cells[sums.index]))


def _child(kind: str, args: list[str]) -> None:
    """Run one contender in this (fresh) process; print its peak memory as it ends."""
    import atexit

    atexit.register(lambda: print(f"VMHWM {_status_mb('VmHWM')}", file=sys.stderr))
    if kind == "duckdb-parquet":
        _duckdb(f"read_parquet('{args[0]}')")
    elif kind == "duckdb-csv":
        _duckdb(f"read_csv('{args[0]}')")
    elif kind == "pandas":
        _pandas(args[0])
    elif kind == "cfeval":
        from cfeval.cli.app import leave, main

        sys.argv = ["cfeval", "score", *args]
        try:
            main()
        except SystemExit as exit_:
            if exit_.code not in (0, 1, None):  # 1: the data had problems, still scored
                raise
            leave(0)  # as the command ends (the peak is printed by the exit handler)
    elif kind == "raw":  # the survey as pandas reads it: the yardstick of peak memory
        import pandas as pd

        print(
            json.dumps({"raw_mb": pd.read_parquet(args[0]).memory_usage(deep=True).sum() / 2**20})
        )
    elif kind == "engine":
        _engine(*args)


def _engine(fw_path: str, survey: str, audit: str, xlsx: str) -> None:
    """The engine alone on a Dataset already read, and (optionally) the XLSX export."""
    import pandas as pd

    from cfeval.data.load import load_data
    from cfeval.framework.loader import load_framework
    from cfeval.scoring.engine import score

    fw = load_framework(fw_path)
    pd.DataFrame({"a": [1]})  # pandas' own start-up allocations belong to the imports
    rss0 = _status_mb("VmRSS")  # after imports: the peak is counted above it
    ds = load_data(fw, survey=survey, audit=audit)
    t0 = time.perf_counter()
    result = score(fw, ds)
    seconds = time.perf_counter() - t0
    out = {"engine_s": seconds, "rss0_mb": rss0}
    if xlsx:
        t0 = time.perf_counter()
        result.write(xlsx)
        out["xlsx_s"] = time.perf_counter() - t0
        out["xlsx_cells_s"] = _xlsx_cell_by_cell(result, xlsx + ".cells")
    print(json.dumps(out))


def _xlsx_cell_by_cell(result, path: str) -> float:
    """The baseline: the same workbook with every cell written by XlsxWriter's write()."""
    from cfeval.scoring import export

    frames = export.xlsx_frames(result)
    t0 = time.perf_counter()
    with open(path, "wb") as fh:
        export.write_frames_xlsx(frames, fh, export.headers(result), per_cell=True)
    seconds = time.perf_counter() - t0
    os.unlink(path)
    return seconds


def _status_mb(key: str) -> float | None:
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith(key + ":"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return None


#: How many times each contender runs at a size; the median run is reported (this VM's
#: memory makes single runs swing by ±20%). ``--repeat`` sets it; 10 M rows run once.
REPEAT = {"n": 3, "max_rows": 2_000_000}


def _child_env() -> dict:
    """The contenders' environment: bytecode caches allowed, as on a user's machine (an
    inherited PYTHONDONTWRITEBYTECODE would make cfeval compile its modules every run)."""
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def warm_bytecode() -> None:
    """Compile cfeval's modules once, as the first run of an installed package does."""
    import compileall

    import cfeval

    compileall.compile_dir(Path(cfeval.__file__).parent, quiet=1)


def run(kind: str, *args: str, rows: int = 0) -> dict:
    """Run a contender in subprocesses: wall seconds (start-up included), peak MB, stdout.

    Up to ``REPEAT["n"]`` runs (for ``rows`` up to ``REPEAT["max_rows"]``); the run with
    the median time is returned, with every run's seconds under ``"runs"``.
    """
    times = REPEAT["n"] if rows <= REPEAT["max_rows"] else 1
    runs = [_run_once(kind, args) for _ in range(max(times, 1))]
    runs.sort(key=lambda r: r["s"])
    middle = dict(runs[len(runs) // 2])
    middle["runs"] = [r["s"] for r in runs]
    return middle


def _run_once(kind: str, args) -> dict:
    cmd = [sys.executable, __file__, "--_child", kind, *args]
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False, env=_child_env())
    seconds = time.perf_counter() - t0
    if proc.returncode != 0:
        print(proc.stderr[-3000:], file=sys.stderr)
        raise SystemExit(f"{kind} failed")
    peak = [line for line in proc.stderr.splitlines() if line.startswith("VMHWM ")]
    return {"s": seconds, "peak_mb": float(peak[-1].split()[1]), "stdout": proc.stdout}


# --------------------------------------------------------------------------- the tables


def _sizes_table(folder: Path, sizes: list[int], communities: int, args) -> None:
    fw_path = folder / "bench.yaml"
    shards = args.shard_rows
    dask = [int(n) for n in args.dask.split(",") if n]
    for rows in sizes:
        csv = not args.skip_csv and rows <= args.csv_max
        sub = folder / f"r{rows}"
        sub.mkdir()
        survey, audit = make_data(sub, rows, communities)
        out = str(sub / "scores.parquet")
        cli = [str(fw_path), "--survey", str(survey), "--audit", str(audit), "-o", out]
        res = {
            "duckdb": run("duckdb-parquet", str(survey), rows=rows),
            "pandas": run("pandas", str(survey), rows=rows),
            "cfeval": run("cfeval", *cli, rows=rows),
        }
        if shards:
            res["cfeval-shards"] = run("cfeval", *cli, "--shard-rows", str(shards), rows=rows)
        for n in dask:  # Dask worker processes on this machine, shards as their tasks
            res[f"cfeval-dask{n}"] = run(
                "cfeval", *cli, "--shard-rows", str(shards or 250_000), "--scheduler", f"local:{n}"
            )
        if csv:
            csv_path = sub / "survey.csv"
            import pandas as pd

            pd.read_parquet(survey).to_csv(csv_path, index=False)
            res["duckdb-csv"] = run("duckdb-csv", str(csv_path), rows=rows)
            res["cfeval-csv"] = run(
                "cfeval", *[str(csv_path) if a == str(survey) else a for a in cli], rows=rows
            )
        print(
            f"\n{rows:,} responses × 60 items × {communities:,} communities (Parquet; CSV rows marked)"
        )
        print(
            f"{'contender':14s} {'seconds':>8s} {'× duckdb':>9s} {'rows/s':>12s} {'peak MB':>8s}"
            "  runs (s)"
        )
        for name, r in res.items():
            base = res["duckdb-csv" if name.endswith("csv") else "duckdb"]["s"]
            runs = " ".join(f"{s:.2f}" for s in r["runs"])
            print(
                f"{name:14s} {r['s']:8.2f} {r['s'] / base:9.2f} {rows / r['s']:12,.0f} "
                f"{r['peak_mb']:8.0f}  {runs}"
            )
        shutil.rmtree(sub)


def _growth_table(folder: Path, rows: int, communities: list[int], xlsx_at: int | None):
    """At fixed rows: the engine alone (on a Dataset already read) and the whole command's
    peak, for each number of communities; raw = the survey as pandas reads it (measured
    in a process of its own, so that reading it raises no other peak)."""
    fw_path = folder / "bench.yaml"
    print(f"\nengine alone at {rows:,} responses (cfeval.score on a Dataset already read)")
    print(
        f"{'communities':>11s} {'engine s':>9s} {'× first':>8s} {'raw MB':>7s} "
        f"{'(peak-imports)/raw':>19s} {'command peak/raw':>17s}"
    )
    first = None
    xlsx_s = cells_s = None
    for c in communities:
        sub = folder / f"g{c}"
        sub.mkdir()
        survey, audit = make_data(sub, rows, c)
        xlsx = str(sub / "scores.xlsx") if c == xlsx_at else ""
        raw_mb = json.loads(_run_once("raw", [str(survey)])["stdout"])["raw_mb"]
        r = run("engine", str(fw_path), str(survey), str(audit), xlsx, rows=rows)
        cli = [str(fw_path), "--survey", str(survey), "--audit", str(audit)]
        command = _run_once("cfeval", [*cli, "-o", str(sub / "scores.parquet")])
        info = json.loads(r["stdout"].strip().splitlines()[-1])
        first = first or info["engine_s"]
        print(
            f"{c:11,d} {info['engine_s']:9.2f} {info['engine_s'] / first:8.2f} {raw_mb:7.0f} "
            f"{(r['peak_mb'] - info['rss0_mb']) / raw_mb:19.2f} "
            f"{command['peak_mb'] / raw_mb:17.2f}"
        )
        xlsx_s = info.get("xlsx_s", xlsx_s)
        cells_s = info.get("xlsx_cells_s", cells_s)
        shutil.rmtree(sub)
    if xlsx_s is not None:
        print(
            f"\n-o scores.xlsx for {xlsx_at:,} communities: {xlsx_s:.1f} s "
            f"(XlsxWriter cell by cell, same process: {cells_s:.1f} s, "
            f"{cells_s / xlsx_s:.1f}x)"
        )


def _out_of_core(folder: Path, rows: int, files: int, communities: int, shard_rows: int):
    """A survey written as ``files`` Parquet files, scored in shards: time and peak memory."""
    fw_path = folder / "bench.yaml"
    sub = folder / "ooc"
    sub.mkdir()
    paths = []
    for i in range(files):  # one file at a time: the generator holds one file's rows
        survey, audit = make_data(
            sub, rows // files, communities, seed=100 + i, name=f"part-{i:02d}.parquet"
        )
        paths.append(str(survey))
    size_mb = sum(Path(p).stat().st_size for p in paths) / 2**20
    cli = [str(fw_path), *[a for p in paths for a in ("--survey", p)], "--audit", str(audit)]
    r = run(
        "cfeval",
        *cli,
        "-o",
        str(sub / "scores.parquet"),
        "--shard-rows",
        str(shard_rows),
        rows=rows,
    )
    print(
        f"\nout of core: {rows:,} responses × 60 items × {communities:,} communities in {files} "
        f"Parquet files ({size_mb:,.0f} MB on disk, {rows * 60 * 8 / 2**30:.1f} GiB as float64), "
        f"--shard-rows {shard_rows:,}"
    )
    print(
        f"{'cfeval-shards':14s} {r['s']:8.1f} s {rows / r['s']:12,.0f} rows/s {r['peak_mb']:8.0f} MB peak"
    )
    shutil.rmtree(sub)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--sizes", default="100000,1000000,10000000", help="responses, comma-separated"
    )
    parser.add_argument("--communities", type=int, default=5_000)
    parser.add_argument("--shard-rows", type=int, default=250_000, help="0: no shards run")
    parser.add_argument("--growth-rows", type=int, default=1_000_000)
    parser.add_argument("--growth", default="500,5000,50000", help="communities")
    parser.add_argument("--skip-growth", action="store_true")
    parser.add_argument("--ooc", type=int, default=0, help="out-of-core run: responses (0: none)")
    parser.add_argument("--ooc-files", type=int, default=10, help="Parquet files of --ooc")
    parser.add_argument("--ooc-shard-rows", type=int, default=1_000_000)
    parser.add_argument("--skip-xlsx", action="store_true")
    parser.add_argument("--skip-csv", action="store_true")
    parser.add_argument(
        "--csv-max", type=int, default=1_000_000, help="CSV contenders only up to this size"
    )
    parser.add_argument(
        "--repeat", type=int, default=3, help="runs per contender up to 2 M rows (median shown)"
    )
    parser.add_argument(
        "--dask",
        default="",
        help="also cfeval on N local Dask workers (--scheduler local:N), e.g. 1,2,4",
    )
    if sys.argv[1:2] == ["--_child"]:  # a contender's own process (see run)
        _child(sys.argv[2], sys.argv[3:])
        return
    args = parser.parse_args()
    REPEAT["n"] = args.repeat
    warm_bytecode()
    print(f"load average before: {os.getloadavg()[0]:.1f} ({os.cpu_count()} cores)")
    with tempfile.TemporaryDirectory(prefix="cfeval-bench-") as tmp:
        folder = Path(tmp)
        make_framework(folder / "bench.yaml")
        sizes = [int(s) for s in args.sizes.split(",") if s]
        _sizes_table(folder, sizes, args.communities, args)
        if args.ooc:
            _out_of_core(folder, args.ooc, args.ooc_files, args.communities, args.ooc_shard_rows)
        if not args.skip_growth:
            counts = [int(c) for c in args.growth.split(",")]
            xlsx_at = None if args.skip_xlsx else args.communities
            _growth_table(folder, args.growth_rows, counts, xlsx_at)
    print(f"\nload average after: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
