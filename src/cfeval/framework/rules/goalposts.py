"""``goalposts``: a number field, linear from ``low`` (0) to ``high`` (1), clamped."""

from __future__ import annotations

from typing import Any, Literal

from cfeval.framework.base import FormatModel
from cfeval.framework.rules.entry import RuleType
from cfeval.i18n import N_, Msg

__all__ = ["GoalpostsRule", "ENTRY"]


class GoalpostsRule(FormatModel):
    """A number field: linear from ``low`` (0) to ``high`` (1), clamped; or reversed."""

    type: Literal["goalposts"]
    low: float
    """Value that gives attainment 0 (1 when lower_is_better)."""

    high: float
    """Value that gives attainment 1 (0 when lower_is_better)."""

    direction: Literal["higher_is_better", "lower_is_better"] = "higher_is_better"


def check(rule, ctx):
    if not rule.low < rule.high:
        yield (
            (),
            Msg(
                "goalposts need low < high (got low={low}, high={high})",
                low=f"{rule.low:g}",
                high=f"{rule.high:g}",
            ),
        )


def score(values, rule, **_: Any):
    import numpy as np

    v = np.asarray(values, dtype=np.float64)
    frac = np.clip((v - rule.low) / (rule.high - rule.low), 0.0, 1.0)
    return 1.0 - frac if rule.direction == "lower_is_better" else frac


def describe(rule, ctx) -> str:
    low, high = ctx.value(rule.low), ctx.value(rule.high)
    if rule.direction == "lower_is_better":
        return ctx.w(
            N_(
                "Goalposts (lower is better): {low} or less gives 100%, {high} or more gives 0%, "
                "linear in between."
            ),
            low=low,
            high=high,
        )
    return ctx.w(
        N_("Goalposts: {low} or less gives 0%, {high} or more gives 100%, linear in between."),
        low=low,
        high=high,
    )


def synthesize(rule, field, attainment: float, u: float) -> float:
    span = rule.high - rule.low
    if rule.direction == "higher_is_better":
        return rule.low + attainment * span
    return rule.high - attainment * span


ENTRY = RuleType(
    name="goalposts",
    params=GoalpostsRule,
    evidence="field",
    field_types=frozenset({"number"}),
    score=score,
    describe=describe,
    synthesize=synthesize,
    check=check,
)
