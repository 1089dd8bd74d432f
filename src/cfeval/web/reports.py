"""Reports page: one community's PDF (:func:`cfeval.render_report`), the comparison
(:func:`cfeval.render_comparison`) and the whole district in the background
(:func:`cfeval.render_batch`, see :mod:`cfeval.web.jobs`) with a progress bar, a cancel
button and a ZIP at the end. Jobs are looked up in the session's own workspace only."""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.responses import JSONResponse, RedirectResponse
from starlette.routing import Route

from cfeval.errors import UsageError
from cfeval.i18n import Msg
from cfeval.web.forms import attachment, read_form, sent_once, session
from cfeval.web.jobs import start_batch
from cfeval.web.render import page, request_lang
from cfeval.web.scores import community_rows

__all__ = ["routes"]

PDF = "application/pdf"


def _report_lang(ws, form, default: str) -> str:
    lang = str(form.get("lang") or default)
    if lang not in ws.framework.languages or lang not in ("zh", "en"):
        raise UsageError(Msg("{id} has no {lang!r} texts", id=ws.framework.id, lang=lang))
    return lang


def _need_result(ws) -> None:
    if ws.result is None:
        raise UsageError(Msg("Score the data first (page Scores)."))


async def index(request):
    ws = session(request)
    lang = request_lang(request)
    rows = community_rows(ws, lang) if ws.result is not None else []
    batches = [j for j in ws.jobs.values() if j.kind == "batch"]
    languages = [x for x in ("zh", "en") if ws.framework and x in ws.framework.languages]
    return page(
        request,
        "reports.html.j2",
        rows=rows,
        job=batches[-1] if batches else None,
        languages=languages,
    )


async def one(request):
    from cfeval.report.entry import EDITIONS, render_report

    form = await read_form(request)
    ws = session(request)
    _need_result(ws)
    lang = _report_lang(ws, form, request_lang(request))
    edition = str(form.get("edition") or "adults")
    if edition not in EDITIONS:
        raise UsageError(Msg("Choose a community from the list."))
    rows = community_rows(ws, lang)
    choice = str(form.get("community") or "")
    if not choice.isdigit() or int(choice) >= len(rows):
        raise UsageError(Msg("Choose a community from the list."))
    row = rows[int(choice)]
    target = ws.new_path("report", "pdf")
    await run_in_threadpool(
        lambda: render_report(
            ws.result,
            row["id"],
            target,
            framework=ws.framework,
            lang=lang,
            wave=row["wave"],
            edition=edition,
        )
    )
    name = f"report_children_{lang}.pdf" if edition == "children" else f"report_{lang}.pdf"
    return sent_once(target, name, PDF)


async def comparison(request):
    from cfeval.report.entry import render_comparison

    form = await read_form(request)
    ws = session(request)
    _need_result(ws)
    lang = _report_lang(ws, form, request_lang(request))
    target = ws.new_path("comparison", "pdf")
    await run_in_threadpool(
        lambda: render_comparison(ws.result, target, framework=ws.framework, lang=lang)
    )
    return sent_once(target, f"comparison_{lang}.pdf", PDF)


async def batch(request):
    form = await read_form(request)
    ws = session(request)
    _need_result(ws)
    lang = _report_lang(ws, form, request_lang(request))
    if any(j.kind == "batch" and not j.finished for j in ws.jobs.values()):
        raise UsageError(Msg("A batch is already running: wait for it or cancel it."))
    ids = sorted(set(ws.result.communities["community_id"]))
    state = request.app.state
    start_batch(state.pool, ws, ids, lang=lang, workers=state.batch_workers, log=state.log)
    return RedirectResponse("/reports", status_code=303)


def _job(request):
    job = session(request).jobs.get(request.path_params["job"])
    if job is None:
        raise HTTPException(404)
    return job


async def job_status(request):
    return JSONResponse(_job(request).as_dict())


async def job_cancel(request):
    await read_form(request)
    job = _job(request)
    job.cancel()
    return RedirectResponse("/kit" if job.kind == "kit" else "/reports", status_code=303)


async def job_download(request):
    job = _job(request)
    if job.status != "done" or job.output is None:
        raise HTTPException(404)
    name = "field-kit.zip" if job.kind == "kit" else "reports.zip"
    body = await run_in_threadpool(job.output.read_bytes)
    return attachment(body, name, "application/zip")


routes = [
    Route("/reports", index),
    Route("/reports/one", one, methods=["POST"]),
    Route("/reports/comparison", comparison, methods=["POST"]),
    Route("/reports/batch", batch, methods=["POST"]),
    Route("/jobs/{job}", job_status),
    Route("/jobs/{job}/cancel", job_cancel, methods=["POST"]),
    Route("/jobs/{job}/download", job_download),
]
