"""The words of the reports: the UI words templates use as ``t.key``, issue-code names.

The words are English message ids here and live in the report catalogue
(``locale/<lang>/LC_MESSAGES/report.po``), one place per language; :func:`report_words`
gives them in a report's language. Everything a reader sees is one of these words, a
framework label in the report's language or data (community names, cities), so a Chinese
report carries no stray English. Numbers, percentages and dates are formatted by
:class:`cfeval.i18n.Words` for the locale; the interval's level is the framework's
``scoring.ci_level``, never a typed "95%".
"""

from __future__ import annotations

from cfeval.i18n import N_, words

__all__ = ["UI", "ISSUE_CODES", "NOT_APPLICABLE", "issue_name", "report_words"]

#: What an empty cell shows, in every language.
NOT_APPLICABLE = "—"

# Keys are used by the templates as ``t.key``; ``{level}`` is filled in with the framework's
# interval level, other fields (``{rank}``, ``{label}`` ...) by the context or template.
UI: dict[str, str] = {
    "report_title": N_("Child-Friendly Community Assessment Report"),
    "comparison_title": N_("Child-Friendly Community Comparison Report"),
    "community": N_("Community"),
    "community_id": N_("Community ID"),
    "city": N_("City"),
    "district": N_("District"),
    "wave": N_("Wave"),
    "date": N_("Assessment date"),
    "framework": N_("Framework"),
    "version": N_("Version"),
    "overall": N_("Overall score"),
    "grade": N_("Grade"),
    "interval": N_("{level} interval"),
    "points": N_("Points"),
    "max_points": N_("Max"),
    "score": N_("Score"),
    "summary": N_("Summary"),
    "radar_caption": N_(
        "Dimension scores (0–100) against the median of the communities assessed together"
    ),
    "this_community": N_("This community"),
    "peer_median": N_("Peer median"),
    "key_numbers": N_("Key numbers"),
    "rank": N_("Rank among peers"),
    "rank_value": N_("{rank} of {total}"),
    # grades without enough evidence (scoring.min_coverage_for_grade) and thin peer groups
    "grade_provisional": N_(
        "Provisional: data cover {coverage} of the points; a final grade needs {need}"
    ),
    "grade_withheld": N_("No grade: data cover {coverage} of the points; a grade needs {need}"),
    "status_provisional": N_("Provisional"),
    "rank_too_few": N_("— (fewer than {n} communities assessed together)"),
    "missing_title": N_("Indicators without data"),
    "bonus_points": N_("Bonus"),
    "coverage": N_("Data coverage"),
    "respondents": N_("Respondents"),
    "dimension": N_("Dimension"),
    "indicator": N_("Indicator"),
    "method": N_("Method"),
    "result": N_("Result"),
    "n": N_("n"),
    "status": N_("Status"),
    "groups": N_("By group"),
    "views_title": N_("Children's views beside adults'"),
    "views_caption": N_(
        "Survey indicators by respondent group (0–100); whiskers show {level} intervals"
    ),
    "insufficient_n": N_("insufficient data (n={n})"),
    "no_data": N_("no data"),
    "colon": N_(": "),
    "strengths": N_("Strengths"),
    "priorities": N_("Priorities for improvement"),
    "potential_gain": N_("Possible gain"),
    "recommendation": N_("Recommendation"),
    "no_priorities": N_("Every indicator already reaches full marks."),
    "notes": N_("Bonus and veto notes"),
    "no_notes": N_("No bonus, veto or missing-data notes."),
    "bonus_note": N_("Bonus: {label} (+{points})"),
    "veto_note": N_("Veto: {label}. Grade lowered from “{before}” to “{after}”."),
    "missing_note": N_("Missing data: {label}"),
    "insufficient_note": N_("Insufficient sample: {label}"),
    "appendix": N_("Data quality and method"),
    "respondents_by_group": N_("Respondents per group"),
    "excluded_rows": N_("Rows excluded from the whole data set, by reason"),
    "no_exclusions": N_("No rows of the data set were excluded."),
    "reason": N_("Reason"),
    "rows": N_("Rows"),
    "provenance": N_("Framework provenance"),
    "fingerprint": N_("Data fingerprint (first 16 hex digits of SHA-256)"),
    "software": N_("Software"),
    "method_text_points": N_(
        "Points method: each indicator earns its points times its attainment (0–1); dimensions and the total add up their parts, out of {total}."
    ),
    "method_text_index": N_(
        "Index method: attainments are rescaled to 0–100 and averaged with weights at every level."
    ),
    "method_text_ci": N_(
        "Survey indicators average each respondent group first (weighted), then combine the groups by their weights; {level} intervals use a Taylor-linearised variance with the HC2 small-sample correction and t quantiles, so fewer respondents give wider intervals. Groups below their minimum sample size are flagged, not shown as precise results."
    ),
    "page": N_("Page {page} of {pages}"),
    "ranking_title": N_("Ranking by overall score"),
    "ranking_caption": N_(
        "Dots are overall scores, lines their {level} intervals; communities whose intervals overlap should not be told apart."
    ),
    "heatmap_title": N_("Dimension scores by community"),
    "distribution_title": N_("Grades by city"),
    "table_title": N_("Results at a glance"),
    "communities_count": N_("Communities assessed"),
    "status_ok": N_("OK"),
    "status_insufficient": N_("Insufficient"),
    "status_missing": N_("Missing"),
    "status_veto": N_("Veto"),
    "vetoed": N_("Veto applied"),
    "contents_note": N_(
        "Generated from the assessment data; every score carries its uncertainty interval."
    ),
}

#: Names of the data report's issue codes (the excluded-rows table of the appendix).
ISSUE_CODES: dict[str, str] = {
    "missing-column": N_("Missing column"),
    "unknown-community": N_("Unknown community"),
    "unknown-respondent-group": N_("Unknown respondent group"),
    "out-of-range": N_("Value out of range"),
    "unknown-code": N_("Unknown answer code"),
    "not-a-number": N_("Not a number"),
    "duplicate-respondent": N_("Duplicate respondent"),
    "empty-file": N_("Empty file"),
    "no-data-rows": N_("No data rows"),
    "bad-weight": N_("Invalid weight"),
    "missing-community-id": N_("Missing community ID"),
    "missing-wave": N_("Missing wave"),
    "duplicate-community": N_("Duplicate community"),
    "not-a-boolean": N_("Not a yes/no value"),
    "unknown-category": N_("Unknown category"),
    # the children's proposal log (cfeval.data.proposals)
    "missing-date": N_("Missing date"),
    "not-a-date": N_("Not a date"),
    "dates-out-of-order": N_("Dates out of order"),
    "unknown-answer": N_("Unknown answer"),
    "missing-answer": N_("Answer missing"),
}


def report_words(lang: str, ci_level: float = 0.95) -> dict[str, str]:
    """Every word of :data:`UI` in ``lang``, ``{level}`` filled in with ``ci_level``.

    >>> report_words("en", 0.9)["interval"]
    '90% interval'
    >>> report_words("zh", 0.9)["interval"]
    '90% 置信区间'
    """
    w = words(lang)
    level = w.percent(ci_level)
    out = {key: w(msg, level=level) if "{level}" in msg else w(msg) for key, msg in UI.items()}
    out["not_applicable"] = NOT_APPLICABLE
    return out


def issue_name(code: str, lang: str) -> str:
    """The name of a data-issue code in ``lang`` (the code itself when it has none)."""
    msg = ISSUE_CODES.get(code)
    return words(lang)(msg) if msg else code
