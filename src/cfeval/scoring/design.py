"""Design-based (Taylor-linearised) variances for stratified, clustered samples.

When the survey carries design columns — ``stratum``, ``cluster`` (the primary sampling
unit, PSU: a school class, a household) and ``fpc`` (finite population correction) —
cfeval estimates variances the way R's ``survey`` package and samplics do for a
with-replacement (or, with ``fpc``, without-replacement) first stage, separately in each
community (each community is its own population):

``Var = Σ_h (1 − f_h) m_h / (m_h − 1) Σ_{i ∈ h} (Z_hi − Z̄_h)²``

where ``h`` runs over the strata of the community, ``i`` over its ``m_h`` PSUs,
``Z_hi = Σ_{r ∈ i} z_r`` are PSU totals of the respondents' linearised values ``z``
(for a weighted mean ``z_r = w_r (y_r − ȳ) / Σw``; zero for respondents outside the
estimate's domain) and ``f_h`` the first-stage sampling fraction. Degrees of freedom are
``#PSUs − #strata`` of the community (R's ``degf``).

Codes follow R's ``nest = TRUE``: a stratum is a (community × stratum value) pair, a PSU a
(stratum × cluster value) pair, so two communities may reuse the same labels. Without a
``stratum`` column the community is the single stratum (respondent groups are domains);
without ``cluster`` every respondent is a PSU; a blank cluster cell makes that respondent
its own PSU. ``fpc`` is either the number of PSUs in the stratum's population (values
> 1) or the sampling fraction (values ≤ 1), like R's ``svydesign(fpc = ...)``, and must be
the same on every row of a stratum. A stratum with a single PSU contributes no variance
(R's ``survey.lonely.psu = "certainty"``); :attr:`Design.lonely` lists them.

>>> import numpy as np, pandas as pd
>>> d = design_from_frame(pd.DataFrame({"cluster": ["a", "a", "b", "b"]}), np.zeros(4, int), 1)
>>> round(float(taylor_variance(np.array([0.1, 0.1, -0.1, -0.1]), d)[0]), 6)
0.16
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from cfeval.errors import DataError

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

__all__ = [
    "DESIGN_COLUMNS",
    "Design",
    "design_from_frame",
    "group_variances",
    "has_design",
    "taylor_variance",
]

#: The optional design columns of a survey (standard names, also mapping targets).
DESIGN_COLUMNS = ("stratum", "cluster", "fpc")


@dataclass(frozen=True)
class Design:
    """Integer codes of a survey's design, one entry per survey row or per stratum."""

    psu: np.ndarray  # per row: PSU code, 0..P-1
    psu_stratum: np.ndarray  # per PSU: its stratum code, 0..H-1
    stratum_unit: np.ndarray  # per stratum: its unit (community × wave) code
    factor: np.ndarray  # per stratum: (1 − f_h) m_h / (m_h − 1); 0 for a lonely PSU
    df: np.ndarray  # per unit: #PSUs − #strata (NaN where it is below 1)
    lonely: np.ndarray  # per stratum: bool, a single PSU
    n_units: int


def has_design(survey: pd.DataFrame) -> bool:
    """True when the survey has any design column with at least one value."""
    return any(c in survey.columns and survey[c].notna().any() for c in DESIGN_COLUMNS)


def _codes(*keys: np.ndarray) -> np.ndarray:
    """Dense codes of the row-wise combination of several key arrays (pandas factorize)."""
    import numpy as np
    import pandas as pd

    code = np.zeros(len(keys[0]), dtype=np.int64)
    for k in keys:
        c, uniq = pd.factorize(k, sort=True)
        code = code * (len(uniq) + 1) + (c + 1)
    return pd.factorize(code, sort=True)[0].astype(np.int64)


def design_from_frame(survey: pd.DataFrame, unit: np.ndarray, n_units: int) -> Design:
    """The design of ``survey`` (its optional design columns) given each row's unit code.

    Raises :class:`~cfeval.errors.DataError` when ``fpc`` differs within a stratum, is not
    positive, or is a population smaller than the PSUs sampled from it.
    """
    import numpy as np
    import pandas as pd

    n = len(survey)
    unit = np.asarray(unit, dtype=np.int64)
    rows = np.arange(n)

    def column(name):
        if name not in survey.columns:
            return None
        return survey[name].astype("string").str.strip().replace("", pd.NA)

    strat_col, clus_col = column("stratum"), column("cluster")
    strat_key = strat_col.fillna("").to_numpy(dtype=object) if strat_col is not None else None
    stratum = _codes(unit, strat_key) if strat_key is not None else _codes(unit)
    if clus_col is not None:
        # A blank cluster cell: the respondent is a PSU of their own.
        own = np.array([f"\0row{i}" for i in rows], dtype=object)
        ckey = np.where(clus_col.isna().to_numpy(), own, clus_col.fillna("").to_numpy(dtype=object))
        psu = _codes(stratum, ckey)
    else:
        psu = _codes(stratum, rows)
    P = int(psu.max()) + 1 if n else 0
    psu_stratum = np.zeros(P, dtype=np.int64)
    psu_stratum[psu] = stratum
    H = int(stratum.max()) + 1 if n else 0
    stratum_unit = np.zeros(H, dtype=np.int64)
    stratum_unit[stratum] = unit
    m = np.bincount(psu_stratum, minlength=H).astype(np.float64)

    one_minus_f = np.ones(H)
    if "fpc" in survey.columns and survey["fpc"].notna().any():
        one_minus_f = _fpc_factor(survey["fpc"], stratum, m, H)
    lonely = m < 2
    factor = np.divide(one_minus_f * m, m - 1, out=np.zeros(H), where=~lonely)
    n_psu = np.bincount(stratum_unit, weights=m, minlength=n_units)
    n_str = np.bincount(stratum_unit, minlength=n_units)
    df = n_psu - n_str
    df = np.where(df >= 1, df, np.nan)
    return Design(psu, psu_stratum, stratum_unit, factor, df, lonely, n_units)


def _fpc_factor(fpc: pd.Series, stratum: np.ndarray, m: np.ndarray, H: int) -> np.ndarray:
    """``1 − f_h`` per stratum from an fpc column (population size or sampling fraction)."""
    import numpy as np
    import pandas as pd

    v = pd.to_numeric(fpc, errors="coerce").to_numpy(dtype=np.float64)
    bad = ~np.isfinite(v) | (v <= 0)
    if bad.any():
        raise DataError(
            f"fpc must be a positive number on every row (row {int(np.argmax(bad)) + 1} of the "
            "survey frame is not): a population size, or a sampling fraction up to 1"
        )
    lo = np.full(H, np.inf)
    hi = np.full(H, -np.inf)
    np.minimum.at(lo, stratum, v)
    np.maximum.at(hi, stratum, v)
    if (lo != hi).any():
        raise DataError("fpc differs within a stratum; it must be one value per stratum")
    frac = np.where(lo <= 1, lo, m / lo)
    if (frac > 1).any():
        raise DataError("fpc gives a population smaller than the clusters sampled from it")
    return 1.0 - frac


def taylor_variance(z: np.ndarray, design: Design) -> np.ndarray:
    """Per-unit variance ``Σ_h (1 − f_h) m_h/(m_h − 1) Σ_i (Z_hi − Z̄_h)²`` of Σ z.

    ``z`` holds each survey row's linearised value (0 for rows outside the estimate).
    """
    import numpy as np

    P = len(design.psu_stratum)
    H = len(design.factor)
    Z = np.bincount(design.psu, weights=z, minlength=P)
    m = np.bincount(design.psu_stratum, minlength=H)
    mean = np.divide(
        np.bincount(design.psu_stratum, weights=Z, minlength=H), m, out=np.zeros(H), where=m > 0
    )
    d = Z - mean[design.psu_stratum]
    ss = np.bincount(design.psu_stratum, weights=d * d, minlength=H)
    return np.bincount(design.stratum_unit, weights=design.factor * ss, minlength=design.n_units)


def group_variances(
    u: np.ndarray, row_group: np.ndarray, G: int, design: Design, n: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Per unit × group (U × G) design variance of the group means, and the design df.

    ``u`` are the rows' linearised values for their own group's mean; each group is a
    domain of the community's design (its PSUs outside the group count, with Z = 0).
    """
    import numpy as np

    var = np.empty(n.shape)
    for j in range(G):
        var[:, j] = taylor_variance(np.where(row_group == j, u, 0.0), design)
    var[n == 0] = np.nan
    df = np.repeat(design.df[:, None], G, axis=1)
    return var, np.where(n > 0, df, np.nan)
