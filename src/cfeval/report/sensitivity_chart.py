"""The rank-interval chart of a sensitivity analysis (matplotlib), for the comparison
report (an SVG data URI) and for ``cfeval sensitivity`` (a PNG file).

Each community is one line from the 5th to the 95th percentile of its rank over the runs,
a dot at the median rank and a ring at its nominal rank; best first, rank 1 on the left.
The numbers come from :func:`cfeval.sensitivity`; nothing is computed here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from cfeval._safety import mask_pii
from cfeval.i18n import words
from cfeval.report import charts

if TYPE_CHECKING:
    from pathlib import Path

    import pandas as pd

__all__ = ["rank_intervals_figure", "rank_intervals_uri", "write_rank_intervals"]

#: Communities drawn at most (the best by nominal rank); the tables hold every one.
LIMIT = 40


def rank_intervals_figure(
    ranks: pd.DataFrame,
    names: dict[str, str] | None = None,
    *,
    lang: str | None = None,
    limit: int = LIMIT,
):
    """The figure: one row per community (``names`` maps ids to what is shown)."""
    import numpy as np

    plt = charts._pyplot()
    w = words(lang)
    rows = ranks.dropna(subset=["nominal_rank"]).head(limit)
    n = max(len(rows), 1)
    labels = [
        mask_pii((names or {}).get(str(c), str(c))) + ("" if str(v) == "1" else f" ({v})")
        for c, v in zip(rows["community_id"], rows["wave"], strict=True)
    ]
    fig, ax = plt.subplots(figsize=(6.6, 0.9 + 0.24 * n))
    ys = np.arange(len(rows))
    ax.hlines(
        ys,
        rows["rank_q05"],
        rows["rank_q95"],
        color=charts.ACCENT,
        linewidth=2.2,
        label=w("5th to 95th percentile of the runs"),
    )
    ax.scatter(rows["median_rank"], ys, color=charts.INK, s=18, zorder=3, label=w("Median rank"))
    ax.scatter(
        rows["nominal_rank"],
        ys,
        facecolors="none",
        edgecolors=charts.PEER,
        s=46,
        linewidths=1.4,
        zorder=4,
        label=w("Rank with the framework's own choices"),
    )
    ax.set_yticks(ys, labels, fontsize=7.5 if n > 25 else 8.5)
    ax.invert_yaxis()
    ax.set_xlabel(w("Rank (1 = best)"))
    ax.grid(axis="x", color=charts.GRID, linewidth=0.5)
    ax.set_axisbelow(True)
    ax.legend(loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=3, fontsize=7, frameon=False)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    return fig


def rank_intervals_uri(ranks: pd.DataFrame, names=None, *, lang: str | None = None) -> str:
    """The chart as an SVG data URI (glyphs checked, as every report chart)."""
    return charts._to_uri(rank_intervals_figure(ranks, names, lang=lang))


def write_rank_intervals(ranks: pd.DataFrame, path: Path, *, lang: str | None = None) -> Path:
    """The chart as a PNG file, written atomically."""
    import io

    from cfeval._io import atomic_write

    plt = charts._pyplot()
    fig = rank_intervals_figure(ranks, lang=lang)
    buf = io.BytesIO()
    try:
        fig.savefig(buf, format="png", dpi=150, bbox_inches="tight", metadata={"Software": None})
    finally:
        plt.close(fig)
    return atomic_write(path, buf.getvalue())
