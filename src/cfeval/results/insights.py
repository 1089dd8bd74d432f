"""What a score means for one community, as tidy tables: peers, rank, strengths,
priorities and the gaps between respondent groups.

Every function reads a :class:`~cfeval.scoring.result.ScoreResult` only (it never scores)
and returns a :class:`pandas.DataFrame`, so a report, a notebook and the CLI get the same
numbers. A community's functions look at one wave: the one asked for, else the
community's latest (reports describe the current state of a community). Peers are the
communities scored together in the same wave, the community itself included.

>>> cfeval.priorities(result, "C01")  # doctest: +SKIP
  node_id            path  ...  potential_gain  recommendation
0   space   dim_b.space  ...            10.0  Enlarge.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from cfeval.errors import UsageError
from cfeval.i18n import resolve_lang, words

if TYPE_CHECKING:
    import pandas as pd

    from cfeval.scoring.result import ScoreResult

__all__ = ["peers", "peer_medians", "rank", "strengths", "priorities", "shortfalls", "pick_wave"]

# A gain below this is rounding noise of a node already at full attainment.
_GAIN_EPS = 1e-9


def _wave_key(wave: str) -> tuple[int, str]:
    """Waves in time order: "10" after "9" (by length, then text), as reports sort them."""
    return (len(wave), wave)


def pick_wave(result: ScoreResult, community_id: str, wave: str | None = None) -> str:
    """The wave a community's insights describe: ``wave`` if given, else its latest.

    Raises :class:`~cfeval.errors.UsageError` for a community or wave not in the results.
    """
    comm = result.communities
    waves = sorted(comm.loc[comm["community_id"] == community_id, "wave"].astype(str).unique())
    w = words(resolve_lang(None))
    if not waves:
        raise UsageError(w("no community {community} in the results", community=community_id))
    if wave is None:
        return max(waves, key=_wave_key)
    if str(wave) not in waves:
        raise UsageError(
            w(
                "community {community} has no wave {wave} (its waves: {waves})",
                community=community_id,
                wave=wave,
                waves=", ".join(waves),
            )
        )
    return str(wave)


def _one(frame: pd.DataFrame, community_id: str, wave: str) -> pd.DataFrame:
    return frame[(frame["community_id"] == community_id) & (frame["wave"].astype(str) == wave)]


def _same_wave(frame: pd.DataFrame, wave: str) -> pd.DataFrame:
    return frame[frame["wave"].astype(str) == wave]


def _num(value: Any) -> float | None:
    if value is None:
        return None
    try:
        f = float(value)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(f) else f


def peers(result: ScoreResult, community_id: str, *, wave: str | None = None) -> pd.DataFrame:
    """The communities ``community_id`` is compared with: every community of its wave.

    Columns: ``community_id, wave, name, score, grade, is_self``, best score first (ties by
    id; communities without a score last).
    """
    wave = pick_wave(result, community_id, wave)
    comm = _same_wave(result.communities, wave)
    cols = [c for c in ("community_id", "wave", "name", "score", "grade") if c in comm.columns]
    out = comm[cols].copy()
    out["wave"] = out["wave"].astype(str)
    out["score"] = out["score"].astype(float)
    out["is_self"] = out["community_id"] == community_id
    out = out.sort_values(["score", "community_id"], ascending=[False, True], na_position="last")
    return out.reset_index(drop=True)


def peer_medians(
    result: ScoreResult, community_id: str, *, wave: str | None = None
) -> pd.DataFrame:
    """This community's score beside the peer median, for every node of the framework.

    Columns: ``node_id, path, kind, level, score, peer_median, n_peers`` in framework order;
    ``n_peers`` counts the peers with a score for the node (this community included), and
    ``peer_median`` is NaN when none has one.
    """
    import pandas as pd

    wave = pick_wave(result, community_id, wave)
    same = _same_wave(result.scores, wave)
    stats = (
        same.assign(score=same["score"].astype(float))
        .groupby("node_id", sort=False)["score"]
        .agg(peer_median="median", n_peers="count")
    )
    mine = _one(result.scores, community_id, wave)[["node_id", "path", "kind", "level", "score"]]
    out = mine.merge(stats, left_on="node_id", right_index=True, how="left")
    out["score"] = out["score"].astype(float)
    out["n_peers"] = out["n_peers"].fillna(0).astype("int64")
    return pd.DataFrame(out).reset_index(drop=True)


def rank(
    result: ScoreResult, community_id: str | None = None, *, wave: str | None = None
) -> pd.DataFrame:
    """Each community's place among the communities of its wave (1 = best).

    Ties share the better place (two communities at the top are both 1st); a community
    without a score has no rank (NA) but still counts in ``n_peers``, the number of
    communities ranked together, itself included. With ``community_id`` the frame holds
    that community's row (its latest wave unless ``wave`` is given); without it, every
    community of ``wave`` (or of every wave).

    Columns: ``community_id, wave, score, rank, n_peers``.
    """
    import numpy as np
    import pandas as pd

    comm = result.communities
    if community_id is not None:
        wave = pick_wave(result, community_id, wave)
    frame = comm if wave is None else _same_wave(comm, str(wave))
    out = pd.DataFrame(
        {
            "community_id": frame["community_id"].to_numpy(dtype=object),
            "wave": frame["wave"].astype(str).to_numpy(dtype=object),
            "score": frame["score"].astype(float).to_numpy(),
        }
    )
    # "min" ranks: one more than the number of peers strictly above, as reports count.
    ranks = out.groupby("wave")["score"].rank(method="min", ascending=False)
    out["rank"] = pd.array(np.where(ranks.isna(), pd.NA, ranks), dtype="Int64")
    out["n_peers"] = out.groupby("wave")["score"].transform("size").astype("int64")
    if community_id is not None:
        out = out[out["community_id"] == community_id]
    return out.reset_index(drop=True)


def _indicators(result: ScoreResult, community_id: str, wave: str) -> pd.DataFrame:
    """The community's indicator rows in framework order, with a ``label`` column."""
    fw = result.framework
    rows = _one(result.scores, community_id, wave)
    rows = rows[rows["kind"] == "indicator"].set_index("node_id")
    order = [node.id for _, node in fw.walk() if not hasattr(node, "children")]
    present = [i for i in order if i in rows.index]
    out = rows.loc[present].reset_index()
    out["order"] = range(len(out))
    return out


def strengths(
    result: ScoreResult,
    community_id: str,
    *,
    wave: str | None = None,
    n: int = 3,
    lang: str | None = None,
) -> pd.DataFrame:
    """What the community does best: its ``n`` highest-scoring indicators with data.

    A strength is something achieved: status ``ok`` and a score above zero. Higher score
    first, then more points at stake, then framework order.

    Columns: ``node_id, path, label, score, points, max_points, status``.
    """
    wave = pick_wave(result, community_id, wave)
    w = words(resolve_lang(lang))
    ind = _indicators(result, community_id, wave)
    ind = ind[(ind["status"].astype(str) == "ok") & (ind["score"].astype(float).fillna(0) > 0)]
    ind = ind.assign(_s=-ind["score"].astype(float), _m=-ind["max_points"].astype(float).fillna(0))
    ind = ind.sort_values(["_s", "_m", "order"], kind="stable").head(n)
    fw = result.framework
    ind = ind.assign(label=[w.label(fw.node(i).label) for i in ind["node_id"]])
    cols = ["node_id", "path", "label", "score", "points", "max_points", "status"]
    return ind[cols].reset_index(drop=True)


def priorities(
    result: ScoreResult,
    community_id: str,
    *,
    wave: str | None = None,
    n: int = 3,
    lang: str | None = None,
) -> pd.DataFrame:
    """Where the community can gain most: its ``n`` indicators with the largest
    ``potential_gain`` (total points gained if the indicator reached full attainment),
    with the framework's recommendation.

    Larger gain first, then framework order; indicators with nothing to gain are left out.

    Columns: ``node_id, path, label, score, points, max_points, status, potential_gain,
    recommendation``.
    """
    wave = pick_wave(result, community_id, wave)
    w = words(resolve_lang(lang))
    ind = _indicators(result, community_id, wave)
    gain = ind["potential_gain"].astype(float).fillna(0)
    ind = ind[gain > _GAIN_EPS].assign(_g=-gain[gain > _GAIN_EPS])
    ind = ind.sort_values(["_g", "order"], kind="stable").head(n)
    fw = result.framework
    nodes = [fw.node(i) for i in ind["node_id"]]
    ind = ind.assign(
        label=[w.label(node.label) for node in nodes],
        recommendation=[w.label(node.recommendation) for node in nodes],
    )
    cols = ["node_id", "path", "label", "score", "points", "max_points", "status"]
    return ind[[*cols, "potential_gain", "recommendation"]].reset_index(drop=True)


def shortfalls(
    result: ScoreResult,
    community_id: str,
    *,
    wave: str | None = None,
    lang: str | None = None,
) -> pd.DataFrame:
    """How each respondent group's view of a survey indicator differs from the others'
    (children against parents, say).

    One row per survey indicator × group asked. ``gap`` is the group's score minus the
    mean score of the indicator's other groups; a negative gap is a shortfall: the group
    sees the community less favourably than the others. Gaps are computed only between
    groups that reach their ``min_n`` (status ``ok``): a smaller group's score is too
    uncertain to compare, and its ``gap`` is NaN. Largest shortfall first (NaN gaps last,
    then framework and group order).

    Columns: ``node_id, path, label, respondent, group, score, n, status, others, gap``.
    """
    import numpy as np
    import pandas as pd

    wave = pick_wave(result, community_id, wave)
    w = words(resolve_lang(lang))
    fw = result.framework
    bg = _one(result.by_group, community_id, wave).reset_index(drop=True)
    if bg.empty:
        cols = ["node_id", "path", "label", "respondent", "group", "score", "n", "status"]
        return pd.DataFrame(columns=[*cols, "others", "gap"])
    score = bg["score"].astype(float)
    ok = (bg["status"].astype(str) == "ok") & score.notna()
    good = score.where(ok)
    total = good.groupby(bg["node_id"]).transform("sum")
    count = ok.groupby(bg["node_id"]).transform("sum")
    others_n = count - ok.astype(int)
    others = (total - good.fillna(0)) / others_n.where(others_n > 0)
    out = pd.DataFrame(
        {
            "node_id": bg["node_id"].to_numpy(dtype=object),
            "path": bg["path"].to_numpy(dtype=object),
            "label": [w.label(fw.node(i).label) for i in bg["node_id"]],
            "respondent": bg["respondent"].to_numpy(dtype=object),
            "group": [w.label(fw.respondents[g].label) for g in bg["respondent"]],
            "score": score.to_numpy(),
            "n": bg["n"].astype("int64").to_numpy(),
            "status": bg["status"].astype(str).to_numpy(dtype=object),
            "others": others.where(ok).to_numpy(dtype=np.float64),
        }
    )
    out["gap"] = out["score"] - out["others"]
    # by_group rows come in framework and group order: a stable sort keeps it among ties
    out = out.sort_values("gap", na_position="last", kind="stable")
    return out.reset_index(drop=True)
