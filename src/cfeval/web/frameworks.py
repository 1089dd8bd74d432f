"""Frameworks page: the shipped frameworks as browsable trees, an uploaded YAML checked.

Over :func:`cfeval.shipped_frameworks`, :func:`cfeval.load_framework` and
:func:`cfeval.check_framework`. A shipped framework is chosen by its id from the shipped
list (the id never becomes a path); an uploaded one is saved under a server-made name and
checked, every problem shown with its line and column.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.responses import RedirectResponse
from starlette.routing import Route

from cfeval.errors import FrameworkError
from cfeval.i18n import words
from cfeval.web.forms import files_of, read_form, save_upload, session
from cfeval.web.render import page, request_lang

if TYPE_CHECKING:
    from cfeval.framework.model import Framework
    from cfeval.i18n import Words

__all__ = ["routes", "framework_tree"]


def _num(value: float | None) -> str:
    return "" if value is None else f"{value:g}"


def _amount(fw: Framework, node, w: Words) -> str:
    if fw.scoring.method == "points":
        return w("{points} points", points=_num(node.points))
    return w("weight {weight}", weight=_num(node.weight if node.weight is not None else 1))


def _indicator(fw: Framework, ind, w: Words) -> dict[str, Any]:
    from cfeval.framework.model import METHOD_LABELS, SOURCE_LABELS

    if ind.source == "survey":
        groups = ", ".join(w.label(fw.respondents[g].label) for g in ind.respondents or [])
        source = w.n(
            "survey of {groups}, {n} item",
            "survey of {groups}, {n} items",
            len(ind.items or []),
            groups=groups,
        )
    else:
        label = w.label(SOURCE_LABELS[ind.source])
        source = w("{source} field `{field}`", source=label, field=ind.field)
    return {
        "kind": "indicator",
        "id": ind.id,
        "label": w.label(ind.label),
        "amount": _amount(fw, ind, w),
        "method": w.label(METHOD_LABELS[ind.method]),
        "source": source,
        "rule": w("rule {type}", type=ind.rule.type),
        "evidence": w.label(ind.evidence) if ind.evidence else "",
        "children": [],
    }


def _node(fw: Framework, node, w: Words) -> dict[str, Any]:
    from cfeval.framework.model import Dimension

    if not isinstance(node, Dimension):
        return _indicator(fw, node, w)
    return {
        "kind": "dimension",
        "id": node.id,
        "label": w.label(node.label),
        "amount": _amount(fw, node, w),
        "children": [_node(fw, child, w) for child in node.children],
    }


def framework_tree(fw: Framework, lang: str) -> dict[str, Any]:
    """A framework as plain values for the tree template (dimensions, grades, bonus, veto)."""
    w = words(lang)
    if fw.scoring.method == "points":
        mode = w("points mode, total {total}", total=_num(fw.scoring.total))
    else:
        mode = w("index mode, 0-100")
    return {
        "id": fw.id,
        "version": fw.version,
        "title": w.label(fw.title),
        "mode": mode,
        "note": w.label(fw.provenance.note),
        "sources": [s.title for s in fw.provenance.based_on],
        "dimensions": [_node(fw, d, w) for d in fw.dimensions],
        "grades": [(w.label(g.label), w("from {min}", min=_num(g.min))) for g in fw.scoring.grades],
        "bonus_title": w("Bonus (capped at {cap})", cap=_num(fw.scoring.bonus_cap)),
        "bonus": [
            (w.label(b.label), w("up to {points} points", points=_num(b.points))) for b in fw.bonus
        ],
        "veto": [w.label(v.label) for v in fw.veto],
    }


def _shipped() -> list[dict[str, Any]]:
    from cfeval.framework.loader import load_framework, shipped_frameworks

    rows = []
    for fid, path in shipped_frameworks():
        try:
            fw = load_framework(path)
        except FrameworkError:
            rows.append({"id": fid, "fw": None})
            continue
        rows.append({"id": fid, "fw": fw, "indicators": len(fw.indicators())})
    return rows


def _shipped_by_id(fid: str):
    """The shipped framework ``fid``, looked up in the shipped list (never as a path)."""
    from cfeval.framework.loader import load_framework, shipped_frameworks

    for known, path in shipped_frameworks():
        if known == fid:
            return load_framework(path)
    raise HTTPException(404)


async def index(request):
    rows = await run_in_threadpool(_shipped)
    return page(request, "frameworks.html.j2", shipped=rows, problems=None, shown=None)


async def show(request):
    fw = await run_in_threadpool(_shipped_by_id, request.path_params["fid"])
    tree = framework_tree(fw, request_lang(request))
    return page(request, "framework.html.j2", tree=tree, fid=fw.id, uploaded=False)


async def mine(request):
    ws = session(request)
    if ws.framework is None or ws.framework_ref is not None:
        return RedirectResponse("/frameworks", status_code=303)
    tree = framework_tree(ws.framework, request_lang(request))
    return page(request, "framework.html.j2", tree=tree, fid=None, uploaded=True)


async def use(request):
    form = await read_form(request)
    ws = session(request)
    fw = await run_in_threadpool(_shipped_by_id, str(form.get("fid") or ""))
    with ws.lock:
        ws.framework, ws.framework_ref = fw, fw.id
        ws.clear_results()
    return RedirectResponse("/data", status_code=303)


async def upload(request):
    from cfeval.framework.check import check_framework

    form = await read_form(request)
    ws = session(request)
    files = files_of(form, "framework")
    if not files:
        return RedirectResponse("/frameworks", status_code=303)
    saved = await save_upload(ws, files[0], "framework")
    try:
        fw = await run_in_threadpool(check_framework, saved.path)
    except FrameworkError as err:
        ws.forget([saved])
        rows = await run_in_threadpool(_shipped)
        lang = request_lang(request)
        problems = [
            {"line": p.line, "column": p.column, "path": p.path or "", "message": _said(p, lang)}
            for p in err.problems
        ]
        return page(
            request, "frameworks.html.j2", status=400, shipped=rows, problems=problems,
            shown=saved.shown,
        )  # fmt: skip
    except BaseException:
        ws.forget([saved])
        raise
    with ws.lock:
        old = [u for u in ws.uploads if u.role == "framework"]
        ws.uploads = [u for u in ws.uploads if u.role != "framework"] + [saved]
        ws.framework, ws.framework_ref = fw, None
        ws.clear_results()
    ws.forget(old)
    return RedirectResponse("/frameworks/mine", status_code=303)


def _said(problem, lang: str) -> str:
    message = problem.message
    return message.text(lang) if hasattr(message, "text") else str(message)


routes = [
    Route("/frameworks", index),
    Route("/frameworks/mine", mine),
    Route("/frameworks/use", use, methods=["POST"]),
    Route("/frameworks/upload", upload, methods=["POST"]),
    Route("/frameworks/{fid}", show),
]
