"""The method appendix's note on scale reliability: the survey scales whose Cronbach's α
or McDonald's ω is below 0.7 in the data the report was made from.

The coefficients come from :func:`cfeval.results.reliability.reliability` (computed by
whoever has the survey, e.g. ``cfeval report``); this module only puts them into words.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from cfeval.i18n import words

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["THRESHOLD", "reliability_appendix"]

#: The usual bar for a scale used to compare groups.
THRESHOLD = 0.7


def reliability_appendix(
    scales: pd.DataFrame | None, framework, *, lang: str | None
) -> dict[str, Any] | None:
    """Title, lead sentence and one line per scale below :data:`THRESHOLD` (α or ω);
    None when no reliability was computed."""
    if scales is None or len(scales) == 0:
        return None
    w = words(lang)
    ok = scales[scales["status"] == "ok"]
    low = ok[(ok["alpha"] < THRESHOLD) | (ok["omega"] < THRESHOLD)]
    labels = {node.id: w.label(node.label) for _, node in framework.walk()}
    groups = {k: w.label(r.label) for k, r in framework.respondents.items()}
    rows = [
        w(
            "{indicator} ({group}, {k} items): alpha {alpha}, omega {omega}",
            indicator=labels.get(r["indicator"], r["indicator"]),
            group=groups.get(r["respondent"], r["respondent"]),
            k=int(r["k"]),
            alpha=w.number(r["alpha"], 3),
            omega=w.number(r["omega"], 3),
        )
        for _, r in low.iterrows()
    ]
    bar = w.number(THRESHOLD, 1)
    return {
        "title": w("Reliability of the survey scales"),
        "lead": (
            w(
                "{n} of {total} survey scales have a reliability below {bar} (Cronbach's alpha "
                "or McDonald's omega, all communities together); read their scores with care:",
                n=len(rows),
                total=len(ok),
                bar=bar,
            )
            if rows
            else w(
                "Every survey scale has a reliability of at least {bar} (Cronbach's alpha and "
                "McDonald's omega, all communities together).",
                bar=bar,
            )
        ),
        "rows": rows,
    }
