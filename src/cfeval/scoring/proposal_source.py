"""Indicators of the ``proposal_log`` rule type: the log's measure, else the audit field.

For every community × wave the proposal log has proposals for, the indicator scores the
log's measure (:func:`cfeval.data.proposal_measures.proposal_measures`; shares in percent);
for the others it scores the audit field, as without a log. Which source each unit used is
kept and becomes a ``source`` note of the result (only when a log was given, so results
without a log are the same as before the log existed).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from cfeval._columns import ID_COLUMNS
from cfeval.i18n import N_, Words

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

__all__ = ["LogSource", "log_values", "source_notes", "SOURCE_LOG", "SOURCE_AUDIT"]

SOURCE_LOG = (
    N_("from the children's proposal log ({n} proposal)"),
    N_("from the children's proposal log ({n} proposals)"),
)
SOURCE_AUDIT = N_("from the audit sheet: the proposal log has no proposal for this period")


@dataclass
class LogSource:
    """Which units of one ``proposal_log`` indicator were computed from the log."""

    node_id: str
    from_log: np.ndarray
    n_proposals: np.ndarray


def log_values(
    units: pd.DataFrame, log: pd.DataFrame, rule, fallback: np.ndarray, node_id: str
) -> tuple[np.ndarray, LogSource]:
    """Per unit, the measure ``rule.measure`` of ``log`` where it has proposals, else
    ``fallback`` (the audit field's value). Shares are returned in percent."""
    import numpy as np
    import pandas as pd

    from cfeval.data.proposal_measures import proposal_measures
    from cfeval.framework.rules.proposal_log import SHARES

    measures = proposal_measures(log, within_days=rule.within_days)
    key = pd.MultiIndex.from_frame(units[list(ID_COLUMNS)])
    pos = measures.index.get_indexer(key) if len(measures) else np.full(len(units), -1)
    found = pos >= 0
    column = measures[rule.measure].to_numpy(dtype=np.float64) if len(measures) else np.zeros(0)
    if rule.measure in SHARES:
        column = column * 100.0
    values = np.asarray(fallback, dtype=np.float64).copy()
    values[found] = column[pos[found]]
    counts = np.zeros(len(units), dtype=np.int64)
    if len(measures):
        counts[found] = measures["n_proposals"].to_numpy()[pos[found]]
    return values, LogSource(node_id, found, counts)


def source_notes(units: pd.DataFrame, sources: list[LogSource], w: Words) -> pd.DataFrame:
    """One ``source`` note per unit and ``proposal_log`` indicator: the log or the audit."""
    import pandas as pd

    rows: list[dict[str, Any]] = []
    for src in sources:
        for u, (cid, wave) in enumerate(units[list(ID_COLUMNS)].itertuples(index=False)):
            if src.from_log[u]:
                message = w.n(*SOURCE_LOG, int(src.n_proposals[u]))
            else:
                message = w(SOURCE_AUDIT)
            rows.append(
                {
                    "community_id": cid,
                    "wave": wave,
                    "kind": "source",
                    "id": src.node_id,
                    "points": float("nan"),
                    "message": message,
                }
            )
    return pd.DataFrame(rows)
