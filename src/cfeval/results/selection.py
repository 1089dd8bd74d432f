"""Which communities a command speaks of: ``--city``, ``--district``, ``--community``.

Each option may be repeated (any of its values), and different options narrow each other
(``--city 成都 --district 锦江区``). A community is given by its id or by its name, a city
or district by its name, all compared the way the data stage compares names
(:func:`cfeval.data.names.name_key`: full-width/half-width, case and spaces do not
matter; ``桂花巷`` finds ``桂花巷社区``). A value that matches nothing is refused with
the closest known values (rapidfuzz), never guessed; a name two communities share is
refused with both ids.

>>> import pandas as pd
>>> comm = pd.DataFrame({"community_id": ["CD-1", "CD-2"], "name": ["桂花巷社区", "银杏湾社区"],
...                      "city": ["成都", "成都"], "district": ["锦江区", "青羊区"]})
>>> select_communities(comm, community=["桂花巷"])
['CD-1']
>>> select_communities(comm, district=["青羊区"])
['CD-2']
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from cfeval.errors import UsageError
from cfeval.i18n import Msg

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["restrict", "select_communities"]


def select_communities(
    communities: pd.DataFrame,
    *,
    city: Sequence[str] | None = None,
    district: Sequence[str] | None = None,
    community: Sequence[str] | None = None,
) -> list[str]:
    """The ids (sorted) of the communities in ``communities`` (a result's ``communities``
    frame: ``community_id``, ``name``, ``city``, ``district``) that the options choose; all
    of them when no option is given. Raises :class:`~cfeval.errors.UsageError` for a value
    that matches nothing or an ambiguous name, or when the options together choose none.
    """
    comm = communities.drop_duplicates("community_id", keep="last")
    ids = [str(c) for c in comm["community_id"]]
    chosen = set(ids)
    for column, values in (("city", city), ("district", district)):
        if values:
            chosen &= _by_place(comm, column, values)
    if community:
        chosen &= _by_community(comm, community)
    if not chosen:
        raise UsageError(Msg("no community matches the --city/--district/--community given"))
    return sorted(chosen)


def _text(value) -> str:
    return "" if value is None or value != value else str(value)


def _by_place(comm, column: str, values: Sequence[str]) -> set[str]:
    from cfeval.data.names import name_key

    if column not in comm.columns or not comm[column].map(_text).any():
        raise UsageError(
            Msg("the data give no {column} for the communities; --{column} cannot be used",
                column=column)
        )  # fmt: skip
    places = {str(c): _text(v) for c, v in zip(comm["community_id"], comm[column], strict=True)}
    known = sorted({p for p in places.values() if p})
    out: set[str] = set()
    for value in values:
        # 锦江 finds 锦江区 as 桂花巷 finds 桂花巷社区; a place is never matched by likeness.
        hits = {p for p in known if name_key(p) == name_key(value)} or {
            p for p in known if _short_place(p) == _short_place(value)
        }
        if not hits:
            raise UsageError(
                Msg(
                    "no {column} called {value!r}; closest: {close}",
                    column=column,
                    value=value,
                    close=", ".join(_closest(value, known)) or "—",
                )
            )
        out |= {cid for cid, p in places.items() if p in hits}
    return out


def _short_place(text: object) -> str:
    from cfeval.data.names import name_key

    key = name_key(text)
    for suffix in ("市", "区", "县", "district", "city"):
        if key.endswith(suffix) and len(key) > len(suffix):
            return key[: -len(suffix)].strip()
    return key


def _closest(value: str, known: list[str], limit: int = 3) -> list[str]:
    from rapidfuzz import fuzz, process

    from cfeval.data.names import name_key

    choices = {k: name_key(k) for k in known}
    return [k for _, _, k in process.extract(name_key(value), choices, scorer=fuzz.ratio,
                                            limit=limit, score_cutoff=40)]  # fmt: skip


def _by_community(comm, values: Sequence[str]) -> set[str]:
    from cfeval.data.names import CommunityNames, describe_candidates, name_key

    ids = {name_key(c): str(c) for c in comm["community_id"]}
    names_col = comm["name"] if "name" in comm.columns else comm["community_id"]
    names = CommunityNames.from_pairs(
        (str(c), _text(n)) for c, n in zip(comm["community_id"], names_col, strict=True)
    )
    out: set[str] = set()
    for value in values:
        if str(value) in ids.values():
            out.add(str(value))
            continue
        if name_key(value) in ids:  # an id written in another width or case
            out.add(ids[name_key(value)])
            continue
        cid, how = names.resolve(value)
        if cid is not None:
            out.add(cid)
            continue
        cands = names.candidates(value)
        if how == "ambiguous":
            raise UsageError(
                Msg("the name {value!r} is shared by several communities: {candidates}; "
                    "give the id", value=value, candidates=describe_candidates(cands))
            )  # fmt: skip
        if not cands:  # nothing alike: say which ids there are
            known = sorted(ids.values())
            raise UsageError(
                Msg(
                    "no community with the id or name {value!r}; known: {known}",
                    value=value,
                    known=", ".join(known[:10]) + (" ..." if len(known) > 10 else ""),
                )
            )
        raise UsageError(
            Msg(
                "no community with the id or name {value!r}; closest: {candidates}",
                value=value,
                candidates=describe_candidates(cands),
            )
        )
    return out


def restrict(result, ids: Sequence[str]):
    """A copy of a ScoreResult holding only the communities ``ids`` (every frame with a
    ``community_id`` column is filtered; the framework, data report and provenance stay)."""
    import dataclasses

    keep = {str(i) for i in ids}
    frames = {}
    for f in dataclasses.fields(result):
        value = getattr(result, f.name)
        if hasattr(value, "columns") and "community_id" in value.columns:
            frames[f.name] = value[value["community_id"].astype(str).isin(keep)].reset_index(
                drop=True
            )
    return dataclasses.replace(result, **frames)
