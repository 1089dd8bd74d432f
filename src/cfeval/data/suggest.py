"""A draft mapping file for an export, for a person to review instead of to write.

:func:`suggest_mapping` reads an export the way :func:`cfeval.data.load.load_data` would,
places each header (:mod:`cfeval.data.headers`), looks at the option texts in every item
column, and writes a commented YAML mapping:

- ``platform:`` when the export's system columns show where it comes from;
- ``respondent:`` when the file has no group column and every item placed is asked of one
  group only (otherwise the groups are listed as commented choices);
- ``columns:`` every placed header with how it was placed; a header that only *resembles*
  a framework text is written as an entry marked ``CHECK`` with its similarity score when
  the match is clear (:attr:`HeaderMatch.confident`), and as a commented line otherwise;
- ``values:`` option texts the framework's labels do not know, with a proposed code
  (marked ``CHECK``) or commented candidates; the known texts and codes seen are listed as
  comments, per scale;
- ``communities:`` (with an audit file) names that are not audit ids, with the audit id
  they match or the closest candidates;
- the columns it could not place, as comments.

Nothing in the draft is applied until the file is used as a mapping: a suggestion counts
because it is written in the mapping a person passes to ``cfeval check``.

>>> text = suggest_mapping("chengdu-community", "children.xlsx")  # doctest: +SKIP
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING

from cfeval.data.headers import HeaderMatch, match_headers
from cfeval.data.mapping import SKIP_MARKERS, norm_text, scale_lookup
from cfeval.data.platforms import PLATFORMS, detect_platform

if TYPE_CHECKING:
    import pandas as pd

    from cfeval.data.readers import Table
    from cfeval.framework.model import Framework

__all__ = ["suggest_mapping", "write_suggested_mapping"]

# How many distinct texts of one column are worth showing a person (free text is not).
_MAX_TEXTS = 30
_HOW = {
    "id": "item id",
    "standard": "standard column name",
    "text": "framework text",
    "question": "question text (numbering and punctuation aside)",
    "matrix": "sub-question / group path",
    "mapping": "given mapping",
}


def _q(text: object) -> str:
    """A YAML scalar that reads back as the same string (JSON strings are YAML)."""
    return json.dumps(str(text), ensure_ascii=False)


def _groups_of(framework: Framework) -> dict[str, set[str]]:
    everyone = set(framework.respondents)
    out: dict[str, set[str]] = {}
    for ind in framework.indicators():
        for it in ind.items or []:
            out[it.id] = set(it.respondents or ind.respondents or everyone)
    return out


def _read(path, sheet) -> Table:
    from cfeval.data.readers import peek_headers, read_table

    headers = peek_headers(path) or []
    return read_table(path, str(path), sheet, set(headers))


def suggest_mapping(
    framework, export: str | Path, *, sheet: str | None = None, audit: str | Path | None = None
) -> str:
    """The text of a commented draft mapping for ``export`` (see the module docstring).

    ``framework`` is a Framework, a shipped id or a path; ``audit`` (optional) lets names in
    the community column be matched to the audit's names.
    """
    from cfeval.data.load import _as_framework

    fw = _as_framework(framework)
    table = _read(export, sheet)
    if table.empty:
        from cfeval.errors import DataError

        raise DataError(f"{export}: the file is empty; export it again with its header row")
    platform = detect_platform(table.headers)
    matches = match_headers(fw, table.headers, "survey", None, platform)
    name = Path(str(export)).name
    out = [
        f"# Draft mapping for {name}, framework {fw.id} ({fw.version}),",
        "# written by `cfeval mapping suggest`. Read it through before you use it:",
        "#   - lines marked CHECK are guesses (similar, not equal, texts): keep, fix or delete;",
        "#   - commented lines (starting with #) are not used; remove the # to use one.",
        f"# Then: cfeval check {fw.id} --survey {name} --mapping <this file>",
        f"# {table.rows_read} data rows read.",
    ]
    if platform:
        shown = ", ".join(m.header for m in matches if m.how == "system")
        out += [f"platform: {platform}  # {PLATFORMS[platform]}: its columns {shown}"]
    out += _respondent_lines(fw, matches)
    out += _column_lines(matches)
    out += _value_lines(fw, table, matches)
    out += _community_lines(fw, table, matches, audit)
    out += _unplaced_lines(matches)
    return "\n".join(out) + "\n"


def write_suggested_mapping(framework, export, output, *, sheet=None, audit=None) -> Path:
    """:func:`suggest_mapping` written to ``output`` atomically; returns the path."""
    from cfeval._io import atomic_write

    return atomic_write(output, suggest_mapping(framework, export, sheet=sheet, audit=audit))


def _placed(matches: list[HeaderMatch]) -> dict[str, HeaderMatch]:
    """Target → its first header, counting a confident suggestion as placed."""
    out: dict[str, HeaderMatch] = {}
    for m in matches:
        target = m.target or (m.candidates[0][0] if m.confident else None)
        if target is not None and target not in out:
            out[target] = m
    return out


def _respondent_lines(fw: Framework, matches: list[HeaderMatch]) -> list[str]:
    placed = _placed(matches)
    if "respondent" in placed:
        return [f"# who answered: the column {_q(placed['respondent'].header)} says, row by row"]
    groups = _groups_of(fw)
    asked = [groups[t] for t in placed if t in groups]
    common = set.intersection(*asked) if asked else set()
    if len(fw.respondents) == 1:
        return []
    if not asked:
        return [
            "# who answered: no item column was placed, so the group cannot be told;",
            f"# respondent: {next(iter(fw.respondents))}  # one of {', '.join(fw.respondents)}",
        ]
    if len(common) == 1:
        (group,) = common
        return [
            f"respondent: {group}  # CHECK: every item placed is asked of {group} only and "
            "the file has no group column"
        ]
    choices = ", ".join(fw.respondents)
    return [
        "# who answered: no group column, and the items placed belong to several groups;",
        f"# if every row is one group, write it (one of {choices}):",
        f"# respondent: {next(iter(fw.respondents))}",
    ]


def _column_lines(matches: list[HeaderMatch]) -> list[str]:
    out = ["columns:"]
    taken: set[str] = set()
    for m in matches:
        if m.target is not None:
            if m.target in taken:
                out.append(f"  # {_q(m.header)}: {m.target}  # an earlier column already is this")
                continue
            taken.add(m.target)
            out.append(f"  {_q(m.header)}: {m.target}  # matched: {_HOW.get(m.how, m.how)}")
    for m in matches:
        if m.target is None and m.candidates:
            best, score = m.candidates[0]
            others = ", ".join(f"{t} ({s:g})" for t, s in m.candidates[1:])
            rest = f"; other candidates: {others}" if others else ""
            if m.confident and best not in taken:
                taken.add(best)
                out.append(
                    f"  {_q(m.header)}: {best}  # CHECK: suggested, similarity {score:g}{rest}"
                )
            else:
                out.append(f"  # {_q(m.header)}: {best}  # not applied: similarity {score:g}{rest}")
    if len(out) == 1:
        out[0] = "columns: {}  # no header could be placed"
    return out


def _texts(col: pd.Series) -> Counter:
    import pandas as pd

    counts: Counter = Counter()
    for value, n in col.value_counts(dropna=True).items():
        if isinstance(value, float) and pd.isna(value):
            continue
        counts[str(value).strip()] += int(n)
    return counts


def _value_lines(fw: Framework, table: Table, matches: list[HeaderMatch]) -> list[str]:
    from rapidfuzz import fuzz, process

    by_scale: dict[str, Counter] = {}
    position = {m.header: i for i, m in reversed(list(enumerate(matches)))}
    for target, m in _placed(matches).items():
        if target not in {it.id for it in fw.items()}:
            continue
        scale = next(it.scale for it in fw.items() if it.id == target)
        by_scale.setdefault(scale, Counter()).update(_texts(table.column(position[m.header])))
    seen_lines: list[str] = []
    proposed: list[str] = []
    for scale, counts in by_scale.items():
        lookup = scale_lookup(fw, scale, None)
        missing = set(fw.scales[scale].missing_codes)
        known, unknown = [], []
        for text, n in counts.most_common(_MAX_TEXTS):
            key = norm_text(text)
            if key in lookup and lookup[key] in missing:
                known.append(f"{text} → blank, missing code {lookup[key]:g} ({n})")
            elif key in lookup:
                known.append(f"{text} → {lookup[key]:g} ({n})")
            elif key in SKIP_MARKERS or _platform_number(key):
                known.append(f"{text} → blank ({n})")
            else:
                unknown.append((text, n))
        seen_lines.append(f"#   {scale}: " + (", ".join(known) or "none known"))
        labels = {norm_text(t): c for t, c in lookup.items() if not _is_number(t)}
        for text, n in unknown:
            if _is_number(text):
                seen_lines.append(f"#   {scale}: {text} ({n}) is outside the scale: check the data")
                continue
            hits = process.extract(norm_text(text), list(labels), scorer=fuzz.ratio, limit=2)
            if hits and hits[0][1] >= 60 and (len(hits) == 1 or hits[0][1] - hits[1][1] >= 10):
                code, score = labels[hits[0][0]], hits[0][1]
                proposed.append(
                    f"  {_q(text)}: {code:g}  # CHECK: {n} cells; like {_q(hits[0][0])} of "
                    f"{scale}, similarity {score:.0f}"
                )
            else:
                proposed.append(f"  # {_q(text)}: ?  # {n} cells; no option of {scale} is like it")
    out = ["# Option texts seen in the item columns (text → code, cells):"]
    out += seen_lines or ["#   (no item column placed)"]
    if proposed:
        out += ["values:  # texts the framework's labels do not know (apply to every scale)"]
        out += proposed
    return out


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _platform_number(key: str) -> bool:
    from cfeval.data.platforms import BLANK_CODES

    return _is_number(key) and any(
        isinstance(c.value, float) and float(key) == c.value for c in BLANK_CODES
    )


def _community_lines(fw, table: Table, matches, audit) -> list[str]:
    placed = _placed(matches)
    if "community_id" not in placed:
        return [
            "# community: no community column was found; if the whole file is one community,",
            '# community_id: "<the audit id>"',
        ]
    position = {m.header: i for i, m in reversed(list(enumerate(matches)))}
    counts = _texts(table.column(position[placed["community_id"].header]))
    if audit is None:
        shown = ", ".join(f"{t} ({n})" for t, n in counts.most_common(_MAX_TEXTS))
        return [
            f"# communities seen: {shown}",
            "# (names are matched to the audit file's `name` column when you check with --audit)",
        ]
    from cfeval.data.load import load_data
    from cfeval.data.names import CommunityNames

    frame = load_data(fw, audit=audit).audit
    names = CommunityNames.from_pairs(zip(frame["community_id"], frame["name"], strict=True))
    known = set(frame["community_id"])
    out = ["communities:  # community cells that are not audit ids → audit ids"]
    for text, n in counts.most_common():
        if text in known:
            continue
        cid, how = names.resolve(text)
        cands = names.candidates(text)
        if cid is not None:
            out.append(f"  {_q(text)}: {_q(cid)}  # {n} rows; audit name {_q(names.names[cid])}")
        elif cands and how != "ambiguous" and cands[0][2] >= 80:
            c, nm, score = cands[0]
            out.append(f"  {_q(text)}: {_q(c)}  # CHECK: {n} rows; like {_q(nm)}, {score:g}")
        else:
            listed = ", ".join(f"{c} {nm} ({s:g})" for c, nm, s in cands) or "none"
            out.append(f"  # {_q(text)}: ?  # {n} rows; {how}; candidates: {listed}")
    return out if len(out) > 1 else ["# communities: every community cell is an audit id"]


def _unplaced_lines(matches: list[HeaderMatch]) -> list[str]:
    system = [m.header for m in matches if m.how == "system"]
    other = [m.header for m in matches if m.how == "unknown" and not m.candidates]
    out = []
    if system or other:
        out.append("# Columns not placed (they are ignored):")
    if system:
        out.append("#   platform columns: " + ", ".join(system))
    for h in other:
        out.append(f"#   {_q(h)}: matches no item or standard column")
    return out
