"""The frameworks that ship with cfeval: valid, complete, bilingual, and scoreable end to end."""

from __future__ import annotations

import re

import pytest

from cfeval.framework.consistency import cross_check
from cfeval.framework.loader import load_framework, shipped_frameworks
from cfeval.framework.model import Framework
from cfeval.framework.rules import RULE_TYPES

SIZES = {
    "chengdu-community": (25, 40),
    "hangzhou-community": (20, 35),
    "tzsx-community": (20, 35),
    "unicef-cfci": (20, 35),
    "research-index": (20, 35),
}
IDS = sorted(SIZES)
SNAKE = re.compile(r"^[a-z][a-z0-9_]*$")
CJK = re.compile(r"[\u3400-\u9fff]")
PREFIX = {"c": "child", "p": "parent", "s": "staff"}


@pytest.fixture(scope="module", params=IDS)
def fw(request) -> Framework:
    return load_framework(request.param)


def test_the_expected_frameworks_ship():
    assert set(IDS) <= {fid for fid, _ in shipped_frameworks()}


def test_loads_and_passes_cross_check(fw):
    assert cross_check(fw) == []
    assert fw.languages == ["zh", "en"]


def test_indicator_count_in_range(fw):
    low, high = SIZES[fw.id]
    assert low <= len(fw.indicators()) <= high


def test_every_indicator_has_evidence_and_recommendation_in_every_language(fw):
    for ind in fw.indicators():
        for name in ("evidence", "recommendation"):
            text = getattr(ind, name)
            assert text is not None, (ind.id, name)
            for lang in fw.languages:
                assert len((text.get(lang) or "").strip()) >= 8, (ind.id, name, lang)


def _texts(fw: Framework):
    """Every label-like text of the framework with a name for messages."""
    yield "title", fw.title
    yield "provenance", fw.provenance.note
    for g in fw.scoring.grades:
        yield g.id, g.label
    for key, r in fw.respondents.items():
        yield key, r.label
    for key, f in fw.fields.items():
        yield key, f.label
        if f.help:
            yield f"{key}.help", f.help
        for c in f.categories or []:
            yield f"{key}.{c.value}", c.label
    for _, node in fw.walk():
        yield node.id, node.label
        if hasattr(node, "recommendation"):
            yield f"{node.id}.recommendation", node.recommendation
            yield f"{node.id}.evidence", node.evidence
            for it in node.items or []:
                yield it.id, it.text
    for b in [*fw.bonus, *fw.veto]:
        yield b.id, b.label


def test_languages_are_not_swapped_or_left_untranslated(fw):
    for name, text in _texts(fw):
        assert CJK.search(text["zh"]), (name, text["zh"])
        assert not CJK.search(text["en"]), (name, text["en"])


def test_no_item_text_repeats_within_a_framework(fw):
    for lang in fw.languages:
        texts = [it.text[lang] for it in fw.items()]
        assert len(texts) == len(set(texts)), lang


def test_ids_are_snake_case(fw):
    names = [n.id for _, n in fw.walk()] + [it.id for it in fw.items()]
    names += [*fw.fields, *fw.scales, *fw.respondents]
    names += [b.id for b in fw.bonus] + [v.id for v in fw.veto] + [g.id for g in fw.scoring.grades]
    names += [c.value for f in fw.fields.values() for c in f.categories or []]
    assert [n for n in names if not SNAKE.match(n)] == []


def test_items_are_prefixed_by_the_group_that_answers_them(fw):
    for ind in fw.indicators():
        for it in ind.items or []:
            group = PREFIX.get(it.id[:2].rstrip("_"))
            assert it.id[1] == "_" and group is not None, it.id
            assert group in ind.respondents, (ind.id, it.id, ind.respondents)
            # children answer on the children's scale, adults never do
            assert (it.scale == "child3") == (group == "child"), (it.id, it.scale)
        # every group asked has at least one item of its own
        for group in ind.respondents or []:
            assert any(PREFIX[it.id[0]] == group for it in ind.items), (ind.id, group)


def test_standard_respondent_groups_and_scales(fw):
    assert {k: r.min_n for k, r in fw.respondents.items()} == {
        "child": 20,
        "parent": 15,
        **({"staff": 3} if "staff" in fw.respondents else {}),
    }
    child = fw.scales["child3"]
    assert child.values == [1, 2, 3] and child.missing_codes == [9]
    assert child.labels[9] == {"zh": "不知道", "en": "I don't know"}


def test_several_indicators_show_children_beside_adults(fw):
    both = [i for i in fw.indicators() if {"child", "parent"} <= set(i.respondents or [])]
    assert len(both) >= 3
    assert any(i.group_weights for i in both)
    assert any(it.reverse for it in fw.items())


# ---------------------------------------------------------------- framework-specific


def test_chengdu_has_the_six_areas_as_first_level_dimensions():
    fw = load_framework("chengdu-community")
    assert [d.label["zh"] for d in fw.dimensions] == [
        "儿童参与机制",
        "儿童观察团",
        "服务提供",
        "权利保障",
        "空间营造",
        "文化氛围",
    ]
    assert fw.scoring.method == "points" and fw.scoring.total == 100


def test_chengdu_uses_every_rule_type():
    fw = load_framework("chengdu-community")
    used = {i.rule.type for i in fw.indicators()} | {b.rule.type for b in fw.bonus}
    assert used == set(RULE_TYPES)


def test_chengdu_observation_group_follows_observe_propose_act():
    fw = load_framework("chengdu-community")
    group = fw.node("observation_group")
    rules = {i.id: i.rule.type for i in group.indicators}
    assert rules["observation_sessions"] == "bands"
    # the log's measures when a proposal log is given, else the audit field, scored alike
    assert rules["proposals_recorded"] == rules["proposals_answered"] == "proposal_log"
    recorded, answered = (group.indicators[i].rule for i in (2, 3))
    assert (recorded.measure, recorded.scored_by.type) == ("n_proposals", "target")
    assert (answered.measure, answered.scored_by.type) == ("share_reported_back", "goalposts")
    assert fw.fields["proposals_answered_pct"].max == 100


def test_points_frameworks_grades_bonus_and_veto():
    for fid in ("chengdu-community", "hangzhou-community", "tzsx-community"):
        fw = load_framework(fid)
        assert [(g.id, g.min, g.label["zh"]) for g in fw.scoring.grades] == [
            ("excellent", 90, "优秀"),
            ("good", 75, "良好"),
            ("qualified", 60, "合格"),
            ("not_qualified", 0, "待合格"),
        ]
        assert fw.scoring.bonus_cap == 5 and len(fw.bonus) >= 2
        vetoes = {v.field: v.when for v in fw.veto}
        assert vetoes == {
            "serious_child_safety_incident": True,
            "has_protection_reporting_route": False,
        }


def test_hangzhou_five_areas():
    fw = load_framework("hangzhou-community")
    assert [d.id for d in fw.dimensions] == ["policy", "space", "services", "rights", "environment"]


def test_tzsx_five_content_chapters_and_honest_provenance():
    fw = load_framework("tzsx-community")
    assert [d.label["zh"] for d in fw.dimensions] == [
        "制度建设",
        "文化建设",
        "空间营造",
        "服务提供",
        "人员管理",
    ]
    assert fw.scoring.method == "points" and fw.scoring.total == 100
    titles = " ".join(s.title for s in fw.provenance.based_on)
    assert "T/ZSX 3-2020" in titles and "关于推进儿童友好城市建设的指导意见" in titles
    note = fw.provenance.note["en"]
    assert "public descriptions" in note and "not the standard's own scoring" in note


def test_unicef_index_mode_goal_areas_parent_scale_and_levels():
    fw = load_framework("unicef-cfci")
    assert fw.scoring.method == "index" and fw.scoring.total is None
    assert len(fw.dimensions) == 5 and all(d.weight == 1 for d in fw.dimensions)
    assert all(i.weight is not None and i.points is None for i in fw.indicators())
    parent = fw.scales["truth3"]
    assert parent.values == [1, 2, 3] and parent.missing_codes == [9]
    assert [parent.labels[v]["en"] for v in (1, 2, 3, 9)] == [
        "Never true",
        "Sometimes true",
        "Mostly true",
        "Does not apply",
    ]
    assert [parent.labels[v]["zh"] for v in (1, 2, 3, 9)] == [
        "从不",
        "有时",
        "大多数时候",
        "不适用",
    ]
    assert [(g.id, g.min) for g in fw.scoring.grades] == [
        ("advanced", 80),
        ("established", 65),
        ("developing", 50),
        ("beginning", 0),
    ]
    assert "not a UNICEF rating" in fw.description["en"]


# ---------------------------------------------------------------- scored end to end


def _audit_row(fw: Framework, best: bool) -> dict:
    """Audit values that give every field rule full (best) or zero attainment; no veto fires."""
    rules = {i.field: i.rule for i in [*fw.indicators(), *fw.bonus] if getattr(i, "field", None)}
    vetoes = {v.field: v.when for v in fw.veto}
    row = {}
    for key in fw.fields:
        rule = rules.get(key)
        if rule is not None and rule.type == "proposal_log":  # scored as its number rule
            rule = rule.scored_by
        if rule is None:
            row[key] = 0.0 if vetoes[key] else 1.0
        elif rule.type == "yes_no":
            row[key] = 1.0 if best else 0.0
        elif rule.type == "levels":
            row[key] = (max if best else min)(rule.levels, key=rule.levels.get)
        elif rule.type == "bands":
            row[key] = rule.bands[-1 if best else 0].min
        elif rule.type == "goalposts":
            up = rule.direction == "higher_is_better"
            row[key] = rule.high if up == best else rule.low
        else:
            row[key] = rule.target if best else 0.0
    return row


def _survey_rows(fw: Framework, community: str, best: bool) -> list[dict]:
    rows = []
    for group, spec in fw.respondents.items():
        for k in range(spec.min_n):
            row = {
                "community_id": community,
                "wave": "1",
                "respondent": group,
                "weight": 1.0,
                "respondent_id": f"{community}-{group}-{k}",
            }
            for it in fw.items():
                if PREFIX[it.id[0]] == group:
                    scale = fw.scales[it.scale]
                    row[it.id] = float(scale.high if (not it.reverse) == best else scale.low)
            rows.append(row)
    return rows


def _score(fw: Framework, audits: dict[str, dict], survey_for: dict[str, bool]):
    import numpy as np
    import pandas as pd

    from cfeval.scoring.engine import score

    audit = pd.DataFrame(
        [
            {"community_id": c, "wave": "1", "name": c, "city": "c", "district": "d", **row}
            for c, row in audits.items()
        ]
    )
    survey = pd.DataFrame([r for c, best in survey_for.items() for r in _survey_rows(fw, c, best)])
    for it in fw.items():
        if it.id not in survey:
            survey[it.id] = np.nan
    return score(fw, survey=survey, audit=audit).communities.set_index("community_id")


@pytest.mark.parametrize("fid", IDS)
def test_every_indicator_reaches_full_and_zero_attainment(fid):
    fw = load_framework(fid)
    top = fw.scoring.grades[0].id
    bottom = fw.scoring.grades[-1].id
    out = _score(
        fw,
        {"best": _audit_row(fw, True), "worst": _audit_row(fw, False)},
        {"best": True, "worst": False},
    )
    assert out.loc["best", "score"] == pytest.approx(100.0)
    assert out.loc["best", "grade"] == top
    # a composite index normalised across the units puts the worst at its range's floor
    floor = fw.index.normalisation.range[0] if fw.index is not None else 0.0
    assert out.loc["worst", "score"] == pytest.approx(floor)
    assert out.loc["worst", "grade"] == bottom
    assert not out["vetoed"].any()


def test_chengdu_partial_scores_by_hand():
    fw = load_framework("chengdu-community")
    best = _audit_row(fw, True)
    worst = _audit_row(fw, False)
    no_bonus = {**best, "five_society_partners": 0.0, "innovation_recognition": "none"}
    # council meetings 4/year: band 0.8 of 4 points; proposals answered 55%: goalposts 20..90
    # give 0.5 of 4 points; children's centre 10 h of a 20 h target: 0.5 of 4 points.
    partial = {
        **no_bonus,
        "council_meetings_per_year": 4.0,
        "proposals_answered_pct": 55.0,
        "children_home_hours_per_week": 10.0,
    }
    # bonus: 3 of the 5 partners (0.6 × 3 points) and city-level recognition (0.8 × 2):
    # 1.8 + 1.6 = 3.4 points on top of 100 - 3 - 3 (no outdoor, no indoor space) = 94.
    bonus = {**best, "outdoor_play_area_m2": 0.0, "indoor_child_space_m2": 0.0}
    bonus.update(five_society_partners=3.0, innovation_recognition="city")
    vetoed = {**best, "has_protection_reporting_route": 0.0}
    out = _score(
        fw,
        {"partial": partial, "bonus": bonus, "vetoed": vetoed, "worst": worst},
        {"partial": True, "bonus": True, "vetoed": True, "worst": False},
    )
    assert out.loc["partial", "points"] == pytest.approx(100 - 0.8 - 2.0 - 2.0)
    assert out.loc["partial", "grade"] == "excellent"
    assert out.loc["bonus", "bonus_points"] == pytest.approx(3.4)
    assert out.loc["bonus", "points"] == pytest.approx(100 - 3 - 3 + 3.4)
    assert out.loc["bonus", "grade"] == "excellent"
    assert bool(out.loc["vetoed", "vetoed"])
    assert out.loc["vetoed", "grade"] == "not_qualified"
    assert out.loc["vetoed", "grade_before_veto"] == "excellent"
