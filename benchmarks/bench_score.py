"""Benchmark: cfeval's read + validate + score against a bare grouped pass over the same file.

A synthetic framework (60 items in 20 survey indicators, plus audit indicators) and a
synthetic survey (default 1,000,000 responses × 60 items × 5,000 communities) are written
to Parquet in a temporary folder. Each variant then runs in its own subprocess, so its
peak memory (``ru_maxrss``) is its own:

* ``baseline``  – ``pd.read_parquet`` + one groupby(community × group) pass of Σw, Σwy, Σwy²
  for every item: the least any weighted-mean-with-variance tool must do;
* ``cfeval``    – ``cfeval.data.load_data`` (read, map, validate, report) + ``cfeval.score``;
* ``engine``    – ``cfeval.score`` on a Dataset already read (the engine alone; its peak
  memory includes the data stage that made the Dataset).

Usage::

    python benchmarks/bench_score.py                       # the full size
    python benchmarks/bench_score.py --rows 100000 --communities 500   # a quick run

Prints seconds, peak RSS (``VmHWM``) above the RSS after imports, and the raw frame's memory.
"""

from __future__ import annotations

import argparse
import json
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


def make_data(folder: Path, rows: int, communities: int, seed: int = 7) -> tuple[Path, Path]:
    """Write survey.parquet and audit.parquet; items are float64 codes with ~5% blanks."""
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
    survey_path = folder / "survey.parquet"
    survey.to_parquet(survey_path, index=False)
    audit = pd.DataFrame({"community_id": ids, "name": ids})
    for d in range(N_DIMS):
        audit[f"f{d}_yes"] = rng.integers(0, 2, communities).astype(float)
        audit[f"f{d}_num"] = rng.uniform(0, 15, communities).round(1)
    audit_path = folder / "audit.parquet"
    audit.to_parquet(audit_path, index=False)
    return survey_path, audit_path


# --------------------------------------------------------------------------- variants (subprocess)


def _status_mb(key: str) -> float | None:
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith(key + ":"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return None


def _rss_mb() -> float:
    """Current RSS (MB); Linux only, else the peak so far."""
    now = _status_mb("VmRSS")
    return _peak_mb() if now is None else now


def _peak_mb() -> float:
    """This process's peak RSS (MB).

    ``VmHWM`` rather than ``ru_maxrss``: on Linux ``ru_maxrss`` survives ``exec``, so a child
    started by this (large) parent would report the parent's peak as its own and every
    figure measured against it would come out too small.
    """
    import resource

    hwm = _status_mb("VmHWM")
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 if hwm is None else hwm


def run_variant(name: str, fw_path: str, survey_path: str, audit_path: str) -> dict:
    import numpy as np
    import pandas as pd

    import cfeval.data.load
    import cfeval.scoring.engine
    import cfeval.scoring.result
    import cfeval.scoring.rules  # noqa: F401  (imports are not part of the timing)
    from cfeval.framework.loader import load_framework

    fw = load_framework(fw_path)
    items = [it.id for it in fw.items()]
    np.zeros(1)
    rss0 = _rss_mb()
    t0 = time.perf_counter()
    raw_mb = None
    if name == "baseline":
        df = pd.read_parquet(survey_path)
        raw_mb = df.memory_usage(deep=True).sum() / 2**20
        w = df["weight"].to_numpy()
        x = df[items]
        wy = x.mul(w, axis=0)
        parts = [
            x.notna().mul(w, axis=0).add_suffix("_w"),
            wy.add_suffix("_wy"),
            wy.mul(x).add_suffix("_wy2"),
        ]
        sums = (
            pd.concat(parts, axis=1)
            .groupby([df["community_id"], df["respondent"]], sort=False)
            .sum()
        )
        out_rows = len(sums)
    elif name == "cfeval":
        ds = cfeval.data.load.load_data(fw, survey=survey_path, audit=audit_path)
        result = cfeval.scoring.engine.score(fw, ds)
        out_rows = len(result.scores)
    elif name == "engine":
        # score() validates frames through the data stage like files; the engine alone is
        # timed on the Dataset that stage made (its time is the "cfeval" variant's business).
        ds = cfeval.data.load.load_data(
            fw, survey=pd.read_parquet(survey_path), audit=pd.read_parquet(audit_path)
        )
        t0 = time.perf_counter()
        result = cfeval.scoring.engine.score(fw, ds)
        out_rows = len(result.scores)
    else:
        raise SystemExit(f"unknown variant {name}")
    seconds = time.perf_counter() - t0
    return {
        "variant": name,
        "seconds": seconds,
        "peak_mb": _peak_mb() - rss0,
        "rss0_mb": rss0,
        "raw_mb": raw_mb,
        "rows_out": out_rows,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--communities", type=int, default=5_000)
    parser.add_argument("--variants", default="baseline,cfeval,engine")
    parser.add_argument("--_run", nargs=4, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args._run:
        print(json.dumps(run_variant(*args._run)))
        return

    with tempfile.TemporaryDirectory(prefix="cfeval-bench-") as tmp:
        folder = Path(tmp)
        fw_path = folder / "bench.yaml"
        make_framework(fw_path)
        t0 = time.perf_counter()
        survey_path, audit_path = make_data(folder, args.rows, args.communities)
        size_mb = survey_path.stat().st_size / 2**20
        print(
            f"data: {args.rows:,} responses × {N_IND * ITEMS_PER} items × {args.communities:,} communities "
            f"({size_mb:.0f} MB parquet, generated in {time.perf_counter() - t0:.1f} s)"
        )
        results = {}
        for name in args.variants.split(","):
            cmd = [
                sys.executable,
                __file__,
                "--_run",
                name,
                str(fw_path),
                str(survey_path),
                str(audit_path),
            ]
            proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
            if proc.returncode != 0:
                print(proc.stderr, file=sys.stderr)
                raise SystemExit(f"variant {name} failed")
            results[name] = json.loads(proc.stdout.strip().splitlines()[-1])
        raw = results.get("baseline", {}).get("raw_mb")
        for name, r in results.items():
            mem = f"peak +{r['peak_mb']:.0f} MB" + (
                f" ({r['peak_mb'] / raw:.2f}× raw frame)" if raw else ""
            )
            print(f"{name:9s} {r['seconds']:7.2f} s   {mem}")
        if raw:
            print(f"raw frame: {raw:.0f} MB in memory")
        if "baseline" in results:
            base = results["baseline"]["seconds"]
            for name in ("cfeval", "engine"):
                if name in results:
                    print(f"ratio {name}/baseline: {results[name]['seconds'] / base:.2f}")


if __name__ == "__main__":
    main()
