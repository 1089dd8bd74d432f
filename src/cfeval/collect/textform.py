"""A plain-text numbered questionnaire for online survey platforms' text import, and the
mapping file that reads their "by text" export back.

Platforms such as 问卷星 turn pasted text into a form: a numbered line is a question, the
lines under it that start with ``A.``, ``B.`` ... are its options, and a question without
options is a fill-in. Their "by text" export (按选项文本) then has headers like
``3、社区里的大人会认真听我说话。`` and cells holding the option text. The mapping file
names every header's item id and says which group answered, so nothing depends on a
platform keeping punctuation exactly as typed.
"""

from __future__ import annotations

import string
from pathlib import Path
from typing import TYPE_CHECKING

from cfeval._io import atomic_write
from cfeval.collect.common import GENDER_WORDS, kind, questions, scale_codes
from cfeval.collect.entry import GENDERS
from cfeval.i18n import words

if TYPE_CHECKING:
    from cfeval.framework.model import Framework

__all__ = ["text_questions", "questionnaire_text", "mapping_for_text", "write_text_form"]

_LETTERS = string.ascii_uppercase


def _letters(i: int) -> str:
    """A, B, ... Z, AA, AB, ...: option letters for any number of options."""
    out = ""
    i += 1
    while i:
        i, rest = divmod(i - 1, 26)
        out = _LETTERS[rest] + out
    return out


def _identity_questions(fw: Framework, group: str, w, communities: list[str] | None):
    """``(column, question text, options or None)`` for the standard columns asked."""
    # The texts are the data stage's own aliases (社区编号, 轮次, 年龄 ...), so even a
    # reader without the mapping file finds these columns.
    names = {
        "zh": {"community_id": "社区编号", "wave": "轮次", "age": "年龄", "gender": "性别"},
        "en": {"community_id": "community", "wave": "wave", "age": "age", "gender": "gender"},
    }[w.lang]
    genders = [w(GENDER_WORDS[kind(group)][g]) for g in GENDERS]
    return [
        ("community_id", names["community_id"], list(communities) if communities else None),
        ("wave", names["wave"], None),
        ("age", names["age"], None),
        ("gender", names["gender"], genders),
    ]


def text_questions(fw: Framework, group: str, lang: str, communities: list[str] | None = None):
    """Every question of the text form: ``(column, text, options or None)`` in order.

    ``options`` are ``(code, text)`` pairs for items and plain texts otherwise.
    """
    w = words(lang)
    out = list(_identity_questions(fw, group, w, communities))
    for q in questions(fw, group):
        options = [(c, w.label(q.scale.labels.get(c)) or str(c)) for c in scale_codes(q.scale)]
        # One line per question: a line break inside a text would start a new question.
        out.append((q.item.id, " ".join(w.label(q.item.text).split()), options))
    return out


def questionnaire_text(
    fw: Framework, group: str, lang: str, communities: list[str] | None = None
) -> str:
    """The numbered questionnaire as text: ``1、题干`` then ``A. 选项`` lines, blank lines
    between questions."""
    w = words(lang)
    sep = "、" if w.lang == "zh" else ". "
    title = f"{w.label(fw.title)} · {w.label(fw.respondents[group].label)}"
    lines = [title, ""]
    for number, (_, text, options) in enumerate(
        text_questions(fw, group, lang, communities), start=1
    ):
        lines.append(f"{number}{sep}{text}")
        for i, option in enumerate(options or []):
            label = option[1] if isinstance(option, tuple) else option
            lines.append(f"{_letters(i)}. {' '.join(str(label).split())}")
        lines.append("")
    return "\n".join(lines)


def mapping_for_text(
    fw: Framework, group: str, lang: str, communities: list[str] | None = None
) -> dict:
    """The mapping (data/mapping.py format) reading the platform's by-text export back."""
    columns = {text: column for column, text, _ in text_questions(fw, group, lang, communities)}
    return {"respondent": group, "columns": columns}


def write_text_form(
    fw: Framework,
    group: str,
    folder: str | Path,
    lang: str,
    communities: list[str] | None = None,
) -> list[Path]:
    """Write ``text_<group>.txt`` and ``text_<group>_mapping.yaml`` into ``folder``."""
    import yaml

    folder = Path(folder)
    w = words(lang)
    text_path = atomic_write(
        folder / f"text_{group}.txt",
        questionnaire_text(fw, group, lang, communities),
    )
    head = "# " + w(
        "Mapping for the 'by text' export of text_{group}.txt: "
        "cfeval check FRAMEWORK --survey EXPORT.xlsx --mapping {name}",
        group=group,
        name=f"text_{group}_mapping.yaml",
    )
    body = yaml.safe_dump(
        mapping_for_text(fw, group, lang, communities), allow_unicode=True, sort_keys=False
    )
    map_path = atomic_write(folder / f"text_{group}_mapping.yaml", head + "\n" + body)
    return [text_path, map_path]
