"""Survey indicators: answers → respondent values → group means → the indicator.

1. **Items → respondent values.** The indicator's item columns are taken as a small
   float64 matrix, reverse-coded and rescaled to 0..1 per item; the indicator's rule
   (:mod:`cfeval.scoring.rules`) gives each respondent a value y (NaN with fewer than
   ``valid_items_needed()`` valid answers or outside the indicator's groups).
2. **Grouped sums.** ``np.bincount`` over the engine's cells (unit × group) gives ``n``,
   ``W = Σw``, ``Σwy`` and ``Σw²``; the group mean is ``ȳ = Σwy / W``, and each row's
   linearised value ``u = h (y − ȳ) / √(1 − h)`` (HC2, ``h = w / W``) gives the cell's
   variance ``Σ u²``; with survey design columns, ``u = h (y − ȳ)`` and the variance is
   design-based (:mod:`cfeval.scoring.design`).
3. **Groups → indicator.** Groups are averaged with the indicator's ``group_weights``
   (equal by default), normalised over the groups used. A group below its ``min_n`` is
   left out when another group reaches it; if none does, all groups with answers are used
   and the indicator is ``insufficient``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from cfeval.scoring.design import group_variances
from cfeval.scoring.proportions import share_effective_cap
from cfeval.scoring.values import Values
from cfeval.scoring.variance import bm_df, cell_variance, row_any, row_sums

if TYPE_CHECKING:
    import numpy as np

    from cfeval.framework.model import Indicator

__all__ = ["survey_indicator", "survey_cells", "item_columns", "MIN_N_INTERVAL"]

#: Fewer respondents than this in a group that counts: no interval (1) or one resting on a
#: single degree of freedom (2); the group and every node it feeds are flagged.
MIN_N_INTERVAL = 3


def survey_indicator(eng: Any, ind: Indicator, cells: tuple | None = None) -> Values:
    """The :class:`Values` of one survey indicator; its by-group rows go to ``eng.group_rows``.

    ``cells`` is :func:`survey_cells`' result when it was computed ahead (on another thread).
    """
    if cells is None:
        cells = survey_cells(eng, ind, item_columns(eng, ind))
    valid, asked, sums = cells
    return _combine_groups(eng, ind, valid, asked, sums)


def item_columns(eng: Any, ind: Indicator) -> list:
    """The indicator's item columns of the survey (float64 arrays; None for an absent one).

    From a pandas frame they are taken on the engine's thread, so that
    :func:`survey_cells` never touches the frame; columns still in their files
    (:attr:`cfeval.data.load.Dataset.items_deferred`) may be decoded on any thread.
    """
    return eng.data.item_columns([it.id for it in ind.items or []])


def survey_cells(eng: Any, ind: Indicator, columns: list | None) -> tuple:
    """``(valid, asked, sums)``: steps 1 and 2 for one indicator, from its item columns
    (None: decoded from their files, :attr:`cfeval.data.load.Dataset.items_deferred`).

    Pure array work on read-only engine state, safe to run on another thread while the
    engine combines the indicator before it (:func:`cfeval._threads.ordered_map`).
    """
    y, valid, asked = _respondent_values(eng, ind, columns)
    return valid, asked, _group_means(eng, y, valid)


def _respondent_values(
    eng: Any, ind: Indicator, columns: list
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each survey row's value for the indicator, whether it is usable, and the groups asked."""
    import numpy as np

    from cfeval.scoring.rules import RULES, rescale_items

    fw = eng.fw
    items = ind.items or []
    scales = [fw.scales[it.scale] for it in items]
    # Fortran order: each item column is contiguous for the column-wise work below.
    x = np.empty((len(eng.row_group), len(items)), order="F")
    if columns is None:  # still in their files: decoded straight into x
        eng.data.fill_item_columns([it.id for it in items], x)
    for j, it in enumerate(items):
        if columns is not None:
            x[:, j] = np.nan if columns[j] is None else columns[j]
        if it.respondents is not None:
            # An answer from a group the item is not asked of is not evidence for it.
            asked_item = np.isin(eng.groups, it.respondents)
            x[~asked_item[eng.row_group], j] = np.nan
    rescale_items(
        x,
        np.array([sc.low for sc in scales], dtype=np.float64),
        np.array([sc.high for sc in scales], dtype=np.float64),
        np.array([it.reverse for it in items]),
    )
    # Each group is asked its own items, so each needs its own share of them.
    needed_by_group = np.array(
        [ind.valid_items_needed(g) if ind.items_for(g) else 1 for g in eng.groups]
    )
    # One number when every group needs the same (no per-row copy of it).
    uniform = len(needed_by_group) > 0 and (needed_by_group == needed_by_group[0]).all()
    needed = needed_by_group[0] if uniform else needed_by_group[eng.row_group]
    y = RULES[ind.rule.type](x, ind.rule, needed=needed, scale=scales[0])
    del x
    asked = np.zeros(eng.G, bool)
    asked[[eng.groups.index(g) for g in ind.respondents or []]] = True
    valid = ~np.isnan(y)
    if not asked.all():
        valid &= asked[eng.row_group]
    y[~valid] = 0.0  # y is ours: zero the unusable values in place
    return y, valid, asked


def _group_means(eng: Any, y: np.ndarray, valid: np.ndarray) -> dict[str, np.ndarray]:
    """Per cell (U × G): n, ΣW, Σw², the mean, its HC2 variance and df; per row: u.

    ``y`` is consumed: it becomes the rows' linearised values ``u``.
    """
    import numpy as np

    wv = eng.w * valid
    wy = wv * y
    K, U, G, cell = eng.K, eng.U, eng.G, eng.cell
    n = np.bincount(cell, weights=valid, minlength=K).reshape(U, G)
    W = np.bincount(cell, weights=wv, minlength=K).reshape(U, G)
    S = np.bincount(cell, weights=wy, minlength=K).reshape(U, G)
    W2 = np.bincount(cell, weights=wv * wv, minlength=K).reshape(U, G)
    del wy
    ybar = np.divide(S, W, out=np.full((U, G), np.nan), where=W > 0)
    # u = w (y - ȳ) / W = h (y - ȳ), zero for rows without a valid value (wv is zero
    # there), then divided by √(1 − h) (HC2); the cell's variance is Σ u².
    inv_w = np.divide(1.0, W, out=np.zeros((U, G)), where=W > 0).ravel()
    u = y
    u -= np.nan_to_num(ybar).ravel()[cell]
    h = wv
    h *= inv_w[cell]  # h = w / W: the row's leverage in its cell's weighted mean
    u *= h
    if eng.design is not None:
        # Survey design columns: plain linearised values, PSU totals within strata.
        var_g, df_g = group_variances(u, eng.row_group, G, eng.design, n)
        return {"n": n, "W": W, "W2": W2, "ybar": ybar, "u": u, "df": df_g, "var": var_g}
    q = np.subtract(1.0, h)
    q[q <= 0] = np.inf  # a lone respondent (h = 1): no variance (NaN below)
    df_g = bm_df(h, q, cell, n, K, s=W2 * (inv_w * inv_w).reshape(U, G))  # Σh² = ΣW²/W²
    np.sqrt(q, out=q)
    u /= q  # HC2: u / √(1 − h)
    del wv, h, q
    var_g = cell_variance(u * u, cell, n, K)
    return {"n": n, "W": W, "W2": W2, "ybar": ybar, "u": u, "df": df_g, "var": var_g}


def _combine_groups(
    eng: Any, ind: Indicator, valid: np.ndarray, asked: np.ndarray, cells: dict
) -> Values:
    """Groups → the indicator's attainment, with the by-group rows recorded on ``eng``."""
    import numpy as np

    U, G, cell = eng.U, eng.G, eng.cell
    n, W, W2, ybar, var_g = cells["n"], cells["W"], cells["W2"], cells["ybar"], cells["var"]
    have = (n > 0) & asked
    suff = have & (n >= eng.min_n)
    any_suff = row_any(suff)
    used = np.where(any_suff[:, None], suff, have)
    gw = np.array([(ind.group_weights or {}).get(g, 1.0) for g in eng.groups], dtype=np.float64)
    wsum = row_sums(used * gw)
    a = np.divide(used * gw, wsum[:, None], out=np.zeros((U, G)), where=wsum[:, None] > 0)
    att = row_sums(np.where(used, a * np.nan_to_num(ybar), 0.0))
    avail = wsum > 0
    att[~avail] = np.nan
    # A used group of one or two respondents gives no interval or one resting on a single
    # df: the indicator (and every node above it) is flagged, whatever min_n says.
    thin = used & (n < MIN_N_INTERVAL)
    insufficient = avail & (~any_suff | row_any(thin))
    z = cells["u"]
    z *= a.ravel()[cell]
    mask = valid & used.ravel()[cell]

    neff = np.divide(W * W, W2, out=np.full((U, G), np.nan), where=W2 > 0)
    share = ind.rule.type == "share_favourable"
    eng.group_rows.append(
        {
            "ind": ind,
            "asked": asked,
            "score": 100 * ybar,
            "se": 100 * np.sqrt(var_g),
            "df": cells["df"],
            "n": n.astype(np.int64),
            "n_eff": neff,
            # Codes of frames.STATUSES: 0 insufficient, 1 missing, 2 ok.
            "status": np.where(
                ~have, 1, np.where((n < eng.min_n) | (n < MIN_N_INTERVAL), 0, 2)
            ).astype(np.int8),
            "used": used,
            "var": var_g,
            "thin": thin,
            "share": share,
        }
    )
    # The node's pieces follow from the groups': Σ (a u)² = a² Σ u² in a used cell.
    return Values(
        att,
        avail,
        avail.astype(np.float64),
        insufficient,
        z,
        mask,
        cell_df=cells["df"],
        # With a design a cluster may hold several groups: no per-group shortcut.
        cell_var=None if eng.design is not None else np.where(used, a * a * var_g, 0.0),
        cell_n=np.where(used, n, 0.0),
        share_cap=share_effective_cap(a, neff, used) if share else None,
        below_min_n=avail & ~any_suff,
    )
