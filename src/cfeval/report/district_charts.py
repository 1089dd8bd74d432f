"""Charts that compare communities (the district comparison report): ranking with
intervals, indicator heatmap, grade distribution per city.

They share the palette, the font set-up and the SVG output of :mod:`cfeval.report.charts`;
matplotlib is imported lazily there.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from cfeval.i18n import score_text
from cfeval.report.charts import GRID, INK, _pyplot, _to_uri, _wrap

__all__ = ["ranking", "heatmap", "grade_distribution"]


def ranking(
    names: Sequence[str],
    scores: Sequence[float],
    lows: Sequence[float],
    highs: Sequence[float],
    colours: Sequence[str],
    *,
    xlabel: str,
    headers: Sequence[int] = (),
) -> str:
    """Communities ranked by score, best at the top, each with its 95% interval.

    Rows whose index is in ``headers`` are group titles (city · district): written in
    bold, with no point or interval.
    """
    plt = _pyplot()
    n = len(names)
    fig, ax = plt.subplots(figsize=(6.6, 0.6 + _row_height(n) * n))
    ys = list(range(n))
    ax.hlines(
        ys,
        [0 if math.isnan(lo) else lo for lo in lows],
        [0 if math.isnan(hi) else hi for hi in highs],
        color=GRID,
        linewidth=4,
    )
    ax.scatter(scores, ys, color=list(colours), s=28, zorder=3)
    for y, lo, hi in zip(ys, lows, highs, strict=True):
        if not (math.isnan(lo) or math.isnan(hi)):
            ax.hlines(y, lo, hi, color=INK, linewidth=1, zorder=2)
    ax.set_yticks(ys, list(names), fontsize=7.5 if n > 25 else 8.5)
    _bold_headers(ax, headers)
    ax.invert_yaxis()
    ax.set_xlim(0, 100)
    ax.set_xlabel(xlabel)
    ax.grid(axis="x", color=GRID, linewidth=0.5)
    ax.set_axisbelow(True)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    return _to_uri(fig)


def heatmap(
    rows: Sequence[str],
    cols: Sequence[str],
    values: Sequence[Sequence[float]],
    headers: Sequence[int] = (),
) -> str:
    """Community × dimension scores (0-100) as a coloured grid with the numbers written in.

    Rows in ``headers`` are group titles: a blank band with the title in bold.
    """
    plt = _pyplot()
    import numpy as np

    data = np.array(values, dtype=float).reshape(len(rows), len(cols))
    n = len(rows)
    fig, ax = plt.subplots(figsize=(min(7.0, 1.8 + 0.95 * len(cols)), 0.7 + _row_height(n) * n))
    masked = np.ma.masked_invalid(data)
    cmap = plt.get_cmap("RdYlGn").with_extremes(bad="#eeeeee")
    ax.imshow(masked, cmap=cmap, vmin=0, vmax=100, aspect="auto")
    titles = set(headers)
    for i in range(data.shape[0]):
        if i in titles:
            ax.axhspan(i - 0.5, i + 0.5, color="white", zorder=2)
            continue
        for j in range(data.shape[1]):
            v = data[i, j]
            ax.text(
                j,
                i,
                score_text(v, "–"),
                ha="center",
                va="center",
                fontsize=7,
                color=INK,
            )
    ax.set_xticks(range(len(cols)), [_wrap(c, 6) for c in cols], fontsize=8)
    ax.xaxis.tick_top()
    ax.set_yticks(range(len(rows)), list(rows), fontsize=7.5 if len(rows) > 25 else 8.5)
    _bold_headers(ax, headers)
    ax.tick_params(length=0)
    for spine in ax.spines.values():
        spine.set_visible(False)
    return _to_uri(fig)


def _row_height(n: int) -> float:
    """Inches per community row: a full page of rows still fits the page's chart height."""
    return 0.26 if n <= 25 else 0.21


def _bold_headers(ax, headers: Sequence[int]) -> None:
    labels = ax.get_yticklabels()
    for i in headers:
        labels[i].set_fontweight("bold")
        labels[i].set_color("#1f6f8b")


def grade_distribution(
    cities: Sequence[str],
    grades: Sequence[str],
    counts: Sequence[Sequence[int]],
    colours: Sequence[str],
) -> str:
    """Stacked bars: how many communities of each city reached each grade (best grade left)."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(6.6, 0.8 + 0.42 * len(cities)))
    left = [0] * len(cities)
    for g, (grade, colour) in enumerate(zip(grades, colours, strict=True)):
        widths = [counts[c][g] for c in range(len(cities))]
        ax.barh(range(len(cities)), widths, left=left, color=colour, label=grade, height=0.6)
        for c, w in enumerate(widths):
            if w:
                ax.text(
                    left[c] + w / 2, c, str(w), ha="center", va="center", fontsize=8, color="white"
                )
        left = [a + b for a, b in zip(left, widths, strict=True)]
    ax.set_yticks(range(len(cities)), list(cities))
    ax.invert_yaxis()
    ax.xaxis.get_major_locator().set_params(integer=True)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.legend(
        loc="upper center", bbox_to_anchor=(0.5, -0.12), ncol=len(grades), frameon=False, fontsize=8
    )
    return _to_uri(fig)
