"""Pages: Jinja2 templates (autoescape on) in the reader's language, and error pages.

The language is the browser's choice, kept in a cookie (Chinese unless English was
chosen); the words are the CLI's gettext catalogue (``web.po`` for the pages' own words).
An error is always a page in that language: a user's mistake says what to do, anything
else says that something went wrong — never a traceback.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

from cfeval.i18n import words

__all__ = ["LANG_COOKIE", "error_page", "page", "request_lang", "safe_next", "TEMPLATES"]

TEMPLATES = Path(__file__).resolve().parent / "templates"
LANG_COOKIE = "cfeval_lang"

#: navigation: (path, English message id)
NAV = [
    ("/", "Start"),
    ("/frameworks", "Frameworks"),
    ("/kit", "Field kit"),
    ("/data", "Data"),
    ("/scores", "Scores"),
    ("/reports", "Reports"),
]


@functools.cache
def _env():
    from jinja2 import Environment, FileSystemLoader, StrictUndefined

    env = Environment(
        loader=FileSystemLoader(str(TEMPLATES)),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    return env


def lang_of_cookies(cookies: dict[str, str]) -> str:
    """``en`` only when chosen; Chinese is the workbench's first language."""
    return "en" if cookies.get(LANG_COOKIE) == "en" else "zh"


def request_lang(request) -> str:
    return lang_of_cookies(request.cookies)


def safe_next(value: str | None) -> str:
    """A local path to go back to; anything else (another site, ``//host``) is the start."""
    if not value or not value.startswith("/") or value.startswith("//") or "\\" in value:
        return "/"
    return value


def render(name: str, lang: str, **context: Any) -> str:
    """Render template ``name`` with the words of ``lang``."""
    w = words(lang)
    return _env().get_template(name).render(w=w, lang=lang, nav=NAV, **context)


def page(request, name: str, status: int = 200, **context: Any):
    """An HTML response of template ``name`` for this request's session and language."""
    from starlette.responses import HTMLResponse

    ws = request.scope.get("cfeval.ws")
    lang = request_lang(request)
    html = render(
        name,
        lang,
        csrf=ws.csrf if ws is not None else "",
        path=request.url.path,
        ws=ws,
        login_needed=request.app.state.access is not None,
        **context,
    )
    return HTMLResponse(html, status_code=status)


def error_html(lang: str, status: int, message: str | None, ws=None, login_needed=False) -> str:
    """An error page that needs nothing from the session (also used by middleware)."""
    w = words(lang)
    titles = {
        400: w("That did not work"),
        403: w("Not allowed"),
        404: w("Page not found"),
        405: w("Not allowed"),
        413: w("The upload is too large"),
        500: w("Something went wrong"),
    }
    return render(
        "error.html.j2",
        lang,
        title=titles.get(status, titles[400]),
        message=message,
        status=status,
        csrf="",
        path="",
        ws=ws,
        login_needed=login_needed,
    )


def error_page(request, status: int, message: str | None = None):
    from starlette.responses import HTMLResponse

    ws = request.scope.get("cfeval.ws")
    login_needed = request.app.state.access is not None
    html = error_html(request_lang(request), status, message, ws, login_needed)
    return HTMLResponse(html, status_code=status)
