"""Intervals for shares (proportions) estimated from small weighted or complex samples.

A ``share_favourable`` indicator is a weighted proportion. The symmetric interval
``p̂ ± t × se`` fails for proportions at small n: when every sampled answer falls on one
side of the cut the linearised variance is 0 and the interval has zero width, and near
0 or 1 it is too short on the side away from the boundary. cfeval computes a
proportion's interval at its **effective sample size** (Korn & Graubard 1998)

``n* = min(p̂ (1 − p̂) / var(p̂), n)``, and ``n* = n_cap`` when ``p̂`` is 0 or 1 or the
variance is 0 (nothing to learn the design effect from),

where ``n_cap`` is the design-neutral effective size: Kish's ``(Σw)² / Σw²`` for one
group and ``1 / Σ_g (a_g² / n_g)`` for groups combined with coefficients ``a_g``. Two
intervals are available (``scoring.share_interval``): the **Wilson** score interval at
``n*`` with the t quantile of n − 1 df (the default; closest to the nominal level in
benchmarks/coverage_sim.py) and **Korn–Graubard** (Clopper–Pearson at ``n*``, R survey's
``svyciprop(method = "beta")``; conservative). With a survey design (stratum/cluster
columns) ``n*`` is also shrunk by ``(t_{n−1} / t_df)²`` for the design's df, as in R.
Both are never empty, never of zero width, and stay inside [0, 1].

A node above the indicator (a dimension, the total) is linear in its indicators; it
inherits the extra width through the **implied variance** of each share's interval,
``((high − low) / (2 t_df))²``, i.e. the variance a symmetric t interval of the same
width would have: the parent's variance gains ``(Σ_i C_i √max(0, implied_i − var_i))²``
(``C_i`` = the share's coefficient in the parent; the extra widths are added as if
perfectly correlated, since the same respondents answer every share). See
docs/methods.md.

>>> import numpy as np
>>> low, high = korn_graubard(np.array([1.0]), np.array([0.0]), np.array([8.0]),
...                           np.array([8.0]))
>>> [round(float(low[0]), 4), float(high[0])]
[0.6306, 1.0]
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from cfeval.scoring.variance import row_sums, t_quantile

if TYPE_CHECKING:
    import numpy as np

__all__ = [
    "SHARE_INTERVALS",
    "effective_size",
    "implied_variance",
    "korn_graubard",
    "share_effective_cap",
    "t_quantile",
    "wilson",
]


def effective_size(p, var, n, n_cap, df=None, level: float = 0.95) -> np.ndarray:
    """Effective sample size ``n*`` of a share (array), NaN where no interval exists.

    ``p`` the estimated share, ``var`` its (linearised) variance, ``n`` the respondents
    behind it, ``n_cap`` the design-neutral effective size used when the variance says
    nothing (``p`` is 0 or 1, or every answer is alike). Otherwise
    ``n* = min(p (1 − p) / var, n)`` (Korn & Graubard 1998). With ``df`` (a design's
    degrees of freedom, #PSUs − #strata) ``n*`` is shrunk by ``(t_{n−1} / t_df)²`` where
    df < n − 1, as R's ``svyciprop`` does. No interval (NaN) with fewer than two
    respondents or a NaN variance.
    """
    import numpy as np

    p, var, n, n_cap = (np.asarray(a, dtype=np.float64) for a in (p, var, n, n_cap))
    pq = p * (1.0 - p)
    informative = (pq > 0) & (var > 0)
    raw = np.divide(pq, var, out=np.full(p.shape, np.inf), where=informative)
    ne = np.where(informative, np.minimum(raw, n), np.minimum(n_cap, n))
    usable = (n >= 2) & np.isfinite(p) & ~np.isnan(var)
    if df is not None:
        q = 0.5 + level / 2
        df = np.asarray(df, dtype=np.float64)
        ratio = np.divide(t_quantile(q, n - 1), t_quantile(q, df))
        ne = ne * np.minimum(ratio, 1.0) ** 2
        usable &= np.isfinite(df) & (df > 0)
    ne[~usable] = np.nan
    return ne


def korn_graubard(p, var, n, n_cap, df=None, level: float = 0.95):
    """Korn–Graubard interval (Clopper–Pearson at the effective size ``n*``) of a share.

    All arguments are arrays of one shape (see :func:`effective_size`); returns
    ``(low, high)`` in [0, 1], NaN where no interval exists (fewer than two respondents).
    """
    import numpy as np
    from scipy.special import betaincinv

    p = np.asarray(p, dtype=np.float64)
    ne = effective_size(p, var, n, n_cap, df, level)
    ok = np.isfinite(ne)
    x = np.where(ok, p * ne, 0.0)
    m = np.where(ok, ne, 1.0)
    alpha = 1.0 - level
    with np.errstate(invalid="ignore", divide="ignore"):
        low = np.where(x > 0, betaincinv(x, m - x + 1, alpha / 2), 0.0)
        high = np.where(x < m, betaincinv(x + 1, m - x, 1 - alpha / 2), 1.0)
    # Contains p by construction; min/max only guard against the quantiles' rounding.
    low = np.minimum(low, p)
    high = np.maximum(high, p)
    low[~ok] = np.nan
    high[~ok] = np.nan
    return low, high


def wilson(p, var, n, n_cap, df=None, level: float = 0.95):
    """Wilson score interval at the effective size ``n*``, with the t quantile of n − 1.

    ``p ∈ [low, high]`` always, and the width is never zero. Same arguments and result
    as :func:`korn_graubard`.
    """
    import numpy as np

    p = np.asarray(p, dtype=np.float64)
    ne = effective_size(p, var, n, n_cap, df, level)
    t = t_quantile(0.5 + level / 2, np.asarray(n, dtype=np.float64) - 1)
    with np.errstate(invalid="ignore", divide="ignore"):
        t2n = t * t / ne
        centre = (p + t2n / 2) / (1 + t2n)
        half = t / (1 + t2n) * np.sqrt(p * (1 - p) / ne + t2n / (4 * ne))
    # The score interval always contains p; min/max only guard against rounding.
    low = np.clip(np.minimum(centre - half, p), 0.0, 1.0)
    high = np.clip(np.maximum(centre + half, p), 0.0, 1.0)
    return low, high


#: The share intervals a framework may choose (``scoring.share_interval``).
SHARE_INTERVALS = {"wilson": wilson, "korn_graubard": korn_graubard}


def share_effective_cap(a, kish, used) -> np.ndarray:
    """Design-neutral effective size of ``Σ_g a_g p̂_g``: ``1 / Σ_used a_g² / n_g``.

    ``a`` (units × groups) are the groups' coefficients, ``kish`` their Kish effective
    sizes ``(Σw)² / Σw²`` and ``used`` which groups count; this is the size a simple random
    sample would need for the same variance when every group has the same share. NaN
    where no group counts.
    """
    import numpy as np

    terms = np.divide(a * a, kish, out=np.zeros(np.shape(a)), where=used & (kish > 0))
    total = row_sums(terms)
    return np.divide(1.0, total, out=np.full(total.shape, np.nan), where=total > 0)


def implied_variance(low, high, df, level: float = 0.95) -> np.ndarray:
    """The variance a symmetric t interval as wide as ``[low, high]`` would have.

    ``((high − low) / (2 t_{(1+level)/2}(df)))²``; NaN where the interval or df is missing.
    """
    import numpy as np

    t = t_quantile(0.5 + level / 2, df)
    half = (np.asarray(high, dtype=np.float64) - np.asarray(low, dtype=np.float64)) / 2
    return np.divide(half, t) ** 2
