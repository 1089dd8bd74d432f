"""The scoring stage's side of the rules: item preparation and the rule functions by type.

Each rule type's vectorised scoring function lives with the rest of that rule type in
:mod:`cfeval.framework.rules` (one module per type). ``RULES`` maps a rule ``type`` to
that function through the registry, live, so a rule type registered later is scored too.
There are two shapes of evidence:

* survey rules (``scale_mean``, ``share_favourable``) receive the respondents' answers to
  an indicator's items as a 2-D float array, already reverse-coded and rescaled to 0..1
  per item by :func:`rescale_items` (NaN where there is no valid answer), plus the number
  of valid answers a respondent needs; they return one value per respondent (NaN when the
  respondent does not count). The engine averages these values by group.
* field rules (``yes_no``, ``levels``, ``bands``, ``goalposts``, ``target``) receive one
  value per community (float, or the category string for ``levels``; NaN/None when the
  audit has no answer) and return the attainment, NaN where the value is missing.

Every function has the signature ``fn(values, rule, *, needed=1, scale=None)`` so the
engine can call any of them the same way.

>>> import numpy as np
>>> from cfeval.framework.rules.target import TargetRule
>>> RULES["target"](np.array([50.0, 300.0, np.nan]), TargetRule(type="target", target=200))
array([0.25, 1.  ,  nan])
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import TYPE_CHECKING, Any

from cfeval.framework.rules import RULE_TYPES

if TYPE_CHECKING:
    import numpy as np

__all__ = ["RULES", "rescale_items"]


class _ScoringFunctions(Mapping[str, Callable[..., Any]]):
    """Rule type → its scoring function, read from the registry at each look-up."""

    def __getitem__(self, name: str) -> Callable[..., Any]:
        return RULE_TYPES[name].score

    def __iter__(self) -> Iterator[str]:
        return iter(RULE_TYPES)

    def __len__(self) -> int:
        return len(RULE_TYPES)


RULES: Mapping[str, Callable[..., Any]] = _ScoringFunctions()


def rescale_items(
    x: np.ndarray, low: np.ndarray, high: np.ndarray, reverse: np.ndarray
) -> np.ndarray:
    """Reverse-code (``low + high - v``) and rescale item columns to 0..1, in place.

    ``x`` is ``respondents × items`` (Fortran order keeps each column contiguous);
    ``low``, ``high`` and ``reverse`` hold one entry per item. Reversal then rescaling is
    the same as ``(high - v) / (high - low)``.
    """
    for j in range(x.shape[1]):
        col = x[:, j]
        span = float(high[j] - low[j])
        col -= high[j] if reverse[j] else low[j]
        col *= (-1.0 if reverse[j] else 1.0) / span
    return x
