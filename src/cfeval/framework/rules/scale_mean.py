"""``scale_mean``: each respondent's mean answer over the items, rescaled to 0..1.

Scoring receives the respondents' answers to an indicator's items as a 2-D float array,
already reverse-coded and rescaled to 0..1 per item (NaN where there is no valid answer);
a respondent with fewer valid answers than ``needed`` does not count (NaN).
"""

from __future__ import annotations

from typing import Literal

from cfeval.framework.base import FormatModel
from cfeval.framework.rules.entry import RuleType
from cfeval.i18n import N_

__all__ = ["ScaleMeanRule", "ENTRY", "respondent_mean"]


class ScaleMeanRule(FormatModel):
    """Each respondent's mean over the indicator's items, rescaled to 0..1 over the scale."""

    type: Literal["scale_mean"]


def respondent_mean(x, needed):
    """Each row's mean over its valid (non-NaN) entries; NaN with fewer than ``needed``.

    ``needed`` is one number or one per row (groups asked different numbers of items).
    """
    import numpy as np

    n = x.shape[0]
    total = np.zeros(n)
    # A narrow counter: an indicator has a handful of items, and a million rows of int64
    # would be 8 MB to write and read again per item.
    count = np.zeros(n, dtype=np.int16 if x.shape[1] < 2**15 else np.int64)
    # Column by column: an indicator has a handful of items and a million respondents, so
    # whole-column ufuncs (no temporaries, ``where=``) beat a row-wise reduction.
    for j in range(x.shape[1]):
        col = x[:, j]
        ok = ~np.isnan(col)
        count += ok
        np.add(total, col, out=total, where=ok)
    out = np.full(n, np.nan)
    np.divide(total, count, out=out, where=count >= needed)
    return out


def score(values, rule, *, needed=1, scale=None):
    return respondent_mean(values, needed)


def describe(rule, ctx) -> str:
    return ctx.w(
        N_(
            "Scale mean: each respondent's mean over the items (reverse items flipped), "
            "rescaled to 0–100% over the scale; group means first, then groups combined."
        )
    )


def synthesize(rule, attainment: float) -> float:
    # The attainment is the mean answer position itself.
    return attainment


ENTRY = RuleType(
    name="scale_mean",
    params=ScaleMeanRule,
    evidence="survey",
    score=score,
    describe=describe,
    synthesize=synthesize,
)
