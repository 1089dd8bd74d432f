"""Indicators computed from a checked proposal log, per community and wave.

Pure functions of the tidy frame that :func:`cfeval.data.proposals.read_proposals`
returns. Every share has all proposals of the community and wave as its denominator: a
proposal not yet answered counts as not answered in time, not acted on, not reported back.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["MEASURES", "proposal_measures"]

#: The measures, in output order: name → what it is.
MEASURES: dict[str, str] = {
    "n_proposals": "number of proposals raised",
    "share_answered_within": "share answered within N days of being raised",
    "share_acted_on": "share accepted, or partly accepted with an action recorded",
    "median_days_to_answer": "median days from raised to answered, over answered proposals",
    "share_reported_back": "share reported back to the children",
}


def proposal_measures(frame: pd.DataFrame, within_days: int = 30) -> pd.DataFrame:
    """One row per community × wave (index ``community_id``, ``wave``), one column per
    :data:`MEASURES` entry. ``within_days``: the N of ``share_answered_within``.

    A community and wave with proposals but none answered has a missing median (NaN).
    """
    import pandas as pd

    if within_days < 0:
        raise ValueError("within_days must be 0 or more")
    days = (frame["date_answered"] - frame["date_raised"]).dt.days
    has_action = frame["action"].notna() & (frame["action"].astype("string").str.strip() != "")
    parts = pd.DataFrame(
        {
            "community_id": frame["community_id"],
            "wave": frame["wave"],
            "in_time": (days <= within_days).fillna(False).astype(float),
            "acted": (
                (frame["answer"] == "accepted") | ((frame["answer"] == "partly") & has_action)
            ).astype(float),
            "days": days.astype(float),
            "reported": frame["date_reported_back"].notna().astype(float),
        }
    )
    grouped = parts.groupby(["community_id", "wave"], sort=True)
    out = pd.DataFrame(
        {
            "n_proposals": grouped.size().astype("int64"),
            "share_answered_within": grouped["in_time"].mean(),
            "share_acted_on": grouped["acted"].mean(),
            "median_days_to_answer": grouped["days"].median(),
            "share_reported_back": grouped["reported"].mean(),
        }
    )
    return out
