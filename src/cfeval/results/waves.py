"""Change between two waves of an assessment, with an interval for each change.

For every community assessed in both waves and every framework node, the change is
``d = score_to − score_from``. The two waves are independent samples of respondents, so
the variance of the difference is the sum of the waves' variances,
``se_d² = se_from² + se_to²``, and its degrees of freedom combine the waves' by
Welch–Satterthwaite, ``df_d = se_d⁴ / (se_from⁴ / df_from + se_to⁴ / df_to)`` (a wave
without sampling variance, such as an audit-only score, adds nothing to either sum). The
interval is ``d ± t_{(1+level)/2}(df_d) × se_d`` with ``level`` the framework's
``scoring.ci_level`` — the same Student-t construction the engine uses for scores.

Each wave's standard error is the engine's: taken from an ``se`` column when the scores
have one, otherwise recovered from the score's interval, ``se = half / t(df)`` with
``half`` the unclipped side of ``[ci_low, ci_high]`` (the engine clips intervals to
[0, 100] on one side at most unless the interval spans the whole range, which is then
treated as having no usable standard error).

A change is classed from its interval, never from its sign alone:

* ``increase`` / ``decrease`` — the interval lies wholly above / below 0;
* ``no_clear_change`` — the interval covers 0 (or no interval could be formed although
  respondents were behind the score);
* ``exact`` changes — audit-only nodes (no respondents in either wave) have no sampling
  variance: their change is a recorded fact, ``increase`` / ``decrease`` / ``no_change``
  by its sign, with no interval (``basis = "exact"``);
* ``missing`` — the node has no score in one of the waves.

>>> changes = wave_changes(result, waves=("1", "2"))  # doctest: +SKIP
>>> changes.query("kind == 'total'")[["community_id", "change", "ci_low", "ci_high"]]  # doctest: +SKIP
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from cfeval.errors import UsageError
from cfeval.i18n import N_, Msg

if TYPE_CHECKING:
    import pandas as pd

    from cfeval.scoring.result import ScoreResult

__all__ = [
    "CHANGE_CLASSES",
    "CHANGE_COLUMNS",
    "wave_changes",
    "largest_changes",
    "change_words",
    "previous_wave",
]

#: The classes of a change and how people read them (msgids for the catalogue).
CHANGE_CLASSES = {
    "increase": N_("clear improvement"),
    "decrease": N_("clear decline"),
    "no_clear_change": N_("no clear change"),
    "no_change": N_("unchanged"),
    "missing": N_("not comparable"),
}

CHANGE_COLUMNS = [
    "community_id", "path", "node_id", "kind", "level", "wave_from", "wave_to",
    "score_from", "score_to", "change", "se", "df", "ci_low", "ci_high", "ci_level",
    "n_from", "n_to", "change_class", "basis", "grade_from", "grade_to",
    "framework_version_from", "framework_version_to", "version_changed",
]  # fmt: skip

# Scores equal to this many digits are "the same" (floating noise in identical inputs).
_EXACT_TOL = 1e-9


def wave_changes(
    result: ScoreResult,
    waves: tuple[str, str] | list[str] | None = None,
    *,
    previous: ScoreResult | None = None,
) -> pd.DataFrame:
    """Change of every node of every community between two waves, with intervals.

    ``waves`` is ``(from, to)``; by default the two latest waves in the data (in numeric
    order where the wave labels are numbers). With ``previous`` the ``from`` wave is taken
    from that result — for example one scored with the framework version in force at the
    time — and ``framework_version_from`` / ``version_changed`` say whether the two
    framework versions differ, in which case nodes are matched by their path and a node
    present in only one version is ``missing``.

    Returns a tidy frame with the columns of :data:`CHANGE_COLUMNS`, one row per community
    assessed in both waves × node, in community and framework order. ``grade_from`` /
    ``grade_to`` are filled on the total's rows. Raises
    :class:`~cfeval.errors.UsageError` for a wave that is not in the results, the same
    wave twice, or results with fewer than two waves.

    >>> wave_changes(result, ("1", "2")).query("change_class == 'increase'")  # doctest: +SKIP
    """
    import numpy as np

    before = previous if previous is not None else result
    w_from, w_to = _pick_waves(result, before, waves)
    level = float(result.framework.scoring.ci_level)
    a = _wave_frame(before, w_from)
    b = _wave_frame(result, w_to)
    common = sorted(set(a["community_id"]) & set(b["community_id"]))
    if not common:
        raise UsageError(
            Msg(
                "no community was assessed in both wave {old!r} and wave {new!r}",
                old=w_from,
                new=w_to,
            )
        )
    m = _pair_nodes(a[a["community_id"].isin(common)], b[b["community_id"].isin(common)])

    s0, s1 = m["score_from"].to_numpy(float), m["score_to"].to_numpy(float)
    n0 = m["n_from"].fillna(0).to_numpy(np.int64)
    n1 = m["n_to"].fillna(0).to_numpy(np.int64)
    change = s1 - s0
    est = _difference(
        m["se_from"].to_numpy(float),
        m["df_from"].to_numpy(float),
        n0,
        m["se_to"].to_numpy(float),
        m["df_to"].to_numpy(float),
        n1,
        level,
    )
    half = est["t"] * est["se"]
    lo, hi = change - half, change + half
    cls, basis = _classify(change, lo, hi, n0, n1)
    versions = (before.framework, result.framework)
    columns = {"score_from": s0, "score_to": s1, "change": change, "ci_low": lo, "ci_high": hi}
    columns |= {"ci_level": level, "n_from": n0, "n_to": n1}
    return _change_frame(m, (w_from, w_to), versions, est, columns, cls, basis)


def _change_frame(m, waves, versions, est, columns, cls, basis) -> pd.DataFrame:
    """The tidy change table (:data:`CHANGE_COLUMNS`) from the paired nodes and estimates."""
    import numpy as np
    import pandas as pd

    w_from, w_to = waves
    before, after = versions
    names = ("score_from", "score_to", "change", "ci_low", "ci_high", "ci_level", "n_from", "n_to")
    s0, s1, change, lo, hi, level, n0, n1 = (columns[k] for k in names)
    is_total = (m["kind"] == "total").to_numpy()
    v_from, v_to = before.version, after.version
    changed = (before.id, v_from) != (after.id, v_to)
    out = pd.DataFrame(
        {
            "community_id": m["community_id"].astype(object),
            "path": m["path"].astype(object),
            "node_id": m["node_id"].astype(object),
            "kind": m["kind"].astype(object),
            "level": m["level"].astype(np.int64),
            "wave_from": w_from,
            "wave_to": w_to,
            "score_from": s0,
            "score_to": s1,
            "change": change,
            "se": est["se"],
            "df": est["df"],
            "ci_low": lo,
            "ci_high": hi,
            "ci_level": level,
            "n_from": n0,
            "n_to": n1,
            "change_class": cls,
            "basis": basis,
            "grade_from": np.where(is_total, m["grade_from"].astype(object), None),
            "grade_to": np.where(is_total, m["grade_to"].astype(object), None),
            "framework_version_from": v_from,
            "framework_version_to": v_to,
            "version_changed": changed,
        }
    )
    return out[CHANGE_COLUMNS]


def _pair_nodes(a: pd.DataFrame, b: pd.DataFrame) -> pd.DataFrame:
    """Each community's nodes of wave ``a`` beside those of wave ``b``, matched by path."""
    keep = ["community_id", "path", "score", "se", "df", "n", "grade"]
    # The later wave's framework gives the order and the node descriptions; nodes only in
    # the earlier one are appended after them.
    m = b[["community_id", "path", "node_id", "kind", "level", *keep[2:]]].merge(
        a[["community_id", "path", "node_id", "kind", "level", *keep[2:]]],
        on=["community_id", "path"],
        how="outer",
        suffixes=("_to", "_from"),
        sort=False,
    )
    for col in ("node_id", "kind", "level"):
        m[col] = m[f"{col}_to"].where(m[f"{col}_to"].notna(), m[f"{col}_from"])
    order = {p: i for i, p in enumerate(dict.fromkeys([*b["path"], *a["path"]]))}
    m["_order"] = m["path"].map(order)
    m = m.sort_values(["community_id", "_order"], kind="stable").reset_index(drop=True)
    return m


def previous_wave(result: ScoreResult, community_id: str, wave: str) -> str | None:
    """The latest wave of ``community_id`` before ``wave`` in ``result``, or None."""
    waves = result.communities.loc[
        result.communities["community_id"].astype(str) == str(community_id), "wave"
    ]
    earlier = [w for w in waves.astype(str).unique() if _wave_key(w) < _wave_key(str(wave))]
    return max(earlier, key=_wave_key) if earlier else None


def largest_changes(
    changes: pd.DataFrame, community_id: str, count: int = 3, kinds=("indicator",)
) -> pd.DataFrame:
    """The ``count`` largest changes (by size, either direction) of one community's nodes.

    Rows without a comparable change are left out; ties keep framework order.
    """
    rows = changes[
        (changes["community_id"] == community_id)
        & changes["kind"].isin(list(kinds))
        & (changes["change_class"] != "missing")
    ]
    size = rows["change"].abs()
    return (
        rows.assign(_size=size)
        .sort_values("_size", ascending=False, kind="stable")
        .drop(columns="_size")
        .head(count)
    )


def change_words(row: Any, lang: str | None = None) -> str:
    """How a change reads: its class in words (``clear improvement``, ``no clear change``)."""
    from cfeval.i18n import words

    return words(lang)(CHANGE_CLASSES[row["change_class"]])


# -- pieces ---------------------------------------------------------------------------


def _wave_key(w: str) -> tuple:
    """Numeric waves in numeric order ("2" < "10"), others after them, alphabetically."""
    try:
        return (0, float(w), w)
    except ValueError:
        return (1, 0.0, w)


def _pick_waves(result, before, waves) -> tuple[str, str]:
    have_to = set(result.scores["wave"].astype(str))
    have_from = set(before.scores["wave"].astype(str))
    if waves is None:
        if before is not result:
            return max(have_from, key=_wave_key), max(have_to, key=_wave_key)
        ordered = sorted(have_to, key=_wave_key)
        if len(ordered) < 2:
            raise UsageError(
                Msg(
                    "the results have only one wave ({waves}); a change needs two waves",
                    waves=", ".join(ordered),
                )
            )
        return ordered[-2], ordered[-1]
    waves = [str(w).strip() for w in waves]
    if len(waves) != 2:
        raise UsageError(Msg("give two waves to compare (from, to), not {n}", n=len(waves)))
    w_from, w_to = waves
    if w_from == w_to and before is result:
        raise UsageError(
            Msg("wave {wave!r} compared with itself: give two different waves", wave=w_from)
        )
    for w, have in ((w_from, have_from), (w_to, have_to)):
        if w not in have:
            known = ", ".join(sorted(have, key=_wave_key))
            raise UsageError(
                Msg("wave {wave!r} is not in the results; waves: {known}", wave=w, known=known)
            )
    return w_from, w_to


def _wave_frame(result, wave: str) -> pd.DataFrame:
    """One wave's scores with each node's standard error and the total's grade."""
    import numpy as np

    s = result.scores
    rows = s[s["wave"].astype(str) == wave].copy()
    level = float(result.framework.scoring.ci_level)
    if "se" in rows.columns:
        se = rows["se"].to_numpy(float)
    else:
        se = _se_from_interval(
            rows["score"].to_numpy(float),
            rows["ci_low"].to_numpy(float),
            rows["ci_high"].to_numpy(float),
            rows["df"].to_numpy(float),
            level,
        )
    rows["se"] = np.where(rows["n"].to_numpy() > 0, se, 0.0)
    rows["community_id"] = rows["community_id"].astype(str)
    if "grade" not in rows.columns:
        rows["grade"] = None
    return rows


def _t(level: float, df):
    import numpy as np
    from scipy.special import stdtrit

    df = np.asarray(df, dtype=float)
    out = np.full(df.shape, np.nan)
    ok = np.isfinite(df) & (df > 0)
    out[ok] = stdtrit(df[ok], 0.5 + level / 2)
    return out


def _se_from_interval(score, lo, hi, df, level):
    """The standard error behind ``[lo, hi]``: the unclipped half-width over ``t(df)``."""
    import numpy as np

    half = np.fmax(hi - score, score - lo)
    whole = (lo <= 0) & (hi >= 100) & (hi - lo > 0)  # clipped on both sides: unknown
    se = half / _t(level, df)
    se[whole] = np.nan
    return se


def _difference(se0, df0, n0, se1, df1, n1, level: float) -> dict:
    """Standard error, Welch–Satterthwaite df and t quantile of ``score_to − score_from``."""
    import numpy as np

    v0 = np.where(n0 > 0, se0 * se0, 0.0)
    v1 = np.where(n1 > 0, se1 * se1, 0.0)
    var = v0 + v1
    with np.errstate(divide="ignore", invalid="ignore"):
        den = np.where(v0 > 0, v0 * v0 / df0, 0.0) + np.where(v1 > 0, v1 * v1 / df1, 0.0)
        df = np.where(den > 0, var * var / den, np.nan)
    # Zero variance from respondents (every answer at the same value): the interval is
    # the point; its df is that of the waves that had respondents.
    zero = (var == 0) & ((n0 > 0) | (n1 > 0))
    df = np.where(zero, np.fmax(np.where(n0 > 0, df0, np.nan), np.where(n1 > 0, df1, np.nan)), df)
    se = np.sqrt(var)
    audit_only = (n0 == 0) & (n1 == 0)
    se[audit_only] = np.nan
    df[audit_only] = np.nan
    t = _t(level, df)
    t[zero & ~np.isfinite(t)] = 0.0
    return {"se": se, "df": df, "t": t}


def _classify(change, lo, hi, n0, n1):
    import numpy as np

    audit_only = (n0 == 0) & (n1 == 0)
    has = np.isfinite(change)
    cls = np.full(change.shape, "no_clear_change", dtype=object)
    cls[has & (lo > 0)] = "increase"
    cls[has & (hi < 0)] = "decrease"
    exact = has & audit_only
    cls[exact] = np.where(
        np.abs(change[exact]) <= _EXACT_TOL,
        "no_change",
        np.where(change[exact] > 0, "increase", "decrease"),
    )
    cls[~has] = "missing"
    basis = np.where(
        ~has, "none", np.where(audit_only, "exact", np.where(np.isfinite(lo), "interval", "none"))
    ).astype(object)
    return cls, basis
