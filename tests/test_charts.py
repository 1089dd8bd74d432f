"""Charts: SVG data URIs, text as glyph paths from Noto Sans CJK, honest small-sample display."""

from __future__ import annotations

import base64
import math
import re

import pytest

from cfeval.errors import CfevalError
from cfeval.report import charts, district_charts


def svg(uri: str) -> str:
    head, _, data = uri.partition(",")
    assert head == "data:image/svg+xml;base64"
    return base64.b64decode(data).decode("utf-8")


def labels(doc: str) -> list[str]:
    # matplotlib writes each text as a comment above its glyph paths
    return [t.strip() for t in re.findall(r"<!-- (.*?) -->", doc)]


def cell(score, n, insufficient=False, lo=None, hi=None):
    return {"score": score, "ci_low": lo, "ci_high": hi, "n": n, "insufficient": insufficient}


def test_grade_colours_run_from_green_to_red():
    assert charts.grade_colours(0) == []
    assert charts.grade_colours(1) == ["#1e8449"]
    for n in range(2, 8):
        cols = charts.grade_colours(n)
        assert len(cols) == n and cols[0] == "#1e8449" and cols[-1] == "#c0392b"
    assert len(set(charts.grade_colours(4))) == 4


def test_matplotlib_uses_the_registered_noto_cjk_file():
    from matplotlib import font_manager

    charts._pyplot()
    found = font_manager.findfont(
        font_manager.FontProperties(family=charts.FONT_FAMILY), fallback_to_default=False
    )
    assert found == str(charts.font_file("regular"))
    bold = font_manager.findfont(
        font_manager.FontProperties(family=charts.FONT_FAMILY, weight="bold"),
        fallback_to_default=False,
    )
    assert bold == str(charts.font_file("bold"))


def test_radar_text_is_cjk_glyph_paths_not_fonts():
    doc = svg(
        charts.radar(
            ["儿童参与", "空间营造", "安全保护"],
            [80, 60, 70],
            [70, 65, 60],
            value_label="本社区",
            peer_label="同批社区中位数",
        )
    )
    assert "<text" not in doc and "font-family" not in doc
    assert re.search(r'id="NotoSansCJKsc-Regular-[0-9a-f]+"', doc)
    assert {"儿童参与", "空间营造", "安全保护", "本社区", "同批社区中位数"} <= set(labels(doc))
    # nothing in a chart points outside itself
    assert not re.search(r'(?:href|src)="(?!#)', doc)


def test_radar_with_two_dimensions_falls_back_to_bars():
    doc = svg(
        charts.radar(["A", "B"], [50, float("nan")], None, value_label="this", peer_label="peers")
    )
    assert "this" in labels(doc) and "peers" not in labels(doc)


def test_insufficient_group_gets_a_placeholder_not_a_number():
    doc = svg(
        charts.group_comparison(
            ["Adults listen", "Feel safe"],
            ["Children", "Parents"],
            [
                [cell(72.5, 30, lo=60, hi=85), cell(61.0, 3, insufficient=True)],
                [cell(40.0, 30, lo=30, hi=50), None],
            ],
            insufficient_text="insufficient data (n={n})",
        )
    )
    texts = labels(doc)
    assert "insufficient data (n=3)" in texts
    assert "72.5" in texts  # the precise group is labelled with its score, one decimal
    assert not [t for t in texts if t.startswith("61")]  # the insufficient group's never is
    assert "insufficient data (n=…)" in texts  # and the legend explains the hatching


def test_ranking_heatmap_and_distribution_render_their_labels():
    doc = svg(
        district_charts.ranking(
            ["甲社区", "乙社区"],
            [80, 60],
            [75, math.nan],
            [85, math.nan],
            ["#1e8449", "#c0392b"],
            xlabel="综合得分",
        )
    )
    assert {"甲社区", "乙社区", "综合得分"} <= set(labels(doc))
    doc = svg(
        district_charts.heatmap(
            ["甲社区", "乙社区"], ["参与", "空间"], [[80, math.nan], [55.4, 90]]
        )
    )
    assert {"80.0", "–", "55.4", "90.0"} <= set(labels(doc))  # one decimal, as in the tables
    doc = svg(
        district_charts.grade_distribution(
            ["成都", "杭州"], ["优秀", "待合格"], [[2, 1], [0, 3]], ["#1e8449", "#c0392b"]
        )
    )
    assert {"成都", "杭州", "优秀", "待合格", "2", "1", "3"} <= set(labels(doc))


def test_same_input_gives_identical_svg():
    def make():
        return charts.radar(
            ["儿童参与", "空间营造", "安全保护"],
            [80, 60, 70],
            [70, 65, 60],
            value_label="a",
            peer_label="b",
        )

    assert make() == make()


def test_a_label_the_font_cannot_draw_is_refused():
    with pytest.raises(CfevalError, match="cannot draw"):
        district_charts.heatmap(["社区🦄"], ["参与"], [[50]])


@pytest.mark.parametrize(
    ("text", "width", "want"),
    [
        ("儿童参与", 8, "儿童参与"),
        ("儿童参与机制与议事", 4, "儿童参与\n机制与议\n事"),
        ("Child participation mechanisms", 7, "Child\nparticipation\nmechanisms"),
        ("Child participation mechanisms", 12, "Child participation\nmechanisms"),
    ],
)
def test_wrap(text, width, want):
    assert charts._wrap(text, width) == want
