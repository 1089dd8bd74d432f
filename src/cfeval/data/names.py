"""Communities given by name instead of id: matched to the audit file's ``name`` column.

A survey whose respondents picked their community from a list often holds ``桂花巷社区``
where the audit holds ``CD-JJ-001``. A survey cell that is not a known id is looked up among
the audit's names, compared after :func:`name_key`: NFKC (full-width → half-width), case
folded, every space removed (``桂花巷 社区`` is ``桂花巷社区``). If that finds nothing, the
name without a trailing administrative word (社区居民委员会, 居民委员会, 社区居委会, 居委会,
社区) is tried, but only where it names exactly one audit community: ``桂花巷`` finds
``桂花巷社区``. ``小区`` (a housing estate, often one of several in a community) is never
dropped. A name shared by two audit communities is *ambiguous*, one found nowhere is
*unknown*; both are reported with the closest audit names (rapidfuzz) and never guessed.
A mapping file's ``communities:`` entries (text → id) come first and can settle any case.

>>> names = CommunityNames.from_pairs([("CD-1", "桂花巷社区"), ("CD-2", "银杏湾社区")])
>>> names.resolve("桂花巷 社区")
('CD-1', 'name')
>>> names.resolve("银杏湾")
('CD-2', 'short-name')
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from cfeval.i18n import N_

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

    from cfeval.data.mapping import Mapping

__all__ = [
    "ADMIN_SUFFIXES",
    "name_key",
    "short_key",
    "CommunityNames",
    "describe_candidates",
    "resolve_by_name",
    "unknown_hint",
    "apply_community_map",
]

#: Trailing words dropped for the second look-up, longest first (all mean "the community").
ADMIN_SUFFIXES = ("社区居民委员会", "居民委员会", "社区居委会", "居委会", "社区")
_SPACE = re.compile(r"\s+")


def name_key(text: object) -> str:
    """A community name for comparing: NFKC, case folded, no spaces at all."""
    return _SPACE.sub("", unicodedata.normalize("NFKC", str(text))).casefold()


def short_key(text: object) -> str:
    """:func:`name_key` without one trailing administrative word (never down to nothing)."""
    key = name_key(text)
    for suffix in ADMIN_SUFFIXES:
        if key.endswith(suffix) and len(key) > len(suffix):
            return key[: -len(suffix)]
    return key


@dataclass
class CommunityNames:
    """The audit's communities by name: ``resolve(text) -> (id or None, how)``.

    ``how`` is ``name``, ``short-name``, ``ambiguous`` or ``unknown``.
    """

    names: dict[str, str]  # id → name as written in the audit
    by_name: dict[str, set[str]] = field(default_factory=dict)
    by_short: dict[str, set[str]] = field(default_factory=dict)

    @classmethod
    def from_pairs(cls, pairs: Iterable[tuple[str, object]]) -> CommunityNames:
        """From ``(community_id, name)`` pairs; blank names are skipped."""
        out = cls({})
        for cid, name in pairs:
            if name is None or not isinstance(name, str) or not name.strip():
                continue
            out.names.setdefault(cid, name)
            out.by_name.setdefault(name_key(name), set()).add(cid)
            out.by_short.setdefault(short_key(name), set()).add(cid)
        return out

    def resolve(self, text: object) -> tuple[str | None, str]:
        """The community id ``text`` names, and how it was found."""
        ids = self.by_name.get(name_key(text))
        how = "name"
        if not ids:
            ids, how = self.by_short.get(short_key(text)), "short-name"
        if not ids:
            return None, "unknown"
        if len(ids) > 1:
            return None, "ambiguous"
        return next(iter(ids)), how

    def candidates(self, text: object, limit: int = 3) -> list[tuple[str, str, float]]:
        """``(id, name, score)`` of the audit names closest to ``text`` (rapidfuzz), best first.

        Ambiguous names list every community that bears them.
        """
        from rapidfuzz import fuzz, process

        probe = short_key(text)
        exact = self.by_short.get(probe, set())
        found = [(cid, self.names[cid], 100.0) for cid in sorted(exact)]
        if not probe or len(found) >= limit:
            return found
        # A mistyped id (CD-QY-000) is as likely as a mistyped name: compare with both.
        best: dict[str, float] = {}
        for choices, key in (
            ({cid: short_key(name) for cid, name in self.names.items()}, probe),
            ({cid: name_key(cid) for cid in self.names}, name_key(text)),
        ):
            for _, score, cid in process.extract(
                key, choices, scorer=fuzz.ratio, limit=limit, score_cutoff=60
            ):
                if cid not in exact:
                    best[cid] = max(best.get(cid, 0.0), round(float(score), 1))
        ranked = sorted(best.items(), key=lambda kv: (-kv[1], kv[0]))
        found += [(cid, self.names[cid], score) for cid, score in ranked]
        return found[:limit]


_SEE = N_("{name} ({id}, {score})")


def describe_candidates(cands: list[tuple[str, str, float]]) -> str:
    """``桂花巷社区 (CD-JJ-001, 92)`` … for an issue message; empty when there are none."""
    from cfeval.i18n import words

    w = words()
    return ", ".join(w(_SEE, name=n, id=c, score=f"{s:g}") for c, n, s in cands)


def apply_community_map(ids: np.ndarray, mapping: Mapping | None) -> np.ndarray:
    """Community cells rewritten by the mapping file's ``communities:`` (text → id)."""
    import numpy as np

    if mapping is None or not mapping.communities:
        return ids
    from cfeval.data.mapping import norm_id

    table = {name_key(k): norm_id(v) for k, v in mapping.communities.items()}
    uniq, inverse = np.unique(ids.astype(str), return_inverse=True)
    mapped = np.array([table.get(name_key(u)) for u in uniq], dtype=object)
    out = ids.copy()
    hit = np.not_equal(mapped[inverse], None) & np.not_equal(ids, None)
    out[hit] = mapped[inverse][hit]
    return out


_BY_NAME = N_(
    "{rows} name their community instead of giving its id; matched to the audit's names ({pairs})"
)
_AMBIGUOUS = N_(
    "community {value!r} names more than one audit community: {candidates}; the row was "
    "excluded (write the id, or settle the name under `communities:` in a mapping file)"
)
_UNKNOWN_HINT = N_("; closest audit communities: {candidates}")


def resolve_by_name(
    frame: pd.DataFrame, where, known: set[str], names: CommunityNames, report
) -> np.ndarray:
    """Rewrite ``frame.community_id`` cells that are audit names into ids (in place).

    One ``community-by-name`` info line per file lists the names used; each row whose name
    is ambiguous gets an ``ambiguous-community`` error and is excluded: the returned mask.
    """
    import numpy as np

    from cfeval.i18n import words

    w = words()
    files, rows, headers = where
    ids = frame["community_id"].to_numpy(dtype=object)
    outside = ~frame["community_id"].isin(known).to_numpy() & np.not_equal(ids, None)
    ambiguous = np.zeros(len(frame), bool)
    if not outside.any():
        return ambiguous
    looked = {v: names.resolve(v) for v in dict.fromkeys(ids[outside])}
    new = ids.copy()
    used: dict[str, dict[str, int]] = {}  # file → {"name → id": rows}
    for i in np.flatnonzero(outside):
        cid, how = looked[ids[i]]
        if cid is not None:
            new[i] = cid
            pair = f"{ids[i]} → {cid}"
            used.setdefault(files[i], {}).setdefault(pair, 0)
            used[files[i]][pair] += 1
        elif how == "ambiguous":
            ambiguous[i] = True
            report.add(
                files[i], int(rows[i]), headers[files[i]].get("community_id"), ids[i],
                "ambiguous-community",
                w(_AMBIGUOUS, value=ids[i], candidates=describe_candidates(names.candidates(ids[i]))),
            )  # fmt: skip
    for file, pairs in used.items():
        n = sum(pairs.values())
        shown = ", ".join(list(pairs)[:8]) + (", …" if len(pairs) > 8 else "")
        report.add(
            file, None, headers[file].get("community_id"), None, "community-by-name",
            w(_BY_NAME, rows=w.n("{n} row", "{n} rows", n), pairs=shown),
        )  # fmt: skip
    report.exclude("ambiguous-community", ambiguous.sum())
    frame["community_id"] = new
    return ambiguous


def unknown_hint(names: CommunityNames | None, value: object) -> str:
    """``; closest audit communities: …`` for an unknown community, or nothing."""
    if names is None or value is None:
        return ""
    cands = names.candidates(value)
    if not cands:
        return ""
    from cfeval.i18n import words

    return words()(_UNKNOWN_HINT, candidates=describe_candidates(cands))
