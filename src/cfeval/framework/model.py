"""The framework format: pydantic models and the whole-file cross-checks.

A framework is a tree: dimensions hold dimensions and/or indicators; each indicator says
where its evidence comes from (``source``), how it is collected (``method``) and how the
evidence becomes an attainment in [0, 1] (``rule``). Scoring settings, respondent groups,
answer scales, audit fields, bonus and veto items complete the file.

Structural validation is pydantic's (``extra="forbid"`` everywhere); the checks that need
the whole file (ids unique, references exist, points add up, ...) are in
:func:`cross_check`, which returns every problem instead of stopping at the first.
Locations are tuples like ``("dimensions", 0, "indicators", 2, "points")``; the loader
turns them into ``file:line:col  dimensions.0.indicators.2.points``.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, model_validator

__all__ = [
    "Label",
    "Scale",
    "Respondent",
    "AuditField",
    "Item",
    "ScaleMeanRule",
    "ShareFavourableRule",
    "YesNoRule",
    "LevelsRule",
    "BandsRule",
    "Band",
    "GoalpostsRule",
    "TargetRule",
    "Rule",
    "Indicator",
    "Dimension",
    "Grade",
    "Scoring",
    "BonusItem",
    "VetoItem",
    "Source",
    "Provenance",
    "Framework",
    "cross_check",
    "SURVEY_RULES",
    "FIELD_RULES",
    "SURVEY_COLUMNS",
    "AUDIT_COLUMNS",
]

Loc = tuple[str | int, ...]

#: A text in several languages, e.g. ``{"zh": "儿童参与", "en": "Child participation"}``.
Label = dict[str, str]


class _Model(BaseModel):
    # Attribute docstrings become descriptions in the JSON Schema (editor hover text).
    model_config = ConfigDict(
        extra="forbid", frozen=False, validate_default=True, use_attribute_docstrings=True
    )


# --------------------------------------------------------------------------- scales


class Scale(_Model):
    """Answer options of survey items: numeric codes, their labels, and missing codes.

    ``labels`` maps every value and every missing code to its text, so that exports that
    carry option text ("比较同意", "Mostly true") can be mapped back to codes.
    """

    values: list[int] = Field(min_length=2)
    """The numeric answer codes, e.g. [1, 2, 3, 4, 5]; the lowest is worst."""

    labels: dict[int, Label] = Field(default_factory=dict)
    """Text of each value and missing code, per language (used to map option text back to codes)."""

    missing_codes: list[int] = Field(default_factory=list)
    """Codes meaning 'no answer' (e.g. 9 = don't know): treated as missing, not as a value."""

    @property
    def low(self) -> int:
        return min(self.values)

    @property
    def high(self) -> int:
        return max(self.values)


class Respondent(_Model):
    """A group of people who answer surveys (children, parents, staff)."""

    label: Label
    """Name of the group, per language."""

    min_n: int = Field(default=10, ge=1)
    """Respondents needed per community; below this the group's results are flagged."""

    description: Label | None = None


class Category(_Model):
    value: str
    label: Label


class AuditField(_Model):
    """A column of the audit checklist (one row per community and wave).

    ``boolean`` fields take yes/no answers (是/否, 1/0, true/false); ``number`` fields take
    numbers within ``min``..``max``; ``category`` fields take one of ``categories``.
    """

    type: Literal["boolean", "number", "category"]
    """boolean (yes/no), number (within min..max) or category (one of categories)."""

    label: Label
    unit: Label | None = None
    """Unit shown next to numbers, per language (e.g. m², %)."""

    min: float | None = None
    """Lowest valid value of a number field."""

    max: float | None = None
    """Highest valid value of a number field."""

    categories: list[Category] | None = None
    """The allowed values of a category field, with their labels."""

    help: Label | None = None

    @model_validator(mode="after")
    def _shape(self) -> AuditField:
        if self.type == "category" and not self.categories:
            raise ValueError("a category field needs `categories`")
        if self.type != "category" and self.categories:
            raise ValueError("`categories` only belong to a field of type category")
        if self.type != "number" and (self.min is not None or self.max is not None):
            raise ValueError("`min`/`max` only belong to a field of type number")
        if self.min is not None and self.max is not None and self.min >= self.max:
            raise ValueError(f"`min` ({self.min}) must be below `max` ({self.max})")
        return self


# --------------------------------------------------------------------------- rules


class ScaleMeanRule(_Model):
    """Each respondent's mean over the indicator's items, rescaled to 0..1 over the scale."""

    type: Literal["scale_mean"]


class ShareFavourableRule(_Model):
    """Share of respondents whose mean over the items (after reversal) is at or above ``cut``."""

    type: Literal["share_favourable"]
    cut: float
    """A respondent is favourable when their mean answer (after reversal) is at least this."""


class YesNoRule(_Model):
    """A boolean field: yes gives full attainment, no gives none."""

    type: Literal["yes_no"]


class LevelsRule(_Model):
    """A category field: each category value maps to an attainment in [0, 1]."""

    type: Literal["levels"]
    levels: dict[str, Annotated[float, Field(ge=0, le=1)]]
    """Attainment (0..1) of each category value of the field."""


class Band(_Model):
    min: float
    """The band applies from this value up."""

    attainment: float = Field(ge=0, le=1)
    """Attainment (0..1) within this band."""


class BandsRule(_Model):
    """A number field: the attainment of the highest band whose ``min`` the value reaches."""

    type: Literal["bands"]
    bands: list[Band] = Field(min_length=1)
    """Bands in ascending order of min."""


class GoalpostsRule(_Model):
    """A number field: linear from ``low`` (0) to ``high`` (1), clamped; or reversed."""

    type: Literal["goalposts"]
    low: float
    """Value that gives attainment 0 (1 when lower_is_better)."""

    high: float
    """Value that gives attainment 1 (0 when lower_is_better)."""

    direction: Literal["higher_is_better", "lower_is_better"] = "higher_is_better"


class TargetRule(_Model):
    """A number field: value / target, capped at 1 (and at 0 below)."""

    type: Literal["target"]
    target: float = Field(gt=0)
    """Value that gives full attainment; value / target, capped at 1."""


Rule = Annotated[
    ScaleMeanRule
    | ShareFavourableRule
    | YesNoRule
    | LevelsRule
    | BandsRule
    | GoalpostsRule
    | TargetRule,
    Field(discriminator="type"),
]

SURVEY_RULES = frozenset({"scale_mean", "share_favourable"})

#: Columns the data contract gives a meaning of their own (docs/architecture.md).
SURVEY_COLUMNS = frozenset(
    {
        "community_id",
        "wave",
        "respondent",
        "weight",
        "respondent_id",
        "city",
        "district",
        "age",
        "gender",
    }
)
AUDIT_COLUMNS = frozenset({"community_id", "wave", "name", "city", "district"})
FIELD_RULES = {
    "yes_no": "boolean",
    "levels": "category",
    "bands": "number",
    "goalposts": "number",
    "target": "number",
}


# --------------------------------------------------------------------------- tree


class Item(_Model):
    """One survey question."""

    id: str = Field(pattern=r"^[A-Za-z][A-Za-z0-9_]*$")
    """Column name of this question in survey data; unique in the framework."""

    text: Label
    """The question as asked, per language."""

    scale: str
    """Key of the answer scale under `scales`."""

    reverse: bool = False
    """True for negatively worded questions: answers are reversed before scoring."""

    respondents: list[str] | None = None
    """Groups asked this question (a subset of the indicator's); default: all of them.

    An indicator asked of children and parents usually words its questions differently
    for each: the child items list `[child]`, the parent items `[parent]`.
    """


Method = Literal["document_review", "field_inspection", "survey", "interview", "records"]
SourceKind = Literal["survey", "audit", "records"]

#: How evidence is collected, in the words assessment sheets use (docs and reports share it).
METHOD_LABELS: dict[str, Label] = {
    "document_review": {"zh": "查阅资料", "en": "Document review"},
    "field_inspection": {"zh": "实地查看", "en": "Field inspection"},
    "survey": {"zh": "问卷调查", "en": "Survey"},
    "interview": {"zh": "访谈", "en": "Interview"},
    "records": {"zh": "台账记录", "en": "Records"},
}
#: Where an indicator's data comes from.
SOURCE_LABELS: dict[str, Label] = {
    "survey": {"zh": "问卷", "en": "survey"},
    "audit": {"zh": "审核表", "en": "audit checklist"},
    "records": {"zh": "台账", "en": "records"},
}


class Indicator(_Model):
    """A leaf of the tree: one thing that is measured and scored."""

    id: str = Field(pattern=r"^[A-Za-z][A-Za-z0-9_]*$")
    """Stable id (letters, digits, underscores); unique in the framework."""

    label: Label
    description: Label | None = None
    points: float | None = Field(default=None, gt=0)
    """Maximum points (points mode)."""

    weight: float | None = None
    """Relative weight among its siblings (index mode; default 1)."""

    method: Method
    """How the evidence is collected."""

    source: SourceKind
    """Where the evidence comes from: survey answers, the audit checklist, or records."""

    # survey indicators
    respondents: list[str] | None = None
    """Survey indicators: the respondent groups asked (keys of `respondents`)."""

    group_weights: dict[str, float] | None = None
    """Survey indicators: weight of each group when combining them (default equal)."""

    items: list[Item] | None = None
    """Survey indicators: the questions."""

    min_valid_items: int | None = Field(default=None, ge=1)
    """Survey indicators: answers a respondent needs to count (default half the items)."""

    # audit / records indicators
    field: str | None = None
    """Audit/records indicators: key of the field under `fields`."""

    rule: Rule
    """How the evidence becomes an attainment in 0..1; `type` says which rule."""

    evidence: Label | None = None
    """What the assessor looks at, per language."""

    recommendation: Label
    """What to do when this indicator scores low, per language."""

    def items_for(self, group: str) -> list[Item]:
        """The items respondents of ``group`` are asked (none if the group is not asked)."""
        if group not in (self.respondents or []):
            return []
        return [it for it in self.items or [] if it.respondents is None or group in it.respondents]

    def valid_items_needed(self, group: str | None = None) -> int:
        """How many valid answers a respondent (of ``group``) needs to count.

        ``min_valid_items`` when set; otherwise half the items the group is asked (all the
        indicator's items when ``group`` is None), rounded up.
        """
        if self.min_valid_items:
            return self.min_valid_items
        n = len(self.items_for(group) if group is not None else self.items or [])
        return max(1, math.ceil(n / 2))


class Dimension(_Model):
    """An inner node: holds sub-dimensions and/or indicators."""

    id: str = Field(pattern=r"^[A-Za-z][A-Za-z0-9_]*$")
    """Stable id (letters, digits, underscores); unique in the framework."""

    label: Label
    description: Label | None = None
    points: float | None = Field(default=None, gt=0)
    """Maximum points (points mode): the sum of its children's points."""

    weight: float | None = None
    """Relative weight among its siblings (index mode; default 1)."""

    dimensions: list[Dimension] = Field(default_factory=list)
    """Sub-dimensions."""

    indicators: list[Indicator] = Field(default_factory=list)
    """Indicators directly under this dimension."""

    @property
    def children(self) -> list[Dimension | Indicator]:
        return [*self.dimensions, *self.indicators]


class Grade(_Model):
    id: str = Field(pattern=r"^[A-Za-z][A-Za-z0-9_]*$")
    min: float
    """Lowest total score (0..100) with this grade; grades are listed highest first."""

    label: Label


class Scoring(_Model):
    """How attainments become a total, what missing data does, and the grade cut-offs."""

    method: Literal["points", "index"]
    """points: awarded points add up to `total`; index: weighted means of attainments, 0..100."""

    total: float | None = Field(default=None, gt=0)
    """Points mode: the maximum total (usually 100)."""

    missing: Literal["renormalize", "zero", "fail"] = "renormalize"
    """An indicator without data: renormalize (score the rest), zero (counts as 0) or fail."""

    grades: list[Grade] = Field(min_length=1)
    """Grade cut-offs, highest first; the lowest must start at 0."""

    bonus_cap: float = Field(default=0, ge=0)
    """Maximum bonus points added to the total."""

    ci_level: float = Field(default=0.95, gt=0, lt=1)
    """Confidence level of the intervals."""


class BonusItem(_Model):
    """Extra points for something beyond the standard; ``points × attainment``, capped overall."""

    id: str = Field(pattern=r"^[A-Za-z][A-Za-z0-9_]*$")
    label: Label
    points: float = Field(gt=0)
    """Maximum bonus points of this item."""

    method: Method = "document_review"
    field: str
    """Key of the field under `fields`."""

    rule: Rule
    evidence: Label | None = None


class VetoItem(_Model):
    """A condition that caps the grade (default: the lowest grade), with the reason kept."""

    id: str = Field(pattern=r"^[A-Za-z][A-Za-z0-9_]*$")
    label: Label
    field: str
    """Key of a boolean field under `fields`."""

    when: bool = True
    """The field value that triggers the veto."""

    max_grade: str | None = None
    """Highest grade a vetoed community can get (default: the lowest grade)."""

    method: Method = "document_review"
    evidence: Label | None = None


class Source(_Model):
    title: str
    url: str | None = None
    year: int | None = None
    note: str | None = None


class Provenance(_Model):
    based_on: list[Source] = Field(default_factory=list)
    note: Label
    authors: list[str] = Field(default_factory=list)


class Framework(_Model):
    """A whole evaluation framework file."""

    id: str = Field(pattern=r"^[a-z][a-z0-9-]*$")
    """Stable id used on the command line (lowercase letters, digits, hyphens)."""

    version: str
    """Version of this framework, as text (quote it: "2024.1")."""

    title: Label
    description: Label | None = None
    languages: list[str] = Field(default_factory=lambda: ["zh", "en"], min_length=1)
    """Languages every label must have."""

    provenance: Provenance
    """What the framework is based on and what in it is official or illustrative."""

    scoring: Scoring
    respondents: dict[str, Respondent] = Field(default_factory=dict)
    """Groups who answer surveys, by key."""

    scales: dict[str, Scale] = Field(default_factory=dict)
    """Answer scales of survey items, by key."""

    fields: dict[str, AuditField] = Field(default_factory=dict)
    """Columns of the audit checklist, by key."""

    dimensions: list[Dimension] = Field(min_length=1)
    """The tree of dimensions and indicators."""

    bonus: list[BonusItem] = Field(default_factory=list)
    """Extra points, capped at scoring.bonus_cap."""

    veto: list[VetoItem] = Field(default_factory=list)
    """Conditions that cap the grade."""

    # Set by the loader: where the framework came from and the sha256 of its bytes.
    _source_path: str | None = PrivateAttr(default=None)
    _source_sha256: str | None = PrivateAttr(default=None)

    def __eq__(self, other: object) -> bool:
        # Equal content is an equal framework, wherever it was loaded from.
        return type(other) is type(self) and self.__dict__ == other.__dict__

    __hash__ = None  # mutable model: not hashable, like pydantic's default

    @property
    def source_sha256(self) -> str | None:
        """sha256 of the file (or text) the framework was loaded from; None if built in Python."""
        return self._source_sha256

    @property
    def source_path(self) -> str | None:
        """The file the framework was loaded from, if any."""
        return self._source_path

    # -- navigation helpers used by the engine, reports and docs --------------------

    def walk(self) -> Iterator[tuple[tuple[str, ...], Dimension | Indicator]]:
        """Yield ``(path, node)`` depth-first; ``path`` is the tuple of ids from the root."""

        def rec(nodes, prefix):
            for node in nodes:
                path = (*prefix, node.id)
                yield path, node
                if isinstance(node, Dimension):
                    yield from rec(node.children, path)

        yield from rec(self.dimensions, ())

    def indicators(self) -> list[Indicator]:
        return [n for _, n in self.walk() if isinstance(n, Indicator)]

    def items(self) -> list[Item]:
        return [it for ind in self.indicators() for it in (ind.items or [])]

    def node(self, node_id: str) -> Dimension | Indicator:
        for _, n in self.walk():
            if n.id == node_id:
                return n
        raise KeyError(node_id)

    def grade_for(self, score: float) -> Grade:
        """The grade of a total on the 0..100 scale (grades are listed highest first)."""
        for g in self.scoring.grades:
            if score >= g.min - 1e-9:
                return g
        return self.scoring.grades[-1]

    def max_total(self) -> float:
        return self.scoring.total if self.scoring.method == "points" else 100.0


# --------------------------------------------------------------------------- cross-checks


def _labels(fw: Framework) -> Iterator[tuple[Loc, Label]]:
    yield ("title",), fw.title
    if fw.description:
        yield ("description",), fw.description
    yield ("provenance", "note"), fw.provenance.note
    for i, g in enumerate(fw.scoring.grades):
        yield ("scoring", "grades", i, "label"), g.label
    for key, r in fw.respondents.items():
        yield ("respondents", key, "label"), r.label
        if r.description:
            yield ("respondents", key, "description"), r.description
    for key, s in fw.scales.items():
        for value, lab in s.labels.items():
            yield ("scales", key, "labels", value), lab
    for key, f in fw.fields.items():
        yield ("fields", key, "label"), f.label
        for name in ("unit", "help"):
            if getattr(f, name):
                yield ("fields", key, name), getattr(f, name)
        for j, c in enumerate(f.categories or []):
            yield ("fields", key, "categories", j, "label"), c.label
    for loc, node in _walk_locs(fw):
        yield (*loc, "label"), node.label
        if node.description:
            yield (*loc, "description"), node.description
        if isinstance(node, Indicator):
            yield (*loc, "recommendation"), node.recommendation
            if node.evidence:
                yield (*loc, "evidence"), node.evidence
            for j, it in enumerate(node.items or []):
                yield (*loc, "items", j, "text"), it.text
    for kind in ("bonus", "veto"):
        for i, b in enumerate(getattr(fw, kind)):
            yield (kind, i, "label"), b.label
            if b.evidence:
                yield (kind, i, "evidence"), b.evidence


def _walk_locs(fw: Framework) -> Iterator[tuple[Loc, Dimension | Indicator]]:
    def rec(node: Dimension, loc: Loc):
        yield loc, node
        for i, d in enumerate(node.dimensions):
            yield from rec(d, (*loc, "dimensions", i))
        for i, ind in enumerate(node.indicators):
            yield (*loc, "indicators", i), ind

    for i, d in enumerate(fw.dimensions):
        yield from rec(d, ("dimensions", i))


def _check_field_rule(fw: Framework, loc: Loc, field: str | None, rule, out: list) -> None:
    if field is None:
        out.append(((*loc,), "an audit or records indicator needs `field`"))
        return
    spec = fw.fields.get(field)
    if spec is None:
        out.append(((*loc, "field"), f"unknown field {field!r}; declare it under `fields`"))
        return
    want = FIELD_RULES.get(rule.type)
    if want is None:
        out.append(((*loc, "rule", "type"), f"rule {rule.type!r} is for survey items, not fields"))
        return
    if spec.type != want:
        out.append(
            (
                (*loc, "rule", "type"),
                f"rule {rule.type!r} needs a {want} field, but {field!r} is {spec.type}",
            )
        )
        return
    if rule.type == "levels":
        declared = {c.value for c in spec.categories or []}
        given = set(rule.levels)
        for extra in sorted(given - declared):
            out.append(
                ((*loc, "rule", "levels", extra), f"{extra!r} is not a category of {field!r}")
            )
        for miss in sorted(declared - given):
            out.append(
                ((*loc, "rule", "levels"), f"category {miss!r} of {field!r} has no attainment")
            )
    if rule.type == "bands":
        mins = [b.min for b in rule.bands]
        if any(b <= a for a, b in zip(mins, mins[1:], strict=False)):
            out.append(((*loc, "rule", "bands"), "bands must be in ascending order of `min`"))
        low = -math.inf if spec.min is None else spec.min
        high = math.inf if spec.max is None else spec.max
        for j, b in enumerate(rule.bands):
            if not low <= b.min <= high:
                out.append(
                    (
                        (*loc, "rule", "bands", j, "min"),
                        f"band min {b.min:g} lies outside the field's range {low:g}..{high:g}",
                    )
                )
    if rule.type == "goalposts" and not rule.low < rule.high:
        out.append(
            (
                (*loc, "rule"),
                f"goalposts need low < high (got low={rule.low:g}, high={rule.high:g})",
            )
        )


def _check_indicator(fw: Framework, loc: Loc, ind: Indicator, out: list) -> None:
    if ind.source == "survey":
        if ind.rule.type not in SURVEY_RULES:
            out.append(
                (
                    (*loc, "rule", "type"),
                    f"a survey indicator needs scale_mean or share_favourable, not {ind.rule.type!r}",
                )
            )
        if not ind.items:
            out.append((loc, "a survey indicator needs `items`"))
        if not ind.respondents:
            out.append((loc, "a survey indicator needs `respondents`"))
        if ind.field is not None:
            out.append(((*loc, "field"), "a survey indicator takes `items`, not `field`"))
        for k, r in enumerate(ind.respondents or []):
            if r not in fw.respondents:
                out.append(
                    (
                        (*loc, "respondents", k),
                        f"unknown respondent group {r!r}; declared: {sorted(fw.respondents)}",
                    )
                )
        for r, w in (ind.group_weights or {}).items():
            if r not in (ind.respondents or []):
                out.append(
                    (
                        (*loc, "group_weights", r),
                        f"{r!r} is not one of this indicator's respondents",
                    )
                )
            if not w > 0:
                out.append(((*loc, "group_weights", r), "group weights must be positive"))
        scales = set()
        for j, it in enumerate(ind.items or []):
            if it.scale not in fw.scales:
                out.append(
                    (
                        (*loc, "items", j, "scale"),
                        f"unknown scale {it.scale!r}; declared: {sorted(fw.scales)}",
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
                            f"{r!r} is not one of this indicator's respondents {ind.respondents or []}",
                        )
                    )
        if ind.items:
            for r in ind.respondents or []:
                asked = len(ind.items_for(r))
                if asked == 0:
                    out.append(((*loc, "items"), f"no item is asked of respondent group {r!r}"))
                elif ind.min_valid_items is not None and ind.min_valid_items > asked:
                    out.append(
                        (
                            (*loc, "min_valid_items"),
                            f"min_valid_items {ind.min_valid_items} exceeds the {asked} items asked of {r!r}",
                        )
                    )
        if ind.rule.type == "share_favourable" and scales:
            for key in sorted(scales):
                s = fw.scales[key]
                if not s.low < ind.rule.cut <= s.high:
                    out.append(
                        (
                            (*loc, "rule", "cut"),
                            f"cut {ind.rule.cut:g} must lie inside scale {key!r} ({s.low}..{s.high}) and above its lowest value",
                        )
                    )
    else:
        if ind.items:
            out.append(((*loc, "items"), f"a {ind.source} indicator takes `field`, not `items`"))
        if ind.respondents:
            out.append(((*loc, "respondents"), f"a {ind.source} indicator has no respondents"))
        if ind.method == "survey":
            out.append(((*loc, "method"), f"method survey needs source survey, not {ind.source}"))
        for key in ("group_weights", "min_valid_items"):
            if getattr(ind, key) is not None:
                out.append(
                    ((*loc, key), f"`{key}` belongs to survey indicators, not {ind.source} ones")
                )
        _check_field_rule(fw, loc, ind.field, ind.rule, out)


def _check_amounts(fw: Framework, out: list) -> None:
    points_mode = fw.scoring.method == "points"
    own, other = ("points", "weight") if points_mode else ("weight", "points")

    def rec(nodes, loc_prefix, key):
        total = 0.0
        for i, node in enumerate(nodes):
            loc = (*loc_prefix, key, i)
            if getattr(node, other) is not None:
                out.append(
                    (
                        (*loc, other),
                        f"`{other}` does not apply in {fw.scoring.method} mode; use `{own}`",
                    )
                )
            val = getattr(node, own)
            if points_mode:
                if val is None:
                    out.append((loc, "needs `points` (scoring.method is points)"))
                else:
                    total += val
            elif val is not None and not val > 0:
                out.append(((*loc, "weight"), f"weights must be positive (got {val:g})"))
            if isinstance(node, Dimension):
                if not node.children:
                    out.append((loc, "a dimension needs `dimensions` or `indicators`"))
                sub = 0.0
                sub += rec(node.dimensions, loc, "dimensions")
                sub += rec(node.indicators, loc, "indicators")
                if (
                    points_mode
                    and node.points is not None
                    and node.children
                    and not math.isclose(sub, node.points, abs_tol=1e-6)
                ):
                    out.append(
                        (
                            (*loc, "points"),
                            f"children's points add up to {sub:g}, not {node.points:g}",
                        )
                    )
        return total

    total = rec(fw.dimensions, (), "dimensions")
    if points_mode:
        if fw.scoring.total is None:
            out.append((("scoring", "total"), "points mode needs `total` (usually 100)"))
        elif not math.isclose(total, fw.scoring.total, abs_tol=1e-6):
            out.append(
                (
                    ("dimensions",),
                    f"dimension points add up to {total:g}, not the declared total {fw.scoring.total:g}",
                )
            )
    elif fw.scoring.total is not None:
        out.append(
            (("scoring", "total"), "`total` applies only in points mode (index mode is 0-100)")
        )


def cross_check(fw: Framework) -> list[tuple[Loc, str]]:
    """Every whole-file problem of a structurally valid framework, as ``(loc, message)``."""
    out: list[tuple[Loc, str]] = []

    # ids unique across the whole tree, items unique across the framework
    seen: dict[str, Loc] = {}
    for loc, node in _walk_locs(fw):
        if node.id in seen:
            out.append(
                (
                    (*loc, "id"),
                    f"duplicate id {node.id!r} (first used at {'.'.join(map(str, seen[node.id]))})",
                )
            )
        else:
            seen[node.id] = loc
    for kind in ("bonus", "veto"):
        for i, b in enumerate(getattr(fw, kind)):
            if b.id in seen:
                out.append(((kind, i, "id"), f"duplicate id {b.id!r}"))
            else:
                seen[b.id] = (kind, i)
    item_seen: dict[str, Loc] = {}
    for loc, node in _walk_locs(fw):
        if isinstance(node, Indicator):
            for j, it in enumerate(node.items or []):
                if it.id in item_seen:
                    out.append(((*loc, "items", j, "id"), f"duplicate item id {it.id!r}"))
                else:
                    item_seen[it.id] = (*loc, "items", j)
    clash = set(item_seen) & set(fw.fields)
    for name in sorted(clash):
        out.append((("fields", name), f"{name!r} is both a field and a survey item id"))
    # Item and field ids become data columns next to these, so they must not share a name.
    for name, loc in item_seen.items():
        if name in SURVEY_COLUMNS:
            out.append(
                ((*loc, "id"), f"{name!r} is a reserved survey column; choose another item id")
            )
    for name in fw.fields:
        if name in AUDIT_COLUMNS:
            out.append(
                (
                    ("fields", name),
                    f"{name!r} is a reserved audit column; choose another field name",
                )
            )

    # labels carry every declared language
    langs = fw.languages
    for loc, label in _labels(fw):
        for lang in langs:
            if not (label.get(lang) or "").strip():
                out.append((loc, f"label has no {lang!r} text (languages: {', '.join(langs)})"))
        for lang in label:
            if lang not in langs:
                out.append(((*loc, lang), f"language {lang!r} is not declared in `languages`"))

    # scales
    for key, s in fw.scales.items():
        if len(set(s.values)) != len(s.values):
            out.append((("scales", key, "values"), "scale values must be distinct"))
        for code in s.missing_codes:
            if code in s.values:
                out.append(
                    (("scales", key, "missing_codes"), f"missing code {code} is also a scale value")
                )
        for value in s.labels:
            if value not in s.values and value not in s.missing_codes:
                out.append(
                    (
                        ("scales", key, "labels", value),
                        f"label for {value}, which is neither a value nor a missing code",
                    )
                )
        if s.labels:
            for value in [*s.values, *s.missing_codes]:
                if value not in s.labels:
                    out.append((("scales", key, "labels"), f"value {value} has no label"))

    for key, f in fw.fields.items():
        if f.categories:
            values = [c.value for c in f.categories]
            if len(set(values)) != len(values):
                out.append((("fields", key, "categories"), "category values must be distinct"))

    # tree: references and rules
    for loc, node in _walk_locs(fw):
        if isinstance(node, Indicator):
            _check_indicator(fw, loc, node, out)
    _check_amounts(fw, out)

    # grades: strictly descending, covering 0, within range
    grades = fw.scoring.grades
    mins = [g.min for g in grades]
    if any(b >= a for a, b in zip(mins, mins[1:], strict=False)):
        out.append(
            (
                ("scoring", "grades"),
                f"grade minimums must be strictly descending (got {', '.join(f'{m:g}' for m in mins)})",
            )
        )
    if mins[-1] > 0:
        out.append(
            (
                ("scoring", "grades", len(grades) - 1, "min"),
                "the lowest grade must start at 0 so every score has a grade",
            )
        )
    for i, g in enumerate(grades):
        if g.min < 0 or g.min > 100:
            out.append(
                (("scoring", "grades", i, "min"), f"grade minimum {g.min:g} is outside 0..100")
            )
    grade_ids = [g.id for g in grades]
    if len(set(grade_ids)) != len(grade_ids):
        out.append((("scoring", "grades"), "grade ids must be distinct"))

    # bonus and veto
    if fw.bonus and fw.scoring.bonus_cap <= 0:
        out.append((("scoring", "bonus_cap"), "bonus items need a positive `bonus_cap`"))
    for i, b in enumerate(fw.bonus):
        _check_field_rule(fw, ("bonus", i), b.field, b.rule, out)
    for i, v in enumerate(fw.veto):
        spec = fw.fields.get(v.field)
        if spec is None:
            out.append(
                (("veto", i, "field"), f"unknown field {v.field!r}; declare it under `fields`")
            )
        elif spec.type != "boolean":
            out.append(
                (
                    ("veto", i, "field"),
                    f"a veto needs a boolean field, but {v.field!r} is {spec.type}",
                )
            )
        if v.max_grade is not None and v.max_grade not in grade_ids:
            out.append(
                (("veto", i, "max_grade"), f"unknown grade {v.max_grade!r}; grades: {grade_ids}")
            )
    return out
