"""The composite index as one pure function of the indicator values and the choices made.

:func:`compute` runs treat → impute → normalise → aggregate over a units × indicators
matrix; the engine calls it once with the framework's choices, :func:`cfeval.sensitivity`
thousands of times with varied ones. Nothing here reads a framework file or a dataset: the
inputs are arrays, the choices a :class:`Choices`. Each step follows a COINr function (see
:mod:`cfeval.scoring.index_methods` and docs/methods.md); the order differs from COINr's
default pipeline in one place, on purpose: outliers are treated *before* imputing, so an
outlier never leaks into the means that fill the gaps.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from cfeval.scoring import index_methods as im
from cfeval.scoring.index_normalise import normalise_indicator

if TYPE_CHECKING:
    import numpy as np

__all__ = ["Tree", "Choices", "Inputs", "Output", "compute", "treat_values", "impute"]


@dataclass
class Tree:
    """The framework's tree flattened: node 0 is the total, children before parents when
    walked backwards. ``columns[k]`` is the indicator column of node k (-1 for dimensions)."""

    ids: list[str]
    depth: np.ndarray  # (N,) 0 for the total
    children: list[list[int]]  # node → its children's node numbers
    columns: np.ndarray  # (N,) indicator column or -1
    indicator_nodes: np.ndarray  # (I,) node number of each indicator column
    parent_groups: list[np.ndarray]  # indicator columns that share a parent


@dataclass
class Choices:
    """One run's methodological choices (what a sensitivity analysis varies)."""

    weights: np.ndarray  # (N,) each node's weight among its siblings
    normalisations: list[Any]  # (I,) framework.index_model.Normalisation per indicator
    treatments: list[Any]  # (I,) framework.index_model.Treatment per indicator
    directions: np.ndarray  # (I,) +1 / -1
    imputation: str  # none | parent_mean | city_mean
    aggregations: list[str | None]  # (N,) per node; None for indicators
    min_data: list[float | None]  # (N,) data-availability threshold per node


@dataclass
class Inputs:
    """What the index is computed from: indicator values per unit and their context."""

    tree: Tree
    values: np.ndarray  # (U, I) indicator values before treatment, NaN = no data
    se: np.ndarray  # (U, I) sampling standard errors (0 where none)
    bounds: np.ndarray  # (I, 2) the range a drawn value is kept in (attainments: 0..1)
    groups: np.ndarray  # (U,) city × wave code for city means, -1 when unknown
    references: dict[str, np.ndarray] = field(default_factory=dict)  # name → (U,) bool
    nominal: Choices | None = None


@dataclass
class Output:
    """One run's result: every node's value per unit and how it came about."""

    node_values: np.ndarray  # (U, N) NaN where not scored
    scored: np.ndarray  # (U, N) bool
    below: np.ndarray  # (U, N) bool: had data, but under the level's min_data
    imputed: np.ndarray  # (U, I) bool: the value was imputed
    node_imputed: np.ndarray  # (U, N) bool: rests on at least one imputed value
    treatments: list[Any] | None = None  # (I,) index_methods.Treatment, when asked for


def treat_values(x: np.ndarray, spec) -> im.Treatment:
    """One indicator treated as ``spec`` (a ``Treatment`` setting) says."""
    import numpy as np

    if spec.method == "winsorise":
        return im.treat(x, spec.winmax, spec.skew_thresh, spec.kurt_thresh, log=spec.log_fallback)
    sk, kt = im.skew(x), im.kurt(x)
    passes = im.check_skew_kurt(x, spec.skew_thresh, spec.kurt_thresh)
    blank = ("",) * len(x)
    if spec.method == "none" or passes is None or passes:
        return im.Treatment(np.asarray(x, float), "none", 0, blank, sk, kt, sk, kt, passes)
    out = im.log_ct(x)
    after = im.check_skew_kurt(out, spec.skew_thresh, spec.kurt_thresh)
    labels = tuple("log_CT" for _ in range(len(x)))
    return im.Treatment(out, "log_ct", 0, labels, sk, kt, im.skew(out), im.kurt(out), after)


def impute(x: np.ndarray, how: str, inputs: Inputs, directions: np.ndarray) -> np.ndarray:
    """Missing values filled as ``how`` says (a copy; values with data never change).

    ``parent_mean`` is COINr ``Impute(impute_by = "row", f_i = "i_mean", group_level =
    parent, normalise_first = TRUE)``: within the indicators of one parent, direction-adjusted
    values are min-max scaled to 0..1 over the units, the unit's mean of its scaled values
    fills each gap, and is scaled back. ``city_mean`` is COINr ``i_mean_grp`` per indicator
    with the group city × wave.
    """
    import warnings

    import numpy as np

    out = x.copy()
    gaps = np.isnan(x)
    if how == "none" or not gaps.any():
        return out
    with warnings.catch_warnings(), np.errstate(invalid="ignore", divide="ignore"):
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN rows and columns stay NaN
        if how == "parent_mean":
            for cols in inputs.tree.parent_groups:
                xd = x[:, cols] * directions[cols]
                lo, hi = np.nanmin(xd, axis=0), np.nanmax(xd, axis=0)
                row = np.nanmean((xd - lo) / (hi - lo), axis=1)
                back = (row[:, None] * (hi - lo) + lo) * directions[cols]
                sub = out[:, cols]
                fill = gaps[:, cols]
                sub[fill] = back[fill]
                out[:, cols] = sub
        else:  # city_mean
            g = inputs.groups
            known = g >= 0
            n_groups = int(g.max()) + 1 if known.any() else 0
            for i in np.flatnonzero(gaps.any(axis=0)):
                col = x[:, i]
                ok = known & ~np.isnan(col)
                total = np.bincount(g[ok], weights=col[ok], minlength=n_groups)
                count = np.bincount(g[ok], minlength=n_groups)
                mean = np.where(count > 0, total / np.maximum(count, 1), np.nan)
                fill = np.isnan(col) & known
                out[fill, i] = mean[g[fill]]
    return out


def compute(
    inputs: Inputs,
    choices: Choices | None = None,
    values: np.ndarray | None = None,
    *,
    keep_treatments: bool = False,
) -> Output:
    """The index for every unit: treat, impute, normalise, aggregate level by level.

    ``values`` replaces ``inputs.values`` (a draw with sampling error); ``choices``
    replaces ``inputs.nominal``.
    """
    import numpy as np

    ch = choices or inputs.nominal
    tree = inputs.tree
    x = inputs.values if values is None else values
    U, n_ind = x.shape
    treated = np.empty_like(x)
    records = []
    for i in range(n_ind):
        if ch.treatments[i].method == "none" and not keep_treatments:
            treated[:, i] = x[:, i]  # nothing to check: skip the skew and kurtosis
            continue
        rec = treat_values(x[:, i], ch.treatments[i])
        treated[:, i] = rec.values
        if keep_treatments:
            records.append(rec)
    filled = impute(treated, ch.imputation, inputs, ch.directions)
    imputed = np.isnan(treated) & ~np.isnan(filled)
    N = len(tree.ids)
    vals = np.full((U, N), np.nan)
    node_imp = np.zeros((U, N), bool)
    below = np.zeros((U, N), bool)
    # Indicators sharing one setting and direction are normalised as one block (the
    # methods work down each column); a reference set is applied column by column.
    blocks: dict[tuple[int, float], list[int]] = {}
    for i in range(n_ind):
        blocks.setdefault((id(ch.normalisations[i]), ch.directions[i]), []).append(i)
    for cols in blocks.values():
        norm, direction = ch.normalisations[cols[0]], int(ch.directions[cols[0]])
        nodes = tree.indicator_nodes[cols]
        if norm.reference is None:
            vals[:, nodes] = normalise_indicator(filled[:, cols], norm, direction)
            continue
        ref = inputs.references[norm.reference]
        for i, k in zip(cols, nodes, strict=True):
            vals[:, k] = normalise_indicator(filled[:, i], norm, direction, ref)
    node_imp[:, tree.indicator_nodes] = imputed
    for k in range(N - 1, -1, -1):
        kids = tree.children[k]
        if tree.columns[k] >= 0 or not kids:
            continue
        sub = vals[:, kids]
        vals[:, k], keep = im.aggregate(sub, ch.weights[kids], ch.aggregations[k], ch.min_data[k])
        below[:, k] = ~keep & (~np.isnan(sub)).any(axis=1)
        node_imp[:, k] = (node_imp[:, kids] & ~np.isnan(sub)).any(axis=1) & keep
    return Output(
        vals, ~np.isnan(vals), below, imputed, node_imp, records if keep_treatments else None
    )


def with_choices(base: Choices, **changes) -> Choices:
    """A copy of ``base`` with some choices replaced."""
    return replace(base, **changes)
