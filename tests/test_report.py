"""PDF reports: content in both languages, fonts, page structure, hostile input, batch, demo.

Reports are rendered from real engine results of small hand-made data for
tests/fixtures/frameworks/full.yaml and read back with poppler (pdftotext, pdffonts,
pdfinfo, pdfdetach), so the assertions are about the PDF a person would print.
"""

from __future__ import annotations

import datetime as dt
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cfeval.errors import CfevalError, UsageError
from cfeval.i18n import words
from cfeval.report import basics, render
from cfeval.report import comparison as report_comparison
from cfeval.report import context as report_context
from cfeval.report import entry as report
from cfeval.report import text as report_text

pytestmark = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="needs poppler-utils")

DATE = dt.date(2024, 6, 1)
HOSTILE = (
    '<img src="file:///etc/passwd"> <link rel="attachment" href="file:///etc/passwd">'
    " <script>alert(1)</script> 电话13812345678"
)

# community -> (name, city, children's answers, parents' answers, audit values)
COMMUNITIES = {
    "A01": (
        "阳光社区",
        "成都",
        [5, 4, 5, 5, 4, 5, 4, 5],
        [4, 5, 4, 4, 5, 4],
        (1, 12, 250, 90, "full", 5, 0),
    ),
    "B02": (
        "河畔社区",
        "杭州",
        [3, 4, 3, 2, 3, 4, 3],
        [3, 3, 2, 4, 3],
        (1, 6, 120, 50, "partial", 2, 0),
    ),
    "C03": ("石桥社区", "成都", [2, 3, 2], [2, 3, 2, 2, 3, 2], (0, 0, 40, 10, "none", 0, 1)),
}
FIELDS = [
    "has_council",
    "council_meetings",
    "play_area_m2",
    "proposals_answered_pct",
    "safety_check",
    "partner_orgs",
    "serious_incident",
]


def write_data(folder: Path, names: dict[str, str] | None = None) -> tuple[Path, Path]:
    """Survey and audit CSVs for full.yaml; ``names`` overrides community names."""
    import pandas as pd

    rows, audit = [], []
    for cid, (name, city, kids, parents, values) in COMMUNITIES.items():
        for group, answers in (("child", kids), ("parent", parents)):
            for i, a in enumerate(answers):
                row = {
                    "community_id": cid,
                    "respondent": group,
                    "respondent_id": f"{cid}-{group}-{i}",
                }
                # c_voice_2 is reverse-worded: a happy respondent disagrees with it.
                row.update(c_voice_1=a, c_voice_2=6 - a, c_voice_3=a)
                if group == "child":
                    row.update(c_safe_1=a, c_safe_2=max(1, a - 1))
                rows.append(row)
        audit.append(
            {
                "community_id": cid,
                "name": (names or {}).get(cid, name),
                "city": city,
                **dict(zip(FIELDS, values, strict=True)),
            }
        )
    # one row for a community the audit does not know: excluded and counted in the appendix
    rows.append(
        {"community_id": "Z99", "respondent": "child", "respondent_id": "z", "c_voice_1": 3}
    )
    folder.mkdir(parents=True, exist_ok=True)
    survey, audit_path = folder / "survey.csv", folder / "audit.csv"
    pd.DataFrame(rows).to_csv(survey, index=False)
    pd.DataFrame(audit).to_csv(audit_path, index=False)
    return survey, audit_path


def scored(fw, folder: Path, names: dict[str, str] | None = None):
    from cfeval.data.load import load_data
    from cfeval.scoring.engine import score

    survey, audit = write_data(folder, names)
    return score(fw, load_data(fw, survey=survey, audit=audit))


def pdftext(path: Path) -> str:
    return subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout


def pages(path: Path) -> int:
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
    return int(re.search(r"^Pages:\s+(\d+)", info, re.M).group(1))


def flat(text: str) -> str:
    return re.sub(r"\s+", "", text)


@pytest.fixture(scope="module")
def result(full_framework, tmp_path_factory):
    return scored(full_framework, tmp_path_factory.mktemp("data"))


@pytest.fixture(scope="module")
def rendered(result, tmp_path_factory):
    """Community A01 in both languages: {lang: (pdf path, render log)}."""
    out = tmp_path_factory.mktemp("pdf")
    done = {}
    for lang in ("zh", "en"):
        log = render.RenderLog()
        path = report.render_report(
            result, "A01", out / f"A01_{lang}.pdf", lang=lang, date=DATE, log=log
        )
        done[lang] = (path, log)
    return done


# --------------------------------------------------------------------------- content


@pytest.mark.parametrize(
    ("lang", "title", "grade", "date", "headings"),
    [
        (
            "zh",
            "儿童友好社区评估报告",
            "优秀",
            "2024年6月1日",
            [
                "总体概况",
                "优势",
                "优先改进事项",
                "儿童参与",
                "空间营造",
                "儿童与成人的看法",
                "加分与否决说明",
                "数据质量与方法说明",
            ],
        ),
        (
            "en",
            "Child-Friendly Community Assessment Report",
            "Excellent",
            "1 June 2024",
            [
                "Summary",
                "Strengths",
                "Priorities for improvement",
                "Child participation",
                "Spaces",
                "Children's views beside adults'",
                "Bonus and veto notes",
                "Data quality and method",
            ],
        ),
    ],
)
def test_report_shows_title_community_grade_and_sections(
    rendered, result, lang, title, grade, date, headings
):
    path, _ = rendered[lang]
    text = pdftext(path)
    # A01 scores 100 on every indicator but the bands: the grade is the top one.
    assert result.communities.set_index("community_id").loc["A01", "grade"] == "excellent"
    for needle in (title, "阳光社区", grade, date, *headings):
        assert flat(needle) in flat(text), needle
    n = pages(path)
    assert 4 <= n <= 9
    # running footer: page X of Y with the real page count
    footer = f"第 1 页，共 {n} 页" if lang == "zh" else f"Page 2 of {n}"
    assert footer in text


def test_fonts_are_embedded_noto_cjk_with_real_bold_and_nothing_else(rendered):
    for path, _ in rendered.values():
        out = subprocess.run(
            ["pdffonts", str(path)], capture_output=True, text=True, check=True
        ).stdout
        rows = out.splitlines()[2:]
        assert rows
        for row in rows:
            cols = row.split()
            # name type... encoding emb sub uni object ID: emb is the 5th column from the end
            assert cols[-5] == "yes", row
            assert "Noto-Sans" in cols[0] and "CJK" in cols[0], row
        # Exactly the text face and its bold: a third face (the monospace one once used
        # for the fingerprint) would add ~115 KB of font subset to every PDF.
        faces = sorted(r.split()[0].split("+", 1)[-1] for r in rows)
        assert faces == ["Noto-Sans-CJK-SC", "Noto-Sans-CJK-SC-Bold"], faces


def test_each_language_has_no_stray_words_of_the_other(rendered, full_framework):
    zh_text, en_text = (pdftext(rendered[lang][0]) for lang in ("zh", "en"))
    for value in report_text.report_words("en").values():
        text = re.sub(r"\{[a-z_]+\}", " ", value)
        if re.search(r"[A-Za-z]{4,}", text):
            assert flat(text) not in flat(zh_text), value
    for value in report_text.report_words("zh").values():
        if re.search(r"[\u4e00-\u9fff]{3,}", value):  # "社区" is also in the names
            assert flat(re.sub(r"\{[a-z_]+\}", "", value)) not in flat(en_text), value
    # Beyond the table: Latin words in the Chinese report are only ids, citations and names.
    allowed = {"cfeval", "SHA", "A01", "ZSX", *full_framework.id.split("-")}
    latin = set(re.findall(r"[A-Za-z][A-Za-z0-9]{2,}", zh_text))
    fingerprint = re.findall(r"\b[0-9a-f]{16}\b", zh_text)
    assert fingerprint
    assert {w for w in latin if w not in allowed and w not in fingerprint[0]} == set()
    # and no CJK in the English report's UI strings (the data are Chinese names)
    for value in report_text.report_words("en").values():
        assert not re.search(r"[\u4e00-\u9fff]", value), value


def test_context_strengths_priorities_peers_match_the_scores(result, full_framework):
    ctx = report_context.build_context(result, "B02", lang="en", date=DATE)
    scores = result.scores[
        (result.scores["community_id"] == "B02") & (result.scores["kind"] == "indicator")
    ]
    by_gain = scores.sort_values("potential_gain", ascending=False, kind="stable")
    want = [full_framework.node(i).label["en"] for i in by_gain["node_id"][:3]]
    assert [p["label"] for p in ctx["priorities"]] == want
    assert [p["recommendation"] for p in ctx["priorities"]] == [
        full_framework.node(i).recommendation["en"] for i in by_gain["node_id"][:3]
    ]
    top = scores[scores["status"] == "ok"].sort_values("score", ascending=False, kind="stable")
    assert {s["label"] for s in ctx["strengths"]} <= {
        full_framework.node(i).label["en"] for i in top["node_id"]
    }
    assert float(top["score"].iloc[0]) == pytest.approx(
        float(ctx["strengths"][0]["score"]), abs=0.5
    )
    # rank: B02 is second of three communities by total score
    totals = result.communities.set_index("community_id")["score"]
    assert ctx["overall"]["rank"] == f"{int((totals > totals['B02']).sum()) + 1} of 3"
    assert float(ctx["overall"]["points"]) == pytest.approx(totals["B02"], abs=0.05)
    # the section for "space" lists its four indicators in framework order
    space = next(s for s in ctx["sections"] if s["id"] == "space")
    assert [r["id"] for r in space["rows"]] == [
        "play_space",
        "safety",
        "proposals_answered",
        "feel_safe",
    ]


def test_radar_compares_with_the_median_of_the_three_communities(result, monkeypatch):
    from cfeval.report import charts

    seen = {}
    monkeypatch.setattr(charts, "radar", lambda *a, **k: seen.update(args=a, kwargs=k) or "")
    report_context.build_context(result, "B02", lang="en", date=DATE)
    labels, values, peer = seen["args"]
    assert labels == ["Child participation", "Spaces"]
    by_node = result.scores.set_index(["community_id", "node_id"])["score"]
    # the median of three numbers is the middle one, sorted by hand here
    for i, node in enumerate(("participation", "space")):
        three = sorted(float(by_node[(c, node)]) for c in ("A01", "B02", "C03"))
        assert peer[i] == pytest.approx(three[1])
        assert values[i] == pytest.approx(float(by_node[("B02", node)]))
    assert seen["kwargs"] == {"value_label": "This community", "peer_label": "Peer median"}


def test_insufficient_group_and_veto_are_flagged(result, full_framework, tmp_path):
    ctx = report_context.build_context(result, "C03", lang="zh", date=DATE)
    voice = next(r for s in ctx["sections"] for r in s["rows"] if r["id"] == "voice_heard")
    child = next(g for g in voice["groups"] if g["key"] == "child")
    assert child["insufficient"] and child["text"] == "数据不足（样本量 3）"
    feel = next(r for s in ctx["sections"] for r in s["rows"] if r["id"] == "feel_safe")
    assert feel["status"]["code"] == "insufficient"
    assert ctx["overall"]["vetoed"]
    assert any(n["kind"] == "veto" and "严重安全事故" in n["text"] for n in ctx["notes"])
    text = flat(
        pdftext(report.render_report(result, "C03", tmp_path / "c.pdf", lang="zh", date=DATE))
    )
    for needle in (
        "已触发一票否决",
        "数据不足（样本量3）",
        "样本不足",
        "一票否决：严重安全事故",
        "社区不在清单中",
    ):
        assert flat(needle) in text, needle


# --------------------------------------------------------------------------- safety


def test_hostile_names_stay_literal_text_and_nothing_outside_assets_is_fetched(
    full_framework, tmp_path
):
    res = scored(full_framework, tmp_path / "data", names={"A01": HOSTILE})
    log = render.RenderLog()
    pdf = report.render_report(res, "A01", tmp_path / "h.pdf", lang="en", date=DATE, log=log)
    text = flat(pdftext(pdf))
    assert flat('<img src="file:///etc/passwd">') in text
    assert flat('<link rel="attachment" href="file:///etc/passwd">') in text
    assert flat("<script>alert(1)</script>") in text
    assert "13812345678" not in text and "***********" in text
    assert "root:x:0:0" not in text
    listing = subprocess.run(
        ["pdfdetach", "-list", str(pdf)], capture_output=True, text=True, check=True
    ).stdout
    assert listing.strip().splitlines()[0].startswith("0 embedded files")
    root = render.asset_dir().resolve()
    assert log.requests and log.refused == []
    for url in log.requests:
        assert url.startswith("data:") or Path(
            url.removeprefix("file://")
        ).resolve().is_relative_to(root), url[:80]


def test_fetcher_serves_only_data_and_files_inside_its_root(tmp_path):
    root = tmp_path / "assets"
    (root / "sub").mkdir(parents=True)
    (root / "ok.css").write_text("p { color: red }")
    (tmp_path / "secret.txt").write_text("secret")
    (root / "link.css").symlink_to(tmp_path / "secret.txt")
    fetcher = render._asset_fetcher_class()(root)
    assert fetcher.fetch(f"file://{root}/ok.css").read() == b"p { color: red }"
    assert fetcher.fetch("data:text/plain;base64,aGk=").read() == b"hi"
    for url in (
        "file:///etc/passwd",
        f"file://{root}/sub/../../secret.txt",
        f"file://{root}/link.css",
        f"file://{root}/missing.css",
        "http://example.com/x.css",
        "https://example.com/x.png",
    ):
        with pytest.raises(ValueError):
            fetcher.fetch(url)
    assert fetcher.refused == fetcher.requests[2:]


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("联系 13812345678 即可", "联系 *********** 即可"),
        ("手机+86 139-1234-5678", "手机+** ***-****-****"),
        ("座机 028-87654321。", "座机 ***-********。"),
        ("(010)12345678", "(***)********"),
        ("身份证 11010119900307457X", "身份证 ******************"),
        ("身份证11010119900307457x号", "身份证******************号"),
    ],
)
def test_phone_and_id_numbers_are_masked(text, masked):
    assert report_context.mask_pii(text) == masked


@pytest.mark.parametrize(
    "text", ["2024年6月1日", "面积 250 平方米", "编号 12345678901", "CD-CH-001", "第 3 页"]
)
def test_ordinary_numbers_are_not_masked(text):
    assert report_context.mask_pii(text) == text


def test_css_string_cannot_leave_its_string_or_the_style_block():
    out = str(render._css_string('x"; } </style><script>alert(1)</script> 社区'))
    assert out.startswith('"') and out.endswith('"')
    inner = out[1:-1]
    assert not set('"<>{};/') & set(inner)
    assert "社区" in inner


def test_characters_the_font_cannot_draw_stop_the_report(result, tmp_path):
    html = render.render_html(
        "report.html.j2", report_context.build_context(result, "A01", lang="zh", date=DATE)
    )
    with pytest.raises(CfevalError, match="U\\+1F984"):
        render.pdf_bytes(html.replace("阳光社区", "阳光🦄社区"))
    assert not list(tmp_path.iterdir())


def test_weasyprint_font_warnings_become_errors():
    html = "<style>@font-face { font-family: X; src: url(data:font/ttf;base64,AAAA) } p { font-family: X }</style><p>hi</p>"
    with pytest.raises(CfevalError, match="cannot be loaded"):
        render.pdf_bytes(html)


# --------------------------------------------------------------------------- variants


def test_pdfa_variant_declares_pdfa_3b(result, tmp_path):
    path = report.render_report(result, "B02", tmp_path / "b.pdf", lang="en", date=DATE, pdfa=True)
    meta = subprocess.run(
        ["pdfinfo", "-meta", str(path)], capture_output=True, text=True, check=True
    ).stdout
    assert 'pdfaid:part="3"' in meta and 'pdfaid:conformance="B"' in meta
    plain = report.render_report(result, "B02", tmp_path / "p.pdf", lang="en", date=DATE)
    assert (
        "pdfaid"
        not in subprocess.run(
            ["pdfinfo", "-meta", str(plain)], capture_output=True, text=True
        ).stdout
    )


def test_comparison_report_ranks_every_community(result, tmp_path):
    path = report.render_comparison(result, tmp_path / "cmp.pdf", lang="zh", date=DATE)
    text = pdftext(path)
    for needle in (
        "儿童友好社区评估比较报告",
        "综合得分排名",
        "各社区维度得分",
        "各城市等级分布",
        "阳光社区",
        "河畔社区",
        "石桥社区",
    ):
        assert flat(needle) in flat(text), needle
    ranked = [line for line in text.splitlines() if re.match(r"\s*[123]\s+\S+社区", line)]
    order = result.communities.sort_values("score", ascending=False)["name"].tolist()
    # rows are grouped by city · district; each carries its rank among all communities
    ranks = {next(n for n in order if n in line): int(line.split()[0]) for line in ranked}
    assert ranks == {name: i for i, name in enumerate(order, start=1)}


def test_same_inputs_give_byte_identical_pdfs(result):
    ctx = report_context.build_context(result, "B02", lang="en", date=DATE)
    html = render.render_html("report.html.j2", ctx)
    assert render.pdf_bytes(html) == render.pdf_bytes(html)


def test_unknown_language_or_community_is_a_usage_error(result, tmp_path):
    with pytest.raises(UsageError, match="language"):
        report_context.build_context(result, "A01", lang="fr")
    with pytest.raises(UsageError, match="Q77"):
        report_context.build_context(result, "Q77", lang="zh")
    with pytest.raises(UsageError, match="2024-06-01"):
        report.render_report(result, "A01", tmp_path / "x.pdf", date="1.6.2024")


@pytest.mark.parametrize(
    ("cid", "name"),
    [
        ("A01", "A01_zh.pdf"),
        # An unsafe id gets a hash of itself, so that it cannot share a file with another.
        ("../../etc/x", "etc_x-56da1a2e_zh.pdf"),
        ("社区 7/8", "社区_7_8-cd71db17_zh.pdf"),
        ("..", "community-5ec1f7e7_zh.pdf"),
    ],
)
def test_report_filenames_stay_inside_the_folder(cid, name):
    assert report.report_filename(cid, "zh") == name


# --------------------------------------------------------------------------- batch, CLI


def test_batch_goes_on_past_a_broken_community(full_framework, tmp_path):
    res = scored(full_framework, tmp_path / "data", names={"B02": "河畔🦄社区"})
    seen = []
    out = report.render_batch(
        res,
        tmp_path / "out",
        lang="zh",
        date=DATE,
        workers=2,
        on_done=lambda c, ok: seen.append((c, ok)),
    )
    assert sorted(out.written) == ["A01", "C03"]
    assert list(out.failed) == ["B02"] and "U+1F984" in out.failed["B02"]
    assert sorted(seen) == [("A01", True), ("B02", False), ("C03", True)]
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["A01_zh.pdf", "C03_zh.pdf"]


def test_cli_report_all_exits_1_and_lists_the_broken_community(full_yaml, tmp_path):
    from typer.testing import CliRunner

    from cfeval.cli.app import app

    survey, audit = write_data(tmp_path / "data", names={"C03": "石桥🦄社区"})
    args = [
        "report",
        str(full_yaml),
        "--survey",
        str(survey),
        "--audit",
        str(audit),
        "-o",
        str(tmp_path / "out"),
        "--lang",
        "en",
        "--date",
        "2024-06-01",
    ]
    res = CliRunner().invoke(app, [*args, "--all", "--workers", "1"])
    assert res.exit_code == 1, res.output
    assert "C03" in res.output and "U+1F984" in res.output
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["A01_en.pdf", "B02_en.pdf"]
    # the broken name is in the comparison too; with clean data it is written
    clean = write_data(tmp_path / "clean")
    args[3], args[5] = str(clean[0]), str(clean[1])
    res = CliRunner().invoke(app, [*args, "--compare"])
    assert res.exit_code == 0, res.output
    assert (tmp_path / "out" / "comparison_en.pdf").is_file()
    res = CliRunner().invoke(app, args)  # nothing chosen to write
    assert res.exit_code == 2 and "choose what to write" in res.output


def test_showcase_picks_different_grades(result):
    picks = report.pick_showcase(result)
    grades = result.communities.set_index("community_id").loc[picks, "grade"].tolist()
    assert len(set(grades)) == len(grades) == len(set(result.communities["grade"]))
    assert grades[0] == "excellent" and picks[-1] == "C03"


def test_index_mode_framework_renders_scores_without_points(index_framework, tmp_path):
    from cfeval.sample.generate import generate
    from cfeval.scoring.engine import score

    survey, audit = generate(index_framework, seed=3, broken=False)
    res = score(index_framework, survey=survey, audit=audit)
    cid = sorted(res.communities["community_id"])[0]
    ctx = report_context.build_context(res, cid, lang="en", date=DATE)
    assert not ctx["overall"]["points_mode"]
    assert ctx["method_text"].startswith("Index method: attainments are rescaled to 0–100")
    # index mode: a result is the 0-100 score itself, never "points / max"
    assert all("/" not in r["result"] for s in ctx["sections"] for r in s["rows"])
    text = flat(pdftext(report.render_report(res, cid, tmp_path / "i.pdf", lang="en", date=DATE)))
    assert flat(index_framework.title["en"]) in text and "Indexmethod" in text


@pytest.fixture(scope="module")
def result_at_90(full_yaml, tmp_path_factory):
    """full.yaml with `scoring.ci_level: 0.9`, scored on the module's data."""
    from cfeval.framework.loader import parse_framework

    text = full_yaml.read_text(encoding="utf-8").replace(
        "  method: points\n", "  method: points\n  ci_level: 0.9\n", 1
    )
    fw = parse_framework(text, "full90.yaml")
    return scored(fw, tmp_path_factory.mktemp("data90"))


@pytest.mark.parametrize(
    ("lang", "level"), [("en", "90% interval"), ("zh", "90% 置信区间")], ids=["en", "zh"]
)
def test_every_page_states_the_frameworks_interval_level(result_at_90, tmp_path, lang, level):
    """A framework that says `ci_level: 0.9`: no page may speak of a 95% interval."""
    assert result_at_90.framework.scoring.ci_level == 0.9
    one = report.render_report(result_at_90, "B02", tmp_path / "r.pdf", lang=lang, date=DATE)
    both = report.render_comparison(result_at_90, tmp_path / "c.pdf", lang=lang, date=DATE)
    for pdf in (one, both):
        text = pdftext(pdf)
        assert "95%" not in flat(text), pdf.name
        assert flat(level) in flat(text)
    t = report_text.report_words(lang, 0.9)
    for key in ("interval", "views_caption", "method_text_ci", "ranking_caption"):
        assert "90%" in t[key] and "{level}" not in t[key], key
    community = flat(pdftext(one))
    for key in ("interval", "views_caption", "method_text_ci"):
        assert flat(t[key]) in community, key
    assert flat(t["ranking_caption"]) in flat(pdftext(both))


def test_cli_report_unknown_community_is_a_usage_error(full_yaml, tmp_path):
    from typer.testing import CliRunner

    from cfeval.cli.app import app

    survey, audit = write_data(tmp_path / "data")
    res = CliRunner().invoke(
        app,
        ["report", str(full_yaml), "--survey", str(survey), "--audit", str(audit)]
        + ["--community", "Q77", "-o", str(tmp_path / "out")],
    )
    assert res.exit_code == 2 and "Q77" in res.output and "A01" in res.output
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(
    ("option", "said"),
    [(["--lang", "fr"], "unknown language 'fr'"), (["--date", "2024-13-45"], "--date")],
)
def test_cli_report_refuses_bad_options_before_reading_any_data(full_yaml, tmp_path, option, said):
    from typer.testing import CliRunner

    from cfeval.cli.app import app

    # The data files do not even exist: the options must be refused before they are read.
    missing = str(tmp_path / "nowhere.csv")
    res = CliRunner().invoke(
        app,
        ["report", str(full_yaml), "--survey", missing, "--audit", missing]
        + ["--all", "-o", str(tmp_path / "out"), *option],
    )
    assert res.exit_code == 2
    assert said in res.output and "file not found" not in res.output
    assert not (tmp_path / "out").exists()


def test_cli_demo_writes_three_reports_and_the_comparison(tmp_path):
    from typer.testing import CliRunner

    from cfeval.cli.app import app

    res = CliRunner().invoke(
        app, ["--lang", "zh", "demo", "-o", str(tmp_path / "demo"), "--workers", "1"]
    )
    assert res.exit_code == 0, res.output
    files = sorted(p.name for p in (tmp_path / "demo").iterdir())
    assert len(files) == 5 and "comparison_zh.pdf" in files
    assert str((tmp_path / "demo").resolve()) in flat(res.output)
    (children,) = [f for f in files if f.endswith("_children_zh.pdf")]
    assert "你们提了什么建议，大人们做了什么" in flat(pdftext(tmp_path / "demo" / children))
    grades = set()
    for name in files:
        if name == children:
            continue
        text = flat(pdftext(tmp_path / "demo" / name))
        assert "成都儿童友好社区评价" in text
        if name != "comparison_zh.pdf":
            grades.add(next(g for g in ("优秀", "良好", "合格", "待合格") if f"等级{g}" in text))
    assert len(grades) == 3


def test_dates_follow_the_report_language_not_the_environment(monkeypatch):
    monkeypatch.setenv("CFEVAL_LANG", "zh")
    assert words("en").date(dt.date(2024, 12, 5)) == "5 December 2024"
    assert words("zh").date(dt.date(2024, 12, 5)) == "2024年12月5日"


def test_fingerprint_is_the_data_files_sha256_prefix():
    import hashlib
    from types import SimpleNamespace

    one = SimpleNamespace(provenance={"data": [{"path": "s.csv", "sha256": "ab" * 32}]})
    assert basics.fingerprint(one) == "ab" * 8
    a, b = "11" * 32, "ff" * 32
    two = SimpleNamespace(
        provenance={"data": [{"sha256": b}, {"sha256": a}], "framework": {"sha256": "x"}}
    )
    assert basics.fingerprint(two) == hashlib.sha256((a + b).encode()).hexdigest()[:16]
    assert basics.fingerprint(SimpleNamespace(provenance={})) == "—"


# --------------------------------------------------------------------------- properties

_text = st.text(alphabet=st.sampled_from("0123456789Xx -+()社区电话号码ab"), max_size=60)


@given(_text)
def test_masking_keeps_length_is_idempotent_and_leaves_no_mobile_number(text):
    masked = report_context.mask_pii(text)
    assert len(masked) == len(text)
    assert report_context.mask_pii(masked) == masked
    assert not re.search(r"(?<![0-9])1[3-9]\d{9}(?![0-9])", masked)
    # only digits (and the X of an ID card) are ever replaced
    assert all(a == b or b == "*" for a, b in zip(text, masked, strict=True))


@given(st.text(max_size=40))
def test_css_string_decodes_back_to_the_text(text):
    out = str(render._css_string(text))
    inner = out[1:-1]
    assert '"' not in inner and "<" not in inner and "\n" not in inner
    decoded = re.sub(r"\\([0-9a-f]{6})", lambda m: chr(int(m.group(1), 16)), inner)
    assert decoded == text


@given(st.text(max_size=40))
def test_report_filenames_never_leave_the_folder(cid):
    name = report.report_filename(cid, "en")
    assert "/" not in name and "\\" not in name and not name.startswith(".")
    assert name.endswith("_en.pdf")


def test_survey_only_data_without_names_or_any_score(full_framework, tmp_path):
    from cfeval.data.load import load_data
    from cfeval.scoring.engine import score

    survey, _ = write_data(tmp_path / "data")
    res = score(full_framework, load_data(full_framework, survey=survey))
    ctx = report_comparison.build_comparison_context(res, lang="en", date=DATE)
    rows = {r["id"]: r for r in ctx["table"]}
    # without an audit file the survey-only community Z99 is known but has nothing to score
    assert rows["Z99"]["grade"]["label"] == "—" and rows["Z99"]["score"] == "—"
    assert ctx["table"][-1]["id"] == "Z99"  # unscored communities rank last
    one = report_context.build_context(res, "A01", lang="en", date=DATE)
    assert one["community"]["name"] == "A01"  # no audit names: the id stands in
