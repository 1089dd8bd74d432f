"""Bonus items, vetoes and the notes that explain a score (bonus points, vetoes, missing
indicators, groups too small to count), in the language asked for."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from cfeval._columns import ID_COLUMNS
from cfeval.i18n import N_, Words
from cfeval.scoring.values import take

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

__all__ = ["field_attainment", "bonus_points", "vetoes", "notes_frame"]

NOTE_COLUMNS = [*ID_COLUMNS, "kind", "id", "points", "message"]

_BONUS = N_("bonus: {label} (capped at {cap} in total)")
_VETO = N_("veto: {label}; grade at most {grade}")
_MISSING = N_("no data for {path} ({policy})")
_INSUFFICIENT = N_("{path}: no respondent group reaches its min_n; all groups used")
_LEFT_OUT = N_("{indicator}: group {group} below min_n {min_n}; left out of the combination")
_ONE = N_("{indicator}: group {group} has only 1 respondent; no interval")
_TWO = N_(
    "{indicator}: group {group} has only 2 respondents; its interval rests on one degree of freedom"
)
_GRADE = {
    "provisional": N_(
        "grade provisional: data cover {coverage} of the total's points, below the {need} "
        "needed (scoring.min_coverage_for_grade)"
    ),
    "withheld": N_(
        "grade withheld: data cover {coverage} of the total's points, below the {need} "
        "needed (scoring.min_coverage_for_grade)"
    ),
}


def field_attainment(eng: Any, field_name: str, rule) -> np.ndarray:
    """Attainment per unit of an audit field through ``rule``; NaN without the field."""
    import numpy as np

    from cfeval.scoring.rules import RULES

    if field_name not in eng.audit.columns:
        return np.full(eng.U, np.nan)
    return RULES[rule.type](take(eng.audit[field_name].to_numpy(), eng.audit_row), rule)


def bonus_points(eng: Any) -> tuple[np.ndarray, list]:
    """Bonus points per unit (capped at ``bonus_cap``) and ``(item, points)`` per item.

    A bonus field without an answer earns nothing.
    """
    import numpy as np

    rows = []
    total = np.zeros(eng.U)
    for item in eng.fw.bonus:
        pts = item.points * np.nan_to_num(field_attainment(eng, item.field, item.rule))
        total += pts
        rows.append((item, pts))
    return np.minimum(total, eng.fw.scoring.bonus_cap), rows


def vetoes(eng: Any) -> tuple[np.ndarray, np.ndarray, list]:
    """Which units are vetoed, the worst grade index each may keep, and note rows."""
    import numpy as np

    grade_ids = [g.id for g in eng.fw.scoring.grades]
    hit = np.zeros(eng.U, bool)
    cap = np.zeros(eng.U, np.int64)
    notes = []
    for item in eng.fw.veto:
        if item.field in eng.audit.columns:
            raw = take(eng.audit[item.field].to_numpy(dtype=np.float64), eng.audit_row)
        else:
            raw = np.full(eng.U, np.nan)
        fired = raw == (1.0 if item.when else 0.0)
        limit = grade_ids.index(item.max_grade) if item.max_grade else len(grade_ids) - 1
        cap = np.where(fired, np.maximum(cap, limit), cap)
        hit |= fired
        notes.append((item, fired, grade_ids[limit]))
    return hit, cap, notes


class _Notes:
    """Note rows gathered as index arrays per (kind, id, message), made one frame at the end.

    A district of 50,000 communities has thousands of such groups: one small DataFrame
    each (and a sort over their strings) cost seconds; integer codes and one lexsort do not.
    """

    def __init__(self, eng: Any) -> None:
        self.eng = eng
        self.units: list[np.ndarray] = []
        self.points: list[np.ndarray] = []
        self.labels: list[tuple[str, str, str]] = []

    def add(self, sel, kind: str, node_id: str, points, message: str) -> None:
        import numpy as np

        sel = np.asarray(sel).nonzero()[0]
        if not len(sel):
            return
        pts = np.broadcast_to(np.asarray(points, dtype=np.float64), (self.eng.U,))[sel]
        self.units.append(sel)
        self.points.append(pts)
        self.labels.append((kind, node_id, message))

    def frame(self) -> pd.DataFrame:
        import numpy as np
        import pandas as pd

        from cfeval.scoring.frames import repeated_text

        if not self.units:
            return pd.DataFrame(
                {c: pd.Series(dtype=np.float64 if c == "points" else object) for c in NOTE_COLUMNS}
            )
        unit = np.concatenate(self.units)
        part = np.repeat(np.arange(len(self.units)), [len(u) for u in self.units])
        # Units are already in (community, wave) order; kind, id and message are sorted
        # as texts through their sorted distinct values. lexsort is stable, like the
        # sort it replaces, so equal rows keep the order they were added in.
        keys, columns = [], {}
        for j, name in enumerate(("kind", "id", "message")):
            codes, uniques = pd.factorize(
                np.array([lab[j] for lab in self.labels], dtype=object), sort=True
            )
            keys.append(codes[part])
            columns[name] = (uniques, codes[part])
        order = np.lexsort([*reversed(keys), unit])
        unit = unit[order]
        ids = self.eng.units
        return pd.DataFrame(
            {
                "community_id": repeated_text(ids["community_id"], unit),
                "wave": repeated_text(ids["wave"], unit),
                **{k: repeated_text(u, c[order]) for k, (u, c) in columns.items()},
                "points": np.concatenate(self.points)[order],
            }
        )[NOTE_COLUMNS]


def notes_frame(eng: Any, values: dict, bonus_rows: list, veto_notes: list, w: Words, grading=None):
    """The notes frame: one row per unit and reason, with a message in ``w``'s language.

    ``grading`` is ``(grade_status, coverage)`` per unit: a grade that is not final gets a
    note of kind ``grade`` saying why.
    """
    import numpy as np

    notes = _Notes(eng)
    fw = eng.fw
    if grading is not None:
        status, coverage = grading
        need = w.percent(fw.scoring.min_coverage_for_grade)
        for u in np.flatnonzero(np.isin(status, list(_GRADE))):
            text = w(_GRADE[status[u]], coverage=w.percent(coverage[u]), need=need)
            notes.add(np.arange(eng.U) == u, "grade", "total", np.nan, text)
    for item, pts in bonus_rows:
        cap = f"{fw.scoring.bonus_cap:g}"
        notes.add(pts > 0, "bonus", item.id, pts, w(_BONUS, label=w.label(item.label), cap=cap))
    for item, fired, grade_id in veto_notes:
        text = w(_VETO, label=w.label(item.label), grade=repr(grade_id))
        notes.add(fired, "veto", item.id, np.nan, text)
    policy = fw.scoring.missing
    for idx, node in enumerate(eng.nodes):
        if node.kind != "indicator":
            continue
        v = values[idx]
        text = w(_MISSING, path=node.path, policy=policy)
        notes.add(~v.avail, "missing", node.node_id, np.nan, text)
        text = w(_INSUFFICIENT, path=node.path)
        short = v.insufficient if v.below_min_n is None else v.below_min_n
        notes.add(short, "insufficient", node.node_id, np.nan, text)
    for row in eng.group_rows:
        ind = row["ind"]
        for j, g in enumerate(eng.groups):
            left_out = row["asked"][j] & (row["n"][:, j] > 0) & ~row["used"][:, j]
            min_n = fw.respondents[g].min_n
            text = w(_LEFT_OUT, indicator=ind.id, group=repr(g), min_n=min_n)
            notes.add(left_out, "insufficient", ind.id, np.nan, text)
            thin_n = np.where(row["thin"][:, j], row["n"][:, j], 0)
            for k, msg in ((1, _ONE), (2, _TWO)):
                text = w(msg, indicator=ind.id, group=repr(g))
                notes.add(thin_n == k, "insufficient", ind.id, np.nan, text)
    return notes.frame()
