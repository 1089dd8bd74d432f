"""``cfeval score``: over :func:`cfeval.score` (and :meth:`cfeval.ScoreResult.write`); with
``--scheduler`` or ``--shard-rows``, over :func:`cfeval.score_partitioned`."""

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
from cfeval.cli.language import cli_words
from cfeval.errors import UsageError
from cfeval.i18n import N_

__all__ = ["score"]

_ROWS_SHOWN = 30
_FORMATS = (".csv", ".xlsx", ".json", ".parquet")


def score(
    framework: FrameworkArg,
    survey: SurveyOpt = None,
    audit: AuditOpt = None,
    mapping: MappingOpt = None,
    sheet: SheetOpt = None,
    proposals: ProposalsOpt = None,
    out: Annotated[
        Path | None,
        typer.Option(
            "--out", "-o", help=N_("Write the scores: .csv, .xlsx, .json or .parquet (by suffix).")
        ),
    ] = None,
    lang: LangOpt = None,
    show_small_groups: SmallGroupsOpt = False,
    city: CityOpt = None,
    district: DistrictOpt = None,
    community: CommunityOpt = None,
    scheduler: SchedulerOpt = None,
    shard_rows: Annotated[
        int | None,
        typer.Option(
            "--shard-rows",
            metavar="N",
            min=1,
            help=N_(
                "Score Parquet surveys larger than memory in shards of about N rows "
                "(same scores; peak memory is one shard's)."
            ),
        ),
    ] = None,
) -> None:
    """Score every community: print score, interval and grade, optionally write them.

    The interval's level is the framework's `scoring.ci_level` (0.95 unless it says
    otherwise). With --scheduler (or $CFEVAL_SCHEDULER) the communities are scored on a
    Dask cluster, with --shard-rows a shard at a time: the same scores either way. Exit
    code 1 when the data had problems (the scores are still computed and written).
    """
    from cfeval._cluster import scheduler_address
    from cfeval._threads import preload
    from cfeval.framework.loader import load_framework

    # What the data stage and the engine import, loaded while the framework is read.
    preload("pandas", "pyarrow.parquet", "scipy.special")
    w = cli_words()
    if out is not None and out.suffix.lower() not in _FORMATS:
        raise UsageError(
            w("cannot write {path}: use a .csv, .xlsx, .json or .parquet file name", path=out)
        )
    fw = load_framework(framework)
    if shard_rows is not None or scheduler_address(scheduler) is not None:
        from cfeval.scoring.partitioned import SHARD_ROWS, score_partitioned

        if not survey:
            raise UsageError(w("give the data: --survey FILE and/or --audit FILE"))
        if proposals is not None:
            raise UsageError(w("--proposals cannot be combined with --shard-rows or --scheduler"))
        result = score_partitioned(
            fw, survey, audit, mapping=mapping, shard_rows=shard_rows or SHARD_ROWS,
            scheduler=scheduler, show_small_groups=show_small_groups,
        )  # fmt: skip
    else:
        data = read_data(fw, survey, audit, mapping, sheet, proposals)
        from cfeval.scoring.engine import score as score_data  # after: see preload above

        result = score_data(fw, data, show_small_groups=show_small_groups)
    if city or district or community:
        from cfeval.results.selection import restrict

        result = restrict(result, chosen_communities(result, city, district, community))
    if out is not None:
        result.write(out)
    _print_scores(fw, result)
    if out is not None:
        typer.echo(w("wrote {path}", path=out))
    if result.report.has_problems:
        raise typer.Exit(1)


def _print_scores(fw, result) -> None:
    from collections import Counter

    from rich.markup import escape
    from rich.table import Table

    from cfeval._safety import term

    w = cli_words()
    grades = {g.id: w.label(g.label) for g in fw.scoring.grades}
    com = result.communities
    title = w.n(
        "{title} — {n} community × wave",
        "{title} — {n} communities × waves",
        len(com),
        title=w.label(fw.title),
    )
    table = Table(title=escape(title))
    table.add_column(w("community"))
    table.add_column(w("wave"))
    table.add_column(w("score"), justify="right")
    table.add_column(w("{level} CI", level=w.percent(fw.scoring.ci_level)), justify="right")
    table.add_column(w("grade"))
    for rec in com.head(_ROWS_SHOWN).itertuples(index=False):
        ci = "" if rec.ci_low != rec.ci_low else f"{w.score(rec.ci_low)}–{w.score(rec.ci_high)}"
        shown = w.score(rec.score)
        grade = grades.get(rec.grade, "") if rec.grade else "—"
        if rec.vetoed:
            grade += " " + w("(veto)")
        # Too little of the framework had data for a final grade (scoring.min_coverage_for_grade).
        status = getattr(rec, "grade_status", "final")
        if status == "provisional":
            grade += " " + w("(provisional: coverage {coverage})", coverage=w.percent(rec.coverage))
        elif status == "withheld":
            grade = "— " + w("(withheld: coverage {coverage})", coverage=w.percent(rec.coverage))
        # Ids come from data: escape sequences are shown, not sent to the terminal.
        cells = (term(rec.community_id, 80), term(rec.wave, 80), shown, ci, grade)
        table.add_row(*map(escape, cells))
    out = console()
    out.print(table)
    if len(com) > _ROWS_SHOWN:
        out.print(escape(w("… and {n} more (see the output file)", n=len(com) - _ROWS_SHOWN)))
    _print_sources(out, result, w)
    problems = Counter(i.code for i in result.report.issues if i.severity != "info")
    detail = ", ".join(f"{code} {n}" for code, n in sorted(problems.items()))
    line = w("data issues: {n}", n=sum(problems.values()))
    out.print(escape(line + (f" ({detail})" if detail else "")))


def _print_sources(out, result, w) -> None:
    """With a proposal log: how many communities × waves its indicators were computed from
    (the others used the audit sheet; the notes say which, per community)."""
    from rich.markup import escape

    from cfeval.scoring.proposal_source import SOURCE_AUDIT

    notes = result.notes
    sources = notes[notes["kind"] == "source"] if len(notes) else notes
    if len(sources) == 0:
        return
    audit = w(SOURCE_AUDIT)
    from_log = sources[sources["message"] != audit][["community_id", "wave"]].drop_duplicates()
    units = sources[["community_id", "wave"]].drop_duplicates()
    line = w(
        "proposal log: used for {n} of {total} communities × waves (the others: audit sheet)",
        n=len(from_log),
        total=len(units),
    )
    out.print(escape(line))
