"""Printable questionnaires (A4 PDF), one per respondent group.

Adults get a compact grid: numbered statements down the side, the answer options across,
a tick box in each cell and the code cfeval reads printed small beside it. Children
(ages 6-14) get large type, one question per block and faces to point at; the faces follow
what an answer means for the child (the happy face always sits on the good answer), so a
negatively worded question needs no mark and the words keep their order. Rendering goes
through the report stage's safe path: autoescaping Jinja2, WeasyPrint from a string with
the fetcher that only serves cfeval's assets, and the check that every character has a
glyph in the embedded Noto Sans CJK font.
"""

from __future__ import annotations

from itertools import groupby
from pathlib import Path
from typing import TYPE_CHECKING

from cfeval import __version__
from cfeval.collect.common import (
    CONSENT_QUESTION,
    GENDER_WORDS,
    INTRO,
    Question,
    kind,
    questions,
    scale_codes,
)
from cfeval.collect.entry import GENDERS
from cfeval.i18n import words

if TYPE_CHECKING:
    from cfeval.framework.model import Framework

__all__ = ["face_for", "questionnaire_context", "questionnaire_html", "write_questionnaire"]

_TEMPLATE = "collect/questionnaire.html.j2"
_FACES = 5


def face_for(q: Question, code: int) -> str:
    """The face file (without ``.svg``) shown beside ``code`` of question ``q``.

    Values are spread over five faces from sad to happy by their place on the scale; a
    reverse-coded question turns that round, because there the low answer is the good one.
    Missing codes ("don't know") get the question-mark face.
    """
    scale = q.scale
    if code not in scale.values:
        return "face-unknown"
    t = (code - scale.low) / (scale.high - scale.low)
    if q.item.reverse:
        t = 1 - t
    return f"face-{1 + round(t * (_FACES - 1))}"


def _options(q: Question, w) -> list[dict]:
    return [
        {
            "code": code,
            "label": w.label(q.scale.labels.get(code)) or str(code),
            "face": face_for(q, code),
            "missing": code not in q.scale.values,
        }
        for code in scale_codes(q.scale)
    ]


def _fields(group: str, w, audience: str) -> list[dict]:
    staff = w("filled in by the interviewer") if audience == "child" else None
    age_label = w("How old are you?") if audience == "child" else w("Age")
    rows = [
        {"label": w("Community"), "code": "community_id", "note": staff},
        {"label": w("Wave"), "code": "wave", "note": staff},
        {"label": w("Questionnaire number"), "code": "respondent_id", "note": staff},
        {"label": age_label, "code": "age", "unit": w("years")},
        {
            "label": w("Gender"),
            "code": "gender",
            "options": [{"label": w(GENDER_WORDS[audience][g]), "code": g} for g in GENDERS],
        },
    ]
    # The template is strict about missing keys: every row has every key.
    return [{"note": None, "unit": None, "options": None, **row} for row in rows]


def questionnaire_context(fw: Framework, group: str, lang: str) -> dict:
    """Everything the questionnaire template shows, in words of ``lang``."""
    w = words(lang)
    audience = kind(group)
    qs = questions(fw, group)
    group_label = w.label(fw.respondents[group].label)
    child = audience == "child"
    items = [
        {
            "number": q.number,
            "id": q.item.id,
            "text": w.label(q.item.text),
            "options": _options(q, w),
        }
        for q in qs
    ]
    blocks = []
    for _, run in groupby(zip(qs, items, strict=True), key=lambda pair: pair[0].scale_key):
        run = list(run)
        blocks.append({"options": run[0][1]["options"], "questions": [i for _, i in run]})
    return {
        "lang": w.lang,
        "version": __version__,
        "child": child,
        "title": w("What do you think of your community?")
        if child
        else w("Questionnaire for {group}", group=group_label),
        "framework_title": w.label(fw.title),
        "intro": w(INTRO[audience]),
        "consent_question": w(CONSENT_QUESTION[audience]),
        "consent_options": [w("Yes"), w("No")],
        "fields": _fields(group, w, audience),
        "how_to": w("Tick one box for each question. The faces can help you choose.")
        if child
        else w("Tick one box for each statement."),
        "questions": items,
        "blocks": blocks,
        "thanks": w("Thank you!"),
        "codes_note": w(
            "The small grey codes are what cfeval reads: whoever types the answers into the "
            "entry sheet copies them."
        ),
        "footer": f"{fw.id} {fw.version} · {group} · cfeval {__version__}",
        "page_words": w("Page {page} of {pages}"),
    }


def questionnaire_html(fw: Framework, group: str, lang: str) -> str:
    """The questionnaire as HTML (autoescaped: framework text is never markup)."""
    from cfeval.report.render import render_html

    return render_html(_TEMPLATE, questionnaire_context(fw, group, lang))


def write_questionnaire(fw: Framework, group: str, path: str | Path, lang: str) -> Path:
    """Render ``group``'s questionnaire to an A4 PDF at ``path`` (atomically)."""
    from cfeval.report.render import write_pdf

    return write_pdf(questionnaire_html(fw, group, lang), path)
