"""Printing a whole district: report settings, selections, the paginated comparison, the
booklet (contents, bookmarks) and the manifest, on a synthetic district of 200 communities."""

from __future__ import annotations

import hashlib
import json
import re
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from cfeval.errors import UsageError
from cfeval.report.paging import PAGE_ROWS, paginate
from cfeval.report.settings import SettingsError, load_settings, parse_settings
from cfeval.results.selection import select_communities

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "sample_data" / "chengdu"
DATE = "2024-06-01"
ID = re.compile(r"\b(?:CD|HZ)-[A-Z]{2}-\d{3}\b")


def _text(pdf: Path) -> list[str]:
    """The text of every page (poppler's pdftotext, pages split at form feeds)."""
    out = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    return out.split("\f")[:-1]


def _png(size=(40, 20)) -> bytes:
    from io import BytesIO

    from PIL import Image

    buf = BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(buf, "PNG")
    return buf.getvalue()


# --------------------------------------------------------------------------- settings

GOOD = """\
issuer: {zh: 锦江区妇女联合会, en: Jinjiang District Women's Federation}
number: "{city}-{district}-{year}-{seq:03d}"
date_of_issue: 2024-06-15
signatures:
  - role: {zh: 评估组组长, en: Head of assessment}
  - role: {zh: 审核人, en: Reviewer}
    name: Li
logo: seal.png
footer: {zh: 锦江区妇联 儿童友好社区评估, en: Jinjiang child-friendly assessment}
confidentiality: {zh: 内部资料 注意保密, en: Internal - not for publication}
"""


def test_settings_are_read_and_the_number_is_formatted(tmp_path):
    (tmp_path / "seal.png").write_bytes(_png())
    (tmp_path / "report.yaml").write_text(GOOD, encoding="utf-8")
    s = load_settings(tmp_path / "report.yaml")
    assert s.text("issuer", "en") == "Jinjiang District Women's Federation"
    assert s.report_number({"city": "成都", "district": "锦江区", "year": 2024, "seq": 7}) == (
        "成都-锦江区-2024-007"
    )
    assert [g.name for g in s.signatures] == [None, "Li"]


def test_a_settings_file_with_mistakes_gives_every_mistake_with_file_and_line(tmp_path):
    path = tmp_path / "report.yaml"
    path.write_text(
        "issuer: 某区妇联\n"
        "isuer: typo\n"
        'number: "{city.__class__}-{seq}"\n'
        "date_of_issue: 2024-13-01\n"
        "signatures:\n"
        "  - name: Li\n",
        encoding="utf-8",
    )
    with pytest.raises(SettingsError) as err:
        load_settings(path)
    text = err.value.text("en")
    assert "report settings refused, 4 problems" in text
    lines = text.splitlines()[1:]
    where = [line.split()[0] for line in lines]
    assert where == [f"{path}:2:8", f"{path}:3:9", f"{path}:4:16", f"{path}:6:5"], text
    assert "did you mean `issuer`" in lines[0]
    assert "unknown field {city.__class__}" in lines[1]
    assert "missing required key `role`" in lines[3]
    assert err.value.exit_code == 2
    assert "报告设置文件未通过" in err.value.text("zh")


@pytest.mark.parametrize(
    "pattern",
    ["{seq.real}", "{seq[0]}", "{0}", "{}", "{seq!r}", "{city:>10}", "{seq:{year}}", "{x}", "{"],
)
def test_a_number_pattern_reaches_nothing_but_its_fields(pattern):
    with pytest.raises(SettingsError) as err:
        parse_settings(f"number: '{pattern}'\n", "s.yaml")
    assert err.value.problems[0].path == "number"


@pytest.mark.parametrize("pattern", ["{seq}", "{seq:03d}", "{year}{seq:4d}", "R-{community}"])
def test_plain_number_patterns_are_accepted(pattern):
    assert parse_settings(f"number: '{pattern}'\n").number == pattern


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("logo.png", b"this is text, not a picture", "not a PNG, JPEG or SVG"),
        ("logo.png", b"\x89PNG\r\n\x1a\n" + b"\0" * 40, "damaged or unreadable"),
        ("logo.svg", b'<svg xmlns="http://www.w3.org/2000/svg"><script>x()</script></svg>',
         "script"),
        ("logo.svg", b'<svg xmlns="http://www.w3.org/2000/svg" '
         b'xmlns:xlink="http://www.w3.org/1999/xlink"><image xlink:href="http://x.test/a.png"/>'
         b"</svg>", "outside itself"),
        ("logo.svg", b'<svg xmlns="http://www.w3.org/2000/svg"><rect style="fill: url(file:///etc/x)"/>'
         b"</svg>", "outside itself"),
        ("logo.svg", b'<svg xmlns="http://www.w3.org/2000/svg" onload="x()"/>', "event handlers"),
        ("logo.svg", b'<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY a "b">]><svg/>', "DOCTYPE"),
    ],
)  # fmt: skip
def test_a_logo_that_is_not_a_clean_image_is_refused(tmp_path, name, content, reason):
    (tmp_path / name).write_bytes(content)
    with pytest.raises(SettingsError) as err:
        parse_settings(f"logo: {name}\n", "s.yaml", base=tmp_path)
    problem = err.value.problems[0]
    assert (problem.line, problem.path) == (1, "logo")
    assert reason in err.value.text("en")


def test_a_logo_too_large_in_pixels_is_refused_and_a_clean_svg_is_embedded(tmp_path):
    (tmp_path / "wide.png").write_bytes(_png(size=(4001, 2)))
    with pytest.raises(SettingsError, match="4001×2 pixels"):
        parse_settings("logo: wide.png\n", base=tmp_path)
    (tmp_path / "seal.svg").write_text(
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10"><defs><linearGradient '
        'id="g"/></defs><circle cx="5" cy="5" r="4" style="fill: url(#g)"/></svg>'
    )
    from cfeval.report.settings import logo_uri

    assert logo_uri(parse_settings("logo: seal.svg\n", base=tmp_path)).startswith(
        "data:image/svg+xml;base64,"
    )


# --------------------------------------------------------------------------- selections


@pytest.fixture(scope="module")
def chengdu():
    from cfeval.data.load import load_data
    from cfeval.framework.loader import load_framework
    from cfeval.scoring.engine import score

    fw = load_framework("chengdu-community")
    data = load_data(fw, survey=SAMPLE / "survey.csv", audit=SAMPLE / "audit.csv")
    return score(fw, data)


def test_communities_are_chosen_by_id_name_city_and_district(chengdu):
    comm = chengdu.communities
    assert select_communities(comm, community=["CD-JJ-001", "银杏湾"]) == ["CD-JJ-001", "CD-JJ-002"]
    assert select_communities(comm, community=["ｃｄ-jj-003"]) == ["CD-JJ-003"]  # width, case
    assert select_communities(comm, district=["锦江"]) == ["CD-JJ-001", "CD-JJ-002", "CD-JJ-003"]
    assert len(select_communities(comm, city=["杭州"])) == 12


def test_a_near_miss_is_refused_with_the_closest_names(chengdu):
    comm = chengdu.communities
    with pytest.raises(UsageError) as err:
        select_communities(comm, community=["桂花港社区"])
    assert "桂花巷社区 (CD-JJ-001" in str(err.value)
    with pytest.raises(UsageError) as err:
        select_communities(comm, district=["锦江去"])
    assert "锦江区" in str(err.value)
    with pytest.raises(UsageError, match="no community matches"):
        select_communities(comm, city=["成都"], district=["西湖区"])


# --------------------------------------------------------------------------- 200 communities


@pytest.fixture(scope="module")
def district200():
    """A synthetic district of 200 communities (8 districts of 25), scored once."""
    from cfeval.data.load import load_data
    from cfeval.framework.loader import load_framework
    from cfeval.sample.generate import generate
    from cfeval.scoring.engine import score

    fw = load_framework("chengdu-community")
    survey, audit = generate(fw, broken=False, per_district=25)
    assert audit["community_id"].nunique() == 200
    return score(fw, load_data(fw, survey=survey, audit=audit))


@pytest.fixture(scope="module")
def comparison200(district200, tmp_path_factory):
    """The 200-community comparison, rendered once (Chinese)."""
    from cfeval.report.comparison import build_comparison_context
    from cfeval.report.render import render_html, write_pdf

    ctx = build_comparison_context(district200, lang="zh", date=pd.Timestamp(DATE).date())
    pdf = write_pdf(
        render_html("comparison.html.j2", ctx), tmp_path_factory.mktemp("cmp") / "cmp.pdf"
    )
    return ctx, pdf


def test_no_ranking_page_holds_more_than_the_page_limit(comparison200, district200):
    ctx, pdf = comparison200
    assert ctx["count"] == 200
    assert all(sum(len(b["rows"]) for b in p["blocks"]) <= PAGE_ROWS for p in ctx["pages"])
    assert len(ctx["pages"]) == 8  # 25 a district: one district a page
    pages = _text(pdf)
    title = ctx["t"]["table_title"]
    table_pages = [p for p in pages if p.lstrip().startswith(ctx["framework"]["title"])
                   and title in p]  # fmt: skip
    assert len(table_pages) == len(ctx["pages"])
    seen = []
    for page in table_pages:
        ids = ID.findall(page)
        assert 0 < len(ids) <= PAGE_ROWS
        seen += ids
    assert sorted(seen) == sorted(district200.communities["community_id"].unique())
    # the ranking and heatmap come in as many pages, and every district has its summary
    assert sum(ctx["t"]["ranking_title"] in p for p in pages) >= len(ctx["pages"])
    assert len(ctx["summaries"]) == 8 and {s["count"] for s in ctx["summaries"]} == {25}


def test_pages_pack_small_districts_and_split_long_ones():
    rows = [{"city": "A", "district": d} for d in "x" * 45 + "y" * 3 + "z" * 5]
    pages = paginate(rows, "-", 30)
    assert [[(b["label"], len(b["rows"]), b["continued"]) for b in p] for p in pages] == [
        [("A · x", 30, False)],
        [("A · x", 15, True), ("A · y", 3, False), ("A · z", 5, False)],
    ]


@pytest.fixture(scope="module")
def booklet_run(district200, tmp_path_factory):
    """Reports for three of the 200 (two districts), the comparison, booklet and manifest."""
    from cfeval.report.booklet import render_district
    from cfeval.report.settings import parse_settings

    folder = tmp_path_factory.mktemp("district")
    (folder / "seal.png").write_bytes(_png())
    settings = parse_settings(GOOD, "report.yaml", base=folder)
    ids = ["CD-JJ-001", "CD-QY-001", "CD-QY-025"]
    out = folder / "out"
    done = render_district(
        district200, out, ids, lang="en", date=DATE, workers=1, booklet=True, settings=settings
    )
    return done, out, ids


def test_the_booklet_has_contents_and_a_bookmark_per_community(booklet_run, district200):
    from pypdf import PdfReader

    done, out, ids = booklet_run
    reader = PdfReader(done.booklet)
    outline = {}
    for item in reader.outline:
        if not isinstance(item, list):
            outline[item.title] = reader.get_destination_page_number(item) + 1
    names = district200.communities.drop_duplicates("community_id").set_index("community_id")[
        "name"
    ]
    pages = _text(done.booklet)
    contents = "\n".join(p for p in pages[:3] if "Contents" in p)
    for cid in ids:
        name = names[cid]
        assert name in outline, (name, list(outline))
        first = outline[name]
        # the contents line of a community ends in the page its bookmark points at
        line = next(line for line in contents.splitlines() if cid in line)
        assert line.split()[-1] == str(first), line
        assert name in pages[first - 1] and cid in pages[first - 1]
    front = len(reader.pages) - sum(r["pages"] for r in done.rows if r["kind"] == "report")
    assert front == min(outline[names[cid]] for cid in ids) - 1  # reports follow the front
    # the comparison comes first: its sections are bookmarked before any community
    assert list(outline).index("Contents") < list(outline).index(names[ids[0]])
    # the contents reach the comparison's sections with their page numbers
    ranking = next(line for line in contents.splitlines() if "Ranking" in line)
    assert ranking.split()[-1] == str(outline[next(t for t in outline if t.startswith("Ranking"))])
    # the letterhead is on the cover and the footer is the federation's, not cfeval's
    assert "Jinjiang District Women's Federation" in pages[0]
    assert "Head of assessment" in pages[0] and "Internal - not for publication" in pages[0]
    assert "cfeval 0.1.0" not in pages[1] and "Jinjiang child-friendly assessment" in pages[1]


def test_the_manifest_lists_every_file_with_its_hash(booklet_run):
    from pypdf import PdfReader

    done, out, ids = booklet_run
    table = pd.read_csv(out / "manifest.csv", dtype=str, keep_default_na=False)
    data = json.loads((out / "manifest.json").read_text(encoding="utf-8"))["files"]
    assert table.to_dict("records") == [{k: str(v) for k, v in r.items()} for r in data]
    assert sorted(table["kind"]) == ["booklet", "comparison"] + ["report"] * len(ids)
    for row in data:
        path = out / row["file"]
        assert hashlib.sha256(path.read_bytes()).hexdigest() == row["sha256"]
        assert len(PdfReader(path).pages) == row["pages"]
    reports = {r["community_id"]: r for r in data if r["kind"] == "report"}
    assert set(reports) == set(ids)
    # readable names: the id, then the community's name
    assert reports["CD-JJ-001"]["file"] == "CD-JJ-001_桂花巷社区_en.pdf"
    assert all(r["grade"] for r in reports.values())
    assert not [p for p in out.iterdir() if p.name.endswith(".tmp")]


def test_reports_carry_the_letterhead_and_number(booklet_run):
    done, out, ids = booklet_run
    first = _text(out / "CD-QY-025_银杏湾5社区_en.pdf")
    assert "成都-青羊区-2024-" in first[0]  # {city}-{district}-{year}-{seq:03d}
    assert "15 June 2024" in first[0]  # date of issue
    assert all("Internal - not for publication" in p for p in first)


# --------------------------------------------------------------------------- the command


def _cfeval(*args, cwd):
    import os

    env = {**os.environ, "PYTHONPATH": str(ROOT / "src"), "CFEVAL_LANG": "en"}
    return subprocess.run(
        [sys.executable, "-m", "cfeval", *map(str, args)],
        capture_output=True, text=True, env=env, cwd=cwd, timeout=600,
    )  # fmt: skip


def test_a_logo_that_is_not_an_image_stops_the_command_before_any_rendering(tmp_path):
    (tmp_path / "seal.png").write_text("<html>not a picture</html>")
    (tmp_path / "report.yaml").write_text("issuer: X\nlogo: seal.png\n")
    run = _cfeval("report", "chengdu-community", "--survey", SAMPLE / "survey.csv",
                  "--audit", SAMPLE / "audit.csv", "--all", "--settings", "report.yaml",
                  "-o", "out", cwd=tmp_path)  # fmt: skip
    assert run.returncode == 2, run.stderr
    assert "report.yaml:2:7  logo" in run.stderr and "not a PNG, JPEG or SVG" in run.stderr
    assert "Traceback" not in run.stderr
    assert not (tmp_path / "out").exists()


def test_report_booklet_for_a_district_by_name(tmp_path):
    run = _cfeval("report", "chengdu-community", "--survey", SAMPLE / "survey.csv",
                  "--audit", SAMPLE / "audit.csv", "--district", "锦江", "--booklet",
                  "--community", "桂花巷", "--community", "CD-JJ-002", "--community", "CD-QY-001",
                  "--workers", "1", "--date", DATE, "-o", "out", cwd=tmp_path)  # fmt: skip
    assert run.returncode == 0, run.stderr
    names = sorted(p.name for p in (tmp_path / "out").iterdir())
    assert names == [
        "CD-JJ-001_桂花巷社区_en.pdf", "CD-JJ-002_银杏湾社区_en.pdf", "booklet_en.pdf", "comparison_en.pdf", "manifest.csv", "manifest.json",
    ]  # fmt: skip
    bad = _cfeval("score", "chengdu-community", "--survey", SAMPLE / "survey.csv",
                  "--audit", SAMPLE / "audit.csv", "--district", "锦江去", cwd=tmp_path)  # fmt: skip
    assert bad.returncode == 2 and "锦江区" in bad.stderr, bad.stderr
    one = _cfeval("score", "chengdu-community", "--survey", SAMPLE / "survey.csv",
                  "--audit", SAMPLE / "audit.csv", "--community", "桂花巷", cwd=tmp_path)  # fmt: skip
    assert "CD-JJ-001" in one.stdout and "CD-JJ-002" not in one.stdout, one.stdout
    waves = _cfeval("compare", "chengdu-community", "--survey", SAMPLE / "survey.csv",
                    "--audit", SAMPLE / "audit.csv", "--city", "杭州", cwd=tmp_path)  # fmt: skip
    assert "HZ-" in waves.stdout and "CD-" not in waves.stdout, waves.stdout
