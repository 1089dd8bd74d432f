"""Field kit page: the questionnaires, audit workbook and XLSForms of the chosen framework
(:func:`cfeval.template`, written in the background and zipped), and the fieldwork monitor
(:func:`cfeval.progress`) over the data uploaded so far."""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.responses import RedirectResponse
from starlette.routing import Route

from cfeval.errors import UsageError
from cfeval.i18n import Msg
from cfeval.web.forms import XLSX, read_form, sent_once, session
from cfeval.web.jobs import start_kit
from cfeval.web.render import page, request_lang

__all__ = ["routes"]


def _monitor(ws):
    from cfeval.collect.progress import progress, progress_summary

    table = progress(ws.framework, ws.dataset)
    return table, progress_summary(table, ws.framework)


async def index(request):
    ws = session(request)
    summary, groups = None, []
    if ws.framework is not None and ws.dataset is not None:
        from cfeval.collect.common import survey_groups

        _, summary = await run_in_threadpool(_monitor, ws)
        groups = [(g, ws.framework.respondents[g]) for g in survey_groups(ws.framework)]
    jobs = [j for j in ws.jobs.values() if j.kind == "kit"]
    return page(
        request, "kit.html.j2", summary=summary, groups=groups, job=jobs[-1] if jobs else None
    )


async def build(request):
    await read_form(request)
    ws = session(request)
    if ws.framework is None:
        raise UsageError(Msg("Choose a framework first (page Frameworks)."))
    pool, log = request.app.state.pool, request.app.state.log
    start_kit(pool, ws, lang=request_lang(request), log=log)
    return RedirectResponse("/kit", status_code=303)


async def monitor_xlsx(request):
    from cfeval.collect.progress import write_progress

    ws = session(request)
    if ws.framework is None or ws.dataset is None:
        return RedirectResponse("/kit", status_code=303)
    table, _ = await run_in_threadpool(_monitor, ws)
    target = ws.new_path("progress", "xlsx")
    await run_in_threadpool(write_progress, table, target)
    return sent_once(target, "fieldwork-progress.xlsx", XLSX)


routes = [
    Route("/kit", index),
    Route("/kit/build", build, methods=["POST"]),
    Route("/kit/progress.xlsx", monitor_xlsx),
]
