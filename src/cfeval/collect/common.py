"""What every part of the kit reads from a framework: groups, their items, codes, fields.

One place decides which questions a respondent group is asked and in which order, so the
paper questionnaire, the entry sheet, the XLSForm and the text questionnaire all number
question 7 the same way.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from cfeval.framework.model import METHOD_LABELS
from cfeval.i18n import N_

if TYPE_CHECKING:
    from cfeval.framework.model import Framework, Item, Label, Scale

__all__ = [
    "Question",
    "questions",
    "survey_groups",
    "scale_codes",
    "field_evidence",
    "kit_langs",
    "YES_NO",
    "INTRO",
    "CONSENT_QUESTION",
    "GENDER_WORDS",
    "kind",
]

#: Words for yes/no audit cells; the data stage reads both back (BOOLEAN_WORDS).
YES_NO: dict[str, dict[str, str]] = {
    "zh": {"1": "是", "0": "否"},
    "en": {"1": "yes", "0": "no"},
}


@dataclass(frozen=True)
class Question:
    """One numbered question of a group's questionnaire."""

    number: int
    item: Item
    scale_key: str
    scale: Scale
    indicator_id: str


def survey_groups(fw: Framework) -> list[str]:
    """Respondent groups asked at least one item, in the framework's order."""
    asked = {g for ind in fw.indicators() for g in ind.respondents or [] if ind.items_for(g)}
    return [g for g in fw.respondents if g in asked]


def questions(fw: Framework, group: str) -> list[Question]:
    """The items ``group`` is asked, numbered from 1 in framework order (each item once)."""
    out: list[Question] = []
    seen: set[str] = set()
    for ind in fw.indicators():
        for item in ind.items_for(group):
            if item.id in seen:
                continue
            seen.add(item.id)
            out.append(Question(len(out) + 1, item, item.scale, fw.scales[item.scale], ind.id))
    return out


def scale_codes(scale: Scale) -> list[int]:
    """Every code an answer may take: the values, then the missing codes."""
    return [*scale.values, *[c for c in scale.missing_codes if c not in scale.values]]


def field_evidence(fw: Framework, key: str) -> list[tuple[str, Label, Label | None]]:
    """``(node id, method label, evidence)`` of every indicator, bonus or veto using ``key``."""
    out = []
    nodes = [*fw.indicators(), *fw.bonus, *fw.veto]
    for node in nodes:
        if getattr(node, "field", None) == key:
            out.append((node.id, METHOD_LABELS.get(node.method, {}), node.evidence))
    return out


def kit_langs(fw: Framework) -> list[str]:
    """The kit languages cfeval speaks that the framework has labels in (zh first)."""
    return [lang for lang in ("zh", "en") if lang in fw.languages] or ["zh", "en"]


# Words shared by the paper, XLSForm and text questionnaires (message ids, translated at
# use through the catalogue).
INTRO = {
    "child": N_(
        "We would like to know what you think about your community. This is not a test: "
        "there are no right or wrong answers. You can skip any question and stop at any "
        "time. Your name is not written down."
    ),
    "adult": N_(
        "This survey asks what you think of your community's work for children. It takes "
        "about ten minutes. Taking part is voluntary; you can skip any question and stop at "
        "any time. Answers are used only for the assessment and never with your name."
    ),
}
CONSENT_QUESTION = {
    "child": N_("Do you want to answer these questions?"),
    "adult": N_("I have read the above and agree to take part."),
}
GENDER_WORDS = {
    "child": {"female": N_("Girl"), "male": N_("Boy")},
    "adult": {"female": N_("Female"), "male": N_("Male")},
}


def kind(group: str) -> str:
    """``child`` for the children's group (its own words and pictures), else ``adult``."""
    return "child" if group == "child" else "adult"
