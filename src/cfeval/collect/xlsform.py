"""XLSForms for KoboToolbox / ODK Collect: one per respondent group, one for the audit.

Question names are cfeval's item ids and standard column names, and choice names are the
codes cfeval reads, so a Kobo export with "XML values and headers" (or an ODK Central CSV)
is read by ``cfeval check --survey`` with no mapping file. Labels are given in every kit
language as ``label::Chinese (zh)`` / ``label::English (en)`` columns.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from cfeval.collect import sheets
from cfeval.collect.common import (
    CONSENT_QUESTION,
    GENDER_WORDS,
    INTRO,
    YES_NO,
    kit_langs,
    questions,
    scale_codes,
)
from cfeval.collect.common import (
    kind as audience,
)
from cfeval.collect.entry import ADULT_AGE, AGE_RANGE, GENDERS
from cfeval.i18n import words

if TYPE_CHECKING:
    from cfeval.framework.model import Framework, Label

__all__ = ["LANGUAGE_NAMES", "survey_form", "audit_form", "write_xlsform", "form_id"]

#: XLSForm language names: the name people see, then the code in brackets.
LANGUAGE_NAMES = {"zh": "Chinese (zh)", "en": "English (en)"}
_CONSENT = "consent"
_RELEVANT = f"${{{_CONSENT}}} = 'yes'"


def form_id(fw: Framework, part: str) -> str:
    """The form's id: framework id and group (or ``audit``), as an XML name."""
    return f"{fw.id}_{part}".replace("-", "_")


class _Form:
    """Rows of the survey and choices sheets, with one label column per language."""

    def __init__(self, langs: list[str]):
        self.langs = langs
        self.survey: list[dict[str, object]] = []
        self.choices: list[dict[str, object]] = []
        self.lists: set[str] = set()

    def labels(self, column: str, text: Label | str | None) -> dict[str, str]:
        if text is None:
            return {}
        out = {}
        for lang in self.langs:
            value = text if isinstance(text, str) else words(lang).label(text)
            out[f"{column}::{LANGUAGE_NAMES[lang]}"] = value
        return out

    def question(self, type_: str, name: str, label=None, **extra) -> None:
        row: dict[str, object] = {"type": type_, "name": name, **self.labels("label", label)}
        for key, value in extra.items():
            if key in ("hint", "constraint_message") and value is not None:
                row.update(self.labels(key, value))
            elif value is not None:
                row[key] = value
        self.survey.append(row)

    def choice_list(self, name: str, options: list[tuple[str, Label | str]]) -> None:
        if name in self.lists:
            return
        self.lists.add(name)
        for value, label in options:
            self.choices.append({"list_name": name, "name": value, **self.labels("label", label)})


def _per_lang(message: str, langs: list[str], **fields) -> dict[str, str]:
    return {lang: words(lang)(message, **fields) for lang in langs}


def _identity(form: _Form, fw: Framework, communities: list[str] | None, langs) -> None:
    form.question("start", "start")
    form.question("end", "end")
    if communities:
        form.choice_list("communities", [(c, c) for c in communities])
        form.question(
            "select_one communities", "community_id", _per_lang("Community", langs), required="yes"
        )
    else:
        form.question(
            "text",
            "community_id",
            _per_lang("Community code", langs),
            required="yes",
            hint=_per_lang("The code on the list of communities, e.g. CD-JJ-001", langs),
        )
    form.question(
        "integer",
        "wave",
        _per_lang("Wave", langs),
        required="yes",
        default="1",
        constraint=". >= 1",
        constraint_message=_per_lang("The wave is 1, 2, ...", langs),
    )


def survey_form(fw: Framework, group: str, communities: list[str] | None = None) -> _Form:
    """The XLSForm rows of ``group``'s questionnaire."""
    langs = kit_langs(fw)
    form = _Form(langs)
    kind = audience(group)
    form.question("note", "intro", _per_lang(INTRO[kind], langs))
    form.choice_list("yes_no", [("yes", _per_lang("Yes", langs)), ("no", _per_lang("No", langs))])
    form.question(
        "select_one yes_no", _CONSENT, _per_lang(CONSENT_QUESTION[kind], langs), required="yes"
    )
    _identity(form, fw, communities, langs)
    form.question("calculate", "respondent", calculation=f"'{group}'")
    low, high = AGE_RANGE.get(group, ADULT_AGE)
    form.question(
        "integer",
        "age",
        _per_lang("Age", langs),
        constraint=f". >= {low} and . <= {high}",
        constraint_message=_per_lang(
            "Enter a whole number from {low} to {high}", langs, low=low, high=high
        ),
        relevant=_RELEVANT,
    )
    form.choice_list("gender", [(g, _per_lang(GENDER_WORDS[kind][g], langs)) for g in GENDERS])
    form.question("select_one gender", "gender", _per_lang("Gender", langs), relevant=_RELEVANT)
    for q in questions(fw, group):
        form.choice_list(
            f"scale_{q.scale_key}",
            [(str(c), q.scale.labels.get(c) or str(c)) for c in scale_codes(q.scale)],
        )
        form.question(
            f"select_one scale_{q.scale_key}",
            q.item.id,
            q.item.text,
            relevant=_RELEVANT,
            appearance="likert",  # the options in one row, as on the paper questionnaire
        )
    return form


def audit_form(fw: Framework, communities: list[str] | None = None) -> _Form:
    """The XLSForm rows of the audit checklist (one submission per community and wave)."""
    langs = kit_langs(fw)
    form = _Form(langs)
    _identity(form, fw, communities, langs)
    form.question("text", "name", _per_lang("Community name", langs))
    form.choice_list(
        "field_yes_no", [(code, {lang: YES_NO[lang][code] for lang in langs}) for code in "10"]
    )
    for key, spec in fw.fields.items():
        hint = spec.help
        if spec.type == "boolean":
            form.question("select_one field_yes_no", key, spec.label, hint=hint)
        elif spec.type == "category":
            form.choice_list(f"field_{key}", [(c.value, c.label) for c in spec.categories or []])
            form.question(f"select_one field_{key}", key, spec.label, hint=hint)
        else:
            parts = []
            if spec.min is not None:
                parts.append(f". >= {spec.min:g}")
            if spec.max is not None:
                parts.append(f". <= {spec.max:g}")
            low = "" if spec.min is None else f"{spec.min:g}"
            high = "" if spec.max is None else f"{spec.max:g}"
            form.question(
                "decimal",
                key,
                spec.label,
                hint=hint,
                constraint=" and ".join(parts) or None,
                constraint_message=_per_lang(
                    "Enter a number from {low} to {high}", langs, low=low, high=high
                )
                if parts
                else None,
            )
    return form


def write_xlsform(fw: Framework, form: _Form, part: str, path: str | Path, lang: str) -> Path:
    """Write ``form`` as an XLSForm workbook (survey, choices, settings) to ``path``."""
    import openpyxl

    wb = openpyxl.Workbook()
    _table(wb.active, "survey", form.survey)
    _table(wb.create_sheet(), "choices", form.choices)
    w = words(lang)
    title = w.label(fw.title)
    if part != "audit":
        title = f"{title} · {w.label(fw.respondents[part].label)}"
    else:
        title = f"{title} · {w('Audit')}"
    settings = {
        "form_title": title,
        "form_id": form_id(fw, part),
        "version": fw.version,
        "default_language": LANGUAGE_NAMES[w.lang if w.lang in form.langs else form.langs[0]],
    }
    _table(wb.create_sheet(), "settings", [settings])
    sheets.save(wb, path)
    return Path(path)


def _table(ws, title: str, rows: list[dict[str, object]]) -> None:
    ws.title = title
    columns: list[str] = []
    for row in rows:
        columns += [k for k in row if k not in columns]
    for col, name in enumerate(columns, start=1):
        sheets.put(ws, 1, col, name)
    for r, row in enumerate(rows, start=2):
        for col, name in enumerate(columns, start=1):
            if row.get(name) is not None:
                sheets.put(ws, r, col, row[name])
