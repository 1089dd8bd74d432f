"""``cfeval sample``: over :func:`cfeval.write_sample`; ``cfeval reference``: over
:func:`cfeval.write_framework_docs`. Both regenerate files the repository ships."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from cfeval.cli.common import LangOpt
from cfeval.cli.language import cli_lang, cli_words
from cfeval.errors import UsageError
from cfeval.i18n import N_

__all__ = ["reference", "sample"]


def sample(
    out: Annotated[
        Path, typer.Option("--out", "-o", help=N_("Output folder for the sample data."))
    ] = Path("sample_data"),
    seed: Annotated[int, typer.Option("--seed", help=N_("Random seed."))] = 2024,
    framework: Annotated[
        list[str] | None,
        typer.Option(
            "--framework",
            metavar="FRAMEWORK",
            help=N_("Framework id or YAML file (repeatable; default: every shipped one)."),
        ),
    ] = None,
    lang: LangOpt = None,
) -> None:
    """Write reproducible synthetic survey and audit data for frameworks.

    The same seed gives the same files, byte for byte; `sample_data/` is made with
    `cfeval sample --out sample_data --seed 2024`.
    """
    from cfeval.framework.loader import load_framework, shipped_frameworks
    from cfeval.sample.generate import write_sample

    w = cli_words()
    refs = framework or [path for _, path in shipped_frameworks()]
    if not refs:
        raise UsageError(w("no frameworks found; pass --framework ID_OR_PATH"))
    paths = write_sample([load_framework(ref) for ref in refs], out, seed)
    for path in paths:
        size = w.n("{n} byte", "{n} bytes", path.stat().st_size)
        typer.echo(f"{path}  {size}")


def reference(
    out: Annotated[
        Path | None,
        typer.Argument(
            metavar="[OUT_DIR]",
            help=N_("Folder for the references (default: docs/frameworks of this checkout)."),
            show_default=False,
        ),
    ] = None,
    lang: LangOpt = None,
) -> None:
    """Write the Markdown reference of every shipped framework (`<id>.md`).

    The references in docs/frameworks are made with `cfeval reference --lang en`;
    a test fails when one is out of date.
    """
    from cfeval.report.reference import write_framework_docs

    for path in write_framework_docs(out, lang=cli_lang()):
        typer.echo(str(path))
