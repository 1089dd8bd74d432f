"""Scoring rules: each rule type on hand-picked values, edges included."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from cfeval.framework.model import Scale
from cfeval.framework.rules import (
    BandsRule,
    GoalpostsRule,
    LevelsRule,
    ScaleMeanRule,
    ShareFavourableRule,
    TargetRule,
    YesNoRule,
    respondent_mean,
)
from cfeval.scoring.rules import RULES, rescale_items

nan = np.nan
AGREE5 = Scale(values=[1, 2, 3, 4, 5])


def same(got, want):
    np.testing.assert_allclose(
        np.asarray(got, dtype=float), np.asarray(want, dtype=float), rtol=0, atol=1e-12
    )


def test_registry_covers_every_rule_type():
    assert set(RULES) == {
        "scale_mean",
        "share_favourable",
        "yes_no",
        "levels",
        "bands",
        "goalposts",
        "target",
        "proposal_log",
    }


def test_rescale_items_reverses_then_rescales():
    # item 1 plain 1..5: (v-1)/4; item 2 reversed 1..5: (6-v-1)/4 = (5-v)/4; item 3 plain 0..10
    x = np.array([[1.0, 1.0, 0.0], [5.0, 5.0, 10.0], [4.0, 2.0, 2.5], [nan, 3.0, nan]])
    out = rescale_items(
        x, np.array([1.0, 1.0, 0.0]), np.array([5.0, 5.0, 10.0]), np.array([False, True, False])
    )
    same(out, [[0, 1, 0], [1, 0, 1], [0.75, 0.75, 0.25], [nan, 0.5, nan]])


def test_respondent_mean_needs_enough_valid_items():
    x = np.array([[1.0, 0.5, nan], [nan, nan, 0.25], [0.0, 0.0, 0.0]])
    same(respondent_mean(x, 2), [0.75, nan, 0.0])
    same(respondent_mean(x, 1), [0.75, 0.25, 0.0])


def test_scale_mean_is_the_mean_of_rescaled_items():
    x = np.array([[1.0, 0.5], [nan, 0.25]])
    same(
        RULES["scale_mean"](x, ScaleMeanRule(type="scale_mean"), needed=1, scale=AGREE5),
        [0.75, 0.25],
    )


def test_share_favourable_counts_means_at_or_above_the_cut():
    # raw means 4.0 (exactly the cut), 3.5, 4.5, none; on 0..1 the cut 4 is 0.75
    raw = np.array([[4.0, 4.0], [3.0, 4.0], [4.0, 5.0], [nan, nan]])
    x = (raw - 1) / 4
    rule = ShareFavourableRule(type="share_favourable", cut=4)
    same(RULES["share_favourable"](x, rule, needed=1, scale=AGREE5), [1, 0, 1, nan])
    # three answers averaging exactly 4 in floating point (4, 5, 3) still reach the cut
    three = (np.array([[4.0, 5.0, 3.0]]) - 1) / 4
    same(RULES["share_favourable"](three, rule, needed=1, scale=AGREE5), [1])


def test_yes_no():
    same(RULES["yes_no"](np.array([1.0, 0.0, nan]), YesNoRule(type="yes_no")), [1, 0, nan])


def test_levels_maps_categories_and_leaves_unknown_missing():
    rule = LevelsRule(type="levels", levels={"none": 0, "partial": 0.5, "full": 1})
    values = np.array(["full", "partial", None, "none", "other"], dtype=object)
    same(RULES["levels"](values, rule), [1, 0.5, nan, 0, nan])


def test_bands_take_the_highest_band_reached():
    rule = BandsRule(
        type="bands",
        bands=[
            {"min": 2, "attainment": 0.2},
            {"min": 4, "attainment": 0.5},
            {"min": 12, "attainment": 1},
        ],
    )
    # below the first band earns nothing; a band's min is inclusive
    same(
        RULES["bands"](np.array([0.0, 2.0, 3.99, 4.0, 11.0, 12.0, 99.0, nan]), rule),
        [0, 0.2, 0.2, 0.5, 0.5, 1, 1, nan],
    )


def test_goalposts_both_directions_are_linear_and_clamped():
    up = GoalpostsRule(type="goalposts", low=20, high=80)
    down = GoalpostsRule(type="goalposts", low=20, high=80, direction="lower_is_better")
    v = np.array([0.0, 20.0, 35.0, 80.0, 100.0, nan])
    same(RULES["goalposts"](v, up), [0, 0, 0.25, 1, 1, nan])
    same(RULES["goalposts"](v, down), [1, 1, 0.75, 0, 0, nan])


def test_target_is_value_over_target_capped():
    rule = TargetRule(type="target", target=200)
    same(
        RULES["target"](np.array([-5.0, 0.0, 50.0, 200.0, 300.0, nan]), rule),
        [0, 0, 0.25, 1, 1, nan],
    )


@settings(max_examples=60, deadline=None)
@given(
    values=arrays(
        np.float64, st.integers(1, 30), elements=st.one_of(st.just(np.nan), st.floats(-1e6, 1e6))
    )
)
def test_field_rules_give_attainment_in_unit_interval_or_missing(values):
    rules = [
        YesNoRule(type="yes_no"),
        BandsRule(
            type="bands", bands=[{"min": 0, "attainment": 0.3}, {"min": 10, "attainment": 1}]
        ),
        GoalpostsRule(type="goalposts", low=-5, high=5),
        GoalpostsRule(type="goalposts", low=-5, high=5, direction="lower_is_better"),
        TargetRule(type="target", target=7),
    ]
    for rule in rules:
        out = RULES[rule.type](values, rule)
        assert out.shape == values.shape
        assert (np.isnan(out) == np.isnan(values)).all(), rule.type
        finite = out[~np.isnan(out)]
        assert ((finite >= 0) & (finite <= 1)).all(), rule.type


@pytest.mark.parametrize("rule_type", ["goalposts", "target", "bands"])
def test_number_rules_are_monotone(rule_type):
    rule = {
        "goalposts": GoalpostsRule(type="goalposts", low=1, high=9),
        "target": TargetRule(type="target", target=5),
        "bands": BandsRule(
            type="bands",
            bands=[
                {"min": 0, "attainment": 0},
                {"min": 3, "attainment": 0.4},
                {"min": 6, "attainment": 1},
            ],
        ),
    }[rule_type]
    v = np.linspace(-2, 12, 200)
    assert (np.diff(RULES[rule_type](v, rule)) >= 0).all()


# --------------------------------------------------------------------------- one place


def _at_least_entry():
    """A rule type that exists only in this test: a number of at least ``at`` scores 1."""
    from typing import Literal

    from cfeval.framework.base import FormatModel
    from cfeval.framework.rules import RuleType
    from cfeval.i18n import Msg

    class AtLeastRule(FormatModel):
        type: Literal["at_least"]
        at: float

    def check(rule, ctx):
        if ctx.field.max is not None and rule.at > ctx.field.max:
            yield ("at",), Msg("{at} is above the field's maximum", at=f"{rule.at:g}")

    def score(values, rule, **_):
        v = np.asarray(values, dtype=np.float64)
        return np.where(np.isnan(v), np.nan, (v >= rule.at).astype(np.float64))

    return RuleType(
        name="at_least",
        params=AtLeastRule,
        evidence="field",
        field_types=frozenset({"number"}),
        score=score,
        describe=lambda rule, ctx: ctx.w("At least {at}: full marks.", at=ctx.value(rule.at)),
        synthesize=lambda rule, field, a, u: rule.at if u < a else rule.at - 1,
        check=check,
    )


@pytest.fixture
def at_least():
    from cfeval.framework.rules import register, unregister

    register(_at_least_entry())
    yield
    unregister("at_least")


def _full_with_at_least(at: float) -> str:
    from pathlib import Path

    text = (Path(__file__).parent / "fixtures" / "frameworks" / "full.yaml").read_text("utf-8")
    old = "rule: {type: bands, bands: [{min: 0, attainment: 0}, {min: 4, attainment: 0.5}, {min: 12, attainment: 1}]}"
    assert old in text
    return text.replace(old, f"rule: {{type: at_least, at: {at}}}")


def test_a_rule_type_registered_in_one_place_works_everywhere(at_least, tmp_path):
    """Registering one entry is enough: YAML, checks, scoring, words and sample data."""
    import cfeval
    from cfeval.errors import FrameworkError
    from cfeval.framework.loader import parse_framework
    from cfeval.report.reference import framework_markdown
    from cfeval.sample.generate import generate

    fw = parse_framework(_full_with_at_least(12), "toy.yaml")
    assert fw.node("council_activity").rule.at == 12
    # its own whole-file check, located in the file
    with pytest.raises(FrameworkError) as err:
        parse_framework(_full_with_at_least(60), "toy.yaml")
    (problem,) = err.value.problems
    assert problem.path == "dimensions.0.dimensions.0.indicators.1.rule.at"
    assert problem.message == "60 is above the field's maximum"
    assert problem.line == 68
    # described in the reference
    assert "At least 12: full marks." in framework_markdown(fw, "en")
    # synthesized: the values it draws are the two sides of the threshold
    survey, audit = generate(fw, seed=3, broken=False)
    assert set(audit["council_meetings"]) == {11.0, 12.0}
    # scored by the engine, through the registry
    survey.to_csv(tmp_path / "survey.csv", index=False)
    audit.to_csv(tmp_path / "audit.csv", index=False)
    result = cfeval.score(fw, survey=tmp_path / "survey.csv", audit=tmp_path / "audit.csv")
    scores = result.scores[result.scores["node_id"] == "council_activity"]
    got = dict(
        zip(scores["community_id"] + "/" + scores["wave"].astype(str), scores["score"], strict=True)
    )
    expected = {
        f"{row.community_id}/{row.wave}": 100.0 if row.council_meetings >= 12 else 0.0
        for row in audit.itertuples()
    }
    assert got == expected


def test_a_registered_rule_type_is_gone_after_unregistering(tmp_path):
    from cfeval.errors import FrameworkError
    from cfeval.framework.loader import parse_framework
    from cfeval.framework.rules import RULE_TYPES, register, unregister

    register(_at_least_entry())
    try:
        with pytest.raises(ValueError, match="already registered"):
            register(_at_least_entry())
    finally:
        unregister("at_least")
    assert "at_least" not in RULE_TYPES
    with pytest.raises(FrameworkError, match="unknown rule type 'at_least'"):
        parse_framework(_full_with_at_least(12), "toy.yaml")
    with pytest.raises(ValueError, match="built in"):
        unregister("bands")


def test_share_favourable_refuses_items_on_scales_of_different_ranges():
    # One cut on a 1..3 and a 1..5 item: the cut would mean different things per item and
    # the result depended on the order of the items. The framework check refuses it.
    from pathlib import Path

    from cfeval.framework.consistency import cross_check
    from cfeval.framework.loader import parse_framework

    text = (Path(__file__).parent / "fixtures" / "oracle" / "points.yaml").read_text("utf-8")
    fw = parse_framework(text, "points.yaml")
    assert cross_check(fw) == []
    fw.scales["three"] = fw.scales["agree5"].model_copy(update={"values": [1, 2, 3]})
    safe = fw.node("safe")
    safe.items[1].scale = "three"
    problems = cross_check(fw)
    assert len(problems) == 1
    loc, msg = problems[0]
    assert loc[-2:] == ("rule", "cut")
    assert "agree5 (1..5), three (1..3)" in str(msg)
