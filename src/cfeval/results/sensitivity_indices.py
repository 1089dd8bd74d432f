"""Variance-based sensitivity indices from a Saltelli design, with bootstrap intervals.

The design and the estimators are COINr's (``R/sensitivity.R``: ``SA_sample``,
``SA_estimate``), which are those of Saltelli et al. (2010), "Variance based sensitivity
analysis of model output. Design and estimator for the total sensitivity index", Computer
Physics Communications 181, 259-270:

- two independent N × d matrices A and B of uniform draws; for each input i the matrix
  AB_i is A with its column i taken from B; the model is run on the N (d + 2) rows
  [A; B; AB_1; ...; AB_d];
- first-order index (Saltelli 2010, Table 2 (b)):
  ``S_i = mean(f(B) (f(AB_i) - f(A))) / V``;
- total index (Jansen 1999; Saltelli 2010, Table 2 (f)):
  ``ST_i = sum((f(A) - f(AB_i))^2) / (2 N V)``;
- ``V`` is the sample variance of ``f(A)`` and ``f(B)`` together (R ``var``, n - 1);
- bootstrap: the N summands of each estimator are resampled with replacement, ``V`` kept,
  and the 5th and 95th percentiles of the replicates reported (COINr's ``Nboot``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

__all__ = ["saltelli_design", "first_order", "total_order", "sensitivity_indices"]


def saltelli_design(n: int, d: int, rng: np.random.Generator) -> np.ndarray:
    """The N (d + 2) × d matrix of uniform draws [A; B; AB_1; ...; AB_d] (COINr ``SA_sample``).

    >>> import numpy as np
    >>> saltelli_design(4, 2, np.random.default_rng(0)).shape
    (16, 2)
    """
    import numpy as np

    base = rng.random((n, 2 * d))
    a, b = base[:, :d], base[:, d:]
    blocks = [a, b]
    for i in range(d):
        ab = a.copy()
        ab[:, i] = b[:, i]
        blocks.append(ab)
    return np.vstack(blocks)


def _split(y: np.ndarray, n: int, d: int):
    import numpy as np

    y = np.asarray(y, dtype=float)
    if y.shape != (n * (d + 2),):
        from cfeval.errors import UsageError

        raise UsageError(f"expected {n * (d + 2)} model outputs for N={n}, d={d}, got {y.size}")
    ya, yb = y[:n], y[n : 2 * n]
    yab = y[2 * n :].reshape(d, n)
    var = np.var(np.concatenate([ya, yb]), ddof=1)
    return ya, yb, yab, var


def first_order(y: np.ndarray, n: int, d: int) -> np.ndarray:
    """Saltelli (2010) first-order indices ``S_i`` from the outputs of the design's rows."""
    import numpy as np

    ya, yb, yab, var = _split(y, n, d)
    with np.errstate(invalid="ignore", divide="ignore"):  # no variance: NaN, not a warning
        return (yb * (yab - ya)).mean(axis=1) / var


def total_order(y: np.ndarray, n: int, d: int) -> np.ndarray:
    """Jansen total-order indices ``ST_i`` from the outputs of the design's rows."""
    import numpy as np

    ya, _, yab, var = _split(y, n, d)
    with np.errstate(invalid="ignore", divide="ignore"):
        return ((ya - yab) ** 2).sum(axis=1) / (2 * n * var)


def sensitivity_indices(
    y: np.ndarray, n: int, names: list[str], bootstrap: int, rng: np.random.Generator
) -> pd.DataFrame:
    """``input, first_order, total`` and, with ``bootstrap`` > 0, their 5th and 95th
    bootstrap percentiles (``first_order_q05`` ... ``total_q95``)."""
    import numpy as np
    import pandas as pd

    d = len(names)
    ya, yb, yab, var = _split(y, n, d)
    out = pd.DataFrame(
        {"input": names, "first_order": first_order(y, n, d), "total": total_order(y, n, d)}
    )
    if bootstrap > 0 and var > 0:
        s_terms = yb * (yab - ya)  # d × n summands
        t_terms = (ya - yab) ** 2
        idx = rng.integers(0, n, size=(bootstrap, n))
        s_boot = s_terms[:, idx].mean(axis=2) / var  # d × bootstrap
        t_boot = t_terms[:, idx].sum(axis=2) / (2 * n * var)
        for name, boot in (("first_order", s_boot), ("total", t_boot)):
            out[f"{name}_q05"] = np.quantile(boot, 0.05, axis=1)
            out[f"{name}_q95"] = np.quantile(boot, 0.95, axis=1)
    else:
        for col in ("first_order_q05", "first_order_q95", "total_q05", "total_q95"):
            out[col] = np.nan
    return out
