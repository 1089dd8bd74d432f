"""Change between waves: intervals against Welch's t interval, classes, versions, errors."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from cfeval.errors import UsageError
from cfeval.framework.loader import load_framework
from cfeval.results.waves import largest_changes, previous_wave, wave_changes
from cfeval.scoring.engine import score

ORACLE = Path(__file__).parent / "fixtures" / "oracle" / "points.yaml"
ITEMS = ["v1", "v2", "v3"]


@pytest.fixture(scope="module")
def fw():
    return load_framework(ORACLE)


def _survey(answers: dict[str, list[list[int]]]) -> pd.DataFrame:
    """Child rows of community C1; ``answers[wave]`` is one [v1, v2, v3] list per child."""
    rows = []
    for wave, people in answers.items():
        for i, (a, b, c) in enumerate(people):
            rows.append(
                {
                    "community_id": "C1",
                    "wave": wave,
                    "respondent": "child",
                    "weight": 1.0,
                    "respondent_id": f"r{wave}-{i}",
                    "v1": a,
                    "v2": b,
                    "v3": c,
                    "s1": 4.0,
                    "s2": 4.0,
                }  # fmt: skip
            )
    return pd.DataFrame(rows).astype({c: float for c in ITEMS})


def _audit(council: dict[str, float]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "community_id": "C1",
            "wave": list(council),
            "has_council": list(council.values()),
            "area": 50.0,
            "partners": 0.0,
            "incident": 0.0,
        }
    )


def _values(people: list[list[int]]) -> np.ndarray:
    """Hand computation of the voice score per child: v2 is reversed, scale 1..5 → 0..100."""
    x = np.array(people, dtype=float)
    x[:, 1] = 6 - x[:, 1]
    return 100 * (x.mean(axis=1) - 1) / 4


W1 = [[3, 3, 2], [4, 2, 4], [2, 4, 3], [5, 1, 4], [3, 2, 3], [4, 3, 4], [2, 2, 3], [3, 3, 3]]
W2 = [[4, 2, 4], [5, 1, 5], [4, 2, 3], [5, 2, 4], [3, 1, 4], [4, 1, 5], [5, 2, 5],
      [4, 3, 4], [3, 2, 4], [5, 1, 4], [4, 2, 5]]  # fmt: skip


def _result(fw, w1=W1, w2=W2, council=None):
    council = council or {"1": 0.0, "2": 1.0}
    return score(fw, survey=_survey({"1": w1, "2": w2}), audit=_audit(council))


@pytest.mark.parametrize("level", [0.95, 0.9])
def test_change_interval_is_welchs_interval(fw, level):
    """One group, equal weights: the change's interval is Welch's two-sample t interval."""
    fw = fw.model_copy(deep=True)
    fw.scoring.ci_level = level
    changes = wave_changes(_result(fw), ("1", "2"))
    row = changes.set_index("path").loc["dim_a.voice"]
    y1, y2 = _values(W1), _values(W2)
    welch = stats.ttest_ind(y2, y1, equal_var=False).confidence_interval(level)
    assert row["change"] == pytest.approx(y2.mean() - y1.mean(), abs=1e-9)
    assert row["ci_low"] == pytest.approx(welch.low, abs=1e-9)
    assert row["ci_high"] == pytest.approx(welch.high, abs=1e-9)
    v1, v2 = y1.var(ddof=1) / len(y1), y2.var(ddof=1) / len(y2)
    assert row["se"] == pytest.approx(np.sqrt(v1 + v2))
    assert row["df"] == pytest.approx((v1 + v2) ** 2 / (v1**2 / 7 + v2**2 / 10))
    assert row["ci_level"] == level
    assert row["change_class"] == "increase" and row["basis"] == "interval"


def test_dimension_change_scales_with_its_survey_share(fw):
    """dim_a = 40/60 voice + 20/60 council: its change's se is 2/3 of voice's, same df."""
    changes = wave_changes(_result(fw, council={"1": 1.0, "2": 1.0})).set_index("path")
    voice, dim = changes.loc["dim_a.voice"], changes.loc["dim_a"]
    assert dim["change"] == pytest.approx(voice["change"] * 2 / 3)
    assert dim["se"] == pytest.approx(voice["se"] * 2 / 3)
    assert dim["df"] == pytest.approx(voice["df"])


def test_audit_only_change_is_exact_without_interval(fw):
    changes = wave_changes(_result(fw)).set_index("path")
    council = changes.loc["dim_a.council"]
    assert council["change"] == 100.0
    assert council["basis"] == "exact" and council["change_class"] == "increase"
    assert np.isnan(council["ci_low"]) and np.isnan(council["ci_high"])
    space = changes.loc["dim_b.space"]
    assert space["change"] == 0.0 and space["change_class"] == "no_change"


def test_interval_covering_zero_is_no_clear_change(fw):
    """Nearly the same answers in both waves: never called an improvement."""
    w2 = [*W1[:-1], [4, 3, 3]]
    changes = wave_changes(_result(fw, w2=w2, council={"1": 1.0, "2": 1.0}))
    row = changes.set_index("path").loc["dim_a.voice"]
    assert row["change"] > 0
    assert row["ci_low"] < 0 < row["ci_high"]
    assert row["change_class"] == "no_clear_change"


def test_swapping_waves_mirrors_the_change(fw):
    result = _result(fw)
    fwd = wave_changes(result, ("1", "2")).set_index("path")
    back = wave_changes(result, ("2", "1")).set_index("path")
    assert np.allclose(fwd["change"], -back["change"])
    ok = fwd["ci_low"].notna()
    assert np.allclose(fwd.loc[ok, "ci_low"], -back.loc[ok, "ci_high"])
    flip = {"increase": "decrease", "decrease": "increase"}
    assert [flip.get(c, c) for c in fwd["change_class"]] == list(back["change_class"])


def test_grades_on_the_total_and_version_change_with_previous(fw):
    result = _result(fw)
    changes = wave_changes(result)
    total = changes[changes["kind"] == "total"].iloc[0]
    comm = result.communities.set_index("wave")
    assert (total["grade_from"], total["grade_to"]) == (
        comm.loc["1", "grade"],
        comm.loc["2", "grade"],
    )
    assert changes.loc[changes["kind"] != "total", "grade_to"].isna().all()
    assert not changes["version_changed"].any()

    # Wave 1 scored with an older version of the framework that had no 'space' indicator.
    old = fw.model_copy(deep=True)
    old.version = "0.9"
    dim_b = old.dimensions[1]
    dim_b.indicators = [dim_b.indicators[0]]
    dim_b.indicators[0].points = 40
    before = score(old, survey=_survey({"1": W1}), audit=_audit({"1": 0.0}))
    mixed = wave_changes(result, ("1", "2"), previous=before)
    assert mixed["version_changed"].all()
    assert set(mixed["framework_version_from"]) == {"0.9"}
    assert mixed.set_index("path").loc["dim_b.space", "change_class"] == "missing"


def test_errors_and_helpers(fw):
    result = _result(fw)
    with pytest.raises(UsageError, match="wave '3' is not in the results"):
        wave_changes(result, ("1", "3"))
    with pytest.raises(UsageError, match="compared with itself"):
        wave_changes(result, ("2", "2"))
    with pytest.raises(UsageError, match="two waves"):
        wave_changes(result, ("1",))
    one = score(fw, survey=_survey({"1": W1}), audit=_audit({"1": 0.0}))
    with pytest.raises(UsageError, match="only one wave"):
        wave_changes(one)
    assert previous_wave(result, "C1", "2") == "1"
    assert previous_wave(result, "C1", "1") is None
    top = largest_changes(wave_changes(result), "C1", count=2)
    assert list(top["path"]) == ["dim_a.council", "dim_a.voice"]


def test_sample_data_has_eight_two_wave_communities():
    from cfeval._paths import shipped_dir
    from cfeval.data.load import load_data

    fw = load_framework("chengdu-community")
    folder = shipped_dir("sample_data") / "chengdu"
    result = score(fw, load_data(fw, survey=folder / "survey.csv", audit=folder / "audit.csv"))
    changes = wave_changes(result, ("1", "2"))
    totals = changes[changes["kind"] == "total"].set_index("community_id")
    assert len(totals) == 8
    hz = totals.loc["HZ-XH-001"]
    assert round(hz["score_from"], 1) == 78.7 and round(hz["score_to"], 1) == 83.3
    # Every class agrees with its interval.
    iv = changes[changes["basis"] == "interval"]
    assert (iv.loc[iv["change_class"] == "increase", "ci_low"] > 0).all()
    assert (iv.loc[iv["ci_low"] <= 0, "change_class"] != "increase").all()


def test_report_section_since_the_last_assessment(fw):
    from cfeval.report.changes import comparison_changes, since_last_section

    result = _result(fw)
    section = since_last_section(result, "C1", "2", lang="zh")
    assert section["title"] == "与上次评估相比"
    assert section["total"]["class_text"] == "明显提升"
    assert section["total"]["interval"].startswith("95% 置信区间 +")
    assert [r["label"] for r in section["top"]] == ["议事会", "声音", "安全感"]
    assert section["top"][0]["interval"] == "来自核查表记录，无抽样误差"
    assert section["note"] is None
    assert since_last_section(result, "C1", "1", lang="zh") is None

    old = fw.model_copy(deep=True)
    old.version = "0.9"
    before = score(old, survey=_survey({"1": W1}), audit=_audit({"1": 0.0}))
    noted = since_last_section(result, "C1", "2", lang="en", previous=before)
    assert "from version 0.9 to 1" in noted["note"]

    comparison = comparison_changes(result, lang="en", names={"C1": "Community one"})
    assert [r["label"] for r in comparison["rows"]] == ["Community one"]
    assert comparison["chart"].startswith("data:image/svg+xml;base64,")
    one = score(fw, survey=_survey({"1": W1}), audit=_audit({"1": 0.0}))
    assert comparison_changes(one, lang="en") is None


def test_reports_show_the_change_of_the_two_wave_communities():
    """The sample data's eight two-wave communities: their report and the comparison."""
    from cfeval._paths import shipped_dir
    from cfeval.data.load import load_data
    from cfeval.report.comparison import build_comparison_context
    from cfeval.report.context import build_context
    from cfeval.report.render import render_html
    from cfeval.results.reliability import reliability

    fw = load_framework("chengdu-community")
    folder = shipped_dir("sample_data") / "chengdu"
    data = load_data(fw, survey=folder / "survey.csv", audit=folder / "audit.csv")
    result = score(fw, data)
    scales = reliability(fw, data, n_boot=0).scales
    two = sorted(result.communities.loc[result.communities["wave"] == "2", "community_id"])
    assert len(two) == 8
    for cid in two:
        ctx = build_context(result, cid, lang="en", reliability=scales)
        assert ctx["since_last"]["total"]["from"] != ctx["since_last"]["total"]["to"]
        assert len(ctx["since_last"]["top"]) == 3
    html = render_html("report.html.j2", ctx)
    assert "Since the last assessment" in html and "The three largest changes" in html
    assert "Reliability of the survey scales" in html and "alpha 0.6" in html
    single = build_context(result, "CD-JJ-001", lang="zh")
    assert single["since_last"] is None and single["scales"] is None
    assert "与上次评估相比" not in render_html("report.html.j2", single)
    comparison = build_comparison_context(result, lang="zh")
    assert len(comparison["changes"]["rows"]) == 8
    assert "与上次评估相比的变化" in render_html("comparison.html.j2", comparison)
