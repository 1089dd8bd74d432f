"""The framework's lists for the children's proposal log: topics and adult bodies.

A framework that keeps a proposal log names the topics children raise (play space, the
way to school ...) and the adult bodies proposals go to (residents' committee, street
office ...), each with an id and a label in every language. The log may name an entry by
its id or by any of its labels; :meth:`ProposalLists.aliases` is that lookup.

>>> lists = ProposalLists(topics=[{"id": "play", "label": {"en": "Play space"}}],
...                       bodies=[{"id": "rc", "label": {"en": "Residents' committee"}}])
>>> lists.aliases("topics")["play space"]
'play'
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from cfeval.framework.base import FormatModel, Label, Loc
from cfeval.i18n import Msg

__all__ = ["ProposalChoice", "ProposalLists", "check_proposal_lists"]


class ProposalChoice(FormatModel):
    """One topic or adult body of the proposal log."""

    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    """Stable id (lowercase letters, digits, underscores); the log may use it or a label."""

    label: Label


class ProposalLists(FormatModel):
    """What a proposal log of this framework may name: its topics and adult bodies."""

    topics: list[ProposalChoice] = Field(min_length=1)
    """Topics children raise proposals about."""

    bodies: list[ProposalChoice] = Field(min_length=1)
    """Adult bodies a proposal can be referred to."""

    def aliases(self, kind: Literal["topics", "bodies"]) -> dict[str, str]:
        """Every way the log may write an entry (id or label, lower case) → its id."""
        out: dict[str, str] = {}
        for choice in getattr(self, kind):
            for text in (choice.id, *choice.label.values()):
                out.setdefault(" ".join(text.split()).lower(), choice.id)
        return out

    def label_of(self, kind: Literal["topics", "bodies"], value: str) -> Label | None:
        """The label of entry ``value`` (an id), or None when it is not on the list."""
        for choice in getattr(self, kind):
            if choice.id == value:
                return choice.label
        return None


def check_proposal_lists(lists: ProposalLists | None) -> list[tuple[Loc, Msg]]:
    """Ids unique within each list, and no text naming two different entries."""
    out: list[tuple[Loc, Msg]] = []
    if lists is None:
        return out
    for kind in ("topics", "bodies"):
        seen: dict[str, str] = {}
        for i, choice in enumerate(getattr(lists, kind)):
            for j, text in enumerate((choice.id, *choice.label.values())):
                key = " ".join(text.split()).lower()
                other = seen.get(key)
                if other is not None and other != choice.id:
                    where = ("id",) if j == 0 else ("label",)
                    message = Msg(
                        "{text} already names {other} in this list; ids and labels must be "
                        "unique so the log's words map to one entry",
                        text=repr(text),
                        other=repr(other),
                    )
                    out.append((("proposals", kind, i, *where), message))
                elif other is None:
                    seen[key] = choice.id
                elif j == 0:
                    out.append(
                        (
                            ("proposals", kind, i, "id"),
                            Msg("duplicate id {id}", id=repr(choice.id)),
                        )
                    )
    return out
