"""Sampling variance of the engine's weighted means: per-cell sums, Bell–McCaffrey and
Welch–Satterthwaite degrees of freedom, Student-t quantiles.

The method (Taylor linearisation with the HC2 leverage correction) is described in
:mod:`cfeval.scoring.engine` and docs/methods.md; these are its array kernels, each over
the engine's cells (community × wave × respondent group, shaped ``U × G``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

# Student-t quantiles (the function behind scipy.stats.t.ppf). Imported with the module,
# like the rest of the engine's start-up cost; importing scipy.stats would cost ~0.5 s more.
from scipy.special import stdtrit

if TYPE_CHECKING:
    import numpy as np

__all__ = [
    "cell_variance",
    "bm_df",
    "row_sums",
    "row_any",
    "satterthwaite",
    "t_quantile",
    "CellQuantiles",
]


def cell_variance(zz: np.ndarray, cell: np.ndarray, n: np.ndarray, K: int) -> np.ndarray:
    """``Σ z²`` per cell (U × G); NaN where a contributing cell has one respondent."""
    import numpy as np

    # float even with no rows at all (numpy's bincount of nothing is an integer array).
    ss = np.bincount(cell, weights=zz, minlength=K).astype(float).reshape(n.shape)
    ss[n == 1] = np.nan
    return ss


def bm_df(
    h: np.ndarray,
    q: np.ndarray,
    cell: np.ndarray,
    n: np.ndarray,
    K: int,
    s: np.ndarray | None = None,
) -> np.ndarray:
    """Bell–McCaffrey degrees of freedom of each cell's HC2 variance (U × G).

    ``h`` is each row's leverage ``w / W`` in its cell's weighted mean (0 for rows outside
    it), ``q = 1 − h`` (``inf`` where ``h = 1``) and ``s`` the cells' ``Σ h²`` if known.
    Under the working model of independent answers with equal variance, the HC2 variance
    is the quadratic form ``ε' B ε`` with ``B = M' C M``, ``M = I − 1h'``, ``C = diag(c)``,
    ``c = h² / (1 − h)``; its Satterthwaite df is ``tr(B)² / tr(B²)``, which expands
    (docs/methods.md) to grouped sums. Equal weights give exactly ``n − 1``. NaN where a
    cell has fewer than two rows.
    """
    import numpy as np

    def csum(x):
        return np.bincount(cell, weights=x, minlength=K).astype(np.float64).reshape(n.shape)

    c = h * h
    if s is None:
        s = csum(c)  # Σ h²
    c /= q  # c = h² / (1 − h); 0 for a lone respondent
    c0 = csum(c)  # Σ c
    t = c * h
    c1 = csum(t)  # Σ c h
    t *= h
    c2 = csum(t)  # Σ c h²
    np.multiply(c, c, out=t)
    q2 = csum(t)  # Σ c²
    del c, t
    # Σ c² h = Σ c² − Σ c h² since c (1 − h) = h². Only this difference is taken: the
    # others (Σ c h = Σ c − Σ h², ...) would cancel badly in large cells.
    q3 = q2 - c2
    tr_b = c0 * (1 + s) - 2 * c1
    tr_b2 = (1 + 2 * s) * q2 - 4 * q3 + 2 * c0 * c2 + (s * c0) ** 2 + 2 * c1**2 - 4 * s * c0 * c1
    ok = (n > 1) & (tr_b2 > 0)
    return np.divide(tr_b * tr_b, tr_b2, out=np.full(n.shape, np.nan), where=ok)


def row_sums(a: np.ndarray) -> np.ndarray:
    """``a.sum(axis=1)`` of a ``U × G`` array, the very same numbers, a column at a time.

    numpy adds a short row (fewer than eight values) from left to right,
    ``(a0 + a1) + a2``, but walks the rows one by one, which for 150,000 cells of three
    groups costs ten times more than adding three whole columns in the same order.
    Eight or more columns (numpy sums them pairwise) go to numpy; booleans are counted.
    """
    import numpy as np

    if a.ndim != 2 or not 0 < a.shape[1] < 8:
        return a.sum(axis=1)
    if a.dtype == bool:
        a = a.view(np.uint8)
        out = a[:, 0].astype(np.int64)
    else:
        out = a[:, 0] + 0.0  # numpy's sum starts from +0.0: a lone -0.0 comes out as 0.0
    for j in range(1, a.shape[1]):
        out += a[:, j]
    return out


def row_any(a: np.ndarray) -> np.ndarray:
    """``a.any(axis=1)`` of a boolean ``U × G`` array, a column at a time (see
    :func:`row_sums`: numpy walks short rows one by one, ten times slower)."""
    if a.ndim != 2 or not 0 < a.shape[1] < 8:
        return a.any(axis=1)
    out = a[:, 0].copy()
    for j in range(1, a.shape[1]):
        out |= a[:, j]
    return out


def satterthwaite(parts: np.ndarray, dfg: np.ndarray, n: np.ndarray) -> np.ndarray:
    """Welch–Satterthwaite degrees of freedom of ``Σ_g parts_g`` per unit.

    ``parts`` (U × G) are the per-cell variance components, ``dfg`` their df and ``n``
    the respondents behind each: ``df = (Σ v_g)² / Σ (v_g² / df_g)``; a single nonzero
    component keeps its own df exactly. Where every component is 0 the interval has width
    0 and ``Σ df_g`` is reported; NaN where the variance is NaN or nobody contributes.
    """
    import numpy as np

    live = n > 0
    num = row_sums(parts)
    num *= num
    ok = live & (parts > 0)
    den = row_sums(np.divide(parts * parts, dfg, out=np.zeros(parts.shape), where=ok))
    pooled = row_sums(np.where(live, dfg, 0.0))
    df = np.divide(num, den, out=pooled, where=den > 0)
    single = row_sums(ok) == 1
    df[single] = row_sums(np.where(ok, dfg, 0.0))[single]
    df[~np.isfinite(num) | (row_sums(live) == 0)] = np.nan
    return df


def t_quantile(p: float, df: np.ndarray) -> np.ndarray:
    """Student-t quantile ``t_p(df)`` for an array of df; NaN where df is NaN."""
    import numpy as np
    import pandas as pd

    df = np.asarray(df, dtype=np.float64)
    out = np.full(df.shape, np.nan)
    ok = np.isfinite(df) & (df > 0)
    # Once per distinct df, not per cell: with equal weights a district's thousands of
    # cells share a few dozen df (n − 1), and the quantile is the costly part.
    codes, uniques = pd.factorize(df[ok])
    out[ok] = _stdtrit(uniques, p)[codes]
    return out


#: Fewer distinct df than this are not worth a thread (~0.5 µs each).
_THREADED = 20_000


def _stdtrit(df: np.ndarray, p: float) -> np.ndarray:
    """``stdtrit(df, p)``, in pieces on every core when long (the ufunc releases the GIL;
    each number is computed alone, so the pieces give the very same array)."""
    import numpy as np

    from cfeval._threads import ordered_map, worker_threads

    threads = min(worker_threads(), len(df) // _THREADED)
    if threads <= 1:
        return stdtrit(df, p)
    pieces = np.array_split(df, threads)
    return np.concatenate(list(ordered_map(lambda x: stdtrit(x, p), pieces, threads=threads)))


class CellQuantiles:
    """Student-t quantiles of one scoring pass, each cell's df computed once.

    The quantile (``stdtrit``, ~0.5 µs each) is the costly part of the intervals, and with
    unequal weights almost every cell has a df of its own: 50,000 communities give hundreds
    of thousands. Many are the same number asked for again: every indicator answered by
    all of a cell's respondents has that cell's df, and an indicator asked of one group
    has its group's df (Satterthwaite keeps a single component's df exactly). So the
    quantile of each cell's df is kept in a ``U × G`` table and reused wherever the same
    df comes back at that cell, or at one of the unit's cells; only the others are
    computed (:func:`t_quantile`). The numbers are the very same.
    """

    def __init__(self, p: float, units: int, groups: int):
        import numpy as np

        self.p = p
        self.df = np.full((units, groups), np.nan)
        self.t = np.full((units, groups), np.nan)

    def cells(self, df: np.ndarray) -> np.ndarray:
        """``t_p(df)`` for a ``U × G`` array of per-cell df; remembered for later calls."""
        import numpy as np

        known = df == self.df  # NaN is never equal: unknown cells and cells without df
        out = np.where(known, self.t, np.nan)
        new = ~known & np.isfinite(df) & (df > 0)
        out[new] = t_quantile(self.p, df[new])
        first = new & np.isnan(self.df)
        self.df[first] = df[first]
        self.t[first] = out[first]
        return out

    def units(self, df: np.ndarray) -> np.ndarray:
        """``t_p(df)`` for a per-unit array of df, reusing the unit's cells' quantiles."""
        import numpy as np

        out = np.full(df.shape, np.nan)
        todo = np.isfinite(df) & (df > 0)
        for g in range(self.df.shape[1]):
            hit = todo & (df == self.df[:, g])
            out[hit] = self.t[hit, g]
            todo &= ~hit
        out[todo] = t_quantile(self.p, df[todo])
        return out
