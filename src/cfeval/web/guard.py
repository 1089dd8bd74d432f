"""The ASGI layer every request passes first: host check, body size, session, login,
security headers.

- **Host**: on a local bind only ``localhost``/``127.0.0.1``/``[::1]`` host names are
  served, so a web page elsewhere cannot reach the workbench by DNS rebinding.
- **Size**: a body larger than the limit is refused (413) from its ``Content-Length`` or,
  without one, as soon as the bytes read pass the limit.
- **Session**: the cookie's token picks the workspace; an unknown or expired token gets a
  new one (``HttpOnly; SameSite=Strict``).
- **Login**: with an access password, every page but the login page and the static
  files asks for it first.
- **Headers**: Content-Security-Policy, ``X-Content-Type-Options: nosniff``,
  ``X-Frame-Options: DENY`` (see :func:`cfeval.web.security.security_headers`).
"""

from __future__ import annotations

import logging
from http.cookies import SimpleCookie

from cfeval.web.render import error_html, lang_of_cookies
from cfeval.web.security import security_headers

__all__ = ["Guard", "SESSION_COOKIE"]

SESSION_COOKIE = "cfeval_session"
LOG = logging.getLogger("cfeval.web")
_OPEN_PATHS = ("/login", "/static/", "/lang")


class _TooLarge(Exception):
    pass


class Guard:
    """Pure ASGI middleware (it must see the raw body stream to stop large uploads)."""

    def __init__(self, app, *, store, access, limits, allowed_hosts) -> None:
        self.app = app
        self.store = store
        self.access = access
        self.limits = limits
        self.allowed_hosts = allowed_hosts  # None: any host (a non-local bind)

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]}
        cookies = _cookies(headers.get("cookie", ""))
        lang = lang_of_cookies(cookies)
        extra = security_headers()

        async def send_with_headers(message) -> None:
            if message["type"] == "http.response.start":
                message = {**message, "headers": [*message.get("headers", []), *extra]}
            await send(message)

        if not self._host_ok(headers.get("host", "")):
            await _reply(send_with_headers, 400, error_html(lang, 400, None))
            return
        length = headers.get("content-length")
        if length is not None and (not length.isdigit() or int(length) > self.limits.max_bytes):
            await _too_large(receive, send_with_headers, lang, self.limits.max_bytes)
            return
        ws = self.store.get(cookies.get(SESSION_COOKIE))
        if ws is None:
            ws = self.store.create()
            extra.append((b"set-cookie", _session_cookie(ws.token)))
        scope["cfeval.ws"] = ws
        path = scope.get("path", "")
        if self.access is not None and not ws.authed and not path.startswith(_OPEN_PATHS):
            await _redirect(send_with_headers, "/login")
            return
        started = False

        async def tracked(message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send_with_headers(message)

        try:
            await self.app(scope, self._counting(receive), tracked)
        except _TooLarge:
            if not started:
                text = _limit_text(lang, self.limits.max_bytes)
                await _reply(send_with_headers, 413, error_html(lang, 413, text))
        except Exception:
            # A bug: logged with its traceback, shown as a calm page in the user's language.
            LOG.exception("error on %s", path)
            if not started:
                await _reply(send_with_headers, 500, error_html(lang, 500, None))

    def _host_ok(self, host: str) -> bool:
        if self.allowed_hosts is None:
            return True
        name = host.split("]")[0] + "]" if host.startswith("[") else host.split(":")[0]
        return name.lower() in self.allowed_hosts

    def _counting(self, receive):
        seen = 0
        limit = self.limits.max_bytes

        async def counted():
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    raise _TooLarge
            return message

        return counted


def _limit_text(lang: str, limit: int) -> str:
    from cfeval.i18n import words

    w = words(lang)
    return w(
        "Uploads may be at most {size} MB together. Split the files, or ask whoever runs "
        "the workbench to raise the limit.",
        size=w.number(limit / 1024 / 1024, 0),
    )


def _cookies(header: str) -> dict[str, str]:
    jar = SimpleCookie()
    try:
        jar.load(header)
    except Exception:  # noqa: BLE001 - a malformed cookie header is treated as none
        return {}
    return {k: m.value for k, m in jar.items()}


def _session_cookie(token: str) -> bytes:
    return f"{SESSION_COOKIE}={token}; Path=/; HttpOnly; SameSite=Strict".encode()


async def _reply(send, status: int, html: str) -> None:
    body = html.encode("utf-8")
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"text/html; charset=utf-8"),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


async def _redirect(send, location: str) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": 303,
            "headers": [(b"location", location.encode()), (b"content-length", b"0")],
        }
    )
    await send({"type": "http.response.body", "body": b""})


async def _too_large(receive, send, lang: str, limit: int) -> None:
    await _reply(send, 413, error_html(lang, 413, _limit_text(lang, limit)))
