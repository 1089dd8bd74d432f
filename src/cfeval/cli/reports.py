"""``cfeval report``: over :func:`cfeval.render_batch` (one PDF per community) and
:func:`cfeval.render_comparison`; ``cfeval demo``: over :func:`cfeval.run_demo`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from cfeval.cli.common import (
    AuditOpt,
    CityOpt,
    CommunityOpt,
    DistrictOpt,
    FrameworkArg,
    LangOpt,
    MappingOpt,
    ProposalsOpt,
    SchedulerOpt,
    SheetOpt,
    SmallGroupsOpt,
    SurveyOpt,
    chosen_communities,
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


SettingsOpt = Annotated[
    Path | None,
    typer.Option(
        "--settings",
        metavar="FILE",
        help=N_(
            "Report settings YAML: issuing body, report number pattern, date of issue, "
            "signatures, logo or seal, footer, confidentiality line."
        ),
    ),
]


def _cluster_options(scheduler: str | None, shared: bool) -> str | None:
    """The scheduler address (checked before any data is read) and --shared's condition."""
    from cfeval._cluster import scheduler_address

    address = scheduler_address(scheduler)
    if shared and address is None:
        raise UsageError(cli_words()("--shared needs --scheduler (or CFEVAL_SCHEDULER)"))
    return address


AllOpt = Annotated[
    bool, typer.Option("--all", help=N_("One report per community (of those chosen)."))
]

CompareOpt = Annotated[
    bool,
    typer.Option("--compare", help=N_("The comparison report of the communities chosen.")),
]

BookletOpt = Annotated[
    bool,
    typer.Option(
        "--booklet",
        help=N_(
            "Also one booklet PDF: cover, contents, the comparison, every report "
            "(implies --all --compare)."
        ),
    ),
]

OutDirOpt = Annotated[Path, typer.Option("--out", "-o", help=N_("Folder for the PDFs."))]

PdfaOpt = Annotated[bool, typer.Option("--pdfa", help=N_("Write PDF/A-3b for archiving."))]

DateOpt = Annotated[
    str | None,
    typer.Option("--date", help=N_("Assessment date on the cover, YYYY-MM-DD (default: today).")),
]

WaveOpt = Annotated[
    str | None,
    typer.Option(
        "--wave",
        help=N_(
            "Wave to report (default: each community's latest; for --compare "
            "the wave with the most communities)."
        ),
    ),
]

EditionOpt = Annotated[
    str,
    typer.Option(
        "--edition",
        metavar="adults|children",
        help=N_(
            "adults: the full report; children: 2-4 pages for the children themselves "
            "(pictures and plain words, no scores)."
        ),
    ),
]

RankIntervalsOpt = Annotated[
    bool,
    typer.Option(
        "--rank-intervals",
        help=N_(
            "With --compare: the comparison PDF shows each community's rank interval and the choices "
            "that move the ranking (frameworks with an index block; runs as `cfeval sensitivity`)."
        ),
    ),
]


def report(
    framework: FrameworkArg,
    survey: SurveyOpt = None,
    audit: AuditOpt = None,
    mapping: MappingOpt = None,
    sheet: SheetOpt = None,
    proposals: ProposalsOpt = None,
    community: CommunityOpt = None,
    city: CityOpt = None,
    district: DistrictOpt = None,
    all_: AllOpt = False,
    compare: CompareOpt = False,
    booklet: BookletOpt = False,
    settings: SettingsOpt = None,
    out: OutDirOpt = Path("reports"),
    lang: LangOpt = None,
    workers: WorkersOpt = None,
    pdfa: PdfaOpt = False,
    date: DateOpt = None,
    wave: WaveOpt = None,
    show_small_groups: SmallGroupsOpt = False,
    edition: EditionOpt = "adults",
    scheduler: SchedulerOpt = None,
    shared: SharedOpt = False,
    rank_intervals: RankIntervalsOpt = False,
) -> None:
    """Write A4 PDF reports: one per community chosen, the comparison, a booklet.

    Choose communities with --city, --district and --community (id or name), or --all.
    Reports with --compare or --booklet also write manifest.csv and manifest.json (file,
    community, grade, pages, SHA-256). Exit code 1 when a community's report could not be
    written (the others still are), 130 when interrupted.
    """
    from cfeval.framework.loader import load_framework
    from cfeval.report.entry import check_options, render_comparison

    w, lang = cli_words(), cli_lang()
    _check_choices(bool(community or city or district), all_, compare, booklet, edition,
                   rank_intervals)  # fmt: skip
    report_settings = _settings(settings)  # a bad settings file or logo stops here
    fw = load_framework(framework)
    check_options(fw, lang, date)
    scheduler = _cluster_options(scheduler, shared)
    result, scales = _scored(fw, survey, audit, mapping, sheet, proposals, show_small_groups)
    ids = chosen_communities(result, city, district, community)
    analysis = _rank_intervals(result, lang) if rank_intervals else None
    options = {"framework": fw, "lang": lang, "date": date, "wave": wave, "pdfa": pdfa,
               "settings": report_settings}  # fmt: skip
    if compare and not (all_ or booklet):
        path = render_comparison(
            result,
            out / f"comparison_{lang}.pdf",
            community_ids=ids,
            sensitivity=analysis,
            **options,
        )
        typer.echo(w("wrote {path}", path=path))
        return
    _district(
        result, out, ids, options, workers, scales, compare or booklet, booklet, edition,
        scheduler, shared, analysis,
    )  # fmt: skip


def _check_choices(
    selection: bool, all_: bool, compare: bool, booklet: bool, edition: str, rank_intervals: bool
) -> None:
    """Refuse option combinations that ask for nothing or for what cannot be written."""
    from cfeval.report.entry import EDITIONS

    w = cli_words()
    if not (selection or all_ or compare or booklet):
        raise UsageError(
            w("choose what to write: --all, --compare, --booklet, or --community/--city/--district")
        )
    if edition not in EDITIONS or ((compare or booklet) and edition != "adults"):
        raise UsageError(
            w("--edition is adults or children (and --compare has only the adults' edition)")
        )
    if rank_intervals and not (compare or booklet):
        raise UsageError(w("--rank-intervals goes with --compare"))


def _rank_intervals(result, lang: str):
    """The sensitivity analysis the comparison's rank intervals come from (the framework's
    ``index.sensitivity`` settings, seeded as ``cfeval sensitivity`` is)."""
    from cfeval.results.sensitivity import sensitivity as analyse

    return analyse(result=result, progress=True, lang=lang)


def _settings(path: Path | None):
    if path is None:
        return None
    from cfeval.report.settings import load_settings

    return load_settings(path)


def _scored(fw, survey, audit, mapping, sheet, proposals, show_small_groups):
    from cfeval._threads import preload

    preload("scipy.special")  # the engine's t quantiles, imported while the data are read
    data = read_data(fw, survey, audit, mapping, sheet, proposals)
    from cfeval.scoring.engine import score

    if proposals is not None:
        _print_log_issues(data.report, proposals)
    return score(fw, data, show_small_groups=show_small_groups), _scales(fw, data)


def _district(
    result, out: Path, ids, options, workers, scales, compare: bool, booklet: bool, edition: str,
    scheduler=None, shared: bool = False, analysis=None,
) -> None:  # fmt: skip
    """Reports for ``ids`` (and the comparison, booklet and manifest when asked)."""
    from cfeval.report.booklet import render_district
    from cfeval.report.entry import render_batch

    w, lang = cli_words(), options["lang"]
    progress, on_done = _progress(len(ids), w("reports"))
    with progress:
        if compare:
            done = render_district(
                result, out, ids, workers=workers, on_done=on_done,
                reliability=scales, booklet=booklet, scheduler=scheduler, shared=shared,
                sensitivity=analysis, **options,
            )  # fmt: skip
            outcome = done.batch
        else:
            outcome = render_batch(
                result, out, ids, workers=workers, on_done=on_done,
                reliability=scales, edition=edition, scheduler=scheduler, shared=shared,
                **options,
            )  # fmt: skip
    typer.echo(w("wrote {n} report(s) to {folder}", n=len(outcome.written), folder=out))
    _print_renamed(outcome.written, lang)
    if compare:
        for path in [done.comparison, done.booklet, *done.manifest]:
            if path is not None:
                typer.echo("  " + w("wrote {path}", path=path))
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
