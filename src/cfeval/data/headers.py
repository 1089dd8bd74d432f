"""Which column of an export holds which item, field or standard column.

Headers are matched in a fixed order, and each match says how it was made:

1. ``mapping``: the mapping file's ``columns:`` entry for the header;
2. ``id`` / ``standard`` / ``text``: the header (NFKC, case folded, ``3、`` numbering
   stripped) is an item id or field key, a standard column name (``社区编号``, ``年龄`` …) or
   a label of the framework in any language;
3. ``system``: a column a survey platform adds (``序号``, ``_uuid``, ``KEY`` …, see
   :mod:`cfeval.data.platforms`); it is set aside, never read as a respondent id;
4. ``question``: the header as question text with numbering (``1、`` ``1.`` ``1：`` ``Q1``
   ``第1题``), punctuation, symbols and spaces removed, against the labels treated the same;
5. ``matrix``: a sub-question header, its row text read from 问卷星's ``第4题(行标题)``,
   ``4.(子问题)``, ``4(子问题)`` or ``4、题干—子问题``, KoboToolbox's ``group/question`` and
   ODK's ``group-question`` paths, then matched as in 2 and 4;
6. otherwise the header is unknown. If it resembles a target that no other column holds
   (rapidfuzz ratio of the question keys ≥ :data:`SUGGEST_CUTOFF`), the best candidates are
   attached as a *suggestion* with their scores: reported, never applied. Only a mapping
   file makes a suggestion count.

>>> key = question_key("Q3. 我在社区里，感到安全！")
>>> key
'我在社区里感到安全'
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from cfeval.data.mapping import AUDIT_STANDARD, SURVEY_STANDARD, norm_header, norm_text
from cfeval.data.platforms import is_system_column
from cfeval.errors import UsageError
from cfeval.i18n import N_

if TYPE_CHECKING:
    from cfeval.data.mapping import Mapping
    from cfeval.framework.model import Framework

__all__ = [
    "SUGGEST_CUTOFF",
    "CONFIDENT",
    "HeaderMatch",
    "question_key",
    "matrix_parts",
    "match_headers",
    "split_matches",
    "report_matches",
]

#: Lowest rapidfuzz ratio (0-100) at which an unknown header gets a suggestion.
SUGGEST_CUTOFF = 80.0
#: A suggestion at least this good, and clear of the runner-up by :data:`MARGIN`, is written
#: as an entry of a draft mapping (marked for review); weaker ones only as comments.
CONFIDENT = 85.0
MARGIN = 5.0

# Question numbering after NFKC: "1、" "1." "1:" "1)" "(1)" "Q1" "Q1." "第1题" "1.2." …
_NUMBERING = re.compile(
    r"^\s*(?:q\s*\d+(?:\.\d+)*\s*[、.:)]?|第\s*\d+\s*题\s*[、.:]?|\(\s*\d+\s*\)|\d+(?:\.\d+)*\s*[、.:)])\s*"
)
# 问卷星 sub-questions: "第4题(行标题)", "4.(子问题)", "4(子问题)", "4、题干(子问题)".
_MATRIX = re.compile(
    r"^\s*(?:第\s*\d+\s*题|\d+\s*[、.:]?)\s*(?P<stem>[^()]*?)\s*\((?P<row>.+)\)\s*$"
)
# Separators between a question stem or a group path and the row's own text, tried last
# to first; "/" is KoboToolbox's group path, "-" ODK's, "—" and ":" 问卷星's matrix rows.
_SEPARATORS = ("—", "--", "/", ":", "-")


def question_key(text: object) -> str:
    """``text`` as a question: NFKC, case folded, numbering, punctuation and spaces removed.

    >>> question_key("１．我 知道可以找谁帮忙？*") == question_key("Q1 我知道可以找谁帮忙")
    True
    """
    norm = _NUMBERING.sub("", norm_text(text))
    # Letters, digits and CJK stay; punctuation (P*), symbols (S*), spaces (Z*) go.
    kept = "".join(ch for ch in norm if unicodedata.category(ch)[0] not in "PSZ")
    # Removing a symbol can leave a combining mark next to a letter it now composes with.
    return unicodedata.normalize("NFKC", kept).casefold()


def matrix_parts(header: object) -> list[str]:
    """The candidate row texts of a sub-question header, most specific first.

    >>> matrix_parts("第4题(我在社区里感到安全)")
    ['我在社区里感到安全']
    >>> matrix_parts("grp_voice/c_voice_listen")
    ['c_voice_listen']
    """
    text = norm_text(header)
    parts: list[str] = []
    m = _MATRIX.match(text)
    if m:
        parts.append(m.group("row").strip())
    for sep in _SEPARATORS:
        if sep in text:
            parts.append(text.rsplit(sep, 1)[1].strip())
    return [p for p in dict.fromkeys(parts) if p]


@dataclass(frozen=True)
class HeaderMatch:
    """How one header was placed: ``target`` (None: not placed), ``how`` and candidates.

    ``how`` is one of ``mapping``, ``id``, ``standard``, ``text``, ``question``, ``matrix``,
    ``system`` (a platform column, set aside) or ``unknown``. ``candidates`` are
    ``(target, score)`` suggestions for an unknown header, best first; they are not applied.
    """

    header: str
    target: str | None
    how: str
    candidates: tuple[tuple[str, float], ...] = field(default=())

    @property
    def confident(self) -> bool:
        """Whether the best candidate is good and clear enough to draft (never to apply)."""
        if not self.candidates or self.candidates[0][1] < CONFIDENT:
            return False
        return len(self.candidates) == 1 or self.candidates[0][1] - self.candidates[1][1] >= MARGIN


@dataclass
class _Targets:
    exact: dict[str, tuple[str, str]]  # normalised header → (target, how)
    loose: dict[str, str]  # question key → target
    names: set[str]


def _targets(framework: Framework, kind: str) -> _Targets:
    standard = SURVEY_STANDARD if kind == "survey" else AUDIT_STANDARD
    exact: dict[str, tuple[str, str]] = {}
    loose: dict[str, str] = {}
    if kind == "survey":
        own = [(it.id, list(it.text.values())) for it in framework.items()]
    else:
        own = [(key, list(spec.label.values())) for key, spec in framework.fields.items()]
    # Ids first so an id always wins over a label that happens to read the same.
    for target, _ in own:
        exact.setdefault(norm_header(target), (target, "id"))
    for target, aliases in standard.items():
        for alias in aliases:
            exact.setdefault(norm_header(alias), (target, "standard"))
    for target, texts in own:
        for text in texts:
            exact.setdefault(norm_header(text), (target, "text"))
    for key, (target, _) in exact.items():
        qk = question_key(key)
        if qk:
            loose.setdefault(qk, target)
    return _Targets(exact, loose, {t for t, _ in own} | set(standard))


def _place(header: str, t: _Targets) -> tuple[str, str] | None:
    key = norm_header(header)
    if key in t.exact:
        return t.exact[key]
    return None


def _loose(header: str, t: _Targets) -> str | None:
    return t.loose.get(question_key(header))


def _matrix(header: str, t: _Targets) -> str | None:
    for part in matrix_parts(header):
        hit = _place(part, t)
        if hit is not None:
            return hit[0]
        hit2 = _loose(part, t)
        if hit2 is not None:
            return hit2
    return None


def _suggest(header: str, t: _Targets, free: set[str]) -> tuple[tuple[str, float], ...]:
    from rapidfuzz import fuzz, process

    keys = [k for k, target in t.loose.items() if target in free]
    if not keys:
        return ()
    best: dict[str, float] = {}
    for probe in [question_key(header), *(question_key(p) for p in matrix_parts(header))]:
        if not probe:
            continue
        for key, score, _ in process.extract(
            probe, keys, scorer=fuzz.ratio, limit=5, score_cutoff=SUGGEST_CUTOFF
        ):
            target = t.loose[key]
            best[target] = max(best.get(target, 0.0), round(float(score), 1))
    ranked = sorted(best.items(), key=lambda kv: (-kv[1], kv[0]))
    return tuple(ranked[:3])


def _explicit(framework: Framework, kind: str, mapping, names: set[str]) -> dict[str, str]:
    """The mapping file's ``columns:`` for this kind of file (normalised header → target).

    One mapping may serve a survey and an audit file: an entry naming the other kind's
    column is left to that file; an entry naming nothing at all is a mistake.
    """
    if mapping is None:
        return {}
    other = _targets(framework, "audit" if kind == "survey" else "survey").names
    out: dict[str, str] = {}
    for text, target in mapping.columns.items():
        if target in names:
            out[norm_header(text)] = target
        elif target not in other:
            raise UsageError(
                f"mapping file: column {text!r} maps to {target!r}, which is neither an "
                f"{'item id' if kind == 'survey' else 'audit field'} of {framework.id!r} nor "
                f"a standard column ({', '.join(sorted(names))})"
            )
    return out


def split_matches(
    matches: list[HeaderMatch],
) -> tuple[dict[str, str], list[str], list[tuple[str, str]]]:
    """``(target → header, unplaced headers, (header, target) duplicates)`` of matches."""
    found: dict[str, str] = {}
    unknown: list[str] = []
    duplicates: list[tuple[str, str]] = []
    for m in matches:
        if m.target is None:
            unknown.append(m.header)
        elif m.target in found:
            duplicates.append((m.header, m.target))
        else:
            found[m.target] = m.header
    return found, unknown, duplicates


def match_headers(
    framework: Framework,
    headers: Iterable[str],
    kind: str,
    mapping: Mapping | None = None,
    platform: str | None = None,
) -> list[HeaderMatch]:
    """One :class:`HeaderMatch` per header, in the file's order.

    A target is given to the first header that means it; a later header meaning the same
    target keeps its ``target`` and ``how`` (the caller reports it as a duplicate).
    ``platform`` (see :func:`cfeval.data.platforms.detect_platform`) limits which system
    columns are set aside; None sets aside only those no framework column could mean.
    """
    headers = [str(h) for h in headers]
    t = _targets(framework, kind)
    explicit = _explicit(framework, kind, mapping, t.names)
    out: list[HeaderMatch | None] = []
    for header in headers:
        target = explicit.get(norm_header(header))
        if target is not None:
            out.append(HeaderMatch(header, target, "mapping"))
            continue
        hit = _place(header, t)
        if hit is not None:
            out.append(HeaderMatch(header, hit[0], hit[1]))
        elif kind == "survey" and is_system_column(header, platform):
            out.append(HeaderMatch(header, None, "system"))
        elif (loose := _loose(header, t)) is not None:
            out.append(HeaderMatch(header, loose, "question"))
        elif (row := _matrix(header, t)) is not None:
            out.append(HeaderMatch(header, row, "matrix"))
        else:
            out.append(None)
    free = t.names - {m.target for m in out if m is not None and m.target}
    return [
        m if m is not None else HeaderMatch(h, None, "unknown", _suggest(h, t, free))
        for h, m in zip(headers, out, strict=True)
    ]


# --------------------------------------------------------------------------- reporting

_SUGGESTION = N_(
    "this column matches nothing exactly; it may be {candidates}. It was not used: confirm "
    "it by writing the column under `columns:` in a mapping file (`cfeval mapping suggest` "
    "drafts one)"
)
_SYSTEM = N_(
    "{n} column(s) added by the survey platform (running numbers, times, sources) were set "
    "aside; they are never read as answers or respondent ids"
)


def report_matches(report, label: str, matches: list[HeaderMatch]) -> None:
    """Issues for headers set aside: one ``platform-column`` line, one ``header-suggestion``
    line per header with candidates (the candidates and scores in its message)."""
    from cfeval.i18n import words

    w = words()
    system = [m.header for m in matches if m.how == "system"]
    if system:
        report.add(label, None, ", ".join(system), None, "platform-column",
                   w(_SYSTEM, n=len(system)))  # fmt: skip
    for m in matches:
        if m.target is None and m.candidates:
            shown = ", ".join(f"{t} ({score:g})" for t, score in m.candidates)
            report.add(label, None, m.header, m.candidates[0][0], "header-suggestion",
                       w(_SUGGESTION, candidates=shown))  # fmt: skip
