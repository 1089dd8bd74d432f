"""``serve``: run the workbench with uvicorn, on this computer or, with a password, the LAN.

:func:`serve` refuses a non-local address without an access password before anything
starts (a :class:`~cfeval.errors.UsageError`, exit code 2 on the command line). Reports of
a whole district are rendered in a freshly started process (:mod:`cfeval.web.jobs`):
forking the threaded server process itself could copy a lock another thread holds.
"""

from __future__ import annotations

import os

from cfeval.web.security import check_bind, is_local

__all__ = ["serve", "PASSWORD_ENV"]

PASSWORD_ENV = "CFEVAL_WEB_PASSWORD"


def serve(
    host: str = "127.0.0.1",
    port: int = 8765,
    *,
    password: str | None = None,
    open_browser: bool = False,
    workers: int | None = None,
) -> None:
    """Serve the web workbench until interrupted (Ctrl-C).

    ``password`` (default: the ``CFEVAL_WEB_PASSWORD`` environment variable) is required
    for any ``host`` other than this computer's loopback address. ``workers`` is the
    number of processes rendering a district's reports (default: cores − 1, at least 1).

    >>> serve(port=8765, open_browser=True)  # doctest: +SKIP
    """
    password = password or os.environ.get(PASSWORD_ENV) or None
    check_bind(host, password)
    import uvicorn

    from cfeval.web.app import LOCAL_NAMES, create_app

    app = create_app(
        password=password,
        allowed_hosts=LOCAL_NAMES if is_local(host) else None,
        batch_workers=workers or max(1, (os.cpu_count() or 2) - 1),
    )
    url = f"http://{'127.0.0.1' if host in ('0.0.0.0', '::') else host}:{port}/"
    if open_browser:
        import threading
        import webbrowser

        threading.Timer(1.0, webbrowser.open, args=(url,)).start()
    config = uvicorn.Config(app, host=host, port=port, log_level="warning", lifespan="on")
    server = uvicorn.Server(config)
    print(f"cfeval: {url}", flush=True)
    server.run()
