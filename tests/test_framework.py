"""The framework models: navigation helpers, grades, and cross_check's (loc, message) pairs."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from cfeval.framework.consistency import cross_check
from cfeval.framework.model import AuditField, Dimension, Framework, Indicator, Scale


@pytest.fixture
def fw(full_framework):
    """A private copy of full.yaml's framework that a test may change."""
    return full_framework.model_copy(deep=True)


def _messages(fw: Framework) -> dict[tuple, str]:
    return dict(cross_check(fw))


def test_valid_fixtures_have_no_problems(full_framework, index_framework):
    assert cross_check(full_framework) == []
    assert cross_check(index_framework) == []


def test_walk_is_depth_first_with_id_paths(full_framework):
    paths = [".".join(path) for path, _ in full_framework.walk()]
    assert paths == [
        "participation",
        "participation.council",
        "participation.council.children_council",
        "participation.council.council_activity",
        "participation.voice_heard",
        "space",
        "space.play_space",
        "space.safety",
        "space.proposals_answered",
        "space.feel_safe",
    ]


def test_indicators_items_and_node_lookup(full_framework):
    assert [i.id for i in full_framework.indicators()] == [
        "children_council",
        "council_activity",
        "voice_heard",
        "play_space",
        "safety",
        "proposals_answered",
        "feel_safe",
    ]
    assert [it.id for it in full_framework.items()] == [
        "c_voice_1",
        "c_voice_2",
        "c_voice_3",
        "c_safe_1",
        "c_safe_2",
    ]
    assert isinstance(full_framework.node("council"), Dimension)
    assert isinstance(full_framework.node("safety"), Indicator)
    with pytest.raises(KeyError):
        full_framework.node("nowhere")


def test_max_total(full_framework, index_framework):
    assert full_framework.max_total() == 100
    assert index_framework.max_total() == 100.0


@pytest.mark.parametrize(
    "score, grade",
    [
        (100, "excellent"),
        (90, "excellent"),
        (89.99, "good"),
        (75, "good"),
        (60, "qualified"),
        (59.9, "not_qualified"),
        (0, "not_qualified"),
        (-5, "not_qualified"),
    ],
)
def test_grade_boundaries(full_framework, score, grade):
    assert full_framework.grade_for(score).id == grade


@given(a=st.floats(min_value=0, max_value=100), b=st.floats(min_value=0, max_value=100))
def test_grade_never_falls_as_the_score_rises(full_framework, a, b):
    low, high = sorted((a, b))
    order = [g.id for g in full_framework.scoring.grades]  # highest first
    assert order.index(full_framework.grade_for(high).id) <= order.index(
        full_framework.grade_for(low).id
    )
    assert full_framework.grade_for(low).min <= low


def test_valid_items_needed_defaults_to_half_rounded_up(fw):
    voice = fw.node("voice_heard")
    assert voice.valid_items_needed() == 2  # min_valid_items given
    voice.min_valid_items = None
    assert voice.valid_items_needed() == 2  # ceil(3 / 2)
    safe = fw.node("feel_safe")
    assert safe.valid_items_needed() == 1  # ceil(2 / 2)
    assert fw.node("children_council").valid_items_needed() == 1  # no items: at least one


def test_scale_range():
    scale = Scale(values=[5, 1, 3, 2, 4])
    assert (scale.low, scale.high) == (1, 5)


@pytest.mark.parametrize(
    "spec, message",
    [
        ({"type": "category", "label": {"en": "x"}}, "needs `categories`"),
        (
            {
                "type": "boolean",
                "label": {"en": "x"},
                "categories": [{"value": "a", "label": {"en": "A"}}],
            },
            "only belong",
        ),
        ({"type": "boolean", "label": {"en": "x"}, "min": 0}, "`min`/`max` only belong"),
        ({"type": "number", "label": {"en": "x"}, "min": 5, "max": 5}, "must be below"),
    ],
)
def test_audit_field_shapes(spec, message):
    with pytest.raises(ValidationError, match=message):
        AuditField.model_validate(spec)


# --------------------------------------------------------------------------- cross_check locations


def test_cross_check_points_at_the_offending_node(fw):
    fw.node("children_council").points = 5
    fw.node("feel_safe").respondents = ["child", "teen"]
    fw.node("feel_safe").rule.cut = 6
    fw.veto[0].max_grade = "failed"
    assert _messages(fw) == {
        ("dimensions", 0, "dimensions", 0, "points"): "children's points add up to 15, not 20",
        (
            "dimensions",
            1,
            "indicators",
            3,
            "respondents",
            1,
        ): "unknown respondent group 'teen'; declared: ['child', 'parent']",
        ("dimensions", 1, "indicators", 3, "rule", "cut"): (
            "cut 6 must lie inside scale 'agree5' (1..5) and above its lowest value"
        ),
        ("veto", 0, "max_grade"): (
            "unknown grade 'failed'; grades: ['excellent', 'good', 'qualified', 'not_qualified']"
        ),
    }


def test_cross_check_labels_follow_declared_languages(fw):
    fw.languages = ["zh", "en", "bo"]
    problems = cross_check(fw)
    # every label in the file lacks Tibetan now: one problem per label, all about 'bo'
    assert problems
    assert all(msg == "label has no 'bo' text (languages: zh, en, bo)" for _, msg in problems)
    assert (("title",), "label has no 'bo' text (languages: zh, en, bo)") in problems


def test_cross_check_index_mode_weights(index_framework):
    fw = index_framework.model_copy(deep=True)
    fw.dimensions[1].weight = -1
    fw.dimensions[0].points = 10
    assert _messages(fw) == {
        ("dimensions", 1, "weight"): "weights must be positive (got -1)",
        ("dimensions", 0, "points"): "`points` does not apply in index mode; use `weight`",
    }


def test_cross_check_total_and_bonus_cap(fw):
    fw.scoring.total = 90
    fw.scoring.bonus_cap = 0
    assert _messages(fw) == {
        ("dimensions",): "dimension points add up to 100, not the declared total 90",
        ("scoring", "bonus_cap"): "bonus items need a positive `bonus_cap`",
    }


def test_cross_check_grades(fw):
    fw.scoring.grades[1].min = 95
    fw.scoring.grades[3].min = 10
    assert _messages(fw) == {
        ("scoring", "grades"): "grade minimums must be strictly descending (got 90, 95, 60, 10)",
        (
            "scoring",
            "grades",
            3,
            "min",
        ): "the lowest grade must start at 0 so every score has a grade",
    }


def test_cross_check_a_dimension_without_children(fw):
    fw.dimensions.append(Dimension(id="empty", label={"zh": "空", "en": "Empty"}, points=10))
    messages = _messages(fw)
    assert messages[("dimensions", 2)] == "a dimension needs `dimensions` or `indicators`"
    assert messages[("dimensions",)] == "dimension points add up to 110, not the declared total 100"


def test_band_below_a_field_with_only_a_minimum(fw):
    from cfeval.framework.rules import BandsRule

    fw.node("play_space").rule = BandsRule(
        type="bands", bands=[{"min": -5, "attainment": 0}, {"min": 100, "attainment": 1}]
    )
    assert _messages(fw) == {
        ("dimensions", 1, "indicators", 0, "rule", "bands", 0, "min"): (
            "band min -5 lies outside the field's range 0..inf"
        )
    }


# --------------------------------------------------------------------------- items per group


def _voice(fw: Framework) -> Indicator:
    ind = fw.node("voice_heard")
    assert isinstance(ind, Indicator)
    return ind


VOICE = ("dimensions", 0, "indicators", 0)


def test_items_for_follows_item_respondents(fw):
    voice = _voice(fw)
    voice.min_valid_items = None
    # c_voice_1..3 for children, c_voice_3 also for parents; parents get one item.
    for it in voice.items[:2]:
        it.respondents = ["child"]
    assert [it.id for it in voice.items_for("child")] == ["c_voice_1", "c_voice_2", "c_voice_3"]
    assert [it.id for it in voice.items_for("parent")] == ["c_voice_3"]
    assert voice.items_for("staff") == []
    assert voice.valid_items_needed("child") == 2  # half of 3, rounded up
    assert voice.valid_items_needed("parent") == 1
    assert cross_check(fw) == []


def test_item_respondents_are_checked_per_group(fw):
    voice = _voice(fw)
    voice.items[0].respondents = ["staff"]  # not a group of this indicator
    for it in voice.items[1:]:
        it.respondents = ["child"]  # so no item is left for parents
    problems = _messages(fw)
    assert (
        "'staff' is not one of this indicator's respondents"
        in problems[(*VOICE, "items", 0, "respondents", 0)]
    )
    assert problems[(*VOICE, "items")] == "no item is asked of respondent group 'parent'"
    assert "exceeds the 0 items" not in " ".join(problems.values())


def test_min_valid_items_must_fit_every_group(fw):
    voice = _voice(fw)  # min_valid_items: 2
    voice.items[2].respondents = ["parent"]
    voice.items[0].respondents = voice.items[1].respondents = ["child"]
    assert _messages(fw)[(*VOICE, "min_valid_items")] == (
        "min_valid_items 2 exceeds the 1 items asked of 'parent'"
    )


def test_items_can_be_asked_of_some_groups_only(index_framework):
    ind = index_framework.node("youth_served")
    assert [it.id for it in ind.items_for("youth")] == ["y_served_1", "y_served_2"]
    assert [it.id for it in ind.items_for("staff")] == ["y_served_1"]
    assert ind.items_for("parent") == []
    assert (ind.valid_items_needed("youth"), ind.valid_items_needed("staff")) == (1, 1)


def test_check_framework_and_summary_in_both_languages(full_yaml, index_yaml):
    from cfeval.errors import UsageError
    from cfeval.framework.check import check_framework, framework_summary

    fw = check_framework(full_yaml)
    en = dict(framework_summary(fw, "en"))
    assert en["framework"] == "fixture-full 1.0"
    assert en["total"] == "100 points (declared total 100)"
    assert en["  by source"] == "audit 3, records 2, survey 2"
    assert en["bonus items"] == "1 (cap 5)"
    zh = dict(framework_summary(fw, "zh"))
    assert zh["总分"] == "100 分（声明总分 100）"
    assert zh["加分项"] == "1（上限 5）"
    assert zh["指标数"] == "7"
    assert dict(framework_summary(check_framework(index_yaml), "en"))["total"] == "index, 0-100"
    with pytest.raises(UsageError, match="framework file not found"):
        check_framework("no/such/framework.yaml")
