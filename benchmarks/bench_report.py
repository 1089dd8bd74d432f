"""How fast are PDF reports, and what do cfeval's own steps cost on top of WeasyPrint?

Scores the shipped Chengdu sample data, then measures:

1. seconds per community report through :func:`cfeval.report.render_report` (context,
   charts, template, glyph check, restrictive fetcher, atomic write);
2. bare WeasyPrint rendering of the very same final HTML (default fetcher, no checks),
   and the ratio of the two (goal: at most 1.3);
3. batch throughput (reports per minute) with 1 and 2 worker processes.

Run: ``python benchmarks/bench_report.py [--reports 6] [--lang zh]``. Numbers depend on
the machine and its load; the first report of a process also pays for imports and font
loading, so one warm-up report is rendered and not counted.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from cfeval._paths import asset_dir, shipped_dir
from cfeval.data.load import load_data
from cfeval.framework.loader import load_framework
from cfeval.report import context as report_context
from cfeval.report import entry as report
from cfeval.report import render
from cfeval.scoring.engine import score


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reports", type=int, default=6, help="communities to time (default 6)")
    parser.add_argument("--lang", default="zh")
    args = parser.parse_args()

    import weasyprint

    fw = load_framework("chengdu-community")
    folder = shipped_dir("sample_data") / "chengdu"
    result = score(fw, load_data(fw, survey=folder / "survey.csv", audit=folder / "audit.csv"))
    ids = sorted(result.communities["community_id"].unique())[: args.reports]
    date = report.DEMO_DATE

    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        report.render_report(result, ids[0], out / "warmup.pdf", lang=args.lang, date=date)
        full, bare = [], []
        for cid in ids:
            t0 = time.perf_counter()
            report.render_report(result, cid, out / f"{cid}.pdf", lang=args.lang, date=date)
            full.append(time.perf_counter() - t0)
            # the same final HTML, rendered by WeasyPrint alone
            html = render.render_html(
                "report.html.j2",
                report_context.build_context(result, cid, lang=args.lang, date=date),
            )
            t0 = time.perf_counter()
            weasyprint.HTML(string=html, base_url=str(asset_dir())).write_pdf()
            bare.append(time.perf_counter() - t0)

        throughput = {}
        for workers in (1, 2):
            t0 = time.perf_counter()
            outcome = report.render_batch(
                result, out / f"batch{workers}", ids, lang=args.lang, date=date, workers=workers
            )
            elapsed = time.perf_counter() - t0
            assert not outcome.failed, outcome.failed
            throughput[workers] = (len(ids) / elapsed * 60, elapsed)

    per, base = statistics.median(full), statistics.median(bare)
    print(f"communities timed:              {len(ids)} ({args.lang})")
    print(f"cfeval render_report, median:   {per:.2f} s per report")
    print(f"bare WeasyPrint, same HTML:     {base:.2f} s per report")
    print(f"ratio (goal <= 1.3):            {per / base:.2f}")
    for workers, (rate, elapsed) in throughput.items():
        print(
            f"batch, {workers} worker(s):             {rate:.1f} reports/min ({elapsed:.1f} s for {len(ids)})"
        )


if __name__ == "__main__":
    main()
