"""The imperfections real files have, put into a synthetic sample on purpose.

A handful of broken survey rows (one per data-report code in :data:`BROKEN_CODES`), one
audit value not recorded and one serious incident for the veto; each is recorded in
``Sample.injected`` with the spreadsheet row it lands on, so tests and the README can
say what the data report must find.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from cfeval.sample.draw import questionnaire

if TYPE_CHECKING:
    from cfeval.framework.model import Framework
    from cfeval.sample.draw import Sample

__all__ = ["BROKEN_CODES", "add_imperfections"]

#: The data-report codes the deliberately broken survey rows should produce.
BROKEN_CODES = (
    "out-of-range",
    "not-a-number",
    "unknown-respondent-group",
    "unknown-community",
    "duplicate-respondent",
)


def add_imperfections(fw: Framework, sample: Sample) -> None:
    """Put the deliberately broken rows into the survey and one blank cell into the audit.

    Records each in ``sample.injected``: file, row (as a spreadsheet shows it: the header
    is row 1), column, value, code and what was done.
    """
    keys = ("file", "row", "column", "value", "code", "what")
    injected: list[dict[str, Any]] = []

    def note(*values: Any) -> None:
        injected.append(dict(zip(keys, values, strict=True)))

    _break_survey(fw, sample, note)
    _break_audit(fw, sample, note)
    for item in injected:
        item["row"] = int(item["row"]) + 2  # as a spreadsheet shows it: the header is row 1
    sample.injected = injected


def _break_survey(fw: Framework, sample: Sample, note) -> None:
    """One broken survey row per code of :data:`BROKEN_CODES`."""
    import pandas as pd

    s = sample.survey
    chengdu = [c.id for c in sample.communities if c.id.startswith("CD-")]

    def first_row(cid: str, group: str | None = None, answered: str | None = None) -> int:
        mask = s["community_id"] == cid
        if group is not None and answered is not None:
            # prefer a cell that held an answer; any row of the community will still do
            picked = mask & (s["respondent"] == group) & s[answered].notna()
            mask = picked if picked.any() else mask
        return int(mask.idxmax())

    # the first item each group answers: the broken cells go where a real answer was
    asked = [(g, q[0][1]) for g in fw.respondents if (q := questionnaire(fw, g))]
    (g0, it0), (g1, it1) = asked[0], asked[-1]
    for col in dict.fromkeys((it0.id, it1.id)):  # only these two lose their integer dtype
        s[col] = s[col].astype(object)
    scale = fw.scales[it0.scale]
    bad = max(scale.values) + 1
    while bad in scale.missing_codes:
        bad += 1
    r = first_row(chengdu[0], g0, it0.id)
    s.at[r, it0.id] = bad
    note("survey", r, it0.id, bad, "out-of-range", "answer outside the scale")
    r = first_row(chengdu[1], g1, it1.id)
    s.at[r, it1.id] = "很好"
    note("survey", r, it1.id, "很好", "not-a-number", "free text in an answer column")
    r = first_row(chengdu[2])
    group = "teacher" if "teacher" not in fw.respondents else "visitor"
    s.at[r, "respondent"] = group
    note(
        "survey",
        r,
        "respondent",
        group,
        "unknown-respondent-group",
        "a group the framework does not declare",
    )
    r = first_row(chengdu[3])
    wrong = chengdu[3][:-3] + "000"
    s.at[r, "community_id"] = wrong
    note("survey", r, "community_id", wrong, "unknown-community", "a mistyped community id")
    r = first_row(chengdu[4])
    s = pd.concat([s.loc[:r], s.loc[[r]], s.loc[r + 1 :]], ignore_index=True)
    note(
        "survey",
        r + 1,
        "respondent_id",
        s.at[r, "respondent_id"],
        "duplicate-respondent",
        "the same response submitted twice",
    )
    sample.survey = s


def _break_audit(fw: Framework, sample: Sample, note) -> None:
    """One audit value not recorded, and one serious incident when there is a veto."""
    audit = sample.audit
    # one audit value not recorded, to show a missing indicator and renormalisation
    indicator_fields = {ind.field for ind in fw.indicators() if ind.field}
    numbers = [
        k for k, spec in fw.fields.items() if spec.type == "number" and k in indicator_fields
    ]
    if numbers:
        r = int(audit["community_id"].str.startswith("HZ-").idxmax())
        audit.at[r, numbers[0]] = float("nan")
        note("audit", r, numbers[0], "", "missing", "value not recorded (the indicator is missing)")
    # one serious incident: a good Chengdu community with a single wave, for the veto demo
    if fw.veto:
        v = fw.veto[0]
        single = [c for c in sample.communities if c.id.startswith("CD-") and c.waves == (1,)]
        target = sorted(single, key=lambda c: -c.quality)[2]
        r = int((audit["community_id"] == target.id).idxmax())
        audit.at[r, v.field] = int(v.when)
        note(
            "audit",
            r,
            v.field,
            int(v.when),
            "veto",
            f"serious incident in {target.id}: veto {v.id!r} applies",
        )
