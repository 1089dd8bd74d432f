"""The ``index:`` block wired into scoring: settings checked with file:line, and every
number of the oracle framework (tests/fixtures/oracle/composite.yaml) computed again here by
plain arithmetic, independently of cfeval's index code."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import cfeval
from cfeval.errors import FrameworkError
from cfeval.framework.loader import parse_framework

FIXTURE = Path(__file__).parent / "fixtures" / "oracle" / "composite.yaml"
TEXT = FIXTURE.read_text(encoding="utf-8")
NaN = float("nan")
UNITS = ["P", "Q", "R", "S", "T"]
CITY = ["成都", "成都", "成都", "杭州", "杭州"]
DATA = {
    "a": [10.0, 20.0, 30.0, 40.0, 60.0],
    "b": [5.0, NaN, 15.0, 25.0, 35.0],
    "c": [3.0, 1.0, 2.0, NaN, NaN],
    "e": [100.0, 200.0, 150.0, 120.0, 180.0],
    "f": [0.5, 0.2, 0.9, 0.4, NaN],
}
TREE = {"d1": (["a", "b", "c"], [1.0, 2.0, 1.0]), "d2": (["e", "f"], [1.0, 1.0])}
DIRECTION = {"c": -1.0}


def audit() -> pd.DataFrame:
    return pd.DataFrame(
        {"community_id": UNITS, "name": UNITS, "city": CITY, "district": "x", **DATA}
    )


def fw_with(edit: str = "", replace: tuple[str, str] | None = None):
    text = TEXT if replace is None else TEXT.replace(*replace)
    return parse_framework(text + edit, "composite.yaml")


def run(fw, data=None):
    return cfeval.score(fw, audit=data if data is not None else audit())


def by_hand_minmax(x, lo=1.0, hi=100.0):
    """Min-max over the non-missing values, written out."""
    vals = [v for v in x if not math.isnan(v)]
    return [
        NaN if math.isnan(v) else (v - min(vals)) / (max(vals) - min(vals)) * (hi - lo) + lo
        for v in x
    ]


def by_hand_index(
    data, weights_dim=(2.0, 1.0), weights_ind=None, min_data=0.6, norm=by_hand_minmax
):
    """Indicator scores, dimension scores and total per unit, by plain loops."""
    weights_ind = weights_ind or {k: w for k, (f, ws) in TREE.items() for w in [ws]}
    ind = {f: norm([DIRECTION.get(f, 1.0) * v for v in DATA[f]]) for f in DATA}
    dims, below = {}, {}
    for d, (fields, _) in TREE.items():
        ws = weights_ind[d]
        dims[d], below[d] = [], []
        for u in range(len(UNITS)):
            have = [
                (ind[f][u], w) for f, w in zip(fields, ws, strict=True) if not math.isnan(ind[f][u])
            ]
            if len(have) / len(fields) < min_data:
                dims[d].append(NaN)
                below[d].append(bool(have))
            else:
                dims[d].append(sum(v * w for v, w in have) / sum(w for _, w in have))
                below[d].append(False)
    total = []
    for u in range(len(UNITS)):
        have = [
            (dims[d][u], w)
            for d, w in zip(TREE, weights_dim, strict=True)
            if not math.isnan(dims[d][u])
        ]
        total.append(math.exp(sum(w * math.log(v) for v, w in have) / sum(w for _, w in have)))
    return ind, dims, below, total


def frame_value(result, community, node):
    s = result.scores
    return s[(s.community_id == community) & (s.node_id == node)].iloc[0]


def test_minmax_weighted_means_threshold_and_geometric_total_by_hand():
    result = run(fw_with())
    ind, dims, below, total = by_hand_index(DATA)
    for u, cid in enumerate(UNITS):
        for f in DATA:
            node = "if_" if f == "f" else f"i{f}"
            got = frame_value(result, cid, node)["score"]
            assert got == pytest.approx(ind[f][u], abs=1e-9, nan_ok=True)
        for d in TREE:
            row = frame_value(result, cid, d)
            assert row["score"] == pytest.approx(dims[d][u], abs=1e-9, nan_ok=True)
            assert (row["status"] == "below_threshold") == below[d][u]
        assert frame_value(result, cid, "total")["score"] == pytest.approx(total[u], abs=1e-9)
    comm = result.communities.set_index("community_id")
    assert comm.loc["T", "score"] == pytest.approx(dims["d1"][4], abs=1e-9)  # d2 not scored
    assert comm["grade"].tolist() == ["high" if t >= 50 else "low" for t in total]
    # no interval or potential gain claimed for data-driven index values
    assert result.scores[["ci_low", "ci_high", "potential_gain"]].isna().all().all()


def test_a_named_weight_set_replaces_the_weights_it_names():
    result = run(fw_with("  weights: flat\n"))
    weights = {"d1": [1.0, 1.0, 1.0], "d2": [1.0, 1.0]}
    *_, total = by_hand_index(DATA, weights_dim=(1.0, 1.0), weights_ind=weights)
    got = result.communities["score"].to_numpy()
    np.testing.assert_allclose(got, total, rtol=0, atol=1e-9)


def test_parent_mean_imputation_by_hand_and_flagged_everywhere(tmp_path):
    fw = fw_with(replace=("  imputation: none", "  imputation: parent_mean"))
    result = run(fw)
    # d1 for Q (b missing): a, c direction-adjusted, min-max to 0..1 over all units, the row
    # mean of Q's scaled values, scaled back onto b's own min..max.
    a, b, c = (np.array(DATA[k]) for k in "abc")
    c = -c
    scaled = lambda x, u: (x[u] - np.nanmin(x)) / (np.nanmax(x) - np.nanmin(x))  # noqa: E731
    q_b = np.mean([scaled(a, 1), scaled(c, 1)]) * (np.nanmax(b) - np.nanmin(b)) + np.nanmin(b)
    s_c = np.mean([scaled(a, 3), scaled(b, 3)]) * (np.nanmax(c) - np.nanmin(c)) + np.nanmin(c)
    t_c = np.mean([scaled(a, 4), scaled(b, 4)]) * (np.nanmax(c) - np.nanmin(c)) + np.nanmin(c)
    b_full = b.copy()
    b_full[1] = q_b
    expected_b = by_hand_minmax(list(b_full))
    assert frame_value(result, "Q", "ib")["score"] == pytest.approx(expected_b[1], abs=1e-9)
    c_full = c.copy()
    c_full[3], c_full[4] = s_c, t_c
    expected_c = by_hand_minmax(list(c_full))
    assert frame_value(result, "S", "ic")["score"] == pytest.approx(expected_c[3], abs=1e-9)
    # T's f is imputed from e alone: its scaled e value, on f's range
    e, f = np.array(DATA["e"]), np.array(DATA["f"])
    t_f = scaled(e, 4) * (np.nanmax(f) - np.nanmin(f)) + np.nanmin(f)
    assert frame_value(result, "T", "if_")["score"] == pytest.approx(
        by_hand_minmax([*DATA["f"][:4], t_f])[4], abs=1e-9
    )
    flagged = result.scores[result.scores.imputed]
    assert set(zip(flagged.community_id, flagged.node_id, strict=True)) == {
        ("Q", "ib"), ("Q", "d1"), ("Q", "total"),
        ("S", "ic"), ("S", "d1"), ("S", "total"),
        ("T", "ic"), ("T", "if_"), ("T", "d1"), ("T", "d2"), ("T", "total"),
    }  # fmt: skip
    assert set(flagged[flagged.kind == "indicator"].status) == {"imputed"}
    # every output carries the flag
    csv = pd.read_csv(result.write(tmp_path / "s.csv"))
    assert csv["imputed"].sum() == 11
    doc = json.loads(result.write(tmp_path / "s.json").read_text(encoding="utf-8"))
    assert sum(r["imputed"] for r in doc["scores"]) == 11
    xlsx = pd.read_excel(result.write(tmp_path / "s.xlsx", lang="en"), sheet_name="Indicators")
    assert xlsx["Imputed"].sum() == 4


def test_city_mean_imputation_fills_from_the_same_city_and_wave():
    fw = fw_with(replace=("  imputation: none", "  imputation: city_mean"))
    result = run(fw)
    # Q's b from 成都 (P, R): (5 + 15) / 2; S and T's c: no 杭州 value, so none
    b = list(DATA["b"])
    b[1] = (5.0 + 15.0) / 2
    assert frame_value(result, "Q", "ib")["score"] == pytest.approx(by_hand_minmax(b)[1], abs=1e-9)
    assert math.isnan(frame_value(result, "S", "ic")["score"])
    t_f = 0.4  # 杭州's only f
    f = [*DATA["f"][:4], t_f]
    assert frame_value(result, "T", "if_")["score"] == pytest.approx(by_hand_minmax(f)[4], abs=1e-9)


def test_reference_set_fixes_the_normalisation_on_its_units():
    edit = "  reference_sets:\n    chengdu: {cities: [成都]}\n"
    text = TEXT.replace("  aggregation: gmean\n", "").replace(
        "  normalisation: {method: minmax, range: [1, 100]}",
        "  normalisation: {method: zscore, mean_sd: [50, 10], reference: chengdu}",
    )
    result = run(parse_framework(text + edit, "composite.yaml"))
    a = np.array(DATA["a"])
    ref = a[:3]
    expected = (a - ref.mean()) / ref.std(ddof=1) * 10 + 50
    got = [frame_value(result, u, "ia")["score"] for u in UNITS]
    np.testing.assert_allclose(got, expected, rtol=0, atol=1e-9)


def test_winsorised_points_are_reported_per_indicator():
    data = audit()
    data["a"] = [1.0, 1.1, 0.9, 1.0, 50.0]
    fw = fw_with("    ia: {value: field, treatment: {method: winsorise, winmax: 1}}\n",
                 replace=("    ia: {value: field}\n", ""))  # fmt: skip
    result = run(fw, data)
    t = result.treatment.set_index("node_id")
    assert t.loc["ia", "applied"] in {"winsorise", "log_ct"}
    assert t.loc["ia", "n_winsorised"] == 1
    pts = result.treated_points
    row = pts[(pts.node_id == "ia") & (pts.community_id == "T")].iloc[0]
    assert row["value"] == 50.0 and row["point"].startswith("winhi")
    assert t.loc["ib", "applied"] == "none"


def test_without_the_block_index_mode_is_unchanged():
    text = TEXT[: TEXT.index("index:\n")]
    result = run(parse_framework(text, "plain.yaml"))
    assert "imputed" not in result.to_frame().columns and result.treatment is None
    # the rules' attainments (goalposts 0..100) and arithmetic means, as before
    assert frame_value(result, "P", "ia")["score"] == pytest.approx(10.0)
    assert frame_value(result, "P", "d2")["score"] == pytest.approx((100.0 + 0.5) / 2)


@pytest.mark.parametrize(
    ("edit", "replace", "where", "words"),
    [
        ("", ("    1: {aggregation", "    5: {aggregation"), "index.levels.5",
         "level 5 does not exist"),
        ("", ("range: [1, 100]", "range: [0, 100]"), "index", "geometric or harmonic mean"),
        ("", ("range: [1, 100]}", "range: [1, 100], target: 3}"), "index.normalisation",
         "`target` does not belong to normalisation minmax"),
        ("  weights: heavy\n", None, "index.weights", "unknown weight set 'heavy'"),
        ("", ("    ia: {value: field}", "    ia: {value: field, normalisation: {method: rank, "
              "reference: nowhere}}"), "index.indicators.ia.normalisation.reference",
         "unknown reference set 'nowhere'"),
        ("  sensitivity: {weight_noise: {1: 1.5}}\n", None, "index.sensitivity.weight_noise.1",
         "noise factor"),
        ("", ("    ie: {value: field}", "    d1: {value: field}"), "index.indicators.d1",
         "d1 is not an indicator"),
    ],
)  # fmt: skip
def test_index_block_mistakes_are_located(edit, replace, where, words):
    with pytest.raises(FrameworkError) as info:
        fw_with(edit, replace)
    lines = [p for p in str(info.value).splitlines() if where + "  " in p]
    assert lines and words in lines[0], str(info.value)
    assert lines[0].strip().startswith("composite.yaml:")


def test_index_block_needs_index_mode():
    text = TEXT.replace("method: index", "method: points\n  total: 100")
    with pytest.raises(FrameworkError) as info:
        parse_framework(text, "composite.yaml")
    assert "an `index` block needs scoring.method: index" in str(info.value)


# ------------------------------------------------------------- normalising on a reference


@pytest.mark.parametrize(
    "norm",
    [
        {"method": "minmax", "range": (1, 100)},
        {"method": "zscore", "mean_sd": (50, 10)},
        {"method": "rank"},
        {"method": "prank", "scale": 1},
        {"method": "borda"},
        {"method": "dist2max", "scale": 1},
        {"method": "dist2targ", "target": 35, "scale": 1},
        {"method": "goalposts", "goalposts": (0, 50), "scale": 100},
    ],
)
@pytest.mark.parametrize("direction", [1, -1])
def test_a_reference_of_every_unit_is_coinr_normalisation(norm, direction):
    from cfeval.framework.index_model import Normalisation
    from cfeval.scoring.index_methods import normalise
    from cfeval.scoring.index_normalise import _params, _with_reference, normalise_indicator

    x = np.array([3.0, 7.0, NaN, 7.0, 12.0, 30.0, 1.0])
    spec = Normalisation(**norm)
    everyone = np.ones(x.size, bool)
    via_ref = _with_reference(x, spec, direction, everyone)
    coinr = normalise(x, spec.method, direction, **_params(spec))
    np.testing.assert_allclose(via_ref * (spec.scale if spec.method in {"prank", "dist2max",
        "dist2targ"} else 1), normalise_indicator(x, spec, direction), rtol=0, atol=1e-12)  # fmt: skip
    np.testing.assert_allclose(via_ref, coinr, rtol=0, atol=1e-12)


def test_ranks_against_a_reference_by_hand():
    from cfeval.framework.index_model import Normalisation
    from cfeval.scoring.index_normalise import normalise_indicator

    x = np.array([5.0, 1.0, 3.0, 4.0, 9.0, NaN])
    ref = np.array([True, True, True, False, False, False])  # reference values 5, 1, 3
    rank = normalise_indicator(x, Normalisation(method="rank"), 1, ref)
    np.testing.assert_array_equal(rank[:5], [3, 1, 2, 3, 4])  # 4 has 1 and 3 below it
    prank = normalise_indicator(x, Normalisation(method="prank", scale=1), 1, ref)
    np.testing.assert_allclose(prank[:5], [1.0, 0.0, 0.5, 1.0, 1.5])
    assert math.isnan(rank[5]) and math.isnan(prank[5])


def test_every_index_message_has_chinese_words():
    import ast

    from cfeval.i18n import words

    zh = words("zh")
    src = Path(cfeval.__file__).parent
    modules = ["framework/index_model.py", "framework/index_checks.py",
               "scoring/index_normalise.py", "scoring/index_mode.py",
               "results/sensitivity.py", "report/sensitivity_chart.py", "report/comparison.py"]  # fmt: skip
    missing = []
    for rel in modules:
        for node in ast.walk(ast.parse((src / rel).read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and getattr(node.func, "id", None) in {"Msg", "N_", "w"}
                and node.args
                and isinstance(node.args[0], ast.Constant)
            ):
                msgid = node.args[0].value
                if zh(msgid) == msgid:
                    missing.append(msgid)
    assert not missing


@settings(max_examples=25, deadline=None)
@given(st.floats(0.01, 1000), st.floats(-1000, 1000), st.sampled_from(["minmax", "rank", "prank"]))
def test_the_index_does_not_depend_on_an_indicators_units(scale, shift, method):
    """A law of normalising across units: a raw value in other units (a x + b, a > 0) gives
    the same index, for every method that takes its scale from the data."""
    norm = {"minmax": "{method: minmax, range: [1, 100]}", "rank": "{method: rank}",
            "prank": "{method: prank}"}[method]  # fmt: skip
    text = TEXT.replace("{method: minmax, range: [1, 100]}", norm)
    if method == "prank":
        text = text.replace("  aggregation: gmean\n", "")
    fw = parse_framework(text, "composite.yaml")
    moved = audit()
    moved["a"] = moved["a"] * scale + shift
    base, other = run(fw).scores["score"], run(fw, moved).scores["score"]
    np.testing.assert_allclose(other, base, rtol=0, atol=1e-9)


# ------------------------------------------------------------- categorical scales


def _percentile_by_hand(values, p):
    """R's quantile(type = 7), written out: linear between the order statistics."""
    xs = sorted(v for v in values if not math.isnan(v))
    h = (len(xs) - 1) * p / 100
    lo = math.floor(h)
    return xs[lo] if lo + 1 >= len(xs) else xs[lo] + (h - lo) * (xs[lo + 1] - xs[lo])


def _category_by_hand(v, cuts, scores, direction):
    if math.isnan(v):
        return NaN
    above = sum(1 for c in cuts if c <= v)  # a value on a cut belongs to the category above
    return (scores if direction == 1 else scores[::-1])[above]


def test_categorical_scale_on_percentile_cuts_by_hand():
    spec = "{method: categorical, thresholds: [25, 50, 75], percentiles: true, scores: [10, 40, 70, 100]}"
    fw = fw_with(
        replace=("normalisation: {method: minmax, range: [1, 100]}", "normalisation: " + spec)
    )
    result = run(fw)
    scores = [10.0, 40.0, 70.0, 100.0]
    expected = {}
    for f, values in DATA.items():
        cuts = [_percentile_by_hand(values, p) for p in (25, 50, 75)]
        direction = -1 if f == "c" else 1
        expected[f] = [_category_by_hand(v, cuts, scores, direction) for v in values]
    # c = [3, 1, 2]: cuts 1.5, 2, 2.5; 2 sits on a cut, so it is in the third category of c's
    # own units, which with direction -1 scores 40.
    assert expected["c"][:3] == [10.0, 100.0, 40.0]
    for u, cid in enumerate(UNITS):
        for f in DATA:
            node = "if_" if f == "f" else f"i{f}"
            got = frame_value(result, cid, node)["score"]
            assert got == pytest.approx(expected[f][u], abs=1e-9, nan_ok=True)
    given = iter(expected[f] for f in DATA)  # by_hand_index normalises the fields in this order
    _, _, _, total = by_hand_index(DATA, norm=lambda _x: next(given))
    for u, cid in enumerate(UNITS):
        assert frame_value(result, cid, "total")["score"] == pytest.approx(total[u], abs=1e-9)


@pytest.mark.parametrize(
    ("spec", "words"),
    [
        ("{method: categorical}", "needs `thresholds`"),
        ("{method: categorical, thresholds: [5, 5]}", "must go up"),
        ("{method: categorical, thresholds: [5, 120], percentiles: true}", "between 0 and 100"),
        ("{method: categorical, thresholds: [5], scores: [1, 2, 3]}", "needs 2 values"),
        ("{method: categorical, thresholds: [5], scores: [0, 100]}", "geometric or harmonic"),
        ("{method: minmax, thresholds: [5]}", "`thresholds` does not belong to normalisation minmax"),
    ],
)  # fmt: skip
def test_categorical_mistakes_are_located(spec, words):
    with pytest.raises(FrameworkError) as info:
        fw_with(
            replace=("normalisation: {method: minmax, range: [1, 100]}", "normalisation: " + spec)
        )
    text = str(info.value)
    assert words in text and "composite.yaml:" in text, text


def test_categorical_percentile_cuts_from_a_reference_by_hand():
    from cfeval.framework.index_model import Normalisation
    from cfeval.scoring.index_normalise import normalise_indicator

    x = np.array([5.0, 1.0, 3.0, 4.0, 2.0, NaN])
    ref = np.array([True, True, True, False, False, False])  # median of 5, 1, 3 is 3
    spec = Normalisation(method="categorical", thresholds=(50,), percentiles=True)
    got = normalise_indicator(x, spec, 1, ref)
    np.testing.assert_array_equal(got, [100, 0, 100, 100, 0, NaN])
    np.testing.assert_array_equal(normalise_indicator(x, spec, -1, ref), [0, 100, 0, 0, 100, NaN])
