"""The community report's "You said, we did" section: the children's proposals and their fate.

Built from :func:`cfeval.results.proposals.you_said_we_did` (the proposals of the period
with their status) and the result's ``source`` notes (whether the framework's
``proposal_log`` indicators used the log or the audit sheet). The children's words are
quoted as written, phone and ID numbers masked; who raised a proposal is never shown.
Words are in ``proposals.po``.
"""

from __future__ import annotations

from typing import Any

from cfeval._safety import mask_pii
from cfeval.i18n import N_, Words

__all__ = ["STATUS_WORDS", "ANSWER_WORDS", "you_said_section", "log_indicators", "day"]

#: How a status reads in the report.
STATUS_WORDS = {
    "waiting": N_("waiting for an answer"),
    "declined": N_("not taken up"),
    "promised": N_("agreed, not done yet"),
    "done": N_("done"),
}
ANSWER_WORDS = {
    "accepted": N_("accepted"),
    "partly": N_("partly accepted"),
    "declined": N_("declined"),
}
_NOT_YET = N_("not yet")
_COUNT_WORDS = {
    "n": (N_("{n} proposal"), N_("{n} proposals")),
    "done": (N_("{n} done"), N_("{n} done")),
    "promised": (N_("{n} agreed, not done yet"), N_("{n} agreed, not done yet")),
    "declined": (N_("{n} not taken up"), N_("{n} not taken up")),
    "waiting": (N_("{n} waiting for an answer"), N_("{n} waiting for an answer")),
    "reported_back": (
        N_("{n} reported back to the children"),
        N_("{n} reported back to the children"),
    ),
}
_FROM_LOG = N_("{indicators}: computed from the children's proposal log.")
_FROM_AUDIT = N_(
    "{indicators}: taken from the audit sheet, because the proposal log has no proposal of "
    "this community for this period."
)
_NO_LOG = N_(
    "No proposal log was given, so {indicators} come from the audit sheet. A log (`cfeval "
    "template --proposals`) shows each proposal and what became of it."
)


def log_indicators(fw) -> list:
    """The framework's indicators that read the proposal log."""
    return [i for i in fw.indicators() if i.rule.type == "proposal_log"]


def day(w: Words, value: Any) -> str:
    """A date of the log in words, or empty when there is none."""
    import pandas as pd

    if value is None or pd.isna(value):
        return ""
    return w.date(pd.Timestamp(value).date())


def _label(w: Words, fw, kind: str, value: Any) -> str:
    if not isinstance(value, str) or not value:
        return ""
    lists = fw.proposals
    label = None if lists is None else lists.label_of(kind, value)
    return w.label(label) if label else mask_pii(value)


def _source_line(w: Words, fw, has_log: bool, n_rows: int) -> str:
    # The engine uses the log exactly where it has proposals of the community and period.
    sep = "、" if w.lang == "zh" else ", "  # the language's list separator
    names = sep.join(f"“{w.label(i.label)}”" for i in log_indicators(fw))
    if not has_log:
        return w(_NO_LOG, indicators=names)
    return w(_FROM_LOG if n_rows else _FROM_AUDIT, indicators=names)


def you_said_section(result, fw, community_id: str, wave: str, w: Words) -> dict | None:
    """The section's values; None when the framework has no ``proposal_log`` indicator."""
    from cfeval.results.proposals import proposal_counts, you_said_we_did

    if not log_indicators(fw):
        return None
    table = you_said_we_did(result, community_id, wave)
    counts = proposal_counts(table)
    has_log = getattr(result, "proposals", None) is not None
    rows = []
    for r in table.itertuples(index=False):
        told = day(w, r.date_reported_back)
        if told and r.reported_how:
            told = f"{told} · {r.reported_how}"
        rows.append(
            {
                "date": day(w, r.date_raised),
                "topic": _label(w, fw, "topics", r.topic),
                "quote": r.proposal,
                "body": _label(w, fw, "bodies", r.referred_to),
                "answer": w(ANSWER_WORDS[r.answer]) if isinstance(r.answer, str) else "",
                "answered": day(w, r.date_answered),
                "reason": r.reason,
                "action": r.action,
                "told": told or w(_NOT_YET),
                "status": r.status,
                "status_text": w(STATUS_WORDS[r.status]),
            }
        )
    shown = [("n", ""), ("done", "done"), ("promised", "promised"), ("declined", "declined")]
    shown += [("waiting", "waiting"), ("reported_back", "")]
    summary = [
        {"text": w.n(*_COUNT_WORDS[key], counts[key]), "status": status}
        for key, status in shown
        if key == "n" or counts[key]
    ]
    return {
        "title": w("You said, we did"),
        "intro": w(
            "The proposals children made in this period, what the adults answered, what was "
            "done and whether the children were told. The children's words are quoted as "
            "they wrote them; who made a proposal is not shown."
        ),
        "source": _source_line(w, fw, has_log, len(rows)),
        "has_log": has_log,
        "summary": summary if rows else [],
        "empty": w("The proposal log has no proposal of this community for this period.")
        if has_log and not rows
        else "",
        "rows": rows,
        "head": {
            "date": w("Raised"),
            "topic": w("Topic"),
            "quote": w("What the children said"),
            "body": w("Went to"),
            "answer": w("Answer"),
            "action": w("What was done"),
            "told": w("Children told"),
        },
    }
