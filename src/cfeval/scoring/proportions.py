"""Intervals for shares (proportions) estimated from small weighted or complex samples.

A ``share_favourable`` indicator is a weighted proportion. The symmetric interval
``p̂ ± t × se`` fails for proportions at small n: when every sampled answer falls on one
side of the cut the linearised variance is 0 and the interval has zero width, and near
0 or 1 it is too short on the side away from the boundary. cfeval uses the
**Korn–Graubard** interval instead (Korn & Graubard 1998; R survey's
``svyciprop(method = "beta")``): the Clopper–Pearson interval computed at the
*effective* sample size

``n* = p̂ (1 − p̂) / var(p̂)``, capped at ``n_cap`` (and equal to it when ``p̂`` is 0 or 1
or the variance is 0),

and with ``n*`` shrunk by ``(t_{n−1} / t_df)²`` when the variance rests on fewer degrees
of freedom than ``n − 1`` (the design's df; for unequal weights the Bell–McCaffrey df).
``n_cap`` is the design-neutral effective size: Kish's ``(Σw)² / Σw²`` for one group and
``1 / Σ_g (a_g² / n_g)`` for groups combined with coefficients ``a_g``. The interval is
never empty and never has zero width, and it stays inside [0, 1].

A node above the indicator (a dimension, the total) is linear in its indicators; it
inherits the extra width through the **implied variance** of each share's interval,
``((high − low) / (2 t_df))²``, i.e. the variance a symmetric t interval of the same
width would have: the parent's variance gains ``Σ_i C_i² max(0, implied_i − var_i)``
(``C_i`` = the share's coefficient in the parent). See docs/methods.md.

>>> import numpy as np
>>> low, high = korn_graubard(np.array([1.0]), np.array([0.0]), np.array([7.0]),
...                           np.array([8.0]), np.array([8.0]))
>>> [round(float(low[0]), 4), float(high[0])]
[0.6306, 1.0]
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np

__all__ = ["effective_size", "implied_variance", "korn_graubard", "t_quantile", "wilson"]


def t_quantile(p: float, df) -> np.ndarray:
    """Student-t quantile ``t_p(df)`` for an array of df; NaN where df is NaN or ≤ 0."""
    import numpy as np
    from scipy.special import stdtrit

    df = np.asarray(df, dtype=np.float64)
    out = np.full(df.shape, np.nan)
    ok = np.isfinite(df) & (df > 0)
    out[ok] = stdtrit(df[ok], p)
    return out


def effective_size(p, var, df, n, n_cap, level: float = 0.95) -> np.ndarray:
    """Korn–Graubard effective sample size ``n*`` (array), NaN where no interval exists.

    ``p`` the estimated share, ``var`` its (linearised) variance, ``df`` the variance's
    degrees of freedom, ``n`` the respondents behind it and ``n_cap`` the design-neutral
    effective size (upper bound of ``n*``). No interval (NaN) with fewer than two
    respondents or without df.
    """
    import numpy as np

    p, var, df, n, n_cap = (np.asarray(a, dtype=np.float64) for a in (p, var, df, n, n_cap))
    pq = p * (1.0 - p)
    informative = (pq > 0) & (var > 0)
    raw = np.divide(pq, var, out=np.full(p.shape, np.inf), where=informative)
    ne = np.minimum(raw, n_cap)
    q = 0.5 + level / 2
    # Fewer df than n − 1 means a less stable variance; R's svyciprop shrinks n* by the
    # squared ratio of the t quantiles, which keeps the interval's width honest.
    ratio = np.divide(t_quantile(q, n - 1), t_quantile(q, df))
    ne = ne * np.minimum(ratio, 1.0) ** 2
    ne[~((n >= 2) & np.isfinite(df) & (df > 0) & np.isfinite(p))] = np.nan
    return ne


def korn_graubard(p, var, df, n, n_cap, level: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """Korn–Graubard (Clopper–Pearson at the effective size) interval of a share.

    All arguments are arrays of the same shape (see :func:`effective_size`); returns
    ``(low, high)`` in [0, 1], NaN where no interval exists (fewer than two respondents).
    """
    import numpy as np
    from scipy.special import betaincinv

    p = np.asarray(p, dtype=np.float64)
    ne = effective_size(p, var, df, n, n_cap, level)
    ok = np.isfinite(ne)
    x = np.where(ok, p * ne, 0.0)
    m = np.where(ok, ne, 1.0)
    alpha = 1.0 - level
    with np.errstate(invalid="ignore", divide="ignore"):
        low = np.where(x > 0, betaincinv(x, m - x + 1, alpha / 2), 0.0)
        high = np.where(x < m, betaincinv(x + 1, m - x, 1 - alpha / 2), 1.0)
    low[~ok] = np.nan
    high[~ok] = np.nan
    return low, high


def wilson(p, var, df, n, n_cap, level: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score interval at the effective size, with the t quantile of ``df``.

    The alternative the coverage simulation compares against (benchmarks/coverage_sim.py);
    same arguments and result as :func:`korn_graubard`.
    """
    import numpy as np

    p = np.asarray(p, dtype=np.float64)
    ne = effective_size(p, var, df, n, n_cap, level)
    # effective_size already shrank n* for few df; use the matching quantile of n − 1 df.
    t = t_quantile(0.5 + level / 2, np.asarray(n, dtype=np.float64) - 1)
    with np.errstate(invalid="ignore", divide="ignore"):
        t2n = t * t / ne
        centre = (p + t2n / 2) / (1 + t2n)
        half = t / (1 + t2n) * np.sqrt(p * (1 - p) / ne + t2n / (4 * ne))
    low = np.clip(centre - half, 0.0, 1.0)
    high = np.clip(centre + half, 0.0, 1.0)
    return low, high


def implied_variance(low, high, df, level: float = 0.95) -> np.ndarray:
    """The variance a symmetric t interval as wide as ``[low, high]`` would have.

    ``((high − low) / (2 t_{(1+level)/2}(df)))²``; NaN where the interval or df is missing.
    """
    import numpy as np

    t = t_quantile(0.5 + level / 2, df)
    half = (np.asarray(high, dtype=np.float64) - np.asarray(low, dtype=np.float64)) / 2
    return np.divide(half, t) ** 2
