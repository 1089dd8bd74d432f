"""Reliability: α against pingouin and hand formulas, ω against an exact one-factor oracle."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pingouin
import pytest

from cfeval.errors import UsageError
from cfeval.framework.loader import load_framework
from cfeval.results.reliability import (
    cronbach_alpha,
    feldt_interval,
    mcdonald_omega,
    reliability,
)

ORACLE = Path(__file__).parent / "fixtures" / "oracle" / "points.yaml"


@pytest.fixture(scope="module")
def fw():
    return load_framework(ORACLE)


def _answers(n: int, seed: int, loadings=(0.8, -0.6, 0.7)) -> np.ndarray:
    """Answers 1..5 to v1, v2 (reverse-worded: negative loading), v3 from one factor."""
    rng = np.random.default_rng(seed)
    f = rng.normal(size=n)
    raw = np.outer(f, loadings) + rng.normal(scale=0.7, size=(n, len(loadings)))
    return np.clip(np.round(3 + raw), 1, 5)


def _survey(x: np.ndarray, weight=None, wave="1", community="C1") -> pd.DataFrame:
    df = pd.DataFrame(x, columns=["v1", "v2", "v3"])
    df.insert(0, "community_id", community)
    df.insert(1, "wave", wave)
    df.insert(2, "respondent", "child")
    df["weight"] = 1.0 if weight is None else weight
    return df


def _reversed(x: np.ndarray) -> pd.DataFrame:
    """The items as the scale scores them: v2 reversed (1..5 → 5..1)."""
    y = x.copy()
    y[:, 1] = 6 - y[:, 1]
    return pd.DataFrame(y, columns=["v1", "v2", "v3"])


def test_alpha_and_feldt_interval_match_pingouin(fw):
    x = _answers(150, seed=1)
    x[3, 0] = np.nan  # listwise: the row is left out, as pingouin's nan_policy="listwise"
    rel = reliability(fw, _survey(x), n_boot=0)
    row = rel.scales.set_index(["indicator", "respondent"]).loc[("voice", "child")]
    alpha, ci = pingouin.cronbach_alpha(_reversed(x), nan_policy="listwise", ci=0.95)
    assert row["alpha"] == pytest.approx(alpha, abs=1e-12)
    # pingouin rounds its interval to three decimals
    assert row["alpha_ci_low"] == pytest.approx(ci[0], abs=5e-4)
    assert row["alpha_ci_high"] == pytest.approx(ci[1], abs=5e-4)
    assert row["n"] == 149 and row["k"] == 3 and not row["weighted"]


def test_alpha_by_hand_and_alpha_if_dropped(fw):
    x = _answers(80, seed=2)
    items = rel_items = reliability(fw, _survey(x), n_boot=0).items
    items = rel_items[rel_items["indicator"] == "voice"].set_index("item")
    y = _reversed(x).to_numpy()
    c = np.cov(y, rowvar=False)
    k = 3
    assert cronbach_alpha(y) == pytest.approx(k / (k - 1) * (1 - np.trace(c) / c.sum()))
    for j, item in enumerate(["v1", "v2", "v3"]):
        rest = np.delete(y, j, axis=1)
        r = np.corrcoef(y[:, j], rest.sum(axis=1))[0, 1]
        assert items.loc[item, "item_rest_r"] == pytest.approx(r)
        dropped = pingouin.cronbach_alpha(pd.DataFrame(rest))[0]
        assert items.loc[item, "alpha_if_dropped"] == pytest.approx(dropped)
    assert bool(items.loc["v2", "reverse"])


def test_integer_weights_act_as_frequency_weights(fw):
    x = _answers(60, seed=3)
    w = np.random.default_rng(4).integers(1, 4, size=60).astype(float)
    rel = reliability(fw, _survey(x, weight=w), n_boot=0)
    row = rel.scales.set_index("indicator").loc["voice"]
    replicated = np.repeat(_reversed(x).to_numpy(), w.astype(int), axis=0)
    assert row["alpha"] == pytest.approx(pingouin.cronbach_alpha(pd.DataFrame(replicated))[0])
    assert row["omega"] == pytest.approx(mcdonald_omega(replicated))
    assert row["weighted"]
    # Feldt's interval uses the Kish effective size, not the head count
    n_eff = w.sum() ** 2 / (w * w).sum()
    assert row["n_eff"] == pytest.approx(n_eff)
    lo, hi = feldt_interval(row["alpha"], n_eff, 3, 0.95)
    assert (row["alpha_ci_low"], row["alpha_ci_high"]) == pytest.approx((lo, hi))


def _exact_sample(cov: np.ndarray, n: int, seed: int) -> np.ndarray:
    """Data whose sample covariance is exactly ``cov``."""
    rng = np.random.default_rng(seed)
    z = rng.normal(size=(n, len(cov)))
    z -= z.mean(axis=0)
    # whiten, then colour: cov(z) = I exactly, cov(z L') = L L' = cov
    z = z @ np.linalg.inv(np.linalg.cholesky(np.cov(z, rowvar=False, bias=True)).T)
    return z @ np.linalg.cholesky(cov).T + 3.0


def test_omega_recovers_an_exact_one_factor_model():
    lam = np.array([0.9, 0.7, 0.5, 0.6]) * np.array([1.0, 2.0, 0.5, 1.5])  # raw loadings
    psi = np.array([0.3, 0.8, 0.2, 0.5])
    x = _exact_sample(np.outer(lam, lam) + np.diag(psi), 500, seed=5)
    expected = lam.sum() ** 2 / (lam.sum() ** 2 + psi.sum())
    assert mcdonald_omega(x) == pytest.approx(expected, abs=1e-7)


def test_omega_of_two_items_gives_each_loading_sqrt_r():
    x = _answers(200, seed=6, loadings=(0.8, 0.7))[:, :2]
    r = np.corrcoef(x, rowvar=False)[0, 1]
    s1, s2 = x.std(axis=0)
    lam = np.sqrt(r) * (s1 + s2)
    expected = lam**2 / (lam**2 + (1 - r) * (s1**2 + s2**2))
    assert mcdonald_omega(x) == pytest.approx(expected, abs=1e-7)
    z = (x - x.mean(axis=0)) / x.std(axis=0)  # equal spread: Spearman–Brown
    assert mcdonald_omega(z) == pytest.approx(2 * r / (1 + r), abs=1e-7)


def test_omega_bootstrap_is_seeded_and_brackets_the_estimate(fw):
    survey = _survey(_answers(120, seed=7))
    a = reliability(fw, survey, n_boot=300, seed=11).scales.iloc[0]
    b = reliability(fw, survey, n_boot=300, seed=11).scales.iloc[0]
    c = reliability(fw, survey, n_boot=300, seed=12).scales.iloc[0]
    assert a["omega_ci_low"] == b["omega_ci_low"] and a["omega_ci_high"] == b["omega_ci_high"]
    assert a["omega_ci_low"] != c["omega_ci_low"]
    assert a["omega_ci_low"] < a["omega"] < a["omega_ci_high"]


def test_by_wave_below_and_statuses(fw):
    good = _survey(_answers(100, seed=8), wave="1")
    noise = np.random.default_rng(9).integers(1, 6, size=(100, 3)).astype(float)
    weak = _survey(noise, wave="2")
    tiny = _survey(_answers(2, seed=10), wave="3")
    rel = reliability(fw, pd.concat([good, weak, tiny]), by="wave", n_boot=0)
    s = rel.scales.set_index(["wave", "indicator"])
    assert s.loc[("1", "voice"), "alpha"] > 0.7
    assert s.loc[("2", "voice"), "alpha"] < 0.3
    assert s.loc[("3", "voice"), "status"] == "too_few_respondents"
    assert list(rel.below(0.7)["wave"]) == ["2"]
    # 'safe' has two items (s1, s2) that nobody answered here
    assert s.loc[("1", "safe"), "status"] == "too_few_respondents"
    flat = _survey(np.full((10, 3), 3.0))
    assert reliability(fw, flat, n_boot=0).scales.iloc[0]["status"] == "no_variance"


def test_bad_requests_are_refused(fw):
    with pytest.raises(UsageError, match="no such column"):
        reliability(fw, _survey(_answers(10, 1)), by="school")
    with pytest.raises(UsageError, match="does not declare"):
        reliability(fw, _survey(_answers(10, 1)).assign(respondent="teacher"))


def test_write_tables(fw, tmp_path):
    rel = reliability(fw, _survey(_answers(50, seed=1)), n_boot=50)
    written = rel.write(tmp_path / "rel.csv")
    assert [p.name for p in written] == ["rel.csv", "rel.items.csv"]
    back = pd.read_csv(written[0])
    assert back.loc[0, "alpha"] == pytest.approx(rel.scales.loc[0, "alpha"])
    (xlsx,) = rel.write(tmp_path / "rel.xlsx")
    sheets = pd.read_excel(xlsx, sheet_name=None)
    assert set(sheets) == {"scales", "items"} and len(sheets["items"]) == len(rel.items)


def test_report_appendix_lists_scales_below_point_seven(fw):
    from cfeval.report.scales import reliability_appendix

    good = _survey(_answers(100, seed=8), wave="1")
    noise = np.random.default_rng(9).integers(1, 6, size=(100, 3)).astype(float)
    rel = reliability(fw, pd.concat([good, _survey(noise, wave="2")]), by="wave", n_boot=0)
    note = reliability_appendix(rel.scales, fw, lang="zh")
    assert note["title"] == "问卷量表的信度"
    assert note["lead"].startswith("2 个问卷量表中有 1 个信度低于 0.7")
    assert len(note["rows"]) == 1 and note["rows"][0].startswith("声音（儿童，3 题）：α ")
    fine = reliability_appendix(reliability(fw, good, n_boot=0).scales, fw, lang="en")
    assert fine["rows"] == [] and "at least 0.7" in fine["lead"]
    assert reliability_appendix(None, fw, lang="en") is None
