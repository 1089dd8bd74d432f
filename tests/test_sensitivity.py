"""Sensitivity analysis: the Saltelli/Jansen estimators on models with known indices, the
rank statistics against numpy, and cfeval.sensitivity end to end (seeded, reproducible)."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import cfeval
from cfeval.errors import UsageError
from cfeval.framework.loader import parse_framework
from cfeval.results.sensitivity import rank_units
from cfeval.results.sensitivity_indices import (
    first_order,
    saltelli_design,
    sensitivity_indices,
    total_order,
)

FIXTURE = Path(__file__).parent / "fixtures" / "oracle" / "composite.yaml"


def ishigami(x, a=7.0, b=0.1):
    x = -math.pi + 2 * math.pi * x  # the design's uniforms onto -pi..pi
    return np.sin(x[:, 0]) + a * np.sin(x[:, 1]) ** 2 + b * x[:, 2] ** 4 * np.sin(x[:, 0])


def ishigami_indices(a=7.0, b=0.1):
    """The analytic first-order and total indices (Ishigami & Homma 1990)."""
    v1 = 0.5 * (1 + b * math.pi**4 / 5) ** 2
    v2 = a**2 / 8
    v13 = b**2 * math.pi**8 * (1 / 18 - 1 / 50)
    v = v1 + v2 + v13
    return np.array([v1, v2, 0.0]) / v, np.array([v1 + v13, v2, v13]) / v


def test_saltelli_and_jansen_recover_the_ishigami_indices():
    n = 2**15
    x = saltelli_design(n, 3, np.random.default_rng(1))
    y = ishigami(x)
    s, st = ishigami_indices()
    np.testing.assert_allclose(first_order(y, n, 3), s, atol=0.02)
    np.testing.assert_allclose(total_order(y, n, 3), st, atol=0.02)


def test_linear_model_indices_are_the_shares_of_variance():
    # y = sum c_i x_i, x_i uniform: S_i = ST_i = c_i^2 / sum c^2 (no interactions); centred,
    # as the first-order estimator's variance grows with the output's mean
    c = np.array([1.0, 2.0, 3.0])
    n = 2**15
    x = saltelli_design(n, 3, np.random.default_rng(2))
    y = (x - 0.5) @ c
    np.testing.assert_allclose(first_order(y, n, 3), c**2 / (c**2).sum(), atol=0.02)
    np.testing.assert_allclose(total_order(y, n, 3), c**2 / (c**2).sum(), atol=0.02)


def test_estimators_are_the_formulas_on_a_tiny_design():
    n, d = 3, 2
    y = np.array([1.0, 2.0, 4.0, 0.0, 3.0, 1.0, 2.0, 2.0, 5.0, 1.0, 1.0, 3.0])
    ya, yb, ab1, ab2 = y[:3], y[3:6], y[6:9], y[9:]
    v = np.var(np.r_[ya, yb], ddof=1)
    assert first_order(y, n, d)[0] == pytest.approx(np.mean(yb * (ab1 - ya)) / v, abs=1e-12)
    assert total_order(y, n, d)[1] == pytest.approx(
        np.sum((ya - ab2) ** 2) / (2 * n * v), abs=1e-12
    )


def test_the_design_swaps_one_column_of_b_into_a():
    n, d = 5, 3
    x = saltelli_design(n, d, np.random.default_rng(3))
    a, b = x[:n], x[n : 2 * n]
    for i in range(d):
        ab = x[(2 + i) * n : (3 + i) * n]
        np.testing.assert_array_equal(ab[:, i], b[:, i])
        np.testing.assert_array_equal(np.delete(ab, i, axis=1), np.delete(a, i, axis=1))


def test_bootstrap_intervals_hold_the_estimate():
    n = 2**12
    x = saltelli_design(n, 3, np.random.default_rng(4))
    out = sensitivity_indices(ishigami(x), n, ["x1", "x2", "x3"], 500, np.random.default_rng(5))
    assert (out["first_order_q05"] <= out["first_order"] + 1e-12).all()
    assert (out["total_q95"] >= out["total"] - 1e-12).all()
    s, st = ishigami_indices()
    assert ((out["total_q05"] - 0.03 <= st) & (st <= out["total_q95"] + 0.03)).all()


def test_ranks_are_rs_min_ties_best_first_and_keep_missing():
    got = rank_units(np.array([[3.0, 9.0, 3.0, np.nan, 1.0]]))[0]
    np.testing.assert_array_equal(got[[0, 1, 2, 4]], [2, 1, 2, 4])
    assert np.isnan(got[3])


# ------------------------------------------------------------------- end to end


def audit(seed=0, n=12):
    rng = np.random.default_rng(seed)
    cities = ["成都", "杭州"]
    return pd.DataFrame(
        {
            "community_id": [f"C{i:02d}" for i in range(n)],
            "name": [f"C{i:02d}" for i in range(n)],
            "city": [cities[i % 2] for i in range(n)],
            "district": "x",
            **{k: rng.uniform(1, 100, n).round(1) for k in "abcef"},
        }
    )


SENS = """  sensitivity:
    weight_noise: {1: 0.25, 2: 0.25}
    normalisations: [{method: rank}]
    aggregations: [amean]
    runs: 200
"""


def test_sensitivity_end_to_end_is_seeded_and_consistent():
    fw = parse_framework(FIXTURE.read_text(encoding="utf-8") + SENS, "composite.yaml")
    data = audit()
    a = cfeval.sensitivity(fw, audit=data, seed=7, bootstrap=50)
    b = cfeval.sensitivity(fw, audit=data, seed=7, bootstrap=50)
    pd.testing.assert_frame_equal(a.ranks, b.ranks)
    pd.testing.assert_frame_equal(a.indices, b.indices)
    r = a.ranks
    assert list(a.indices["input"]) == ["weights", "normalisation", "aggregation"]
    assert a.settings["runs"] == 200 // 5 * 5
    assert (r["rank_q05"] <= r["median_rank"]).all() and (r["median_rank"] <= r["rank_q95"]).all()
    assert r["grade_kept"].between(0, 1).all()
    # the nominal ranking is the scores' ranking
    scored = cfeval.score(fw, audit=data).communities
    expected = scored["score"].rank(ascending=False, method="min")
    got = r.set_index("community_id").loc[scored["community_id"], "nominal_rank"]
    np.testing.assert_array_equal(got.to_numpy(), expected.to_numpy())
    c = cfeval.sensitivity(fw, audit=data, seed=8, bootstrap=50)
    assert not c.ranks.equals(a.ranks) or not c.indices.equals(a.indices)


def test_rank_statistics_are_numpys_on_the_a_and_b_runs(monkeypatch):
    from cfeval.results import sensitivity as module

    fw = parse_framework(FIXTURE.read_text(encoding="utf-8") + SENS, "composite.yaml")
    seen = []
    real = module._one_run

    def spy(*args):
        seen.append(real(*args))
        return seen[-1]

    monkeypatch.setattr(module, "_one_run", spy)
    out = cfeval.sensitivity(fw, audit=audit(), seed=3, bootstrap=0)
    n = out.settings["n"]
    totals = np.array(seen)[: 2 * n]
    ranks = np.array([pd.Series(-t).rank(method="min").to_numpy() for t in totals])
    units = cfeval.score(fw, audit=audit()).communities["community_id"].tolist()
    r = out.ranks.set_index("community_id").loc[units]
    np.testing.assert_allclose(r["median_rank"], np.median(ranks, axis=0), atol=1e-12)
    np.testing.assert_allclose(r["rank_q95"], np.quantile(ranks, 0.95, axis=0), atol=1e-12)


def test_sampling_error_alone_moves_ranks_of_survey_indicators(tmp_path):
    fw = cfeval.load_framework("research-index")
    data = Path(__file__).resolve().parents[1] / "sample_data" / "research"
    fw = fw.model_copy(deep=True)
    s = fw.index.sensitivity
    s.weight_noise, s.normalisations, s.aggregations, s.weight_sets = {}, [], [], []
    s.imputation = False
    out = cfeval.sensitivity(
        fw, survey=data / "survey.csv", audit=data / "audit.csv", runs=60, seed=1, bootstrap=0
    )
    assert out.settings["inputs"] == ["sampling"]
    assert (out.ranks["rank_q95"] - out.ranks["rank_q05"]).max() > 0
    written = out.write(tmp_path)
    assert {p.name for p in written} == {"ranks.csv", "indices.csv", "sensitivity.xlsx"}


def test_a_framework_without_an_index_block_is_refused():
    with pytest.raises(UsageError, match="index"):
        cfeval.sensitivity(
            result=cfeval.score(
                parse_framework(
                    FIXTURE.read_text(encoding="utf-8").split("index:\n")[0], "plain.yaml"
                ),
                audit=audit(),
            )
        )


# ------------------------------------------------------------------------ CLI, report

RESEARCH = Path(__file__).resolve().parents[1] / "sample_data" / "research"


def test_cli_writes_tables_and_chart_and_exits_1_on_data_problems(tmp_path):
    from typer.testing import CliRunner

    from cfeval.cli.app import app

    args = ["sensitivity", "research-index", "--survey", str(RESEARCH / "survey.csv"),
            "--audit", str(RESEARCH / "audit.csv"), "--runs", "40", "--bootstrap", "20",
            "-o", str(tmp_path), "--lang", "en"]  # fmt: skip
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 1, result.output  # the sample data has deliberate problems
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "indices.csv", "rank_intervals.png", "ranks.csv", "sensitivity.xlsx",
    ]  # fmt: skip
    ranks = pd.read_csv(tmp_path / "ranks.csv")
    assert ranks["nominal_rank"].tolist() == sorted(ranks["nominal_rank"].tolist())
    assert "Sensitivity indices" in result.output


@pytest.mark.parametrize("case", ["no-folder", "no-index-block"])
def test_cli_usage_mistakes_exit_2_and_write_nothing(tmp_path, case):
    from typer.testing import CliRunner

    from cfeval.cli.app import app

    out = tmp_path / "missing" if case == "no-folder" else tmp_path
    fid = "research-index" if case == "no-folder" else "unicef-cfci"
    args = ["sensitivity", fid, "--audit", str(RESEARCH / "audit.csv"), "-o", str(out)]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 2
    assert "Traceback" not in result.output
    assert list(tmp_path.iterdir()) == []


def test_comparison_report_shows_rank_intervals_when_given_an_analysis():
    from cfeval.report.comparison import build_comparison_context

    result = cfeval.score("research-index", survey=RESEARCH / "survey.csv",
                          audit=RESEARCH / "audit.csv")  # fmt: skip
    sa = cfeval.sensitivity(result=result, runs=40, seed=2, bootstrap=0)
    plain = build_comparison_context(result, lang="zh")
    assert plain["rank_intervals"] is None
    ctx = build_comparison_context(result, lang="zh", sensitivity=sa)
    assert ctx["rank_intervals"]["title"] == "排名区间"
    assert ctx["rank_intervals"]["chart"].startswith("data:image/svg+xml;base64,")
    assert "40" in ctx["rank_intervals"]["caption"]


def test_no_variance_in_the_output_gives_empty_indices_not_an_error():
    n = 4
    out = sensitivity_indices(np.ones(n * 4), n, ["a", "b"], 10, np.random.default_rng(0))
    assert out[["first_order", "total"]].isna().all().all()
    assert out["total_q95"].isna().all()


def test_report_compare_with_rank_intervals_puts_them_in_the_comparison_pdf(tmp_path):
    import subprocess

    from typer.testing import CliRunner

    from cfeval.cli.app import app

    base = ["report", "research-index", "--survey", str(RESEARCH / "survey.csv"),
            "--audit", str(RESEARCH / "audit.csv"), "--lang", "en", "-o", str(tmp_path)]  # fmt: skip
    result = CliRunner().invoke(app, [*base, "--compare", "--rank-intervals"])
    assert result.exit_code == 0, result.output
    text = subprocess.run(
        ["pdftotext", str(tmp_path / "comparison_en.pdf"), "-"], capture_output=True, text=True
    ).stdout
    assert "Rank intervals" in text
    # Without --compare there is no comparison to put them in: a usage mistake.
    (tmp_path / "comparison_en.pdf").unlink()
    refused = CliRunner().invoke(app, [*base, "--all", "--rank-intervals"])
    assert refused.exit_code == 2
    assert "--rank-intervals goes with --compare" in refused.output
    assert list(tmp_path.iterdir()) == []
