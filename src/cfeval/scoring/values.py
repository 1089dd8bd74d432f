"""The engine's working values: framework nodes flattened for array work, and the
per-unit results of each node (a unit is one community × wave)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np

__all__ = ["Node", "Values", "take"]


@dataclass
class Node:
    """A framework node flattened for array work; ``amount`` is its points or weight."""

    path: str
    node_id: str
    kind: str
    level: int
    obj: Any
    amount: float
    max_points: float
    children: list[int] = field(default_factory=list)


@dataclass
class Values:
    """Per-unit results of one node plus its respondent-level linearised values."""

    att: np.ndarray  # attainment in [0, 1], NaN when missing
    avail: np.ndarray  # bool: the node had data
    cov: np.ndarray  # coverage in [0, 1]
    insufficient: np.ndarray  # bool
    z: np.ndarray | None = None  # linearised values per survey row
    mask: np.ndarray | None = None  # survey rows contributing to the node
    b: list[np.ndarray] = field(default_factory=list)  # per-child coefficients
    var: np.ndarray | None = None  # sampling variance of ``att``
    n: np.ndarray | None = None  # respondents contributing
    df: np.ndarray | None = None  # degrees of freedom of ``var`` (Welch–Satterthwaite)
    cell_df: np.ndarray | None = None  # per-cell (U × G) df, when already known
    cell_var: np.ndarray | None = None  # per-cell variance pieces, when already known
    cell_n: np.ndarray | None = None  # per-cell contributing respondents, likewise
    share_cap: np.ndarray | None = None  # share indicators: design-neutral effective size
    below_min_n: np.ndarray | None = None  # survey indicators: no group reaches min_n


def take(values: np.ndarray, idx: np.ndarray) -> np.ndarray:
    """``values[idx]`` with NaN/None where ``idx`` is -1 (no audit row for the unit)."""
    import numpy as np

    out = np.empty(len(idx), dtype=values.dtype if values.dtype != bool else np.float64)
    if out.dtype == object:
        out[:] = None
    else:
        out = out.astype(np.float64)
        out[:] = np.nan
    hit = idx >= 0
    out[hit] = values[idx[hit]]
    return out
