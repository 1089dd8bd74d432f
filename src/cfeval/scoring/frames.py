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
from cfeval.scoring.variance import t_quantile

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

__all__ = ["score_frames", "by_group_frame", "repeated_text"]

#: Node and group statuses, sorted (the categories of the ``status`` columns).
STATUSES = ("insufficient", "missing", "ok", "veto")
_INSUFFICIENT, _MISSING, _OK = (STATUSES.index(s) for s in ("insufficient", "missing", "ok"))
_COLUMNS = ("score", "points", "max_points", "df", "low", "high", "n", "coverage", "gain", "status")


def score_frames(eng: Any, values: dict) -> dict[str, Any]:
    """``scores`` and ``communities`` frames, plus what notes need (bonus rows, vetoes)."""
    import numpy as np

    bonus, bonus_rows = bonus_points(eng)
    cols = _node_columns(eng, values, bonus)
    veto_hit, veto_cap, veto_notes = vetoes(eng)
    g_before, grade = _grades(eng.fw, cols["score"][0], veto_hit, veto_cap)
    grade, grade_status = grade_status_of(eng.fw, grade, cols["coverage"][0])
    cols["status"][0] = np.where(veto_hit, STATUSES.index("veto"), cols["status"][0])
    scores = _scores(eng, cols, grade, grade_status)
    communities = _communities(eng, scores, grade, g_before, bonus, veto_hit)
    communities.insert(communities.columns.get_loc("grade") + 1, "grade_status", grade_status)
    return {
        "scores": scores,
        "communities": communities,
        "bonus_rows": bonus_rows,
        "veto_notes": veto_notes,
        "grading": (grade_status, cols["coverage"][0]),
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
    has = np.array([g is not None for g in grade], dtype=bool)
    status = np.where(~has, "none", np.where(thin, sc.below_min_coverage, "final")).astype(object)
    if sc.below_min_coverage == "withheld":
        grade = np.where(status == "withheld", None, grade).astype(object)
    return grade, status


def _intervals(eng: Any, values: dict) -> list[tuple[np.ndarray, np.ndarray]]:
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
        half = t_quantile(eng.p_ci, v.df) * 100 * np.sqrt(v.var + root * root)
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


def _node_columns(eng: Any, values: dict, bonus: np.ndarray) -> dict[str, list]:
    """Per node (in flattened order) the per-unit arrays of every score column."""
    import numpy as np

    fw, U = eng.fw, eng.U
    T = fw.max_total()
    zero_policy = fw.scoring.missing != "renormalize"
    base = T * values[0].att
    root_points = np.minimum(base + bonus, T)
    C = _root_coefficients(eng, values)
    reach = _intervals(eng, values)
    cols: dict[str, list] = {k: [] for k in _COLUMNS}
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
        status = np.where(v.cov == 0, _MISSING, np.where(v.insufficient, _INSUFFICIENT, _OK))
        cols["score"].append(sc)
        cols["points"].append(pts)
        cols["max_points"].append(np.full(U, node.max_points))
        cols["df"].append(v.df)
        cols["low"].append(sc - reach[idx][0])
        cols["high"].append(sc + reach[idx][1])
        cols["n"].append(v.n)
        cols["coverage"].append(v.cov)
        cols["gain"].append(gain)
        cols["status"].append(status)
    return cols


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
    grade = np.array([grade_ids[i] if i >= 0 else None for i in g_after], dtype=object)
    return g_before, grade


def _scores(eng: Any, cols: dict[str, list], grade, grade_status) -> pd.DataFrame:
    import numpy as np
    import pandas as pd

    U, nodes = eng.U, eng.nodes
    N = len(nodes)

    def stack(key):  # node-major lists → unit-major flat array
        return np.stack(cols[key], axis=1).ravel()

    node_of_row = np.tile(np.arange(N), U)
    unit_of_row = np.repeat(np.arange(U), N)

    def per_node(values):
        return repeated_text(values, node_of_row)

    root = node_of_row == 0
    # The float columns are written once, straight into the frame's one float block (a
    # frame built from separate columns copies them all again to consolidate them).
    floats = {
        "score": "score", "points": "points", "max_points": "max_points", "ci_low": "low",
        "ci_high": "high", "df": "df", "coverage": "coverage", "potential_gain": "gain",
    }  # fmt: skip
    block = np.empty((U * N, len(floats)), order="F")
    for j, key in enumerate(floats.values()):
        view = block[:, j].reshape(U, N)  # a view: column j is contiguous
        for i, values in enumerate(cols[key]):
            view[:, i] = values
    np.clip(block[:, 3:5], 0, 100, out=block[:, 3:5])
    out = pd.DataFrame(block, columns=list(floats), copy=False)
    return _with_columns(
        out,
        {
            "community_id": repeated_text(eng.units["community_id"], unit_of_row),
            "wave": repeated_text(eng.units["wave"], unit_of_row),
            "path": per_node([n.path for n in nodes]),
            "node_id": per_node([n.node_id for n in nodes]),
            "kind": per_node([n.kind for n in nodes]),
            "level": np.array([n.level for n in nodes], dtype=np.int64)[node_of_row],
            "score": None,
            "points": None,
            "max_points": None,
            "ci_low": None,
            "ci_high": None,
            "df": None,
            "n": stack("n").astype(np.int64),
            "coverage": None,
            "potential_gain": None,
            "status": repeated_text(STATUSES, stack("status")),
            "grade": _root_only(grade, root, unit_of_row),
            "grade_status": _root_only(grade_status, root, unit_of_row),
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
    return pd.Series(np.asarray(values, dtype=object)).array.take(codes)


def _root_only(per_unit: np.ndarray, root: np.ndarray, unit_of_row: np.ndarray):
    """A per-unit text (grade) on the root's rows, blank on the others."""
    import numpy as np
    import pandas as pd

    codes, uniques = pd.factorize(per_unit)  # None → -1
    if not len(uniques):  # no unit has one: a column of None, as it always was
        return np.full(len(root), None, dtype=object)
    at = np.where(root, codes[unit_of_row], -1)
    return repeated_text(uniques, np.where(at >= 0, at, len(uniques)), blank_last=True)


def _communities(eng: Any, scores, grade, g_before, bonus, veto_hit) -> pd.DataFrame:
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
    root_rows = scores[scores["kind"] == "total"].reset_index(drop=True)
    for col in ("score", "points", "max_points", "ci_low", "ci_high", "coverage"):
        communities[col] = root_rows[col].to_numpy()
    communities["grade"] = grade
    communities["grade_before_veto"] = g_before
    communities["bonus_points"] = bonus
    communities["vetoed"] = veto_hit
    for j, g in enumerate(eng.groups):
        communities[f"n_{g}"] = eng.n_cell[:, j].astype(np.int64)
    return communities


def by_group_frame(eng: Any) -> pd.DataFrame:
    """One row per unit × survey indicator × asked group, already in output order."""
    import numpy as np
    import pandas as pd

    paths = {n.node_id: n.path for n in eng.nodes}
    # Blocks of shape (units, groups asked) side by side: ravel() then gives unit-major
    # rows, indicators in framework order (group_rows is filled bottom-up, so reverse).
    rows = list(reversed(eng.group_rows))
    sel = [[eng.groups.index(g) for g in r["ind"].respondents or []] for r in rows]

    def block(key):
        if not rows:
            return np.empty(0)
        return np.concatenate(
            [r[key][:, js] for r, js in zip(rows, sel, strict=True)], axis=1
        ).ravel()

    def labels(values_per_row):
        per = [v for r, js in zip(rows, sel, strict=True) for v in values_per_row(r, js)]
        return repeated_text(per, np.tile(np.arange(len(per)), eng.U))

    k = sum(len(js) for js in sel)
    unit_of_row = np.repeat(np.arange(eng.U), k)
    sc, df = block("score"), block("df")
    half = t_quantile(eng.p_ci, df) * block("se")
    lo, hi = sc - half, sc + half
    if rows:  # shares: their proportion interval at the group's effective size
        share = np.concatenate(
            [np.full((eng.U, len(js)), r["share"]) for r, js in zip(rows, sel, strict=True)],
            axis=1,
        ).ravel()
        ddf = df[share] if eng.design is not None else None
        klo, khi = eng.share_interval(
            sc[share] / 100,
            block("var")[share],
            block("n")[share],
            block("n_eff")[share],
            ddf,
            level=eng.fw.scoring.ci_level,
        )
        lo[share], hi[share] = 100 * klo, 100 * khi
    np.clip(lo, 0, 100, out=lo)
    np.clip(hi, 0, 100, out=hi)
    floats = {"score": sc, "ci_low": lo, "ci_high": hi, "df": df, "n_eff": block("n_eff")}
    table = np.empty((len(sc), len(floats)), order="F")
    for j, values in enumerate(floats.values()):
        table[:, j] = values
    out = pd.DataFrame(table, columns=list(floats), copy=False)
    return _with_columns(
        out,
        {
            "community_id": repeated_text(eng.units["community_id"], unit_of_row),
            "wave": repeated_text(eng.units["wave"], unit_of_row),
            "path": labels(lambda r, js: [paths[r["ind"].id]] * len(js)),
            "node_id": labels(lambda r, js: [r["ind"].id] * len(js)),
            "respondent": labels(lambda r, js: [eng.groups[j] for j in js]),
            "score": None,
            "ci_low": None,
            "ci_high": None,
            "df": None,
            "n": block("n").astype(np.int64),
            "n_eff": None,
            "status": repeated_text(STATUSES, block("status").astype(np.int64)),
            "used": block("used").astype(bool),
        },
    )
