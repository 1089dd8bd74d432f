"""The generated Markdown references: in sync with the YAML, and saying the right things."""

from __future__ import annotations

import difflib
from pathlib import Path

import pytest

from cfeval.framework.loader import load_framework, shipped_frameworks
from cfeval.report.reference import default_docs_dir, framework_markdown, write_framework_docs

DOCS = Path(__file__).resolve().parents[1] / "docs" / "frameworks"
SHIPPED = shipped_frameworks()


@pytest.mark.parametrize(("fid", "path"), SHIPPED, ids=[fid for fid, _ in SHIPPED])
def test_committed_reference_matches_the_yaml(fid, path):
    committed = DOCS / f"{fid}.md"
    assert committed.is_file(), f"{committed} is missing; run `cfeval reference --lang en`"
    fresh = framework_markdown(load_framework(path))
    old = committed.read_text(encoding="utf-8")
    if fresh != old:
        diff = "".join(
            list(
                difflib.unified_diff(
                    old.splitlines(keepends=True),
                    fresh.splitlines(keepends=True),
                    "committed",
                    "regenerated",
                    n=1,
                )
            )[:30]
        )
        pytest.fail(
            f"docs/frameworks/{fid}.md is out of date with frameworks/{fid}.yaml; "
            f"regenerate it with `cfeval reference --lang en` and commit it.\n{diff}"
        )


def test_no_reference_without_a_framework():
    on_disk = {p.stem for p in DOCS.glob("*.md")}
    assert on_disk == {fid for fid, _ in SHIPPED}
    assert {"chengdu-community", "hangzhou-community", "unicef-cfci"} <= on_disk


def test_default_docs_dir_is_the_checkouts():
    assert default_docs_dir() == DOCS


def _line(md: str, start: str) -> str:
    hits = [line for line in md.splitlines() if line.startswith(start)]
    assert len(hits) == 1, (start, hits)
    return hits[0]


def _section(md: str, heading: str) -> str:
    """The text from ``heading`` to the next heading of the same or a higher level."""
    lines = md.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(heading))
    level = len(heading) - len(heading.lstrip("#"))
    end = next(
        (
            j
            for j in range(start + 1, len(lines))
            if lines[j].startswith("#") and len(lines[j]) - len(lines[j].lstrip("#")) <= level
        ),
        len(lines),
    )
    return "\n".join(lines[start:end])


def test_every_rule_type_in_words(full_framework):
    md = framework_markdown(full_framework)
    want = {
        "##### 1.1.1 Children's council": "- **Rule**: Yes / no: yes gives 100%, no gives 0%.",
        "##### 1.1.2 Council activity": "- **Rule**: Bands (value at least → attainment): "
        "0 → 0%; 4 → 50%; 12 → 100%.",
        "#### 2.1 Play space": "- **Rule**: Target: value ÷ 200 m², capped at 100%.",
        "#### 2.2 Safety checks": "- **Rule**: Levels: None → 0%; Partial → 50%; Full → 100%.",
        "#### 2.3 Proposals answered": "- **Rule**: Goalposts: 20% or less gives 0%, "
        "80% or more gives 100%, linear in between.",
        "#### 2.4 Feeling safe": "- **Rule**: Favourable share: share of respondents whose "
        "mean over the items (reverse items flipped) is at least 4;",
        "#### 1.2 Children's voices are heard": "- **Rule**: Scale mean:",
    }
    for heading, rule in want.items():
        section = _section(md, heading)
        assert rule in section, (heading, section)


def test_lower_is_better_goalposts_and_units():
    md = framework_markdown(load_framework("unicef-cfci"))
    section = _section(md, "#### 5.1 Play space within walking distance")
    assert (
        "Goalposts (lower is better): 5 minutes or less gives 100%, 15 minutes or more gives 0%"
    ) in section


def test_points_headings_follow_the_tree(full_framework):
    md = framework_markdown(full_framework)
    headings = [line for line in md.splitlines() if line.startswith("#")]
    tree = headings[headings.index("## Dimensions and indicators") + 1 :]
    assert tree[:5] == [
        "### 1. Child participation (儿童参与) · 40 points",
        "#### 1.1. Council (议事机制) · 20 points",
        "##### 1.1.1 Children's council (儿童议事会) · 10 points",
        "##### 1.1.2 Council activity (议事会活动) · 10 points",
        "#### 1.2 Children's voices are heard (儿童的声音被倾听) · 20 points",
    ]


def test_index_weights_shown_as_shares_of_siblings():
    md = framework_markdown(load_framework("unicef-cfci"))
    # valued_fair: five audit indicators of weight 1 and one survey indicator of weight 2,
    # so 1/7 = 14.3% and 2/7 = 28.6%; the five goal areas weigh 1 each (20%).
    assert _line(md, "#### 1.1 Child rights strategy").endswith("· weight 1 (14.3%)")
    assert _line(md, "#### 1.6 Children feel treated fairly").endswith("· weight 2 (28.6%)")
    assert _line(md, "### 2. Voice heard").endswith("· weight 1 (20.0%)")
    assert (
        "| 5 | Family life, play and leisure (家庭生活、游戏和休闲) | weight 1 (20.0%) | 4 |" in md
    )


def test_items_show_reverse_flag_and_both_languages(full_framework):
    md = framework_markdown(full_framework)
    # voice_heard asks two groups, so the table says who is asked each item (default: both).
    both = "`child`, `parent`"
    assert (
        f"| `c_voice_1` | Adults listen to my ideas | 大人会听我的想法 | {both} | `agree5` |  |"
        in md
    )
    assert (
        f"| `c_voice_2` | Nobody cares what I think | 我的意见没人在乎 | {both} | `agree5` | yes |"
        in md
    )
    section = _section(md, "#### 1.2 Children's voices are heard")
    assert "groups weighted: `child` × 2, `parent` × 1" in section
    assert "A respondent counts when at least 2 of the 3 items are answered." in section


def test_bonus_veto_fields_and_scales(full_framework):
    md = framework_markdown(full_framework)
    assert "- **Rule**: Target: value ÷ 5, capped at 100%." in _section(md, "## Bonus items")
    veto = _section(md, "## Veto items")
    assert (
        "- Triggered when `serious_incident` is yes; the grade is capped at "
        "Not yet qualified (待合格)." in veto
    )
    fields = _section(md, "## Audit fields")
    assert (
        "| `play_area_m2` | Children's play area (儿童活动空间面积) | number | 0– | m² (平方米) "
        "| `play_space` |  |" in fields
    )
    assert "| `partner_orgs` |" in fields and "| `five_society` |" in fields
    assert "| 9 (missing code: not scored) | Don't know | 不知道 |" in md
    assert "| Excellent (优秀) | `excellent` | 90 |" in md


def test_chinese_as_main_language(full_framework):
    md = framework_markdown(full_framework, lang="zh")
    assert md.splitlines()[0] == "# 测试框架（全功能）"
    assert "### 1. 儿童参与 (Child participation) · 40 分" in md
    assert "- **评分规则**：分级：无 → 0%；部分 → 50%；全面 → 100%。" in md
    assert "| 代码 | zh | en |" in md


def test_table_cells_escape_pipes_and_line_breaks(full_framework):
    fw = full_framework.model_copy(deep=True)
    item = fw.node("voice_heard").items[0]
    item.text = {"zh": "甲|乙", "en": "one | two\nthree"}
    md = framework_markdown(fw)
    row = _line(md, "| `c_voice_1` |")
    assert row == "| `c_voice_1` | one \\| two three | 甲\\|乙 | `child`, `parent` | `agree5` |  |"
    header = next(line for line in md.splitlines() if line.startswith("| Item |"))
    # an unescaped pipe would add a column
    assert row.replace("\\|", "").count("|") == header.count("|")


def test_every_id_of_a_shipped_framework_is_documented():
    for fid, path in SHIPPED:
        fw = load_framework(path)
        md = (DOCS / f"{fid}.md").read_text(encoding="utf-8")
        ids = [n.id for _, n in fw.walk()] + [it.id for it in fw.items()] + list(fw.fields)
        ids += (
            [b.id for b in fw.bonus] + [v.id for v in fw.veto] + [g.id for g in fw.scoring.grades]
        )
        missing = [i for i in ids if f"`{i}`" not in md]
        assert not missing, (fid, missing)


def test_write_framework_docs_into_another_folder(tmp_path):
    written = write_framework_docs(tmp_path)
    assert sorted(p.name for p in written) == sorted(f"{fid}.md" for fid, _ in SHIPPED)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(p.name for p in written)
    for fid, path in SHIPPED:
        text = (tmp_path / f"{fid}.md").read_text(encoding="utf-8")
        assert text == framework_markdown(load_framework(path))


def test_every_word_of_the_chinese_reference_is_in_the_catalogue(
    monkeypatch, full_framework, index_framework
):
    """Each sentence the reference asks for in Chinese has a Chinese catalogue entry."""
    from cfeval.i18n import Words

    untranslated = set()
    call, with_context = Words.__call__, Words.p

    def spy(self, message, /, **fields):
        if self.lang == "zh" and self._t.gettext(message) == message:
            untranslated.add(message)
        return call(self, message, **fields)

    def spy_p(self, context, message, /, **fields):
        if self.lang == "zh" and self._t.pgettext(context, message) == message:
            untranslated.add((context, message))
        return with_context(self, context, message, **fields)

    monkeypatch.setattr(Words, "__call__", spy)
    monkeypatch.setattr(Words, "p", spy_p)
    frameworks = [full_framework, index_framework, *(load_framework(p) for _, p in SHIPPED)]
    for fw in frameworks:
        if "zh" in fw.languages:
            framework_markdown(fw, lang="zh")
    assert not untranslated


@pytest.mark.parametrize(("fid", "path"), SHIPPED, ids=[fid for fid, _ in SHIPPED])
def test_chinese_reference_of_each_shipped_framework(fid, path):
    fw = load_framework(path)
    md = framework_markdown(fw, lang="zh")
    assert md.splitlines()[0] == f"# {fw.title['zh']}"
    first = fw.dimensions[0]
    assert f"### 1. {first.label['zh']} ({first.label['en']})" in md
    assert "## 维度与指标" in md and "## 核查字段" in md


def test_a_language_the_framework_lacks_is_refused(full_framework):
    from cfeval.errors import UsageError

    with pytest.raises(UsageError, match="has no 'fr' texts; its languages: zh, en"):
        framework_markdown(full_framework, lang="fr")
