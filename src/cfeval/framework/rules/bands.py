"""``bands``: a number field; the attainment of the highest band the value reaches."""

from __future__ import annotations

import math
from typing import Any, Literal

from pydantic import Field

from cfeval.framework.base import FormatModel
from cfeval.framework.rules.entry import RuleType, percent
from cfeval.i18n import N_, Msg

__all__ = ["Band", "BandsRule", "ENTRY"]


class Band(FormatModel):
    min: float
    """The band applies from this value up."""

    attainment: float = Field(ge=0, le=1)
    """Attainment (0..1) within this band."""


class BandsRule(FormatModel):
    """A number field: the attainment of the highest band whose ``min`` the value reaches."""

    type: Literal["bands"]
    bands: list[Band] = Field(min_length=1)
    """Bands in ascending order of min."""


def check(rule, ctx):
    mins = [b.min for b in rule.bands]
    if any(b <= a for a, b in zip(mins, mins[1:], strict=False)):
        yield ("bands",), Msg("bands must be in ascending order of `min`")
    low = -math.inf if ctx.field.min is None else ctx.field.min
    high = math.inf if ctx.field.max is None else ctx.field.max
    for j, b in enumerate(rule.bands):
        if not low <= b.min <= high:
            yield (
                ("bands", j, "min"),
                Msg(
                    "band min {min} lies outside the field's range {low}..{high}",
                    min=f"{b.min:g}",
                    low=f"{low:g}",
                    high=f"{high:g}",
                ),
            )


def score(values, rule, **_: Any):
    import numpy as np

    v = np.asarray(values, dtype=np.float64)
    mins = np.array([b.min for b in rule.bands])
    att = np.array([b.attainment for b in rule.bands])
    idx = np.searchsorted(mins, v, side="right") - 1
    # Below the lowest band the value earns nothing rather than being treated as missing.
    out = np.where(idx >= 0, att[np.clip(idx, 0, None)], 0.0)
    return np.where(np.isnan(v), np.nan, out)


def describe(rule, ctx) -> str:
    w = ctx.w
    pairs = w("; ").join(f"{ctx.value(b.min)} → {percent(b.attainment)}" for b in rule.bands)
    return w(N_("Bands (value at least → attainment): {pairs}."), pairs=pairs)


def synthesize(rule, field, attainment: float, u: float) -> float:
    # A value drawn inside the band whose attainment is nearest; the top band reaches half
    # its own size (or the field's maximum) above its minimum.
    bands = rule.bands
    j = min(range(len(bands)), key=lambda i: abs(bands[i].attainment - attainment))
    start = bands[j].min
    if j + 1 < len(bands):
        stop = bands[j + 1].min
    else:
        stop = start + max(abs(start), 1.0) * 0.5
        if field.max is not None:
            stop = min(field.max, stop)
    return start + u * (stop - start)


ENTRY = RuleType(
    name="bands",
    params=BandsRule,
    evidence="field",
    field_types=frozenset({"number"}),
    score=score,
    describe=describe,
    synthesize=synthesize,
    check=check,
)
