"""``proposal_log``: an indicator computed from the children's proposal log.

The rule names a measure of the log (proposals per period, share answered within N days,
share acted on, median days to an answer, share reported back to the children) and how that
number is scored (``scored_by``: a ``bands``, ``goalposts`` or ``target`` rule). The
indicator keeps its audit ``field``: for a community and wave the log has no proposals for
(or when no log is given at all) the audit value is scored the same way, so a framework
works with or without a log. Shares are percentages (0..100), the unit audit sheets use,
so the audit field and the log's measure read on one scale. The engine computes the
measure (:mod:`cfeval.data.proposal_measures`) and says per community which source it used.
A bonus item with this rule reads its audit field only (bonus points come from the audit).

>>> rule = ProposalLogRule(type="proposal_log", measure="n_proposals",
...                        scored_by={"type": "target", "target": 12})
>>> float(score([6.0], rule)[0])
0.5
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field

from cfeval.framework.base import FormatModel
from cfeval.framework.rules import bands, goalposts, target
from cfeval.framework.rules.bands import BandsRule
from cfeval.framework.rules.entry import RuleType
from cfeval.framework.rules.goalposts import GoalpostsRule
from cfeval.framework.rules.target import TargetRule
from cfeval.i18n import N_, Msg

__all__ = ["MEASURE_WORDS", "SHARES", "ProposalLogRule", "ENTRY"]

Measure = Literal[
    "n_proposals",
    "share_answered_within",
    "share_acted_on",
    "median_days_to_answer",
    "share_reported_back",
]
#: Measures that are shares, given in percent (0..100).
SHARES = frozenset({"share_answered_within", "share_acted_on", "share_reported_back"})
#: Each measure in words (``{days}``: the rule's ``within_days``).
MEASURE_WORDS: dict[str, str] = {
    "n_proposals": N_("number of proposals raised in the period"),
    "share_answered_within": N_("share of proposals answered within {days} days"),
    "share_acted_on": N_("share of proposals acted on"),
    "median_days_to_answer": N_("median days from a proposal to its answer"),
    "share_reported_back": N_("share of proposals reported back to the children"),
}
_NUMBER_RULES = {"bands": bands, "goalposts": goalposts, "target": target}


class ProposalLogRule(FormatModel):
    """A measure of the proposal log, scored by a number rule; the audit field is the fallback."""

    type: Literal["proposal_log"]
    measure: Measure
    """Which number of the log: n_proposals, share_answered_within, share_acted_on,
    median_days_to_answer or share_reported_back (shares in percent)."""

    within_days: int = Field(30, ge=0, le=366)
    """The N of share_answered_within: an answer within this many days counts."""

    scored_by: Annotated[BandsRule | GoalpostsRule | TargetRule, Field(discriminator="type")]
    """How the number is scored: a bands, goalposts or target rule."""


def check(rule, ctx):
    for sub, message in _NUMBER_RULES[rule.scored_by.type].ENTRY.check(rule.scored_by, ctx):
        yield ("scored_by", *sub), message
    if rule.measure in SHARES and ctx.field is not None and (ctx.field.max or 100) < 100:
        yield (
            ("measure",),
            Msg(
                "{measure} is a percentage (0..100) but field {field} stops at {max}; give the "
                "field max: 100 so the audit sheet and the log use one scale",
                measure=rule.measure,
                field=ctx.field_name,
                max=f"{ctx.field.max:g}",
            ),
        )


def score(values, rule, **kwargs: Any):
    return _NUMBER_RULES[rule.scored_by.type].score(values, rule.scored_by, **kwargs)


def describe(rule, ctx) -> str:
    w = ctx.w
    inner = _NUMBER_RULES[rule.scored_by.type].describe(rule.scored_by, ctx)
    return w(
        N_(
            "From the children's proposal log: {measure}. {inner} For a community without "
            "proposals in the log, the audit field is scored the same way."
        ),
        measure=w(MEASURE_WORDS[rule.measure]).format(days=rule.within_days),
        inner=inner,
    )


def synthesize(rule, field, attainment: float, u: float) -> float:
    return _NUMBER_RULES[rule.scored_by.type].synthesize(rule.scored_by, field, attainment, u)


ENTRY = RuleType(
    name="proposal_log",
    params=ProposalLogRule,
    evidence="field",
    field_types=frozenset({"number"}),
    score=score,
    describe=describe,
    synthesize=synthesize,
    check=check,
)
