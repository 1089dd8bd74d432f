"""Change between waves in the reports: the community's "since the last assessment"
section and the comparison report's change chart.

Both read :func:`cfeval.results.waves.wave_changes`; nothing is recomputed here. A change
is described by its class (``clear improvement`` only when its whole interval is above 0)
and its interval at the framework's level; audit-only changes are recorded facts and say
so instead of showing an interval.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from cfeval.i18n import words

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["since_last_section", "comparison_changes", "change_chart"]

_CLASS_COLOURS = {
    "increase": "#1e8449",
    "decrease": "#c0392b",
    "no_clear_change": "#7a8794",
    "no_change": "#7a8794",
    "missing": "#b9c2cb",
}


def _signed(w, value: float) -> str:
    if value is None or not math.isfinite(value):
        return "–"
    text = w.score(abs(value))
    return ("+" if value > 0.05 else "−" if value < -0.05 else "±") + text


def _interval(w, row) -> str:
    if row["basis"] == "exact":
        return w("recorded in the audit, no sampling error")
    if not math.isfinite(row["ci_low"]):
        return w("no interval")
    return w(
        "{level} interval {low} to {high}",
        level=w.percent(row["ci_level"]),
        low=_signed(w, row["ci_low"]),
        high=_signed(w, row["ci_high"]),
    )


def _change_row(w, row, label: str) -> dict[str, Any]:
    from cfeval.results.waves import CHANGE_CLASSES

    return {
        "label": label,
        "from": w.score(row["score_from"], "–"),
        "to": w.score(row["score_to"], "–"),
        "change": _signed(w, row["change"]),
        "interval": _interval(w, row),
        "class": row["change_class"],
        "class_text": w(CHANGE_CLASSES[row["change_class"]]),
    }


def since_last_section(
    result, community_id: str, wave: str, *, lang: str, previous=None
) -> dict[str, Any] | None:
    """The report's "since the last assessment" section for ``community_id`` in ``wave``,
    or None when the community has no earlier wave.

    Holds the total's change (scores, grades, interval, class), the three largest
    indicator changes with their intervals, and a note when the framework version changed.
    """
    from cfeval.results.waves import largest_changes, previous_wave, wave_changes

    before = previous_wave(previous or result, community_id, wave)
    if before is None:
        return None
    w = words(lang)
    fw = result.framework
    changes = wave_changes(result, (before, wave), previous=previous)
    mine = changes[changes["community_id"] == str(community_id)]
    if mine.empty:
        return None
    total = mine[mine["kind"] == "total"].iloc[0]
    grades = {g.id: w.label(g.label) for g in fw.scoring.grades}
    if previous is not None:
        grades = {g.id: w.label(g.label) for g in previous.framework.scoring.grades} | grades
    labels = {node.id: w.label(node.label) for _, node in fw.walk()}
    top = [
        _change_row(w, r, labels.get(r["node_id"], r["node_id"]))
        for _, r in largest_changes(changes, str(community_id), 3).iterrows()
    ]
    note = None
    if bool(total["version_changed"]):
        note = w(
            "The framework changed from version {old} to {new} between the two assessments; "
            "indicators are matched by their place in the framework and may not be fully "
            "comparable.",
            old=total["framework_version_from"],
            new=total["framework_version_to"],
        )
    return {
        "title": w("Since the last assessment"),
        "lead": w(
            "Wave {wave_from} compared with this assessment (wave {wave_to}).",
            wave_from=before,
            wave_to=wave,
        ),
        "total": _change_row(w, total, w("Overall score")),
        "grade_from": grades.get(total["grade_from"], total["grade_from"] or "–"),
        "grade_to": grades.get(total["grade_to"], total["grade_to"] or "–"),
        "top": top,
        "top_title": w("The three largest changes"),
        "columns": {
            "item": w("Indicator"),
            "from": w("Wave {wave}", wave=before),
            "to": w("Wave {wave}", wave=wave),
            "change": w("Change"),
            "interval": w("Interval"),
            "class": w("Reading"),
            "grade": w("Grade"),
        },
        "note": note,
        "explain": w(
            "A change is called an improvement or a decline only when its whole interval "
            "lies above or below zero."
        ),
    }


def comparison_changes(
    result, *, lang: str, names: dict[str, str] | None = None, community_ids=None
) -> dict[str, Any] | None:
    """The comparison report's change section: every community (of ``community_ids``,
    default all) assessed in the two latest waves, its total's change with interval, and a
    chart; None when there is no such community."""
    from cfeval.errors import UsageError
    from cfeval.results.waves import wave_changes

    try:
        changes = wave_changes(result)
    except UsageError:
        return None
    w = words(lang)
    totals = changes[changes["kind"] == "total"]
    if community_ids is not None:
        totals = totals[totals["community_id"].isin({str(c) for c in community_ids})]
    if totals.empty:
        return None
    totals = totals.sort_values(["change", "community_id"], ascending=[False, True], kind="stable")
    names = names or {}
    rows = [
        _change_row(w, r, names.get(r["community_id"], r["community_id"]))
        for _, r in totals.iterrows()
    ]
    first = totals.iloc[0]
    return {
        "title": w("Change since the last assessment"),
        "lead": w(
            "{n} communities were assessed in wave {wave_from} and in wave {wave_to}.",
            n=len(rows),
            wave_from=first["wave_from"],
            wave_to=first["wave_to"],
        ),
        "rows": rows,
        "chart": change_chart(totals, [r["label"] for r in rows], lang=lang),
        "columns": {
            "item": w("Community"),
            "from": w("Wave {wave}", wave=first["wave_from"]),
            "to": w("Wave {wave}", wave=first["wave_to"]),
            "change": w("Change"),
            "interval": w("Interval"),
            "class": w("Reading"),
        },
        "explain": w(
            "A change is called an improvement or a decline only when its whole interval "
            "lies above or below zero."
        ),
    }


def change_chart(totals: pd.DataFrame, names: list[str], *, lang: str) -> str:
    """Each community's change with its interval, largest first, coloured by its class."""
    from cfeval.report.charts import GRID, INK, _pyplot, _to_uri

    w = words(lang)
    plt = _pyplot()
    n = len(names)
    fig, ax = plt.subplots(figsize=(6.6, 0.7 + 0.3 * n))
    ys = list(range(n))
    for y, (_, r) in zip(ys, totals.iterrows(), strict=True):
        colour = _CLASS_COLOURS.get(r["change_class"], INK)
        if math.isfinite(r["ci_low"]):
            ax.hlines(y, r["ci_low"], r["ci_high"], color=colour, linewidth=2, alpha=0.6)
        ax.scatter([r["change"]], [y], color=colour, s=30, zorder=3)
    ax.axvline(0, color=INK, linewidth=0.8)
    from cfeval.results.waves import CHANGE_CLASSES

    present = [c for c in CHANGE_CLASSES if c in set(totals["change_class"])]
    handles = [
        ax.scatter([], [], color=_CLASS_COLOURS[c], s=30, label=w(CHANGE_CLASSES[c]))
        for c in present
    ]
    ax.legend(handles=handles, loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=len(handles),
              frameon=False, fontsize=8)  # fmt: skip
    ax.set_yticks(ys, names, fontsize=8.5)
    ax.invert_yaxis()
    lows = [x for x in totals["ci_low"].tolist() + totals["change"].tolist() if math.isfinite(x)]
    highs = [x for x in totals["ci_high"].tolist() + totals["change"].tolist() if math.isfinite(x)]
    span = max([abs(x) for x in lows + highs] + [1.0]) * 1.15
    ax.set_xlim(-span, span)
    ax.set_xlabel(w("Change in overall score (points of 100)"))
    ax.grid(axis="x", color=GRID, linewidth=0.5)
    ax.set_axisbelow(True)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    return _to_uri(fig)
