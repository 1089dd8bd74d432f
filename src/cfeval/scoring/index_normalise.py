"""One indicator's normalisation as the ``index:`` block states it, across the units of the
run or fixed on a named reference set.

Across every unit this is exactly COINr's ``Normalise`` (:func:`cfeval.scoring.index_methods.
normalise`), times the block's ``scale`` for the methods whose COINr result lies in 0..1.
With a reference set, the quantities COINr takes from the data (minimum, maximum, mean,
standard deviation, the ranked values) are taken from the reference units only and applied
to every unit: a unit beyond the reference range falls outside the method's usual range
(min-max below its lower end, percentile rank above 1). Given every unit as the reference,
both routes give the same numbers (tested).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from cfeval.scoring.index_methods import categorical_cuts, normalise

if TYPE_CHECKING:
    import numpy as np

    from cfeval.framework.index_model import Normalisation

__all__ = ["normalise_indicator"]

_SCALED = {"prank", "dist2max", "dist2targ"}


def normalise_indicator(
    x: np.ndarray, norm: Normalisation, direction: int = 1, ref: np.ndarray | None = None
) -> np.ndarray:
    """Normalised values of one indicator (1-D, NaN stays NaN).

    ``ref`` is a boolean mask of the reference units (None: every unit).

    >>> import numpy as np
    >>> from cfeval.framework.index_model import Normalisation
    >>> normalise_indicator(np.array([1.0, 2.0, 3.0]), Normalisation(range=(0, 10)))
    array([ 0.,  5., 10.])
    """
    import numpy as np

    x = np.asarray(x, dtype=float)
    if ref is not None and ref.all():
        ref = None
    if norm.method == "categorical" and norm.percentiles:
        out = _on_percentile_cuts(x, norm, direction, ref)
    elif ref is None:
        out = normalise(x, norm.method, direction, **_params(norm))
    else:
        out = _with_reference(x, norm, direction, ref)
    return out * norm.scale if norm.method in _SCALED else out


def _on_percentile_cuts(x, norm: Normalisation, direction: int, ref) -> np.ndarray:
    """Categorical scale whose cuts are percentiles of each column's own values (or of the
    reference units' values); a column without values stays missing."""
    import numpy as np

    cols = x.reshape(x.shape[0], -1)
    out = np.full(cols.shape, np.nan)
    scores = norm.category_scores()
    for j in range(cols.shape[1]):
        base = cols[:, j] if ref is None else cols[ref, j]
        if np.isnan(base).all():
            continue
        cuts = categorical_cuts(base, norm.thresholds)
        out[:, j] = normalise(cols[:, j], "categorical", direction, cuts=cuts, scores=scores)
    return out.reshape(x.shape)


def _params(norm: Normalisation) -> dict:
    m = norm.method
    if m == "minmax":
        return {"l_u": tuple(norm.range)}
    if m == "zscore":
        return {"m_sd": tuple(norm.mean_sd)}
    if m == "dist2targ":
        return {"targ": norm.target, "cap_max": norm.cap}
    if m == "goalposts":
        lo, hi = norm.goalposts
        return {"gposts": (lo, hi, norm.scale), "trunc2posts": norm.truncate}
    if m == "categorical":
        return {"cuts": norm.thresholds, "scores": norm.category_scores()}
    return {}


def _with_reference(x: np.ndarray, norm: Normalisation, direction: int, ref: np.ndarray):
    import numpy as np

    from cfeval.errors import DataError
    from cfeval.i18n import Msg

    m = norm.method
    if m in ("goalposts", "categorical"):  # fixed posts or cuts: nothing from the data
        return normalise(x, m, direction, **_params(norm))
    r = x[ref & ~np.isnan(x)]
    if r.size == 0:
        raise DataError(Msg("the reference set has no value of an indicator it normalises"))
    if m == "dist2targ":
        # COINr's own-direction formula with the reference's minimum (or maximum).
        with np.errstate(invalid="ignore", divide="ignore"):
            if direction == 1:
                y = (x - r.min()) / (norm.target - r.min())
            else:
                y = (r.max() - x) / (r.max() - norm.target)
        return np.minimum(y, 1.0) if norm.cap else y
    x, r = x * direction, r * direction
    if m in ("minmax", "dist2max") and r.max() == r.min():
        return np.full(x.shape, np.nan)  # COINr: no range, no normalised values
    with np.errstate(invalid="ignore", divide="ignore"):
        if m == "minmax":
            lo, hi = norm.range
            return (x - r.min()) / (r.max() - r.min()) * (hi - lo) + lo
        if m == "zscore":
            mean, sd = norm.mean_sd
            return (x - r.mean()) / np.std(r, ddof=1) * sd + mean
        if m == "dist2max":
            return 1 - (r.max() - x) / (r.max() - r.min())
        # Ranks against the reference: R's rank(ties = "min") of x among the reference
        # values is 1 + the number of reference values below it.
        below = np.searchsorted(np.sort(r), x, side="left").astype(float)
        below[np.isnan(x)] = np.nan
        if m == "rank":
            return below + 1
        if m == "borda":
            return below
        return below / (r.size - 1)  # prank
