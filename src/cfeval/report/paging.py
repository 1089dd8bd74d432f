"""The comparison at any size: rows grouped by city and district, cut into pages.

A comparison of 200 communities on one chart cannot be read. Here the ranked rows are
grouped by city · district (best score first within a group), and the groups are packed
into pages of at most :data:`PAGE_ROWS` communities: small districts share a page, a
district never starts on one page and ends on the next unless it is longer than a page
itself. Every page's ranking chart, heatmap and table show the same communities, and
each district gets a summary (count, scores, grades, its best and lowest communities).
"""

from __future__ import annotations

import statistics
from typing import Any

from cfeval.i18n import Words

__all__ = ["PAGE_ROWS", "group_key", "paginate", "district_summaries"]

#: Communities on one page of the ranking, the heatmap and the table.
PAGE_ROWS = 30
#: A district with fewer communities shares its summary page with the next small one.
SMALL_DISTRICT = 10


def group_key(row: dict) -> tuple[str, str]:
    return (row.get("city") or "", row.get("district") or "")


def group_label(key: tuple[str, str], none: str) -> str:
    city, district = key
    return " · ".join(p for p in (city, district) if p) or none


def _groups(table: list[dict]) -> list[tuple[tuple[str, str], list[dict]]]:
    """Rows by (city, district) in name order; a group keeps the table's order (best first)."""
    groups: dict[tuple[str, str], list[dict]] = {}
    for row in table:
        groups.setdefault(group_key(row), []).append(row)
    return sorted(groups.items(), key=lambda kv: kv[0])


def paginate(table: list[dict], none: str, limit: int = PAGE_ROWS) -> list[list[dict]]:
    """Pages of ``[{"label", "rows"}]`` blocks, at most ``limit`` rows on a page.

    >>> rows = [{"city": "A", "district": d, "id": i} for i, d in enumerate("xxxyy")]
    >>> [[(b["label"], len(b["rows"])) for b in page] for page in paginate(rows, "-", 4)]
    [[('A · x', 3)], [('A · y', 2)]]
    """
    pages: list[list[dict]] = []
    used = 0
    seen: set[str] = set()
    for key, rows in _groups(table):
        label = group_label(key, none)
        # A district that does not fit in what is left of the page starts a new one.
        if not pages or (used and len(rows) > limit - used):
            pages.append([])
            used = 0
        while rows:
            if used == limit:
                pages.append([])
                used = 0
            block, rows = rows[: limit - used], rows[limit - used :]
            pages[-1].append({"label": label, "rows": block, "continued": label in seen})
            seen.add(label)
            used += len(block)
    return pages


def district_summaries(table: list[dict], grades: list[dict], w: Words, none: str) -> list[dict]:
    """Per city · district: how many communities, median and range of scores, the count of
    each grade, and its best and lowest communities (as ranked). A district's summary is a
    page of its own; small ones (:data:`SMALL_DISTRICT`) share pages."""
    out = []
    for key, rows in _groups(table):
        scores = [r["_score"] for r in rows if r["_score"] is not None]
        counts = {g["id"]: 0 for g in grades}
        for r in rows:
            if r["grade"]["id"] in counts:
                counts[r["grade"]["id"]] += 1
        out.append(
            {
                "label": group_label(key, none),
                "count": len(rows),
                "small": len(rows) < SMALL_DISTRICT,
                "scored": len(scores),
                "median": w.score(statistics.median(scores)) if scores else "—",
                "mean": w.score(statistics.fmean(scores)) if scores else "—",
                "low": w.score(min(scores)) if scores else "—",
                "high": w.score(max(scores)) if scores else "—",
                "grades": [{**g, "count": counts[g["id"]]} for g in grades],
                "best": _named(rows[:3]),
                "lowest": _named([r for r in rows if r["_score"] is not None][-3:][::-1])
                if len(rows) > 3
                else [],
                "provisional": sum(1 for r in rows if r["provisional"]),
                "vetoed": sum(1 for r in rows if r["vetoed"]),
            }
        )
    return out


def _named(rows: list[dict]) -> list[dict[str, Any]]:
    return [{"name": r["name"], "score": r["score"], "rank": r["rank"]} for r in rows]
