"""``yes_no``: a boolean field; yes gives full attainment, no gives none."""

from __future__ import annotations

from typing import Any, Literal

from cfeval.framework.base import FormatModel
from cfeval.framework.rules.entry import RuleType
from cfeval.i18n import N_

__all__ = ["YesNoRule", "ENTRY"]


class YesNoRule(FormatModel):
    """A boolean field: yes gives full attainment, no gives none."""

    type: Literal["yes_no"]


def score(values, rule, **_: Any):
    import numpy as np

    v = np.asarray(values, dtype=np.float64)
    return np.where(np.isnan(v), np.nan, (v > 0.5).astype(np.float64))


def describe(rule, ctx) -> str:
    return ctx.w(N_("Yes / no: yes gives 100%, no gives 0%."))


def synthesize(rule, field, attainment: float, u: float) -> int:
    # "yes" with probability = attainment.
    return int(u < attainment)


ENTRY = RuleType(
    name="yes_no",
    params=YesNoRule,
    evidence="field",
    field_types=frozenset({"boolean"}),
    score=score,
    describe=describe,
    synthesize=synthesize,
)
