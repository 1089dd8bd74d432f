"""The framework format as pydantic models.

A framework is a tree: dimensions hold dimensions and/or indicators; each indicator says
where its evidence comes from (``source``), how it is collected (``method``) and how the
evidence becomes an attainment in [0, 1] (``rule``, one of the rule types registered in
:mod:`cfeval.framework.rules`). Scoring settings, respondent groups, answer scales, audit
fields, bonus and veto items complete the file.

Structural validation is pydantic's (``extra="forbid"`` everywhere); the checks that need
the whole file (ids unique, references exist, points add up, ...) are in
:func:`cfeval.framework.consistency.cross_check`.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Literal

from pydantic import Field, PrivateAttr, model_validator

from cfeval import _columns
from cfeval.framework.base import FormatModel, Label, Loc
from cfeval.framework.index_model import IndexSettings
from cfeval.framework.proposal_lists import ProposalLists
from cfeval.framework.rules import rule_union
from cfeval.framework.vocabulary import METHOD_LABELS, SOURCE_LABELS
from cfeval.i18n import Msg

__all__ = [
    "Label",
    "Loc",
    "Scale",
    "Respondent",
    "Category",
    "AuditField",
    "Item",
    "Rule",
    "Method",
    "SourceKind",
    "Indicator",
    "Dimension",
    "Grade",
    "Scoring",
    "BonusItem",
    "VetoItem",
    "Source",
    "Provenance",
    "Framework",
    "METHOD_LABELS",
    "SOURCE_LABELS",
    "SURVEY_COLUMNS",
    "AUDIT_COLUMNS",
    "rebuild_rule_fields",
]

#: The type of a ``rule:`` for the rule types known at import time; the models' fields
#: follow later registrations (:func:`rebuild_rule_fields`).
Rule = rule_union()


# --------------------------------------------------------------------------- scales


class Scale(FormatModel):
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


class Respondent(FormatModel):
    """A group of people who answer surveys (children, parents, staff)."""

    label: Label
    """Name of the group, per language."""

    min_n: int = Field(default=10, ge=1)
    """Respondents needed per community; below this the group's results are flagged."""

    description: Label | None = None


class Category(FormatModel):
    value: str
    label: Label


class AuditField(FormatModel):
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
            raise ValueError(Msg("a category field needs `categories`"))
        if self.type != "category" and self.categories:
            raise ValueError(Msg("`categories` only belong to a field of type category"))
        if self.type != "number" and (self.min is not None or self.max is not None):
            raise ValueError(Msg("`min`/`max` only belong to a field of type number"))
        if self.min is not None and self.max is not None and self.min >= self.max:
            raise ValueError(
                Msg("`min` ({min}) must be below `max` ({max})", min=self.min, max=self.max)
            )
        return self


#: Columns the data contract gives a meaning of their own (defined once in cfeval._columns).
SURVEY_COLUMNS = frozenset(_columns.SURVEY_COLUMNS)
AUDIT_COLUMNS = frozenset(_columns.AUDIT_COLUMNS)

# --------------------------------------------------------------------------- tree


class Item(FormatModel):
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


class Indicator(FormatModel):
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


class Dimension(FormatModel):
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


class Grade(FormatModel):
    id: str = Field(pattern=r"^[A-Za-z][A-Za-z0-9_]*$")
    min: float
    """Lowest total score (0..100) with this grade; grades are listed highest first."""

    label: Label


class Scoring(FormatModel):
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

    share_interval: Literal["wilson", "korn_graubard"] = "wilson"
    """Interval of share_favourable indicators: wilson (default) or korn_graubard (conservative)."""

    min_coverage_for_grade: float = Field(default=0.7, ge=0, le=1)
    """Share of the total's points (or weight) that must have data for a final grade."""

    below_min_coverage: Literal["provisional", "withheld"] = "provisional"
    """Below min_coverage_for_grade the grade is shown as provisional, or withheld."""


class BonusItem(FormatModel):
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


class VetoItem(FormatModel):
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


class Source(FormatModel):
    title: str
    url: str | None = None
    year: int | None = None
    note: str | None = None


class Provenance(FormatModel):
    based_on: list[Source] = Field(default_factory=list)
    note: Label
    authors: list[str] = Field(default_factory=list)


class Framework(FormatModel):
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

    index: IndexSettings | None = None
    """Index mode: a composite index built across the units (treatment, imputation,
    normalisation, aggregation per level, weight sets, sensitivity); see docs/methods.md."""

    proposals: ProposalLists | None = None
    """Topics and adult bodies of the children's proposal log (``proposal_log`` rules)."""

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


def rebuild_rule_fields() -> None:
    """Make the ``rule`` fields accept exactly the registered rule types.

    Called by :func:`cfeval.framework.rules.register`; the models that hold a rule are
    rebuilt, then the models that hold those (pydantic inlines a submodel's validator).
    """
    from pydantic.fields import FieldInfo

    union = rule_union()
    for model in (Indicator, BonusItem):
        old = model.model_fields["rule"]
        new = FieldInfo.from_annotation(union)
        new.description = old.description
        model.model_fields["rule"] = new
        model.model_rebuild(force=True)
    for model in (Dimension, Framework):
        model.model_rebuild(force=True)
