"""The ``cfeval`` command line: a thin layer over the Python API.

Each command opens its input, calls one library function and prints the result. A
:class:`~cfeval.errors.CfevalError` (a user's mistake) is turned into a message on stderr
and its exit code in one place, :class:`_CfevalGroup`; any other exception is a bug and
keeps its traceback. Exit codes: 0 ok, 1 data problems, 2 bad usage or a bad framework.

Only typer is imported at start-up: pydantic, pandas, matplotlib and WeasyPrint are
imported inside the commands that need them, so ``cfeval --help`` answers at once.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from typer.core import TyperGroup

from cfeval import __version__
from cfeval._io import atomic_write
from cfeval.errors import CfevalError, UsageError

if TYPE_CHECKING:
    from cfeval.framework.model import Dimension, Framework, Indicator, Label

__all__ = ["app", "main"]


class _CfevalGroup(TyperGroup):
    """The root command group: maps a user's mistake to a message and an exit code."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except CfevalError as err:
            # Sub-commands run inside this call, so this is the one place errors are mapped.
            typer.echo(typer.style("Error: ", fg="red", bold=True) + str(err), err=True)
            raise typer.Exit(err.exit_code) from None


app = typer.Typer(
    cls=_CfevalGroup,
    name="cfeval",
    no_args_is_help=True,
    add_completion=False,
    # Plain click help: rich help formatting costs ~0.2 s of imports on every `--help`.
    rich_markup_mode=None,
    pretty_exceptions_show_locals=False,
)
frameworks_app = typer.Typer(
    help="List the shipped frameworks, or show one as a tree (`cfeval frameworks show ID`).",
    add_completion=False,
    rich_markup_mode=None,
)
app.add_typer(frameworks_app, name="frameworks")

FrameworkArg = Annotated[
    str,
    typer.Argument(
        metavar="FRAMEWORK",
        help="A shipped framework id (see `cfeval frameworks`) or a framework YAML file.",
    ),
]
LangOpt = Annotated[
    str | None,
    typer.Option(
        "--lang", help="Language of labels, e.g. zh or en (default: the framework's first)."
    ),
]
# The data options, the same for every command that reads data (check, score, report).
SurveyOpt = Annotated[
    list[Path] | None,
    typer.Option(
        "--survey", metavar="FILE", help="Survey file (CSV, XLSX, Parquet); repeat for several."
    ),
]
AuditOpt = Annotated[
    Path | None,
    typer.Option("--audit", metavar="FILE", help="Audit file (CSV, XLSX, Parquet)."),
]
MappingOpt = Annotated[
    Path | None,
    typer.Option(
        "--mapping", metavar="FILE", help="YAML mapping of headers/texts to item ids and codes."
    ),
]
SheetOpt = Annotated[
    str | None,
    typer.Option("--sheet", metavar="NAME", help="XLSX sheet name (default: the first)."),
]


def _load_data(fw: Framework, survey, audit, mapping, sheet):
    """The data options read into a Dataset; at least one of --survey / --audit is needed."""
    if not survey and audit is None:
        raise UsageError("give the data: --survey FILE and/or --audit FILE")
    from cfeval.data.load import load_data

    return load_data(fw, survey=survey or None, audit=audit, mapping=mapping, sheet=sheet)


def _show_version(value: bool) -> None:
    if value:
        typer.echo(f"cfeval {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_show_version, is_eager=True, help="Print the version and exit."
        ),
    ] = False,
) -> None:
    """Evaluate how child-friendly a community is: frameworks, data checks, scores, PDF reports.

    Exit codes: 0 ok, 1 data problems found, 2 bad usage or a bad framework.
    """


def main() -> None:
    """Entry point of the ``cfeval`` console script and of ``python -m cfeval``."""
    app(prog_name="cfeval")


# --------------------------------------------------------------------------- helpers


def _console():
    from rich.console import Console

    return Console(highlight=False)


def _text(label: Label | None, lang: str | None) -> str:
    if not label:
        return ""
    if lang and label.get(lang):
        return label[lang]
    return next(iter(label.values()))


def _num(value: float | None) -> str:
    return "" if value is None else f"{value:g}"


def _write_atomic(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` via a temporary file in the same folder and a rename."""
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise UsageError(f"cannot write {path}: folder {folder} does not exist")
    atomic_write(path, text)


# --------------------------------------------------------------------------- frameworks


@frameworks_app.callback(invoke_without_command=True)
def frameworks(ctx: typer.Context, lang: LangOpt = None) -> None:
    """List the shipped frameworks: id, version, title and number of indicators."""
    if ctx.invoked_subcommand is not None:
        return
    from rich.markup import escape
    from rich.table import Table

    from cfeval.errors import FrameworkError
    from cfeval.framework.loader import load_framework, shipped_frameworks

    table = Table(title="Shipped frameworks")
    for column in ("id", "version", "title", "indicators"):
        table.add_column(column, justify="right" if column == "indicators" else "left")
    refused = 0
    for fid, path in shipped_frameworks():
        try:
            fw = load_framework(path)
        except FrameworkError as err:
            refused += 1
            note = f"[red]refused, {len(err.problems)} problems: run `cfeval check {fid}`[/]"
            table.add_row(escape(fid), "", note, "")
            continue
        table.add_row(
            escape(fid),
            escape(fw.version),
            escape(_text(fw.title, lang)),
            str(len(fw.indicators())),
        )
    _console().print(table)
    if refused:
        raise typer.Exit(2)


@frameworks_app.command("show")
def frameworks_show(framework: FrameworkArg, lang: LangOpt = None) -> None:
    """Show a framework as a tree: dimensions and indicators with points or weights,
    methods, evidence sources and rules; then grades, bonus and veto items."""
    from cfeval.framework.loader import load_framework

    fw = load_framework(framework)
    if lang is not None and lang not in fw.languages:
        raise UsageError(f"{fw.id} has no {lang!r} texts; its languages: {', '.join(fw.languages)}")
    _console().print(_framework_tree(fw, lang or fw.languages[0]))


def _amount(fw: Framework, node) -> str:
    if fw.scoring.method == "points":
        return f"{_num(node.points)} points"
    return f"weight {_num(node.weight if node.weight is not None else 1)}"


def _indicator_line(fw: Framework, ind: Indicator, lang: str) -> str:
    from rich.markup import escape

    if ind.source == "survey":
        groups = ", ".join(ind.respondents or [])
        evidence = f"survey of {groups}, {len(ind.items or [])} items"
    else:
        evidence = f"{ind.source} field `{ind.field}`"
    return (
        f"{escape(_text(ind.label, lang))} [dim]({ind.id})[/] · [bold]{_amount(fw, ind)}[/]\n"
        f"[dim]{ind.method.replace('_', ' ')} · {escape(evidence)} · rule {ind.rule.type}[/]"
    )


def _framework_tree(fw: Framework, lang: str):
    from rich.markup import escape
    from rich.tree import Tree

    from cfeval.framework.model import Dimension

    mode = (
        f"points mode, total {_num(fw.scoring.total)}"
        if fw.scoring.method == "points"
        else "index mode, 0-100"
    )
    root = Tree(
        f"[bold]{escape(_text(fw.title, lang))}[/] [dim]({fw.id} {escape(fw.version)}, {mode})[/]"
    )

    def add(branch: Tree, node: Dimension | Indicator) -> None:
        if isinstance(node, Dimension):
            sub = branch.add(
                f"[bold]{escape(_text(node.label, lang))}[/] [dim]({node.id})[/] · {_amount(fw, node)}"
            )
            for child in node.children:
                add(sub, child)
        else:
            branch.add(_indicator_line(fw, node, lang))

    for dim in fw.dimensions:
        add(root, dim)
    grades = root.add("[bold]Grades[/]")
    for g in fw.scoring.grades:
        grades.add(f"{escape(_text(g.label, lang))} [dim]({g.id})[/] from {_num(g.min)}")
    if fw.bonus:
        bonus = root.add(f"[bold]Bonus[/] (capped at {_num(fw.scoring.bonus_cap)})")
        for b in fw.bonus:
            bonus.add(
                f"{escape(_text(b.label, lang))} [dim]({b.id})[/] · up to {_num(b.points)} points · field `{b.field}` · rule {b.rule.type}"
            )
    if fw.veto:
        veto = root.add("[bold]Veto[/]")
        for v in fw.veto:
            cap = v.max_grade or fw.scoring.grades[-1].id
            veto.add(
                f"{escape(_text(v.label, lang))} [dim]({v.id})[/] · when `{v.field}` is {str(v.when).lower()} · grade at most {cap}"
            )
    if fw.provenance.based_on or fw.provenance.note:
        prov = root.add("[bold]Based on[/]")
        for src in fw.provenance.based_on:
            prov.add(escape(src.title + (f" ({src.year})" if src.year else "")))
        prov.add(f"[italic]{escape(_text(fw.provenance.note, lang))}[/]")
    return root


# --------------------------------------------------------------------------- check


def framework_summary(fw: Framework) -> list[tuple[str, str]]:
    """Counts that describe a framework, as ``(what, value)`` rows for the check summary."""
    from collections import Counter

    from cfeval.framework.model import Dimension

    nodes = [node for _, node in fw.walk()]
    indicators = fw.indicators()
    by_source = Counter(ind.source for ind in indicators)
    by_method = Counter(ind.method for ind in indicators)
    if fw.scoring.method == "points":
        total = f"{_num(sum(d.points or 0 for d in fw.dimensions))} points (declared total {_num(fw.scoring.total)})"
    else:
        total = "index, 0-100"
    return [
        ("framework", f"{fw.id} {fw.version}"),
        ("scoring", f"{fw.scoring.method}, missing data: {fw.scoring.missing}"),
        ("total", total),
        ("dimensions", str(sum(isinstance(n, Dimension) for n in nodes))),
        ("indicators", str(len(indicators))),
        ("  by source", ", ".join(f"{k} {v}" for k, v in sorted(by_source.items()))),
        ("  by method", ", ".join(f"{k} {v}" for k, v in sorted(by_method.items()))),
        ("survey items", str(len(fw.items()))),
        ("respondent groups", ", ".join(fw.respondents) or "none"),
        ("audit fields", str(len(fw.fields))),
        ("grades", ", ".join(f"{g.id} ≥ {_num(g.min)}" for g in fw.scoring.grades)),
        ("bonus items", f"{len(fw.bonus)} (cap {_num(fw.scoring.bonus_cap)})" if fw.bonus else "0"),
        ("veto items", str(len(fw.veto))),
    ]


def check_framework(framework: str) -> Framework:
    """Load ``framework`` (id or path) and print its summary; problems raise FrameworkError."""
    from rich.markup import escape
    from rich.table import Table

    from cfeval.framework.loader import load_framework

    fw = load_framework(framework)
    table = Table(
        title=f"Framework {escape(framework)}: valid", show_header=False, title_justify="left"
    )
    table.add_column("what", style="bold")
    table.add_column("value")
    for what, value in framework_summary(fw):
        table.add_row(what, escape(value))
    _console().print(table)
    return fw


_ISSUES_SHOWN = 20


def _print_data_report(report) -> None:
    """Issue counts by code and severity, then the first lines of the report."""
    from collections import Counter

    from rich.markup import escape
    from rich.table import Table

    console = _console()
    if not report.issues:
        console.print("[green]data: no issues[/]")
        return
    counts = Counter((i.code, i.severity) for i in report.issues)
    colour = {"error": "red", "warning": "yellow", "info": "dim"}
    summary = Table(title="Data issues by code", title_justify="left")
    for name in ("code", "severity", "count"):
        summary.add_column(name, justify="right" if name == "count" else "left")
    for (code, severity), n in sorted(counts.items()):
        summary.add_row(code, f"[{colour[severity]}]{severity}[/]", str(n))
    console.print(summary)
    # One line per issue (file:row  column  code  message) reads better than a table in
    # a narrow terminal and can be pasted into a chat as is.
    for i in report.issues[:_ISSUES_SHOWN]:
        where = Path(i.file).name + ("" if i.row is None else f":{i.row}")
        column = f"  {i.column}" if i.column else ""
        value = f" = {i.value!r}" if i.value and i.code != "encoding" else ""
        console.print(
            f"{escape(where)}{escape(column)}{escape(value)}  "
            f"[{colour[i.severity]}]{i.code}[/]  {escape(i.message)}"
        )
    if len(report.issues) > _ISSUES_SHOWN:
        console.print(
            f"… and {len(report.issues) - _ISSUES_SHOWN} more (write them all with --out)"
        )
    excluded = sum(report.excluded_rows.values())
    if excluded:
        detail = ", ".join(f"{k} {v}" for k, v in sorted(report.excluded_rows.items()))
        console.print(f"rows excluded: {excluded} ({detail})")


@app.command()
def check(
    framework: FrameworkArg,
    survey: SurveyOpt = None,
    audit: AuditOpt = None,
    mapping: MappingOpt = None,
    sheet: SheetOpt = None,
    out: Annotated[
        Path | None, typer.Option("--out", "-o", help="Write every data issue to this CSV file.")
    ] = None,
) -> None:
    """Check a framework and, with --survey/--audit, the data against it.

    A refused framework prints every problem as `file:line:col  path  message` (exit 2).
    Data issues are summarised by code, the first lines shown, all written with --out;
    exit 1 when errors or warnings were found, 0 when the data are clean.
    """
    fw = check_framework(framework)
    if not survey and audit is None:
        return
    report = _load_data(fw, survey, audit, mapping, sheet).report
    _print_data_report(report)
    if out is not None:
        report.write_csv(out)
        typer.echo(f"wrote {out}")
    if report.has_problems:
        raise typer.Exit(1)


# --------------------------------------------------------------------------- schema


@app.command()
def schema(
    out: Annotated[
        Path | None,
        typer.Option("--out", "-o", help="Write the schema to this file instead of printing it."),
    ] = None,
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
    _write_atomic(out, text)
    typer.echo(f"wrote {out}", err=True)


# --------------------------------------------------------------------------- score

_SCORE_ROWS_SHOWN = 30


@app.command("score")
def score_cmd(
    framework: FrameworkArg,
    survey: SurveyOpt = None,
    audit: AuditOpt = None,
    mapping: MappingOpt = None,
    sheet: SheetOpt = None,
    out: Annotated[
        Path | None,
        typer.Option(
            "--out", "-o", help="Write the scores: .csv, .xlsx, .json or .parquet (by suffix)."
        ),
    ] = None,
    lang: LangOpt = None,
) -> None:
    """Score every community: print score ± 95% interval and grade, optionally write them.

    Exit code 1 when the data had problems (the scores are still computed and written).
    """
    from rich.markup import escape
    from rich.table import Table

    from cfeval.framework.loader import load_framework
    from cfeval.scoring.engine import score

    if out is not None and out.suffix.lower() not in {".csv", ".xlsx", ".json", ".parquet"}:
        raise UsageError(f"cannot write {out}: use a .csv, .xlsx, .json or .parquet file name")
    fw = load_framework(framework)
    result = score(fw, _load_data(fw, survey, audit, mapping, sheet))
    if out is not None:
        result.write(out)
    lang = lang or fw.languages[0]
    grades = {g.id: _text(g.label, lang) for g in fw.scoring.grades}
    com = result.communities
    table = Table(title=f"{_text(fw.title, lang)} — {len(com)} community × wave")
    for name in ("community", "wave", "score", "95% CI", "grade"):
        table.add_column(name, justify="right" if name in ("score", "95% CI") else "left")
    for rec in com.head(_SCORE_ROWS_SHOWN).itertuples(index=False):
        ci = "" if rec.ci_low != rec.ci_low else f"{rec.ci_low:.1f}–{rec.ci_high:.1f}"
        shown = "—" if rec.score != rec.score else f"{rec.score:.1f}"
        grade = grades.get(rec.grade, "") if rec.grade else "—"
        if rec.vetoed:
            grade += " (veto)"
        cells = (str(rec.community_id), str(rec.wave), shown, ci, grade)
        table.add_row(*map(escape, cells))
    console = _console()
    console.print(table)
    if len(com) > _SCORE_ROWS_SHOWN:
        console.print(f"… and {len(com) - _SCORE_ROWS_SHOWN} more (see the output file)")
    from collections import Counter

    issues = result.report.issues
    problems = Counter(i.code for i in issues if i.severity != "info")
    detail = ", ".join(f"{code} {n}" for code, n in sorted(problems.items()))
    count = sum(problems.values())
    console.print(f"data issues: {count}" + (f" ({escape(detail)})" if detail else ""))
    if out is not None:
        typer.echo(f"wrote {out}")
    if result.report.has_problems:
        raise typer.Exit(1)


# --------------------------------------------------------------------------- report, demo


def _progress(total: int, what: str):
    """A rich progress bar and the ``on_done(id, ok)`` callback that advances it."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    # No refresh thread (auto_refresh=False): worker processes are forked while the bar
    # is live, and forking a process that runs other threads invites deadlocks.
    progress = Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=_console(),
        transient=False,
        auto_refresh=False,
    )
    task = progress.add_task(what, total=total)

    def on_done(_id: str, _ok: bool) -> None:
        progress.advance(task)
        progress.refresh()

    return progress, on_done


def _print_failures(failed: dict[str, str]) -> None:
    from cfeval._safety import term

    for cid, message in failed.items():
        typer.echo(
            typer.style("failed: ", fg="red", bold=True) + f"{term(cid, 80)}: {term(message)}",
            err=True,
        )


def _print_renamed(written: dict[str, Path], lang: str) -> None:
    """Say which ids got a file name other than ``<id>_<lang>.pdf`` (unsafe or clashing ids)."""
    from cfeval._safety import term

    for cid, path in written.items():
        if path.name != f"{cid}_{lang}.pdf":
            typer.echo(f"  {term(cid, 80)} -> {path.name}")


@app.command()
def report(
    framework: FrameworkArg,
    survey: SurveyOpt = None,
    audit: AuditOpt = None,
    mapping: MappingOpt = None,
    sheet: SheetOpt = None,
    community: Annotated[
        list[str] | None,
        typer.Option("--community", help="Community id to report on (repeatable)."),
    ] = None,
    all_: Annotated[bool, typer.Option("--all", help="One report per community.")] = False,
    compare: Annotated[
        bool, typer.Option("--compare", help="The comparison report of all communities.")
    ] = False,
    out: Annotated[Path, typer.Option("--out", "-o", help="Folder for the PDFs.")] = Path(
        "reports"
    ),
    lang: Annotated[str, typer.Option("--lang", help="Report language: zh or en.")] = "zh",
    workers: Annotated[
        int | None, typer.Option("--workers", min=1, help="Worker processes (default: all cores).")
    ] = None,
    pdfa: Annotated[bool, typer.Option("--pdfa", help="Write PDF/A-3b for archiving.")] = False,
    date: Annotated[
        str | None,
        typer.Option("--date", help="Assessment date on the cover, YYYY-MM-DD (default: today)."),
    ] = None,
    wave: Annotated[
        str | None,
        typer.Option(
            "--wave",
            help="Wave to report (default: each community's latest; for --compare "
            "the wave with the most communities).",
        ),
    ] = None,
) -> None:
    """Write A4 PDF reports: one per community (--community / --all) or the comparison.

    Exit code 1 when a community's report could not be written (the others still are).
    """
    from cfeval.framework.loader import load_framework
    from cfeval.report.entry import check_options, render_batch, render_comparison
    from cfeval.scoring.engine import score

    if sum([bool(community), all_, compare]) != 1:
        raise UsageError("choose exactly one of --community ID, --all or --compare")
    fw = load_framework(framework)
    check_options(fw, lang, date)
    result = score(fw, _load_data(fw, survey, audit, mapping, sheet))
    if compare:
        path = render_comparison(
            result,
            out / f"comparison_{lang}.pdf",
            framework=fw,
            lang=lang,
            date=date,
            wave=wave,
            pdfa=pdfa,
        )
        typer.echo(f"wrote {path}")
        return
    known = sorted(result.communities["community_id"].unique())
    unknown = [c for c in community or [] if c not in known]
    if unknown:
        raise UsageError(
            f"no results for community {', '.join(unknown)}; known: {', '.join(known[:10])}"
            + (" ..." if len(known) > 10 else "")
        )
    ids = community if community else known
    progress, on_done = _progress(len(ids), "reports")
    with progress:
        outcome = render_batch(
            result,
            out,
            ids,
            framework=fw,
            lang=lang,
            date=date,
            wave=wave,
            pdfa=pdfa,
            workers=workers,
            on_done=on_done,
        )
    typer.echo(f"wrote {len(outcome.written)} report(s) to {out}")
    _print_renamed(outcome.written, lang)
    if outcome.failed:
        _print_failures(outcome.failed)
        raise typer.Exit(1)


@app.command()
def demo(
    out: Annotated[Path, typer.Option("--out", "-o", help="Folder for the demo PDFs.")] = Path(
        "cfeval-demo"
    ),
    lang: Annotated[str, typer.Option("--lang", help="Report language: zh or en.")] = "zh",
    workers: Annotated[
        int | None, typer.Option("--workers", min=1, help="Worker processes (default: all cores).")
    ] = None,
) -> None:
    """Score the shipped sample data (Chengdu framework) and write example PDF reports.

    Three communities with different grades and the comparison report, in OUT.
    """
    from cfeval.report.entry import check_options, run_demo

    check_options(None, lang)
    progress, on_done = _progress(4, "demo reports")
    with progress:
        outcome = run_demo(out, lang=lang, workers=workers, on_done=on_done)
    for cid, path in outcome.batch.written.items():
        typer.echo(f"  {cid}: {path}")
    typer.echo(f"  comparison: {outcome.comparison}")
    typer.echo(f"Demo reports are in {out.resolve()}")
    if outcome.batch.failed:
        _print_failures(outcome.batch.failed)
        raise typer.Exit(1)
