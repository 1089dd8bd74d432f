"""Coverage of cfeval's intervals by simulation: do the 95% intervals hold 95%?

Each simulated survey is drawn from a known finite population and scored as its own
community, all in one ``cfeval.score`` call, so the numbers measure the engine exactly as
users run it. Respondents are drawn with replacement with probability proportional to a
size measure correlated with the answers (weights ``1 / (n p)``: unequal, coefficient of
variation about 0.8, and informative).

The framework (built below) has a group mean (``voice``: three 5-point items, children
and parents, one item reverse-coded; the population of tests/test_engine.py), five share indicators whose true shares in the population are 5, 25, 50,
75 and 95% (a respondent is favourable with probability tied to the same latent trait;
answered by children and parents), an audit item, a dimension made of the five shares
and the total. For every size and quantity the script prints the share of surveys whose
interval covers the population value, and the ratio of the mean estimated variance to
the true variance of the child voice mean (HC2 and the plain ``n/(n − 1)`` version).

Usage::

    python benchmarks/coverage_sim.py                 # the table in docs/methods.md
    python benchmarks/coverage_sim.py --reps 300      # a quick look (Monte-Carlo error ±1.3)
    python benchmarks/coverage_sim.py --sizes 8,5 --json
    python benchmarks/coverage_sim.py --share-interval korn_graubard

Monte-Carlo error of a coverage near 95% is ``±2 √(0.95 × 0.05 / (reps × pops))``.
"""

from __future__ import annotations

import argparse
import json
import sys

import numpy as np
import pandas as pd

SHARES = (5, 25, 50, 75, 95)
LABEL = {"zh": "模拟", "en": "simulation"}


def framework():
    """The simulation framework (points mode, renormalize, equal group weights)."""
    from cfeval.framework.loader import parse_framework

    lab = json.dumps(LABEL, ensure_ascii=False)
    shares = "\n".join(
        f"""      - {{id: share_{p:02d}, label: {lab}, points: 8, method: survey, source: survey, recommendation: {lab},
          respondents: [child, parent], rule: {{type: share_favourable, cut: 4}},
          items: [{{id: f{p:02d}, scale: agree5, text: {lab}}}]}}"""
        for p in SHARES
    )
    text = f"""
id: coverage-sim
version: "1"
title: {lab}
languages: [zh, en]
provenance: {{note: {lab}}}
scoring:
  method: points
  total: 100
  grades: [{{id: any, min: 0, label: {lab}}}]
respondents:
  child: {{label: {lab}, min_n: 2}}
  parent: {{label: {lab}, min_n: 2}}
scales:
  agree5: {{values: [1, 2, 3, 4, 5]}}
fields:
  council: {{type: boolean, label: {lab}}}
dimensions:
  - id: dim_a
    label: {lab}
    points: 60
    indicators:
      - {{id: voice, label: {lab}, points: 40, method: survey, source: survey, recommendation: {lab},
          respondents: [child, parent], rule: {{type: scale_mean}}, min_valid_items: 2,
          items: [{{id: v1, scale: agree5, text: {lab}}}, {{id: v2, scale: agree5, reverse: true, text: {lab}}},
                  {{id: v3, scale: agree5, text: {lab}}}]}}
      - {{id: council_ok, label: {lab}, points: 20, method: document_review, source: audit,
          recommendation: {lab}, field: council, rule: {{type: yes_no}}}}
  - id: dim_b
    label: {lab}
    points: 40
    indicators:
{shares}
"""
    return parse_framework(text, "coverage-sim.yaml")


def population(rng: np.random.Generator, size: int) -> pd.DataFrame:
    """One respondent group: items driven by a latent trait, a size measure, exact shares."""
    theta = rng.normal(size=size)
    cols = {
        name: np.clip(np.rint(3 + 1.1 * theta + rng.normal(scale=0.9, size=size)), 1, 5)
        for name in ("v1", "v2", "v3")
    }
    for p in SHARES:
        # Favourable for the top p% of a noisy copy of the trait: the population share is
        # exactly p%, and favourable respondents are drawn more often (informative weights).
        score = theta + rng.normal(scale=0.7, size=size)
        cut = np.sort(score)[size - round(size * p / 100)]
        cols[f"f{p:02d}"] = np.where(score >= cut, 5.0, 2.0)
    cols["_x"] = np.exp(0.6 * theta + rng.normal(scale=0.4, size=size))
    return pd.DataFrame(cols)


def draw(rng, pops: dict, sizes: dict, reps: int, prefix: str) -> pd.DataFrame:
    """``reps`` surveys (one community each) with ``sizes[g]`` respondents per group."""
    parts = []
    for g, n in sizes.items():
        pop = pops[g]
        p = pop["_x"].to_numpy() / pop["_x"].sum()
        idx = rng.choice(len(pop), size=(reps, n), p=p).ravel()
        s = pop.iloc[idx].drop(columns="_x").reset_index(drop=True)
        s["weight"] = 1.0 / (n * p[idx])
        s["respondent"] = g
        s["community_id"] = np.repeat([f"{prefix}{i:06d}" for i in range(reps)], n)
        parts.append(s)
    return pd.concat(parts, ignore_index=True)


def _voice(frame: pd.DataFrame) -> np.ndarray:
    """Respondent values of ``voice`` (v2 is reverse-coded, as in real scales)."""
    return (((frame["v1"] - 1) + (5 - frame["v2"]) + (frame["v3"] - 1)) / 12).to_numpy()


def truths(pops: dict) -> dict[str, float]:
    """Population values on cfeval's 0..100 scale (equal group weights)."""

    def voice(pop):
        return 100 * _voice(pop).mean()

    out = {"child voice mean": voice(pops["child"])}
    out["voice"] = (voice(pops["child"]) + voice(pops["parent"])) / 2
    for p in SHARES:
        for g in ("child", "parent"):
            out[f"{g} share {p}"] = 100 * (pops[g][f"f{p:02d}"] >= 4).mean()
        out[f"share {p}"] = (out[f"child share {p}"] + out[f"parent share {p}"]) / 2
    out["dim_b"] = sum(out[f"share {p}"] for p in SHARES) / len(SHARES)
    out["total"] = 0.4 * out["voice"] + 20 + 0.4 * out["dim_b"]
    return out


def variance_ratio(survey: pd.DataFrame) -> dict[str, float]:
    """Mean estimated variance of the child voice mean over its true (Monte-Carlo) variance.

    Computed here from the definitions (not by the engine): HC2 ``Σ h² e² / (1 − h)`` and
    the plain linearisation ``n/(n−1) Σ h² e²``, with ``h = w / Σw``.
    """
    c = survey[survey["respondent"] == "child"]
    y = _voice(c)
    w = c["weight"].to_numpy()
    code = pd.factorize(c["community_id"])[0]
    n = np.bincount(code)
    W = np.bincount(code, weights=w)
    ybar = np.bincount(code, weights=w * y) / W
    h = w / W[code]
    e2 = (y - ybar[code]) ** 2
    hc2 = np.bincount(code, weights=h * h * e2 / (1 - h))
    plain = n / (n - 1) * np.bincount(code, weights=h * h * e2)
    truth = ybar.var(ddof=1)
    return {"HC2": hc2.mean() / truth, "n/(n-1)": plain.mean() / truth}


def covers(frame: pd.DataFrame, value: float) -> float:
    ok = (frame["ci_low"] <= value + 1e-9) & (value - 1e-9 <= frame["ci_high"])
    return float(ok.mean())


def run(
    sizes: tuple[int, int], reps: int, pops: int, seed: int, share_interval: str | None = None
) -> dict:
    """Coverage of every measured quantity at one size (children, parents)."""
    from cfeval.scoring.engine import score

    fw = framework()
    if share_interval:
        fw.scoring.share_interval = share_interval
    rng = np.random.default_rng([seed, *sizes])
    result: dict[str, list[float]] = {}
    ratios: dict[str, list[float]] = {}
    for k in range(pops):
        popn = {g: population(rng, 3000) for g in ("child", "parent")}
        truth = truths(popn)
        survey = draw(rng, popn, {"child": sizes[0], "parent": sizes[1]}, reps, f"p{k}-")
        ids = survey["community_id"].unique()
        r = score(fw, survey=survey, audit=pd.DataFrame({"community_id": ids, "council": 1.0}))
        sc, bg = r.scores, r.by_group
        child = bg[bg["respondent"] == "child"]
        got = {
            "child voice mean": covers(
                child[child["node_id"] == "voice"], truth["child voice mean"]
            ),
            "voice": covers(sc[sc["node_id"] == "voice"], truth["voice"]),
        }
        for p in SHARES:
            got[f"child share {p}"] = covers(
                child[child["node_id"] == f"share_{p:02d}"], truth[f"child share {p}"]
            )
            got[f"share {p}"] = covers(sc[sc["node_id"] == f"share_{p:02d}"], truth[f"share {p}"])
        got["dim_b"] = covers(sc[sc["node_id"] == "dim_b"], truth["dim_b"])
        got["total"] = covers(sc[sc["kind"] == "total"], truth["total"])
        for key, val in got.items():
            result.setdefault(key, []).append(val)
        for key, val in variance_ratio(survey).items():
            ratios.setdefault(key, []).append(val)
    return {
        "coverage": {k: float(np.mean(v)) for k, v in result.items()},
        "variance_ratio": {k: float(np.mean(v)) for k, v in ratios.items()},
        "surveys": reps * pops,
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reps", type=int, default=2500, help="surveys per population")
    ap.add_argument("--pops", type=int, default=4, help="populations per size")
    ap.add_argument("--sizes", default="8,5;40,25", help="children,parents;... per community")
    ap.add_argument("--seed", type=int, default=20261130)
    ap.add_argument(
        "--share-interval",
        choices=["wilson", "korn_graubard"],
        help="the framework's scoring.share_interval (default: the framework's default)",
    )
    ap.add_argument("--json", action="store_true", help="print JSON instead of a table")
    args = ap.parse_args(argv)
    sizes = [tuple(int(x) for x in s.split(",")) for s in args.sizes.split(";")]
    out = {
        f"{c}+{p}": run((c, p), args.reps, args.pops, args.seed, args.share_interval)
        for c, p in sizes
    }
    if args.json:
        json.dump(out, sys.stdout, indent=1)
        print()
        return 0
    keys = list(next(iter(out.values()))["coverage"])
    head = " | ".join(f"{k} respondents" for k in out)
    print(f"| quantity | {head} |\n| --- |{' --- |' * len(out)}")
    for key in keys:
        print(
            f"| {key} | "
            + " | ".join(f"{100 * o['coverage'][key]:.1f}%" for o in out.values())
            + " |"
        )
    for key in next(iter(out.values()))["variance_ratio"]:
        vals = " | ".join(f"{o['variance_ratio'][key]:.3f}" for o in out.values())
        print(f"| E(variance) / true variance, child voice mean, {key} | {vals} |")
    n = next(iter(out.values()))["surveys"]
    print(
        f"\n{n} surveys per size; Monte-Carlo error about ±{200 * (0.0475 / n) ** 0.5:.1f} points"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
