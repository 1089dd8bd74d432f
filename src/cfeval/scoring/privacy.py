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
    from cfeval._safety import mask_pii

    out = communities.copy()
    for col in TEXT_COLUMNS:
        if col in out:
            keep = out[col].isna()
            out[col] = out[col].map(mask_pii).where(~keep, out[col])
    return out


#: The by-group columns blanked for a group below its min_n.
SUPPRESSED_COLUMNS = ("score", "ci_low", "ci_high", "df", "n_eff")


def suppress_small_groups(by_group: pd.DataFrame, framework: Framework) -> pd.DataFrame:
    """A copy of ``by_group`` with the results of groups below their ``min_n`` blanked."""
    import numpy as np

    if by_group is None or len(by_group) == 0 or "respondent" not in by_group:
        return by_group
    min_n = by_group["respondent"].map({k: r.min_n for k, r in framework.respondents.items()})
    small = (by_group["n"].to_numpy(float) < min_n.to_numpy(float)) & (by_group["n"] > 0)
    if not small.any():
        return by_group
    out = by_group.copy()
    for col in SUPPRESSED_COLUMNS:
        if col in out:
            out[col] = out[col].astype(float)
            out.loc[small, col] = np.nan
    return out
