"""Reading a POSTed form safely: CSRF token, counts and sizes, files checked by content.

Every POST goes through :func:`read_form`, which refuses a missing or wrong CSRF token
(403) and more files than the limit. :func:`save_upload` keeps a file only when its bytes
are one of the kinds the field accepts and stores it under a name the server makes up.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from cfeval.errors import UsageError
from cfeval.i18n import N_, Msg
from cfeval.web.security import same_token, sniff
from cfeval.web.workspace import Upload, display_name

if TYPE_CHECKING:
    from cfeval.web.workspace import Workspace

__all__ = [
    "XLSX",
    "Forbidden",
    "attachment",
    "files_of",
    "read_form",
    "save_upload",
    "sent_once",
    "session",
    "unpath",
]

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class Forbidden(Exception):
    """A POST without the session's CSRF token (or another refused request): 403."""


def session(request) -> Workspace:
    """The workspace the guard attached to this request."""
    return request.scope["cfeval.ws"]


async def read_form(request):
    """The form of a POST, after its CSRF token was checked against the session's."""
    limits = request.app.state.limits
    form = await request.form(max_files=limits.max_files, max_fields=200)
    if not same_token(form.get("csrf"), session(request).csrf):
        raise Forbidden
    return form


def files_of(form, name: str) -> list:
    """The non-empty files sent in field ``name`` (an empty file input sends a nameless part)."""
    return [f for f in form.getlist(name) if hasattr(f, "read") and (f.filename or f.size)]


#: the kinds of content each role accepts, and the suffix the saved file gets
ACCEPTS = {
    "survey": {"csv": "csv", "xlsx": "xlsx", "parquet": "parquet"},
    "audit": {"csv": "csv", "xlsx": "xlsx", "parquet": "parquet"},
    "mapping": {"csv": "yaml"},
    "framework": {"csv": "yaml"},
}
_WHAT = {
    "survey": N_("a survey file (CSV, XLSX or Parquet)"),
    "audit": N_("an audit file (CSV, XLSX or Parquet)"),
    "mapping": N_("a mapping file (YAML text)"),
    "framework": N_("a framework file (YAML text)"),
}


async def save_upload(ws: Workspace, upload, role: str, group: str | None = None) -> Upload:
    """Check ``upload``'s content against ``role`` and save it in ``ws`` under a new name."""
    data = await upload.read()
    shown = display_name(upload.filename)
    kind = sniff(data)
    suffix = ACCEPTS[role].get(kind or "")
    if suffix is None:
        raise UsageError(
            Msg(
                "{file}: this is not {what}. Files are recognised by their content, not "
                "their name: save it again from Excel or the survey platform and upload that",
                file=shown,
                what=Msg(_WHAT[role]),
            )
        )
    path = ws.new_path(role, suffix)
    path.write_bytes(data)
    return Upload(path=path, shown=shown, kind=suffix, role=role, group=group)


def unpath(ws: Workspace, text: str, also: dict[str, str] | None = None) -> str:
    """A message with the workspace's file paths replaced by the names the user gave
    (``also``: saved path → name of uploads not yet taken into the workspace)."""
    for saved, shown in {**ws.shown_names(), **(also or {})}.items():
        text = text.replace(saved, shown)
    return text.replace(str(ws.folder) + "/", "")


def attachment(body: bytes, name: str, media_type: str):
    """A download; ``name`` is made by the server (ASCII), never a user's text."""
    from starlette.responses import Response

    return Response(
        body,
        media_type=media_type,
        headers={"content-disposition": f'attachment; filename="{name}"'},
    )


def sent_once(path: Path, name: str, media_type: str):
    """A file written for one download: sent, then removed from the workspace."""
    try:
        return attachment(path.read_bytes(), name, media_type)
    finally:
        path.unlink(missing_ok=True)
