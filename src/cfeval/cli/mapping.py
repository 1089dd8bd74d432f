"""``cfeval mapping suggest``: over :func:`cfeval.data.suggest.suggest_mapping` — a draft
mapping file for a survey export, for a person to review (docs/imports.md)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from cfeval.cli.common import FrameworkArg, LangOpt, SheetOpt, write_text
from cfeval.cli.language import CfevalCommand, CfevalGroup, cli_words
from cfeval.i18n import N_

__all__ = ["app"]

app = typer.Typer(
    cls=CfevalGroup,
    help=N_("Mapping files for survey exports: `cfeval mapping suggest` drafts one."),
    add_completion=False,
    rich_markup_mode=None,
    no_args_is_help=True,
)


@app.command("suggest", cls=CfevalCommand)
def suggest(
    framework: FrameworkArg,
    export: Annotated[
        Path,
        typer.Argument(
            metavar="EXPORT",
            help=N_("The survey export (XLSX, CSV, Parquet) as the platform wrote it."),
            show_default=False,
        ),
    ],
    out: Annotated[
        Path | None,
        typer.Option(
            "--out", "-o", help=N_("Write the draft mapping to this YAML file (default: print it).")
        ),
    ] = None,
    audit: Annotated[
        Path | None,
        typer.Option(
            "--audit",
            metavar="FILE",
            help=N_("Audit file: community names in the export are matched to its names."),
        ),
    ] = None,
    sheet: SheetOpt = None,
    lang: LangOpt = None,
) -> None:
    """Draft a mapping file for a survey export, to review and then use with --mapping.

    Every header is placed or listed: matched columns, suggested matches with their
    similarity (marked CHECK), columns it could not place, the option texts seen and the
    codes proposed, the respondent group when the items tell it. Nothing is applied until
    the file is passed to `cfeval check --mapping`.
    """
    from cfeval.data.suggest import suggest_mapping
    from cfeval.framework.loader import load_framework

    text = suggest_mapping(load_framework(framework), export, sheet=sheet, audit=audit)
    if out is None:
        typer.echo(text, nl=False)
        return
    write_text(out, text)
    typer.echo(cli_words()("wrote {path}", path=out), err=True)
