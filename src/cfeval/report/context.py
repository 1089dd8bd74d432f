"""Report contexts: what a community's report shows, built from a ScoreResult as plain values.

The report reads results only; it never scores, and it does not decide what a result
means either: peers, rank, peer medians, strengths and priorities come from
:mod:`cfeval.results.insights` (the same tables a notebook gets). This module puts them
into the report's language: framework labels, the words of :mod:`cfeval.report.text`,
numbers, percentages and dates formatted for the locale, and the interval's level from
``framework.scoring.ci_level``. Data shown to a reader (community names, cities) has phone
and ID-card numbers masked by :func:`mask_pii`.

The comparison report's context is in :mod:`cfeval.report.comparison`.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from cfeval._safety import mask_pii
from cfeval.i18n import Words, words
from cfeval.report.basics import (
    MIN_PEERS_FOR_RANK,
    _num,
    check_lang,
    fingerprint,
    fmt,
    fmt_max,
    framework_of,
    grade_note,
    grade_of,
    grades_of,
    interval,
    shown_grade,
    version,
)
from cfeval.report.text import issue_name, report_words

__all__ = ["build_context", "mask_pii"]


# --------------------------------------------------------------------------- helpers


# --------------------------------------------------------------------------- rows


def _rows(frame, community_id: str, wave: str):
    if frame is None or len(frame) == 0:
        return frame
    return frame[(frame["community_id"] == community_id) & (frame["wave"].astype(str) == wave)]


def _is_root(row) -> bool:
    return getattr(row, "kind", None) == "total" or getattr(row, "path", None) == "total"


def _bar(row) -> dict:
    score, lo, hi = _num(row.score), _num(row.ci_low), _num(row.ci_high)
    bar = {"score": score, "lo": None, "width": None}
    if score is not None and lo is not None and hi is not None and hi > lo:
        bar.update(lo=round(lo, 2), width=round(hi - lo, 2))
    if score is not None:
        bar["score"] = round(max(0.0, min(100.0, score)), 2)
    return bar


class _Page:
    """What every part of one community's report needs: framework, words, its rows."""

    def __init__(self, result, fw, community_id: str, wave: str, lang: str) -> None:
        self.fw, self.lang, self.w = fw, lang, words(lang)
        self.t = report_words(lang, fw.scoring.ci_level)
        self.points_mode = fw.scoring.method == "points"
        self.grades = grades_of(fw, self.w)
        self.crow = next(_rows(result.communities, community_id, wave).itertuples(index=False))
        scores = list(_rows(result.scores, community_id, wave).itertuples(index=False))
        self.by_node = {r.node_id: r for r in scores if not _is_root(r)}
        self.root = next((r for r in scores if _is_root(r)), None)
        self.groups = _group_index(_rows(getattr(result, "by_group", None), community_id, wave))

    def result_text(self, row) -> str:
        if self.points_mode:
            return f"{fmt(self.w, row.points)} / {fmt_max(self.w, row.max_points)}"
        return fmt(self.w, row.score)

    def status(self, row) -> dict:
        status = str(getattr(row, "status", "ok") or "ok")
        return {"code": status, "text": self.t.get(f"status_{status}", status)}


def _group_index(by_group) -> dict[str, dict[str, dict]]:
    """One community's by-group rows as ``{node_id: {respondent: row}}`` (one pass, no filters)."""
    index: dict[str, dict[str, dict]] = {}
    if by_group is None or len(by_group) == 0:
        return index
    for r in by_group.to_dict("records"):
        index.setdefault(r["node_id"], {}).setdefault(r["respondent"], r)
    return index


def _groups_of(page: _Page, node_id: str) -> list[dict]:
    rows = page.groups.get(node_id, {})
    out = []
    for key, spec in page.fw.respondents.items():
        r = rows.get(key)
        if r is None:
            continue
        n = int(_num(r["n"]) or 0)
        # A group below its min_n has no score when small groups are suppressed (the
        # default): it still reads "insufficient data (n=…)", not "no data".
        small = str(r.get("status", "ok")) == "insufficient" or n < spec.min_n
        missing = n == 0 or (_num(r["score"]) is None and not small)
        insufficient = missing or small
        if missing:
            text = page.t["no_data"]
        elif insufficient:
            text = page.t["insufficient_n"].format(n=n)
        else:
            text = fmt(page.w, r["score"])
        out.append(
            {
                "key": key,
                "label": page.w.label(spec.label),
                "score": _num(r["score"]),
                "ci_low": _num(r["ci_low"]),
                "ci_high": _num(r["ci_high"]),
                "n": n,
                "insufficient": insufficient,
                "text": text,
            }
        )
    return out


def _section_rows(page: _Page, dim, depth: int) -> list[dict]:
    from cfeval.framework.model import METHOD_LABELS, Dimension

    rows: list[dict] = []
    for child in dim.children:
        row = page.by_node.get(child.id)
        if row is None:
            continue
        entry = {
            "id": child.id,
            "label": page.w.label(child.label),
            "depth": depth,
            "result": page.result_text(row),
            "bar": _bar(row),
            "status": page.status(row),
        }
        if isinstance(child, Dimension):
            entry["kind"] = "dimension"
            rows.append(entry)
            rows.extend(_section_rows(page, child, depth + 1))
            continue
        n = _num(row.n)
        survey = child.source == "survey"
        entry.update(
            kind="indicator",
            method=page.w.label(METHOD_LABELS[child.method]),
            n=str(int(n)) if survey and n is not None else page.t["not_applicable"],
            groups=_groups_of(page, child.id) if survey else [],
        )
        rows.append(entry)
    return rows


def _sections(page: _Page, dims) -> list[dict]:
    out = []
    for d in dims:
        r = page.by_node[d.id]
        out.append(
            {
                "id": d.id,
                "label": page.w.label(d.label),
                "description": page.w.label(d.description),
                "result": page.result_text(r),
                "score": fmt(page.w, r.score),
                "interval": interval(page.w, r),
                "bar": _bar(r),
                "status": page.status(r),
                "rows": _section_rows(page, d, 0),
            }
        )
    return out


#: A rank among fewer communities than this says nothing; it is not printed.


def _missing(page: _Page, notes) -> list[str]:
    """Labels of the indicators without data, for their own section of the report."""
    if notes is None or len(notes) == 0:
        return []
    out = []
    for r in notes.itertuples(index=False):
        if str(r.kind) != "missing":
            continue
        try:
            out.append(page.w.label(page.fw.node(r.id).label))
        except KeyError:
            out.append(mask_pii(r.id))
    return out


def _notes(page: _Page, notes) -> list[dict]:
    if notes is None or len(notes) == 0:
        return []
    fw, w, t = page.fw, page.w, page.t
    bonus = {b.id: b for b in fw.bonus}
    veto = {v.id: v for v in fw.veto}
    out = []
    for r in notes.itertuples(index=False):
        kind = str(r.kind)
        if kind == "bonus" and r.id in bonus:
            text = t["bonus_note"].format(label=w.label(bonus[r.id].label), points=fmt(w, r.points))
        elif kind == "veto" and r.id in veto:
            before = grade_of(getattr(page.crow, "grade_before_veto", None), page.grades, fw, None)
            after = grade_of(page.crow.grade, page.grades, fw, None)
            text = t["veto_note"].format(
                label=w.label(veto[r.id].label), before=before["label"], after=after["label"]
            )
        elif kind == "insufficient":  # (missing indicators have their own section)
            try:
                label = w.label(fw.node(r.id).label)
            except KeyError:
                label = mask_pii(r.id)
            text = t[f"{kind}_note"].format(label=label)
        else:
            continue
        out.append({"kind": kind, "text": text})
    return out


# --------------------------------------------------------------------------- parts


def _radar(page: _Page, result, community_id: str, wave: str, dims, n_peers: int) -> str:
    """Dimension scores against the peer median (no median when the community is alone)."""
    from cfeval.report import charts
    from cfeval.results.insights import peer_medians

    medians = peer_medians(result, community_id, wave=wave).set_index("node_id")["peer_median"]
    return charts.radar(
        [page.w.label(d.label) for d in dims],
        [_num(page.by_node[d.id].score) for d in dims],
        [float(medians.get(d.id, float("nan"))) for d in dims] if n_peers > 1 else None,
        value_label=page.t["this_community"],
        peer_label=page.t["peer_median"],
    )


def _views(page: _Page) -> str | None:
    """Children's views beside adults': survey indicators by respondent group."""
    from cfeval.report import charts

    survey = [
        node
        for _, node in page.fw.walk()
        if node.id in page.by_node and not hasattr(node, "children") and node.source == "survey"
    ]
    if not survey or not page.groups:
        return None
    keys = [k for k in page.fw.respondents if any(k in (n.respondents or []) for n in survey)]
    cells = []
    for node in survey:
        found = {g["key"]: g for g in _groups_of(page, node.id)}
        cells.append([found.get(k) for k in keys])
    return charts.group_comparison(
        [page.w.label(n.label) for n in survey],
        [page.w.label(page.fw.respondents[k].label) for k in keys],
        cells,
        insufficient_text=page.t["insufficient_n"],
    )


def _actions(page: _Page, result, community_id: str, wave: str) -> tuple[list, list]:
    """The three strengths and the three priorities (with possible gain), as insights pick them."""
    from cfeval.results.insights import priorities, strengths

    def brief(r) -> dict:
        return {
            "label": r.label,
            "result": page.result_text(r),
            "score": fmt(page.w, r.score),
            "status": page.status(r),
        }

    best = strengths(result, community_id, wave=wave, n=3, lang=page.lang)
    gains = priorities(result, community_id, wave=wave, n=3, lang=page.lang)
    return (
        [brief(r) for r in best.itertuples(index=False)],
        [
            {**brief(r), "gain": fmt(page.w, r.potential_gain), "recommendation": r.recommendation}
            for r in gains.itertuples(index=False)
        ],
    )


def _group_n(page: _Page) -> list[dict]:
    out = []
    for key, spec in page.fw.respondents.items():
        n = _num(getattr(page.crow, f"n_{key}", None))
        if n is not None:
            out.append(
                {
                    "label": page.w.label(spec.label),
                    "n": int(n),
                    "min_n": spec.min_n,
                    "low": n < spec.min_n,
                }
            )
    return out


def _excluded(result, lang: str) -> list[dict]:
    """Rows the data reader excluded, by reason, named in the report's language."""
    counts = getattr(getattr(result, "report", None), "excluded_rows", None) or {}
    return [
        {"reason": issue_name(code, lang), "code": code, "rows": int(n)}
        for code, n in sorted(dict(counts).items())
        if n
    ]


def _overall(page: _Page, result, community_id: str, wave: str) -> dict:
    from cfeval.results.insights import rank

    crow, w, t = page.crow, page.w, page.t
    place = rank(result, community_id, wave=wave).iloc[0]
    coverage = None if page.root is None else _num(getattr(page.root, "coverage", None))
    bonus = _num(getattr(crow, "bonus_points", None))
    return {
        "score": fmt(w, crow.score),
        "points": fmt(w, crow.points),
        "max_points": fmt_max(w, crow.max_points),
        "interval": interval(w, crow),
        "bar": _bar(crow),
        "points_mode": page.points_mode,
        "bonus": fmt(w, bonus),
        "has_bonus": (bonus or 0) > 0,
        "vetoed": bool(getattr(crow, "vetoed", False)),
        "coverage": t["not_applicable"] if coverage is None else w.percent(Decimal(coverage)),
        "rank": t["rank_value"].format(rank=int(place["rank"]), total=int(place["n_peers"]))
        if _num(place["rank"]) is not None and int(place["n_peers"]) >= MIN_PEERS_FOR_RANK
        else t["rank_too_few"].format(n=MIN_PEERS_FOR_RANK)
        if _num(place["rank"]) is not None
        else t["not_applicable"],
        "n_peers": int(place["n_peers"]),
    }


def _framework_block(fw, w: Words) -> dict:
    return {
        "id": fw.id,
        "title": w.label(fw.title),
        "version": fw.version,
        "note": w.label(fw.provenance.note),
        # Titles are citations and stay as published; a source's `note` is free text in one
        # language, so it would put stray words into the other language's report.
        "sources": [{"title": s.title, "year": s.year or ""} for s in fw.provenance.based_on],
    }


def build_context(
    result,
    community_id: str,
    *,
    framework=None,
    lang: str | None = None,
    date: dt.date | None = None,
    wave: str | None = None,
    reliability=None,
) -> dict:
    """Everything the community template shows, as plain values in the report's language.

    ``result`` is a :class:`~cfeval.scoring.result.ScoreResult`; peers for the radar's
    median and the rank are the communities scored together in the same wave. ``lang``
    None speaks the environment's language. ``reliability`` (the ``scales`` frame of
    :func:`cfeval.reliability`) adds the scales below 0.7 to the method appendix.
    """
    from cfeval.i18n import resolve_lang
    from cfeval.report.changes import since_last_section
    from cfeval.report.proposals import you_said_section
    from cfeval.report.scales import reliability_appendix
    from cfeval.results.insights import pick_wave

    fw = framework_of(result, framework)
    lang = resolve_lang(lang)
    check_lang(fw, lang)
    wave = pick_wave(result, community_id, wave)
    page = _Page(result, fw, community_id, wave, lang)
    w, t, crow = page.w, page.t, page.crow
    dims = [d for d in fw.dimensions if d.id in page.by_node]
    overall = _overall(page, result, community_id, wave)
    strengths, priorities = _actions(page, result, community_id, wave)
    name = mask_pii(getattr(crow, "name", "")) or mask_pii(community_id)
    return {
        "lang": lang,
        "t": t,
        "doc_title": t["report_title"],
        "community": {
            "id": mask_pii(community_id),
            "name": name,
            "city": mask_pii(getattr(crow, "city", "")),
            "district": mask_pii(getattr(crow, "district", "")),
            "wave": mask_pii(wave),
        },
        "date": w.date(date or dt.date.today()),
        "framework": _framework_block(fw, w),
        "overall": overall,
        "grade": shown_grade(crow, page.grades, fw),
        "grade_note": grade_note(fw, crow, t, w),
        "grade_status": str(getattr(crow, "grade_status", "final") or "final"),
        "grades": list(page.grades.values()),
        "radar": _radar(page, result, community_id, wave, dims, overall["n_peers"]),
        "views": _views(page),
        "sections": _sections(page, dims),
        "strengths": strengths,
        "priorities": priorities,
        "notes": _notes(page, _rows(getattr(result, "notes", None), community_id, wave)),
        "missing": _missing(page, _rows(getattr(result, "notes", None), community_id, wave)),
        "group_n": _group_n(page),
        "since_last": since_last_section(result, community_id, wave, lang=lang),
        "you_said": you_said_section(result, fw, community_id, wave, w),
        "scales": reliability_appendix(reliability, fw, lang=lang),
        "excluded": _excluded(result, lang),
        "fingerprint": fingerprint(result),
        "version": version(),
        "method_text": (
            t["method_text_points"].format(total=fmt_max(w, fw.max_total()))
            if page.points_mode
            else t["method_text_index"]
        ),
    }
