"""The Starlette application: routes of every page, error pages, the start page.

:func:`create_app` builds it; :func:`cfeval.web.server.serve` runs it with uvicorn. The
pages live one module per area (:mod:`.frameworks`, :mod:`.data`, :mod:`.scores`,
:mod:`.reports`); this module adds the start page, the language switch, the login and
the error handlers, and wraps everything in :class:`cfeval.web.guard.Guard`.
"""

from __future__ import annotations

import logging
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from pathlib import Path

from cfeval.errors import CfevalError
from cfeval.web import data, frameworks, kit, reports, scores
from cfeval.web.forms import Forbidden, read_form, session, unpath
from cfeval.web.guard import Guard
from cfeval.web.render import LANG_COOKIE, error_page, page, request_lang, safe_next
from cfeval.web.security import Access, Limits
from cfeval.web.workspace import WorkspaceStore

__all__ = ["create_app", "LOCAL_NAMES"]

LOG = logging.getLogger("cfeval.web")
STATIC = Path(__file__).resolve().parent / "static"
#: Wrong passwords from one address before it must wait, and how long it waits.
MAX_FAILURES = 10
LOCKOUT_SECONDS = 300
#: Host names served on a local bind (anything else may be DNS rebinding).
LOCAL_NAMES = frozenset({"localhost", "127.0.0.1", "[::1]"})


async def home(request):
    return page(request, "home.html.j2")


async def switch_lang(request):
    """``/lang?to=en&next=/scores``: remember the language, go back where the user was."""
    from starlette.responses import RedirectResponse

    to = "en" if request.query_params.get("to") == "en" else "zh"
    response = RedirectResponse(safe_next(request.query_params.get("next")), status_code=303)
    response.set_cookie(LANG_COOKIE, to, max_age=365 * 86400, samesite="strict", httponly=True)
    return response


async def login(request):
    from starlette.responses import RedirectResponse

    access = request.app.state.access
    if access is None:
        return RedirectResponse("/", status_code=303)
    if request.method == "GET":
        return page(request, "login.html.j2", failed=False, locked=False)
    from starlette.concurrency import run_in_threadpool

    form = await read_form(request)
    attempt = str(form.get("password") or "")
    ws = session(request)
    client = request.client.host if request.client else "?"
    failures = request.app.state.login_failures
    recent = [t for t in failures.get(client, []) if time.monotonic() - t < LOCKOUT_SECONDS]
    if len(recent) >= MAX_FAILURES:
        return page(request, "login.html.j2", status=429, failed=True, locked=True)
    if await run_in_threadpool(access.accepts, attempt):  # scrypt: off the event loop
        failures.pop(client, None)
        ws.authed = True
        return RedirectResponse("/", status_code=303)
    failures[client] = [*recent, time.monotonic()]
    LOG.warning("wrong access password from %s", client)
    return page(request, "login.html.j2", status=403, failed=True, locked=False)


# --------------------------------------------------------------------------- errors


async def _forbidden(request, exc):
    w_lang = request_lang(request)
    from cfeval.i18n import words

    w = words(w_lang)
    return error_page(
        request,
        403,
        w(
            "This form has expired or did not come from this page. Go back, reload the page and try again."
        ),
    )


async def _user_error(request, exc: CfevalError):
    ws = request.scope.get("cfeval.ws")
    text = exc.text(request_lang(request))
    also = getattr(exc, "shown_names", None)
    return error_page(request, 400, unpath(ws, text, also) if ws is not None else text)


async def _http_error(request, exc):
    return error_page(request, exc.status_code if exc.status_code in (404, 405) else 400)


# --------------------------------------------------------------------------- app


def create_app(
    *,
    password: str | None = None,
    limits: Limits | None = None,
    allowed_hosts=LOCAL_NAMES,
    batch_workers: int = 1,
    temp_root: Path | None = None,
):
    """The workbench as an ASGI app.

    ``password`` (hashed at once) guards every page; ``allowed_hosts`` None serves any
    Host header (a non-local bind, where the password is required); ``batch_workers`` is
    the number of processes that render a district's reports.
    """
    from starlette.applications import Starlette
    from starlette.exceptions import HTTPException
    from starlette.middleware import Middleware
    from starlette.routing import Mount, Route
    from starlette.staticfiles import StaticFiles

    limits = limits or Limits()
    access = Access.from_password(password) if password else None
    store = WorkspaceStore(limits.session_seconds, temp_root)
    pool = ThreadPoolExecutor(max_workers=4, thread_name_prefix="cfeval-web")

    @asynccontextmanager
    async def lifespan(app):
        yield
        store.close()
        pool.shutdown(wait=False, cancel_futures=True)

    routes = [
        Route("/", home),
        Route("/lang", switch_lang),
        Route("/login", login, methods=["GET", "POST"]),
        *frameworks.routes,
        *data.routes,
        *kit.routes,
        *scores.routes,
        *reports.routes,
        Mount("/static", StaticFiles(directory=STATIC), name="static"),
    ]
    guard = Middleware(
        Guard, store=store, access=access, limits=limits, allowed_hosts=allowed_hosts
    )
    app = Starlette(
        routes=routes,
        middleware=[guard],
        lifespan=lifespan,
        exception_handlers={
            Forbidden: _forbidden,
            CfevalError: _user_error,
            HTTPException: _http_error,
        },
    )
    app.state.access = access
    app.state.login_failures = {}
    app.state.limits = limits
    app.state.store = store
    app.state.pool = pool
    app.state.batch_workers = batch_workers
    app.state.log = LOG
    return app
