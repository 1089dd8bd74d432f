"""The registry of rule types: an explicit dict from ``type:`` to its :class:`RuleType`.

The built-in entries are listed here by hand (no module scanning); :func:`register`
adds another one at run time, after which the framework models accept it in YAML, the
whole-file checks run its checks, the engine scores it, the reference describes it and
the sample generator synthesizes data for it.

>>> RULE_TYPES["target"].evidence
'field'
"""

from __future__ import annotations

import functools
import operator
from typing import Annotated, Any

from pydantic import Field

from cfeval.framework.rules import (
    bands,
    goalposts,
    levels,
    proposal_log,
    scale_mean,
    share_favourable,
    target,
    yes_no,
)
from cfeval.framework.rules.entry import RuleType

__all__ = [
    "RULE_TYPES",
    "register",
    "unregister",
    "rule_type",
    "rule_union",
    "survey_rule_names",
    "field_rule_types",
]

#: Every rule type by name, in the order the format documents them.
RULE_TYPES: dict[str, RuleType] = {
    entry.name: entry
    for entry in (
        scale_mean.ENTRY,
        share_favourable.ENTRY,
        yes_no.ENTRY,
        levels.ENTRY,
        bands.ENTRY,
        goalposts.ENTRY,
        target.ENTRY,
        proposal_log.ENTRY,
    )
}


def rule_type(name: str) -> RuleType:
    """The entry of rule type ``name`` (``KeyError`` when there is none)."""
    return RULE_TYPES[name]


def rule_union() -> Any:
    """The pydantic type of a ``rule:``: the union of every entry's model, tagged by ``type``."""
    members = functools.reduce(operator.or_, (e.params for e in RULE_TYPES.values()))
    return Annotated[members, Field(discriminator="type")]


def survey_rule_names() -> list[str]:
    """Names of the rule types that read survey answers, in registry order."""
    return [name for name, e in RULE_TYPES.items() if e.evidence == "survey"]


def field_rule_types() -> dict[str, frozenset[str]]:
    """For each rule type that reads a field, the field types it accepts."""
    return {name: e.field_types for name, e in RULE_TYPES.items() if e.evidence == "field"}


def register(entry: RuleType) -> None:
    """Add a rule type; from now on frameworks may use ``rule: {type: <entry.name>, ...}``.

    The framework models are rebuilt so that their ``rule`` fields accept it. Raises
    ``ValueError`` when the name is taken.

    >>> register(RuleType(name="threshold", params=ThresholdRule, ...))  # doctest: +SKIP
    """
    if entry.name in RULE_TYPES:
        raise ValueError(f"rule type {entry.name!r} is already registered")
    RULE_TYPES[entry.name] = entry
    _rebuild_models()


def unregister(name: str) -> RuleType:
    """Remove a rule type added with :func:`register` and return it (built-ins stay)."""
    if name in _BUILT_IN:
        raise ValueError(f"rule type {name!r} is built in")
    entry = RULE_TYPES.pop(name)
    _rebuild_models()
    return entry


_BUILT_IN = frozenset(RULE_TYPES)


def _rebuild_models() -> None:
    from cfeval.framework.model import rebuild_rule_fields

    rebuild_rule_fields()
