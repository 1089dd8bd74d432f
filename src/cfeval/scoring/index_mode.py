"""The engine's index mode with an ``index:`` block: from the engine's per-indicator values
to the composite index, and the index's marks on the result frames.

:func:`index_pass` gathers each indicator's value per unit (its rule's attainment, or the
audit field's own number) with its sampling standard error, runs
:func:`cfeval.scoring.index_compute.compute` with the framework's choices and writes every
node's value back into the engine's values; :func:`finish_result` then marks the frames:
``score`` and ``points`` are the index values (not capped at 100), an indicator value that
was imputed is flagged (``imputed`` column, status ``imputed``), a unit under a level's
data-availability threshold is ``below_threshold`` with no score, and intervals and
potential gains are left empty (they are not linear in the data any more: `cfeval
sensitivity` gives rank intervals with the sampling error instead). The treatment of every
indicator is a tidy frame on the result.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from cfeval.scoring.index_compute import Choices, Inputs, Output, Tree, compute
from cfeval.scoring.values import take

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

    from cfeval.framework.model import Framework

__all__ = ["IndexRun", "index_pass", "finish_result", "nominal_choices", "build_tree"]


@dataclass
class IndexRun:
    """The nominal index run, kept on the result for :func:`cfeval.sensitivity`."""

    inputs: Inputs
    output: Output
    units: pd.DataFrame  # community_id, wave, city
    indicator_ids: list[str]
    veto_cap: np.ndarray | None = None  # (U,) grade index a veto caps at, -1 when none


def build_tree(nodes) -> Tree:
    """The engine's flattened nodes as a :class:`Tree` (indicator columns in node order)."""
    import numpy as np

    N = len(nodes)
    columns = np.full(N, -1)
    ind_nodes = [k for k, n in enumerate(nodes) if n.kind == "indicator"]
    columns[ind_nodes] = np.arange(len(ind_nodes))
    groups = []
    for n in nodes:
        cols = [int(columns[c]) for c in n.children if columns[c] >= 0]
        if cols:
            groups.append(np.array(cols))
    return Tree(
        ids=[n.node_id for n in nodes],
        depth=np.array([n.level for n in nodes]),
        children=[list(n.children) for n in nodes],
        columns=columns,
        indicator_nodes=np.array(ind_nodes, dtype=int),
        parent_groups=groups,
    )


def nominal_choices(fw: Framework, tree: Tree, weight_set: str | None = None) -> Choices:
    """The framework's own choices (``weight_set`` overrides ``index.weights``)."""
    import numpy as np

    from cfeval.framework.index_checks import normalisation_of

    ix = fw.index
    by_id = {n.id: n for _, n in fw.walk()}
    table = ix.weight_sets.get(weight_set or ix.weights or "", {})
    weights = np.array(
        [
            float(table.get(i, by_id[i].weight if by_id[i].weight is not None else 1.0))
            if i in by_id
            else 1.0
            for i in tree.ids
        ]
    )
    ind_ids = [tree.ids[k] for k in tree.indicator_nodes]
    own = [ix.indicators.get(i) for i in ind_ids]
    aggs, mins = [], []
    for k, d in enumerate(tree.depth):
        level = ix.levels.get(int(d))
        dim = tree.columns[k] < 0
        aggs.append(
            (level.aggregation if level and level.aggregation else ix.aggregation) if dim else None
        )
        mins.append(level.min_data if level and level.min_data is not None else ix.min_data)
    return Choices(
        weights=weights,
        normalisations=[normalisation_of(ix, i) for i in ind_ids],
        treatments=[o.treatment if o and o.treatment else ix.treatment for o in own],
        directions=np.array([o.direction if o else 1 for o in own], dtype=float),
        imputation=ix.imputation,
        aggregations=aggs,
        min_data=mins,
    )


def _units(eng) -> pd.DataFrame:
    import pandas as pd

    units = eng.units[["community_id", "wave"]].copy()
    city = None
    if "city" in eng.audit.columns:
        city = pd.Series(take(eng.audit["city"].to_numpy(dtype=object), eng.audit_row))
    if "city" in eng.survey.columns:
        first = eng.survey.assign(_u=eng.row_unit).groupby("_u")["city"].first()
        from_survey = pd.Series(first.reindex(range(eng.U)).to_numpy(dtype=object))
        city = from_survey if city is None else city.where(city.notna(), from_survey)
    units["city"] = city.to_numpy(dtype=object) if city is not None else None
    return units.reset_index(drop=True)


def _references(fw: Framework, units: pd.DataFrame) -> dict[str, np.ndarray]:
    import numpy as np

    out = {}
    for name, ref in fw.index.reference_sets.items():
        mask = np.ones(len(units), bool)
        for key, col in (("communities", "community_id"), ("cities", "city"), ("waves", "wave")):
            allowed = getattr(ref, key)
            if allowed is not None:
                mask &= units[col].astype(str).isin([str(a) for a in allowed]).to_numpy()
        out[name] = mask
    return out


def index_pass(eng, values: dict) -> IndexRun:
    """The index over the engine's units; every node's ``Values`` updated in place."""
    import numpy as np
    import pandas as pd

    fw = eng.fw
    tree = build_tree(eng.nodes)
    ind_nodes = tree.indicator_nodes
    U, n_ind = eng.U, len(ind_nodes)
    x = np.full((U, n_ind), np.nan)
    se = np.zeros((U, n_ind))
    bounds = np.tile([-np.inf, np.inf], (n_ind, 1))
    for i, k in enumerate(ind_nodes):
        node, v = eng.nodes[k], values[k]
        spec = fw.index.indicators.get(node.node_id)
        if spec is not None and spec.value == "field":
            col = eng.audit[node.obj.field] if node.obj.field in eng.audit.columns else None
            raw = np.full(len(eng.audit), np.nan) if col is None else col.to_numpy(dtype=float)
            x[:, i] = take(raw, eng.audit_row)
        else:
            x[:, i] = np.where(v.avail, v.att, np.nan)
            bounds[i] = (0.0, 1.0)
            if v.var is not None:
                se[:, i] = np.sqrt(np.nan_to_num(np.maximum(v.var, 0.0)))
    units = _units(eng)
    city_wave = pd.Series(list(zip(units["city"], units["wave"], strict=True)))
    codes, _ = pd.factorize(city_wave.where(units["city"].notna().to_numpy()))
    inputs = Inputs(tree, x, se, bounds, codes.astype(np.int64), _references(fw, units))
    inputs.nominal = nominal_choices(fw, tree)
    out = compute(inputs, keep_treatments=True)
    _write_back(eng, values, inputs, out)
    ids = [tree.ids[k] for k in ind_nodes]
    return IndexRun(inputs, out, units, ids)


def _write_back(eng, values: dict, inputs: Inputs, out: Output) -> None:
    """Index values into the engine's node values, as attainments (value / 100)."""
    import numpy as np

    w = inputs.nominal.weights
    nan = np.full(eng.U, np.nan)
    for k in range(len(eng.nodes) - 1, -1, -1):
        v = values[k]
        v.att = out.node_values[:, k] / 100.0
        v.var, v.df, v.share_cap = nan.copy(), nan.copy(), None
        kids = eng.nodes[k].children
        if kids:
            v.avail = out.scored[:, k]
            wk = w[kids]
            cov = np.stack([values[c].cov for c in kids], axis=1)
            v.cov = cov @ wk / wk.sum() if wk.sum() > 0 else np.zeros(eng.U)
            v.b = [np.zeros(eng.U) for _ in kids]


def finish_result(result, eng, run: IndexRun) -> None:
    """The index's marks on the result frames, the treatment frames, and the run itself."""
    import numpy as np

    out = run.output
    N = len(eng.nodes)
    scores = result.scores
    flat = out.node_values.ravel()  # unit-major, node order: the scores frame's row order
    scores["score"] = flat
    scores["points"] = flat
    for col in ("ci_low", "ci_high", "df", "potential_gain"):
        scores[col] = np.nan
    imputed = out.node_imputed.ravel()
    status = scores["status"].to_numpy(dtype=object).copy()
    is_ind = np.tile(run.inputs.tree.columns >= 0, eng.U)
    status[is_ind & imputed] = "imputed"
    status[out.below.ravel()] = "below_threshold"
    scores["status"] = status
    scores["imputed"] = imputed
    root = out.node_values[:, 0]
    comm = result.communities
    comm["score"] = root
    comm["points"] = root
    comm["ci_low"] = comm["ci_high"] = np.nan
    comm["imputed"] = out.node_imputed[:, 0]
    from cfeval.scoring.notes import vetoes

    hit, cap, _ = vetoes(eng)
    run.veto_cap = np.where(hit, cap, -1)
    result.treatment, result.treated_points = treatment_frames(run, N)
    result.index = run


def treatment_frames(run: IndexRun, n_nodes: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Per indicator what treatment did, and every treated point (COINr's Dets_Table and
    Treated_Points, as tidy frames)."""
    import numpy as np
    import pandas as pd

    rows, points = [], []
    ch = run.inputs.nominal
    for i, rec in enumerate(run.output.treatments or []):
        ind = run.indicator_ids[i]
        rows.append(
            {
                "node_id": ind,
                "treatment": ch.treatments[i].method,
                "applied": rec.method,
                "n_winsorised": rec.n_winsorised,
                "skew_before": rec.skew_before,
                "kurt_before": rec.kurt_before,
                "skew_after": rec.skew_after,
                "kurt_after": rec.kurt_after,
                "passes": rec.passes,
            }
        )
        labels = np.array(rec.points, dtype=object)
        for u in np.flatnonzero(labels != ""):
            points.append(
                {
                    "community_id": run.units.at[u, "community_id"],
                    "wave": run.units.at[u, "wave"],
                    "node_id": ind,
                    "value": run.inputs.values[u, i],
                    "treated": rec.values[u],
                    "point": labels[u],
                }
            )
    cols = ["community_id", "wave", "node_id", "value", "treated", "point"]
    return pd.DataFrame(rows), pd.DataFrame(points, columns=cols)
