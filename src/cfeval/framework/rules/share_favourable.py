"""``share_favourable``: the share of respondents whose mean answer reaches a cut."""

from __future__ import annotations

from typing import Literal

from cfeval.framework.base import FormatModel
from cfeval.framework.rules.entry import RuleType
from cfeval.framework.rules.scale_mean import respondent_mean
from cfeval.i18n import N_, Msg

__all__ = ["ShareFavourableRule", "ENTRY"]

# Means of rescaled answers are compared against a cut converted to the same 0..1 scale;
# the tolerance keeps an exact hit on the cut (4 of 5, say) from missing by rounding.
_CUT_TOL = 1e-9


class ShareFavourableRule(FormatModel):
    """Share of respondents whose mean over the items (after reversal) is at or above ``cut``."""

    type: Literal["share_favourable"]
    cut: float
    """A respondent is favourable when their mean answer (after reversal) is at least this."""


def check(rule, ctx):
    # One cut for every item: on scales of different ranges it would mean different
    # things per item, and the respondent's mean would mix them (order-dependent before).
    ranges = {(s.low, s.high) for s in ctx.scales.values()}
    if len(ranges) > 1:
        yield (
            ("cut",),
            Msg(
                "share_favourable puts one cut on every item, so its items must share one "
                "answer range; these items use scales {scales}: split the indicator, or give "
                "the items scales with the same lowest and highest values",
                scales=", ".join(f"{k} ({s.low}..{s.high})" for k, s in ctx.scales.items()),
            ),
        )
        return
    for key, s in ctx.scales.items():
        if not s.low < rule.cut <= s.high:
            yield (
                ("cut",),
                Msg(
                    "cut {cut} must lie inside scale {scale} ({low}..{high}) and above its lowest value",
                    cut=f"{rule.cut:g}",
                    scale=repr(key),
                    low=s.low,
                    high=s.high,
                ),
            )


def score(values, rule, *, needed=1, scale=None):
    import numpy as np

    if scale is None:
        raise ValueError("share_favourable needs the items' scale to place the cut")
    mean = respondent_mean(values, needed)
    cut = (rule.cut - scale.low) / (scale.high - scale.low)
    out = (mean >= cut - _CUT_TOL).astype(np.float64)
    out[np.isnan(mean)] = np.nan
    return out


def describe(rule, ctx) -> str:
    return ctx.w(
        N_(
            "Favourable share: share of respondents whose mean over the items (reverse items "
            "flipped) is at least {cut}; per group first, then groups combined."
        ),
        cut=f"{rule.cut:g}",
    )


def synthesize(rule, attainment: float) -> float:
    # Answers are drawn around the attainment as a mean position, as for scale_mean; the
    # share above the cut then rises with it, which is all synthetic data needs.
    return attainment


ENTRY = RuleType(
    name="share_favourable",
    params=ShareFavourableRule,
    evidence="survey",
    score=score,
    describe=describe,
    synthesize=synthesize,
    check=check,
)
