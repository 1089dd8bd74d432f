"""What every model of the framework format shares: the pydantic base, labels, locations."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

__all__ = ["FormatModel", "Label", "Loc"]

#: A location in the file, e.g. ``("dimensions", 0, "indicators", 2, "points")``.
Loc = tuple[str | int, ...]

#: A text in several languages, e.g. ``{"zh": "儿童参与", "en": "Child participation"}``.
Label = dict[str, str]


class FormatModel(BaseModel):
    """Base of the format's models: unknown keys are mistakes, defaults are validated."""

    # Attribute docstrings become descriptions in the JSON Schema (editor hover text).
    model_config = ConfigDict(
        extra="forbid", frozen=False, validate_default=True, use_attribute_docstrings=True
    )
