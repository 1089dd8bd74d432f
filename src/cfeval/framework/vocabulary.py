"""The words for the format's own keywords: evidence methods, sources, field types.

Each keyword has one English message id; its words in every language come from the
catalogue (``locale/<lang>/LC_MESSAGES/framework.po``), so reports, the reference and the
command line say the same thing for the same keyword.

``METHOD_LABELS[key]`` and ``SOURCE_LABELS[key]`` are label-like mappings
(``METHOD_LABELS["survey"]["zh"] == "问卷调查"``), so they can stand wherever a framework
label does.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from cfeval.i18n import LANGS, N_, words

__all__ = ["CatalogueLabel", "METHOD_LABELS", "SOURCE_LABELS", "FIELD_TYPE_LABELS"]


class CatalogueLabel(Mapping[str, str]):
    """A label whose texts come from the catalogue: ``label["zh"]`` translates ``msgid``."""

    def __init__(self, msgid: str) -> None:
        self.msgid = msgid

    def __getitem__(self, lang: str) -> str:
        if lang not in LANGS:
            raise KeyError(lang)
        return words(lang)(self.msgid)

    def __iter__(self) -> Iterator[str]:
        return iter(LANGS)

    def __len__(self) -> int:
        return len(LANGS)

    def __repr__(self) -> str:
        return f"CatalogueLabel({self.msgid!r})"


#: How evidence is collected, in the words assessment sheets use.
METHOD_LABELS: dict[str, CatalogueLabel] = {
    "document_review": CatalogueLabel(N_("Document review")),
    "field_inspection": CatalogueLabel(N_("Field inspection")),
    "survey": CatalogueLabel(N_("Survey")),
    "interview": CatalogueLabel(N_("Interview")),
    "records": CatalogueLabel(N_("Records")),
}

#: Where an indicator's data comes from.
SOURCE_LABELS: dict[str, CatalogueLabel] = {
    "survey": CatalogueLabel(N_("survey")),
    "audit": CatalogueLabel(N_("audit checklist")),
    "records": CatalogueLabel(N_("records")),
}

#: The types of audit fields.
FIELD_TYPE_LABELS: dict[str, CatalogueLabel] = {
    "boolean": CatalogueLabel(N_("yes/no")),
    "number": CatalogueLabel(N_("number")),
    "category": CatalogueLabel(N_("category")),
}
