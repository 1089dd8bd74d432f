"""Standard column names of the data contract (docs/architecture.md), defined once.

Every stage that names these columns imports them from here: the framework (which ids an
item may not take), the data stage (what a file's headers map to), the engine and the
exports. Order matters: it is the order of the tidy frames.
"""

from __future__ import annotations

#: Columns that identify a unit of scoring: one community in one wave.
ID_COLUMNS = ("community_id", "wave")

#: The survey frame's standard columns, in the frame's order (items follow).
SURVEY_REQUIRED = ("community_id", "wave", "respondent", "weight", "respondent_id")
#: stratum, cluster (PSU) and fpc describe a survey design (docs/methods.md, scoring/design.py).
SURVEY_OPTIONAL = ("city", "district", "age", "gender", "stratum", "cluster", "fpc")
SURVEY_COLUMNS = (*SURVEY_REQUIRED, *SURVEY_OPTIONAL)
#: Survey columns held as text; the others (weight, age, fpc) are numbers.
SURVEY_TEXT = (
    "community_id",
    "wave",
    "respondent",
    "respondent_id",
    "city",
    "district",
    "gender",
    "stratum",
    "cluster",
)
SURVEY_NUMBERS = ("weight", "age", "fpc")

#: The audit frame's standard columns, in the frame's order (fields follow).
AUDIT_COLUMNS = ("community_id", "wave", "name", "city", "district")
#: Audit columns that describe the community (passed through to the results).
AUDIT_DESCRIPTION = ("name", "city", "district")

#: Every standard column name, for "is this a standard column?" questions.
STANDARD_COLUMNS = frozenset((*SURVEY_COLUMNS, *AUDIT_COLUMNS))
