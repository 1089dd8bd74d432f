"""What a rule type is made of: :class:`RuleType`, one entry per rule type.

A rule turns evidence into an attainment in [0, 1]. Everything cfeval knows about one
rule type sits in its entry, in its own module (``rules/<type>.py``):

* ``params``: the pydantic model of its parameters (``type: Literal[name]`` plus its own
  keys); the discriminated union of every entry's model is the ``rule:`` of the format;
* ``evidence``: ``"survey"`` (it reads the answers of an indicator's items) or
  ``"field"`` (it reads one audit/records field of the type(s) in ``field_types``);
* ``check``: its whole-file checks, ``check(rule, ctx) -> [(loc under rule, Msg)]``;
* ``score``: the vectorised scoring function the engine calls,
  ``score(values, rule, *, needed=1, scale=None) -> attainment array``;
* ``describe``: the rule in words, ``describe(rule, ctx) -> str`` in ``ctx.w``'s language
  (sentences are catalogue message ids: ``locale/<lang>/LC_MESSAGES/framework.po``);
* ``synthesize``: the inverse used for synthetic data: for a field rule
  ``synthesize(rule, field, attainment, u) -> field value`` (``u`` uniform in [0, 1) for
  draws inside a band), for a survey rule ``synthesize(rule, attainment) -> the mean
  answer position in 0..1`` that gives about that attainment.

Adding an optional part later (the field kit's ``template``: how the rule's question or
audit column is laid out on a questionnaire) means adding a field with a default to
:class:`RuleType` below; existing entries stay as they are, since the dataclass is frozen
and keyword-built.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from pydantic import BaseModel

    from cfeval.framework.base import Loc
    from cfeval.framework.model import AuditField, Framework, Scale
    from cfeval.i18n import Msg, Words

__all__ = ["RuleType", "CheckContext", "DescribeContext", "percent", "no_checks"]


@dataclass(frozen=True)
class CheckContext:
    """What a rule's whole-file checks may look at.

    ``field``/``field_name``: the audit field a field rule reads (already known to exist
    and to have a type the rule accepts); ``scales``: the scales of a survey indicator's
    items, by key, in sorted key order.
    """

    framework: Framework
    field_name: str | None = None
    field: AuditField | None = None
    scales: dict[str, Scale] = dataclasses.field(default_factory=dict)


@dataclass(frozen=True)
class DescribeContext:
    """What a rule's description needs: the words of one language and the field's units."""

    w: Words
    #: A value of the field with its unit, e.g. ``value(12) == "12 m²"``.
    value: Callable[[float], str]
    #: The label of a category value of the field in this language.
    category: Callable[[str], str]


def percent(attainment: float) -> str:
    """An attainment as the reference writes it: ``0.5`` → ``50%``, ``1/3`` → ``33.3333%``."""
    return f"{attainment * 100:g}%"


def no_checks(rule: Any, ctx: CheckContext) -> Iterable[tuple[Loc, Msg]]:
    """For rule types whose parameters need nothing from the rest of the file."""
    return ()


@dataclass(frozen=True, kw_only=True)
class RuleType:
    """One rule type: its parameters, checks, scoring, words and synthetic-data inverse."""

    name: str
    params: type[BaseModel]
    evidence: Literal["survey", "field"]
    score: Callable[..., Any]
    describe: Callable[[Any, DescribeContext], str]
    synthesize: Callable[..., Any]
    #: Audit field types a field rule reads (``boolean``, ``number``, ``category``).
    field_types: frozenset[str] = frozenset()
    check: Callable[[Any, CheckContext], Iterable[tuple[Loc, Msg]]] = no_checks

    def __post_init__(self) -> None:
        tag = self.params.model_fields.get("type")
        if tag is None or getattr(tag.annotation, "__args__", None) != (self.name,):
            raise ValueError(f"{self.params.__name__}.type must be Literal[{self.name!r}]")
        if (self.evidence == "field") != bool(self.field_types):
            raise ValueError(f"rule type {self.name!r}: field_types go with field evidence")
