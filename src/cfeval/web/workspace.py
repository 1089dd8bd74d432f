"""One temporary workspace per browser session, removed when the session expires.

The browser holds only an unguessable session token (an HttpOnly, SameSite=Strict cookie);
everything else — uploaded files, the loaded framework, the data, the scores, the
reports — lives here on the server, in a folder of its own. Files are saved under names
the server makes up (``survey-1.xlsx``); the name a browser sent is only ever shown, never
used as a path.
"""

from __future__ import annotations

import shutil
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cfeval.web.security import new_token

__all__ = ["Upload", "Workspace", "WorkspaceStore", "display_name"]


def display_name(name: str | None, limit: int = 80) -> str:
    """A file name as a browser sent it, fit to be shown: the last path part, no control
    characters, at most ``limit`` characters. Shown only; never a path."""
    text = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    text = "".join(ch for ch in text if ch.isprintable()).strip()
    return (text[:limit] + "…") if len(text) > limit else (text or "?")


@dataclass
class Upload:
    """A file saved in a workspace: where (server-chosen), what it was called, its kind."""

    path: Path
    shown: str
    kind: str
    role: str  # survey | audit | framework
    group: str | None = None
    mapping: Path | None = None


@dataclass
class Workspace:
    """A browser session's folder and state. ``lock`` guards the state between requests
    and the background work of the same session."""

    token: str
    folder: Path
    csrf: str = field(default_factory=new_token)
    authed: bool = False
    last_used: float = field(default_factory=time.monotonic)
    framework: Any = None  # the chosen Framework
    framework_ref: str | None = None  # a shipped id, or None for an uploaded file
    uploads: list[Upload] = field(default_factory=list)
    dataset: Any = None
    result: Any = None
    #: what scoring took, in seconds (shown on the scores page)
    score_seconds: float | None = None
    jobs: dict[str, Any] = field(default_factory=dict)
    lock: threading.RLock = field(default_factory=threading.RLock)
    _counter: int = 0

    def new_path(self, stem: str, suffix: str) -> Path:
        """A fresh file path inside this workspace, named by the server."""
        with self.lock:
            self._counter += 1
            return self.folder / f"{stem}-{self._counter}.{suffix}"

    def shown_names(self) -> dict[str, str]:
        """Saved path (as the data stage labels it) → the name the user gave the file."""
        return {str(u.path): u.shown for u in self.uploads}

    def forget(self, uploads: list[Upload]) -> None:
        """Remove the files of uploads that were replaced (only those inside this workspace:
        the shipped sample is read where it is)."""
        for up in uploads:
            for path in (up.path, up.mapping):
                if path is not None and path.parent == self.folder:
                    path.unlink(missing_ok=True)

    def clear_results(self) -> None:
        """New data or a new framework: the data, scores and reports before it are stale."""
        self.dataset = None
        self.result = None
        self.score_seconds = None


class WorkspaceStore:
    """Workspaces by session token, under one temporary root, swept when they expire."""

    def __init__(self, session_seconds: int, root: Path | None = None) -> None:
        self.session_seconds = session_seconds
        self.root = Path(tempfile.mkdtemp(prefix="cfeval-web-", dir=root))
        self._spaces: dict[str, Workspace] = {}
        self._lock = threading.Lock()
        self._last_sweep = time.monotonic()

    def get(self, token: str | None) -> Workspace | None:
        """The live workspace of ``token``, or None (unknown or expired)."""
        self.sweep()
        if not token:
            return None
        with self._lock:
            ws = self._spaces.get(token)
        if ws is not None:
            ws.last_used = time.monotonic()
        return ws

    def create(self) -> Workspace:
        token = new_token()
        # The folder name is not the token: a listing of the root reveals no session.
        folder = Path(tempfile.mkdtemp(prefix="ws-", dir=self.root))
        ws = Workspace(token, folder)
        with self._lock:
            self._spaces[token] = ws
        return ws

    def sweep(self, force: bool = False) -> int:
        """Remove workspaces idle longer than the session time; returns how many."""
        now = time.monotonic()
        if not force and now - self._last_sweep < 30:
            return 0
        self._last_sweep = now
        with self._lock:
            dead = [
                t
                for t, ws in self._spaces.items()
                if now - ws.last_used > self.session_seconds and not _busy(ws)
            ]
            spaces = [self._spaces.pop(t) for t in dead]
        for ws in spaces:
            shutil.rmtree(ws.folder, ignore_errors=True)
        return len(spaces)

    def close(self) -> None:
        """Cancel running work and remove every workspace (server shutdown)."""
        with self._lock:
            spaces = list(self._spaces.values())
            self._spaces.clear()
        for ws in spaces:
            for job in ws.jobs.values():
                job.cancel()
        shutil.rmtree(self.root, ignore_errors=True)


def _busy(ws: Workspace) -> bool:
    return any(not job.finished for job in ws.jobs.values())
