"""Report contexts: what a report shows, built from a ScoreResult as plain values.

The report reads results only; it never scores. A context is built from the frames of a
:class:`cfeval.results.ScoreResult` (``scores``, ``by_group``, ``communities``, ``notes``,
``report``, ``provenance``) and the framework's labels in the report's language: peers,
rank, strengths and priorities, notes, charts. Data shown to a reader (community names,
cities) has phone and ID-card numbers masked by :func:`mask_pii`; every other word comes
from :mod:`cfeval.report.text`.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Iterable
from typing import Any

from cfeval.errors import UsageError
from cfeval.framework.model import METHOD_LABELS
from cfeval.report.text import ISSUE_CODES, LANGS, UI, date_text

__all__ = ["mask_pii", "build_context", "build_comparison_context", "main_wave"]

# --------------------------------------------------------------------------- masking
_ID_CARD = re.compile(r"(?<![0-9])[1-9]\d{16}[0-9Xx](?![0-9A-Za-z])")
_MOBILE = re.compile(r"(?<![0-9])(?:\+?86[- ]?)?1[3-9]\d(?:[- ]?\d{4}){2}(?![0-9])")
_LANDLINE = re.compile(r"(?<![0-9])(?:\(0\d{2,3}\)|0\d{2,3})[- ]?\d{7,8}(?![0-9])")


def mask_pii(text: Any) -> str:
    """Mask Chinese ID-card, mobile and landline numbers in free text with asterisks.

    >>> mask_pii("联系 13812345678")
    '联系 ***********'
    """
    if text is None or (isinstance(text, float) and math.isnan(text)):
        return ""
    s = str(text)
    for pattern in (_ID_CARD, _MOBILE, _LANDLINE):
        s = pattern.sub(lambda m: re.sub(r"[0-9Xx]", "*", m.group(0)), s)
    return s


# --------------------------------------------------------------------------- helpers


def _num(value: Any) -> float | None:
    """A float, or None for missing values (NaN, None, pandas NA)."""
    if value is None:
        return None
    try:
        f = float(value)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(f) else f


def _fmt(value: Any, digits: int = 1) -> str:
    f = _num(value)
    if f is None:
        return "—"
    text = f"{f:.{digits}f}"
    return text[:-2] if digits == 1 and text.endswith(".0") else text


def _label(lab: dict[str, str] | None, lang: str) -> str:
    if not lab:
        return ""
    return lab.get(lang) or next(iter(lab.values()))


def _framework_of(result, framework):
    fw = framework if framework is not None else getattr(result, "framework", None)
    if fw is None:
        raise UsageError("rendering a report needs the framework the result was scored with")
    return fw


def _grades(fw, lang):
    from cfeval.report.charts import grade_colours

    colours = grade_colours(len(fw.scoring.grades))
    return {
        g.id: {"id": g.id, "label": _label(g.label, lang), "colour": c, "rank": i}
        for i, (g, c) in enumerate(zip(fw.scoring.grades, colours, strict=True))
    }


def _grade_of(value: Any, grades: dict, fw, score: float | None) -> dict:
    """The grade with id ``value``, else the grade of ``score``; a community without any
    score (no usable data at all) gets no grade rather than the lowest."""
    if value in grades:
        return grades[value]
    if score is not None:
        return grades[fw.grade_for(score).id]
    return {"id": None, "label": "—", "colour": "#b9c2cb", "rank": None}


def _pick_wave(frame, community_id: str, wave: str | None) -> str:
    waves = sorted(frame.loc[frame["community_id"] == community_id, "wave"].astype(str).unique())
    if not waves:
        raise UsageError(f"community {community_id!r} is not in the results")
    if wave is None:
        # The latest wave: reports describe the current state of a community.
        return max(waves, key=lambda w: (len(w), w))
    if wave not in waves:
        raise UsageError(
            f"community {community_id!r} has no wave {wave!r}; waves: {', '.join(waves)}"
        )
    return wave


def _fingerprint(result) -> str:
    """First 16 hex digits of the data's SHA-256 (of the files' digests when several)."""
    import hashlib

    prov = getattr(result, "provenance", None) or {}
    digests = sorted(d["sha256"] for d in prov.get("data", []) if d.get("sha256"))
    if not digests:
        return "—"
    if len(digests) == 1:
        return digests[0][:16]
    return hashlib.sha256("".join(digests).encode()).hexdigest()[:16]


def _excluded(result, lang: str) -> list[dict]:
    """Rows the data reader excluded, by reason, named in the report's language."""
    counts = getattr(getattr(result, "report", None), "excluded_rows", None) or {}
    return [
        {"reason": ISSUE_CODES.get(code, {}).get(lang, code), "code": code, "rows": int(n)}
        for code, n in sorted(dict(counts).items())
        if n
    ]


def _version() -> str:
    from cfeval import __version__

    return __version__


# --------------------------------------------------------------------------- context


def _check_lang(fw, lang: str) -> None:
    if lang not in LANGS:
        raise UsageError(f"unknown report language {lang!r}; choose one of: {', '.join(LANGS)}")
    if lang not in fw.languages:
        raise UsageError(
            f"framework {fw.id!r} has no {lang!r} labels (languages: {', '.join(fw.languages)})"
        )


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


def _result_text(row, points_mode: bool) -> str:
    if points_mode:
        return f"{_fmt(row.points)} / {_fmt(row.max_points)}"
    return _fmt(row.score)


def _status(row, t) -> dict:
    status = str(getattr(row, "status", "ok") or "ok")
    return {"code": status, "text": t.get(f"status_{status}", status)}


def _group_index(by_group) -> dict[str, dict[str, dict]]:
    """One community's by-group rows as ``{node_id: {respondent: row}}`` (one pass, no filters)."""
    index: dict[str, dict[str, dict]] = {}
    if by_group is None or len(by_group) == 0:
        return index
    for r in by_group.to_dict("records"):
        index.setdefault(r["node_id"], {}).setdefault(r["respondent"], r)
    return index


def _groups_of(groups: dict, node_id: str, fw, lang: str, t) -> list[dict]:
    rows = groups.get(node_id, {})
    out = []
    for key, spec in fw.respondents.items():
        r = rows.get(key)
        if r is None:
            continue
        n = int(_num(r["n"]) or 0)
        missing = n == 0 or _num(r["score"]) is None
        insufficient = missing or str(r.get("status", "ok")) == "insufficient" or n < spec.min_n
        out.append(
            {
                "key": key,
                "label": _label(spec.label, lang),
                "score": _num(r["score"]),
                "ci_low": _num(r["ci_low"]),
                "ci_high": _num(r["ci_high"]),
                "n": n,
                "insufficient": insufficient,
                "text": t["no_data"]
                if missing
                else t["insufficient_n"].format(n=n)
                if insufficient
                else _fmt(r["score"], 0),
            }
        )
    return out


def _section(
    dim, depth: int, by_node: dict, by_group, fw, lang: str, t, points_mode: bool
) -> list[dict]:
    from cfeval.framework.model import Dimension

    rows: list[dict] = []
    for child in dim.children:
        row = by_node.get(child.id)
        if row is None:
            continue
        entry = {
            "id": child.id,
            "label": _label(child.label, lang),
            "depth": depth,
            "result": _result_text(row, points_mode),
            "bar": _bar(row),
            "status": _status(row, t),
        }
        if isinstance(child, Dimension):
            entry["kind"] = "dimension"
            rows.append(entry)
            rows.extend(_section(child, depth + 1, by_node, by_group, fw, lang, t, points_mode))
            continue
        n = _num(row.n)
        entry.update(
            kind="indicator",
            method=METHOD_LABELS[child.method][lang],
            n=str(int(n)) if child.source == "survey" and n is not None else t["not_applicable"],
            groups=_groups_of(by_group, child.id, fw, lang, t) if child.source == "survey" else [],
        )
        rows.append(entry)
    return rows


def _notes(notes, fw, lang: str, t, grades: dict, comm_row) -> list[dict]:
    if notes is None or len(notes) == 0:
        return []
    bonus = {b.id: b for b in fw.bonus}
    veto = {v.id: v for v in fw.veto}
    out = []
    for r in notes.itertuples(index=False):
        kind = str(r.kind)
        if kind == "bonus" and r.id in bonus:
            text = t["bonus_note"].format(
                label=_label(bonus[r.id].label, lang), points=_fmt(r.points)
            )
        elif kind == "veto" and r.id in veto:
            before = _grade_of(getattr(comm_row, "grade_before_veto", None), grades, fw, None)
            after = _grade_of(comm_row.grade, grades, fw, None)
            text = t["veto_note"].format(
                label=_label(veto[r.id].label, lang), before=before["label"], after=after["label"]
            )
        elif kind in ("missing", "insufficient"):
            try:
                label = _label(fw.node(r.id).label, lang)
            except KeyError:
                label = mask_pii(r.id)
            text = t[f"{kind}_note"].format(label=label)
        else:
            continue
        out.append({"kind": kind, "text": text})
    return out


def build_context(
    result,
    community_id: str,
    *,
    framework=None,
    lang: str = "zh",
    date: dt.date | None = None,
    wave: str | None = None,
) -> dict:
    """Everything the community template shows, as plain values in the report's language.

    ``result`` is a :class:`~cfeval.results.ScoreResult` (or anything with its frames);
    peers for the radar's median and the rank are the communities scored together in the
    same wave.
    """
    fw = _framework_of(result, framework)
    _check_lang(fw, lang)
    t = UI[lang]
    date = date or dt.date.today()
    points_mode = fw.scoring.method == "points"
    grades = _grades(fw, lang)
    comm = result.communities
    wave = _pick_wave(comm, community_id, wave)
    crow = next(_rows(comm, community_id, wave).itertuples(index=False))
    scores = _rows(result.scores, community_id, wave)
    by_node = {r.node_id: r for r in scores.itertuples(index=False) if not _is_root(r)}
    root = next((r for r in scores.itertuples(index=False) if _is_root(r)), None)
    by_group = _group_index(_rows(getattr(result, "by_group", None), community_id, wave))
    grade = _grade_of(crow.grade, grades, fw, _num(crow.score))

    # Peers: every community of the same wave, this one included.
    same_wave = result.scores[result.scores["wave"].astype(str) == wave]
    dims = [d for d in fw.dimensions if d.id in by_node]
    peer_median = []
    for d in dims:
        vals = same_wave.loc[same_wave["node_id"] == d.id, "score"].astype(float).dropna()
        peer_median.append(float(vals.median()) if len(vals) else float("nan"))
    peers_total = comm[comm["wave"].astype(str) == wave]["score"].astype(float)
    rank = (
        int((peers_total > float(crow.score)).sum()) + 1 if _num(crow.score) is not None else None
    )

    from cfeval.report import charts

    radar = charts.radar(
        [_label(d.label, lang) for d in dims],
        [_num(by_node[d.id].score) for d in dims],
        peer_median if len(peers_total) > 1 else None,
        value_label=t["this_community"],
        peer_label=t["peer_median"],
    )

    sections = []
    for d in dims:
        r = by_node[d.id]
        sections.append(
            {
                "id": d.id,
                "label": _label(d.label, lang),
                "description": _label(d.description, lang),
                "result": _result_text(r, points_mode),
                "score": _fmt(r.score),
                "interval": f"{_fmt(r.ci_low)}–{_fmt(r.ci_high)}",
                "bar": _bar(r),
                "status": _status(r, t),
                "rows": _section(d, 0, by_node, by_group, fw, lang, t, points_mode),
            }
        )

    indicators = [
        (path, node)
        for path, node in fw.walk()
        if node.id in by_node and not hasattr(node, "children")
    ]
    survey = [node for _, node in indicators if node.source == "survey"]
    views = None
    group_keys = [k for k in fw.respondents if any(k in (n.respondents or []) for n in survey)]
    if survey and by_group:
        cells = []
        for node in survey:
            found = {g["key"]: g for g in _groups_of(by_group, node.id, fw, lang, t)}
            cells.append([found.get(k) for k in group_keys])
        views = charts.group_comparison(
            [_label(n.label, lang) for n in survey],
            [_label(fw.respondents[k].label, lang) for k in group_keys],
            cells,
            insufficient_text=t["insufficient_n"],
        )

    ind_rows = [by_node[node.id] for _, node in indicators]
    order = {node.id: i for i, (_, node) in enumerate(indicators)}
    # A strength is something achieved: an indicator with data and a score above zero.
    ok = [r for r in ind_rows if str(r.status) == "ok" and (_num(r.score) or 0) > 0]
    ok.sort(key=lambda r: (-float(r.score), -(_num(r.max_points) or 0), order[r.node_id]))
    gains = [r for r in ind_rows if (_num(getattr(r, "potential_gain", None)) or 0) > 1e-9]
    gains.sort(key=lambda r: (-float(r.potential_gain), order[r.node_id]))

    def brief(r, with_rec: bool) -> dict:
        node = fw.node(r.node_id)
        out = {
            "label": _label(node.label, lang),
            "result": _result_text(r, points_mode),
            "score": _fmt(r.score, 0),
            "status": _status(r, t),
        }
        if with_rec:
            out.update(
                gain=_fmt(r.potential_gain), recommendation=_label(node.recommendation, lang)
            )
        return out

    group_n = []
    for key, spec in fw.respondents.items():
        n = _num(getattr(crow, f"n_{key}", None))
        if n is not None:
            group_n.append(
                {
                    "label": _label(spec.label, lang),
                    "n": int(n),
                    "min_n": spec.min_n,
                    "low": n < spec.min_n,
                }
            )

    coverage = None if root is None else _num(getattr(root, "coverage", None))
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
        "date": date_text(date, lang),
        "framework": {
            "id": fw.id,
            "title": _label(fw.title, lang),
            "version": fw.version,
            "note": _label(fw.provenance.note, lang),
            # Titles are citations and stay as published; a source's `note` is free text
            # in one language, so it would put stray words into the other language's report.
            "sources": [{"title": s.title, "year": s.year or ""} for s in fw.provenance.based_on],
        },
        "overall": {
            "score": _fmt(crow.score),
            "points": _fmt(crow.points),
            "max_points": _fmt(crow.max_points),
            "interval": f"{_fmt(crow.ci_low)}–{_fmt(crow.ci_high)}",
            "bar": _bar(crow),
            "points_mode": points_mode,
            "bonus": _fmt(getattr(crow, "bonus_points", None)),
            "has_bonus": (_num(getattr(crow, "bonus_points", None)) or 0) > 0,
            "vetoed": bool(getattr(crow, "vetoed", False)),
            "coverage": t["not_applicable"] if coverage is None else f"{coverage:.0%}",
            "rank": t["rank_value"].format(rank=rank, total=len(peers_total))
            if rank
            else t["not_applicable"],
        },
        "grade": grade,
        "grades": list(grades.values()),
        "radar": radar,
        "views": views,
        "sections": sections,
        "strengths": [brief(r, False) for r in ok[:3]],
        "priorities": [brief(r, True) for r in gains[:3]],
        "notes": _notes(
            _rows(getattr(result, "notes", None), community_id, wave), fw, lang, t, grades, crow
        ),
        "group_n": group_n,
        "excluded": _excluded(result, lang),
        "fingerprint": _fingerprint(result),
        "version": _version(),
        "method_text": (
            t["method_text_points"].format(total=_fmt(fw.max_total()))
            if points_mode
            else t["method_text_index"]
        ),
    }


def main_wave(result) -> str:
    """The wave that covers the most communities (later waves often revisit only some);
    among equals the latest."""
    counts = result.communities["wave"].astype(str).value_counts()
    return max(counts.index, key=lambda w: (counts[w], len(w), w))


def build_comparison_context(
    result,
    *,
    framework=None,
    lang: str = "zh",
    date: dt.date | None = None,
    wave: str | None = None,
    community_ids: Iterable[str] | None = None,
) -> dict:
    """Context of the comparison report: ranking with intervals, heatmap, grades by city."""
    fw = _framework_of(result, framework)
    _check_lang(fw, lang)
    t = UI[lang]
    date = date or dt.date.today()
    grades = _grades(fw, lang)
    comm = result.communities.copy()
    comm["wave"] = comm["wave"].astype(str)
    if wave is None:
        wave = main_wave(result)
    comm = comm[comm["wave"] == wave]
    if community_ids is not None:
        wanted = set(community_ids)
        comm = comm[comm["community_id"].isin(wanted)]
    if comm.empty:
        raise UsageError("no communities to compare")
    comm = comm.assign(_s=comm["score"].astype(float)).sort_values(
        ["_s", "community_id"], ascending=[False, True]
    )

    table, names = [], []
    for i, r in enumerate(comm.itertuples(index=False), start=1):
        g = _grade_of(r.grade, grades, fw, _num(r.score))
        name = mask_pii(getattr(r, "name", "")) or mask_pii(r.community_id)
        names.append(name)
        table.append(
            {
                "rank": i,
                "id": mask_pii(r.community_id),
                "name": name,
                "city": mask_pii(getattr(r, "city", "")),
                "score": _fmt(r.score),
                "interval": f"{_fmt(r.ci_low)}–{_fmt(r.ci_high)}",
                "grade": g,
                "vetoed": bool(getattr(r, "vetoed", False)),
            }
        )

    from cfeval.report import charts

    ranking = charts.ranking(
        names,
        [float(x) for x in comm["score"]],
        [_num(x) if _num(x) is not None else float("nan") for x in comm["ci_low"]],
        [_num(x) if _num(x) is not None else float("nan") for x in comm["ci_high"]],
        [row["grade"]["colour"] for row in table],
        xlabel=t["overall"],
    )
    scores = result.scores[result.scores["wave"].astype(str) == wave]
    dims = fw.dimensions
    matrix = []
    for cid in comm["community_id"]:
        sub = scores[scores["community_id"] == cid].set_index("node_id")["score"]
        matrix.append([float(sub.get(d.id, float("nan"))) for d in dims])
    heat = charts.heatmap(names, [_label(d.label, lang) for d in dims], matrix)

    cities = [mask_pii(c) or t["not_applicable"] for c in comm.get("city", [""] * len(comm))]
    city_order = sorted(set(cities))
    counts = [[0] * len(grades) for _ in city_order]
    for city, row in zip(cities, table, strict=True):
        if row["grade"]["rank"] is not None:
            counts[city_order.index(city)][row["grade"]["rank"]] += 1
    dist = charts.grade_distribution(
        city_order,
        [g["label"] for g in grades.values()],
        counts,
        [g["colour"] for g in grades.values()],
    )
    return {
        "lang": lang,
        "t": t,
        "doc_title": t["comparison_title"],
        "date": date_text(date, lang),
        "framework": {"id": fw.id, "title": _label(fw.title, lang), "version": fw.version},
        "count": len(table),
        "wave": mask_pii(wave),
        "table": table,
        "ranking": ranking,
        "heatmap": heat,
        "distribution": dist,
        "grades": list(grades.values()),
        "fingerprint": _fingerprint(result),
        "version": _version(),
    }
