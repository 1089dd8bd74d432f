"""Waves normalised once, and checked between the survey and the audit.

A wave is a label such as ``1`` or ``2024``. Spreadsheets write ``1`` as ``1.0`` and a
Parquet export may hold a date; left alone, ``1.0`` and ``1`` would be two waves, and a
community would be split into a survey-only and an audit-only score without a word.
:func:`normalise_waves` turns ``1.0`` into ``1`` and marks dates (refused: a wave is a
round of data collection, name it ``1``, ``2`` or ``2024``); :func:`wave_mismatches`
lists every survey wave of a community that its audit does not have.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

__all__ = ["normalise_waves", "wave_mismatches"]

_WHOLE = re.compile(r"([+-]?\d+)\.0*\Z")
_DATE = re.compile(r"\d{4}[-/.]\d{1,2}[-/.]\d{1,2}([ T]\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?)?\Z")


def normalise_waves(waves: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(waves, is_date)``: ``"1.0"`` → ``"1"``; dates marked (their rows are refused).

    >>> import numpy as np
    >>> normalise_waves(np.array(["1.0", "2", "2024-06-01", None], dtype=object))[0].tolist()
    ['1', '2', '2024-06-01', None]
    """
    import numpy as np

    out = waves.copy()
    is_date = np.zeros(len(waves), bool)
    cache: dict[str, tuple[str, bool]] = {}
    for i, w in enumerate(waves):
        if not isinstance(w, str):
            continue
        if w not in cache:
            whole = _WHOLE.match(w)
            cache[w] = (str(int(whole.group(1))) if whole else w, bool(_DATE.match(w)))
        out[i], is_date[i] = cache[w]
    return out, is_date


def wave_mismatches(survey: pd.DataFrame, audit: pd.DataFrame) -> list[tuple[str, str, list]]:
    """``(community, survey wave, audit waves)`` for each survey wave its audit lacks."""
    if not len(survey) or not len(audit):
        return []
    audit_waves: dict[str, set[str]] = {}
    for cid, wave in zip(audit["community_id"], audit["wave"], strict=True):
        audit_waves.setdefault(cid, set()).add(wave)
    pairs = survey[["community_id", "wave"]].drop_duplicates()
    out = []
    for cid, wave in sorted(zip(pairs["community_id"], pairs["wave"], strict=True)):
        known = audit_waves.get(cid)
        if known is not None and wave not in known:
            out.append((cid, wave, sorted(known)))
    return out
