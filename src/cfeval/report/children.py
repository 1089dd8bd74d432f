"""The children's edition of a community report: 2-4 A4 pages for children aged 8 to 14.

What children told us (the children's group results only, as faces, and only for an
indicator whose children's group reached its ``min_n``), what they asked for and what the
adults promised and did (from the proposal log), what happens next, and how to raise a new
proposal. Plain words, large type, pictures instead of numbers: no scores, grades,
intervals or ranks, nothing about any one child (no respondent ids, no names; who raised
a proposal is never shown, and the children's words have phone and ID numbers masked).
Words are in ``children.po``; the pictures are SVG files in ``assets/children/``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from cfeval._safety import mask_pii
from cfeval.i18n import N_, Words, words
from cfeval.report.basics import _num, check_lang, framework_of

__all__ = ["build_children_context", "children_group", "FACE_WORDS", "MAX_PROPOSALS"]

#: At most this many proposals are listed (the edition stays within four pages).
MAX_PROPOSALS = 5
#: Faces from worst (1) to best (5); a children's group result picks one by its fifth.
FACE_WORDS = {
    1: N_("not good at all"),
    2: N_("not so good"),
    3: N_("so-so"),
    4: N_("good"),
    5: N_("really good"),
}
_STATUS = {
    "done": N_("Done!"),
    "promised": N_("The adults said yes. It is not done yet."),
    "declined": N_("The adults said no this time."),
    "waiting": N_("The adults have not answered yet."),
}
_DEFAULT_DAYS = 30

#: The edition's fixed words, by the key the template uses.
_PAGE_WORDS = {
    "kicker": N_("For the children of"),
    "hello": N_(
        "Thank you for telling us what you think about your community. Here is "
        "what we heard, what you asked for, and what the adults did."
    ),
    "told_title": N_("What children told us"),
    "told_intro": N_(
        "We put together the answers of all the children. We do not show what any one child said."
    ),
    "told_none": N_(
        "Not enough children answered this time for us to show the results "
        "without anyone being recognised. Next time, ask your friends to join in!"
    ),
    "asked_title": N_("What you asked for, and what the adults did"),
    "asked_none": N_("No proposals were written down for this time yet."),
    "asked_no_log": N_("Your social worker has not sent us the list of your proposals yet."),
    "quote": N_("You said:"),
    "did": N_("What was done:"),
    "why": N_("Why not:"),
    "next_title": N_("What happens next"),
    "next_none": N_("The adults will keep listening and tell you what they do."),
    "how_title": N_("How to make a new proposal"),
    "step1": N_("Look around your community with your group. What is good? What should change?"),
    "step2": N_("Write or draw your idea on a proposal card. You do not need to write your name."),
    "step3": N_(
        "Give the card to your social worker. They write it in the proposal book and take it to the adults."
    ),
}


def children_group(fw) -> str | None:
    """The respondent group of the children (``child``, else the first key naming them)."""
    if "child" in fw.respondents:
        return "child"
    return next((k for k in fw.respondents if "child" in k), None)


def _face(score: float) -> int:
    return min(5, int(score // 20) + 1)


def _told_us(result, fw, community_id: str, wave: str, w: Words) -> dict:
    """Faces for the survey indicators the children's group answered, never below min_n."""
    group = children_group(fw)
    rows = result.by_group
    out: dict[str, Any] = {"items": [], "n": None}
    if group is None or rows is None or len(rows) == 0:
        return out
    min_n = fw.respondents[group].min_n
    mine = rows[
        (rows["community_id"] == community_id)
        & (rows["wave"].astype(str) == wave)
        & (rows["respondent"] == group)
    ]
    for r in mine.itertuples(index=False):
        score, n = _num(r.score), int(_num(r.n) or 0)
        if score is None or n < min_n or str(r.status) != "ok":
            continue  # a small group is never shown, not even as a face
        face = _face(score)
        out["items"].append(
            {"label": w.label(fw.node(r.node_id).label), "face": face, "words": w(FACE_WORDS[face])}
        )
    crow = result.communities[
        (result.communities["community_id"] == community_id)
        & (result.communities["wave"].astype(str) == wave)
    ]
    n = _num(crow.iloc[0].get(f"n_{group}")) if len(crow) else None
    if n is not None and n >= min_n:
        out["n"] = w.n(
            "{n} child answered our questions.", "{n} children answered our questions.", int(n)
        )
    return out


def _asked(result, fw, community_id: str, wave: str, w: Words) -> dict:
    from cfeval.report.proposals import day
    from cfeval.results.proposals import proposal_counts, you_said_we_did

    table = you_said_we_did(result, community_id, wave)
    counts = proposal_counts(table)
    lists = fw.proposals
    items = []
    for r in table.head(MAX_PROPOSALS).itertuples(index=False):
        label = lists.label_of("topics", r.topic) if lists and isinstance(r.topic, str) else None
        items.append(
            {
                "topic": w.label(label) if label else "",
                "quote": mask_pii(r.proposal),
                "status": r.status,
                "status_text": w(_STATUS[r.status]),
                "action": mask_pii(r.action) if r.status == "done" else "",
                "reason": mask_pii(r.reason) if r.status == "declined" else "",
                "told": w("We told you on {date}.", date=day(w, r.date_reported_back))
                if r.reported_back
                else "",
            }
        )
    more = counts["n"] - len(items)
    return {
        "has_log": getattr(result, "proposals", None) is not None,
        "counts": [
            {"status": s, "n": counts[s], "text": w(_COUNT[s])} for s in _COUNT if counts[s]
        ],
        "total": w.n("You made {n} proposal.", "You made {n} proposals.", counts["n"])
        if counts["n"]
        else "",
        "items": items,
        "more": w.n(
            "…and {n} more. Ask your social worker for the whole list.",
            "…and {n} more. Ask your social worker for the whole list.",
            more,
        )
        if more > 0
        else "",
        "waiting": counts["waiting"],
        "promised": counts["promised"],
    }


_COUNT = {
    "done": N_("done"),
    "promised": N_("agreed, not done yet"),
    "declined": N_("not this time"),
    "waiting": N_("waiting for an answer"),
}


def _answer_days(fw) -> int:
    """The N of the framework's ``share_answered_within`` rule (30 without one)."""
    for ind in fw.indicators():
        rule = ind.rule
        if rule.type == "proposal_log" and rule.measure == "share_answered_within":
            return rule.within_days
    return _DEFAULT_DAYS


def _next(result, fw, community_id: str, wave: str, w: Words, asked: dict) -> list[str]:
    from cfeval.results.insights import priorities

    out = []
    if asked["waiting"]:
        out.append(
            w.n(
                "The adults still owe you {n} answer. Your social worker will ask them.",
                "The adults still owe you {n} answers. Your social worker will ask them.",
                asked["waiting"],
            )
        )
    if asked["promised"]:
        out.append(
            w.n(
                "{n} thing the adults agreed to is still to be done. We will tell you when it is.",
                "{n} things the adults agreed to are still to be done. We will tell you when they are.",
                asked["promised"],
            )
        )
    top = priorities(result, community_id, wave=wave, n=2, lang=w.lang)
    for label in top["label"]:
        out.append(w("The adults will work on: {what}.", what=label))
    return out


def build_children_context(
    result,
    community_id: str,
    *,
    framework=None,
    lang: str | None = None,
    date: dt.date | None = None,
    wave: str | None = None,
) -> dict:
    """Everything the children's edition shows, as plain values in the report's language."""
    from cfeval.i18n import resolve_lang
    from cfeval.results.insights import pick_wave

    fw = framework_of(result, framework)
    lang = resolve_lang(lang)
    check_lang(fw, lang)
    w = words(lang)
    wave = pick_wave(result, community_id, wave)
    crow = result.communities[
        (result.communities["community_id"] == community_id)
        & (result.communities["wave"].astype(str) == wave)
    ].iloc[0]
    name = mask_pii(crow.get("name", "")) or mask_pii(community_id)
    asked = _asked(result, fw, community_id, wave, w)
    return {
        "lang": lang,
        "doc_title": w("What you told us, and what happened"),
        "community": name,
        "date": w.date(date or dt.date.today()),
        "told_us": _told_us(result, fw, community_id, wave, w),
        "asked": asked,
        "next": _next(result, fw, community_id, wave, w, asked),
        "w": {key: w(msg) for key, msg in _PAGE_WORDS.items()}
        | {
            "step4": w(
                N_(
                    "The adults should answer within {days} days, and someone will come "
                    "and tell you what happens."
                ),
                days=_answer_days(fw),
            )
        },
    }
