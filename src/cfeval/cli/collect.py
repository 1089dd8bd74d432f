"""``cfeval template``: over :func:`cfeval.collect.template`; ``cfeval progress``: over
:func:`cfeval.collect.progress` (and :func:`cfeval.collect.write_progress`)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from cfeval.cli.common import (
    AuditOpt,
    FrameworkArg,
    LangOpt,
    MappingOpt,
    SheetOpt,
    SurveyOpt,
    console,
    read_data,
)
from cfeval.cli.language import cli_lang, cli_words
from cfeval.errors import UsageError
from cfeval.i18n import N_

__all__ = ["template", "progress"]


def template(
    framework: FrameworkArg,
    out: Annotated[
        Path,
        typer.Option(
            "--out",
            "-o",
            help=N_("Folder for the field kit (made if missing)."),
            show_default=False,
        ),
    ],
    community: Annotated[
        list[str] | None,
        typer.Option(
            "--community",
            metavar="ID",
            help=N_(
                "A community to pre-fill in the audit workbook and offer in the forms; repeat for several."
            ),
        ),
    ] = None,
    audit: Annotated[
        Path | None,
        typer.Option(
            "--audit",
            metavar="FILE",
            help=N_(
                "An existing audit file whose communities are pre-filled (its answers are not copied)."
            ),
        ),
    ] = None,
    lang: LangOpt = None,
    proposals: Annotated[
        bool,
        typer.Option(
            "--proposals",
            help=N_(
                "Only the children's proposal log template (proposals.xlsx and proposals.csv)."
            ),
        ),
    ] = False,
) -> None:
    """Write the field kit of a framework: printable questionnaires (PDF), the audit
    workbook, entry sheets for paper questionnaires, XLSForms for KoboToolbox / ODK
    Collect, and a numbered text questionnaire with the mapping that reads its export back.
    """
    from cfeval.collect.kit import template as write_kit
    from cfeval.framework.loader import load_framework

    w = cli_words()
    fw = load_framework(framework)
    paths = write_kit(
        fw, out, lang=cli_lang(), communities=community, audit=audit, only_proposals=proposals
    )
    for path in paths:
        typer.echo(f"{path}  {w.n('{n} byte', '{n} bytes', path.stat().st_size)}")
    typer.echo(w("wrote {n} files to {folder}", n=len(paths), folder=out))


def progress(
    framework: FrameworkArg,
    survey: SurveyOpt = None,
    audit: AuditOpt = None,
    mapping: MappingOpt = None,
    sheet: SheetOpt = None,
    out: Annotated[
        Path | None,
        typer.Option(
            "--out", "-o", help=N_("Write the whole progress table: .csv or .xlsx (by suffix).")
        ),
    ] = None,
    lang: LangOpt = None,
) -> None:
    """Show what fieldwork still lacks: respondents per community, wave and group against
    the framework's minimum, audit fields still blank, indicators that cannot be scored yet.

    Exit code 1 while anything is short, 0 when everything is in.
    """
    from cfeval.collect.progress import is_complete, progress_summary, write_progress
    from cfeval.collect.progress import progress as progress_table
    from cfeval.framework.loader import load_framework

    w = cli_words()
    if out is not None and out.suffix.lower() not in (".csv", ".xlsx"):
        raise UsageError(w("cannot write {path}: use a .csv or .xlsx file name", path=out))
    fw = load_framework(framework)
    data = read_data(fw, survey, audit, mapping, sheet)
    table = progress_table(fw, data)
    if out is not None:
        write_progress(table, out)
    _print_progress(fw, progress_summary(table, fw))
    if data.report.has_problems:
        typer.echo(w("the data have problems that keep answers out: see `cfeval check`"), err=True)
    if out is not None:
        typer.echo(w("wrote {path}", path=out))
    if not is_complete(table):
        raise typer.Exit(1)


def _print_progress(fw, summary) -> None:
    from rich.markup import escape
    from rich.table import Table

    from cfeval._safety import term
    from cfeval.collect.common import survey_groups

    w = cli_words()
    groups = survey_groups(fw)
    table = Table(title=w.label(fw.title))
    ids = [term(c, 40) for c in summary.get("community_id", [])]
    # Ids are what people look for: never cut, the numbers beside them are short.
    table.add_column(w("community"), no_wrap=True, min_width=max(map(len, ids), default=9))
    table.add_column(w("wave"), no_wrap=True)
    for g in groups:
        table.add_column(w.label(fw.respondents[g].label), justify="right")
    table.add_column(w("blank fields"), justify="right")
    table.add_column(w("indicators not scorable"), justify="right")
    table.add_column(w("data for a grade"), justify="right")
    table.add_column(w("status"), no_wrap=True)
    for row in summary.to_dict("records"):
        cells = [escape(term(row["community_id"], 40)), escape(term(row["wave"], 10))]
        for g in groups:
            n, need = row[f"n_{g}"], row[f"min_{g}"]
            text = f"{n}/{need}"
            cells.append(text if n >= need else f"[red]{text}[/red]")
        blank = row["blank_fields"]
        cells.append(str(blank) if not blank else f"[red]{blank}[/red]")
        short = row["indicators_short"]
        cells.append(
            "0"
            if not short
            else "[red]"
            + w("{n} ({points} points)", n=short, points=w.number(row["points_short"], 0))
            + "[/red]"
        )
        have, need = row["coverage"], row["coverage_needed"]
        text = f"{w.percent(have / 100)} / {w.percent(need / 100)}"
        cells.append(text if have >= need else f"[red]{text}[/red]")
        cells.append(w("complete") if row["complete"] else "[red]" + w("short") + "[/red]")
        table.add_row(*cells)
    console().print(table)
    left = int((~summary["complete"]).sum()) if len(summary) else 0
    typer.echo(
        w.n(
            "{n} community × wave still short",
            "{n} communities × waves still short",
            left,
        )
    )
