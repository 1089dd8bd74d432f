"""Research commands: ``cfeval compare`` (over :func:`cfeval.wave_changes`), ``cfeval
reliability`` (:func:`cfeval.reliability`), ``cfeval breakdown`` (:func:`cfeval.breakdown`)
and ``cfeval export`` (:func:`cfeval.write_analysis` / :func:`cfeval.write_microdata`)."""

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
    SheetOpt,
    SurveyOpt,
    chosen_communities,
    console,
    read_data,
)
from cfeval.cli.language import cli_lang, cli_words
from cfeval.errors import UsageError
from cfeval.i18n import N_

__all__ = ["breakdown", "compare", "export", "reliability"]

_ROWS_SHOWN = 30
_TABLES = (".csv", ".xlsx")
_LABELLED = (".dta", ".sav")


def _check_out(out: Path | None, allowed: tuple[str, ...]) -> None:
    if out is not None and out.suffix.lower() not in allowed:
        w = cli_words()
        raise UsageError(
            w(
                "cannot write {path}: use a file name ending in {suffixes}",
                path=out,
                suffixes=", ".join(allowed),
            )  # fmt: skip
        )


def _write(frame, out: Path, fw, name: str) -> list[Path]:
    """A table by suffix: .csv/.xlsx as it is, .dta/.sav with labels."""
    if out.suffix.lower() in _LABELLED:
        from cfeval.results.analysis_export import write_analysis

        return write_analysis(frame, out, framework=fw, lang=cli_lang())
    from cfeval.results.tabular import write_tables

    return write_tables({name: frame}, out)


def _finish(written: list[Path], report) -> None:
    w = cli_words()
    for path in written:
        typer.echo(w("wrote {path}", path=path))
    if report is not None and report.has_problems:
        raise typer.Exit(1)


OutOpt = Annotated[
    Path | None,
    typer.Option("--out", "-o", help=N_("Write the table: .csv, .xlsx, .dta or .sav (by suffix).")),
]


def compare(
    framework: FrameworkArg,
    survey: SurveyOpt = None,
    audit: AuditOpt = None,
    mapping: MappingOpt = None,
    sheet: SheetOpt = None,
    waves: Annotated[
        tuple[str, str] | None,
        typer.Option(
            "--waves",
            metavar="FROM TO",
            help=N_("The two waves to compare (default: the two latest)."),
        ),
    ] = None,
    out: OutOpt = None,
    lang: LangOpt = None,
    city: CityOpt = None,
    district: DistrictOpt = None,
    community: CommunityOpt = None,
) -> None:
    """Change of every community between two waves, with an interval for each change.

    A change is called an improvement or a decline only when its whole interval lies
    above or below zero. Exit code 1 when the data had problems.
    """
    from cfeval.framework.loader import load_framework
    from cfeval.results.waves import wave_changes
    from cfeval.scoring.engine import score

    _check_out(out, _TABLES + _LABELLED)
    fw = load_framework(framework)
    data = read_data(fw, survey, audit, mapping, sheet)
    result = score(fw, data)
    if city or district or community:
        from cfeval.results.selection import restrict

        result = restrict(result, chosen_communities(result, city, district, community))
    changes = wave_changes(result, waves)
    written = _write(changes, out, fw, "changes") if out is not None else []
    _print_changes(fw, changes)
    _finish(written, data.report)


def _print_changes(fw, changes) -> None:
    from rich.markup import escape
    from rich.table import Table

    from cfeval.results.waves import CHANGE_CLASSES

    w = cli_words()
    totals = changes[changes["kind"] == "total"]
    first = totals.iloc[0]
    table = Table(
        title=escape(
            w("Change from wave {old} to wave {new}", old=first["wave_from"], new=first["wave_to"])
        )
    )
    table.add_column(w("community"))
    for head in (
        w("wave {wave}", wave=first["wave_from"]),
        w("wave {wave}", wave=first["wave_to"]),
    ):
        table.add_column(escape(head), justify="right")
    table.add_column(w("change"), justify="right")
    table.add_column(w("{level} CI", level=w.percent(fw.scoring.ci_level)), justify="right")
    table.add_column(w("reading"))
    for _, r in totals.head(_ROWS_SHOWN).iterrows():
        if r["basis"] == "exact":  # audit values only: a recorded fact, no sampling error
            ci = w("exact (audit)")
        elif r["ci_low"] != r["ci_low"]:
            ci = "—"
        else:
            ci = f"{w.score(r['ci_low'])} – {w.score(r['ci_high'])}"

        cells = (
            str(r["community_id"]), w.score(r["score_from"]), w.score(r["score_to"]),
            w.score(r["change"]), ci, w(CHANGE_CLASSES[r["change_class"]]),
        )  # fmt: skip
        table.add_row(*map(escape, cells))
    out = console()
    out.print(table)
    if len(totals) > _ROWS_SHOWN:
        out.print(escape(w("… and {n} more (see the output file)", n=len(totals) - _ROWS_SHOWN)))
    if bool(first["version_changed"]):
        out.print(escape(w("note: the framework version changed between the waves")))


def reliability(
    framework: FrameworkArg,
    survey: SurveyOpt = None,
    mapping: MappingOpt = None,
    sheet: SheetOpt = None,
    by: Annotated[
        str | None,
        typer.Option(
            "--by",
            metavar="COLUMN",
            help=N_("Compute separately for each value of this survey column (e.g. wave)."),
        ),
    ] = None,
    boot: Annotated[
        int,
        typer.Option(
            "--boot", min=0, help=N_("Bootstrap resamples for the interval of omega (0: none).")
        ),
    ] = 1000,
    seed: Annotated[int, typer.Option("--seed", help=N_("Random seed."))] = 2024,
    out: Annotated[
        Path | None,
        typer.Option("--out", "-o", help=N_("Write the tables: .xlsx, or .csv (items beside it).")),
    ] = None,
    lang: LangOpt = None,
) -> None:
    """Reliability of every multi-item survey scale: Cronbach's alpha and McDonald's omega.

    Intervals at the framework's level; scales below 0.7 are marked. Exit code 1 when
    the data had problems.
    """
    from cfeval.framework.loader import load_framework
    from cfeval.results.reliability import reliability as compute

    _check_out(out, _TABLES)
    fw = load_framework(framework)
    data = read_data(fw, survey, None, mapping, sheet)
    rel = compute(fw, data, by=by, n_boot=boot, seed=seed)
    written = rel.write(out) if out is not None else []
    _print_reliability(fw, rel, by)
    _finish(written, data.report)


def _print_reliability(fw, rel, by) -> None:
    from rich.markup import escape
    from rich.table import Table

    from cfeval.results.reliability import RELIABILITY_STATUS

    w = cli_words()
    level = w.percent(fw.scoring.ci_level)
    table = Table(title=escape(w("Reliability of the survey scales")))
    if by:
        table.add_column(escape(by))
    for head in (w("indicator"), w("group"), w("items"), w("n")):
        table.add_column(head)
    table.add_column(w("alpha ({level} CI)", level=level), justify="right")
    table.add_column(w("omega ({level} CI)", level=level), justify="right")
    groups = {k: w.label(r.label) for k, r in fw.respondents.items()}

    def coef(v, lo, hi) -> str:
        if v != v:
            return "—"
        ci = "" if lo != lo else f" ({w.number(lo, 2)}–{w.number(hi, 2)})"
        return w.number(v, 3) + ci + (" *" if v < 0.7 else "")

    for _, r in rel.scales.iterrows():
        cells = [str(r[by])] if by else []
        cells += [str(r["indicator"]), groups.get(r["respondent"], r["respondent"]),
                  str(r["k"]), str(r["n"])]  # fmt: skip
        if r["status"] == "ok":
            cells += [coef(r["alpha"], r["alpha_ci_low"], r["alpha_ci_high"]),
                      coef(r["omega"], r["omega_ci_low"], r["omega_ci_high"])]  # fmt: skip
        else:
            cells += [w(RELIABILITY_STATUS[r["status"]]), ""]
        table.add_row(*map(escape, cells))
    out = console()
    out.print(table)
    out.print(
        escape(
            w("* below 0.7: {n} of {total} scales", n=len(rel.below(0.7)), total=len(rel.scales))
        )
    )


def breakdown(
    framework: FrameworkArg,
    survey: SurveyOpt = None,
    mapping: MappingOpt = None,
    sheet: SheetOpt = None,
    by: Annotated[
        str,
        typer.Option(
            "--by",
            metavar="COLUMN",
            help=N_("The respondent column to break down by (gender, age, district ...)."),
        ),
    ] = "gender",
    bins: Annotated[
        str | None,
        typer.Option(
            "--bins",
            metavar="EDGES",
            help=N_("Cut a numeric column into bands at these edges, e.g. 6,10,13,18."),
        ),
    ] = None,
    out: OutOpt = None,
    lang: LangOpt = None,
) -> None:
    """Survey indicators by a respondent column, with intervals; small cells are hidden.

    A cell with fewer respondents than its group's min_n is not shown, and neither is a
    second cell when only one would be hidden (so it cannot be worked out from the total).
    Exit code 1 when the data had problems.
    """
    from cfeval.framework.loader import load_framework
    from cfeval.results.breakdowns import breakdown as compute

    w = cli_words()
    _check_out(out, _TABLES + _LABELLED)
    edges = None
    if bins:
        try:
            edges = [float(x) for x in bins.split(",")]
        except ValueError:
            raise UsageError(
                w("--bins needs numbers separated by commas, not {value!r}", value=bins)
            ) from None
    fw = load_framework(framework)
    data = read_data(fw, survey, None, mapping, sheet)
    result = compute(fw, data, by, bins=edges)
    written = _write(result.table, out, fw, "breakdown") if out is not None else []
    t = result.table
    cells = t[~t["is_total"]]
    console().print(
        w(
            "{cells} cells by {by}: {shown} shown, {small} hidden as too small, {extra} hidden so that they cannot be worked out",
            cells=len(cells),
            by=by,
            shown=int((~cells["suppressed"]).sum()),
            small=int((cells["suppression"] == "small_cell").sum()),
            extra=int((cells["suppression"] == "complementary").sum()),
        ),  # fmt: skip
        markup=False,
    )
    _finish(written, data.report)


def export(
    framework: FrameworkArg,
    out: Annotated[
        Path,
        typer.Option(
            "--out",
            "-o",
            help=N_(
                "The file to write: .dta (Stata), .sav (SPSS) or .csv (R, with a data dictionary)."
            ),
        ),
    ],
    survey: SurveyOpt = None,
    audit: AuditOpt = None,
    mapping: MappingOpt = None,
    sheet: SheetOpt = None,
    table: Annotated[
        str,
        typer.Option(
            "--table",
            metavar="scores|groups|microdata",
            help=N_(
                "What to export: the scores, the scores by respondent group, or anonymised item-level survey rows."
            ),
        ),
    ] = "scores",
    ids: Annotated[
        str,
        typer.Option(
            "--ids",
            metavar="random|sequential",
            help=N_("Microdata: how the new respondent ids are numbered."),
        ),
    ] = "random",
    seed: Annotated[int, typer.Option("--seed", help=N_("Random seed."))] = 2024,
    lang: LangOpt = None,
) -> None:
    """Export for Stata, SPSS or R, with variable and value labels in the chosen language.

    Microdata replace respondent ids, drop every column that could identify a person and
    flag groups below their min_n; a note of what was removed is written beside them.
    """
    from cfeval.framework.loader import load_framework
    from cfeval.results.analysis_export import write_analysis, write_microdata

    w = cli_words()
    _check_out(out, _LABELLED + (".csv",))
    if table not in ("scores", "groups", "microdata"):
        raise UsageError(
            w("--table must be scores, groups or microdata, not {value!r}", value=table)
        )
    fw = load_framework(framework)
    data = read_data(fw, survey, audit, mapping, sheet)
    if table == "microdata":
        written = write_microdata(fw, data, out, lang=cli_lang(), ids=ids, seed=seed)
    else:
        from cfeval.scoring.engine import score

        result = score(fw, data)
        frame = result.to_frame() if table == "scores" else _groups_shown(result)
        written = write_analysis(frame, out, framework=fw, lang=cli_lang())
    _finish(written, data.report)


def _groups_shown(result):
    """The by-group table with the results of groups below their min_n blanked: what
    people read never shows a small group's own result as precise."""
    frame = result.by_group_frame()
    small = frame["status"] == "insufficient"
    frame.loc[small, ["score", "ci_low", "ci_high", "df", "n_eff"]] = float("nan")
    return frame
