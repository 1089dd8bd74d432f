"""The field kit's files: what the workbooks enforce, what the forms say, what is safe."""

from __future__ import annotations

import openpyxl
import pytest
import yaml

from cfeval.collect import sheets
from cfeval.collect.audit import STANDARD_HEADERS, Community, audit_headers, write_audit_workbook
from cfeval.collect.common import questions, scale_codes, survey_groups
from cfeval.collect.entry import ENTRY_COLUMNS, write_entry_workbook
from cfeval.collect.kit import kit_communities
from cfeval.collect.paper import face_for, questionnaire_html
from cfeval.collect.textform import questionnaire_text, write_text_form
from cfeval.collect.xlsform import audit_form, survey_form, write_xlsform
from cfeval.data.mapping import AUDIT_STANDARD, load_mapping, norm_header, resolve_columns
from cfeval.errors import UsageError
from cfeval.framework.loader import load_framework, shipped_frameworks

SHIPPED = [fid for fid, _ in shipped_frameworks()]


@pytest.fixture(scope="module")
def chengdu():
    return load_framework("chengdu-community")


def _validations(ws) -> dict[str, object]:
    """Column letter → the data validation covering rows 2.. of it."""
    out = {}
    for dv in ws.data_validations.dataValidation:
        for rng in dv.sqref.ranges:
            assert rng.min_row == 2 and rng.max_row == sheets.LAST_ROW
            out[rng.coord.split(":")[0].rstrip("0123456789")] = dv
    return out


def _list_values(wb, dv) -> list[str]:
    ref = dv.formula1.lstrip("=")
    sheet, cells = ref.rsplit("!", 1)
    ws = wb[sheet.strip("'")]
    return [str(row[0].value) for row in ws[cells.replace("$", "")]]


def _hostile(fw):
    """A copy of ``fw`` whose texts try to become formulas and markup."""
    bad = fw.model_copy(deep=True)
    key = next(iter(bad.fields))
    bad.fields[key].label = {"zh": '=HYPERLINK("http://x","点我")', "en": "+1+2"}
    item = questions(bad, "child")[0].item
    item.text = {"zh": "<b>粗体</b> & @SUM(1)", "en": "-2+3 <script>x</script>"}
    return bad, key, item.id


def test_standard_headers_are_names_the_data_stage_reads():
    for lang, headers in STANDARD_HEADERS.items():
        for target, text in headers.items():
            assert norm_header(text) in AUDIT_STANDARD[target], (lang, target)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_audit_workbook_enforces_each_field(chengdu, tmp_path, lang):
    path = write_audit_workbook(chengdu, tmp_path / "audit.xlsx", lang, [Community("CD-1")])
    wb = openpyxl.load_workbook(path)
    ws = wb.worksheets[0]
    headers = [c.value for c in ws[1]]
    found, unknown, _ = resolve_columns(chengdu, headers, "audit", None)
    assert unknown == [] and set(chengdu.fields) <= set(found)
    rules = _validations(ws)
    for col, header in enumerate(headers, start=1):
        letter = openpyxl.utils.get_column_letter(col)
        key = found_key = next(k for k, v in found.items() if v == header)
        spec = chengdu.fields.get(found_key)
        if spec is None:
            continue
        dv = rules[letter]
        if spec.type == "number":
            assert (dv.type, dv.operator) == ("decimal", "between")
            assert float(dv.formula1) == spec.min and float(dv.formula2) == spec.max
        elif spec.type == "boolean":
            assert dv.type == "list"
            assert _list_values(wb, dv) == (["是", "否"] if lang == "zh" else ["yes", "no"])
        else:
            assert _list_values(wb, dv) == [c.label[lang] for c in spec.categories]
        note = ws.cell(1, col).comment.text
        assert key in note
        if spec.unit:
            assert spec.unit[lang] in note
    assert ws["A2"].value == "CD-1" and ws["B2"].value == 1
    assert ws.freeze_panes == "B2"
    assert ws.protection.sheet and ws["A1"].protection.locked
    assert ws.column_dimensions["C"].protection.locked is False
    assert ws["C2"].protection.locked is False
    help_ws = wb.worksheets[2]
    assert [help_ws.cell(r, 2).value for r in range(2, 2 + len(chengdu.fields))] == list(
        chengdu.fields
    )
    assert wb.worksheets[1].sheet_state == "hidden"


def test_audit_header_falls_back_to_the_id_when_a_label_would_be_misread(chengdu):
    fw = chengdu.model_copy(deep=True)
    a, b = list(fw.fields)[:2]
    fw.fields[b].label = dict(fw.fields[a].label)  # two fields, one name
    fw.fields[list(fw.fields)[2]].label = {"zh": "社区编号", "en": "community_id"}
    headers = audit_headers(fw, "zh")
    assert headers[a] == fw.fields[a].label["zh"]
    assert headers[b] == b
    assert headers[list(fw.fields)[2]] == list(fw.fields)[2]


def test_framework_text_never_becomes_a_formula_or_markup(chengdu, tmp_path):
    bad, key, item_id = _hostile(chengdu)
    path = write_audit_workbook(bad, tmp_path / "audit.xlsx", "zh")
    ws = openpyxl.load_workbook(path).worksheets[0]
    cell = next(c for c in ws[1] if str(c.value).startswith("=HYPERLINK"))
    assert cell.data_type == "s"
    entry = write_entry_workbook(bad, "child", tmp_path / "entry.xlsx", "en")
    codes = openpyxl.load_workbook(entry)["Codes"]
    assert codes["C2"].value == "-2+3 <script>x</script>" and codes["C2"].data_type == "s"
    html = questionnaire_html(bad, "child", "zh")
    assert "&lt;b&gt;粗体&lt;/b&gt; &amp; @SUM(1)" in html and "<b>粗体" not in html


@pytest.mark.parametrize("group", ["child", "parent", "staff"])
def test_entry_sheet_accepts_only_the_codes_of_each_item(chengdu, tmp_path, group):
    path = write_entry_workbook(chengdu, group, tmp_path / "e.xlsx", "zh", ["CD-1", "CD-2"])
    wb = openpyxl.load_workbook(path)
    ws = wb.worksheets[0]
    qs = questions(chengdu, group)
    assert [c.value for c in ws[1]] == [*ENTRY_COLUMNS, *[q.item.id for q in qs]]
    rules = _validations(ws)
    assert _list_values(wb, rules["A"]) == ["CD-1", "CD-2"]
    assert _list_values(wb, rules["C"]) == [group]
    assert (rules["B"].type, rules["B"].formula1) == ("whole", "1")
    for col, q in enumerate(qs, start=len(ENTRY_COLUMNS) + 1):
        dv = rules[openpyxl.utils.get_column_letter(col)]
        assert _list_values(wb, dv) == [str(c) for c in scale_codes(q.scale)]
    assert [c.value for c in ws[2]] == [None] * ws.max_column  # nothing pre-typed


def test_chengdu_child_codes_include_the_dont_know_code(chengdu):
    q = questions(chengdu, "child")[0]
    assert scale_codes(q.scale) == [1, 2, 3, 9]


@pytest.mark.parametrize("fid", SHIPPED)
def test_pyxform_converts_every_form_of_every_framework(fid, tmp_path):
    from pyxform.xls2xform import convert

    fw = load_framework(fid)
    forms = {g: survey_form(fw, g, ["A-1", "B-2"]) for g in survey_groups(fw)}
    forms["audit"] = audit_form(fw)
    for part, form in forms.items():
        path = write_xlsform(fw, form, part, tmp_path / f"{part}.xlsx", "zh")
        warnings: list[str] = []
        # validate=False: the conversion to XForm checks the form; ODK Validate (Java) is
        # not run here.
        xform = convert(str(path), warnings=warnings, validate=False).xform
        assert warnings == [], (part, warnings)
        names = [row["name"] for row in form.survey]
        expected = [q.item.id for q in questions(fw, part)] if part != "audit" else list(fw.fields)
        assert set(expected) <= set(names)
        for name in expected:
            assert f"<{name}/>" in xform or f"<{name} " in xform
        assert 'lang="Chinese (zh)"' in xform and 'lang="English (en)"' in xform


def test_xlsform_columns_choices_and_constraints(chengdu, tmp_path):
    path = write_xlsform(chengdu, audit_form(chengdu), "audit", tmp_path / "a.xlsx", "en")
    wb = openpyxl.load_workbook(path)
    survey = list(wb["survey"].values)
    head = survey[0]
    assert {"type", "name", "label::Chinese (zh)", "label::English (en)", "constraint"} <= set(head)
    rows = {r[head.index("name")]: dict(zip(head, r, strict=True)) for r in survey[1:]}
    assert rows["council_meetings_per_year"]["constraint"] == ". >= 0 and . <= 52"
    assert rows["council_meetings_per_year"]["type"] == "decimal"
    assert (
        rows["children_decision_involvement"]["type"]
        == "select_one field_children_decision_involvement"
    )
    settings = dict(zip(*list(wb["settings"].values), strict=True))
    assert settings["form_id"] == "chengdu_community_audit"
    assert settings["default_language"] == "English (en)"
    child = survey_form(chengdu, "child")
    choices = [
        (c["name"], c["label::Chinese (zh)"])
        for c in child.choices
        if c["list_name"] == "scale_child3"
    ]
    assert choices == [("1", "不是"), ("2", "有点是"), ("3", "是"), ("9", "不知道")]
    calc = next(r for r in child.survey if r["name"] == "respondent")
    assert (calc["type"], calc["calculation"]) == ("calculate", "'child'")


def test_text_questionnaire_numbers_questions_and_letters_options(chengdu, tmp_path):
    text = questionnaire_text(chengdu, "child", "zh")
    lines = text.splitlines()
    first = questions(chengdu, "child")[0]
    at = lines.index(f"5、{first.item.text['zh']}")
    assert lines[at + 1 : at + 6] == ["A. 不是", "B. 有点是", "C. 是", "D. 不知道", ""]
    assert lines[2] == "1、社区编号" and lines[3] == ""
    paths = write_text_form(chengdu, "child", tmp_path, "zh", ["CD-1"])
    mapping = load_mapping(paths[1])
    assert mapping.respondent == "child"
    assert mapping.columns[first.item.text["zh"]] == first.item.id
    assert "社区编号" in yaml.safe_load(paths[1].read_text(encoding="utf-8"))["columns"]
    assert "A. CD-1" in paths[0].read_text(encoding="utf-8")


def test_faces_follow_what_an_answer_means_and_reverse_items_carry_no_mark(chengdu):
    qs = {q.item.id: q for q in questions(chengdu, "child")}
    plain, reverse = qs["c_voice_listen"], qs["c_voice_ignored"]
    assert reverse.item.reverse and not plain.item.reverse
    assert [face_for(plain, c) for c in (1, 2, 3, 9)] == [
        "face-1",
        "face-3",
        "face-5",
        "face-unknown",
    ]
    assert [face_for(reverse, c) for c in (1, 2, 3, 9)] == [
        "face-5",
        "face-3",
        "face-1",
        "face-unknown",
    ]
    five = questions(chengdu, "parent")[0]
    assert [face_for(five, c) for c in (1, 2, 3, 4, 5)] == [f"face-{i}" for i in range(1, 6)]
    html = questionnaire_html(chengdu, "child", "en")
    assert "revers" not in html.lower() and "(R)" not in html


def test_communities_come_from_the_audit_file_then_the_ids_given(chengdu):
    from cfeval._paths import shipped_dir

    rows = kit_communities(
        chengdu, ["ＮＥＷ-1", "CD-JJ-001"], shipped_dir("sample_data") / "chengdu" / "audit.csv"
    )
    first = rows[0]
    assert (first.community_id, first.wave, first.name) == ("CD-JJ-001", "1", "桂花巷社区")
    assert rows[-1].community_id == "NEW-1"  # full-width normalised like the data stage does
    assert sum(r.community_id == "CD-JJ-001" for r in rows) == 1
    with pytest.raises(UsageError, match="cannot be blank"):
        kit_communities(chengdu, ["  "])


@pytest.mark.parametrize("fid", SHIPPED)
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_template_writes_the_whole_kit_for_every_framework(fid, lang, tmp_path, monkeypatch):
    """Every part for every shipped framework and language; the PDFs are stood in for by
    their HTML here (rendering is tested in test_collect_paper.py and the CLI test)."""
    from cfeval.collect import kit

    def html_instead(fw, group, path, lang):
        path.write_text(questionnaire_html(fw, group, lang), encoding="utf-8")
        return path

    monkeypatch.setattr(kit, "write_questionnaire", html_instead)
    fw = load_framework(fid)
    written = kit.template(fw, tmp_path / "kit", lang=lang, communities=["X-1"])
    groups = survey_groups(fw)
    expected = {"audit.xlsx", "xlsform_audit.xlsx"}
    if fw.proposals is not None:  # a framework with a proposal log gets its template
        expected |= {"proposals.xlsx", "proposals.csv"}
    for g in groups:
        expected |= {
            f"questionnaire_{g}.pdf",
            f"entry_{g}.xlsx",
            f"xlsform_{g}.xlsx",
            f"text_{g}.txt",
            f"text_{g}_mapping.yaml",
        }
    assert {p.name for p in written} == expected
    assert {p.name for p in (tmp_path / "kit").iterdir()} == expected  # nothing left over
    assert [p.name for p in tmp_path.iterdir()] == ["kit"]  # the staging folder is gone


def test_a_failed_kit_leaves_nothing_behind(chengdu, tmp_path, monkeypatch):
    from cfeval.collect import kit
    from cfeval.errors import CfevalError

    def fail(*args, **kwargs):
        raise CfevalError("the report font cannot draw these characters: ...")

    monkeypatch.setattr(kit, "write_entry_workbook", fail)
    monkeypatch.setattr(kit, "write_questionnaire", lambda fw, g, path, lang: path)
    with pytest.raises(CfevalError):
        kit.template(chengdu, tmp_path / "kit", lang="zh")
    assert list(tmp_path.iterdir()) == []


def test_option_letters_go_on_past_z():
    from cfeval.collect.textform import _letters

    assert [_letters(i) for i in (0, 1, 25, 26, 27, 51, 52)] == [
        "A",
        "B",
        "Z",
        "AA",
        "AB",
        "AZ",
        "BA",
    ]
