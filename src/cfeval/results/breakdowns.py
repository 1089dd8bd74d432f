"""Survey indicators broken down by a respondent column, with small-cell suppression.

For each community × wave × survey indicator × respondent group, the respondents' values
(the engine's, see :mod:`cfeval.results._survey`) are averaged within each category of a
column (gender, age band, school, ...) and over all of them (the margin, ``is_total``).

**Intervals** are the engine's for a group mean: the HC2-linearised variance of a weighted
mean, ``Σ h²(y − ȳ)² / (1 − h)`` with ``h = w / Σw``, and a Student-t quantile with the
Bell–McCaffrey degrees of freedom of the weights (``n − 1`` for equal weights), at the
framework's ``scoring.ci_level``. The margin row therefore equals the engine's
``by_group`` row exactly.

**Suppression.** A category cell with fewer respondents than its group's ``min_n`` is not
shown (``suppression = "small_cell"``): its score, interval and counts are blank. Because
the margin is shown, a single hidden cell could be recovered from it and the other cells
(the margin is the weighted mean of the cells); so whenever exactly one category of a row
(community × wave × indicator × group) is hidden, the smallest shown category is hidden
too (``"complementary"``), so that at least two cells are always hidden together.
Respondents with no value in the column form their own category (``category`` empty), so
they cannot be recovered either. A margin below ``min_n`` is hidden like any cell.

>>> b = breakdown(fw, data, "gender")  # doctest: +SKIP
>>> b.table.query("not suppressed")[["community_id", "indicator", "category", "score"]]  # doctest: +SKIP
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cfeval.errors import UsageError
from cfeval.i18n import Msg

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

    from cfeval.framework.model import Framework

__all__ = ["Breakdown", "breakdown", "suppress", "BREAKDOWN_COLUMNS"]

BREAKDOWN_COLUMNS = [
    "community_id", "wave", "path", "indicator", "respondent", "variable", "category",
    "is_total", "n", "n_eff", "score", "ci_low", "ci_high", "df", "ci_level", "min_n",
    "suppressed", "suppression",
]  # fmt: skip
_ROW_KEYS = ["community_id", "wave", "indicator", "respondent"]
# Columns that never make a breakdown: identifiers, the grouping itself, the weights.
_NOT_BY = {"community_id", "wave", "respondent", "respondent_id", "weight"}


@dataclass
class Breakdown:
    """A breakdown table (:data:`BREAKDOWN_COLUMNS`) and what it was split by."""

    table: pd.DataFrame
    variable: str
    ci_level: float

    def write(self, path: str | Path) -> list[Path]:
        """Write the table (``.csv`` or ``.xlsx``; ``.dta``/``.sav`` through
        :func:`cfeval.results.analysis_export.write_analysis`)."""
        from cfeval.results.tabular import write_tables

        return write_tables({"breakdown": self.table}, path)


def breakdown(
    framework: Framework,
    data: Any,
    by: str,
    *,
    bins: list[float] | None = None,
    indicators: list[str] | None = None,
) -> Breakdown:
    """Every survey indicator's group scores by the categories of survey column ``by``.

    ``data`` is a :class:`cfeval.data.Dataset` or a tidy survey frame (which may carry any
    extra column, such as ``school``). ``bins`` cuts a numeric column into bands
    ``[b0, b1), [b1, b2), ...`` (``age`` with ``[6, 10, 13, 18]``); values outside them
    count as missing. ``indicators`` limits the table to those indicator ids.

    >>> breakdown(fw, data, "age", bins=[6, 10, 13, 18]).table  # doctest: +SKIP
    """
    import numpy as np
    import pandas as pd

    from cfeval.results._survey import respondent_values, survey_frame, survey_indicators

    survey = survey_frame(framework, data)
    _check_column(framework, survey, by)
    cats = _categories(survey[by], bins)
    chosen = _chosen(framework, survey_indicators(framework), indicators)
    level = float(framework.scoring.ci_level)
    unit = survey["community_id"].astype(str) + "\x1f" + survey["wave"].astype(str)
    unit_codes, unit_names = pd.factorize(unit, sort=True)
    cat_codes, cat_names = pd.factorize(cats, sort=True)  # NaN (missing) → -1
    n_cat = len(cat_names) + 1  # the last code is "missing"
    cat_codes = np.where(cat_codes < 0, n_cat - 1, cat_codes)
    w_all = survey["weight"].to_numpy(dtype=np.float64)
    resp = survey["respondent"].to_numpy(dtype=object)
    parts = []
    for path, ind in chosen:
        y_all = respondent_values(framework, survey, ind)
        for group in ind.respondents or []:
            rows = (resp == group) & ~np.isnan(y_all)
            if not rows.any():
                continue
            frame = _cells(y_all[rows], w_all[rows], unit_codes[rows], cat_codes[rows], n_cat)
            frame["path"], frame["indicator"], frame["respondent"] = path, ind.id, group
            frame["min_n"] = framework.respondents[group].min_n
            parts.append(frame)
    if not parts:
        return Breakdown(pd.DataFrame(columns=BREAKDOWN_COLUMNS), by, level)
    table = _finish(pd.concat(parts, ignore_index=True), unit_names, cat_names, chosen, level)
    table["variable"] = by
    return Breakdown(table[BREAKDOWN_COLUMNS].reset_index(drop=True), by, level)


def _check_column(framework: Framework, survey: pd.DataFrame, by: str) -> None:
    """Refuse a ``by`` that is not a respondent column, naming the ones that are."""
    if by in _NOT_BY or by not in survey.columns:
        usable = [c for c in survey.columns if c not in _NOT_BY and not _is_item(framework, c)]
        raise UsageError(
            Msg(
                "cannot break down by {by!r}: choose a respondent column ({columns})",
                by=by,
                columns=", ".join(usable) or "-",
            )
        )


def _chosen(framework: Framework, chosen: list, indicators: list[str] | None) -> list:
    """The survey indicators to break down: all, or those named (unknown ids refused)."""
    if indicators is None:
        return chosen
    unknown = sorted(set(indicators) - {ind.id for _, ind in chosen})
    if unknown:
        raise UsageError(
            Msg(
                "not survey indicators of {framework}: {ids}",
                framework=framework.id,
                ids=", ".join(unknown),
            )
        )
    return [(p, ind) for p, ind in chosen if ind.id in set(indicators)]


def _finish(table: pd.DataFrame, unit_names, cat_names, chosen: list, level: float) -> pd.DataFrame:
    """Ids, category names, intervals, suppression and order on the stacked cells."""
    import numpy as np
    import pandas as pd

    ids = pd.Series(unit_names).str.split("\x1f", n=1, expand=True)
    table["community_id"] = ids[0].to_numpy(dtype=object)[table["unit"]]
    table["wave"] = ids[1].to_numpy(dtype=object)[table["unit"]]
    names = np.array([*map(str, cat_names), None], dtype=object)
    table["category"] = np.where(table["is_total"], None, names[table["cat"].clip(0)])
    table["ci_level"] = level
    half = _t(level, table["df"].to_numpy()) * table["se"].to_numpy()
    table["ci_low"] = np.clip(table["score"] - half, 0, 100)
    table["ci_high"] = np.clip(table["score"] + half, 0, 100)
    table = suppress(table)
    order = {ind.id: i for i, (_, ind) in enumerate(chosen)}
    table["_o"] = table["indicator"].map(order)
    table = table.sort_values(
        ["community_id", "wave", "_o", "respondent", "is_total", "cat"], kind="stable"
    )
    return table


def suppress(table: pd.DataFrame) -> pd.DataFrame:
    """Mark and blank small cells and their complements (see the module's description).

    ``table`` has one row per cell with ``community_id, wave, indicator, respondent,
    is_total, n, min_n`` (and the values to blank); returns a copy with ``suppressed`` and
    ``suppression`` filled and the hidden cells' numbers set to NaN.
    """
    import numpy as np

    t = table.copy()
    small = (t["n"] < t["min_n"]).to_numpy()
    reason = np.where(small, "small_cell", "").astype(object)
    cats = t[~t["is_total"].to_numpy()]
    totals = t[t["is_total"]].set_index(_ROW_KEYS)
    for key, cells in cats.groupby(_ROW_KEYS, sort=False):
        hidden = small[cells.index]
        total_shown = key in totals.index and not (totals.loc[key, "n"] < totals.loc[key, "min_n"])
        # Only a published margin lets a lone hidden cell be derived.
        while total_shown and hidden.sum() == 1 and (~hidden).any():
            shown = np.flatnonzero(~hidden)
            pick = shown[np.argmin(cells["n"].to_numpy()[shown])]  # first of equals: stable
            hidden[pick] = True
            reason[cells.index[pick]] = "complementary"
    t["suppressed"] = reason != ""
    t["suppression"] = reason
    blank = t["suppressed"].to_numpy()
    for col in ("n", "n_eff", "score", "ci_low", "ci_high", "df", "se"):
        if col in t.columns:
            t[col] = t[col].astype(np.float64)
            t.loc[blank, col] = np.nan
    return t


# -- pieces ---------------------------------------------------------------------------


def _is_item(framework: Framework, column: str) -> bool:
    return any(it.id == column for it in framework.items())


def _categories(col: pd.Series, bins: list[float] | None) -> pd.Series:
    import pandas as pd

    if bins is None:
        return col.astype(object).where(col.notna(), None).map(lambda v: v if v is None else str(v))
    edges = sorted(float(b) for b in bins)
    if len(edges) < 2 or len(set(edges)) != len(edges):
        raise UsageError(Msg("bins need at least two different edges, got {bins}", bins=bins))
    values = pd.to_numeric(col, errors="coerce")
    labels = [f"[{a:g}, {b:g})" for a, b in zip(edges, edges[1:], strict=False)]
    return pd.cut(values, edges, right=False, labels=labels).astype(object)


def _cells(y, w, unit, cat, n_cat: int) -> pd.DataFrame:
    """Weighted mean, HC2 variance and Bell–McCaffrey df of every unit × category cell
    and of every unit (the margin)."""
    import numpy as np
    import pandas as pd

    out = []
    for is_total, code in ((False, unit * n_cat + cat), (True, unit)):
        uniq, inv = np.unique(code, return_inverse=True)
        stats = _weighted_mean_stats(y, w, inv, len(uniq))
        stats["unit"] = uniq // n_cat if not is_total else uniq
        stats["cat"] = uniq % n_cat if not is_total else -1
        stats["is_total"] = is_total
        out.append(pd.DataFrame(stats))
    return pd.concat(out, ignore_index=True)


def _weighted_mean_stats(y, w, cell, K: int) -> dict[str, np.ndarray]:
    """Per cell: n, Kish n_eff, 100·ȳ, 100·se (HC2) and Bell–McCaffrey df.

    The df is ``tr(B)² / tr(B²)`` for the HC2 quadratic form ``B = M'CM`` (``M = I − 1h'``,
    ``C = diag(h²/(1−h))``), expanded into sums over the cell (docs/methods.md); equal
    weights give exactly ``n − 1``.
    """
    import numpy as np

    def csum(x):
        return np.bincount(cell, weights=x, minlength=K)

    n = np.bincount(cell, minlength=K).astype(np.float64)
    W = csum(w)
    ybar = csum(w * y) / W
    h = w / W[cell]
    q = 1 - h
    lone = q <= 0
    q[lone] = np.inf
    r = y - ybar[cell]
    var = csum(h * h * r * r / q)
    s = csum(h * h)
    c = h * h / q
    c0, c1, c2, q2 = csum(c), csum(c * h), csum(c * h * h), csum(c * c)
    q3 = q2 - c2  # Σ c²h, since c(1 − h) = h²
    tr_b = c0 * (1 + s) - 2 * c1
    tr_b2 = (1 + 2 * s) * q2 - 4 * q3 + 2 * c0 * c2 + (s * c0) ** 2 + 2 * c1**2 - 4 * s * c0 * c1
    ok = (n > 1) & (tr_b2 > 0)
    df = np.divide(tr_b * tr_b, tr_b2, out=np.full(K, np.nan), where=ok)
    var[n < 2] = np.nan
    return {
        "n": n.astype(np.int64),
        "n_eff": W * W / csum(w * w),
        "score": 100 * ybar,
        "se": 100 * np.sqrt(var),
        "df": df,
    }


def _t(level: float, df) -> np.ndarray:
    import numpy as np
    from scipy.special import stdtrit

    df = np.asarray(df, dtype=float)
    out = np.full(df.shape, np.nan)
    ok = np.isfinite(df) & (df > 0)
    out[ok] = stdtrit(df[ok], 0.5 + level / 2)
    return out
