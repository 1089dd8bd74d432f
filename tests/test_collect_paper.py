"""Printable questionnaires: A4, fonts embedded, every character drawable, pictures from
the package only. A few PDFs are rendered; the glyph check runs on every framework's
questionnaires in both languages (it needs no rendering)."""

from __future__ import annotations

import re
import subprocess

import pytest

from cfeval.collect.common import questions, survey_groups
from cfeval.collect.paper import questionnaire_html, write_questionnaire
from cfeval.framework.loader import load_framework, shipped_frameworks
from cfeval.report import render

SHIPPED = [fid for fid, _ in shipped_frameworks()]


def _run(*args) -> str:
    return subprocess.run(args, capture_output=True, text=True, check=True).stdout


def _flat(text: str) -> str:
    return re.sub(r"\s+", "", text)


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    fw = load_framework("chengdu-community")
    folder = tmp_path_factory.mktemp("paper")
    out = {}
    for group, lang in (("child", "zh"), ("parent", "en")):
        out[group, lang] = write_questionnaire(fw, group, folder / f"{group}_{lang}.pdf", lang)
    return fw, out


def test_questionnaires_are_a4_with_every_question_and_code(rendered):
    fw, paths = rendered
    for (group, lang), path in paths.items():
        info = _run("pdfinfo", str(path))
        assert "pts (A4)" in info
        text = _flat(_run("pdftotext", str(path), "-"))
        for q in questions(fw, group):
            assert _flat(q.item.text[lang]) in text, q.item.id
            assert q.item.id in text  # the code cfeval reads, printed small
        for code in ("community_id", "wave", "respondent_id", "age", "gender"):
            assert code in text


def test_children_get_one_question_per_block_and_adults_a_grid(rendered):
    fw, paths = rendered
    n_child = len(questions(fw, "child"))
    child = _run("pdftotext", "-layout", str(paths["child", "zh"]), "-")
    assert child.count("不知道") == n_child  # every block shows the whole scale
    assert "你觉得你的社区怎么样？" in child and "由工作人员填写" in child
    adult = _run("pdftotext", "-layout", str(paths["parent", "en"]), "-")
    # One header row for the grid, repeated on each page it runs over.
    assert adult.count("Strongly agree") == adult.count("\f")


def test_fonts_are_embedded_noto_cjk_only(rendered):
    _, paths = rendered
    for path in paths.values():
        rows = _run("pdffonts", str(path)).splitlines()[2:]
        assert rows
        for row in rows:
            cols = row.split()
            assert cols[-5] == "yes", row  # embedded
            # A fallback font here would mean Noto lacked a glyph somewhere.
            assert "Noto-Sans" in cols[0] and "CJK" in cols[0], row


def test_pages_render_to_png_without_missing_glyphs(rendered, tmp_path):
    _, paths = rendered
    for (group, lang), path in paths.items():
        prefix = tmp_path / f"{group}_{lang}"
        _run("pdftoppm", "-r", "40", "-png", "-f", "1", "-l", "1", str(path), str(prefix))
        png = next(tmp_path.glob(f"{group}_{lang}*.png"))
        assert png.stat().st_size > 5000
    # pdf_bytes refuses a character without a glyph; the PDFs above exist, so none was.


@pytest.mark.parametrize("fid", SHIPPED)
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_questionnaire_has_a_glyph_for_every_character(fid, lang):
    fw = load_framework(fid)
    for group in survey_groups(fw):
        html = questionnaire_html(fw, group, lang)
        assert render._uncovered(html) == [], (fid, group, lang)


def test_faces_come_from_the_package_and_nothing_else_is_fetched():
    fw = load_framework("chengdu-community")
    log = render.RenderLog()
    render.pdf_bytes(questionnaire_html(fw, "child", "en"), log=log)
    assert log.refused == []
    faces = {u.rsplit("/", 1)[-1] for u in log.requests if "/faces/" in u}
    assert faces == {"face-1.svg", "face-3.svg", "face-5.svg", "face-unknown.svg"}
    assert all(u.startswith("file:") for u in log.requests)
