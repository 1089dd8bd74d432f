"""Where things are in a framework file, as location tuples for problem messages.

``("dimensions", 0, "indicators", 2)`` is the third indicator of the first dimension; the
loader turns such a tuple into the file's line and column.
"""

from __future__ import annotations

from collections.abc import Iterator

from cfeval.framework.base import Label, Loc
from cfeval.framework.model import Dimension, Framework, Indicator

__all__ = ["label_locs", "node_locs"]


def node_locs(fw: Framework) -> Iterator[tuple[Loc, Dimension | Indicator]]:
    """Every dimension and indicator with its location, depth-first."""

    def rec(node: Dimension, loc: Loc):
        yield loc, node
        for i, d in enumerate(node.dimensions):
            yield from rec(d, (*loc, "dimensions", i))
        for i, ind in enumerate(node.indicators):
            yield (*loc, "indicators", i), ind

    for i, d in enumerate(fw.dimensions):
        yield from rec(d, ("dimensions", i))


def label_locs(fw: Framework) -> Iterator[tuple[Loc, Label]]:
    """Every label (a text per language) of the framework with its location."""
    yield ("title",), fw.title
    if fw.description:
        yield ("description",), fw.description
    yield ("provenance", "note"), fw.provenance.note
    for i, g in enumerate(fw.scoring.grades):
        yield ("scoring", "grades", i, "label"), g.label
    for key, r in fw.respondents.items():
        yield ("respondents", key, "label"), r.label
        if r.description:
            yield ("respondents", key, "description"), r.description
    for key, s in fw.scales.items():
        for value, lab in s.labels.items():
            yield ("scales", key, "labels", value), lab
    for key, f in fw.fields.items():
        yield ("fields", key, "label"), f.label
        for name in ("unit", "help"):
            if getattr(f, name):
                yield ("fields", key, name), getattr(f, name)
        for j, c in enumerate(f.categories or []):
            yield ("fields", key, "categories", j, "label"), c.label
    for loc, node in node_locs(fw):
        yield (*loc, "label"), node.label
        if node.description:
            yield (*loc, "description"), node.description
        if isinstance(node, Indicator):
            yield (*loc, "recommendation"), node.recommendation
            if node.evidence:
                yield (*loc, "evidence"), node.evidence
            for j, it in enumerate(node.items or []):
                yield (*loc, "items", j, "text"), it.text
    for kind in ("bonus", "veto"):
        for i, b in enumerate(getattr(fw, kind)):
            yield (kind, i, "label"), b.label
            if b.evidence:
                yield (kind, i, "evidence"), b.evidence
    if fw.proposals is not None:
        for kind in ("topics", "bodies"):
            for i, choice in enumerate(getattr(fw.proposals, kind)):
                yield ("proposals", kind, i, "label"), choice.label
