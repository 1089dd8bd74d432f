"""The whole-file checks of a framework: what pydantic cannot see one model at a time.

Ids unique, references that exist (scales, groups, fields, grades), points that add up,
labels in every declared language, and each rule's own checks (through the rule
registry). :func:`cross_check` returns every problem instead of stopping at the first, as
``(loc, message)`` pairs: ``loc`` is a tuple like ``("dimensions", 0, "indicators", 2,
"points")`` that the loader turns into ``file:line:col  dimensions.0.indicators.2.points``;
``message`` is an English :class:`~cfeval.i18n.Msg`, put into other words when shown.
"""

from __future__ import annotations

import math

from cfeval.framework.base import Loc
from cfeval.framework.index_checks import check_index
from cfeval.framework.locations import label_locs, node_locs
from cfeval.framework.model import (
    AUDIT_COLUMNS,
    SURVEY_COLUMNS,
    Dimension,
    Framework,
    Indicator,
)
from cfeval.framework.proposal_lists import check_proposal_lists
from cfeval.framework.rules import RULE_TYPES, CheckContext, survey_rule_names
from cfeval.i18n import Msg

__all__ = ["cross_check"]

Problems = list[tuple[Loc, Msg]]


def cross_check(fw: Framework) -> list[tuple[Loc, Msg]]:
    """Every whole-file problem of a structurally valid framework, as ``(loc, message)``.

    >>> cross_check(load_framework("chengdu-community"))  # doctest: +SKIP
    []
    """
    out: Problems = []
    item_locs = _check_ids(fw, out)
    _check_reserved_names(fw, item_locs, out)
    _check_labels(fw, out)
    _check_scales_and_fields(fw, out)
    for loc, node in node_locs(fw):
        if isinstance(node, Indicator):
            _check_indicator(fw, loc, node, out)
    _check_amounts(fw, out)
    _check_grades(fw, out)
    _check_bonus_and_veto(fw, out)
    out.extend(check_index(fw))
    out.extend(check_proposal_lists(fw.proposals))
    return out


# --------------------------------------------------------------------------- file-wide


def _check_ids(fw: Framework, out: Problems) -> dict[str, Loc]:
    """Ids unique across the tree, bonus and veto; item ids unique. Returns item locations."""
    seen: dict[str, Loc] = {}
    for loc, node in node_locs(fw):
        if node.id in seen:
            first = ".".join(map(str, seen[node.id]))
            out.append(
                (
                    (*loc, "id"),
                    Msg("duplicate id {id} (first used at {first})", id=repr(node.id), first=first),
                )
            )
        else:
            seen[node.id] = loc
    for kind in ("bonus", "veto"):
        for i, b in enumerate(getattr(fw, kind)):
            if b.id in seen:
                out.append(((kind, i, "id"), Msg("duplicate id {id}", id=repr(b.id))))
            else:
                seen[b.id] = (kind, i)
    item_seen: dict[str, Loc] = {}
    for loc, node in node_locs(fw):
        if isinstance(node, Indicator):
            for j, it in enumerate(node.items or []):
                if it.id in item_seen:
                    out.append(
                        ((*loc, "items", j, "id"), Msg("duplicate item id {id}", id=repr(it.id)))
                    )
                else:
                    item_seen[it.id] = (*loc, "items", j)
    return item_seen


def _check_reserved_names(fw: Framework, item_locs: dict[str, Loc], out: Problems) -> None:
    for name in sorted(set(item_locs) & set(fw.fields)):
        out.append(
            (("fields", name), Msg("{name} is both a field and a survey item id", name=repr(name)))
        )
    # Item and field ids become data columns next to these, so they must not share a name.
    for name, loc in item_locs.items():
        if name in SURVEY_COLUMNS:
            message = Msg(
                "{name} is a reserved survey column; choose another item id", name=repr(name)
            )
            out.append(((*loc, "id"), message))
    for name in fw.fields:
        if name in AUDIT_COLUMNS:
            message = Msg(
                "{name} is a reserved audit column; choose another field name", name=repr(name)
            )
            out.append((("fields", name), message))


def _check_labels(fw: Framework, out: Problems) -> None:
    """Every label carries every declared language, and no other."""
    langs = fw.languages
    for loc, label in label_locs(fw):
        for lang in langs:
            if not (label.get(lang) or "").strip():
                out.append(
                    (
                        loc,
                        Msg(
                            "label has no {lang} text (languages: {languages})",
                            lang=repr(lang),
                            languages=", ".join(langs),
                        ),
                    )
                )
        for lang in label:
            if lang not in langs:
                out.append(
                    (
                        (*loc, lang),
                        Msg("language {lang} is not declared in `languages`", lang=repr(lang)),
                    )
                )


def _check_scales_and_fields(fw: Framework, out: Problems) -> None:
    for key, s in fw.scales.items():
        if len(set(s.values)) != len(s.values):
            out.append((("scales", key, "values"), Msg("scale values must be distinct")))
        for code in s.missing_codes:
            if code in s.values:
                out.append(
                    (
                        ("scales", key, "missing_codes"),
                        Msg("missing code {code} is also a scale value", code=code),
                    )
                )
        for value in s.labels:
            if value not in s.values and value not in s.missing_codes:
                out.append(
                    (
                        ("scales", key, "labels", value),
                        Msg(
                            "label for {value}, which is neither a value nor a missing code",
                            value=value,
                        ),
                    )
                )
        if s.labels:
            for value in [*s.values, *s.missing_codes]:
                if value not in s.labels:
                    out.append(
                        (("scales", key, "labels"), Msg("value {value} has no label", value=value))
                    )
    for key, f in fw.fields.items():
        if f.categories:
            values = [c.value for c in f.categories]
            if len(set(values)) != len(values):
                out.append((("fields", key, "categories"), Msg("category values must be distinct")))


# --------------------------------------------------------------------------- rules


def _rule_problems(loc: Loc, rule, ctx: CheckContext, out: Problems) -> None:
    """The rule type's own checks, located under the rule."""
    for sub, message in RULE_TYPES[rule.type].check(rule, ctx):
        out.append(((*loc, "rule", *sub), message))


def _check_field_rule(fw: Framework, loc: Loc, field: str | None, rule, out: Problems) -> None:
    if field is None:
        out.append(((*loc,), Msg("an audit or records indicator needs `field`")))
        return
    spec = fw.fields.get(field)
    if spec is None:
        out.append(
            (
                (*loc, "field"),
                Msg("unknown field {field}; declare it under `fields`", field=repr(field)),
            )
        )
        return
    entry = RULE_TYPES[rule.type]
    if entry.evidence != "field":
        out.append(
            (
                (*loc, "rule", "type"),
                Msg("rule {rule} is for survey items, not fields", rule=repr(rule.type)),
            )
        )
        return
    if spec.type not in entry.field_types:
        out.append(
            (
                (*loc, "rule", "type"),
                Msg(
                    "rule {rule} needs a {want} field, but {field} is {type}",
                    rule=repr(rule.type),
                    want=_either(sorted(entry.field_types)),
                    field=repr(field),
                    type=spec.type,
                ),
            )
        )
        return
    _rule_problems(loc, rule, CheckContext(fw, field_name=field, field=spec), out)


def _check_indicator(fw: Framework, loc: Loc, ind: Indicator, out: Problems) -> None:
    if ind.source == "survey":
        _check_survey_indicator(fw, loc, ind, out)
        return
    if ind.items:
        out.append(
            (
                (*loc, "items"),
                Msg("a {source} indicator takes `field`, not `items`", source=ind.source),
            )
        )
    if ind.respondents:
        out.append(
            (
                (*loc, "respondents"),
                Msg("a {source} indicator has no respondents", source=ind.source),
            )
        )
    if ind.method == "survey":
        out.append(
            (
                (*loc, "method"),
                Msg("method survey needs source survey, not {source}", source=ind.source),
            )
        )
    for key in ("group_weights", "min_valid_items"):
        if getattr(ind, key) is not None:
            out.append(
                (
                    (*loc, key),
                    Msg(
                        "`{key}` belongs to survey indicators, not {source} ones",
                        key=key,
                        source=ind.source,
                    ),
                )
            )
    _check_field_rule(fw, loc, ind.field, ind.rule, out)


def _check_survey_indicator(fw: Framework, loc: Loc, ind: Indicator, out: Problems) -> None:
    survey_rules = survey_rule_names()
    if ind.rule.type not in survey_rules:
        choices = _either(survey_rules)
        out.append(
            (
                (*loc, "rule", "type"),
                Msg(
                    "a survey indicator needs {choices}, not {rule}",
                    choices=choices,
                    rule=repr(ind.rule.type),
                ),
            )
        )
    if not ind.items:
        out.append((loc, Msg("a survey indicator needs `items`")))
    if not ind.respondents:
        out.append((loc, Msg("a survey indicator needs `respondents`")))
    if ind.field is not None:
        out.append(((*loc, "field"), Msg("a survey indicator takes `items`, not `field`")))
    _check_groups(fw, loc, ind, out)
    scales = _check_items(fw, loc, ind, out)
    if ind.rule.type in survey_rules and scales:
        ctx = CheckContext(fw, scales={key: fw.scales[key] for key in sorted(scales)})
        _rule_problems(loc, ind.rule, ctx, out)


def _either(names: list[str]) -> str:
    """``a``, ``a or b``, ``a, b or c``."""
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} or {names[-1]}"


def _check_groups(fw: Framework, loc: Loc, ind: Indicator, out: Problems) -> None:
    for k, r in enumerate(ind.respondents or []):
        if r not in fw.respondents:
            out.append(
                (
                    (*loc, "respondents", k),
                    Msg(
                        "unknown respondent group {group}; declared: {declared}",
                        group=repr(r),
                        declared=sorted(fw.respondents),
                    ),
                )
            )
    for r, w in (ind.group_weights or {}).items():
        if r not in (ind.respondents or []):
            out.append(
                (
                    (*loc, "group_weights", r),
                    Msg("{group} is not one of this indicator's respondents", group=repr(r)),
                )
            )
        if not w > 0:
            out.append(((*loc, "group_weights", r), Msg("group weights must be positive")))


def _check_items(fw: Framework, loc: Loc, ind: Indicator, out: Problems) -> set[str]:
    """Items' scales and groups; returns the keys of the (declared) scales they use."""
    scales = set()
    for j, it in enumerate(ind.items or []):
        if it.scale not in fw.scales:
            out.append(
                (
                    (*loc, "items", j, "scale"),
                    Msg(
                        "unknown scale {scale}; declared: {declared}",
                        scale=repr(it.scale),
                        declared=sorted(fw.scales),
                    ),
                )
            )
        else:
            scales.add(it.scale)
    for j, it in enumerate(ind.items or []):
        for k, r in enumerate(it.respondents or []):
            if r not in (ind.respondents or []):
                out.append(
                    (
                        (*loc, "items", j, "respondents", k),
                        Msg(
                            "{group} is not one of this indicator's respondents {groups}",
                            group=repr(r),
                            groups=ind.respondents or [],
                        ),
                    )
                )
    if ind.items:
        for r in ind.respondents or []:
            asked = len(ind.items_for(r))
            if asked == 0:
                message = Msg("no item is asked of respondent group {group}", group=repr(r))
                out.append(((*loc, "items"), message))
            elif ind.min_valid_items is not None and ind.min_valid_items > asked:
                message = Msg(
                    "min_valid_items {min} exceeds the {asked} items asked of {group}",
                    min=ind.min_valid_items,
                    asked=asked,
                    group=repr(r),
                )
                out.append(((*loc, "min_valid_items"), message))
    return scales


# --------------------------------------------------------------------------- amounts


def _check_amounts(fw: Framework, out: Problems) -> None:
    """Points (points mode) or weights (index mode) present, positive and adding up."""
    points_mode = fw.scoring.method == "points"
    total = _check_amounts_under(fw, fw.dimensions, (), "dimensions", out)
    if points_mode:
        if fw.scoring.total is None:
            out.append((("scoring", "total"), Msg("points mode needs `total` (usually 100)")))
        elif not math.isclose(total, fw.scoring.total, abs_tol=1e-6):
            message = Msg(
                "dimension points add up to {sum}, not the declared total {total}",
                sum=f"{total:g}",
                total=f"{fw.scoring.total:g}",
            )
            out.append((("dimensions",), message))
    elif fw.scoring.total is not None:
        message = Msg("`total` applies only in points mode (index mode is 0-100)")
        out.append((("scoring", "total"), message))


def _check_amounts_under(fw: Framework, nodes, loc_prefix: Loc, key: str, out: Problems) -> float:
    """Check ``nodes`` and below; returns the sum of their points (points mode)."""
    points_mode = fw.scoring.method == "points"
    own, other = ("points", "weight") if points_mode else ("weight", "points")
    total = 0.0
    for i, node in enumerate(nodes):
        loc = (*loc_prefix, key, i)
        if getattr(node, other) is not None:
            message = Msg(
                "`{other}` does not apply in {mode} mode; use `{own}`",
                other=other,
                mode=fw.scoring.method,
                own=own,
            )
            out.append(((*loc, other), message))
        val = getattr(node, own)
        if points_mode:
            if val is None:
                out.append((loc, Msg("needs `points` (scoring.method is points)")))
            else:
                total += val
        elif val is not None and not val > 0:
            out.append(
                ((*loc, "weight"), Msg("weights must be positive (got {value})", value=f"{val:g}"))
            )
        if isinstance(node, Dimension):
            _check_dimension_sum(fw, node, loc, out)
    return total


def _check_dimension_sum(fw: Framework, node: Dimension, loc: Loc, out: Problems) -> None:
    if not node.children:
        out.append((loc, Msg("a dimension needs `dimensions` or `indicators`")))
    sub = _check_amounts_under(fw, node.dimensions, loc, "dimensions", out)
    sub += _check_amounts_under(fw, node.indicators, loc, "indicators", out)
    if (
        fw.scoring.method == "points"
        and node.points is not None
        and node.children
        and not math.isclose(sub, node.points, abs_tol=1e-6)
    ):
        message = Msg(
            "children's points add up to {sum}, not {points}",
            sum=f"{sub:g}",
            points=f"{node.points:g}",
        )
        out.append(((*loc, "points"), message))


# --------------------------------------------------------------------------- grades, bonus, veto


def _check_grades(fw: Framework, out: Problems) -> None:
    """Grade minimums strictly descending, the lowest at 0, all within 0..100; ids distinct."""
    grades = fw.scoring.grades
    mins = [g.min for g in grades]
    if any(b >= a for a, b in zip(mins, mins[1:], strict=False)):
        message = Msg(
            "grade minimums must be strictly descending (got {mins})",
            mins=", ".join(f"{m:g}" for m in mins),
        )
        out.append((("scoring", "grades"), message))
    if mins[-1] > 0:
        message = Msg("the lowest grade must start at 0 so every score has a grade")
        out.append((("scoring", "grades", len(grades) - 1, "min"), message))
    for i, g in enumerate(grades):
        if g.min < 0 or g.min > 100:
            message = Msg("grade minimum {min} is outside 0..100", min=f"{g.min:g}")
            out.append((("scoring", "grades", i, "min"), message))
    grade_ids = [g.id for g in grades]
    if len(set(grade_ids)) != len(grade_ids):
        out.append((("scoring", "grades"), Msg("grade ids must be distinct")))


def _check_bonus_and_veto(fw: Framework, out: Problems) -> None:
    if fw.bonus and fw.scoring.bonus_cap <= 0:
        out.append((("scoring", "bonus_cap"), Msg("bonus items need a positive `bonus_cap`")))
    for i, b in enumerate(fw.bonus):
        _check_field_rule(fw, ("bonus", i), b.field, b.rule, out)
    grade_ids = [g.id for g in fw.scoring.grades]
    for i, v in enumerate(fw.veto):
        spec = fw.fields.get(v.field)
        if spec is None:
            message = Msg("unknown field {field}; declare it under `fields`", field=repr(v.field))
            out.append((("veto", i, "field"), message))
        elif spec.type != "boolean":
            message = Msg(
                "a veto needs a boolean field, but {field} is {type}",
                field=repr(v.field),
                type=spec.type,
            )
            out.append((("veto", i, "field"), message))
        if v.max_grade is not None and v.max_grade not in grade_ids:
            message = Msg(
                "unknown grade {grade}; grades: {grades}", grade=repr(v.max_grade), grades=grade_ids
            )
            out.append((("veto", i, "max_grade"), message))
