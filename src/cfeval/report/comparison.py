"""The comparison report's context: ranking with intervals, heatmap, grades by city.

Readable at any size: the rows are grouped by city · district and cut into pages of
:data:`~cfeval.report.paging.PAGE_ROWS` communities (:mod:`cfeval.report.paging`); each
page has its own ranking chart, heatmap and table (with the table head repeated), and
every district gets a summary page when there are several.

Built like a community's context (:mod:`cfeval.report.context`): results only, words from
the report catalogue, numbers and dates for the locale, names with phone and ID-card
numbers masked.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from cfeval._safety import mask_pii
from cfeval.errors import UsageError
from cfeval.i18n import Msg, Words, resolve_lang, words
from cfeval.report.basics import (
    MIN_PEERS_FOR_RANK,
    _num,
    check_lang,
    fingerprint,
    fmt,
    framework_of,
    grades_of,
    interval,
    main_wave,
    shown_grade,
    version,
)
from cfeval.report.changes import comparison_changes
from cfeval.report.paging import district_summaries, group_key, paginate
from cfeval.report.settings import letterhead
from cfeval.report.text import NOT_APPLICABLE, report_words

__all__ = ["build_comparison_context"]


def _communities(result, wave: str, community_ids: Iterable[str] | None):
    """The communities of ``wave`` (those asked for), best score first, unscored last."""
    comm = result.communities.copy()
    comm["wave"] = comm["wave"].astype(str)
    comm = comm[comm["wave"] == wave]
    if community_ids is not None:
        comm = comm[comm["community_id"].isin(set(community_ids))]
    if comm.empty:
        raise UsageError(Msg("no communities to compare"))
    return comm.assign(_s=comm["score"].astype(float)).sort_values(
        ["_s", "community_id"], ascending=[False, True]
    )


def _names(result) -> dict[str, str]:
    """Each community's name as the report shows it (masked; the id when it has none)."""
    comm = result.communities
    names = comm["name"] if "name" in comm.columns else comm["community_id"]
    return {
        str(c): mask_pii(n) or mask_pii(c) for c, n in zip(comm["community_id"], names, strict=True)
    }


def _text(value) -> str:
    return "" if value is None or value != value else mask_pii(value)


def _table(comm, grades: dict, fw, w: Words) -> list[dict]:
    table = []
    ranked = len(comm) >= MIN_PEERS_FOR_RANK  # a rank among one or two says nothing
    for i, r in enumerate(comm.itertuples(index=False), start=1):
        table.append(
            {
                "rank": i if ranked else NOT_APPLICABLE,
                "id": mask_pii(r.community_id),
                "name": mask_pii(getattr(r, "name", "")) or mask_pii(r.community_id),
                "city": _text(getattr(r, "city", "")),
                "district": _text(getattr(r, "district", "")),
                "_id": str(r.community_id),
                "_score": _num(r.score),
                "_lo": _num(r.ci_low),
                "_hi": _num(r.ci_high),
                "score": fmt(w, r.score),
                "interval": interval(w, r),
                "grade": shown_grade(r, grades, fw),
                "provisional": str(getattr(r, "grade_status", "")) == "provisional",
                "vetoed": bool(getattr(r, "vetoed", False)),
            }
        )
    return table


def _charts(result, comm, table: list[dict], grades: dict, fw, wave: str, w: Words, t) -> dict:
    """The cover's grades by city, and each page's ranking chart and heatmap."""
    from cfeval.report import district_charts as charts

    scores = result.scores[result.scores["wave"].astype(str) == wave]
    wide = scores[scores["node_id"].isin([d.id for d in fw.dimensions])].pivot_table(
        index="community_id", columns="node_id", values="score", aggfunc="last"
    )
    nan = float("nan")
    pages = []
    for page in paginate(table, t["not_applicable"]):
        rows: list[dict | None] = []
        headers: list[int] = []
        for block in page:
            if len(page) > 1 or block["label"] != page[0]["label"] or _grouped(table):
                headers.append(len(rows))
                rows.append({"name": block["label"]})
            rows.extend(block["rows"])
        names = [r["name"] for r in rows]
        real = [r for r in rows if "_id" in r]

        def col(key, rows=rows):
            return [r.get(key) if r.get(key) is not None else nan for r in rows]

        matrix = [
            [float(wide.at[r["_id"], d.id]) if "_id" in r and r["_id"] in wide.index
             and d.id in wide.columns else nan for d in fw.dimensions]
            for r in rows
        ]  # fmt: skip
        pages.append(
            {
                "blocks": page,
                "ranking": charts.ranking(
                    names, col("_score"), col("_lo"), col("_hi"),
                    [r["grade"]["colour"] if "_id" in r else "#ffffff" for r in rows],
                    xlabel=t["overall"], headers=headers,
                ),
                "heatmap": charts.heatmap(
                    names, [w.label(d.label) for d in fw.dimensions], matrix, headers=headers
                ),
                "count": len(real),
            }
        )  # fmt: skip
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
    return {"pages": pages, "distribution": dist}


def _grouped(table: list[dict]) -> bool:
    """Whether the comparison spans several cities or districts (then groups are named)."""
    return len({group_key(r) for r in table}) > 1


def build_comparison_context(
    result,
    *,
    framework=None,
    lang: str | None = None,
    date: dt.date | None = None,
    wave: str | None = None,
    community_ids: Iterable[str] | None = None,
    sensitivity=None,
    settings=None,
) -> dict:
    """Context of the comparison report: ranking with intervals, heatmap, grades by city.

    ``settings`` (:class:`~cfeval.report.settings.ReportSettings`) adds the letterhead.

    ``wave`` defaults to :func:`~cfeval.report.basics.main_wave`; ``lang`` None speaks
    the environment's language. ``sensitivity`` (a :class:`cfeval.SensitivityResult`)
    adds the communities' rank intervals over the analysis' runs.
    """
    fw = framework_of(result, framework)
    lang = resolve_lang(lang)
    check_lang(fw, lang)
    w, t = words(lang), report_words(lang, fw.scoring.ci_level)
    grades = grades_of(fw, w)
    wave = main_wave(result) if wave is None else wave
    comm = _communities(result, wave, community_ids)
    table = _table(comm, grades, fw, w)
    day = date or dt.date.today()
    return {
        "lang": lang,
        "t": t,
        "doc_title": t["comparison_title"],
        "date": w.date(day),
        "framework": {"id": fw.id, "title": w.label(fw.title), "version": fw.version},
        "count": len(table),
        "wave": mask_pii(wave),
        "table": table,
        **_charts(result, comm, table, grades, fw, wave, w, t),
        "changes": comparison_changes(
            result, lang=lang, names=_names(result), community_ids=community_ids
        ),
        "grades": list(grades.values()),
        "rank_intervals": _rank_intervals(sensitivity, result, wave, comm, lang, w),
        "fingerprint": fingerprint(result),
        "version": version(),
        "letterhead": letterhead(settings, lang, day, None),
        "summaries": district_summaries(table, list(grades.values()), w, t["not_applicable"]),
        "summary_words": {
            "title": w("Districts"),
            "median": w("Median score"),
            "range": w("Lowest to highest score"),
            "best": w("Highest scores"),
            "lowest": w("Lowest scores"),
        },
        "page_of": w("page {page} of {pages}"),
        "continued": w("(continued)"),
    }


def _rank_intervals(sensitivity, result, wave: str, comm, lang: str, w: Words) -> dict | None:
    """The rank-interval section: chart and words, for the communities of the table."""
    if sensitivity is None:
        return None
    from cfeval.report.sensitivity_chart import rank_intervals_uri

    ranks = sensitivity.ranks
    ranks = ranks[
        (ranks["wave"].astype(str) == wave) & ranks["community_id"].isin(set(comm["community_id"]))
    ]
    runs = sensitivity.settings.get("runs", 0)
    return {
        "title": w("Rank intervals"),
        "chart": rank_intervals_uri(ranks, _names(result), lang=lang),
        "caption": w(
            "Ranks over {runs} recomputations of the index with other weights, methods and "
            "survey samples ({inputs}): the line runs from the 5th to the 95th percentile, "
            "the dot is the median, the ring the rank with the framework's own choices. Ranks "
            "are among every community and wave analysed.",
            runs=runs,
            inputs=", ".join(sensitivity.settings.get("inputs", [])),
        ),
    }
