"""Benchmark: ``cfeval.sensitivity`` with 1,000 runs over 5,000 communities.

A synthetic index framework (5 dimensions × 6 number fields, min-max 1..100, arithmetic
means, geometric total) is scored on an audit table of 5,000 communities; every indicator
is then given a sampling standard error (as survey indicators have), and the sensitivity
analysis varies the weights (±25% at both levels), the normalisation (rank), the total's
aggregation (arithmetic) and the sampling error: d = 4 inputs, N = 166, 996 runs.

The baseline is the same arithmetic in bare numpy, in the same process: for every run the
draw, the clipping, the normalisation, the weighted means, the total and the ranks; no
framework, no per-indicator settings, no data-availability bookkeeping. The ratio says what
cfeval's generality costs.

Usage::

    python benchmarks/bench_sensitivity.py                 # 5,000 units, 1,000 runs
    python benchmarks/bench_sensitivity.py --units 500 --runs 200
"""

from __future__ import annotations

import argparse
import time

N_DIMS, PER_DIM = 5, 6


def framework_text() -> str:
    lab = "{en: x}"
    fields = "\n".join(f"  f{k}: {{type: number, label: {lab}}}" for k in range(N_DIMS * PER_DIM))
    dims = []
    for d in range(N_DIMS):
        inds = "\n".join(
            f"      - {{id: i{d * PER_DIM + j}, label: {lab}, method: records, source: records, "
            f"field: f{d * PER_DIM + j}, weight: {1 + j % 2}, rule: {{type: goalposts, low: 0, "
            f"high: 1}}, recommendation: {lab}}}"
            for j in range(PER_DIM)
        )
        dims.append(f"  - id: d{d}\n    label: {lab}\n    indicators:\n{inds}")
    values = "\n".join(f"    i{k}: {{value: field}}" for k in range(N_DIMS * PER_DIM))
    return f"""id: bench
version: "1"
title: {lab}
languages: [en]
provenance: {{note: {lab}}}
scoring:
  method: index
  grades: [{{id: a, min: 50, label: {lab}}}, {{id: b, min: 0, label: {lab}}}]
fields:
{fields}
dimensions:
{chr(10).join(dims)}
index:
  normalisation: {{method: minmax, range: [1, 100]}}
  aggregation: amean
  levels: {{0: {{aggregation: gmean}}}}
  indicators:
{values}
  sensitivity:
    weight_noise: {{1: 0.25, 2: 0.25}}
    normalisations: [{{method: rank}}]
    aggregations: [amean]
    sampling: true
"""


def baseline(x, se, w_ind, w_dim, design, seed):
    """The same runs in bare numpy (no treatment, no imputation, no thresholds)."""
    import numpy as np

    def rank(a, axis):  # continuous draws: no ties, so a double argsort is R's rank
        return np.argsort(np.argsort(a, axis=axis), axis=axis) + 1.0

    rng = np.random.default_rng(seed)
    noise = 1 + rng.uniform(-1, 1, size=(100, w_ind.size + w_dim.size)) * 0.25
    totals = np.empty((len(design), x.shape[0]))
    for r, (u_w, u_n, u_a, u_s) in enumerate(design):
        k = min(int(u_w * 100), 99)
        wi, wd = w_ind * noise[k, : w_ind.size], w_dim * noise[k, w_ind.size :]
        z = np.random.default_rng([seed, int(u_s * 2**52)]).standard_normal(x.shape)
        v = x + se * z
        if u_n < 0.5:
            lo, hi = v.min(axis=0), v.max(axis=0)
            v = (v - lo) / (hi - lo) * 99 + 1
        else:
            v = rank(v, 0)
        dims = (v * wi).reshape(-1, N_DIMS, PER_DIM).sum(axis=2) / wi.reshape(N_DIMS, -1).sum(
            axis=1
        )
        if u_a < 0.5:
            totals[r] = np.exp(np.log(dims) @ wd / wd.sum())
        else:
            totals[r] = dims @ wd / wd.sum()
    return rank(-totals, 1)


def main() -> None:
    import numpy as np
    import pandas as pd

    import cfeval
    from cfeval.framework.loader import parse_framework
    from cfeval.results.sensitivity_indices import saltelli_design

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--units", type=int, default=5000)
    parser.add_argument("--runs", type=int, default=1000)
    args = parser.parse_args()

    fw = parse_framework(framework_text(), "bench.yaml")
    rng = np.random.default_rng(0)
    n_ind = N_DIMS * PER_DIM
    x = rng.uniform(0, 1, size=(args.units, n_ind))
    audit = pd.DataFrame({f"f{k}": x[:, k] for k in range(n_ind)})
    audit.insert(0, "community_id", [f"C{u:05d}" for u in range(args.units)])
    result = cfeval.score(fw, audit=audit)
    se = np.full_like(x, 0.05)
    result.index.inputs.se = se  # survey-like sampling error on every indicator
    result.index.inputs.bounds[:] = (0.0, 1.0)

    t0 = time.perf_counter()
    sa = cfeval.sensitivity(result=result, runs=args.runs, seed=1, bootstrap=1000)
    t_cfeval = time.perf_counter() - t0

    n = args.runs // 6
    design = saltelli_design(n, 4, np.random.default_rng(1))
    w_ind = np.array([1.0 + j % 2 for j in range(PER_DIM)] * N_DIMS)
    t0 = time.perf_counter()
    baseline(x, se, w_ind, np.ones(N_DIMS), design, 1)
    t_base = time.perf_counter() - t0

    print(f"units {args.units}, runs {sa.settings['runs']} (N={sa.settings['n']}, d=4)")
    print(
        f"cfeval.sensitivity: {t_cfeval:.1f} s ({1000 * t_cfeval / sa.settings['runs']:.1f} ms/run)"
    )
    print(f"bare numpy baseline: {t_base:.1f} s ({1000 * t_base / len(design):.1f} ms/run)")
    print(f"ratio cfeval / baseline: {t_cfeval / t_base:.2f}")


if __name__ == "__main__":
    main()
