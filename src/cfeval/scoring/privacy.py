"""Small groups: results of a respondent group below its ``min_n`` are not published.

With one child in a community, that child's answers could be read off a group score
(``0 / 15, n = 1``). By default every output (PDF group bars, the XLSX by-group sheet,
JSON) shows such a group's size and its status ``insufficient`` but no score, interval
or degrees of freedom; ``show_small_groups=True`` (``--show-small-groups``) keeps them,
still marked ``insufficient``. The community's indicator and total scores are not
affected: the engine already leaves such groups out of the combination.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

    from cfeval.framework.model import Framework

__all__ = ["SUPPRESSED_COLUMNS", "suppress_small_groups", "mask_community_text"]

#: Free-text columns of the communities frame that may hold a phone or ID-card number.
TEXT_COLUMNS = ("name", "city", "district")


def mask_community_text(communities: pd.DataFrame) -> pd.DataFrame:
    """A copy with phone and ID-card numbers masked in names, cities and districts."""
    import pandas as pd

    from cfeval._safety import mask_pii

    out = communities.copy()
    for col in TEXT_COLUMNS:
        if col in out:
            # Each distinct text once: a district's 50,000 rows share far fewer cities.
            uniques = pd.unique(out[col].dropna())
            masked = pd.Series([mask_pii(u) for u in uniques], index=uniques, dtype=object)
            keep = out[col].isna()
            out[col] = out[col].map(masked).where(~keep, out[col]) if len(uniques) else out[col]
    return out


#: The by-group columns blanked for a group below its min_n.
SUPPRESSED_COLUMNS = ("score", "ci_low", "ci_high", "df", "n_eff")


def suppress_small_groups(by_group: pd.DataFrame, framework: Framework) -> pd.DataFrame:
    """A copy of ``by_group`` with the results of groups below their ``min_n`` blanked."""
    import numpy as np
    import pandas as pd

    if by_group is None or len(by_group) == 0 or "respondent" not in by_group:
        return by_group
    # Through the few distinct groups: a district has millions of by-group rows.
    codes, groups = pd.factorize(by_group["respondent"])
    limits = np.array([_min_n(framework, g) for g in groups] + [np.nan])
    n = by_group["n"].to_numpy(float)
    small = (n < limits[codes]) & (n > 0)
    if not small.any():
        return by_group
    out = by_group.copy()
    for col in SUPPRESSED_COLUMNS:
        if col in out:
            out[col] = np.where(small, np.nan, out[col].to_numpy(float))
    return out


def _min_n(framework: Framework, group) -> float:
    spec = framework.respondents.get(group)
    return float("nan") if spec is None else float(spec.min_n)
