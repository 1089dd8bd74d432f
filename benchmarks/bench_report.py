"""How fast are PDF reports: per report against bare WeasyPrint, and batches per minute.

For a synthetic district of ``--n`` communities (copies of the sample generator's 24
communities, each copy drawn with its own seed and given its own ids and names), in each
language asked for:

1. seconds per report through :func:`cfeval.report.render_report` (context, charts,
   template, glyph check, restrictive fetcher, atomic write), after one warm-up report,
   against bare WeasyPrint rendering the very same final HTML (default fetcher, no
   checks); the ratio's goal is at most 1.3;
2. reports per minute for the whole district through :func:`cfeval.render_batch` with 1
   and 2 worker processes and on a Dask ``LocalCluster`` of 2 workers (``cluster``; any
   of 1, 2 or 4 with ``cluster:N``). Each batch runs in a
   fresh Python process that has scored the data but not yet imported WeasyPrint,
   matplotlib or Jinja2, as ``cfeval report --all`` does; the cluster's start-up is
   printed apart and not counted. The goal for 2 workers is at least 0.9 × 2 × the
   single-report rate of step 1.

Run: ``python benchmarks/bench_report.py [--n 24] [--lang zh en] [--ways 1 2 cluster]``;
issue 17's district: ``--n 200``. Every number depends on the machine and its load (the
load average is printed before and after): compare the ratios measured in one run.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

FRAMEWORK = "chengdu-community"
DATE = "2024-06-01"


def write_district(n: int, folder: Path) -> tuple[Path, Path]:
    """Survey and audit CSVs of ``n`` communities: sample copies, one seed per copy."""
    import pandas as pd

    from cfeval.framework.loader import load_framework
    from cfeval.sample.generate import generate

    fw = load_framework(FRAMEWORK)
    surveys, audits, have = [], [], 0
    copy = 0
    while have < n:
        survey, audit = generate(fw, seed=2024 + copy, broken=False)
        ids = sorted(audit["community_id"].unique())[: n - have]
        new = {cid: f"D{copy + 1:02d}-{cid}" for cid in ids}
        survey = survey[survey["community_id"].isin(new)].copy()
        audit = audit[audit["community_id"].isin(new)].copy()
        survey["community_id"] = survey["community_id"].map(new)
        survey["respondent_id"] = survey["respondent_id"].astype(str) + f"-{copy + 1}"
        audit["community_id"] = audit["community_id"].map(new)
        audit["name"] = audit["name"].astype(str) + f"{copy + 1}号"
        surveys.append(survey)
        audits.append(audit)
        have += len(ids)
        copy += 1
    folder.mkdir(parents=True, exist_ok=True)
    paths = folder / "survey.csv", folder / "audit.csv"
    pd.concat(surveys).to_csv(paths[0], index=False)
    pd.concat(audits).to_csv(paths[1], index=False)
    return paths


def _scored(folder: Path):
    from cfeval.data.load import load_data
    from cfeval.framework.loader import load_framework
    from cfeval.scoring.engine import score

    fw = load_framework(FRAMEWORK)
    data = load_data(fw, survey=folder / "survey.csv", audit=folder / "audit.csv", lang="en")
    return score(fw, data)


def per_report(folder: Path, lang: str, timed: int) -> tuple[float, float, float]:
    """Median seconds per report: cfeval's whole path and bare WeasyPrint on the same HTML,
    and cfeval's CPU seconds per report."""
    import weasyprint

    from cfeval._paths import asset_dir
    from cfeval.report import context as report_context
    from cfeval.report import entry, render

    result = _scored(folder)
    ids = sorted(result.communities["community_id"].unique())[: timed + 1]
    full, bare, cpu = [], [], []
    with tempfile.TemporaryDirectory() as tmp:
        entry.render_report(result, ids[0], Path(tmp) / "warm.pdf", lang=lang, date=DATE)
        weasyprint.HTML(string="<p>warm</p>").write_pdf()
        for cid in ids[1:]:
            t0, c0 = time.perf_counter(), time.process_time()
            entry.render_report(result, cid, Path(tmp) / f"{cid}.pdf", lang=lang, date=DATE)
            full.append(time.perf_counter() - t0)
            cpu.append(time.process_time() - c0)
            ctx = report_context.build_context(result, cid, lang=lang, date=entry._parse_date(DATE))
            html = render.render_html("report.html.j2", ctx)
            t0 = time.perf_counter()
            weasyprint.HTML(string=html, base_url=str(asset_dir()) + os.sep).write_pdf()
            bare.append(time.perf_counter() - t0)
    return statistics.median(full), statistics.median(bare), statistics.median(cpu)


def _cpu() -> float:
    """CPU seconds of this process and of its finished child processes (the workers)."""
    import resource

    me, kids = (resource.getrusage(w) for w in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN))
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def batch_run(folder: Path, lang: str, how: str) -> dict:
    """In a fresh process: score (not timed), then time one batch of every community.

    CPU seconds are counted from the end of scoring to the end of the batch, workers
    included (a LocalCluster's worker processes are children of this one; its scheduler
    and nannies run in this process, so their share is counted too).
    """
    from cfeval.report.entry import render_batch

    result = _scored(folder)
    assert "weasyprint" not in sys.modules  # the batch pays for its imports, as the CLI does
    n = result.communities["community_id"].nunique()
    c0 = _cpu()
    with tempfile.TemporaryDirectory() as tmp:
        if how.startswith("cluster"):
            from distributed import Client, LocalCluster

            workers = int(how.partition(":")[2] or 2)
            t0 = time.perf_counter()
            with (
                LocalCluster(
                    n_workers=workers,
                    threads_per_worker=1,
                    dashboard_address=None,
                    silence_logs=40,
                ) as cluster,
                Client(cluster) as client,
            ):
                start = time.perf_counter() - t0
                t0 = time.perf_counter()
                out = render_batch(result, tmp, lang=lang, date=DATE, scheduler=client)
                seconds = time.perf_counter() - t0
        else:
            start, t0 = 0.0, time.perf_counter()
            out = render_batch(result, tmp, lang=lang, date=DATE, workers=int(how))
            seconds = time.perf_counter() - t0
    assert not out.failed, out.failed
    return {"n": n, "seconds": seconds, "start": start, "cpu": _cpu() - c0}


def _batch(folder: Path, lang: str, how: str) -> dict:
    cmd = [sys.executable, __file__, "--batch-run", str(folder), lang, how]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=3600)
    if done.returncode != 0:
        raise SystemExit(done.stderr)
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=24, help="communities (default 24)")
    parser.add_argument("--lang", nargs="+", default=["zh", "en"], choices=["zh", "en"])
    parser.add_argument("--timed", type=int, default=4, help="reports timed one by one")
    parser.add_argument(
        "--ways",
        nargs="+",
        default=["1", "2", "cluster"],
        choices=["1", "2", "cluster", "cluster:1", "cluster:2", "cluster:4"],
        help="batches to run: 1 and 2 worker processes, a LocalCluster of N workers "
        "(cluster:N; cluster is cluster:2) (default: 1 2 cluster)",
    )
    parser.add_argument("--no-cluster", action="store_true", help="the same as --ways 1 2")
    parser.add_argument("--batch-run", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.batch_run:
        folder, lang, how = args.batch_run
        print(json.dumps(batch_run(Path(folder), lang, how)))
        return

    print(f"load average before: {os.getloadavg()[0]:.1f} ({os.cpu_count()} cores)")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        write_district(args.n, folder)
        for lang in args.lang:
            full, bare, cpu = per_report(folder, lang, args.timed)
            single = 60 / full
            print(f"\n[{lang}] {args.n} communities")
            print(f"  cfeval render_report, median of {args.timed}: {full:.2f} s per report")
            print(f"  bare WeasyPrint, same HTML:         {bare:.2f} s per report")
            print(f"  ratio (goal <= 1.3):                {full / bare:.2f}")
            print(f"  CPU per report (render_report):     {cpu:.2f} s")
            ways = [w for w in args.ways if not (args.no_cluster and w.startswith("cluster"))]
            rates = {}
            for how in ways:
                run = _batch(folder, lang, how)
                rates[how] = run["n"] / run["seconds"] * 60
                name = (
                    f"LocalCluster, {how.partition(':')[2] or 2} workers"
                    if how.startswith("cluster")
                    else f"{how} worker(s)"
                )
                extra = f"; cluster start {run['start']:.1f} s not counted" if run["start"] else ""
                print(
                    f"  batch, {name:24s} {rates[how]:6.1f} reports/min "
                    f"({run['seconds']:.1f} s{extra}); "
                    f"{rates[how] / single:.2f} x single-report rate; "
                    f"CPU {run['cpu'] / run['n']:.2f} s per report"
                )
            if "1" in rates and "2" in rates:
                print(f"  2 workers / 1 worker:               {rates['2'] / rates['1']:.2f}")
            if "2" in rates:
                print(
                    f"  2 workers / (2 x single report):    {rates['2'] / (2 * single):.2f}"
                    " (goal >= 0.9)"
                )
    print(f"\nload average after: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
