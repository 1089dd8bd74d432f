"""Scoring rules: small pure vectorised functions that turn evidence into attainment in [0, 1].

``RULES`` maps a rule ``type`` (see :mod:`cfeval.framework.model`) to its function. There are
two shapes of evidence:

* survey rules (``scale_mean``, ``share_favourable``) receive the respondents' answers to
  an indicator's items as a 2-D float array, already reverse-coded and rescaled to 0..1
  per item (NaN where there is no valid answer), plus the number of valid answers a
  respondent needs; they return one value per respondent (NaN when the respondent does
  not count). The engine averages these values by group.
* field rules (``yes_no``, ``levels``, ``bands``, ``goalposts``, ``target``) receive one
  value per community (float, or the category string for ``levels``; NaN/None when the
  audit has no answer) and return the attainment, NaN where the value is missing.

Every function has the signature ``fn(values, rule, *, needed=1, scale=None)`` so the
engine can call any of them the same way.

>>> import numpy as np
>>> from cfeval.framework.model import TargetRule
>>> RULES["target"](np.array([50.0, 300.0, np.nan]), TargetRule(type="target", target=200))
array([0.25, 1.  ,  nan])
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np

    from cfeval.framework.model import Scale

__all__ = ["RULES", "respondent_mean", "rescale_items"]

# Means of rescaled answers are compared against a cut converted to the same 0..1 scale;
# the tolerance keeps an exact hit on the cut (4 of 5, say) from missing by rounding.
_CUT_TOL = 1e-9


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


def respondent_mean(x: np.ndarray, needed) -> np.ndarray:
    """Each row's mean over its valid (non-NaN) entries; NaN with fewer than ``needed``.

    ``needed`` is one number or one per row (groups asked different numbers of items).
    """
    import numpy as np

    n = x.shape[0]
    total = np.zeros(n)
    count = np.zeros(n, dtype=np.int64)
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


def _scale_mean(values, rule, *, needed: int = 1, scale: Scale | None = None):
    return respondent_mean(values, needed)


def _share_favourable(values, rule, *, needed: int = 1, scale: Scale | None = None):
    import numpy as np

    if scale is None:
        raise ValueError("share_favourable needs the items' scale to place the cut")
    mean = respondent_mean(values, needed)
    cut = (rule.cut - scale.low) / (scale.high - scale.low)
    out = (mean >= cut - _CUT_TOL).astype(np.float64)
    out[np.isnan(mean)] = np.nan
    return out


def _yes_no(values, rule, **_: Any):
    import numpy as np

    v = np.asarray(values, dtype=np.float64)
    return np.where(np.isnan(v), np.nan, (v > 0.5).astype(np.float64))


def _levels(values, rule, **_: Any):
    import numpy as np
    import pandas as pd

    mapped = pd.Series(values, dtype=object).map(rule.levels)
    return np.asarray(mapped, dtype=np.float64)


def _bands(values, rule, **_: Any):
    import numpy as np

    v = np.asarray(values, dtype=np.float64)
    mins = np.array([b.min for b in rule.bands])
    att = np.array([b.attainment for b in rule.bands])
    idx = np.searchsorted(mins, v, side="right") - 1
    # Below the lowest band the value earns nothing rather than being treated as missing.
    out = np.where(idx >= 0, att[np.clip(idx, 0, None)], 0.0)
    return np.where(np.isnan(v), np.nan, out)


def _goalposts(values, rule, **_: Any):
    import numpy as np

    v = np.asarray(values, dtype=np.float64)
    frac = np.clip((v - rule.low) / (rule.high - rule.low), 0.0, 1.0)
    return 1.0 - frac if rule.direction == "lower_is_better" else frac


def _target(values, rule, **_: Any):
    import numpy as np

    v = np.asarray(values, dtype=np.float64)
    return np.clip(v / rule.target, 0.0, 1.0)


RULES = {
    "scale_mean": _scale_mean,
    "share_favourable": _share_favourable,
    "yes_no": _yes_no,
    "levels": _levels,
    "bands": _bands,
    "goalposts": _goalposts,
    "target": _target,
}
