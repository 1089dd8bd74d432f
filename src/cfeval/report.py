"""PDF reports: context from a ScoreResult, Jinja2 templates, WeasyPrint, batches.

The report reads results only; it never scores. A context is built from the frames of a
:class:`cfeval.results.ScoreResult` (``scores``, ``by_group``, ``communities``, ``notes``,
``report``, ``provenance``) and the framework's labels in the report's language, then
rendered by an autoescaping Jinja2 environment and handed to WeasyPrint with a URL
fetcher that serves nothing but ``data:`` URIs and files inside the package's assets.

Everything a reader sees is either a framework label in the report's language, data
(community names, cities; phone and ID-card numbers masked) or a string of the
translation table :data:`UI` below, so a Chinese report carries no stray English.
"""

from __future__ import annotations

import datetime as dt
import logging
import math
import os
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cfeval._io import atomic_write
from cfeval._paths import asset_dir
from cfeval.errors import CfevalError, UsageError
from cfeval.framework import METHOD_LABELS

__all__ = [
    "UI",
    "mask_pii",
    "build_context",
    "build_comparison_context",
    "render_html",
    "write_pdf",
    "render_report",
    "render_comparison",
    "render_batch",
    "BatchOutcome",
    "report_filename",
]

LANGS = ("zh", "en")

# --------------------------------------------------------------------------- strings
# The one translation table. Keys are used by the templates as ``t.key``.
UI: dict[str, dict[str, str]] = {
    "zh": {
        "report_title": "儿童友好社区评估报告",
        "comparison_title": "儿童友好社区评估比较报告",
        "community": "社区",
        "community_id": "社区编号",
        "city": "城市",
        "district": "区县",
        "wave": "评估轮次",
        "date": "评估日期",
        "framework": "评价框架",
        "version": "版本",
        "overall": "综合得分",
        "grade": "评估等级",
        "interval": "95% 置信区间",
        "points": "得分",
        "max_points": "满分",
        "score": "得分率",
        "summary": "总体概况",
        "radar_caption": "各维度得分率（0–100）与同批评估社区中位数的比较",
        "this_community": "本社区",
        "peer_median": "同批社区中位数",
        "key_numbers": "关键数据",
        "rank": "同批排名",
        "rank_value": "第 {rank} 名（共 {total} 个社区）",
        "bonus_points": "加分",
        "coverage": "数据覆盖率",
        "respondents": "受访人数",
        "dimension": "维度",
        "indicator": "指标",
        "method": "评估方式",
        "result": "结果",
        "n": "样本量",
        "status": "状态",
        "groups": "分组结果",
        "views_title": "儿童与成人的看法",
        "views_caption": "问卷指标按受访群体分列的得分率（0–100），误差线为 95% 置信区间",
        "insufficient_n": "数据不足（样本量 {n}）",
        "no_data": "无数据",
        "colon": "：",
        "strengths": "优势",
        "priorities": "优先改进事项",
        "potential_gain": "可提升分值",
        "recommendation": "建议",
        "no_priorities": "所有指标均已达到满分。",
        "notes": "加分与否决说明",
        "no_notes": "无加分、否决或缺失数据说明。",
        "bonus_note": "加分：{label}（+{points}）",
        "veto_note": "一票否决：{label}。评估等级由“{before}”调整为“{after}”。",
        "missing_note": "缺少数据：{label}",
        "insufficient_note": "样本不足：{label}",
        "appendix": "数据质量与方法说明",
        "respondents_by_group": "各群体受访人数",
        "excluded_rows": "已排除的数据行（按原因）",
        "no_exclusions": "没有数据行被排除。",
        "reason": "原因",
        "rows": "行数",
        "provenance": "框架来源",
        "fingerprint": "数据指纹（SHA-256 前 16 位）",
        "software": "软件版本",
        "method_text_points": "本框架采用计分制：每项指标按达成度（0–1）乘以分值计分，维度与总分为各项得分之和，满分 {total} 分。",
        "method_text_index": "本框架采用指数制：各项指标达成度换算为 0–100，按权重逐级加权平均。",
        "method_text_ci": "问卷指标先按群体计算加权平均，再按群体权重合并；置信区间采用泰勒线性化方法（95%）。样本量低于最低要求的群体单独标注，不作为精确结果。",
        "page": "第 {page} 页，共 {pages} 页",
        "ranking_title": "综合得分排名",
        "ranking_caption": "圆点为综合得分率，横线为 95% 置信区间；区间重叠的社区不宜区分名次。",
        "heatmap_title": "各社区维度得分",
        "distribution_title": "各城市评估等级分布",
        "table_title": "评估结果一览",
        "communities_count": "评估社区数",
        "status_ok": "正常",
        "status_insufficient": "样本不足",
        "status_missing": "缺少数据",
        "status_veto": "一票否决",
        "vetoed": "已触发一票否决",
        "not_applicable": "—",
        "contents_note": "本报告由评估数据自动生成，分数均附不确定性区间。",
    },
    "en": {
        "report_title": "Child-Friendly Community Assessment Report",
        "comparison_title": "Child-Friendly Community Comparison Report",
        "community": "Community",
        "community_id": "Community ID",
        "city": "City",
        "district": "District",
        "wave": "Wave",
        "date": "Assessment date",
        "framework": "Framework",
        "version": "Version",
        "overall": "Overall score",
        "grade": "Grade",
        "interval": "95% interval",
        "points": "Points",
        "max_points": "Max",
        "score": "Score",
        "summary": "Summary",
        "radar_caption": "Dimension scores (0–100) against the median of the communities assessed together",
        "this_community": "This community",
        "peer_median": "Peer median",
        "key_numbers": "Key numbers",
        "rank": "Rank among peers",
        "rank_value": "{rank} of {total}",
        "bonus_points": "Bonus",
        "coverage": "Data coverage",
        "respondents": "Respondents",
        "dimension": "Dimension",
        "indicator": "Indicator",
        "method": "Method",
        "result": "Result",
        "n": "n",
        "status": "Status",
        "groups": "By group",
        "views_title": "Children's views beside adults'",
        "views_caption": "Survey indicators by respondent group (0–100); whiskers show 95% intervals",
        "insufficient_n": "insufficient data (n={n})",
        "no_data": "no data",
        "colon": ": ",
        "strengths": "Strengths",
        "priorities": "Priorities for improvement",
        "potential_gain": "Possible gain",
        "recommendation": "Recommendation",
        "no_priorities": "Every indicator already reaches full marks.",
        "notes": "Bonus and veto notes",
        "no_notes": "No bonus, veto or missing-data notes.",
        "bonus_note": "Bonus: {label} (+{points})",
        "veto_note": "Veto: {label}. Grade lowered from “{before}” to “{after}”.",
        "missing_note": "Missing data: {label}",
        "insufficient_note": "Insufficient sample: {label}",
        "appendix": "Data quality and method",
        "respondents_by_group": "Respondents per group",
        "excluded_rows": "Excluded rows by reason",
        "no_exclusions": "No rows were excluded.",
        "reason": "Reason",
        "rows": "Rows",
        "provenance": "Framework provenance",
        "fingerprint": "Data fingerprint (first 16 hex digits of SHA-256)",
        "software": "Software",
        "method_text_points": "Points method: each indicator earns its points times its attainment (0–1); dimensions and the total add up their parts, out of {total}.",
        "method_text_index": "Index method: attainments are rescaled to 0–100 and averaged with weights at every level.",
        "method_text_ci": "Survey indicators average each respondent group first (weighted), then combine the groups by their weights; 95% intervals use Taylor linearisation. Groups below their minimum sample size are flagged, not shown as precise results.",
        "page": "Page {page} of {pages}",
        "ranking_title": "Ranking by overall score",
        "ranking_caption": "Dots are overall scores, lines their 95% intervals; communities whose intervals overlap should not be told apart.",
        "heatmap_title": "Dimension scores by community",
        "distribution_title": "Grades by city",
        "table_title": "Results at a glance",
        "communities_count": "Communities assessed",
        "status_ok": "OK",
        "status_insufficient": "Insufficient",
        "status_missing": "Missing",
        "status_veto": "Veto",
        "vetoed": "Veto applied",
        "not_applicable": "—",
        "contents_note": "Generated from the assessment data; every score carries its uncertainty interval.",
    },
}

ISSUE_CODES = {
    "missing-column": {"zh": "缺少必需列", "en": "Missing column"},
    "unknown-community": {"zh": "社区不在清单中", "en": "Unknown community"},
    "unknown-respondent-group": {"zh": "未知受访群体", "en": "Unknown respondent group"},
    "out-of-range": {"zh": "数值超出范围", "en": "Value out of range"},
    "unknown-code": {"zh": "未知选项代码", "en": "Unknown answer code"},
    "not-a-number": {"zh": "不是数字", "en": "Not a number"},
    "duplicate-respondent": {"zh": "重复受访者", "en": "Duplicate respondent"},
    "empty-file": {"zh": "空文件", "en": "Empty file"},
    "no-data-rows": {"zh": "没有数据行", "en": "No data rows"},
    "bad-weight": {"zh": "权重无效", "en": "Invalid weight"},
    "missing-community-id": {"zh": "缺少社区编号", "en": "Missing community ID"},
    "missing-wave": {"zh": "缺少轮次", "en": "Missing wave"},
    "duplicate-community": {"zh": "重复社区", "en": "Duplicate community"},
    "not-a-boolean": {"zh": "不是是/否值", "en": "Not a yes/no value"},
    "unknown-category": {"zh": "未知类别", "en": "Unknown category"},
}

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


_MONTHS = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
]


def _date_text(date: dt.date, lang: str) -> str:
    # Not strftime("%B"): under a Chinese locale it would put 六月 into an English report.
    if lang == "zh":
        return f"{date.year}年{date.month}月{date.day}日"
    return f"{date.day} {_MONTHS[date.month - 1]} {date.year}"


def report_filename(community_id: str, lang: str) -> str:
    """A safe file name for a community's PDF: path separators and dots cannot escape DIR."""
    safe = re.sub(r"[^\w\-]+", "_", str(community_id), flags=re.UNICODE).strip("_") or "community"
    return f"{safe}_{lang}.pdf"


def _framework_of(result, framework):
    fw = framework if framework is not None else getattr(result, "framework", None)
    if fw is None:
        raise UsageError("rendering a report needs the framework the result was scored with")
    return fw


def _grades(fw, lang):
    from cfeval.charts import grade_colours

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
    from cfeval.framework import Dimension

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

    from cfeval import charts

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
        "date": _date_text(date, lang),
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

    from cfeval import charts

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
        "date": _date_text(date, lang),
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


# --------------------------------------------------------------------------- rendering


def _css_string(value: Any):
    """A CSS string literal for ``value``: every ASCII non-alphanumeric is hex-escaped.

    Used for the running header and footer, which live in a ``<style>`` block where HTML
    escaping does not apply; nothing in the result can close the string or the block.
    """
    from markupsafe import Markup

    # Six hex digits end an escape by themselves; non-ASCII characters cannot end a string.
    out = [f"\\{ord(ch):06x}" if ch.isascii() and not ch.isalnum() else ch for ch in str(value)]
    return Markup('"' + "".join(out) + '"')


def _page_counter(fmt: str):
    """CSS ``content`` for a "page {page} of {pages}" pattern of the translation table."""
    from markupsafe import Markup

    parts = []
    for piece in re.split(r"(\{pages?\})", fmt):
        if piece in ("{page}", "{pages}"):
            parts.append(f"counter({piece[1:-1]})")
        elif piece:
            parts.append(str(_css_string(piece)))
    return Markup(" ".join(parts))


def _environment():
    from jinja2 import Environment, FileSystemLoader, StrictUndefined

    # autoescape=True (not select_autoescape): the templates end in .j2, which
    # select_autoescape would not recognise as HTML.
    env = Environment(
        autoescape=True,
        loader=FileSystemLoader(str(asset_dir())),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["css_string"] = _css_string
    env.filters["page_counter"] = _page_counter
    return env


def render_html(template: str, context: dict) -> str:
    """Render an asset template (``report.html.j2`` or ``comparison.html.j2``) to HTML."""
    return _environment().get_template(template).render(**context)


def _asset_fetcher_class():
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class AssetFetcher(URLFetcher):
        """Serves ``data:`` URIs and regular files inside the assets folder; refuses the rest.

        ``requests`` records every URL asked for, ``refused`` the ones turned down, so tests
        (and the caller) can prove nothing outside the assets was opened.
        """

        def __init__(self, root: Path):
            super().__init__(allowed_protocols={"data", "file"}, fail_on_errors=False)
            self.root = root.resolve()
            self.requests: list[str] = []
            self.refused: list[str] = []

        def fetch(self, url, headers=None):
            self.requests.append(url)
            scheme = url.split(":", 1)[0].lower()
            if scheme == "data":
                return super().fetch(url, headers)
            if scheme == "file":
                from urllib.parse import unquote, urlsplit

                parts = urlsplit(url)
                raw = Path(unquote(parts.path))
                # realpath resolves symlinks and ``..`` before the containment check.
                real = Path(os.path.realpath(raw))
                if (
                    parts.netloc in ("", "localhost")
                    and real.is_relative_to(self.root)
                    and real.is_file()
                ):
                    import mimetypes

                    mime = mimetypes.guess_type(real.name)[0] or "application/octet-stream"
                    return URLFetcherResponse(url, real.read_bytes(), {"Content-Type": mime})
            self.refused.append(url)
            raise ValueError(f"cfeval reports load nothing outside their assets: {url}")

    return AssetFetcher


class _FontWatch(logging.Handler):
    """Collects WeasyPrint warnings about fonts and glyphs during one rendering."""

    def __init__(self):
        super().__init__(level=logging.WARNING)
        self.problems: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        if re.search(r"font|glyph", message, re.IGNORECASE):
            self.problems.append(message)


_COVERAGE: set[int] | None = None


def _font_coverage() -> set[int]:
    global _COVERAGE
    if _COVERAGE is None:
        from fontTools.ttLib import TTCollection

        from cfeval.charts import font_file

        with TTCollection(str(font_file("regular")), lazy=True) as coll:
            _COVERAGE = set(coll.fonts[0].getBestCmap())
    return _COVERAGE


def _uncovered(html: str) -> list[str]:
    """Characters of the document's text that the report font cannot draw (would be tofu)."""
    from html.parser import HTMLParser

    chars: set[str] = set()

    class Text(HTMLParser):
        def handle_data(self, data):
            chars.update(data)

    Text(convert_charrefs=True).feed(html)
    cover = _font_coverage()
    return sorted(c for c in chars if not c.isspace() and ord(c) >= 32 and ord(c) not in cover)


@dataclass
class RenderLog:
    """What one rendering fetched: every URL asked for and the ones refused."""

    requests: list[str] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)


def pdf_bytes(html: str, *, pdfa: bool = False, log: RenderLog | None = None) -> bytes:
    """Render final HTML to PDF bytes with the restrictive fetcher and the glyph checks.

    Raises :class:`CfevalError` when a character cannot be drawn by the report font or
    WeasyPrint warned about fonts, so a report with boxes instead of characters never ships.
    """
    missing = _uncovered(html)
    if missing:
        shown = " ".join(f"{c} (U+{ord(c):04X})" for c in missing[:10])
        raise CfevalError(
            f"the report font cannot draw these characters: {shown}; edit the text or the data"
        )
    import weasyprint

    fetcher = _asset_fetcher_class()(asset_dir())
    watch = _FontWatch()
    logger = logging.getLogger("weasyprint")
    logger.addHandler(watch)
    try:
        document = weasyprint.HTML(
            string=html, base_url=str(asset_dir()) + os.sep, url_fetcher=fetcher
        )
        data = document.write_pdf(pdf_variant="pdf/a-3b" if pdfa else None, uncompressed_pdf=False)
    finally:
        logger.removeHandler(watch)
    if log is not None:
        log.requests.extend(fetcher.requests)
        log.refused.extend(fetcher.refused)
    if watch.problems:
        raise CfevalError(
            "font problems while rendering the report: " + "; ".join(watch.problems[:5])
        )
    return data


def write_pdf(
    html: str, path: str | os.PathLike, *, pdfa: bool = False, log: RenderLog | None = None
) -> Path:
    """Render final HTML to ``path`` atomically (temp file + rename); returns the path."""
    path = Path(path)
    atomic_write(path, pdf_bytes(html, pdfa=pdfa, log=log))
    return path


def _parse_date(date) -> dt.date:
    if date is None:
        return dt.date.today()
    if isinstance(date, dt.date):
        return date
    try:
        return dt.date.fromisoformat(str(date))
    except ValueError:
        raise UsageError(f"--date must look like 2024-06-01, got {date!r}") from None


def render_report(
    result,
    community_id: str,
    path: str | os.PathLike,
    *,
    framework=None,
    lang: str = "zh",
    date: dt.date | str | None = None,
    wave: str | None = None,
    pdfa: bool = False,
    log: RenderLog | None = None,
) -> Path:
    """Write one community's A4 report to ``path`` (a PDF, written atomically).

    >>> render_report(result, "C001", "out/C001_zh.pdf", lang="zh", date="2024-06-01")  # doctest: +SKIP
    """
    ctx = build_context(
        result, community_id, framework=framework, lang=lang, date=_parse_date(date), wave=wave
    )
    return write_pdf(render_html("report.html.j2", ctx), path, pdfa=pdfa, log=log)


def render_comparison(
    result,
    path: str | os.PathLike,
    *,
    framework=None,
    lang: str = "zh",
    date: dt.date | str | None = None,
    wave: str | None = None,
    community_ids: Iterable[str] | None = None,
    pdfa: bool = False,
) -> Path:
    """Write the comparison report of many communities to ``path``."""
    ctx = build_comparison_context(
        result,
        framework=framework,
        lang=lang,
        date=_parse_date(date),
        wave=wave,
        community_ids=community_ids,
    )
    return write_pdf(render_html("comparison.html.j2", ctx), path, pdfa=pdfa)


# --------------------------------------------------------------------------- batch


@dataclass
class BatchOutcome:
    """Result of a batch: PDFs written and communities that failed (id → message)."""

    written: dict[str, Path] = field(default_factory=dict)
    failed: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.failed


_WORKER: dict[str, Any] = {}


def _init_worker(result, framework, options) -> None:
    # Sent once per process instead of once per community: the frames can be large.
    _WORKER.update(result=result, framework=framework, options=options)


def _render_one(community_id: str) -> tuple[str, str | None, str | None]:
    opts = _WORKER["options"]
    out = Path(opts["out_dir"]) / report_filename(community_id, opts["lang"])
    try:
        render_report(
            _WORKER["result"],
            community_id,
            out,
            framework=_WORKER["framework"],
            lang=opts["lang"],
            date=opts["date"],
            wave=opts["wave"],
            pdfa=opts["pdfa"],
        )
    except CfevalError as exc:
        return community_id, None, str(exc)
    except Exception as exc:  # noqa: BLE001 - one broken community must not stop a district
        return community_id, None, f"{type(exc).__name__}: {exc}"
    return community_id, str(out), None


def render_batch(
    result,
    out_dir: str | os.PathLike,
    community_ids: Iterable[str] | None = None,
    *,
    framework=None,
    lang: str = "zh",
    date: dt.date | str | None = None,
    pdfa: bool = False,
    wave: str | None = None,
    workers: int | None = None,
    on_done: Callable[[str, bool], None] | None = None,
) -> BatchOutcome:
    """Render one report per community into ``out_dir`` across worker processes.

    A community that fails is recorded in :attr:`BatchOutcome.failed` and the batch goes
    on. ``workers`` defaults to every core; ``1`` renders in this process. ``wave``
    defaults to each community's latest.
    """
    fw = _framework_of(result, framework)
    _check_lang(fw, lang)
    ids = (
        list(community_ids)
        if community_ids is not None
        else sorted(result.communities["community_id"].unique())
    )
    options = {
        "out_dir": str(out_dir),
        "lang": lang,
        "date": _parse_date(date),
        "pdfa": pdfa,
        "wave": wave,
    }
    Path(out_dir).mkdir(parents=True, exist_ok=True)
    outcome = BatchOutcome()

    def record(cid, path, error):
        if error is None:
            outcome.written[cid] = Path(path)
        else:
            outcome.failed[cid] = error
        if on_done is not None:
            on_done(cid, error is None)

    workers = workers or os.cpu_count() or 1
    if workers == 1 or len(ids) <= 1:
        _init_worker(result, fw, options)
        for cid in ids:
            record(*_render_one(cid))
        return outcome

    from concurrent.futures import ProcessPoolExecutor, as_completed

    with ProcessPoolExecutor(
        max_workers=min(workers, len(ids)), initializer=_init_worker, initargs=(result, fw, options)
    ) as pool:
        futures = [pool.submit(_render_one, cid) for cid in ids]
        for fut in as_completed(futures):
            record(*fut.result())
    outcome.written = dict(sorted(outcome.written.items()))
    outcome.failed = dict(sorted(outcome.failed.items()))
    return outcome


# --------------------------------------------------------------------------- demo

DEMO_FRAMEWORK = "chengdu-community"
#: The demo's assessment date: fixed, so that the demo's PDFs are reproducible.
DEMO_DATE = dt.date(2024, 6, 1)


def pick_showcase(result, framework=None, k: int = 3, wave: str | None = None) -> list[str]:
    """Up to ``k`` communities of ``wave`` (default :func:`main_wave`) with different grades.

    Takes the highest and the lowest grade present and fills in between with the most
    common other grades; within a grade, the community with the median score (a vetoed
    one first for the lowest grade, so the veto note shows). Best grade first.
    """
    fw = _framework_of(result, framework)
    wave = main_wave(result) if wave is None else wave
    latest = result.communities[result.communities["wave"].astype(str) == wave]
    order = [g.id for g in fw.scoring.grades]
    present = [g for g in order if (latest["grade"] == g).any()]
    if not present:
        return []
    chosen_grades = [present[0]] + ([present[-1]] if len(present) > 1 else [])
    middle = sorted(present[1:-1], key=lambda g: (-(latest["grade"] == g).sum(), order.index(g)))
    chosen_grades[1:1] = middle[: max(0, k - len(chosen_grades))]
    picks = []
    for g in chosen_grades:
        rows = latest[latest["grade"] == g].sort_values(["score", "community_id"])
        if g == present[-1] and rows["vetoed"].astype(bool).any():
            rows = rows[rows["vetoed"].astype(bool)]
        picks.append(str(rows.iloc[(len(rows) - 1) // 2]["community_id"]))
    return picks


@dataclass
class DemoOutcome:
    """What the demo wrote: the folder, the community reports, the comparison, failures."""

    out_dir: Path
    communities: list[str]
    batch: BatchOutcome
    comparison: Path


def run_demo(
    out_dir: str | os.PathLike = "cfeval-demo",
    *,
    lang: str = "zh",
    workers: int | None = None,
    on_done: Callable[[str, bool], None] | None = None,
) -> DemoOutcome:
    """Score the shipped Chengdu sample data and write three reports and the comparison.

    >>> run_demo("cfeval-demo").comparison  # doctest: +SKIP
    PosixPath('cfeval-demo/comparison_zh.pdf')
    """
    from cfeval._paths import shipped_dir
    from cfeval.data import load_data
    from cfeval.engine import score
    from cfeval.loader import load_framework

    fw = load_framework(DEMO_FRAMEWORK)
    folder = shipped_dir("sample_data") / "chengdu"
    data = load_data(fw, survey=folder / "survey.csv", audit=folder / "audit.csv")
    result = score(fw, data)
    out = Path(out_dir)
    # One wave for every demo report, so their peers and the comparison agree.
    wave = main_wave(result)
    picks = pick_showcase(result, fw, wave=wave)
    batch = render_batch(
        result,
        out,
        picks,
        framework=fw,
        lang=lang,
        date=DEMO_DATE,
        wave=wave,
        workers=workers,
        on_done=on_done,
    )
    comparison = render_comparison(
        result, out / f"comparison_{lang}.pdf", framework=fw, lang=lang, date=DEMO_DATE, wave=wave
    )
    if on_done is not None:
        on_done("comparison", True)
    return DemoOutcome(out, picks, batch, comparison)
