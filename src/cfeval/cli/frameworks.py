"""``cfeval frameworks`` (over :func:`cfeval.shipped_frameworks`) and ``cfeval frameworks
show`` (over :func:`cfeval.load_framework`): the shipped list, one framework as a tree."""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer

from cfeval.cli.common import FrameworkArg, LangOpt, console
from cfeval.cli.language import CfevalCommand, CfevalGroup, cli_words, lang_is_explicit
from cfeval.errors import UsageError
from cfeval.i18n import N_

if TYPE_CHECKING:
    from cfeval.framework.model import Framework, Indicator
    from cfeval.i18n import Words

__all__ = ["app"]

app = typer.Typer(
    cls=CfevalGroup,
    help=N_("List the shipped frameworks, or show one as a tree (`cfeval frameworks show ID`)."),
    add_completion=False,
    rich_markup_mode=None,
)


def _num(value: float | None) -> str:
    return "" if value is None else f"{value:g}"


@app.callback(invoke_without_command=True)
def frameworks(ctx: typer.Context, lang: LangOpt = None) -> None:
    """List the shipped frameworks: id, version, title and number of indicators."""
    if ctx.invoked_subcommand is not None:
        return
    from rich.markup import escape
    from rich.table import Table

    from cfeval.errors import FrameworkError
    from cfeval.framework.loader import load_framework, shipped_frameworks

    w = cli_words()
    table = Table(title=w("Shipped frameworks"))
    for column in (w("id"), w("version"), w("title"), w("indicators")):
        table.add_column(column, justify="right" if column == w("indicators") else "left")
    refused = 0
    for fid, path in shipped_frameworks():
        try:
            fw = load_framework(path)
        except FrameworkError as err:
            refused += 1
            note = w.n(
                "refused, {n} problem: run `cfeval check {id}`",
                "refused, {n} problems: run `cfeval check {id}`",
                len(err.problems),
                id=fid,
            )
            table.add_row(escape(fid), "", f"[red]{escape(note)}[/]", "")
            continue
        table.add_row(
            escape(fid), escape(fw.version), escape(w.label(fw.title)), str(len(fw.indicators()))
        )
    console().print(table)
    if refused:
        raise typer.Exit(2)


@app.command("show", cls=CfevalCommand)
def show(framework: FrameworkArg, lang: LangOpt = None) -> None:
    """Show a framework as a tree: dimensions and indicators with points or weights,
    methods, evidence sources and rules; then grades, bonus and veto items."""
    from cfeval.framework.loader import load_framework

    fw = load_framework(framework)
    w = cli_words()
    if lang_is_explicit() and w.lang not in fw.languages:
        raise UsageError(
            w(
                "{id} has no {lang!r} texts; its languages: {languages}",
                id=fw.id,
                lang=w.lang,
                languages=", ".join(fw.languages),
            )
        )
    console().print(framework_tree(fw, w))


def _bold(text: str) -> str:
    from rich.markup import escape

    return f"[bold]{escape(text)}[/]"


def _amount(fw: Framework, node, w: Words) -> str:
    if fw.scoring.method == "points":
        return w("{points} points", points=_num(node.points))
    return w("weight {weight}", weight=_num(node.weight if node.weight is not None else 1))


def _indicator_line(fw: Framework, ind: Indicator, w: Words) -> str:
    from rich.markup import escape

    from cfeval.framework.model import METHOD_LABELS, SOURCE_LABELS

    if ind.source == "survey":
        groups = ", ".join(w.label(fw.respondents[g].label) for g in ind.respondents or [])
        evidence = w.n(
            "survey of {groups}, {n} item",
            "survey of {groups}, {n} items",
            len(ind.items or []),
            groups=groups,
        )
    else:
        source = w.label(SOURCE_LABELS[ind.source])
        evidence = w("{source} field `{field}`", source=source, field=ind.field)
    rule = w("rule {type}", type=ind.rule.type)
    return (
        f"{escape(w.label(ind.label))} [dim]({ind.id})[/] · [bold]{_amount(fw, ind, w)}[/]\n"
        f"[dim]{escape(w.label(METHOD_LABELS[ind.method]))} · {escape(evidence)} · {rule}[/]"
    )


def _add_nodes(fw: Framework, branch, node, w: Words) -> None:
    from rich.markup import escape

    from cfeval.framework.model import Dimension

    if isinstance(node, Dimension):
        sub = branch.add(
            f"[bold]{escape(w.label(node.label))}[/] [dim]({node.id})[/] · {_amount(fw, node, w)}"
        )
        for child in node.children:
            _add_nodes(fw, sub, child, w)
    else:
        branch.add(_indicator_line(fw, node, w))


def framework_tree(fw: Framework, w: Words):
    """The framework as a rich Tree in the language of ``w``."""
    from rich.markup import escape
    from rich.tree import Tree

    if fw.scoring.method == "points":
        mode = w("points mode, total {total}", total=_num(fw.scoring.total))
    else:
        mode = w("index mode, 0-100")
    root = Tree(
        f"[bold]{escape(w.label(fw.title))}[/] [dim]({fw.id} {escape(fw.version)}, {mode})[/]"
    )
    for dim in fw.dimensions:
        _add_nodes(fw, root, dim, w)
    grades = root.add(_bold(w("Grades")))
    for g in fw.scoring.grades:
        start = w("from {min}", min=_num(g.min))
        grades.add(f"{escape(w.label(g.label))} [dim]({g.id})[/] {start}")
    if fw.bonus:
        bonus = root.add(_bold(w("Bonus (capped at {cap})", cap=_num(fw.scoring.bonus_cap))))
        for b in fw.bonus:
            detail = w(
                "up to {points} points · field `{field}` · rule {type}",
                points=_num(b.points),
                field=b.field,
                type=b.rule.type,
            )
            bonus.add(f"{escape(w.label(b.label))} [dim]({b.id})[/] · {escape(detail)}")
    if fw.veto:
        veto = root.add(_bold(w("Veto")))
        for v in fw.veto:
            detail = w(
                "when `{field}` is {value} · grade at most {grade}",
                field=v.field,
                value=str(v.when).lower(),
                grade=v.max_grade or fw.scoring.grades[-1].id,
            )
            veto.add(f"{escape(w.label(v.label))} [dim]({v.id})[/] · {escape(detail)}")
    if fw.provenance.based_on or fw.provenance.note:
        prov = root.add(_bold(w("Based on")))
        for src in fw.provenance.based_on:
            prov.add(escape(src.title + (f" ({src.year})" if src.year else "")))
        prov.add(f"[italic]{escape(w.label(fw.provenance.note))}[/]")
    return root
