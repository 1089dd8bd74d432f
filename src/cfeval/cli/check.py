"""``cfeval check``: over :func:`cfeval.check_framework` and, with data, :func:`cfeval.check`;
``cfeval schema``: over :func:`cfeval.framework_schema`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from cfeval.cli.common import (
    AuditOpt,
    FrameworkArg,
    LangOpt,
    MappingOpt,
    ProposalsOpt,
    SheetOpt,
    SurveyOpt,
    console,
    write_text,
)
from cfeval.cli.language import cli_words
from cfeval.i18n import N_

__all__ = ["check", "schema"]

_ISSUES_SHOWN = 20
_SEVERITY = {"error": N_("error"), "warning": N_("warning"), "info": N_("info")}
_COLOUR = {"error": "red", "warning": "yellow", "info": "dim"}


def check(
    framework: FrameworkArg,
    survey: SurveyOpt = None,
    audit: AuditOpt = None,
    mapping: MappingOpt = None,
    sheet: SheetOpt = None,
    proposals: ProposalsOpt = None,
    out: Annotated[
        Path | None,
        typer.Option("--out", "-o", help=N_("Write every data issue to this CSV file.")),
    ] = None,
    lang: LangOpt = None,
) -> None:
    """Check a framework and, with --survey/--audit, the data against it.

    A refused framework prints every problem as `file:line:col  path  message` (exit 2).
    Data issues are summarised by code, the first lines shown, all written with --out;
    exit 1 when errors or warnings were found, 0 when the data are clean.
    """
    from cfeval.framework.check import check_framework

    w = cli_words()
    fw = check_framework(framework)
    _print_summary(framework, fw)
    if not survey and audit is None and proposals is None:
        return
    from cfeval.data.load import check as check_data

    report = check_data(
        fw, survey=survey, audit=audit, mapping=mapping, sheet=sheet, proposals=proposals
    )
    print_data_report(report)
    if out is not None:
        report.write_csv(out)
        typer.echo(w("wrote {path}", path=out))
    if report.has_problems:
        raise typer.Exit(1)


def _print_summary(framework: str, fw) -> None:
    from rich.markup import escape
    from rich.table import Table

    from cfeval.framework.check import framework_summary

    w = cli_words()
    title = w("Framework {name}: valid", name=escape(framework))
    table = Table(title=title, show_header=False, title_justify="left")
    table.add_column("what", style="bold")
    table.add_column("value")
    for what, value in framework_summary(fw, w.lang):
        table.add_row(escape(what), escape(value))
    console().print(table)


def print_data_report(report) -> None:
    """Issue counts by code and severity, then the first lines of the report."""
    from collections import Counter

    from rich.markup import escape
    from rich.table import Table

    w = cli_words()
    out = console()
    if not report.issues:
        clean = w("data: no issues")
        out.print(f"[green]{escape(clean)}[/]")
        return
    counts = Counter((i.code, i.severity) for i in report.issues)
    summary = Table(title=w("Data issues by code"), title_justify="left")
    summary.add_column(w("code"))
    summary.add_column(w("severity"))
    summary.add_column(w("count"), justify="right")
    for (code, severity), n in sorted(counts.items()):
        summary.add_row(code, f"[{_COLOUR[severity]}]{w(_SEVERITY[severity])}[/]", str(n))
    out.print(summary)
    # One line per issue (file:row  column  code  message) reads better than a table in
    # a narrow terminal and can be pasted into a chat as is.
    # Errors, then warnings, then notes (a stable sort keeps file and row order within
    # each): per-column info lines (platform codes) must not push the errors out of view.
    from cfeval._safety import term

    rank = {"error": 0, "warning": 1, "info": 2}
    for i in sorted(report.issues, key=lambda i: rank[i.severity])[:_ISSUES_SHOWN]:
        where = Path(i.file).name + ("" if i.row is None else f":{i.row}")
        column = f"  {term(i.column, 80)}" if i.column else ""
        value = f" = {i.value!r}" if i.value and i.code != "encoding" else ""
        # Cells and headers come from data: control characters are shown, not obeyed.
        out.print(
            f"{escape(term(where))}{escape(column)}{escape(value)}  "
            f"[{_COLOUR[i.severity]}]{i.code}[/]  {escape(term(i.message))}"
        )
    hidden = len(report.issues) - _ISSUES_SHOWN
    if hidden > 0:
        out.print(escape(w("… and {n} more (write them all with --out)", n=hidden)))
    excluded = sum(report.excluded_rows.values())
    if excluded:
        detail = ", ".join(f"{k} {v}" for k, v in sorted(report.excluded_rows.items()))
        out.print(escape(w("rows excluded: {n} ({detail})", n=excluded, detail=detail)))


def schema(
    out: Annotated[
        Path | None,
        typer.Option(
            "--out", "-o", help=N_("Write the schema to this file instead of printing it.")
        ),
    ] = None,
    lang: LangOpt = None,
) -> None:
    """Print the JSON Schema of the framework format, for completion and checks in editors.

    In VS Code (YAML extension) put `# yaml-language-server: $schema=framework.schema.json`
    on the first line of a framework file, or map the schema in the `yaml.schemas` setting.
    """
    import json

    from cfeval.framework.loader import framework_schema

    text = json.dumps(framework_schema(), ensure_ascii=False, indent=2) + "\n"
    if out is None:
        typer.echo(text, nl=False)
        return
    write_text(out, text)
    w = cli_words()
    typer.echo(w("wrote {path}", path=out), err=True)
