"""``cfeval serve``: over :func:`cfeval.serve`, the local web workbench.

Starlette and uvicorn are imported only when the command runs, so ``cfeval --help`` stays
fast.
"""

from __future__ import annotations

from typing import Annotated

import typer

from cfeval.i18n import N_

__all__ = ["serve"]


def serve(
    host: Annotated[
        str,
        typer.Option(
            "--host",
            help=N_(
                "Address to listen on; 127.0.0.1 is this computer only, 0.0.0.0 the whole "
                "network (needs --password)."
            ),
        ),
    ] = "127.0.0.1",
    port: Annotated[
        int, typer.Option("--port", min=1, max=65535, help=N_("Port to listen on."))
    ] = 8765,
    password: Annotated[
        str | None,
        typer.Option(
            "--password",
            envvar="CFEVAL_WEB_PASSWORD",
            show_envvar=True,
            help=N_("Access password everyone must enter (required for a non-local --host)."),
        ),
    ] = None,
    open_browser: Annotated[
        bool, typer.Option("--open", help=N_("Open the workbench in the web browser."))
    ] = False,
    workers: Annotated[
        int | None,
        typer.Option("--workers", min=1, help=N_("Worker processes for a district's reports.")),
    ] = None,
) -> None:
    """Open the web workbench: frameworks, field kit, data, scores and reports in a browser.

    Pages are in Chinese (switch to English at the top). Stop it with Ctrl-C.
    """
    from cfeval.web.server import serve as run

    run(host, port, password=password, open_browser=open_browser, workers=workers)
