"""Report charts: matplotlib figures rendered to SVG ``data:`` URIs.

Every chart uses the same CJK font family as the PDF text (Noto Sans CJK), registered
from its file path so that a stale matplotlib font cache cannot silently swap in a font
without Chinese glyphs. Text is written into the SVG as paths (``svg.fonttype = 'path'``),
so the PDF never depends on fonts being available when WeasyPrint draws the chart.

matplotlib is imported lazily: ``cfeval --help`` must not pay for it.
"""

from __future__ import annotations

import base64
import functools
import io
import math
import shutil
import subprocess
import warnings
from collections.abc import Sequence
from pathlib import Path

from cfeval.errors import CfevalError
from cfeval.i18n import score_text

__all__ = [
    "FONT_FAMILY",
    "font_file",
    "grade_colours",
    "radar",
    "group_comparison",
]

#: The one family used for PDF text and chart text.
FONT_FAMILY = "Noto Sans CJK SC"

_FALLBACK_FILES = {
    "regular": "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "bold": "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc",
}

INK = "#1f2a36"
MUTED = "#7a8794"
GRID = "#d5dbe1"
ACCENT = "#1f6f8b"
PEER = "#e39b2d"
# Respondent groups in a fixed order of colours; children first, as the report lists them.
GROUP_COLOURS = ["#1f6f8b", "#e39b2d", "#6a4c93", "#3b8b5a", "#b5485d"]
INSUFFICIENT = "#b9c2cb"
# Highest grade first, as frameworks list them: green, yellow-green, amber, orange, red.
_GRADE_RAMP = ["#1e8449", "#7cb342", "#f0b429", "#e67e22", "#c0392b"]


def grade_colours(n: int) -> list[str]:
    """``n`` colours for grades listed highest first: green for the best, red for the worst.

    >>> grade_colours(2)
    ['#1e8449', '#c0392b']
    """
    if n <= 0:
        return []
    if n == 1:
        return [_GRADE_RAMP[0]]
    if n <= len(_GRADE_RAMP):
        # Spread evenly over the ramp so the extremes are always green and red.
        idx = [round(i * (len(_GRADE_RAMP) - 1) / (n - 1)) for i in range(n)]
        return [_GRADE_RAMP[i] for i in idx]
    return [_GRADE_RAMP[min(len(_GRADE_RAMP) - 1, i * len(_GRADE_RAMP) // n)] for i in range(n)]


@functools.cache
def font_file(style: str = "regular") -> Path:
    """Path of the Noto Sans CJK font collection for ``style`` (``regular`` or ``bold``).

    Asks fontconfig first (the family may live elsewhere on other systems) and falls back to
    Debian's fonts-noto-cjk location. Raises :class:`CfevalError` when neither exists.
    """
    pattern = f"{FONT_FAMILY}:style={'Bold' if style == 'bold' else 'Regular'}"
    if shutil.which("fc-match"):
        out = subprocess.run(
            ["fc-match", "-f", "%{file}\n%{family}", pattern],
            capture_output=True,
            text=True,
            check=False,
        ).stdout.splitlines()
        if len(out) == 2 and FONT_FAMILY in out[1] and Path(out[0]).is_file():
            return Path(out[0])
    fallback = Path(_FALLBACK_FILES[style])
    if fallback.is_file():
        return fallback
    raise CfevalError(
        f"the font {FONT_FAMILY!r} ({style}) is not installed; reports need it for Chinese "
        "text. Install it with `apt-get install fonts-noto-cjk` (or your system's Noto CJK "
        "package) and try again."
    )


@functools.cache
def _pyplot():
    """matplotlib.pyplot with the Agg backend and the report font registered by path."""
    import matplotlib

    matplotlib.use("Agg", force=True)
    from matplotlib import font_manager
    from matplotlib import pyplot as plt

    for style in ("regular", "bold"):
        font_manager.fontManager.addfont(str(font_file(style)))
    names = {f.name for f in font_manager.fontManager.ttflist}
    if FONT_FAMILY not in names:
        raise CfevalError(f"matplotlib could not register {FONT_FAMILY!r} from {font_file()}")
    matplotlib.rcParams.update(
        {
            "font.family": [FONT_FAMILY],
            "font.size": 9,
            "svg.fonttype": "path",
            # A fixed hash salt and no date keep the SVG (and so the PDF) byte-identical.
            "svg.hashsalt": "cfeval",
            "axes.edgecolor": GRID,
            "axes.labelcolor": INK,
            "xtick.color": INK,
            "ytick.color": INK,
            "axes.unicode_minus": False,
            # Labels come from frameworks and data: "$5 and $10" is text, not mathtext,
            # and a stray "$\\foo$" must not make every report fail.
            "text.parse_math": False,
            "text.usetex": False,
        }
    )
    return plt


def _to_uri(fig, *, tight: bool = True) -> str:
    """The figure as an SVG data URI; ``tight=False`` keeps the figure's own margins.

    A tight bounding box costs a second full draw; the per-community charts set their
    margins from the label widths instead (:func:`_text_width`), which halves their time.
    """
    plt = _pyplot()
    buf = io.BytesIO()
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            fig.savefig(
                buf, format="svg", metadata={"Date": None}, bbox_inches="tight" if tight else None
            )
    finally:
        plt.close(fig)
    # matplotlib only warns about a glyph the font lacks and draws a box: refuse instead.
    missing = [str(w.message) for w in caught if "missing from font" in str(w.message)]
    if missing:
        raise CfevalError(
            "a chart label has characters the report font cannot draw: " + "; ".join(missing[:3])
        )
    return "data:image/svg+xml;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def _ems(s: str) -> float:
    """Display width of ``s`` in ems: CJK characters are full width, Latin about 0.6."""
    import unicodedata

    return sum(1.0 if unicodedata.east_asian_width(c) in "WF" else 0.6 for c in s)


def _text_width(text: str, fontsize: float) -> float:
    """Approximate width in inches of the longest line of ``text``."""
    return max((_ems(s) for s in text.split("\n")), default=0.0) * fontsize / 72


def _wrap(text: str, width: float) -> str:
    """Break a label into lines of at most about ``width`` ems.

    Latin text breaks at spaces; CJK text (no spaces) between any two characters.
    """
    if _ems(text) <= width:
        return text
    lines, cur = [], ""
    tokens = text.split(" ") if " " in text else list(text)
    sep = " " if " " in text else ""
    for tok in tokens:
        cand = f"{cur}{sep}{tok}" if cur else tok
        if cur and _ems(cand) > width:
            lines.append(cur)
            cur = tok
        else:
            cur = cand
    lines.append(cur)
    return "\n".join(lines)


def radar(
    labels: Sequence[str],
    values: Sequence[float],
    peer: Sequence[float] | None,
    *,
    value_label: str,
    peer_label: str,
) -> str:
    """Radar of dimension scores (0-100) against the peer median; an SVG data URI.

    With fewer than three dimensions a radar is meaningless, so paired horizontal bars are
    drawn instead.
    """
    plt = _pyplot()
    vals = [0.0 if v is None or math.isnan(v) else float(v) for v in values]
    peers = (
        None if peer is None else [0.0 if p is None or math.isnan(p) else float(p) for p in peer]
    )
    if len(labels) < 3:
        fig, ax = plt.subplots(figsize=(5.2, 0.5 + 0.6 * len(labels)))
        ys = range(len(labels))
        ax.barh([y + 0.18 for y in ys], vals, height=0.34, color=ACCENT, label=value_label)
        if peers is not None:
            ax.barh([y - 0.18 for y in ys], peers, height=0.34, color=PEER, label=peer_label)
        ax.set_yticks(list(ys), [_wrap(lab, 12) for lab in labels])
        ax.set_xlim(0, 100)
        ax.invert_yaxis()
        ax.legend(frameon=False, loc="lower right", fontsize=8)
        return _to_uri(fig)

    n = len(labels)
    angles = [2 * math.pi * i / n for i in range(n)]
    wrapped = [_wrap(lab, 8) for lab in labels]
    width, height = 4.6, 4.0
    side = max(_text_width(w, 8.5) for w in wrapped) + 0.2
    lines = max(w.count("\n") + 1 for w in wrapped)
    fig = plt.figure(figsize=(width, height))
    # margins from the label sizes, so no tight-bbox redraw is needed
    fig.subplots_adjust(
        left=side / width,
        right=1 - side / width,
        top=1 - (0.15 + 0.15 * lines) / height,
        bottom=(0.45 + 0.15 * lines) / height,
    )
    ax = fig.add_subplot(polar=True)
    ax.set_theta_offset(math.pi / 2)
    ax.set_theta_direction(-1)
    ax.set_ylim(0, 100)
    ax.set_yticks([25, 50, 75, 100], ["25", "50", "75", "100"], color=MUTED, fontsize=7)
    ax.set_xticks(angles, wrapped, fontsize=8.5)
    ax.tick_params(axis="x", pad=9)
    ax.set_rlabel_position(180 / n)
    ax.grid(color=GRID, linewidth=0.6)
    ax.spines["polar"].set_color(GRID)
    closed = [*angles, angles[0]]
    if peers is not None:
        ax.plot(
            closed, [*peers, peers[0]], color=PEER, linewidth=1.4, linestyle="--", label=peer_label
        )
    ax.plot(closed, [*vals, vals[0]], color=ACCENT, linewidth=2, label=value_label)
    ax.fill(closed, [*vals, vals[0]], color=ACCENT, alpha=0.18)
    fig.legend(loc="lower center", ncol=2, frameon=False, fontsize=8)
    return _to_uri(fig, tight=False)


def _group_bars(ax, column, colour: str, height: float, insufficient_text: str, hatched: list):
    """One respondent group's bars, interval whiskers and labels at their ``(y, cell)``;
    the y of each insufficient cell is added to ``hatched`` (drawn once for all groups)."""
    ys, scores, minus, plus, err_ys = [], [], [], [], []
    for y, cell in column:
        if cell is None:
            continue
        score = cell["score"]
        if cell["insufficient"] or score is None or math.isnan(score):
            hatched.append(y)
            ax.text(
                2,
                y,
                cell.get("text") or insufficient_text.format(n=cell["n"]),
                va="center",
                fontsize=7,
                color=INK,
                bbox={"facecolor": "white", "edgecolor": "none", "pad": 0.6},
            )
            continue
        ys.append(y)
        scores.append(score)
        lo, hi = cell.get("ci_low"), cell.get("ci_high")
        has_ci = lo is not None and hi is not None and not (math.isnan(lo) or math.isnan(hi))
        if has_ci:
            err_ys.append(len(ys) - 1)
            minus.append(max(0.0, score - lo))
            plus.append(max(0.0, hi - score))
        ax.text(
            (hi if has_ci else score) + 1.5,
            y,
            score_text(score),
            va="center",
            fontsize=7,
            color=INK,
        )
    # one call per group, not per bar: drawing cost grows with the number of artists
    ax.barh(ys, scores, height=height * 0.86, color=colour)
    if err_ys:
        ax.errorbar(
            [scores[j] for j in err_ys],
            [ys[j] for j in err_ys],
            xerr=[minus, plus],
            fmt="none",
            ecolor=INK,
            elinewidth=0.8,
            capsize=2,
            capthick=0.8,
        )


def group_comparison(
    indicators: Sequence[str],
    groups: Sequence[str],
    cells: Sequence[Sequence[dict | None]],
    *,
    insufficient_text: str,
) -> str:
    """Side-by-side bars of each respondent group's score per survey indicator.

    ``cells[i][g]`` is ``None`` (group not asked) or a dict with ``score``, ``ci_low``,
    ``ci_high``, ``n``, ``insufficient`` and optionally ``text``. An insufficient group gets
    no precise bar: a pale placeholder with its ``text`` (default
    ``insufficient_text.format(n=n)``) instead, so nobody reads a number into three answers.
    """
    plt = _pyplot()
    n_ind, n_grp = len(indicators), max(1, len(groups))
    height = 0.8 / n_grp
    from matplotlib.patches import Patch

    wrapped = [_wrap(lab, 14) for lab in indicators]
    width = 6.6
    # every row is as tall as the bars of its groups or its label, whichever needs more
    row_h = max(0.16 + 0.17 * n_grp, *(0.15 * (w.count("\n") + 1) + 0.08 for w in wrapped))
    axes_h = n_ind * row_h
    top_in, bottom_in = 0.1, 0.65  # x tick labels and the legend below
    fig, ax = plt.subplots(figsize=(width, axes_h + top_in + bottom_in))
    left = max((_text_width(w, 8) for w in wrapped), default=0.5) + 0.15
    total_h = axes_h + top_in + bottom_in
    fig.subplots_adjust(
        left=left / width, right=0.98, top=1 - top_in / total_h, bottom=bottom_in / total_h
    )

    handles = []
    insufficient_ys: list[float] = []
    for g, name in enumerate(groups):
        colour = GROUP_COLOURS[g % len(GROUP_COLOURS)]
        handles.append(Patch(facecolor=colour, label=name))
        column = [(i - 0.4 + height * (g + 0.5), row[g]) for i, row in enumerate(cells)]
        _group_bars(ax, column, colour, height, insufficient_text, insufficient_ys)
    if insufficient_ys:
        ax.barh(
            insufficient_ys,
            100,
            height=height * 0.86,
            color="none",
            edgecolor=INSUFFICIENT,
            hatch="///",
            linewidth=0.5,
        )
    ax.set_yticks(range(n_ind), wrapped, fontsize=8)
    ax.set_xlim(0, 108)
    ax.set_xticks([0, 25, 50, 75, 100])
    ax.invert_yaxis()
    ax.grid(axis="x", color=GRID, linewidth=0.5)
    ax.set_axisbelow(True)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    if any(cell and cell["insufficient"] for row in cells for cell in row):
        handles.append(
            Patch(
                facecolor="none",
                edgecolor=INSUFFICIENT,
                hatch="///",
                label=insufficient_text.format(n="…"),
            )
        )
    fig.legend(handles=handles, loc="lower center", ncol=len(handles), frameon=False, fontsize=8)
    return _to_uri(fig, tight=False)
