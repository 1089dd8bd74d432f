"""Data page: survey files (each with its respondent group and mapping) and the audit file,
read by :func:`cfeval.load_data`; the data report as a table to sort, filter and download.

Each survey file may name the group every row belongs to and a mapping file; both become
that file's :class:`~cfeval.data.mapping.Mapping` (the group as its ``respondent``), the
same as ``--mapping`` once per ``--survey`` on the command line.
"""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.responses import RedirectResponse
from starlette.routing import Route

from cfeval.errors import UsageError
from cfeval.i18n import Msg, words
from cfeval.web.forms import XLSX, files_of, read_form, save_upload, sent_once, session, unpath
from cfeval.web.render import page, request_lang

__all__ = ["routes", "load", "report_rows"]

#: survey file rows on the upload form
SURVEY_SLOTS = 4
SAMPLE = "chengdu"
SAMPLE_FRAMEWORK = "chengdu-community"


def _mappings(fw, surveys):
    """One Mapping (or None) per survey upload: its mapping file, with its group set."""
    from cfeval.data.mapping import Mapping, load_mapping

    out = []
    for up in surveys:
        m = load_mapping(up.mapping) if up.mapping is not None else None
        if up.group:
            m = (m or Mapping()).model_copy(update={"respondent": up.group})
        out.append(m)
    return out if any(m is not None for m in out) else None


def load(ws, lang: str):
    """Read the workspace's uploads with :func:`cfeval.load_data` in ``lang``."""
    from cfeval.data.load import load_data

    surveys = [u for u in ws.uploads if u.role == "survey"]
    audits = [u for u in ws.uploads if u.role == "audit"]
    return load_data(
        ws.framework,
        survey=[u.path for u in surveys] or None,
        audit=audits[0].path if audits else None,
        mapping=_mappings(ws.framework, surveys),
        lang=lang,
    )


def report_rows(ws, lang: str) -> list[dict]:
    """The data report's issues for the page and the download, with the user's file names."""
    from cfeval.report.text import issue_name

    shown = ws.shown_names()
    rows = []
    for issue in ws.dataset.report.issues:
        rows.append(
            {
                "file": shown.get(issue.file, unpath(ws, issue.file)),
                "row": issue.row,
                "column": issue.column or "",
                "value": issue.value or "",
                "code": issue.code,
                "what": issue_name(issue.code, lang),
                "severity": issue.severity,
                "message": unpath(ws, issue.message),
            }
        )
    return rows


def _require_framework(ws) -> None:
    if ws.framework is None:
        raise UsageError(Msg("Choose a framework first (page Frameworks)."))


async def index(request):
    ws = session(request)
    lang = request_lang(request)
    if ws.dataset is not None and ws.dataset.report.lang != lang:
        # The report's messages are written when the data is read: read again in this language.
        dataset = await run_in_threadpool(load, ws, lang)
        with ws.lock:
            ws.dataset = dataset
    context = {"slots": range(1, SURVEY_SLOTS + 1), "rows": [], "files": [], "excluded": []}
    if ws.dataset is not None:
        w = words(lang)
        report = ws.dataset.report
        shown = ws.shown_names()
        context["rows"] = report_rows(ws, lang)
        context["files"] = [(shown.get(f.path, f.path), f) for f in report.files]
        context["excluded"] = [
            (code, _code_name(code, lang), n) for code, n in sorted(report.excluded_rows.items())
        ]
        context["n_survey"] = len(ws.dataset.survey)
        context["n_communities"] = ws.dataset.audit["community_id"].nunique() or (
            ws.dataset.survey["community_id"].nunique()
        )
        context["severity_names"] = {
            "error": w("error"),
            "warning": w("warning"),
            "info": w("note"),
        }
    return page(request, "data.html.j2", **context)


def _code_name(code: str, lang: str) -> str:
    from cfeval.report.text import issue_name

    return issue_name(code, lang)


async def _collect(form, ws) -> list:
    """The form's files saved in the workspace: surveys (with group, mapping), the audit."""
    groups = set(ws.framework.respondents)
    uploads = []
    try:
        for i in range(1, SURVEY_SLOTS + 1):
            files = files_of(form, f"survey_{i}")
            if not files:
                continue
            group = str(form.get(f"group_{i}") or "") or None
            if group is not None and group not in groups:
                raise UsageError(Msg("unknown respondent group {group!r}", group=group))
            up = await save_upload(ws, files[0], "survey", group)
            mapping = files_of(form, f"mapping_{i}")
            if mapping:
                up.mapping = (await save_upload(ws, mapping[0], "mapping")).path
            uploads.append(up)
        audit = files_of(form, "audit")
        if audit:
            uploads.append(await save_upload(ws, audit[0], "audit"))
    except BaseException:
        ws.forget(uploads)
        raise
    return uploads


async def upload(request):
    form = await read_form(request)
    ws = session(request)
    _require_framework(ws)
    uploads = await _collect(form, ws)
    if not uploads:
        raise UsageError(Msg("Choose at least one survey file or the audit file."))
    await _read(request, ws, uploads)
    return RedirectResponse("/data", status_code=303)


async def _read(request, ws, uploads) -> None:
    """Replace the workspace's data with ``uploads`` once they have been read."""
    from types import SimpleNamespace

    trial = SimpleNamespace(framework=ws.framework, uploads=uploads)
    try:
        dataset = await run_in_threadpool(load, trial, request_lang(request))
    except BaseException as exc:
        ws.forget(uploads)  # refused: the files are of no further use
        # The message names these files by their saved paths: say the user's names.
        exc.shown_names = {str(u.path): u.shown for u in uploads}
        raise
    with ws.lock:
        old = [u for u in ws.uploads if u.role != "framework"]
        ws.uploads = [u for u in ws.uploads if u.role == "framework"] + uploads
        ws.clear_results()
        ws.dataset = dataset
    ws.forget(old)


async def sample(request):
    """The shipped Chengdu sample (survey and audit CSV), with its framework."""
    from cfeval._paths import shipped_dir
    from cfeval.framework.loader import load_framework
    from cfeval.web.workspace import Upload

    await read_form(request)
    ws = session(request)
    folder = shipped_dir("sample_data") / SAMPLE
    fw = await run_in_threadpool(load_framework, SAMPLE_FRAMEWORK)
    with ws.lock:
        ws.framework, ws.framework_ref = fw, fw.id
    uploads = [
        Upload(folder / "survey.csv", "survey.csv", "csv", "survey"),
        Upload(folder / "audit.csv", "audit.csv", "csv", "audit"),
    ]
    await _read(request, ws, uploads)
    return RedirectResponse("/data", status_code=303)


async def download(request):
    """The data report as XLSX (formula-safe cells)."""
    import pandas as pd

    from cfeval.results.tabular import write_tables

    ws = session(request)
    if ws.dataset is None:
        return RedirectResponse("/data", status_code=303)
    lang = request_lang(request)
    w = words(lang)
    rows = report_rows(ws, lang)
    names = {
        "file": w("File"),
        "row": w("Row"),
        "column": w("Column"),
        "value": w("Value"),
        "code": w("Code"),
        "what": w("Problem"),
        "severity": w("Severity"),
        "message": w("What to do"),
    }
    frame = pd.DataFrame(rows, columns=list(names)).rename(columns=names)
    target = ws.new_path("data-report", "xlsx")
    await run_in_threadpool(write_tables, {w("Data report"): frame}, target)
    return sent_once(target, "data-report.xlsx", XLSX)


routes = [
    Route("/data", index),
    Route("/data/upload", upload, methods=["POST"]),
    Route("/data/sample", sample, methods=["POST"]),
    Route("/data/report.xlsx", download),
]
