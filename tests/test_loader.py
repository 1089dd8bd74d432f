"""The framework loader: every problem of a broken file, located; round trips; the schema."""

from __future__ import annotations

import hashlib
import json
import re
from collections import defaultdict
from pathlib import Path

import jsonschema
import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

import cfeval._paths
from cfeval.errors import FrameworkError, UsageError
from cfeval.framework.loader import (
    dump_framework,
    framework_schema,
    framework_sha256,
    load_framework,
    parse_framework,
    shipped_frameworks,
)
from cfeval.framework.model import Framework

FIXTURES = Path(__file__).parent / "fixtures" / "frameworks"
BROKEN = FIXTURES / "broken"
VALID = [FIXTURES / "full.yaml", FIXTURES / "index.yaml"]
SHIPPED = [path for _, path in shipped_frameworks()]

# Every broken fixture with every problem it must report: (file stem, line, dotted path,
# message fragment). Each file yields exactly these problems, no more, no fewer. The file's
# first line says what was broken; the rest is full.yaml or index.yaml with that change.
EXPECTED = [
    ("bad_framework_id", 2, "id", "'Fixture_Full' is not a valid framework id: use lowercase"),
    ("bad_indentation", 58, "", "a `key: value` where none is allowed; check the indentation"),
    ("bad_indentation_list", 57, "", "bad indentation: this line does not line up with the keys"),
    (
        "band_outside_range",
        68,
        "dimensions.0.dimensions.0.indicators.1.rule.bands.2.min",
        "band min 60 lies outside the field's range 0..52",
    ),
    (
        "band_wrong_type",
        68,
        "dimensions.0.dimensions.0.indicators.1.rule.bands.1.min",
        "expected a number, got 'four'",
    ),
    (
        "bands_not_ascending",
        68,
        "dimensions.0.dimensions.0.indicators.1.rule.bands",
        "bands must be in ascending order of `min`",
    ),
    ("bonus_without_cap", 11, "scoring.bonus_cap", "bonus items need a positive `bonus_cap`"),
    (
        "category_without_categories",
        40,
        "fields.safety_check",
        "a category field needs `categories`",
    ),
    (
        "cut_outside_scale",
        122,
        "dimensions.1.indicators.3.rule.cut",
        "cut 6 must lie inside scale 'agree5' (1..5) and above its",
    ),
    (
        "duplicate_id",
        62,
        "dimensions.0.dimensions.0.indicators.1.id",
        "duplicate id 'children_council' (first used at",
    ),
    (
        "duplicate_item_id",
        121,
        "dimensions.1.indicators.3.items.1.id",
        "duplicate item id 'c_safe_1'",
    ),
    (
        "duplicate_key",
        57,
        "dimensions.0.dimensions.0.indicators.0.points",
        "duplicate key `points` (also on line 55); YAML would",
    ),
    ("empty", None, "", "the file is empty; a framework is a YAML mapping starting"),
    (
        "field_rule_on_survey",
        83,
        "dimensions.0.indicators.0.rule.type",
        "a survey indicator needs scale_mean or share_favourable,",
    ),
    (
        "goalposts_reversed",
        111,
        "dimensions.1.indicators.2.rule",
        "goalposts need low < high (got low=80, high=20)",
    ),
    (
        "grades_not_covering_zero",
        20,
        "scoring.grades.3.min",
        "the lowest grade must start at 0 so every score has a grade",
    ),
    (
        "grades_not_descending",
        16,
        "scoring.grades",
        "grade minimums must be strictly descending (got 90, 95, 60,",
    ),
    (
        "group_weight_unknown",
        77,
        "dimensions.0.indicators.0.group_weights.staff",
        "'staff' is not one of this indicator's respondents",
    ),
    (
        "index_points",
        33,
        "dimensions.0.points",
        "`points` does not apply in index mode; use `weight`",
    ),
    (
        "index_weight_zero",
        72,
        "dimensions.1.indicators.1.weight",
        "weights must be positive (got 0)",
    ),
    (
        "item_respondent_unknown",
        81,
        "dimensions.0.indicators.0.items.2.respondents.0",
        "'staff' is not one of this indicator's respondents ['child', 'parent']",
    ),
    (
        "label_missing_language",
        54,
        "dimensions.0.dimensions.0.indicators.0.label",
        "label has no 'en' text (languages: zh, en)",
    ),
    (
        "label_undeclared_language",
        54,
        "dimensions.0.dimensions.0.indicators.0.label.fr",
        "language 'fr' is not declared in `languages`",
    ),
    (
        "label_not_mapping",
        54,
        "dimensions.0.dimensions.0.indicators.0.label",
        "a text needs one entry per language, like {zh: 儿童参与, en: Child participation}",
    ),
    (
        "levels_mismatch",
        103,
        "dimensions.1.indicators.1.rule.levels",
        "category 'full' of 'safety_check' has no attainment",
    ),
    (
        "levels_mismatch",
        103,
        "dimensions.1.indicators.1.rule.levels.complete",
        "'complete' is not a category of 'safety_check'",
    ),
    (
        "mapping_value_not_allowed",
        5,
        "",
        "a `key: value` where none is allowed; check the indentation",
    ),
    (
        "min_valid_items_too_many",
        82,
        "dimensions.0.indicators.0.min_valid_items",
        "min_valid_items 4 exceeds the 3 items asked of 'child'",
    ),
    (
        "min_valid_items_too_many",
        82,
        "dimensions.0.indicators.0.min_valid_items",
        "min_valid_items 4 exceeds the 3 items asked of 'parent'",
    ),
    (
        "missing_code_is_value",
        27,
        "scales.agree5.missing_codes",
        "missing code 5 is also a scale value",
    ),
    (
        "missing_required",
        53,
        "dimensions.0.dimensions.0.indicators.0.recommendation",
        "missing required key `recommendation`",
    ),
    (
        "negative_points",
        64,
        "dimensions.0.dimensions.0.indicators.1.points",
        "must be greater than 0 (got -10)",
    ),
    ("not_a_mapping", 2, "", "a framework is a mapping of `key: value` lines, but the"),
    (
        "points_dimension",
        51,
        "dimensions.0.dimensions.0.points",
        "children's points add up to 15, not 20",
    ),
    ("points_total", 44, "dimensions", "dimension points add up to 100, not the declared total 90"),
    (
        "rule_field_type",
        95,
        "dimensions.1.indicators.0.rule.type",
        "rule 'yes_no' needs a boolean field, but 'council_meetings'",
    ),
    (
        "rule_unknown_key",
        68,
        "dimensions.0.dimensions.0.indicators.1.rule.bands",
        "missing required key `bands`",
    ),
    (
        "rule_unknown_key",
        68,
        "dimensions.0.dimensions.0.indicators.1.rule.bandz",
        "unknown key `bandz`; did you mean `bands`?",
    ),
    (
        "rule_without_type",
        59,
        "dimensions.0.dimensions.0.indicators.0.rule",
        "a rule needs `type`: one of scale_mean, share_favourable,",
    ),
    (
        "scale_label_key",
        34,
        "scales.agree5.labels.dont_know",
        "the key 'dont_know' must be a whole number",
    ),
    (
        "several_cross_checks",
        44,
        "dimensions",
        "dimension points add up to 100, not the declared total 90",
    ),
    (
        "several_cross_checks",
        62,
        "dimensions.0.dimensions.0.indicators.1.id",
        "duplicate id 'children_council' (first used at",
    ),
    (
        "several_cross_checks",
        118,
        "dimensions.1.indicators.3.respondents.1",
        "unknown respondent group 'teen'; declared: ['child',",
    ),
    (
        "several_cross_checks",
        135,
        "veto.0.max_grade",
        "unknown grade 'failed'; grades: ['excellent', 'good',",
    ),
    (
        "several_problems",
        3,
        "version",
        'expected text, got the number 1.0; put it in quotes ("1.0")',
    ),
    (
        "several_problems",
        55,
        "dimensions.0.dimensions.0.indicators.0.pointz",
        "unknown key `pointz`; did you mean `points`?",
    ),
    (
        "several_problems",
        57,
        "dimensions.0.dimensions.0.indicators.0.method",
        "duplicate key `method` (also on line 56); YAML would",
    ),
    (
        "several_problems",
        100,
        "dimensions.1.indicators.1.points",
        "expected a number, got 'fifteen'",
    ),
    (
        "several_problems",
        106,
        "dimensions.1.indicators.2.recommendation",
        "missing required key `recommendation`",
    ),
    (
        "survey_rule_on_audit",
        59,
        "dimensions.0.dimensions.0.indicators.0.rule.type",
        "rule 'scale_mean' is for survey items, not fields",
    ),
    ("tab", 57, "", "a tab character; YAML indents with spaces only (replace the"),
    ("reserved_field_name", 42, "fields.district", "'district' is a reserved audit column"),
    (
        "reserved_item_id",
        79,
        "dimensions.0.indicators.0.items.0.id",
        "'age' is a reserved survey column",
    ),
    (
        "survey_keys_on_audit",
        59,
        "dimensions.0.dimensions.0.indicators.0.min_valid_items",
        "`min_valid_items` belongs to survey indicators, not audit ones",
    ),
    ("unclosed_bracket", 118, "", "the bracket opened here is not closed: check for a missing `]`"),
    ("unclosed_quote", 3, "", "this quoted text runs on over the next lines: its closing"),
    (
        "unknown_field",
        58,
        "dimensions.0.dimensions.0.indicators.0.field",
        "unknown field 'has_councill'; declare it under `fields`",
    ),
    (
        "unknown_key",
        55,
        "dimensions.0.dimensions.0.indicators.0.pointz",
        "unknown key `pointz`; did you mean `points`?",
    ),
    (
        "unknown_key_far",
        61,
        "dimensions.0.dimensions.0.indicators.0.colour",
        "unknown key `colour`; valid keys: id, label, description, points, weight, method,",
    ),
    (
        "unknown_max_grade",
        135,
        "veto.0.max_grade",
        "unknown grade 'failed'; grades: ['excellent', 'good',",
    ),
    (
        "unknown_method",
        56,
        "dimensions.0.dimensions.0.indicators.0.method",
        "'document_reveiw' is not allowed here; use one of:",
    ),
    (
        "unknown_respondent",
        118,
        "dimensions.1.indicators.3.respondents.1",
        "unknown respondent group 'teen'; declared: ['child',",
    ),
    (
        "unknown_rule_type",
        59,
        "dimensions.0.dimensions.0.indicators.0.rule.type",
        "unknown rule type 'yesno'; did you mean `yes_no`? Rule",
    ),
    (
        "unknown_scale",
        120,
        "dimensions.1.indicators.3.items.0.scale",
        "unknown scale 'agree7'; declared: ['agree5']",
    ),
    ("version_number", 3, "version", 'expected text, got the number 1.0; put it in quotes ("1.0")'),
    (
        "veto_not_boolean",
        133,
        "veto.0.field",
        "a veto needs a boolean field, but 'council_meetings' is",
    ),
    (
        "weight_in_points_mode",
        92,
        "dimensions.1.indicators.0.weight",
        "`weight` does not apply in points mode; use `points`",
    ),
    (
        "wrong_type",
        55,
        "dimensions.0.dimensions.0.indicators.0.points",
        "expected a number, got 'ten'",
    ),
    (
        "yes_unquoted",
        41,
        "fields.safety_check.categories.2.value",
        "expected text, got true: YAML reads unquoted",
    ),
]

# Broken files whose mistake is structural, so an editor using the JSON Schema shows it too.
SCHEMA_REJECTS = [
    "bad_framework_id",
    "band_wrong_type",
    "missing_required",
    "negative_points",
    "rule_unknown_key",
    "rule_without_type",
    "unknown_key",
    "unknown_method",
    "unknown_rule_type",
    "version_number",
    "wrong_type",
    "yes_unquoted",
]


def _expected_by_file() -> dict[str, list[tuple[int, str, str]]]:
    table = defaultdict(list)
    for stem, line, path, fragment in EXPECTED:
        table[stem].append((line, path, fragment))
    return table


def _problems(path: Path) -> list:
    with pytest.raises(FrameworkError) as info:
        load_framework(path)
    return info.value.problems


@pytest.mark.parametrize("stem", sorted(_expected_by_file()))
def test_broken_framework_reports_every_problem_at_its_line(stem):
    expected = _expected_by_file()[stem]
    problems = _problems(BROKEN / f"{stem}.yaml")
    got = [(p.line, p.path, p.message) for p in problems]
    assert len(got) == len(expected), got
    for line, path, fragment in expected:
        assert any(g[0] == line and g[1] == path and fragment in g[2] for g in got), (
            f"missing {line} {path} {fragment!r} in {got}"
        )


def test_every_broken_fixture_has_expectations():
    on_disk = {p.stem for p in BROKEN.glob("*.yaml")}
    assert on_disk == set(_expected_by_file())
    assert len(on_disk) >= 30


def test_problem_lines_read_file_line_col_path_message():
    path = BROKEN / "several_problems.yaml"
    with pytest.raises(FrameworkError) as info:
        load_framework(path)
    text = str(info.value)
    head, *lines = text.splitlines()
    assert head == f"{path}: framework refused, 5 problems:"
    assert lines[1].strip() == (
        f"{path}:55:21  dimensions.0.dimensions.0.indicators.0.pointz  "
        "unknown key `pointz`; did you mean `points`?"
    )
    assert all(re.match(rf"  {re.escape(str(path))}:\d+:\d+  \S+  \S", line) for line in lines)


def test_problems_are_sorted_by_line():
    problems = _problems(BROKEN / "several_cross_checks.yaml")
    assert [p.line for p in problems] == sorted(p.line for p in problems)


def test_parse_framework_names_the_source(full_yaml):
    text = full_yaml.read_text().replace("points: 40", "points: 45")
    with pytest.raises(FrameworkError) as info:
        parse_framework(text, "edited.yaml")
    assert str(info.value).startswith("edited.yaml: framework refused")
    assert info.value.problems[0].file == "edited.yaml"


def test_user_mistakes_exit_with_code_2():
    with pytest.raises(FrameworkError) as info:
        load_framework(BROKEN / "unknown_key.yaml")
    assert info.value.exit_code == 2


# --------------------------------------------------------------------------- YAML details


def test_merge_keys_and_anchors_are_honoured(full_yaml):
    text = full_yaml.read_text().replace(
        "  child: {label: {zh: 儿童, en: Children}, min_n: 5}\n"
        "  parent: {label: {zh: 家长, en: Parents}, min_n: 5}",
        "  child: &group {label: {zh: 儿童, en: Children}, min_n: 7}\n"
        "  parent: {<<: *group, label: {zh: 家长, en: Parents}}",
    )
    fw = parse_framework(text)
    assert fw.respondents["parent"].min_n == 7
    assert fw.respondents["parent"].label["en"] == "Parents"


def test_recursive_alias_is_a_problem_not_a_crash():
    with pytest.raises(FrameworkError) as info:
        parse_framework("id: &a [*a]\n", "loop.yaml")
    assert "refers to itself" in info.value.problems[0].message


def test_python_tags_are_refused_not_run():
    text = "id: !!python/object/apply:os.system ['echo unsafe']\n"
    with pytest.raises(FrameworkError) as info:
        parse_framework(text, "evil.yaml")
    assert info.value.problems[0].line == 1
    assert "tag" in info.value.problems[0].message


def test_problems_inside_a_duplicated_key_point_into_the_value_kept(full_yaml):
    # YAML keeps the last `scoring:`; it lacks `grades`, and that problem must point at
    # the kept block, not at the earlier one that had grades.
    text = full_yaml.read_text(encoding="utf-8") + "scoring:\n  method: index\n"
    last = text.count("\n") - 1  # the line of the appended `scoring:`
    with pytest.raises(FrameworkError) as info:
        parse_framework(text, "dup.yaml")
    where = {(p.path, p.message.split(";")[0]): p.line for p in info.value.problems}
    assert where[("scoring.grades", "missing required key `grades`")] == last
    assert where[("scoring", "duplicate key `scoring` (also on line 11)")] == last


def _problem_lines(text: str) -> list[tuple[int, str, str]]:
    with pytest.raises(FrameworkError) as info:
        parse_framework(text, "edited.yaml")
    return [(p.line, p.path, p.message) for p in info.value.problems]


def test_a_mistyped_key_does_not_hide_the_whole_file_problems(full_yaml):
    text = full_yaml.read_text(encoding="utf-8")
    text = text.replace("    points: 40\n", "    point: 40\n", 1)  # line 47, a typo
    text = text.replace("min: 75", "min: 95", 1)  # line 18: grades out of order
    text = text.replace("c_voice_2, scale: agree5", "c_voice_2, scale: agree7", 1)  # line 80
    assert _problem_lines(text) == [
        (16, "scoring.grades", "grade minimums must be strictly descending (got 90, 95, 60, 0)"),
        (47, "dimensions.0.point", "unknown key `point`; did you mean `points`?"),
        (
            80,
            "dimensions.0.indicators.0.items.1.scale",
            "unknown scale 'agree7'; declared: ['agree5']",
        ),
    ]


def test_what_follows_from_a_dropped_key_is_not_reported_twice(full_yaml):
    # Without `points`, play_space would also "need points" and the space dimension's
    # points would "add up to 40, not 60": both follow from the typo, so neither is shown.
    text = full_yaml.read_text(encoding="utf-8")
    lines = text.split("\n")
    assert lines[90] == "        points: 20"  # play_space, line 91
    lines[90] = "        pionts: 20"
    assert _problem_lines("\n".join(lines)) == [
        (91, "dimensions.1.indicators.0.pionts", "unknown key `pionts`; did you mean `points`?")
    ]


def test_other_structural_mistakes_stop_before_the_whole_file_checks(full_yaml):
    # A wrong type leaves no valid model to check; only the structural problem is listed.
    text = full_yaml.read_text(encoding="utf-8").replace("min: 75", "min: 95", 1)
    text = text.replace("    points: 40\n", "    points: forty\n", 1)
    assert [path for _, path, _ in _problem_lines(text)] == ["dimensions.0.points"]


def test_unclosed_quote_at_end_of_file_points_at_the_quote():
    with pytest.raises(FrameworkError) as info:
        parse_framework('id: x\nversion: "1.0\n', "q.yaml")
    (problem,) = info.value.problems
    assert (problem.line, problem.column) == (2, 10)
    assert "never closed" in problem.message


def test_utf8_with_bom_loads(tmp_path, full_yaml):
    path = tmp_path / "bom.yaml"
    path.write_bytes(b"\xef\xbb\xbf" + full_yaml.read_bytes())
    assert load_framework(path).id == "fixture-full"


def test_gbk_file_is_one_clear_problem(tmp_path, full_yaml):
    path = tmp_path / "gbk.yaml"
    path.write_bytes(full_yaml.read_text().encode("gbk", errors="replace"))
    with pytest.raises(FrameworkError) as info:
        load_framework(path)
    (problem,) = info.value.problems
    assert "UTF-8" in problem.message


# --------------------------------------------------------------------------- finding frameworks


def test_missing_file_is_a_usage_error(tmp_path):
    with pytest.raises(UsageError, match="not found"):
        load_framework(tmp_path / "nope.yaml")
    with pytest.raises(UsageError, match="not found"):
        load_framework("nope/framework.yaml")


def test_folder_is_a_usage_error(tmp_path):
    with pytest.raises(UsageError, match="folder"):
        load_framework(str(tmp_path))


@pytest.fixture
def fixtures_as_shipped(monkeypatch):
    monkeypatch.setattr(cfeval._paths, "shipped_dir", lambda name: FIXTURES)


def test_shipped_id_is_found_by_file_name(fixtures_as_shipped):
    assert [fid for fid, _ in shipped_frameworks()] == ["full", "index"]
    assert load_framework("index").id == "fixture-index"


def test_unknown_id_suggests_the_nearest(fixtures_as_shipped):
    with pytest.raises(UsageError, match=r"Did you mean 'index'\? Shipped: full, index"):
        load_framework("indx")


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.stem)
def test_shipped_framework_loads_and_is_named_after_its_id(path):
    fw = load_framework(path.stem)
    assert fw.id == path.stem
    assert fw.source_path == str(path)


# --------------------------------------------------------------------------- round trip, fingerprint


@pytest.mark.parametrize("path", VALID + SHIPPED, ids=lambda p: p.stem)
def test_load_dump_load_round_trip(path):
    fw = load_framework(path)
    text = dump_framework(fw)
    again = parse_framework(text, "dumped.yaml")
    assert again == fw
    assert dump_framework(again) == text


def test_dump_is_readable(full_framework):
    text = dump_framework(full_framework)
    assert "null" not in text
    assert "languages" not in text  # the default is left out
    assert "points: 10\n" in text  # whole numbers stay whole
    assert "儿童议事会" in text  # not \u escapes
    first_keys = [
        line.split(":")[0] for line in text.splitlines() if line and not line[0].isspace()
    ]
    assert first_keys[:3] == ["id", "version", "title"]


def test_sha256_is_of_the_file_bytes(full_yaml, full_framework):
    expected = hashlib.sha256(full_yaml.read_bytes()).hexdigest()
    assert full_framework.source_sha256 == expected
    assert framework_sha256(full_framework) == expected


def test_sha256_of_text_and_of_models_built_in_python(full_yaml, full_framework):
    text = full_yaml.read_text()
    assert parse_framework(text).source_sha256 == hashlib.sha256(text.encode()).hexdigest()
    built = Framework.model_validate(full_framework.model_dump())
    assert built.source_sha256 is None
    assert framework_sha256(built) == hashlib.sha256(dump_framework(built).encode()).hexdigest()
    assert built == full_framework  # where a framework came from does not change equality


# --------------------------------------------------------------------------- JSON Schema


def _as_json(path: Path):
    # What an editor's YAML language server sees: JSON types, mapping keys as strings.
    return json.loads(json.dumps(yaml.safe_load(path.read_text()), default=str))


@pytest.fixture(scope="module")
def validator():
    schema = framework_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def test_schema_has_a_dialect_and_title():
    schema = framework_schema()
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["title"] == "cfeval evaluation framework"
    assert "dimensions" in schema["required"]


@pytest.mark.parametrize("path", VALID + SHIPPED, ids=lambda p: p.stem)
def test_schema_accepts_valid_frameworks(validator, path):
    errors = [e.message for e in validator.iter_errors(_as_json(path))]
    assert errors == []


@pytest.mark.parametrize("stem", SCHEMA_REJECTS)
def test_schema_rejects_structural_mistakes(validator, stem):
    assert not validator.is_valid(_as_json(BROKEN / f"{stem}.yaml"))


@pytest.mark.parametrize("path", VALID + SHIPPED, ids=lambda p: p.stem)
def test_every_location_points_at_the_line_of_its_key(path):
    from cfeval.framework.yaml_text import compose as _compose

    text = path.read_text(encoding="utf-8")
    lines = text.splitlines()
    located = _compose(text, str(path))
    keyed = [(loc, mark) for loc, mark in located.marks.items() if loc and isinstance(loc[-1], str)]
    assert len(keyed) > 50
    for loc, (line, col) in keyed:
        # the key itself, or the value that follows it on the same line
        assert f"{loc[-1]}:" in lines[line][: col + len(loc[-1]) + 1], (
            loc,
            line + 1,
            col,
            lines[line],
        )


def test_schema_describes_the_keys_editors_show_on_hover():
    schema = framework_schema()
    for name in ("Indicator", "Scoring", "Dimension"):
        props = schema["$defs"][name]["properties"]
        undocumented = [
            key
            for key, prop in props.items()
            if key not in ("label", "description") and not prop.get("description")
        ]
        assert undocumented == [], name
    assert "quote it" in schema["properties"]["version"]["description"]


FULL_LINES = (FIXTURES / "full.yaml").read_text(encoding="utf-8").splitlines()
_EDITS = {
    "delete": lambda lines, i, j: lines[:i] + lines[i + 1 :],
    "repeat": lambda lines, i, j: lines[: i + 1] + lines[i:],
    "tab": lambda lines, i, j: [*lines[:i], "\t" + lines[i], *lines[i + 1 :]],
    "insert": lambda lines, i, j: [
        *lines[:i],
        lines[i][:j] + ": ]'\"" + lines[i][j:],
        *lines[i + 1 :],
    ],
    "indent": lambda lines, i, j: [*lines[:i], " " * (j % 5) + lines[i], *lines[i + 1 :]],
    "truncate": lambda lines, i, j: [*lines[:i], lines[i][:j]],
}


@settings(max_examples=100, deadline=None)
@given(
    edit=st.sampled_from(sorted(_EDITS)),
    i=st.integers(min_value=0, max_value=len(FULL_LINES) - 1),
    j=st.integers(min_value=0, max_value=60),
)
def test_any_edit_gives_a_framework_or_located_problems(edit, i, j):
    """A user's mistake never ends in a traceback: every problem has a line in the file."""
    lines = _EDITS[edit](FULL_LINES, i, j)
    text = "\n".join(lines) + "\n"
    try:
        parse_framework(text, "edited.yaml")
    except FrameworkError as err:
        assert err.problems
        for p in err.problems:
            assert p.file == "edited.yaml"
            assert p.message
            if p.line is not None:
                assert 1 <= p.line <= len(lines) + 1, (p, edit, i, j)


@pytest.mark.parametrize("path", VALID + SHIPPED, ids=lambda p: p.stem)
def test_fast_and_pure_python_yaml_parsers_agree(path):
    from cfeval.framework.yaml_text import FAST_LOADER as _FAST_LOADER
    from cfeval.framework.yaml_text import compose as _compose

    text = path.read_text(encoding="utf-8")
    fast, pure = _compose(text, "x", _FAST_LOADER), _compose(text, "x", yaml.SafeLoader)
    assert fast.data == pure.data
    assert fast.marks == pure.marks


@pytest.mark.parametrize("path", sorted(BROKEN.glob("*.yaml")), ids=lambda p: p.stem)
def test_every_problem_is_said_in_chinese_with_its_place(path):
    """Problems carry an English message id and are put into words when shown."""
    from cfeval.i18n import Msg

    with pytest.raises(FrameworkError) as err:
        load_framework(path)
    zh = err.value.text("zh").splitlines()
    assert "框架未通过检查" in zh[0]
    for problem, line in zip(err.value.problems, zh[1:], strict=True):
        assert isinstance(problem.message, Msg), problem
        said = problem.message.text("zh")
        assert said != problem.message, f"no Chinese for {problem.message.msgid!r}"
        # the place stays as it is: file:line:col and the dotted path
        assert line.strip() == str(problem).replace(problem.message, said).strip()
    assert err.value.text("en") == str(err.value)
