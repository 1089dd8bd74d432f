"""What both report contexts share: numbers and grades in words, the framework and wave a
report speaks of, and the data fingerprint. Used by :mod:`cfeval.report.context` (one
community) and :mod:`cfeval.report.comparison` (many).
"""

from __future__ import annotations

import math
from decimal import Decimal
from typing import Any

from cfeval.errors import UsageError
from cfeval.i18n import LANGS, Msg, Words
from cfeval.report.text import NOT_APPLICABLE


def _num(value: Any) -> float | None:
    """A float, or None for missing values (NaN, None, pandas NA)."""
    if value is None:
        return None
    try:
        f = float(value)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(f) else f


def fmt(w: Words, value: Any) -> str:
    """A score, interval bound or points value for the page, by the one rule of
    :meth:`cfeval.i18n.Words.score` (:data:`~cfeval.i18n.SCORE_DIGITS` decimals)."""
    return w.score(value, NOT_APPLICABLE)


def fmt_max(w: Words, value: Any) -> str:
    """A node's maximum points, a constant of the framework, as the framework writes it
    (``20``, ``7.5``): it is the scale a score is read against, not a score."""
    f = _num(value)
    if f is None:
        return NOT_APPLICABLE
    return w.number(Decimal(f), 0 if f.is_integer() else 1)


def framework_of(result, framework):
    """The framework a result was scored with (``framework`` overrides it)."""
    fw = framework if framework is not None else getattr(result, "framework", None)
    if fw is None:
        raise UsageError(Msg("rendering a report needs the framework the result was scored with"))
    return fw


def check_lang(fw, lang: str) -> None:
    """Refuse a report language cfeval or the framework has no words for (messages are
    :class:`~cfeval.i18n.Msg`: said in the language of whoever shows them)."""
    if lang not in LANGS:
        raise UsageError(
            Msg(
                "unknown language {lang!r}; choose one of: {langs}",
                lang=lang,
                langs=", ".join(LANGS),
            )
        )
    if lang not in fw.languages:
        raise UsageError(
            Msg(
                "framework {id!r} has no {lang!r} labels (languages: {languages})",
                id=fw.id,
                lang=lang,
                languages=", ".join(fw.languages),
            )
        )


def grades_of(fw, w: Words) -> dict[str, dict]:
    """Each grade's label in the report's language, its colour and its place (0 = best)."""
    from cfeval.report.charts import grade_colours

    colours = grade_colours(len(fw.scoring.grades))
    return {
        g.id: {"id": g.id, "label": w.label(g.label), "colour": c, "rank": i}
        for i, (g, c) in enumerate(zip(fw.scoring.grades, colours, strict=True))
    }


def grade_of(value: Any, grades: dict, fw, score: float | None) -> dict:
    """The grade with id ``value``, else the grade of ``score``; a community without any
    score (no usable data at all) gets no grade rather than the lowest."""
    if value in grades:
        return grades[value]
    if score is not None:
        return grades[fw.grade_for(score).id]
    return {"id": None, "label": "—", "colour": "#b9c2cb", "rank": None}


def fingerprint(result) -> str:
    """First 16 hex digits of the data's SHA-256 (of the files' digests when several)."""
    import hashlib

    prov = getattr(result, "provenance", None) or {}
    digests = sorted(d["sha256"] for d in prov.get("data", []) if d.get("sha256"))
    if not digests:
        return "—"
    if len(digests) == 1:
        return digests[0][:16]
    return hashlib.sha256("".join(digests).encode()).hexdigest()[:16]


def interval(w: Words, row) -> str:
    return f"{fmt(w, row.ci_low)}–{fmt(w, row.ci_high)}"


def version() -> str:
    from cfeval import __version__

    return __version__


def main_wave(result) -> str:
    """The wave that covers the most communities (later waves often revisit only some);
    among equals the latest."""
    counts = result.communities["wave"].astype(str).value_counts()
    return max(counts.index, key=lambda w: (counts[w], len(w), w))


MIN_PEERS_FOR_RANK = 3


def grade_note(fw, row, t, w: Words) -> str:
    """Why a grade is not final (``grade_status`` provisional or withheld), else ""."""
    status = str(getattr(row, "grade_status", "final") or "final")
    if status not in ("provisional", "withheld"):
        return ""
    coverage = _num(getattr(row, "coverage", None)) or 0.0
    return t[f"grade_{status}"].format(
        coverage=w.percent(Decimal(coverage)),
        need=w.percent(Decimal(fw.scoring.min_coverage_for_grade)),
    )


def shown_grade(row, grades: dict, fw) -> dict:
    """The grade to show: none when withheld (never the grade of the score instead)."""
    withheld = str(getattr(row, "grade_status", "")) == "withheld"
    return grade_of(row.grade, grades, fw, None if withheld else _num(row.score))
