"""The ``cfeval`` command line: a thin layer over the Python API.

Every command is a library verb: it opens its input, calls the public function of the
same name (``check`` → :func:`cfeval.check_framework` / :func:`cfeval.check`, ``score`` →
:func:`cfeval.score`, ``report`` → :func:`cfeval.render_batch` /
:func:`cfeval.render_comparison`, ``demo`` → :func:`cfeval.run_demo`, ``sample`` →
:func:`cfeval.write_sample`, ``reference`` → :func:`cfeval.write_framework_docs`, ...)
and prints the result. The commands live in one module per area (:mod:`.check`,
:mod:`.score`, :mod:`.reports`, :mod:`.frameworks`, :mod:`.tools`); the options they share
are in :mod:`.common`; the language in :mod:`.language`.

A :class:`~cfeval.errors.CfevalError` (a user's mistake) becomes a message on stderr and
its exit code in one place, the root group; any other exception is a bug and keeps its
traceback. Exit codes: 0 ok, 1 data problems, 2 bad usage or a bad framework.

Only typer is imported at start-up: pydantic, pandas, matplotlib, WeasyPrint and Babel
are imported inside the commands that need them, so ``cfeval --help`` answers at once.
"""

from __future__ import annotations

from typing import Annotated

import typer

from cfeval import __version__
from cfeval.cli import (
    check,
    collect,
    frameworks,
    mapping,
    reports,
    research,
    score,
    sensitivity,
    tools,
    web,
)
from cfeval.cli.common import LangOpt
from cfeval.cli.language import CfevalCommand, CfevalGroup
from cfeval.i18n import N_

__all__ = ["app", "main"]

app = typer.Typer(
    cls=CfevalGroup,
    name="cfeval",
    no_args_is_help=True,
    add_completion=False,
    # Plain click help: rich help formatting costs ~0.2 s of imports on every `--help`.
    rich_markup_mode=None,
    pretty_exceptions_show_locals=False,
)


def _show_version(value: bool) -> None:
    if value:
        typer.echo(f"cfeval {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option(
            "--version",
            callback=_show_version,
            is_eager=True,
            help=N_("Print the version and exit."),
        ),
    ] = False,
    lang: LangOpt = None,
) -> None:
    """Evaluate how child-friendly a community is: frameworks, data checks, scores, PDF reports.

    Exit codes: 0 ok, 1 data problems found, 2 bad usage or a bad framework.
    """
    # --lang is read before click parses (see cfeval.cli.language); declared here so that
    # `cfeval --lang zh COMMAND` is accepted and shown in the help.


for _command in (
    check.check,
    check.schema,
    score.score,
    reports.report,
    reports.demo,
    research.compare,
    research.reliability,
    research.breakdown,
    research.export,
    sensitivity.sensitivity,
    tools.sample,
    tools.reference,
    collect.template,
    collect.progress,
    web.serve,
):
    app.command(cls=CfevalCommand)(_command)
app.add_typer(frameworks.app, name="frameworks")
app.add_typer(mapping.app, name="mapping")


def main() -> None:
    """Run the command line in ``sys.argv``; ends in ``SystemExit`` with its exit code."""
    import signal

    # `kill` (SIGTERM) stops like Ctrl-C: half-written files are removed, workers stopped.
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    app(prog_name="cfeval")


def run() -> None:
    """Entry point of the ``cfeval`` console script and of ``python -m cfeval``:
    :func:`main`, then :func:`leave` with its exit code."""
    try:
        main()
    except SystemExit as exit_:
        leave(exit_.code)
    leave(0)


def leave(code) -> None:
    """End the process with ``code`` (as ``SystemExit`` takes it) without the interpreter's
    teardown, which frees every module's objects one by one: 0.1-0.25 s after pandas,
    pyarrow and scipy are imported, on every command. What matters in a normal exit still
    happens, in its order: other threads are waited for (thread pools told to stop), the
    exit handlers run (temporary folders, Dask clusters, ...), the output streams are
    flushed. A command's own files are complete before this (written atomically).
    """
    import atexit
    import os
    import sys
    import threading

    if isinstance(code, str):  # SystemExit("message"): said on stderr, exit code 1
        print(code, file=sys.stderr)
        code = 1
    code = 0 if code is None else int(code)
    # The first two steps of Py_FinalizeEx (CPython's private but long-stable hooks).
    threading._shutdown()
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # a closed pipe (`cfeval ... | head`)
            code = code or 1
    os._exit(code)
