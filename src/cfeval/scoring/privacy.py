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
    import numpy as np
    import pandas as pd

__all__ = ["SUPPRESSED_COLUMNS", "small_groups", "mask_community_text"]

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
            masked = pd.Series(_masked(uniques, mask_pii), index=uniques, dtype=object)
            keep = out[col].isna()
            out[col] = out[col].map(masked).where(~keep, out[col]) if len(uniques) else out[col]
    return out


def _masked(uniques, mask_pii) -> np.ndarray:
    """``mask_pii`` of each distinct text, called only where it can change something.

    Every number it masks has at least ten characters and an ASCII digit (a landline
    ``0`` + 2 + 7 digits is the shortest); other texts come back as they are, which
    ``mask_pii`` would return too. Checked for all texts at once (Arrow's string
    kernels): 50,000 community names are 50,000 regex calls otherwise.
    """
    import numpy as np
    import pandas as pd

    values = np.asarray(uniques, dtype=object)
    texts = pd.Series(values, dtype=object)
    is_text = texts.map(type).eq(str).to_numpy()
    strings = texts[is_text].astype("string[pyarrow]")
    maybe = np.ones(len(values), bool)  # anything not text is made text by mask_pii
    maybe[is_text] = (strings.str.len().ge(10) & strings.str.contains("[0-9]")).to_numpy(bool)
    out = values.copy()
    out[maybe] = [mask_pii(v) for v in values[maybe]]
    return out


#: The by-group columns blanked for a group below its min_n.
SUPPRESSED_COLUMNS = ("score", "ci_low", "ci_high", "df", "n_eff")


def small_groups(n: np.ndarray, min_n: np.ndarray) -> np.ndarray:
    """Which by-group rows are a group below its ``min_n`` (with anyone in it at all).

    ``n`` and ``min_n`` are the rows' sizes and their groups' limits; the engine blanks
    :data:`SUPPRESSED_COLUMNS` of these rows before the frame is built
    (:func:`cfeval.scoring.frames.by_group_frame`), unless ``show_small_groups``.
    """
    return (n < min_n) & (n > 0)
