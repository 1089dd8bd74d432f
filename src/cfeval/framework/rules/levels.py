"""``levels``: a category field; each category value maps to an attainment."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field

from cfeval.framework.base import FormatModel
from cfeval.framework.rules.entry import RuleType, percent
from cfeval.i18n import N_, Msg

__all__ = ["LevelsRule", "ENTRY"]


class LevelsRule(FormatModel):
    """A category field: each category value maps to an attainment in [0, 1]."""

    type: Literal["levels"]
    levels: dict[str, Annotated[float, Field(ge=0, le=1)]]
    """Attainment (0..1) of each category value of the field."""


def check(rule, ctx):
    declared = {c.value for c in ctx.field.categories or []}
    given = set(rule.levels)
    name = repr(ctx.field_name)
    for extra in sorted(given - declared):
        yield (
            ("levels", extra),
            Msg("{value} is not a category of {field}", value=repr(extra), field=name),
        )
    for miss in sorted(declared - given):
        yield (
            ("levels",),
            Msg("category {value} of {field} has no attainment", value=repr(miss), field=name),
        )


def score(values, rule, **_: Any):
    import numpy as np
    import pandas as pd

    mapped = pd.Series(values, dtype=object).map(rule.levels)
    return np.asarray(mapped, dtype=np.float64)


def describe(rule, ctx) -> str:
    w = ctx.w
    pairs = w("; ").join(f"{ctx.category(k)} → {percent(a)}" for k, a in rule.levels.items())
    return w(N_("Levels: {pairs}."), pairs=pairs)


def synthesize(rule, field, attainment: float, u: float) -> str:
    # The category whose attainment is nearest; the first declared wins a tie.
    values = [cat.value for cat in field.categories]
    return min(values, key=lambda v: abs(rule.levels[v] - attainment))


ENTRY = RuleType(
    name="levels",
    params=LevelsRule,
    evidence="field",
    field_types=frozenset({"category"}),
    score=score,
    describe=describe,
    synthesize=synthesize,
    check=check,
)
