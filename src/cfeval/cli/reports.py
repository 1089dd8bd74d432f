"""``cfeval report``: over :func:`cfeval.render_batch` (one PDF per community) and
:func:`cfeval.render_comparison`; ``cfeval demo``: over :func:`cfeval.run_demo`."""

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
    SchedulerOpt,
    SheetOpt,
    SmallGroupsOpt,
    SurveyOpt,
    console,
    read_data,
)
from cfeval.cli.language import cli_lang, cli_words
from cfeval.errors import UsageError
from cfeval.i18n import N_

__all__ = ["demo", "report"]

WorkersOpt = Annotated[
    int | None,
    typer.Option("--workers", min=1, help=N_("Worker processes (default: all cores).")),
]
SharedOpt = Annotated[
    bool,
    typer.Option(
        "--shared",
        help=N_(
            "With --scheduler: OUT is a folder every Dask worker can write to (shared "
            "storage), so the workers write the PDFs there instead of sending them back."
        ),
    ),
]


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
        console=console(),
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

    w = cli_words()
    label = typer.style(w("failed: "), fg="red", bold=True)
    for cid, message in failed.items():
        typer.echo(f"{label}{term(cid, 80)}: {term(message)}", err=True)


def _print_renamed(written: dict[str, Path], lang: str) -> None:
    """Say which ids got a file name other than ``<id>_<lang>.pdf`` (unsafe or clashing ids)."""
    from cfeval._safety import term

    for cid, path in written.items():
        if path.name != f"{cid}_{lang}.pdf":
            typer.echo(f"  {term(cid, 80)} -> {path.name}")


def _chosen(result, community: list[str] | None) -> list[str]:
    """The communities asked for (all when none), each one known to the results."""
    w = cli_words()
    known = sorted(result.communities["community_id"].unique())
    unknown = [c for c in community or [] if c not in known]
    if unknown:
        raise UsageError(
            w(
                "no results for community {ids}; known: {known}",
                ids=", ".join(unknown),
                known=", ".join(known[:10]) + (" ..." if len(known) > 10 else ""),
            )
        )
    return list(community) if community else known


def _cluster_options(scheduler: str | None, shared: bool) -> str | None:
    """The scheduler address (checked before any data is read) and --shared's condition."""
    from cfeval._cluster import scheduler_address

    address = scheduler_address(scheduler)
    if shared and address is None:
        raise UsageError(cli_words()("--shared needs --scheduler (or CFEVAL_SCHEDULER)"))
    return address


def report(
    framework: FrameworkArg,
    survey: SurveyOpt = None,
    audit: AuditOpt = None,
    mapping: MappingOpt = None,
    sheet: SheetOpt = None,
    proposals: ProposalsOpt = None,
    community: Annotated[
        list[str] | None,
        typer.Option("--community", help=N_("Community id to report on (repeatable).")),
    ] = None,
    all_: Annotated[bool, typer.Option("--all", help=N_("One report per community."))] = False,
    compare: Annotated[
        bool, typer.Option("--compare", help=N_("The comparison report of all communities."))
    ] = False,
    out: Annotated[Path, typer.Option("--out", "-o", help=N_("Folder for the PDFs."))] = Path(
        "reports"
    ),
    lang: LangOpt = None,
    workers: WorkersOpt = None,
    pdfa: Annotated[bool, typer.Option("--pdfa", help=N_("Write PDF/A-3b for archiving."))] = False,
    date: Annotated[
        str | None,
        typer.Option(
            "--date", help=N_("Assessment date on the cover, YYYY-MM-DD (default: today).")
        ),
    ] = None,
    wave: Annotated[
        str | None,
        typer.Option(
            "--wave",
            help=N_(
                "Wave to report (default: each community's latest; for --compare "
                "the wave with the most communities)."
            ),
        ),
    ] = None,
    show_small_groups: SmallGroupsOpt = False,
    edition: Annotated[
        str,
        typer.Option(
            "--edition",
            metavar="adults|children",
            help=N_(
                "adults: the full report; children: 2-4 pages for the children themselves "
                "(pictures and plain words, no scores)."
            ),
        ),
    ] = "adults",
    scheduler: SchedulerOpt = None,
    shared: SharedOpt = False,
) -> None:
    """Write A4 PDF reports: one per community (--community / --all) or the comparison.

    Exit code 1 when a community's report could not be written (the others still are).
    """
    from cfeval.framework.loader import load_framework
    from cfeval.report.entry import EDITIONS, check_options, render_batch, render_comparison
    from cfeval.scoring.engine import score

    w, lang = cli_words(), cli_lang()
    if sum([bool(community), all_, compare]) != 1:
        raise UsageError(w("choose exactly one of --community ID, --all or --compare"))
    if edition not in EDITIONS or (compare and edition != "adults"):
        raise UsageError(
            w("--edition is adults or children (and --compare has only the adults' edition)")
        )
    fw = load_framework(framework)
    check_options(fw, lang, date)
    scheduler = _cluster_options(scheduler, shared)
    data = read_data(fw, survey, audit, mapping, sheet, proposals)
    if proposals is not None:
        _print_log_issues(data.report, proposals)
    result = score(fw, data, show_small_groups=show_small_groups)
    options = {"framework": fw, "lang": lang, "date": date, "wave": wave, "pdfa": pdfa}
    if compare:
        path = render_comparison(result, out / f"comparison_{lang}.pdf", **options)
        typer.echo(w("wrote {path}", path=path))
        return
    ids = _chosen(result, community)
    progress, on_done = _progress(len(ids), w("reports"))
    with progress:
        outcome = render_batch(
            result, out, ids, workers=workers, on_done=on_done, reliability=_scales(fw, data),
            edition=edition, scheduler=scheduler, shared=shared, **options,
        )  # fmt: skip
    typer.echo(w("wrote {n} report(s) to {folder}", n=len(outcome.written), folder=out))
    _print_renamed(outcome.written, lang)
    if outcome.failed:
        _print_failures(outcome.failed)
        raise typer.Exit(1)


def demo(
    out: Annotated[Path, typer.Option("--out", "-o", help=N_("Folder for the demo PDFs."))] = Path(
        "cfeval-demo"
    ),
    lang: LangOpt = None,
    workers: WorkersOpt = None,
) -> None:
    """Score the shipped sample data (Chengdu framework) and write example PDF reports.

    Three communities with different grades and the comparison report, in OUT.
    """
    from cfeval.report.entry import run_demo

    w = cli_words()
    progress, on_done = _progress(5, w("demo reports"))
    with progress:
        outcome = run_demo(out, lang=cli_lang(), workers=workers, on_done=on_done)
    for cid, path in outcome.batch.written.items():
        typer.echo(f"  {cid}: {path}")
    typer.echo("  " + w("comparison: {path}", path=outcome.comparison))
    typer.echo("  " + w("children's edition: {path}", path=outcome.children))
    typer.echo(w("Demo reports are in {folder}", folder=out.resolve()))
    if outcome.batch.failed:
        _print_failures(outcome.batch.failed)
        raise typer.Exit(1)


def _print_log_issues(report, log) -> None:
    """The proposal log's problems, row by row, as `cfeval check` prints them: the
    "You said, we did" pages show only the rows that could be used."""
    import dataclasses
    from collections import Counter

    from cfeval.cli.check import print_data_report

    mine = [i for i in report.issues if i.file == str(log)]
    print_data_report(dataclasses.replace(report, issues=mine, files=[], excluded_rows=Counter()))


def _scales(fw, data):
    """Reliability of the survey scales for the method appendix (no bootstrap: only the
    coefficients are shown); None without survey data."""
    if data.survey is None or data.survey.empty:
        return None
    from cfeval.results.reliability import reliability

    return reliability(fw, data, n_boot=0).scales
