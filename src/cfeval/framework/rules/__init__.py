"""The rule types of the framework format, one module each, and their registry.

``scale_mean`` and ``share_favourable`` read survey answers; ``yes_no``, ``levels``,
``bands``, ``goalposts`` and ``target`` read one audit or records field; ``proposal_log``
reads a measure of the children's proposal log, with its audit field as the fallback. Each module
holds its rule's parameters model, whole-file checks, scoring, words and synthetic-data
inverse as one :class:`~cfeval.framework.rules.entry.RuleType`; ``registry.RULE_TYPES``
lists them. To add a rule type, write one module like ``target.py`` and list its
``ENTRY`` in ``registry.py`` (or :func:`register` it at run time).
"""

from cfeval.framework.rules.bands import Band, BandsRule
from cfeval.framework.rules.entry import CheckContext, DescribeContext, RuleType
from cfeval.framework.rules.goalposts import GoalpostsRule
from cfeval.framework.rules.levels import LevelsRule
from cfeval.framework.rules.proposal_log import ProposalLogRule
from cfeval.framework.rules.registry import (
    RULE_TYPES,
    field_rule_types,
    register,
    rule_type,
    rule_union,
    survey_rule_names,
    unregister,
)
from cfeval.framework.rules.scale_mean import ScaleMeanRule, respondent_mean
from cfeval.framework.rules.share_favourable import ShareFavourableRule
from cfeval.framework.rules.target import TargetRule
from cfeval.framework.rules.yes_no import YesNoRule

__all__ = [
    "Band",
    "BandsRule",
    "GoalpostsRule",
    "LevelsRule",
    "ProposalLogRule",
    "ScaleMeanRule",
    "ShareFavourableRule",
    "TargetRule",
    "YesNoRule",
    "respondent_mean",
    "RULE_TYPES",
    "CheckContext",
    "DescribeContext",
    "RuleType",
    "field_rule_types",
    "register",
    "rule_type",
    "rule_union",
    "survey_rule_names",
    "unregister",
]
