"""The engine's node values → the tidy result frames: scores, by_group, communities.

Root points = ``max_total × A + min(bonus, bonus_cap)``, capped at ``max_total``; the
grade comes from the root's score and a fired veto caps it. ``potential_gain`` of a node
is the root points gained if the node reached full attainment, through the node's linear
coefficient in the root's attainment.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from cfeval._columns import AUDIT_DESCRIPTION
from cfeval.scoring.notes import bonus_points, vetoes
from cfeval.scoring.proportions import implied_variance
from cfeval.scoring.values import take
from cfeval.scoring.variance import CellQuantiles

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

__all__ = ["score_frames", "by_group_frame", "repeated_text"]

#: Node and group statuses, sorted (the categories of the ``status`` columns).
STATUSES = ("insufficient", "missing", "ok", "veto")
_INSUFFICIENT, _MISSING, _OK = (STATUSES.index(s) for s in ("insufficient", "missing", "ok"))
#: The scores frame's float columns, in its order: one float block holds them all.
_FLOATS = (
    "score", "points", "max_points", "ci_low", "ci_high", "df", "coverage", "potential_gain",
)  # fmt: skip


def score_frames(eng: Any, values: dict) -> dict[str, Any]:
    """``scores``, ``by_group`` and ``communities`` frames, plus what notes need (bonus
    rows, vetoes, grading).

    At 50,000 communities the frames are millions of rows, so every column is written
    once into the array the frame keeps, and what is no longer needed is let go before
    the next frame is built.
    """
    import numpy as np

    # The groups' quantiles first: the indicators' and the by-group rows' reuse them.
    tq = CellQuantiles(eng.p_ci, eng.U, eng.G)
    for row in eng.group_rows:
        row["t"] = tq.cells(row["df"])
    by_group = by_group_frame(eng)
    for row in eng.group_rows:  # the by-group frame was their last reader (notes keep n, used)
        for key in ("score", "se", "df", "n_eff", "status", "var", "t"):
            row.pop(key, None)
    bonus, bonus_rows = bonus_points(eng)
    block, n, status = _node_columns(eng, values, bonus, tq)
    root = {name: block[:, j][:: len(eng.nodes)].copy() for j, name in enumerate(_FLOATS)}
    veto_hit, veto_cap, veto_notes = vetoes(eng)
    g_before, grade = _grades(eng.fw, root["score"], veto_hit, veto_cap)
    grade, grade_status = grade_status_of(eng.fw, grade, root["coverage"])
    status[:, 0] = np.where(veto_hit, STATUSES.index("veto"), status[:, 0])
    scores = _scores(eng, block, n, status, grade, grade_status)
    communities = _communities(eng, root, grade, g_before, bonus, veto_hit)
    communities.insert(communities.columns.get_loc("grade") + 1, "grade_status", grade_status)
    return {
        "scores": scores,
        "communities": communities,
        "bonus_rows": bonus_rows,
        "veto_notes": veto_notes,
        "grading": (grade_status, root["coverage"]),
        "by_group": by_group,
    }


def grade_status_of(fw, grade: np.ndarray, coverage: np.ndarray):
    """(grade, grade_status) per unit: a final grade needs ``min_coverage_for_grade``.

    ``final`` when the total's coverage reaches the setting; below it ``provisional`` (the
    grade is kept, to be shown as such) or ``withheld`` (no grade), as
    ``scoring.below_min_coverage`` says; ``none`` where there is no score at all.
    """
    import numpy as np

    sc = fw.scoring
    thin = ~(coverage >= sc.min_coverage_for_grade - 1e-12)
    has = np.not_equal(grade, None)
    status = np.where(~has, "none", np.where(thin, sc.below_min_coverage, "final")).astype(object)
    if sc.below_min_coverage == "withheld":
        grade = np.where(status == "withheld", None, grade).astype(object)
    return grade, status


def _intervals(eng: Any, values: dict, tq: CellQuantiles) -> list[tuple[np.ndarray, np.ndarray]]:
    """Per node, how far its interval reaches below and above the score (0..100 units).

    Shares get their proportion interval (scoring.share_interval); every other node
    ``± t(df) × se`` with its variance raised by the part of its shares' intervals that the
    linearised variance misses (their implied variance), carried up as if perfectly
    correlated: ``Var' = Var + (Σ_i C_i √e_i)²``. NaN where there is no interval.
    """
    import numpy as np

    level = eng.fw.scoring.ci_level
    extra: dict[int, np.ndarray] = {}
    out: list = [None] * len(eng.nodes)
    for idx in reversed(range(len(eng.nodes))):  # children before parents
        node, v = eng.nodes[idx], values[idx]
        if v.share_cap is not None:
            ddf = v.df if eng.design is not None else None
            low, high = eng.share_interval(v.att, v.var, v.n, v.share_cap, ddf, level=level)
            out[idx] = (100 * (v.att - low), 100 * (high - v.att))
            gap = implied_variance(low, high, v.df, level) - v.var
            extra[idx] = np.sqrt(np.nan_to_num(np.maximum(gap, 0.0)))
            continue
        root = np.zeros(eng.U)
        for c, bc in zip(node.children, v.b, strict=True):
            root += bc * extra.get(c, 0.0)
        extra[idx] = root
        half = tq.units(v.df) * 100 * np.sqrt(v.var + root * root)
        out[idx] = (half, half)
    return out


def _root_coefficients(eng: Any, values: dict) -> list[np.ndarray]:
    """Each node's linear coefficient in the root's attainment, per unit (top-down)."""
    import numpy as np

    C = [np.zeros(eng.U)] * len(eng.nodes)
    C[0] = np.ones(eng.U)
    for idx, node in enumerate(eng.nodes):
        for c, bc in zip(node.children, values[idx].b, strict=True):
            C[c] = C[idx] * bc
    return C


def _node_columns(eng: Any, values: dict, bonus: np.ndarray, tq: CellQuantiles):
    """Every node's score columns, written straight into the scores frame's arrays.

    Returns the float block (``U·N × len(_FLOATS)``, one column per float column, rows
    unit-major as in the frame), ``n`` and the status codes (both ``U × N``).
    """
    import numpy as np

    fw, U, N = eng.fw, eng.U, len(eng.nodes)
    T = fw.max_total()
    zero_policy = fw.scoring.missing != "renormalize"
    base = T * values[0].att
    root_points = np.minimum(base + bonus, T)
    C = _root_coefficients(eng, values)
    reach = _intervals(eng, values, tq)
    block = np.empty((U * N, len(_FLOATS)), order="F")
    # Column j of the block seen as U × N (a view): node i's values are its column i.
    col = {name: block[:, j].reshape(U, N) for j, name in enumerate(_FLOATS)}
    n = np.empty((U, N), np.int64)
    status = np.empty((U, N), np.int8)
    for idx, node in enumerate(eng.nodes):
        v = values[idx]
        att = v.att
        if zero_policy and node.kind == "indicator":
            att = np.where(v.avail, att, 0.0)
        if idx == 0:
            pts, sc = root_points, 100 * root_points / T
            gain = T - root_points
        else:
            pts, sc = att * node.max_points, 100 * att
            gain = np.minimum(base + T * C[idx] * (1 - att) + bonus, T) - root_points
        col["score"][:, idx] = sc
        col["points"][:, idx] = pts
        col["max_points"][:, idx] = node.max_points
        col["ci_low"][:, idx] = sc - reach[idx][0]
        col["ci_high"][:, idx] = sc + reach[idx][1]
        col["df"][:, idx] = v.df
        col["coverage"][:, idx] = v.cov
        col["potential_gain"][:, idx] = gain
        n[:, idx] = v.n
        status[:, idx] = np.where(
            v.cov == 0, _MISSING, np.where(v.insufficient, _INSUFFICIENT, _OK)
        )
        reach[idx] = None
    lo, hi = _FLOATS.index("ci_low"), _FLOATS.index("ci_high")
    np.clip(block[:, lo : hi + 1], 0, 100, out=block[:, lo : hi + 1])
    return block, n, status


def _grades(fw, root_score: np.ndarray, veto_hit: np.ndarray, veto_cap: np.ndarray):
    """Grade before the veto and final grade per unit (None without a score)."""
    import numpy as np

    grade_ids = [g.id for g in fw.scoring.grades]
    # Framework.grade_for, for every unit at once: the first grade (highest first) whose
    # minimum the score reaches, else the lowest; -1 without a score.
    mins = np.array([g.min - 1e-9 for g in fw.scoring.grades])
    reached = root_score[:, None] >= mins[None, :]
    g_idx = np.where(reached.any(axis=1), reached.argmax(axis=1), len(grade_ids) - 1)
    g_idx = np.where(np.isfinite(root_score), g_idx, -1)
    ids = np.array([*grade_ids, None], dtype=object)
    g_before = ids[g_idx]
    g_after = np.where((g_idx >= 0) & veto_hit, np.maximum(g_idx, veto_cap), g_idx)
    grade = ids[g_after]
    return g_before, grade


def _scores(eng: Any, block, n, status, grade, grade_status) -> pd.DataFrame:
    import numpy as np
    import pandas as pd

    U, nodes = eng.U, eng.nodes
    N = len(nodes)
    # Rows are unit-major: unit u's nodes in flattened order, the root (node 0) first.
    node_of_row = np.tile(np.arange(N, dtype=np.int32), U)
    unit_of_row = np.repeat(np.arange(U, dtype=np.int32), N)
    out = pd.DataFrame(block, columns=list(_FLOATS), copy=False)
    return _with_columns(
        out,
        {
            "community_id": repeated_text(eng.units["community_id"], unit_of_row),
            "wave": repeated_text(eng.units["wave"], unit_of_row),
            "path": repeated_text([n.path for n in nodes], node_of_row),
            "node_id": repeated_text([n.node_id for n in nodes], node_of_row),
            "kind": repeated_text([n.kind for n in nodes], node_of_row),
            "level": np.tile(np.array([n.level for n in nodes], dtype=np.int64), U),
            "score": None,
            "points": None,
            "max_points": None,
            "ci_low": None,
            "ci_high": None,
            "df": None,
            "n": n.ravel(),
            "coverage": None,
            "potential_gain": None,
            "status": repeated_text(STATUSES, status.ravel()),
            "grade": _root_only(grade, U, N),
            "grade_status": _root_only(grade_status, U, N),
        },
    )


def _with_columns(frame: pd.DataFrame, columns: dict) -> pd.DataFrame:
    """``frame`` with ``columns`` inserted in their order; a None keeps the frame's own."""
    for i, (name, values) in enumerate(columns.items()):
        if values is not None:
            frame.insert(i, name, values)
    return frame


def repeated_text(uniques, codes: np.ndarray, blank_last: bool = False):
    """A text column ``uniques[codes]`` built by one take over the few distinct texts.

    The result frames repeat a handful of texts (community ids, paths, statuses) over
    millions of rows at 50,000 communities: converting one Python string per row into
    pandas' text column cost seconds; one take (Arrow's, in C) over the distinct texts
    gives the same column. ``blank_last``: the code one past the texts is a blank cell.
    """
    import numpy as np
    import pandas as pd

    values = list(uniques.to_numpy(dtype=object) if hasattr(uniques, "to_numpy") else uniques)
    if blank_last:
        values.append(None)
    # Through a Series: the dtype is whatever pandas infers for these texts (Arrow-backed
    # "str" in pandas 3, object before), exactly as for the object arrays this replaces.
    base = pd.Series(np.asarray(values, dtype=object)).array
    if not isinstance(base, pd.arrays.ArrowStringArray):
        return base.take(codes)
    import pyarrow as pa
    import pyarrow.compute as pc

    # The same take, with its buffers from the system allocator: Arrow's default pool
    # (mimalloc) asks the OS for new segments slowly, and these columns are hundreds of
    # megabytes at 50,000 communities (a 1.65 M-row column took 50-110 ms instead of 9).
    taken = pc.take(base.__arrow_array__(), codes, memory_pool=pa.system_memory_pool())
    return pd.arrays.ArrowStringArray(taken, dtype=base.dtype)


def _root_only(per_unit: np.ndarray, U: int, N: int):
    """A per-unit text (grade) on the root's rows (each unit's first), blank on the others."""
    import numpy as np
    import pandas as pd

    codes, uniques = pd.factorize(per_unit)  # None → -1
    if not len(uniques):  # no unit has one: a column of None, as it always was
        return np.full(U * N, None, dtype=object)
    blank = len(uniques)
    at = np.full((U, N), blank, dtype=np.int32)
    at[:, 0] = np.where(codes >= 0, codes, blank)
    return repeated_text(uniques, at.ravel(), blank_last=True)


def _communities(eng: Any, root: dict, grade, g_before, bonus, veto_hit) -> pd.DataFrame:
    import numpy as np
    import pandas as pd

    communities = pd.DataFrame(
        {
            "community_id": eng.units["community_id"].to_numpy(dtype=object),
            "wave": eng.units["wave"].to_numpy(dtype=object),
        }
    )
    for col in AUDIT_DESCRIPTION:
        communities[col] = (
            take(eng.audit[col].to_numpy(dtype=object), eng.audit_row)
            if col in eng.audit.columns
            else None
        )
        # Without an audit row, a community's city and district are its respondents'
        # (the survey's optional columns), so places can still be chosen and grouped.
        if col != "name" and col in eng.survey.columns and len(eng.survey):
            first = eng.survey.assign(_u=eng.row_unit).groupby("_u")[col].first()
            from_survey = pd.Series(first.reindex(range(eng.U)).to_numpy(dtype=object))
            have = pd.Series(communities[col].to_numpy(dtype=object))
            communities[col] = have.where(have.notna(), from_survey).to_numpy(dtype=object)
    for col in ("score", "points", "max_points", "ci_low", "ci_high", "coverage"):
        communities[col] = root[col]  # the total's row of every unit in the scores frame
    communities["grade"] = grade
    communities["grade_before_veto"] = g_before
    communities["bonus_points"] = bonus
    communities["vetoed"] = veto_hit
    for j, g in enumerate(eng.groups):
        communities[f"n_{g}"] = eng.n_cell[:, j].astype(np.int64)
    return communities


def by_group_frame(eng: Any) -> pd.DataFrame:
    """One row per unit × survey indicator × asked group, already in output order.

    Groups below their ``min_n`` keep their size and status but lose their results
    (:mod:`cfeval.scoring.privacy`) unless the engine was asked to show small groups.
    """
    import numpy as np
    import pandas as pd

    from cfeval.scoring.privacy import SUPPRESSED_COLUMNS, small_groups

    paths = {n.node_id: n.path for n in eng.nodes}
    # Blocks of shape (units, groups asked) side by side: flat, they are unit-major rows,
    # indicators in framework order (group_rows is filled bottom-up, so reverse).
    parts = [_Part(r, eng.groups) for r in reversed(eng.group_rows)]
    U, k = eng.U, sum(p.width for p in parts)
    # The float columns are written straight into the frame's one float block.
    floats = ("score", "ci_low", "ci_high", "df", "n_eff")
    table = np.empty((U * k, len(floats)), order="F")
    for j, key in ((0, "score"), (3, "df"), (4, "n_eff")):
        _side_by_side(parts, U, key, table[:, j])
    n = _side_by_side(parts, U, "n")
    _group_intervals(eng, parts, table, k)
    group_of_col = np.array([g for p in parts for g in p.groups], dtype=np.int64)
    if not eng.show_small_groups:
        small = small_groups(n, np.tile(eng.min_n[group_of_col], U))
        for j, name in enumerate(floats):
            if name in SUPPRESSED_COLUMNS:
                table[small, j] = np.nan
    out = pd.DataFrame(table, columns=list(floats), copy=False)
    unit_of_row, col_of_row = np.repeat(np.arange(U), k), np.tile(np.arange(k), U)
    return _with_columns(
        out,
        {
            "community_id": repeated_text(eng.units["community_id"], unit_of_row),
            "wave": repeated_text(eng.units["wave"], unit_of_row),
            "path": repeated_text([paths[p.ind.id] for p in parts for _ in p.groups], col_of_row),
            "node_id": repeated_text([p.ind.id for p in parts for _ in p.groups], col_of_row),
            "respondent": repeated_text([eng.groups[g] for g in group_of_col], col_of_row),
            "score": None,
            "ci_low": None,
            "ci_high": None,
            "df": None,
            "n": n,
            "n_eff": None,
            "status": repeated_text(STATUSES, _side_by_side(parts, U, "status")),
            "used": _side_by_side(parts, U, "used"),
        },
    )


def _side_by_side(parts: list, U: int, key: str, out=None):
    """``key`` of the parts' (units × groups asked) blocks side by side, flat (unit-major
    rows); written into ``out`` when given."""
    import numpy as np

    if out is None:
        dtype = parts[0].row[key].dtype if parts else _EMPTY_DTYPES.get(key, np.float64)
        out = np.empty(U * sum(p.width for p in parts), dtype=dtype)
    view, at = out.reshape(U, -1), 0
    for p in parts:
        view[:, at : at + p.width] = p.row[key][:, p.cols]
        at += p.width
    return out


def _group_intervals(eng: Any, parts: list, table, k: int) -> None:
    """The by-group intervals into ``table``'s ci_low and ci_high columns (1 and 2): score
    ± t × se, a units × groups block at a time (no full-size temporaries); shares get
    their proportion interval at the group's effective size; all clipped to 0..100."""
    import numpy as np

    U = eng.U  # table has U × k rows: k groups-asked columns per unit
    sc, lo, hi, df = table[:, 0], table[:, 1], table[:, 2], table[:, 3]
    at, lo_view, hi_view = 0, lo.reshape(U, k), hi.reshape(U, k)
    for p in parts:
        half = p.row["t"][:, p.cols] * p.row["se"][:, p.cols]  # t from CellQuantiles
        np.subtract(p.row["score"][:, p.cols], half, out=lo_view[:, at : at + p.width])
        np.add(p.row["score"][:, p.cols], half, out=hi_view[:, at : at + p.width])
        at += p.width
    shares = [p for p in parts if p.row["share"]]
    if shares:
        share = np.tile(np.concatenate([np.full(p.width, p.row["share"]) for p in parts]), U)
        klo, khi = eng.share_interval(
            sc[share] / 100,
            _side_by_side(shares, U, "var"),
            _side_by_side(shares, U, "n"),
            _side_by_side(shares, U, "n_eff"),
            df[share] if eng.design is not None else None,
            level=eng.fw.scoring.ci_level,
        )
        lo[share], hi[share] = 100 * klo, 100 * khi
    np.clip(lo, 0, 100, out=lo)
    np.clip(hi, 0, 100, out=hi)


#: by_group's integer and boolean columns when no indicator has survey rows.
_EMPTY_DTYPES = {"n": "int64", "status": "int8", "used": "bool"}


class _Part:
    """One indicator's by-group rows: its row of ``group_rows`` and the groups asked."""

    def __init__(self, row: dict, groups: list[str]):
        self.row, self.ind = row, row["ind"]
        self.groups = [groups.index(g) for g in self.ind.respondents or []]
        self.width = len(self.groups)
        g = self.groups
        # Neighbouring groups in order are a slice (a view: nothing copied).
        contiguous = bool(g) and g == list(range(g[0], g[0] + len(g)))
        self.cols = slice(g[0], g[0] + len(g)) if contiguous else g
