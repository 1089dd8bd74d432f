"""Respondent-level survey values for the research tools (reliability, breakdowns).

The engine keeps respondent values inside its vectorised pass; these helpers rebuild the
same values from the tidy survey with the same building blocks
(:func:`cfeval.scoring.rules.rescale_items` and the indicator's rule), so a breakdown's
margin is exactly the engine's group score.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from cfeval.errors import UsageError
from cfeval.i18n import Msg

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

    from cfeval.framework.model import Framework, Indicator


def survey_frame(framework: Framework, data: Any) -> pd.DataFrame:
    """The tidy survey of ``data`` (a Dataset or a survey DataFrame) with ids as text."""
    import pandas as pd

    survey = getattr(data, "survey", data)
    if not isinstance(survey, pd.DataFrame):
        raise UsageError(Msg("pass a Dataset (cfeval.load_data) or a survey DataFrame"))
    missing = [c for c in ("community_id", "respondent") if c not in survey.columns]
    if missing:
        raise UsageError(Msg("survey frame lacks column(s) {columns}", columns=", ".join(missing)))
    out = survey.copy(deep=False)
    out["community_id"] = out["community_id"].astype(str)
    out["wave"] = out["wave"].astype(str) if "wave" in out.columns else "1"
    out["respondent"] = out["respondent"].astype(str)
    if "weight" not in out.columns:
        out["weight"] = 1.0
    unknown = sorted(set(out["respondent"]) - set(framework.respondents))
    if unknown:
        raise UsageError(
            Msg(
                "survey has respondent groups the framework does not declare: {groups}",
                groups=", ".join(unknown),
            )
        )
    return out


def survey_indicators(framework: Framework) -> list[tuple[str, Indicator]]:
    """``(path, indicator)`` of every survey indicator, in framework order."""
    from cfeval.framework.model import Indicator

    return [
        (".".join(path), node)
        for path, node in framework.walk()
        if isinstance(node, Indicator) and node.source == "survey"
    ]


def item_matrix(
    framework: Framework, survey: pd.DataFrame, ind: Indicator, group: str
) -> tuple[np.ndarray, list]:
    """The items ``group`` is asked for ``ind``: reverse-coded, rescaled to 0..1 (NaN = no
    valid answer), one row per survey row, and the item objects."""
    import numpy as np

    from cfeval.scoring.rules import rescale_items

    items = ind.items_for(group)
    x = np.empty((len(survey), len(items)), order="F")
    for j, it in enumerate(items):
        x[:, j] = survey[it.id].to_numpy(dtype=np.float64) if it.id in survey.columns else np.nan
    scales = [framework.scales[it.scale] for it in items]
    rescale_items(
        x,
        np.array([s.low for s in scales], dtype=np.float64),
        np.array([s.high for s in scales], dtype=np.float64),
        np.array([it.reverse for it in items], dtype=bool),
    )
    return x, items


def respondent_values(framework: Framework, survey: pd.DataFrame, ind: Indicator) -> np.ndarray:
    """Each survey row's value for ``ind`` on 0..1, as the engine computes it (NaN where the
    row does not count: another group, too few valid answers)."""
    import numpy as np

    from cfeval.scoring.rules import RULES

    y = np.full(len(survey), np.nan)
    resp = survey["respondent"].to_numpy(dtype=object)
    for group in ind.respondents or []:
        rows = resp == group
        if not rows.any() or not ind.items_for(group):
            continue
        x, _ = item_matrix(framework, survey.loc[rows], ind, group)
        scale = framework.scales[ind.items[0].scale]  # the engine's choice of scale
        needed = ind.valid_items_needed(group)
        y[rows] = RULES[ind.rule.type](x, ind.rule, needed=needed, scale=scale)
    return y
