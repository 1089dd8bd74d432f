"""What happened to the children's proposals of one community and period, as a table.

"You said, we did": every proposal of a community × wave in the proposal log with its
status, for the community report and the children's edition. Status, in the order a
proposal moves: ``waiting`` (no answer yet), ``declined`` (with the reason the children
are owed), ``promised`` (accepted or partly accepted, no action recorded yet), ``done``
(accepted or partly accepted and an action recorded). Free text (the children's words, the
reason, the action, how they were told) has phone and ID numbers masked; who raised a
proposal is never part of the table, since that column may hold a child's name.

>>> you_said_we_did(result, "CD-JJ-001")[["topic", "status"]]  # doctest: +SKIP
        topic    status
0  play_space      done
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from cfeval._safety import mask_pii

if TYPE_CHECKING:
    import pandas as pd

    from cfeval.scoring.result import ScoreResult

__all__ = ["STATUSES", "COLUMNS", "proposal_status", "you_said_we_did", "proposal_counts"]

STATUSES = ("waiting", "declined", "promised", "done")
COLUMNS = [
    "date_raised",
    "topic",
    "proposal",
    "referred_to",
    "date_answered",
    "answer",
    "reason",
    "action",
    "date_reported_back",
    "reported_how",
    "status",
    "days_to_answer",
    "reported_back",
]
_FREE_TEXT = ("proposal", "reason", "action", "reported_how")


def proposal_status(frame: pd.DataFrame) -> pd.Series:
    """The status of each proposal of a checked log (see the module's docstring)."""
    import numpy as np
    import pandas as pd

    action = frame["action"].astype("string").str.strip().fillna("")
    answer = frame["answer"].astype("string").fillna("")
    status = np.select(
        [answer == "", answer == "declined", action != ""],
        ["waiting", "declined", "done"],
        default="promised",
    )
    return pd.Series(status, index=frame.index, name="status")


def you_said_we_did(
    result: ScoreResult, community_id: str, wave: str | None = None
) -> pd.DataFrame:
    """The proposals of ``community_id`` in ``wave`` (default: its latest), oldest first.

    Empty (with :data:`COLUMNS`) when the result has no proposal log or the log has no
    proposal for that community and wave.
    """
    import pandas as pd

    from cfeval.results.insights import pick_wave

    log = getattr(result, "proposals", None)
    if log is None or len(log) == 0:
        return pd.DataFrame(columns=COLUMNS)
    wave = pick_wave(result, community_id, wave)
    mine = log[(log["community_id"] == community_id) & (log["wave"].astype(str) == wave)]
    mine = mine.sort_values(["date_raised", "row"], kind="stable")
    out = pd.DataFrame({c: mine[c] for c in COLUMNS if c in mine.columns and c not in _FREE_TEXT})
    for column in _FREE_TEXT:
        out[column] = [mask_pii(v) if isinstance(v, str) else "" for v in mine[column]]
    out["status"] = proposal_status(mine)
    out["days_to_answer"] = (mine["date_answered"] - mine["date_raised"]).dt.days
    out["reported_back"] = mine["date_reported_back"].notna()
    return out[COLUMNS].reset_index(drop=True)


def proposal_counts(table: pd.DataFrame) -> dict[str, int]:
    """How many proposals, and how many in each status and reported back."""
    counts = {"n": len(table), "reported_back": int(table["reported_back"].sum())}
    for status in STATUSES:
        counts[status] = int((table["status"] == status).sum())
    return counts
