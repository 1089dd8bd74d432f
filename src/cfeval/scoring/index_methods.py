"""Composite-index methods as pure, vectorised functions, following COINr's definitions.

Every function here reproduces one function of the COINr R package (Becker et al.,
https://github.com/bluefoxr/COINr, v1.x) so that an index built in COINr and in cfeval gives
the same numbers; each docstring names the COINr file and function it follows. Nothing here
knows about frameworks or datasets: the engine wires these in.

Conventions (COINr's): missing values are ``NaN`` and stay ``NaN`` through normalisation
(R's ``na.rm = TRUE`` / ``na.last = "keep"``); aggregation drops missing children and
re-scales the remaining weights. Normalisation functions take a 1-D array (the units) or a
2-D array (units x indicators) and work down each column.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from cfeval.errors import DataError, UsageError

__all__ = [
    "NORMALISERS",
    "AGGREGATORS",
    "Treatment",
    "skew",
    "kurt",
    "check_skew_kurt",
    "winsorise",
    "log_ct",
    "treat",
    "rank_min",
    "n_minmax",
    "n_zscore",
    "n_rank",
    "n_prank",
    "n_borda",
    "n_dist2max",
    "n_dist2targ",
    "n_goalposts",
    "n_categorical",
    "categorical_cuts",
    "normalise",
    "a_amean",
    "a_gmean",
    "a_hmean",
    "a_median",
    "data_availability",
    "aggregate",
]


def _arr(x) -> np.ndarray:
    a = np.asarray(x, dtype=float)
    if a.ndim not in (1, 2):
        raise UsageError(f"expected a 1-D or 2-D array of numbers, got {a.ndim} dimensions")
    return a


# --------------------------------------------------------------------------- treatment


def skew(x) -> float:
    """Sample skewness, COINr ``R/treat.R::skew`` (= e1071 ``skewness(type = 2)``, Excel SKEW).

    ``sqrt(n) * sum(d^3) / sum(d^2)^(3/2) * sqrt(n(n-1)) / (n-2)`` with ``d = x - mean(x)``,
    NaNs removed; ``NaN`` when fewer than 3 values. Equals ``scipy.stats.skew(bias=False)``.
    """
    v = np.asarray(x, dtype=float)
    v = v[~np.isnan(v)]
    n = v.size
    if n < 3:
        return float("nan")
    d = v - v.mean()
    s2 = np.sum(d**2)
    if s2 == 0:
        return float("nan")
    y = np.sqrt(n) * np.sum(d**3) / s2**1.5
    return float(y * np.sqrt(n * (n - 1)) / (n - 2))


def kurt(x) -> float:
    """Sample excess kurtosis, COINr ``R/treat.R::kurt`` (= e1071 ``kurtosis(type = 2)``, Excel KURT).

    ``((n+1)(r-3) + 6)(n-1) / ((n-2)(n-3))`` with ``r = n sum(d^4) / sum(d^2)^2``, NaNs removed;
    ``NaN`` when fewer than 4 values. Equals ``scipy.stats.kurtosis(fisher=True, bias=False)``.
    """
    v = np.asarray(x, dtype=float)
    v = v[~np.isnan(v)]
    n = v.size
    if n < 4:
        return float("nan")
    d = v - v.mean()
    s2 = np.sum(d**2)
    if s2 == 0:
        return float("nan")
    r = n * np.sum(d**4) / s2**2
    return float(((n + 1) * (r - 3) + 6) * (n - 1) / ((n - 2) * (n - 3)))


def check_skew_kurt(x, skew_thresh: float = 2.0, kurt_thresh: float = 3.5) -> bool | None:
    """COINr ``R/treat.R::check_SkewKurt``: passes when ``|skew| < skew_thresh`` OR
    ``kurt < kurt_thresh`` (an indicator is an outlier case only if both fail).

    ``None`` when skew or kurtosis cannot be computed (under 4 values, or constant): COINr's
    ``NA``, on which ``Treat.numeric`` returns the indicator untreated.
    """
    sk, kt = skew(x), kurt(x)
    if np.isnan(sk) or np.isnan(kt):
        return None
    return bool(abs(sk) < skew_thresh or kt < kurt_thresh)


@dataclass(frozen=True)
class Treatment:
    """What :func:`treat` did to one indicator (COINr's ``Dets_Table`` row, as a value).

    ``method`` is ``"none"``, ``"winsorise"`` or ``"log_ct"``; ``n_winsorised`` counts points
    winsorised (also when winsorising was tried and then replaced by the log transform);
    ``points`` labels each unit ``""``, ``"winhi"``, ``"winlo"``, ``"log_CT"`` or
    ``"winhi+log_CT"`` as COINr's ``Treated_Points``; ``passes`` is the skew/kurtosis check
    on the returned values (``None`` when it could not be computed).
    """

    values: np.ndarray
    method: str
    n_winsorised: int
    points: tuple[str, ...]
    skew_before: float
    kurt_before: float
    skew_after: float
    kurt_after: float
    passes: bool | None


def winsorise(x, winmax: int | None = 5, skew_thresh: float = 2.0, kurt_thresh: float = 3.5):
    """COINr ``R/treat.R::winsorise`` (with ``na.rm = TRUE``): the winsorisation loop.

    While the check fails and fewer than ``winmax`` points are winsorised: if the skew is >= 0,
    every unit tied at the maximum gets the next-highest value, else every unit tied at the
    minimum gets the next-lowest. Points already winsorised tie with the new extreme, so the
    count of the last step's positions is the running total, exactly as in COINr.

    Returns ``(values, n_winsorised, labels)`` with labels ``"winhi"``/``"winlo"``/``""``
    (COINr labels the positions of the last high and the last low step).
    """
    v = np.array(x, dtype=float).ravel()
    imax = np.zeros(v.size, dtype=bool)
    imin = np.zeros(v.size, dtype=bool)
    nwin = 0
    passing = check_skew_kurt(v, skew_thresh, kurt_thresh)
    while passing is False and (winmax is None or nwin < winmax):
        ok = ~np.isnan(v)
        if skew(v) >= 0:
            imax = ok & (v == np.nanmax(v))
            rest = v[ok & ~imax]
            if rest.size == 0:
                break
            v[imax] = rest.max()
        else:
            imin = ok & (v == np.nanmin(v))
            rest = v[ok & ~imin]
            if rest.size == 0:
                break
            v[imin] = rest.min()
        nwin = int(imax.sum() + imin.sum())
        passing = check_skew_kurt(v, skew_thresh, kurt_thresh)
    labels = np.full(v.size, "", dtype=object)
    labels[imax] = "winhi"
    labels[imin] = "winlo"
    return v, nwin, tuple(labels)


def log_ct(x) -> np.ndarray:
    """COINr ``R/treat.R::log_CT`` (``na.rm = TRUE``): ``log(x - min(x) + 0.01 (max(x) - min(x)))``."""
    v = np.asarray(x, dtype=float)
    lo, hi = np.nanmin(v), np.nanmax(v)
    return np.log(v - lo + 0.01 * (hi - lo))


def treat(
    x, winmax: int | None = 5, skew_thresh: float = 2.0, kurt_thresh: float = 3.5, log: bool = True
) -> Treatment:
    """COINr ``R/treat.R::Treat.numeric`` with its default ``global_specs``: check with
    ``check_SkewKurt``; if it fails, :func:`winsorise`; if that still fails and ``log`` is
    true, apply :func:`log_ct` to the ORIGINAL values (COINr's ``combine_treat = FALSE``).

    An indicator whose check cannot be computed (under 4 values, constant) is returned as is.
    """
    v = np.array(x, dtype=float).ravel()
    sk0, kt0 = skew(v), kurt(v)
    passes = check_skew_kurt(v, skew_thresh, kurt_thresh)
    blank = ("",) * v.size
    if passes is None or passes:
        return Treatment(v, "none", 0, blank, sk0, kt0, sk0, kt0, passes)
    w, nwin, labels = winsorise(v, winmax, skew_thresh, kurt_thresh)
    passes = check_skew_kurt(w, skew_thresh, kurt_thresh)
    method, out = "winsorise", w
    if not passes and log:
        out = log_ct(v)
        method = "log_ct"
        labels = tuple(f"{lab}+log_CT" if lab else "log_CT" for lab in labels)
        passes = check_skew_kurt(out, skew_thresh, kurt_thresh)
    return Treatment(out, method, nwin, labels, sk0, kt0, skew(out), kurt(out), passes)


# ----------------------------------------------------------------------- normalisation


def n_minmax(x, l_u: tuple[float, float] = (0.0, 100.0)) -> np.ndarray:
    """COINr ``R/normalise.R::n_minmax``: ``(x - min) / (max - min) * (u - l) + l`` per column.

    A column with zero range becomes all ``NaN`` (COINr warns and returns ``NaN``).
    """
    a = _arr(x)
    lo, hi = np.nanmin(a, axis=0), np.nanmax(a, axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        return (a - lo) / (hi - lo) * (l_u[1] - l_u[0]) + l_u[0]


def n_zscore(x, m_sd: tuple[float, float] = (0.0, 1.0)) -> np.ndarray:
    """COINr ``R/normalise.R::n_zscore``: ``(x - mean) / sd * s + m``, ``sd`` the sample
    standard deviation (R ``stats::sd``, denominator n-1), NaNs skipped."""
    if not m_sd[1] > 0:
        raise UsageError("z-score target standard deviation must be positive")
    a = _arr(x)
    with np.errstate(invalid="ignore", divide="ignore"):
        return (a - np.nanmean(a, axis=0)) / np.nanstd(a, axis=0, ddof=1) * m_sd[1] + m_sd[0]


def rank_min(a, axis: int = 0) -> np.ndarray:
    """R ``rank(x, ties.method = "min", na.last = "keep")`` along ``axis``: ties share the
    lowest rank, NaN stays NaN (equals ``scipy.stats.rankdata(method="min",
    nan_policy="omit")``, which is several times slower per call)."""
    m = np.moveaxis(np.asarray(a, dtype=float), axis, -1)
    order = np.argsort(m, axis=-1, kind="stable")  # NaN sort last
    s = np.take_along_axis(m, order, axis=-1)
    new = np.ones(s.shape, dtype=bool)
    new[..., 1:] = s[..., 1:] != s[..., :-1]
    pos = np.broadcast_to(np.arange(s.shape[-1]), s.shape)
    first = np.maximum.accumulate(np.where(new, pos, 0), axis=-1)
    out = np.empty(s.shape)
    np.put_along_axis(out, order, first + 1.0, axis=-1)
    out[np.isnan(m)] = np.nan
    return np.moveaxis(out, -1, axis)


def _rank_min(a: np.ndarray) -> np.ndarray:
    return rank_min(a, axis=0)


def n_rank(x) -> np.ndarray:
    """COINr ``R/normalise.R::n_rank``: ``rank(x, ties.method = "min")``; higher value, higher rank."""
    return _rank_min(_arr(x))


def n_borda(x) -> np.ndarray:
    """COINr ``R/normalise.R::n_borda``: ``rank(x, ties.method = "min") - 1``."""
    return _rank_min(_arr(x)) - 1


def n_prank(x) -> np.ndarray:
    """COINr ``R/normalise.R::n_prank``: ``(rank_min(x) - 1) / (n_available - 1)`` per column."""
    a = _arr(x)
    n = np.sum(~np.isnan(a), axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        return (_rank_min(a) - 1) / (n - 1)


def n_dist2max(x) -> np.ndarray:
    """COINr ``R/normalise.R::n_dist2max``: ``1 - (max - x) / (max - min)``, in [0, 1]."""
    a = _arr(x)
    lo, hi = np.nanmin(a, axis=0), np.nanmax(a, axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        return 1 - (hi - a) / (hi - lo)


def n_dist2targ(x, targ: float, direction: int = 1, cap_max: bool = False) -> np.ndarray:
    """COINr ``R/normalise.R::n_dist2targ``: ``(x - min) / (targ - min)`` for direction 1,
    ``(max - x) / (max - targ)`` for direction -1; with ``cap_max`` values above 1 become 1.

    Same numbers as COINr's iMeta route, which negates both ``x`` and the target and then uses
    direction 1.
    """
    if direction not in (1, -1):
        raise UsageError("direction must be 1 or -1")
    a = _arr(x)
    with np.errstate(invalid="ignore", divide="ignore"):
        if direction == 1:
            lo = np.nanmin(a, axis=0)
            y = (a - lo) / (targ - lo)
        else:
            hi = np.nanmax(a, axis=0)
            y = (hi - a) / (hi - targ)
    return np.minimum(y, 1.0) if cap_max else y


def n_goalposts(
    x, gposts: tuple[float, float, float], direction: int = 1, trunc2posts: bool = True
) -> np.ndarray:
    """COINr ``R/normalise.R::n_goalposts`` with ``gposts = (l, u, a)``:
    ``(x - l) / (u - l)`` for direction 1, ``(x - u) / (l - u)`` for direction -1, clipped to
    [0, 1] when ``trunc2posts``, then multiplied by the scale ``a``. Not computed across
    units: the goalposts are fixed."""
    if direction not in (1, -1):
        raise UsageError("direction must be 1 or -1")
    lo, hi, scale = gposts
    if lo == hi:
        raise UsageError("goalposts must differ")
    a = _arr(x)
    y = (a - lo) / (hi - lo) if direction == 1 else (a - hi) / (lo - hi)
    if trunc2posts:
        y = np.clip(y, 0.0, 1.0)
    return y * scale


def n_categorical(x, cuts, scores=None, direction: int = 1) -> np.ndarray:
    """Categorical scale (OECD/JRC Handbook, 2008, section 5.2 "categorical scales"; COINr
    has no such ``n_*`` function): each value gets the score of the category it falls in.

    ``cuts`` are k ascending (non-decreasing: percentile cuts of tied data may be equal)
    cut points in the indicator's own units; a value ``v`` falls in
    category ``i`` = the number of cuts ``<= v`` (so a value equal to a cut goes up), and
    gets ``scores[i]`` (k + 1 scores; default evenly spaced ``0, 100/k, ..., 100``). With
    direction -1 the scores are taken in reverse order (the highest category scores least).
    NaN stays NaN.
    """
    if direction not in (1, -1):
        raise UsageError("direction must be 1 or -1")
    c = np.asarray(cuts, dtype=float)
    if c.ndim != 1 or c.size == 0 or np.any(np.diff(c) < 0) or not np.all(np.isfinite(c)):
        raise UsageError("categorical cuts must be one or more ascending numbers")
    s = np.linspace(0.0, 100.0, c.size + 1) if scores is None else np.asarray(scores, float)
    if s.shape != (c.size + 1,):
        raise UsageError("categorical scores must be one more than the cuts")
    if direction == -1:
        s = s[::-1]
    a = _arr(x)
    out = s[np.searchsorted(c, np.where(np.isnan(a), c[0], a), side="right")]
    return np.where(np.isnan(a), np.nan, out)


def categorical_cuts(values, percentiles) -> np.ndarray:
    """Cut points at the given percentiles (0..100) of ``values`` (NaN ignored), by R's
    default ``quantile(type = 7)`` (linear between order statistics, numpy's default)."""
    v = _arr(values)
    v = v[~np.isnan(v)]
    if v.size == 0:
        raise DataError("no values to place categorical cuts on")
    return np.percentile(v, np.asarray(percentiles, float))


NORMALISERS: dict[str, Callable[..., np.ndarray]] = {
    "minmax": n_minmax,
    "zscore": n_zscore,
    "rank": n_rank,
    "prank": n_prank,
    "borda": n_borda,
    "dist2max": n_dist2max,
    "dist2targ": n_dist2targ,
    "goalposts": n_goalposts,
    "categorical": n_categorical,
}

# Methods whose own ``direction`` argument flips them (fixed reference values would not flip
# with the data); every other method gets ``x * direction`` as COINr's Normalise.numeric does.
_OWN_DIRECTION = {"dist2targ", "goalposts", "categorical"}


def normalise(x, method: str = "minmax", direction: int = 1, **params) -> np.ndarray:
    """COINr ``R/normalise.R::Normalise.numeric``: multiply by ``direction`` (+1/-1), then
    apply the ``n_*`` function named by ``method`` (a key of :data:`NORMALISERS`).

    For ``dist2targ`` and ``goalposts`` the direction is passed to the method instead, which
    gives COINr's numbers for those (their targets/posts are in the indicator's own units).
    """
    if direction not in (1, -1):
        raise UsageError("direction must be 1 or -1")
    try:
        fn = NORMALISERS[method]
    except KeyError:
        known = ", ".join(sorted(NORMALISERS))
        raise UsageError(f"unknown normalisation {method!r}; known: {known}") from None
    if method in _OWN_DIRECTION:
        return fn(x, direction=direction, **params)
    return fn(_arr(x) * direction, **params)


# ------------------------------------------------------------------------- aggregation


def _rows_weights(x, w) -> tuple[np.ndarray, np.ndarray]:
    a = np.asarray(x, dtype=float)
    if a.ndim == 1:
        a = a[None, :]
    if a.ndim != 2:
        raise UsageError("aggregation expects units x children (2-D)")
    wt = np.ones(a.shape[1]) if w is None else np.asarray(w, dtype=float)
    if wt.shape != (a.shape[1],):
        raise UsageError(f"{wt.size} weights for {a.shape[1]} children")
    if np.isnan(wt).any() or (wt < 0).any():
        raise UsageError("weights must be numbers >= 0")
    # weights of missing children are dropped, so each row re-scales its own weights
    return a, np.where(np.isnan(a), 0.0, wt)


def a_amean(x, w=None) -> np.ndarray:
    """COINr ``R/aggregate.R::a_amean``: ``sum(w x) / sum(w)`` over the non-missing children
    of each row (units x children); ``NaN`` when a row has no data."""
    a, wm = _rows_weights(x, w)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.nansum(wm * a, axis=1) / wm.sum(axis=1)


def a_gmean(x, w=None) -> np.ndarray:
    """COINr ``R/aggregate.R::a_gmean``: ``exp(sum(w log x) / sum(w))`` over non-missing children.

    Zero or negative values are refused (:class:`~cfeval.errors.DataError`), as COINr stops:
    normalise onto a strictly positive range first (e.g. min-max to [1, 100]).
    """
    a, wm = _rows_weights(x, w)
    if (a[~np.isnan(a)] <= 0).any():
        raise DataError(
            "geometric mean needs values > 0; normalise to a positive range "
            "(e.g. min-max to 1..100) or use another aggregation"
        )
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.exp(np.nansum(wm * np.log(a), axis=1) / wm.sum(axis=1))


def a_hmean(x, w=None) -> np.ndarray:
    """COINr ``R/aggregate.R::a_hmean``: ``sum(w) / sum(w / x)`` over non-missing children.

    Zero values are refused (:class:`~cfeval.errors.DataError`), as COINr stops; COINr does not
    refuse negatives, and neither does this.
    """
    a, wm = _rows_weights(x, w)
    if (a[~np.isnan(a)] == 0).any():
        raise DataError("harmonic mean needs values other than 0; use another aggregation")
    with np.errstate(invalid="ignore", divide="ignore"):
        return wm.sum(axis=1) / np.nansum(wm / a, axis=1)


def a_median(x, w=None) -> np.ndarray:
    """Median of the non-missing children of each row. COINr has no ``a_median``; its
    ``Aggregate`` accepts any R function, and this is ``stats::median(x, na.rm = TRUE)``.
    Weights are checked but not used (an unweighted median)."""
    a, _ = _rows_weights(x, w)
    out = np.full(a.shape[0], np.nan)
    has = ~np.isnan(a).all(axis=1)
    out[has] = np.nanmedian(a[has], axis=1)
    return out


AGGREGATORS: dict[str, Callable[..., np.ndarray]] = {
    "amean": a_amean,
    "gmean": a_gmean,
    "hmean": a_hmean,
    "median": a_median,
}


def data_availability(x) -> np.ndarray:
    """Share of non-missing children per row: COINr's ``sum(!is.na(x_row)) / length(x_row)``."""
    a = np.asarray(x, dtype=float)
    if a.ndim == 1:
        a = a[None, :]
    return np.mean(~np.isnan(a), axis=1)


def aggregate(
    x, w=None, method: str = "amean", dat_thresh: float | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """COINr ``R/aggregate.R::Aggregate.data.frame`` (by row): aggregate each unit's children
    with ``method`` (a key of :data:`AGGREGATORS`); a unit whose data availability is below
    ``dat_thresh`` (a share in [0, 1]) gets ``NaN``.

    Returns ``(values, scored)``: ``scored`` is false where the threshold (or no data at all)
    left the unit unscored, so callers can mark it rather than show a number. Rows below the
    threshold are not passed to the aggregator, so their values cannot raise.
    """
    try:
        fn = AGGREGATORS[method]
    except KeyError:
        known = ", ".join(sorted(AGGREGATORS))
        raise UsageError(f"unknown aggregation {method!r}; known: {known}") from None
    if dat_thresh is not None and not 0 <= dat_thresh <= 1:
        raise UsageError("data availability threshold must be between 0 and 1")
    a, _ = _rows_weights(x, w)
    avail = data_availability(a)
    keep = avail > 0 if dat_thresh is None else (avail >= dat_thresh) & (avail > 0)
    out = np.full(a.shape[0], np.nan)
    if keep.any():
        out[keep] = fn(a[keep], w)
    return out, keep
