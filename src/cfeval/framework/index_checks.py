"""Whole-file checks of the ``index:`` block (see :mod:`cfeval.framework.index_model`).

Each problem is ``(loc, message)`` like :func:`cfeval.framework.consistency.cross_check`'s,
so the loader shows it at ``file:line:col  index.indicators.x.value``.
"""

from __future__ import annotations

from cfeval.framework.base import Loc
from cfeval.framework.index_model import IndexSettings, Normalisation
from cfeval.framework.model import Dimension, Framework, Indicator
from cfeval.i18n import Msg

__all__ = ["check_index", "tree_depth", "normalisation_of"]

Problems = list[tuple[Loc, Msg]]


def tree_depth(fw: Framework) -> int:
    """Depth of the deepest dimension (1 when the top dimensions hold only indicators)."""
    return max(len(path) for path, node in fw.walk() if isinstance(node, Dimension))


def normalisation_of(ix: IndexSettings, indicator_id: str) -> Normalisation:
    """The normalisation an indicator gets: its own, else the block's."""
    own = ix.indicators.get(indicator_id)
    return own.normalisation if own and own.normalisation else ix.normalisation


def check_index(fw: Framework) -> Problems:
    """Every problem of the ``index:`` block (none when the framework has no block)."""
    ix = fw.index
    if ix is None:
        return []
    out: Problems = []
    if fw.scoring.method != "index":
        out.append((("index",), Msg("an `index` block needs scoring.method: index")))
        return out
    if fw.scoring.missing == "zero":
        out.append(
            (
                ("scoring", "missing"),
                Msg(
                    "an index drops missing values and re-weights the rest (COINr): use "
                    "missing: renormalize or fail, or impute under index.imputation"
                ),
            )
        )
    if fw.bonus:
        out.append((("bonus",), Msg("bonus points are not added to a composite index")))
    depth = tree_depth(fw)
    _check_indicators(fw, ix, out)
    _check_references(fw, ix, out)
    for level in ix.levels:
        if not 0 <= level <= depth:
            out.append(
                (
                    ("index", "levels", level),
                    Msg(
                        "level {level} does not exist: levels go from 0 (the total) to {top}",
                        level=level,
                        top=depth,
                    ),
                )
            )
    _check_weights(fw, ix, out)
    _check_positive_means(fw, ix, out)
    _check_sensitivity(fw, ix, out)
    return out


def _check_indicators(fw: Framework, ix: IndexSettings, out: Problems) -> None:
    by_id = {n.id: n for _, n in fw.walk()}
    for key, spec in ix.indicators.items():
        node = by_id.get(key)
        if not isinstance(node, Indicator):
            out.append((("index", "indicators", key), Msg("{id} is not an indicator", id=key)))
            continue
        if spec.value != "field":
            continue
        field = fw.fields.get(node.field) if node.field else None
        if field is None or field.type == "category":
            out.append(
                (
                    ("index", "indicators", key, "value"),
                    Msg("value: field needs an indicator whose field is a number or yes/no"),
                )
            )


def _normalisations(ix: IndexSettings):
    yield ("index", "normalisation"), ix.normalisation
    for key, spec in ix.indicators.items():
        if spec.normalisation is not None:
            yield ("index", "indicators", key, "normalisation"), spec.normalisation
    for i, n in enumerate(ix.sensitivity.normalisations):
        yield ("index", "sensitivity", "normalisations", i), n


def _check_references(fw: Framework, ix: IndexSettings, out: Problems) -> None:
    for loc, norm in _normalisations(ix):
        if norm.reference is not None and norm.reference not in ix.reference_sets:
            out.append(
                (
                    (*loc, "reference"),
                    Msg(
                        "unknown reference set {name}; declare it under index.reference_sets",
                        name=repr(norm.reference),
                    ),
                )
            )


def _check_weights(fw: Framework, ix: IndexSettings, out: Problems) -> None:
    ids = {n.id for _, n in fw.walk()}
    for name, table in ix.weight_sets.items():
        for node_id, w in table.items():
            if node_id not in ids:
                out.append(
                    (
                        ("index", "weight_sets", name, node_id),
                        Msg("{id} is not a dimension or indicator", id=node_id),
                    )
                )
            elif not w >= 0:
                out.append(
                    (("index", "weight_sets", name, node_id), Msg("a weight must be 0 or more"))
                )
    names = [ix.weights] if ix.weights else []
    for i, name in enumerate([*names, *ix.sensitivity.weight_sets]):
        if name not in ix.weight_sets:
            loc = ("index", "weights") if names and i == 0 else ("index", "sensitivity")
            out.append(
                (
                    loc,
                    Msg(
                        "unknown weight set {name}; declare it under index.weight_sets",
                        name=repr(name),
                    ),
                )
            )


def _aggregation_at(ix: IndexSettings, level: int) -> str:
    own = ix.levels.get(level)
    return own.aggregation if own and own.aggregation else ix.aggregation


def _check_positive_means(fw: Framework, ix: IndexSettings, out: Problems) -> None:
    """Geometric and harmonic means need children above 0: every indicator under such a
    level must be normalised onto a positive range (minmax with range from above 0, or rank)."""
    depth = tree_depth(fw)
    alternatives = list(ix.sensitivity.normalisations)
    for level in range(depth + 1):
        methods = {_aggregation_at(ix, level), *ix.sensitivity.aggregations}
        if not methods & {"gmean", "hmean"}:
            continue
        for path, node in fw.walk():
            if not isinstance(node, Indicator) or len(path) <= level:
                continue
            norms = [normalisation_of(ix, node.id), *alternatives]
            if not all(n.positive() for n in norms):
                out.append(
                    (
                        ("index", "levels", level) if level in ix.levels else ("index",),
                        Msg(
                            "a geometric or harmonic mean at level {level} needs every value "
                            "above 0, but indicator {id} can be normalised to 0 or less: use "
                            "minmax with a range from above 0 (e.g. [1, 100]) or rank",
                            level=level,
                            id=node.id,
                        ),
                    )
                )
                return


def _check_sensitivity(fw: Framework, ix: IndexSettings, out: Problems) -> None:
    sens = ix.sensitivity
    deepest = max(len(path) for path, _ in fw.walk())
    for level, factor in sens.weight_noise.items():
        loc = ("index", "sensitivity", "weight_noise", level)
        if not 1 <= level <= deepest:
            out.append(
                (
                    loc,
                    Msg(
                        "weights are at depths 1 to {depth}, not {level}",
                        depth=deepest,
                        level=level,
                    ),
                )
            )
        if not 0 <= factor < 1:
            out.append((loc, Msg("a noise factor is a share from 0 up to (not including) 1")))
    if sens.imputation and ix.imputation == "none":
        out.append(
            (
                ("index", "sensitivity", "imputation"),
                Msg("imputation is varied only when index.imputation names a method"),
            )
        )
