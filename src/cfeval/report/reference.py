"""A Markdown reference of a framework, generated from the framework itself.

The reference (``docs/frameworks/<id>.md``) is what assessors and reviewers read: the
framework's provenance, scoring and grades, who answers which questions on which scale,
every indicator with its points or weight, method, evidence, rule in words and
recommendation, the audit checklist, bonus and veto items. It is generated, never edited
by hand, so it cannot drift from the YAML; ``tests/test_docs.py`` fails when a committed
reference is out of date.

Labels are shown in the main language with the framework's other languages in
parentheses (short labels) or as a second paragraph (long texts).

Regenerate every shipped framework's reference with ``cfeval reference --lang en`` (over
:func:`write_framework_docs`; an optional argument names another output folder).
"""

from __future__ import annotations

from pathlib import Path

from cfeval._io import atomic_write
from cfeval.errors import UsageError
from cfeval.framework.model import (
    BonusItem,
    Dimension,
    Framework,
    Indicator,
    Label,
    Rule,
    VetoItem,
)
from cfeval.framework.vocabulary import FIELD_TYPE_LABELS, METHOD_LABELS, SOURCE_LABELS
from cfeval.i18n import LANGS, N_, words

__all__ = ["framework_markdown", "write_framework_docs", "default_docs_dir"]

# A framework with an index: block (framework/index_model.py, docs/methods.md).
_COMPOSITE = N_(
    "Composite index: indicator values are treated, imputed and normalised across the "
    "communities scored together, then aggregated level by level as the framework's "
    "`index` block says; a score depends on which communities are compared."
)

_MISSING = {
    "renormalize": N_(
        "Missing data: an indicator without data is left out and its parent is scaled back "
        "to full points or weight (renormalize)."
    ),
    "zero": N_("Missing data: an indicator without data scores zero."),
    "fail": N_("Missing data: scoring stops with an error listing the indicators without data."),
}


class _Doc:
    """Renders one framework in one main language; the other declared languages follow."""

    def __init__(self, fw: Framework, lang: str):
        self.fw = fw
        self.lang = lang
        self.others = [lg for lg in fw.languages if lg != lang]
        self.w = words(lang if lang in LANGS else "en")
        self.out: list[str] = []

    # -- text helpers --------------------------------------------------------------

    def t(self, label: Label | None) -> str:
        """The label in the main language (or the first language it has)."""
        if not label:
            return ""
        return label.get(self.lang) or next(iter(label.values()), "")

    def both(self, label: Label | None) -> str:
        """Short label: main language with the other languages in parentheses."""
        main = self.t(label)
        extra = [label[lg] for lg in self.others if label and label.get(lg) and label[lg] != main]
        return f"{main} ({' / '.join(extra)})" if extra else main

    def paras(self, label: Label | None) -> list[str]:
        """Long text: one paragraph per language, main language first."""
        if not label:
            return []
        main = self.t(label)
        return [main, *(label[lg] for lg in self.others if label.get(lg) and label[lg] != main)]

    def cell(self, text: str) -> str:
        # A pipe or a line break would end the table cell early.
        return " ".join(text.split()).replace("|", "\\|")

    def word(self, table: dict[str, dict[str, str]], key: str) -> str:
        names = table[key]
        main = names.get(self.lang, names["en"])
        extra = [names[lg] for lg in self.others if lg in names and names[lg] != main]
        return f"{main} ({' / '.join(extra)})" if extra else main

    def emit(self, *lines: str) -> None:
        self.out.extend(lines)

    # -- rules in words -------------------------------------------------------------

    def value(self, field: str | None, v: float) -> str:
        spec = self.fw.fields.get(field) if field else None
        unit = self.t(spec.unit) if spec and spec.unit else ""
        sep = "" if unit in ("%", "") or self.lang == "zh" else " "
        return f"{v:g}{sep}{unit}"

    def rule_words(self, rule: Rule, field: str | None) -> str:
        """The rule in words (its rule type's description in the main language)."""
        from cfeval.framework.rules import DescribeContext, rule_type

        spec = self.fw.fields.get(field) if field else None
        names = {c.value: self.t(c.label) for c in (spec.categories or [])} if spec else {}
        ctx = DescribeContext(
            w=self.w,
            value=lambda v: self.value(field, v),
            category=lambda k: names.get(k, k),
        )
        return rule_type(rule.type).describe(rule, ctx)

    # -- sections -------------------------------------------------------------------

    def header(self) -> None:
        fw, w = self.fw, self.w
        self.emit(f"# {self.t(fw.title)}", "")
        for other in self.paras(fw.title)[1:]:
            self.emit(f"**{other}**", "")
        self.emit(
            f"<!-- {w('Generated by `cfeval reference` from `frameworks/{id}.yaml`; do not edit by hand.', id=fw.id)} -->",
            "",
        )
        self.emit(
            f"`{fw.id}` · {w('version')} {fw.version} · {w('languages')}{w(': ')}{', '.join(fw.languages)}",
            "",
        )
        for p in self.paras(fw.description):
            self.emit(p, "")

    def provenance(self) -> None:
        prov, w = self.fw.provenance, self.w
        self.emit(f"## {w('Provenance')}", "")
        for p in self.paras(prov.note):
            self.emit(p, "")
        if prov.based_on:
            self.emit(f"{w('Based on')}:", "")
            for s in prov.based_on:
                line = f"- {s.title}"
                if s.year:
                    line += f" ({s.year})"
                if s.url:
                    line += f" <{s.url}>"
                if s.note:
                    line += f". {s.note}"
                self.emit(line)
            self.emit("")
        if prov.authors:
            self.emit(f"{w('Authors')}: {', '.join(prov.authors)}", "")

    def scoring(self) -> None:
        fw, sc, w = self.fw, self.fw.scoring, self.w
        self.emit(f"## {w('Scoring and grades')}", "")
        if sc.method == "points":
            self.emit(
                f"- {w('Points: the dimensions add up to {total:g} points; an indicator awards its points × attainment (0–1).', total=sc.total)}"
            )
        elif fw.index is not None:
            self.emit(f"- {w(_COMPOSITE)}")
        else:
            self.emit(
                f"- {w('Index (0–100): an indicator scores 100 × attainment (0–1); a dimension is the weighted mean of its parts, the total the weighted mean of the dimensions.')}"
            )
        self.emit(f"- {w(_MISSING[sc.missing])}")
        if fw.bonus:
            self.emit(
                f"- {w('Bonus points are capped at {cap:g}; the total never exceeds {max:g}.', cap=sc.bonus_cap, max=fw.max_total())}"
            )
        self.emit(
            f"- {w('Survey results carry {level:g}% confidence intervals.', level=sc.ci_level * 100)}",
            "",
        )
        self.emit(f"| {w('Grade')} | {w('ID')} | {w('Minimum score')} |", "| --- | --- | ---: |")
        for g in sc.grades:
            self.emit(f"| {self.cell(self.both(g.label))} | `{g.id}` | {g.min:g} |")
        self.emit("")

    def respondents(self) -> None:
        fw, w = self.fw, self.w
        if not fw.respondents and not fw.scales:
            return
        self.emit(f"## {w('Respondents and scales')}", "")
        if fw.respondents:
            self.emit(
                f"| {w('Group')} | {w('Key')} | {w('Minimum n')} | {w('Description')} |",
                "| --- | --- | ---: | --- |",
            )
            for key, r in fw.respondents.items():
                desc = "<br>".join(self.cell(p) for p in self.paras(r.description))
                self.emit(f"| {self.cell(self.both(r.label))} | `{key}` | {r.min_n} | {desc} |")
            self.emit("")
        for key, s in fw.scales.items():
            self.emit(f"### {w('Scale')} `{key}`", "")
            langs = [self.lang, *self.others]
            self.emit("| " + " | ".join([w("Code"), *langs]) + " |")
            self.emit("| ---: | " + " | ".join("---" for _ in langs) + " |")
            for code in [*s.values, *s.missing_codes]:
                label = s.labels.get(code, {})
                shown = (
                    f"{code} ({w('missing code: not scored')})"
                    if code in s.missing_codes
                    else str(code)
                )
                self.emit(
                    "| "
                    + " | ".join([shown, *(self.cell(label.get(lg, "")) for lg in langs)])
                    + " |"
                )
            self.emit("")

    def amount(self, node: Dimension | Indicator, siblings: list) -> str:
        w = self.w
        if self.fw.scoring.method == "points":
            return f"{node.points:g} {w('points')}"
        weights = [s.weight if s.weight is not None else 1.0 for s in siblings]
        own = node.weight if node.weight is not None else 1.0
        share = own / sum(weights) if sum(weights) > 0 else 0.0
        return f"{w('weight')} {own:g} ({share * 100:.1f}%)"

    def structure(self) -> None:
        w = self.w
        self.emit(f"## {w('Dimensions and indicators')}", "")
        self.emit(
            f"| | {w('Dimension')} | {w.p('maximum', 'Points') if self.fw.scoring.method == 'points' else w('Weight')} | {w('Indicators')} |",
            "| ---: | --- | ---: | ---: |",
        )
        for i, d in enumerate(self.fw.dimensions, 1):
            amount = self.amount(d, self.fw.dimensions)
            self.emit(
                f"| {i} | {self.cell(self.both(d.label))} | {amount} | {_count_indicators(d)} |"
            )
        self.emit("")
        for i, d in enumerate(self.fw.dimensions, 1):
            self.dimension(d, str(i), 3, self.fw.dimensions)

    def dimension(self, d: Dimension, number: str, level: int, siblings: list) -> None:
        w = self.w
        hashes = "#" * min(level, 6)
        self.emit(f"{hashes} {number}. {self.both(d.label)} · {self.amount(d, siblings)}", "")
        self.emit(f"- **{w('ID')}**{w(': ')}`{d.id}`", "")
        for p in self.paras(d.description):
            self.emit(p, "")
        children = d.children
        for j, child in enumerate(children, 1):
            if isinstance(child, Dimension):
                self.dimension(child, f"{number}.{j}", level + 1, children)
            else:
                self.indicator(child, f"{number}.{j}", level + 1, children)

    def indicator(self, ind: Indicator, number: str, level: int, siblings: list) -> None:
        fw, w = self.fw, self.w
        hashes = "#" * min(level, 6)
        self.emit(f"{hashes} {number} {self.both(ind.label)} · {self.amount(ind, siblings)}", "")
        for p in self.paras(ind.description):
            self.emit(p, "")
        source = self.word(SOURCE_LABELS, ind.source)
        if ind.field:
            source += f"{w(', ')}{w('field')} `{ind.field}`"
        self.emit(
            f"- **{w('ID')}**{w(': ')}`{ind.id}`",
            f"- **{w('Method')}**{w(': ')}{self.word(METHOD_LABELS, ind.method)}",
            f"- **{w('Source')}**{w(': ')}{source}",
            f"- **{w('Rule')}**{w(': ')}{self.rule_words(ind.rule, ind.field)}",
        )
        if ind.respondents:
            groups = w(", ").join(
                f"`{r}` {self.both(fw.respondents[r].label)}" if r in fw.respondents else f"`{r}`"
                for r in ind.respondents
            )
            if len(ind.respondents) > 1:
                if ind.group_weights:
                    gw = w(", ").join(
                        f"`{r}` × {ind.group_weights.get(r, 1.0):g}" for r in ind.respondents
                    )
                    groups += f"{w('; ')}{w('groups weighted')}{w(': ')}{gw}"
                else:
                    groups += f"{w('; ')}{w('groups weighted equally')}"
            self.emit(f"- **{w('Asked of')}**{w(': ')}{groups}")
        for k, p in enumerate(self.paras(ind.evidence)):
            self.emit(f"- **{w('Evidence')}**{w(': ')}{p}" if k == 0 else f"  {p}")
        self.emit("")
        if ind.items:
            langs = [self.lang, *self.others]
            groups = ind.respondents or []
            split = len(groups) > 1
            extra = [w("Asked of")] if split else []
            self.emit(f"{w('Items')}:", "")
            self.emit(
                "| "
                + " | ".join([w("Item"), *langs, *extra, w("Scale"), w("Reverse-scored")])
                + " |"
            )
            self.emit("| --- | " + " | ".join("---" for _ in [*langs, *extra]) + " | --- | --- |")
            for it in ind.items:
                texts = [self.cell(it.text.get(lg, "")) for lg in langs]
                who = [", ".join(f"`{g}`" for g in it.respondents or groups)] if split else []
                rev = w("yes") if it.reverse else ""
                self.emit(
                    "| " + " | ".join([f"`{it.id}`", *texts, *who, f"`{it.scale}`", rev]) + " |"
                )
            self.emit("")
            for g in groups if split else [None]:
                asked = ind.items_for(g) if g else ind.items
                line = w(
                    "A respondent counts when at least {n} of the {k} items are answered.",
                    n=ind.valid_items_needed(g),
                    k=len(asked),
                )
                self.emit(f"`{g}`{w(': ')}{line}" if g else line, "")
        recs = self.paras(ind.recommendation)
        if recs:
            self.emit(f"**{w('Recommendation when low')}**{w(': ')}", "")
            for p in recs:
                self.emit(f"> {p}", ">")
            self.out.pop()
            self.emit("")

    def fields(self) -> None:
        fw, w = self.fw, self.w
        if not fw.fields:
            return
        used: dict[str, list[str]] = {}
        for ind in fw.indicators():
            if ind.field:
                used.setdefault(ind.field, []).append(ind.id)
        for item in [*fw.bonus, *fw.veto]:
            used.setdefault(item.field, []).append(item.id)
        self.emit(f"## {w('Audit fields')}", "")
        self.emit(
            f"| {w('field')} | {w('Label')} | {w('Type')} | {w('Values')} | {w('Unit')} | {w('Used by')} | {w('Guidance')} |",
            "| --- | --- | --- | --- | --- | --- | --- |",
        )
        for key, f in fw.fields.items():
            if f.type == "category":
                values = w("; ").join(f"`{c.value}` {self.t(c.label)}" for c in f.categories or [])
            elif f.type == "number":
                lo = "" if f.min is None else f"{f.min:g}"
                hi = "" if f.max is None else f"{f.max:g}"
                values = f"{lo}–{hi}" if lo or hi else ""
            else:
                values = ""
            unit = self.both(f.unit) if f.unit else ""
            users = ", ".join(f"`{u}`" for u in used.get(key, []))
            help_text = "<br>".join(self.cell(p) for p in self.paras(f.help))
            self.emit(
                f"| `{key}` | {self.cell(self.both(f.label))} | {FIELD_TYPE_LABELS[f.type][w.lang]} | {self.cell(values)} "
                f"| {self.cell(unit)} | {users} | {help_text} |"
            )
        self.emit("")

    def proposals(self) -> None:
        """The children's proposal log's lists, when the framework keeps one."""
        lists, w = self.fw.proposals, self.w
        if lists is None:
            return
        heading = w("Children's proposal log")
        self.emit(f"## {heading}", "")
        self.emit(
            w(
                "A log written with `cfeval template --proposals` names a topic and an adult "
                "body by its id or by its name in any language."
            ),
            "",
        )
        for title, choices in ((w("Topics"), lists.topics), (w("Adult bodies"), lists.bodies)):
            self.emit(f"### {title}", "", f"| {w('ID')} | {w('Name')} |", "| --- | --- |")
            for c in choices:
                self.emit(f"| `{c.id}` | {self.cell(self.both(c.label))} |")
            self.emit("")

    def bonus(self) -> None:
        w = self.w
        self.emit(f"## {w('Bonus items')}", "")
        if not self.fw.bonus:
            self.emit(w("None."), "")
            return
        for b in self.fw.bonus:
            self.item_block(b, f"{b.points:g} {w('points')}")
            self.emit("")

    def veto(self) -> None:
        w = self.w
        self.emit(f"## {w('Veto items')}", "")
        if not self.fw.veto:
            self.emit(w("None."), "")
            return
        grades = {g.id: g for g in self.fw.scoring.grades}
        for v in self.fw.veto:
            self.item_block(v, None)
            grade = grades.get(v.max_grade) if v.max_grade else self.fw.scoring.grades[-1]
            value = w("yes") if v.when else w("no")
            self.emit(
                f"- {w('Triggered when `{field}` is {value}; the grade is capped at {grade}.', field=v.field, value=value, grade=self.both(grade.label))}",
                "",
            )

    def item_block(self, b: BonusItem | VetoItem, amount: str | None) -> None:
        w = self.w
        title = f"### {self.both(b.label)}" + (f" · {amount}" if amount else "")
        self.emit(title, "")
        self.emit(
            f"- **{w('ID')}**{w(': ')}`{b.id}`",
            f"- **{w('Method')}**{w(': ')}{self.word(METHOD_LABELS, b.method)}",
            f"- **{w('Source')}**{w(': ')}{w('field')} `{b.field}`",
        )
        if isinstance(b, BonusItem):
            self.emit(f"- **{w('Rule')}**{w(': ')}{self.rule_words(b.rule, b.field)}")
        for k, p in enumerate(self.paras(b.evidence)):
            self.emit(f"- **{w('Evidence')}**{w(': ')}{p}" if k == 0 else f"  {p}")

    def render(self) -> str:
        self.header()
        self.provenance()
        self.scoring()
        self.respondents()
        self.structure()
        self.fields()
        self.proposals()
        self.bonus()
        self.veto()
        while self.out and self.out[-1] == "":
            self.out.pop()
        return "\n".join(self.out) + "\n"


def _count_indicators(d: Dimension) -> int:
    return len(d.indicators) + sum(_count_indicators(sub) for sub in d.dimensions)


def framework_markdown(fw: Framework, lang: str = "en") -> str:
    """The Markdown reference of ``fw``, main language ``lang``, other languages alongside.

    >>> from cfeval.framework.loader import load_framework
    >>> md = framework_markdown(load_framework("chengdu-community"))  # doctest: +SKIP
    >>> md.splitlines()[0]  # doctest: +SKIP
    '# Chengdu child-friendly community assessment (illustrative framework)'
    """
    if lang not in fw.languages:
        raise UsageError(
            f"framework {fw.id!r} has no {lang!r} texts; its languages: {', '.join(fw.languages)}"
        )
    return _Doc(fw, lang).render()


def default_docs_dir() -> Path:
    """``docs/frameworks`` of the checkout cfeval runs from (the references live there)."""
    return Path(__file__).resolve().parents[3] / "docs" / "frameworks"


def write_framework_docs(out_dir: str | Path | None = None, lang: str = "en") -> list[Path]:
    """Write ``<id>.md`` for every shipped framework into ``out_dir``; returns the paths.

    Each file is written to a temporary file first and renamed, so a reader never sees a
    half-written reference.
    """
    from cfeval.framework.loader import load_framework, shipped_frameworks

    folder = Path(out_dir) if out_dir is not None else default_docs_dir()
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for fid, path in shipped_frameworks():
        text = framework_markdown(load_framework(path), lang=lang)
        target = folder / f"{fid}.md"
        written.append(atomic_write(target, text))
    return written
