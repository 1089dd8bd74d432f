"""``target``: a number field; value / target, capped at 1 (and at 0 below)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from cfeval.framework.base import FormatModel
from cfeval.framework.rules.entry import RuleType
from cfeval.i18n import N_

__all__ = ["TargetRule", "ENTRY"]


class TargetRule(FormatModel):
    """A number field: value / target, capped at 1 (and at 0 below)."""

    type: Literal["target"]
    target: float = Field(gt=0)
    """Value that gives full attainment; value / target, capped at 1."""


def score(values, rule, **_: Any):
    import numpy as np

    v = np.asarray(values, dtype=np.float64)
    return np.clip(v / rule.target, 0.0, 1.0)


def describe(rule, ctx) -> str:
    return ctx.w(N_("Target: value ÷ {target}, capped at 100%."), target=ctx.value(rule.target))


def synthesize(rule, field, attainment: float, u: float) -> float:
    return max(attainment, 0.0) * rule.target


ENTRY = RuleType(
    name="target",
    params=TargetRule,
    evidence="field",
    field_types=frozenset({"number"}),
    score=score,
    describe=describe,
    synthesize=synthesize,
)
