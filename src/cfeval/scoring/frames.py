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

__all__ = ["score_frames", "by_group_frame"]

_COLUMNS = ("score", "points", "max_points", "df", "low", "high", "n", "coverage", "gain", "status")


def score_frames(eng: Any, values: dict) -> dict[str, Any]:
    """``scores`` and ``communities`` frames, plus what notes need (bonus rows, vetoes)."""
    import numpy as np

    bonus, bonus_rows = bonus_points(eng)
    cols = _node_columns(eng, values, bonus)
    veto_hit, veto_cap, veto_notes = vetoes(eng)
    g_before, grade = _grades(eng.fw, cols["score"][0], veto_hit, veto_cap)
    grade, grade_status = grade_status_of(eng.fw, grade, cols["coverage"][0])
    cols["status"][0] = np.where(veto_hit, "veto", cols["status"][0]).astype(object)
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
        status = np.where(
            v.cov == 0, "missing", np.where(v.insufficient, "insufficient", "ok")
        ).astype(object)
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
    g_before = np.array(
        [fw.grade_for(x).id if np.isfinite(x) else None for x in root_score], dtype=object
    )
    g_idx = np.array([grade_ids.index(g) if g is not None else -1 for g in g_before])
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

    def per_node(values, dtype=object):
        return np.tile(np.array(values, dtype=dtype), U)

    score = stack("score")
    root = np.tile(np.arange(N) == 0, U)
    return pd.DataFrame(
        {
            "community_id": np.repeat(eng.units["community_id"].to_numpy(dtype=object), N),
            "wave": np.repeat(eng.units["wave"].to_numpy(dtype=object), N),
            "path": per_node([n.path for n in nodes]),
            "node_id": per_node([n.node_id for n in nodes]),
            "kind": per_node([n.kind for n in nodes]),
            "level": per_node([n.level for n in nodes], np.int64),
            "score": score,
            "points": stack("points"),
            "max_points": stack("max_points"),
            "ci_low": np.clip(stack("low"), 0, 100),
            "ci_high": np.clip(stack("high"), 0, 100),
            "df": stack("df"),
            "n": stack("n").astype(np.int64),
            "coverage": stack("coverage"),
            "potential_gain": stack("gain"),
            "status": stack("status"),
            "grade": np.where(root, np.repeat(grade, N), None),
            "grade_status": np.where(root, np.repeat(grade_status, N), None),
        }
    )


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
        per = np.array(
            [v for r, js in zip(rows, sel, strict=True) for v in values_per_row(r, js)],
            dtype=object,
        )
        return np.tile(per, eng.U)

    k = sum(len(js) for js in sel)
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
    return pd.DataFrame(
        {
            "community_id": np.repeat(eng.units["community_id"].to_numpy(dtype=object), k),
            "wave": np.repeat(eng.units["wave"].to_numpy(dtype=object), k),
            "path": labels(lambda r, js: [paths[r["ind"].id]] * len(js)),
            "node_id": labels(lambda r, js: [r["ind"].id] * len(js)),
            "respondent": labels(lambda r, js: [eng.groups[j] for j in js]),
            "score": sc,
            "ci_low": np.clip(lo, 0, 100),
            "ci_high": np.clip(hi, 0, 100),
            "df": df,
            "n": block("n").astype(np.int64),
            "n_eff": block("n_eff"),
            "status": block("status").astype(object),
            "used": block("used").astype(bool),
        }
    )
