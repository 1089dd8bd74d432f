"""The synthetic sample data: reproducible, realistic enough, and broken on purpose."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from cfeval.framework.model import AuditField, Framework
from cfeval.framework.rules import BandsRule, GoalpostsRule, LevelsRule, TargetRule
from cfeval.sample import draw
from cfeval.sample import generate as sample

ROOT = Path(__file__).resolve().parent.parent
FIXTURE = ROOT / "tests" / "fixtures" / "frameworks" / "full.yaml"
SAMPLE_DATA = ROOT / "sample_data"
SHIPPED = {
    "chengdu": "chengdu-community",
    "hangzhou": "hangzhou-community",
    "tzsx": "tzsx-community",
    "unicef": "unicef-cfci",
    "research": "research-index",
}


def _fixture() -> Framework:
    return Framework.model_validate(yaml.safe_load(FIXTURE.read_text(encoding="utf-8")))


def _shipped(folder: str) -> Framework:
    return sample._load(ROOT / "frameworks" / f"{SHIPPED[folder]}.yaml")


@pytest.fixture(scope="module")
def full() -> Framework:
    return _fixture()


@pytest.fixture(scope="module")
def full_sample(full) -> sample.Sample:
    return sample.build(full, seed=11)


# --------------------------------------------------------------------------- a rough scorer
# Independent of cfeval.scoring.engine on purpose: a few lines straight from the rules in
# docs/architecture.md (points / index, renormalize, weighted group means, bonus cap),
# enough to tell which grade a community lands in.


def _clean_survey(fw: Framework, survey: pd.DataFrame, known: set[str]) -> pd.DataFrame:
    s = survey[survey["respondent"].isin(list(fw.respondents)) & survey["community_id"].isin(known)]
    s = s.drop_duplicates("respondent_id").copy()
    for it in fw.items():
        scale = fw.scales[it.scale]
        x = pd.to_numeric(s[it.id], errors="coerce")
        s[it.id] = x.where(x.isin(scale.values))
    return s


def _survey_attainment(fw, ind, rows: pd.DataFrame) -> float:
    raw, unit = [], []  # raw answers (reversed) and the same on 0..1 of each item's own scale
    for it in ind.items:
        sc = fw.scales[it.scale]
        x = rows[it.id].astype(float)
        x = sc.low + sc.high - x if it.reverse else x
        raw.append(x)
        unit.append((x - sc.low) / (sc.high - sc.low))
    ok = pd.concat(raw, axis=1).notna().sum(axis=1) >= ind.valid_items_needed()
    if ind.rule.type == "scale_mean":  # children and parents may use different scales
        y = pd.concat(unit, axis=1)[ok].mean(axis=1)
    else:
        y = (pd.concat(raw, axis=1)[ok].mean(axis=1) >= ind.rule.cut) * 1.0
    w = rows.loc[ok, "weight"].astype(float)
    groups = rows.loc[ok, "respondent"]
    total, weights = 0.0, 0.0
    for g in ind.respondents:
        sel = groups == g
        if sel.any():
            gw = (ind.group_weights or {}).get(g, 1.0)
            total += gw * float(np.average(y[sel], weights=w[sel]))
            weights += gw
    return total / weights if weights else float("nan")


def _field_attainment(rule, v) -> float:
    if v is None or (not isinstance(v, str) and pd.isna(v)):
        return float("nan")
    if rule.type == "proposal_log":  # without a log: the audit field, by its number rule
        rule = rule.scored_by
    if rule.type == "yes_no":
        return float(v)
    if rule.type == "levels":
        return rule.levels[v]
    if rule.type == "bands":
        return max((b.attainment for b in rule.bands if v >= b.min), default=0.0)
    if rule.type == "target":
        return min(max(v / rule.target, 0.0), 1.0)
    frac = (v - rule.low) / (rule.high - rule.low)
    frac = frac if rule.direction == "higher_is_better" else 1 - frac
    return min(max(frac, 0.0), 1.0)


def _rough_scores(fw: Framework, survey: pd.DataFrame, audit: pd.DataFrame) -> dict[tuple, float]:
    """Total score (0-100, bonus included, veto ignored) per (community, wave)."""
    s = _clean_survey(fw, survey, set(audit["community_id"]))
    out = {}
    for _, arow in audit.iterrows():
        rows = s[(s["community_id"] == arow["community_id"]) & (s["wave"] == arow["wave"])]

        def node_score(node, rows=rows, arow=arow):  # (score 0..1 or nan, amount)
            amount = node.points if fw.scoring.method == "points" else (node.weight or 1.0)
            if hasattr(node, "children"):
                kids = [node_score(k, rows, arow) for k in node.children]
                got = [(sc, am) for sc, am in kids if not np.isnan(sc)]
                if not got:
                    return float("nan"), amount
                return sum(sc * am for sc, am in got) / sum(am for _, am in got), amount
            if node.source == "survey":
                return _survey_attainment(fw, node, rows), amount
            return _field_attainment(node.rule, arow[node.field]), amount

        top = [node_score(d) for d in fw.dimensions]
        got = [(sc, am) for sc, am in top if not np.isnan(sc)]
        score = 100 * sum(sc * am for sc, am in got) / sum(am for _, am in got)
        if fw.scoring.method == "points":
            bonus = sum(b.points * _field_attainment(b.rule, arow[b.field]) for b in fw.bonus)
            score = min(100.0, score + min(bonus, fw.scoring.bonus_cap) * 100 / fw.scoring.total)
        out[(arow["community_id"], int(arow["wave"]))] = score
    return out


def _grades(fw: Framework, scores: dict) -> dict:
    return {k: fw.grade_for(v).id for k, v in scores.items()}


# --------------------------------------------------------------------------- generate


def test_same_seed_same_frames_different_seed_different(full):
    a_survey, a_audit = sample.generate(full, seed=5)
    b_survey, b_audit = sample.generate(full, seed=5)
    pd.testing.assert_frame_equal(a_survey, b_survey)
    pd.testing.assert_frame_equal(a_audit, b_audit)
    c_survey, c_audit = sample.generate(full, seed=6)
    assert not a_survey.equals(c_survey)
    assert not a_audit.equals(c_audit)


def test_columns_follow_the_data_contract(full, full_sample):
    items = [it.id for it in full.items()]
    assert list(full_sample.survey.columns) == [
        "community_id", "wave", "respondent", "respondent_id", "weight",
        "city", "district", "age", "gender", *items,
    ]  # fmt: skip
    assert list(full_sample.audit.columns) == [
        "community_id", "wave", "name", "city", "district", *full.fields,
    ]  # fmt: skip
    for key, spec in full.fields.items():
        got = set(full_sample.audit[key].dropna())
        if spec.type == "boolean":
            assert got <= {0, 1}
        elif spec.type == "category":
            assert got <= {c.value for c in spec.categories}
        else:
            assert all(spec.min is None or v >= spec.min for v in got)
            assert all(spec.max is None or v <= spec.max for v in got)


def test_two_cities_of_twelve_communities_with_some_second_waves(full_sample):
    comms = full_sample.communities
    assert [c.city for c in comms].count("成都") == 12
    assert [c.city for c in comms].count("杭州") == 12
    assert len({c.id for c in comms}) == 24
    assert all(c.name.endswith("社区") for c in comms)
    audit = full_sample.audit
    assert not audit.duplicated(["community_id", "wave"]).any()
    assert len(audit) == sum(len(c.waves) for c in comms)
    assert audit.groupby("community_id")["wave"].max().value_counts().to_dict() == {1: 16, 2: 8}


def test_respondent_counts_per_community_and_wave(full, full_sample):
    clean = sample.build(full, seed=11, broken=False).survey
    counts = clean.groupby(["community_id", "wave", "respondent"]).size().unstack()
    assert len(counts) == len(full_sample.audit)
    assert counts["child"].between(30, 60).all()
    assert counts["parent"].between(20, 40).all()
    assert counts["child"].nunique() > 5  # drawn, not constant


def test_staff_are_a_few_per_community():
    fw = _shipped("chengdu")
    assert "staff" in fw.respondents
    survey = sample.generate(fw, broken=False)[0]
    counts = survey[survey["respondent"] == "staff"].groupby(["community_id", "wave"]).size()
    assert counts.between(3, 6).all()
    assert len(counts) == 24 + 8


def test_answers_use_the_scale_and_carry_skips_and_dont_know(full):
    survey = sample.generate(full, broken=False)[0]
    scale = full.scales["agree5"]
    for it in full.items():
        values = set(survey[it.id].dropna())
        assert values <= set(scale.values) | set(scale.missing_codes)
    child = survey[survey["respondent"] == "child"]
    cells = child[[it.id for it in full.items()]]
    blank = cells.isna().to_numpy().mean()
    dont_know = (cells == 9).fillna(False).to_numpy().mean()
    assert 0.01 < blank < 0.10
    assert 0.01 < dont_know < 0.06
    # parents are not asked the child-only questions
    parents = survey[survey["respondent"] == "parent"]
    assert parents["c_safe_1"].isna().all()


def test_weights_are_poststratification_weights_within_bounds(full_sample):
    w = full_sample.survey["weight"]
    assert w.between(0.5, 2.0).all()
    assert w.nunique() > 20
    assert 0.9 < w.mean() < 1.15


def _community_means(fw, survey):
    """Mean answer per community on 0..1, reverse items turned round."""
    scale = fw.scales["agree5"]
    parts = []
    for it in fw.items():
        x = pd.to_numeric(survey[it.id], errors="coerce")
        x = x.where(x.isin(scale.values))
        parts.append((scale.high - x if it.reverse else x - scale.low) / (scale.high - scale.low))
    y = pd.concat(parts, axis=1).mean(axis=1)
    return y.groupby(survey["community_id"]).mean()


def test_answers_follow_latent_quality(full):
    full_sample = sample.build(full, seed=11, broken=False)
    survey = full_sample.survey[full_sample.survey["wave"] == 1]
    means = _community_means(full, survey)
    quality = pd.Series({c.id: c.quality for c in full_sample.communities})
    r = np.corrcoef(quality[means.index], means)[0, 1]
    assert r > 0.6  # two survey indicators, each with its own deviation: not higher
    assert means.max() - means.min() > 0.3


def test_reverse_items_are_answered_reversed(full):
    survey = sample.build(full, seed=11, broken=False).survey
    survey = survey[survey["wave"] == 1]

    def means(item):
        x = survey[item].astype(float)
        return x.where(x <= 5).groupby(survey["community_id"]).mean()

    # c_voice_2 ("nobody cares what I think") measures the same indicator turned round
    assert np.corrcoef(means("c_voice_1"), means("c_voice_2"))[0, 1] < -0.8
    assert np.corrcoef(means("c_voice_1"), means("c_voice_3"))[0, 1] > 0.8


def test_second_wave_improves_mildly(full, full_sample):
    scores = _rough_scores(full, full_sample.survey, full_sample.audit)
    gains = [scores[(cid, 2)] - scores[(cid, 1)] for cid, w in scores if w == 2]
    assert len(gains) == 8
    assert np.mean(gains) > 0
    assert max(gains) < 25


def test_grades_spread_over_all_four(full):
    smp = sample.build(full)
    grades = _grades(full, _rough_scores(full, smp.survey, smp.audit))
    assert set(grades.values()) == {g.id for g in full.scoring.grades}


def test_chengdu_grades_spread_over_all_four():
    fw = _shipped("chengdu")
    smp = sample.build(fw)
    grades = _grades(fw, _rough_scores(fw, smp.survey, smp.audit))
    chengdu = {g for (cid, _), g in grades.items() if cid.startswith("CD-")}
    assert chengdu == {g.id for g in fw.scoring.grades}


def test_tzsx_grades_spread_over_all_four():
    fw = _shipped("tzsx")
    smp = sample.build(fw)
    grades = _grades(fw, _rough_scores(fw, smp.survey, smp.audit))
    assert set(grades.values()) == {g.id for g in fw.scoring.grades}


# --------------------------------------------------------------------------- imperfections


def test_broken_rows_are_where_the_record_says(full, full_sample):
    survey, audit = full_sample.survey, full_sample.audit
    injected = [p for p in full_sample.injected if p["file"] == "survey"]
    assert [p["code"] for p in injected] == list(sample.BROKEN_CODES)
    at = {p["code"]: survey.loc[p["row"] - 2] for p in injected}
    col = {p["code"]: p["column"] for p in injected}
    scale = full.scales["agree5"]
    bad = at["out-of-range"][col["out-of-range"]]
    assert bad not in scale.values and bad not in scale.missing_codes
    assert pd.isna(pd.to_numeric(at["not-a-number"][col["not-a-number"]], errors="coerce"))
    assert at["unknown-respondent-group"]["respondent"] not in full.respondents
    assert at["unknown-community"]["community_id"] not in set(audit["community_id"])
    dup_id = at["duplicate-respondent"]["respondent_id"]
    assert (survey["respondent_id"] == dup_id).sum() == 2
    assert survey["respondent_id"].duplicated().sum() == 1


def test_clean_build_has_no_broken_rows(full):
    survey, audit = sample.generate(full, broken=False)
    assert not survey["respondent_id"].duplicated().any()
    assert set(survey["respondent"]) == set(full.respondents)
    assert set(survey["community_id"]) == set(audit["community_id"])
    assert (audit["serious_incident"] == 0).all()
    for it in full.items():
        assert str(survey[it.id].dtype) == "Int64"


def test_one_veto_and_one_blank_audit_value(full, full_sample):
    audit = full_sample.audit
    veto = audit[audit["serious_incident"] == 1]
    assert len(veto) == 1
    scores = _rough_scores(full, full_sample.survey, audit)
    vetoed = (veto["community_id"].iloc[0], 1)
    assert full.grade_for(scores[vetoed]).id != "not_qualified"  # the veto changes something
    assert audit["council_meetings"].isna().sum() == 1


def test_no_personal_data(full_sample):
    survey = full_sample.survey
    assert not {"name", "phone", "姓名", "电话"} & set(survey.columns)
    text = survey.to_csv(index=False) + full_sample.audit.to_csv(index=False)
    assert not __import__("re").search(r"(?<!\d)1\d{10}(?!\d)", text)  # no mobile numbers


# --------------------------------------------------------------------------- files


def _files(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and not p.name.startswith(".")
    }


def test_committed_sample_data_is_reproduced_byte_for_byte(tmp_path):
    frameworks = sample._shipped()
    assert frameworks, "no shipped frameworks"
    sample.write_sample(frameworks, tmp_path, seed=sample.DEFAULT_SEED)
    fresh, committed = _files(tmp_path), _files(SAMPLE_DATA)
    # stray files at the top (someone's scratch file) are not ours; the folders are
    assert sorted(fresh) == sorted(n for n in committed if "/" in n or n in fresh), (
        "run `cfeval sample --out sample_data --seed 2024` to regenerate"
    )
    changed = [name for name in fresh if fresh[name] != committed[name]]
    assert not changed, f"regenerate sample_data: {changed} differ"


def test_committed_sample_data_is_small_and_complete():
    files = _files(SAMPLE_DATA)
    assert sum(len(b) for b in files.values()) < 3_000_000
    for folder in ("chengdu", "unicef"):
        if (ROOT / "frameworks" / f"{SHIPPED[folder]}.yaml").is_file():
            for name in ("survey.csv", "survey.xlsx", "audit.csv", "audit.xlsx"):
                assert f"{folder}/{name}" in files
    assert "chengdu/wjx_text_export.xlsx" in files
    readme = files["README.md"].decode("utf-8")
    assert "synthetic" in readme and "cfeval sample --out sample_data" in readme


@pytest.mark.parametrize("folder", sorted(SHIPPED))
def test_committed_files_hold_every_item_and_field(folder):
    fw = _shipped(folder)
    survey = pd.read_csv(SAMPLE_DATA / folder / "survey.csv", dtype=str)
    audit = pd.read_csv(SAMPLE_DATA / folder / "audit.csv", dtype=str)
    assert {it.id for it in fw.items()} <= set(survey.columns)
    assert set(fw.fields) <= set(audit.columns)
    assert set(survey["city"]) == {"成都", "杭州"}


def test_xlsx_is_deterministic_and_reads_back_like_the_csv(full_sample):
    first = sample._xlsx_bytes(full_sample.survey, "survey")
    assert sample._xlsx_bytes(full_sample.survey, "survey") == first
    with zipfile.ZipFile(io.BytesIO(first)) as zf:
        assert {i.date_time for i in zf.infolist()} == {sample._FIXED_TIME}
        assert b"2024-01-01T00:00:00Z" in zf.read("docProps/core.xml")
    from_xlsx = pd.read_excel(io.BytesIO(first), dtype=str)
    from_csv = pd.read_csv(io.BytesIO(sample._csv_bytes(full_sample.survey)), dtype=str)
    # Excel keeps 4 as a number; both readers give the text "4" once it is a whole number
    norm = lambda df: df.apply(lambda c: c.str.replace(r"\.0$", "", regex=True))  # noqa: E731
    pd.testing.assert_frame_equal(norm(from_xlsx), norm(from_csv))


def test_csv_format_is_fixed(full_sample):
    text = sample._csv_bytes(full_sample.survey).decode("utf-8")
    assert "\r" not in text
    weight = text.splitlines()[1].split(",")[4]
    assert float(weight) == full_sample.survey["weight"].iloc[0]
    assert ".0," not in text  # whole numbers are written without a decimal point


def test_wjx_export_uses_question_and_option_text(full, full_sample):
    wjx = sample.wjx_text_export(full, full_sample)
    assert list(wjx.columns[:5]) == ["序号", "提交答卷时间", "所用时间", "来源", "来源详情"]
    assert list(wjx.columns[5:8]) == ["1、社区编号", "2、年龄", "3、性别"]
    child_items = [
        it for ind in full.indicators() if "child" in (ind.respondents or []) for it in ind.items
    ]
    assert list(wjx.columns[8:]) == [f"{n}、{it.text['zh']}" for n, it in enumerate(child_items, 4)]
    assert wjx["1、社区编号"].nunique() == 3
    labels = {lab["zh"] for lab in full.scales["agree5"].labels.values()}
    answers = set(wjx.iloc[:, 8:].to_numpy().ravel())
    assert answers <= labels | {"(跳过)"}
    assert {"(跳过)", "不知道", "比较同意"} <= answers
    submitted = pd.to_datetime(wjx["提交答卷时间"], format="%Y/%m/%d %H:%M:%S")
    assert submitted.is_monotonic_increasing


def test_wjx_export_maps_back_to_the_survey(full, full_sample):
    """Option text → code through the scale labels gives back the generated answers."""
    wjx = sample.wjx_text_export(full, full_sample)
    code = {lab["zh"]: v for v, lab in full.scales["agree5"].labels.items()}
    s = full_sample.survey
    ids = list(dict.fromkeys(wjx["1、社区编号"]))
    rows = s[s["community_id"].isin(ids) & (s["wave"] == 1) & (s["respondent"] == "child")]
    header = next(c for c in wjx.columns if c.endswith("、我在社区里感到安全"))
    got = [None if v == "(跳过)" else code[v] for v in wjx[header]]
    assert got == [None if pd.isna(v) else int(v) for v in rows["c_safe_1"]]


# --------------------------------------------------------------------------- with the reader and engine


def test_reader_finds_exactly_the_planted_problems():
    data = pytest.importorskip("cfeval.data.load")
    fw = _shipped("chengdu")
    for ext in ("csv", "xlsx"):
        ds = data.load_data(
            fw,
            survey=SAMPLE_DATA / "chengdu" / f"survey.{ext}",
            audit=SAMPLE_DATA / "chengdu" / f"audit.{ext}",
        )
        found = ds.report.to_frame()
        found = found[found["severity"].isin(["error", "warning"])]
        assert sorted(found["code"]) == sorted(sample.BROKEN_CODES)
        planted = {p["code"]: p["row"] for p in sample.build(fw).injected if p["file"] == "survey"}
        assert dict(zip(found["code"], found["row"], strict=True)) == planted


def test_engine_grades_chengdu_sample_across_all_grades_with_one_veto():
    pytest.importorskip("cfeval.data.load")
    engine = pytest.importorskip("cfeval.scoring.engine")
    fw = _shipped("chengdu")
    result = engine.score(
        fw,
        survey=SAMPLE_DATA / "chengdu" / "survey.csv",
        audit=SAMPLE_DATA / "chengdu" / "audit.csv",
    )
    c = result.communities
    chengdu = c[c["community_id"].str.startswith("CD-")]
    assert set(chengdu["grade"]) == {g.id for g in fw.scoring.grades}
    assert c["vetoed"].sum() == 1
    assert c.loc[c["vetoed"], "grade_before_veto"].iloc[0] != c.loc[c["vetoed"], "grade"].iloc[0]


# --------------------------------------------------------------------------- questionnaires


def test_each_group_gets_its_own_items_by_id_prefix(full):
    voice = full.node("voice_heard")
    # every item is c_: children own them; parents own none and so are asked all of them
    assert [it.id for it in sample.items_for(voice, "child")] == [
        "c_voice_1",
        "c_voice_2",
        "c_voice_3",
    ]
    assert [it.id for it in sample.items_for(voice, "parent")] == [
        "c_voice_1",
        "c_voice_2",
        "c_voice_3",
    ]
    assert sample.items_for(full.node("feel_safe"), "parent") == []
    assert sample.items_for(full.node("children_council"), "child") == []


def test_shipped_questionnaires_split_by_group():
    fw = _shipped("chengdu")
    for group, prefix in (("child", "c_"), ("parent", "p_"), ("staff", "s_")):
        if group in fw.respondents:
            ids = [it.id for _, it in sample.questionnaire(fw, group)]
            assert ids and all(i.startswith(prefix) for i in ids)
    survey = sample.generate(fw, broken=False)[0]
    children = survey[survey["respondent"] == "child"]
    parent_items = [it.id for _, it in sample.questionnaire(fw, "parent")]
    assert children[parent_items].isna().all().all()


# --------------------------------------------------------------------------- laws


_unit = st.floats(0, 1, allow_nan=False)


@given(a=_unit, u=st.floats(0, 0.999))
def test_audit_numbers_give_back_about_the_attainment_they_were_drawn_for(a, u):
    """rule(value drawn for attainment a) ≈ a, up to rounding to whole numbers."""
    area = AuditField(type="number", min=0, label={"zh": "面积", "en": "area"})
    target = TargetRule(type="target", target=200)
    assert abs(_field_attainment(target, draw._field_value(area, target, a, u)) - a) <= 1 / 200
    pct = AuditField(type="number", min=0, max=100, label={"zh": "比例", "en": "share"})
    for direction in ("higher_is_better", "lower_is_better"):
        goal = GoalpostsRule(type="goalposts", low=20, high=80, direction=direction)
        assert abs(_field_attainment(goal, draw._field_value(pct, goal, a, u)) - a) <= 1 / 60 + 1e-9


@given(a=_unit, u=st.floats(0, 0.999))
def test_audit_numbers_land_in_the_band_nearest_the_attainment(a, u):
    field = AuditField(type="number", min=0, max=52, label={"zh": "次数", "en": "count"})
    rule = BandsRule(
        type="bands",
        bands=[
            {"min": 0, "attainment": 0},
            {"min": 4, "attainment": 0.5},
            {"min": 12, "attainment": 1},
        ],
    )
    got = _field_attainment(rule, draw._field_value(field, rule, a, u))
    assert abs(got - a) == min(abs(b.attainment - a) for b in rule.bands)


@given(a=_unit)
def test_audit_categories_are_the_level_nearest_the_attainment(a):
    cats = [{"value": v, "label": {"zh": v, "en": v}} for v in ("none", "partial", "full")]
    field = AuditField(type="category", categories=cats, label={"zh": "检查", "en": "check"})
    rule = LevelsRule(type="levels", levels={"none": 0, "partial": 0.5, "full": 1})
    got = rule.levels[draw._field_value(field, rule, a, 0.5)]
    assert abs(got - a) == min(abs(v - a) for v in rule.levels.values())


@settings(max_examples=5, deadline=None)
@given(seed=st.integers(0, 2**32 - 1))
def test_any_seed_gives_valid_clean_data(seed):
    fw = _fixture()
    survey, audit = sample.generate(fw, seed=seed, broken=False)
    scale = fw.scales["agree5"]
    allowed = set(scale.values) | set(scale.missing_codes)
    for it in fw.items():
        assert set(survey[it.id].dropna()) <= allowed
    assert survey["weight"].between(0.5, 2).all()
    counts = survey.groupby(["community_id", "wave", "respondent"]).size().unstack()
    assert counts["child"].between(30, 60).all() and counts["parent"].between(20, 40).all()
    assert set(survey["community_id"]) == set(audit["community_id"])


def test_reader_maps_the_wjx_export_back_to_the_generated_answers():
    data = pytest.importorskip("cfeval.data.load")
    fw = _shipped("chengdu")
    folder = SAMPLE_DATA / "chengdu"
    ds = data.load_data(
        fw,
        survey=folder / "wjx_text_export.xlsx",
        audit=folder / "audit.csv",
        mapping=folder / "wjx_mapping.yaml",
    )
    problems = ds.report.to_frame()
    # the reader cannot know that the parents' items of shared indicators are on another form
    flagged = problems[problems["severity"].isin(["error", "warning"])]
    assert set(flagged["code"]) <= {"missing-column"}
    survey = sample.generate(fw)[0]
    items = [it.id for _, it in sample.questionnaire(fw, "child")]
    ids = list(dict.fromkeys(ds.survey["community_id"]))
    rows = survey[survey["community_id"].isin(ids) & (survey["wave"] == 1)]
    rows = rows[rows["respondent"] == "child"]
    missing = {it.id: fw.scales[it.scale].missing_codes for it in fw.items()}
    want = (
        rows[items]
        .apply(pd.to_numeric)
        .astype("Float64")
        .astype(float)
        .apply(lambda c: c.where(~c.isin(missing[c.name])))
    )
    got = ds.survey[items].astype(float)
    np.testing.assert_array_equal(got.to_numpy(), want.to_numpy())
    assert set(ds.survey["respondent"]) == {"child"}
