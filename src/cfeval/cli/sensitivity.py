"""``cfeval sensitivity``: over :func:`cfeval.sensitivity` (rank intervals and sensitivity
indices of a composite index), writing its tables and the rank-interval chart."""

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

__all__ = ["sensitivity"]

_ROWS_SHOWN = 20


def sensitivity(
    framework: FrameworkArg,
    survey: SurveyOpt = None,
    audit: AuditOpt = None,
    mapping: MappingOpt = None,
    sheet: SheetOpt = None,
    out: Annotated[
        Path,
        typer.Option(
            "--out",
            "-o",
            metavar="DIR",
            help=N_("Folder for ranks.csv, indices.csv, sensitivity.xlsx and rank_intervals.png."),
        ),
    ] = ...,
    runs: Annotated[
        int | None,
        typer.Option(
            "--runs",
            min=10,
            help=N_("Model runs (default: the framework's index.sensitivity.runs)."),
        ),
    ] = None,
    seed: Annotated[
        int, typer.Option("--seed", help=N_("Random seed: the same seed gives the same results."))
    ] = 2024,
    bootstrap: Annotated[
        int,
        typer.Option(
            "--bootstrap", min=0, help=N_("Bootstrap replicates of the sensitivity indices.")
        ),
    ] = 1000,
    lang: LangOpt = None,
) -> None:
    """Rank intervals and sensitivity indices of a composite index (a framework with an
    `index` block): the index recomputed while weights, methods and the surveys' sampling
    error vary as `index.sensitivity` says.

    Exit code 1 when the data had problems (the analysis still runs).
    """
    from cfeval.framework.loader import load_framework
    from cfeval.report.sensitivity_chart import write_rank_intervals
    from cfeval.results.sensitivity import sensitivity as analyse
    from cfeval.scoring.engine import score

    w = cli_words()
    if not out.is_dir():
        raise UsageError(w("folder {folder!r} does not exist", folder=str(out)))
    fw = load_framework(framework)
    data = read_data(fw, survey, audit, mapping, sheet)
    result = analyse(
        result=score(fw, data),
        runs=runs,
        seed=seed,
        bootstrap=bootstrap,
        progress=True,
        lang=cli_lang(),
    )
    written = result.write(out)
    written.append(write_rank_intervals(result.ranks, out / "rank_intervals.png", lang=cli_lang()))
    _print(result)
    for path in written:
        typer.echo(w("wrote {path}", path=path))
    if data.report.has_problems:
        raise typer.Exit(1)


def _print(result) -> None:
    from rich.markup import escape
    from rich.table import Table

    from cfeval._safety import term

    w = cli_words()
    table = Table(title=w("Ranks over {runs} runs", runs=result.settings["runs"]))
    for head in (
        w("Community"),
        w("Wave"),
        w("Rank"),
        w("Median rank"),
        w("5th to 95th percentile"),
        w("Keeps its grade"),
    ):
        table.add_column(head)
    for r in result.ranks.head(_ROWS_SHOWN).itertuples(index=False):
        table.add_row(
            escape(term(str(r.community_id))),
            escape(term(str(r.wave))),
            _int(r.nominal_rank),
            _num(r.median_rank, 1),
            f"{_num(r.rank_q05, 1)} – {_num(r.rank_q95, 1)}",
            "" if r.grade_kept != r.grade_kept else w.percent(r.grade_kept),
        )
    console().print(table)
    idx = Table(title=w("Sensitivity indices (mean absolute rank change)"))
    for head in (w("Input"), w("First-order effect"), w("Total effect")):
        idx.add_column(head)
    for r in result.indices.itertuples(index=False):
        idx.add_row(r.input, _num(r.first_order, 3), _num(r.total, 3))
    console().print(idx)


def _num(x, digits: int) -> str:
    return "" if x != x else cli_words().number(float(x), digits)


def _int(x) -> str:
    return "" if x != x else str(int(x))
