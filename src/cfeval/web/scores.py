"""Scores page: :func:`cfeval.score` over the session's data (in a worker thread), the
communities with score, interval, grade and status, one community's dimensions and
indicators, and the result's own XLSX/CSV writers (:meth:`cfeval.ScoreResult.write`)."""

from __future__ import annotations

import math
import time

from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.responses import RedirectResponse
from starlette.routing import Route

from cfeval.errors import UsageError
from cfeval.i18n import N_, Msg, words
from cfeval.web.forms import XLSX, read_form, sent_once, session
from cfeval.web.render import page, request_lang

__all__ = ["routes", "community_rows", "node_rows"]

STATUS = {
    "ok": N_("ok"),
    "insufficient": N_("too few respondents"),
    "missing": N_("no data"),
    "veto": N_("vetoed"),
}
GRADE_STATUS = {
    "final": N_("final"),
    "provisional": N_("provisional"),
    "withheld": N_("withheld"),
}


def _num(w, value, digits: int = 1) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    return w.number(float(value), digits)


def _interval(w, low, high) -> str:
    if _num(w, low) == "—" or _num(w, high) == "—":
        return "—"
    return f"{_num(w, low)} – {_num(w, high)}"


def community_rows(ws, lang: str) -> list[dict]:
    """One row per community × wave: what the scores table shows."""
    w = words(lang)
    fw, result = ws.framework, ws.result
    grades = {g.id: w.label(g.label) for g in fw.scoring.grades}
    scores = result.scores
    roots = scores[scores["kind"] == "total"].set_index(["community_id", "wave"])["status"]
    groups = [c for c in result.communities.columns if c.startswith("n_")]
    rows = []
    for row in result.communities.itertuples(index=False):
        status = str(roots.get((row.community_id, row.wave), "ok"))
        grade_status = str(getattr(row, "grade_status", "final") or "final")
        rows.append(
            {
                "id": row.community_id,
                "wave": row.wave,
                "name": "" if row.name is None or row.name != row.name else str(row.name),
                "district": "" if not isinstance(row.district, str) else row.district,
                "score": _num(w, row.score),
                "score_value": None if row.score != row.score else float(row.score),
                "interval": _interval(w, row.ci_low, row.ci_high),
                "grade": "—" if grade_status == "withheld" else grades.get(row.grade, "—"),
                "grade_status": w(GRADE_STATUS.get(grade_status, grade_status)),
                "status": w(STATUS.get(status, status)),
                "status_code": status,
                "n": {g[2:]: int(getattr(row, g)) for g in groups},
            }
        )
    return rows


def node_rows(ws, community_id: str, wave: str, lang: str) -> list[dict]:
    """One community's total, dimensions and indicators, depth-first."""
    w = words(lang)
    fw = ws.framework
    rows = []
    for r in ws.result.community(community_id, wave).itertuples(index=False):
        label = w("Total") if r.kind == "total" else w.label(fw.node(r.node_id).label)
        rows.append(
            {
                "label": label,
                "kind": r.kind,
                "level": int(r.level),
                "score": _num(w, r.score),
                "points": f"{_num(w, r.points)} / {_num(w, r.max_points, 0)}",
                "interval": _interval(w, r.ci_low, r.ci_high),
                "n": int(r.n) if r.n == r.n else 0,
                "status": w(STATUS.get(r.status, r.status)),
                "status_code": r.status,
            }
        )
    return rows


async def index(request):
    ws = session(request)
    lang = request_lang(request)
    rows = community_rows(ws, lang) if ws.result is not None else []
    w = words(lang)
    respondents = ws.framework.respondents if ws.framework is not None else {}
    groups = (
        [(g, w.label(respondents[g].label)) for g in rows[0]["n"] if g in respondents]
        if rows
        else []
    )
    return page(request, "scores.html.j2", rows=rows, groups=groups)


def _score(ws):
    from cfeval.scoring.engine import score

    start = time.perf_counter()
    result = score(ws.framework, ws.dataset)
    return result, time.perf_counter() - start


async def run(request):
    await read_form(request)
    ws = session(request)
    if ws.dataset is None:
        raise UsageError(Msg("Upload the data first (page Data)."))
    result, seconds = await run_in_threadpool(_score, ws)
    with ws.lock:
        ws.result, ws.score_seconds = result, seconds
    return RedirectResponse("/scores", status_code=303)


async def community(request):
    ws = session(request)
    if ws.result is None:
        return RedirectResponse("/scores", status_code=303)
    cid = request.query_params.get("id", "")
    wave = request.query_params.get("wave", "")
    rows = node_rows(ws, cid, wave, request_lang(request))
    lang = request_lang(request)
    heads = [r for r in community_rows(ws, lang) if r["id"] == cid and r["wave"] == wave]
    if not heads:
        raise HTTPException(404)
    head = heads[0]
    return page(request, "community.html.j2", rows=rows, head=head)


async def download(request):
    ws = session(request)
    if ws.result is None:
        return RedirectResponse("/scores", status_code=303)
    suffix = request.path_params["suffix"]
    if suffix not in ("xlsx", "csv"):
        raise HTTPException(404)
    target = ws.new_path("scores", suffix)
    await run_in_threadpool(lambda: ws.result.write(target, lang=request_lang(request)))
    media = XLSX if suffix == "xlsx" else "text/csv; charset=utf-8"
    return sent_once(target, f"scores.{suffix}", media)


routes = [
    Route("/scores", index),
    Route("/scores/run", run, methods=["POST"]),
    Route("/scores/community", community),
    Route("/scores/scores.{suffix:str}", download),
]
