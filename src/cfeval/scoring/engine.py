"""The scoring engine: framework + tidy data → scores with linearised intervals.

One pass, vectorised over every community × wave ("unit") at once:

1. **Items → respondent values.** For each survey indicator the item columns are taken as
   a small float64 matrix, reverse-coded (``low + high - v``) and rescaled to 0..1 per
   item; the indicator's rule (:mod:`cfeval.scoring.rules`) gives each respondent a value y (NaN
   with fewer than ``valid_items_needed()`` valid answers or outside the indicator's groups).
2. **Grouped sums.** Rows are coded ``cell = unit × G + group``; ``np.bincount`` gives per
   cell ``n``, ``W = Σw``, ``Σwy``, ``Σw²``; the group mean is ``ȳ = Σwy / W``.
3. **Groups → indicator.** Groups are averaged with the indicator's ``group_weights``
   (equal by default), normalised over the groups used. A group below its ``min_n`` is
   left out when another group reaches it; if none does, all groups with answers are
   used and the indicator is ``insufficient``. Audit/records indicators apply their rule
   to the field value.
4. **Tree.** Each dimension is linear in its children: attainment ``A = Σ b_c A_c`` with
   ``b_c = p_c / Σ_avail p`` (``renormalize``) or ``p_c / Σ_all p`` (``zero``), where ``p``
   is the child's points (points mode) or weight (index mode, default 1). Root points =
   ``max_total × A + min(bonus, bonus_cap)``, capped at ``max_total``.

**Intervals (Taylor linearisation, HC2, Student t).** Each community × group is treated
as a with-replacement sample of its respondents. For indicator i and respondent r of group
g in unit c the linearised value of the group mean is ``u_ir = h_ir (y_ir − ȳ_icg) /
√(1 − h_ir)`` with leverage ``h_ir = w_r / W_icg`` (0 where y is missing): the HC2
small-sample correction, which for equal weights is the textbook ``n/(n−1)`` factor.
Every node's attainment is linear in the group means, so its linearised value is
``z_r = Σ_i coef(node, i, g) u_ir``; the coefficients (group weight × the product of the
``b`` along the path, all depending on which children are available in that unit) are
gathered per respondent by unit code, and ``z`` is built bottom-up (``z_node = Σ_c b_c
z_c``), so indicators answered by the same people are correlated correctly. The variance
is ``Σ_g v_cg`` with ``v_cg = Σ_{r∈c,g} z_r²``. Each cell's df is the Bell–McCaffrey df of
its contributing respondents' weights (``n − 1`` for equal weights, less for unequal
ones), and a node's df combines its cells by Welch–Satterthwaite,
``(Σ v_g)² / Σ (v_g² / df_g)``. Audit values carry no sampling variance. The interval is
``score ± t_{(1+level)/2}(df) × se``, clipped to [0, 100]; nodes without survey data, or
with a contributing cell of one respondent, get no interval (NaN). See
``docs/methods.md``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

# Student-t quantiles (the function behind scipy.stats.t.ppf). Imported with the module,
# like the rest of the engine's start-up cost; importing scipy.stats would cost ~0.5 s more.
from scipy.special import stdtrit

from cfeval.errors import DataError, UsageError
from cfeval.framework.model import Dimension, Framework, Indicator

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

    from cfeval.scoring.result import ScoreResult

__all__ = ["score"]

_ID_COLUMNS = ("community_id", "wave")


@dataclass
class _Node:
    """A framework node flattened for array work; ``amount`` is its points or weight."""

    path: str
    node_id: str
    kind: str
    level: int
    obj: Any
    amount: float
    max_points: float
    children: list[int] = field(default_factory=list)


@dataclass
class _Values:
    """Per-unit results of one node plus its respondent-level linearised values."""

    att: np.ndarray  # attainment in [0, 1], NaN when missing
    avail: np.ndarray  # bool: the node had data
    cov: np.ndarray  # coverage in [0, 1]
    insufficient: np.ndarray  # bool
    z: np.ndarray | None = None  # linearised values per survey row
    mask: np.ndarray | None = None  # survey rows contributing to the node
    b: list[np.ndarray] = field(default_factory=list)  # per-child coefficients
    var: np.ndarray | None = None  # sampling variance of ``att``
    n: np.ndarray | None = None  # respondents contributing
    df: np.ndarray | None = None  # degrees of freedom of ``var`` (Welch–Satterthwaite)
    cell_df: np.ndarray | None = None  # per-cell (U × G) df, when already known
    cell_var: np.ndarray | None = None  # per-cell variance pieces, when already known
    cell_n: np.ndarray | None = None  # per-cell contributing respondents, likewise


def score(
    framework: Framework | str | Path,
    data: Any = None,
    *,
    survey: pd.DataFrame | str | Path | None = None,
    audit: pd.DataFrame | str | Path | None = None,
    report: Any = None,
) -> ScoreResult:
    """Score every community × wave of ``data`` with ``framework``.

    ``data`` is a :class:`cfeval.data.Dataset`; or pass ``survey=`` / ``audit=`` as tidy
    DataFrames (the shape in docs/architecture.md) or as file paths, which are read and
    checked through :func:`cfeval.data.load_data`.

    >>> result = score(fw, survey=survey_df, audit=audit_df)  # doctest: +SKIP
    >>> result.to_frame().query("kind == 'total'")[["community_id", "score", "grade"]]  # doctest: +SKIP
    """
    import pandas as pd

    fw = _as_framework(framework)
    files: list[Any] = []

    def is_file(x) -> bool:
        return isinstance(x, (str, Path)) or (
            isinstance(x, list) and any(isinstance(v, (str, Path)) for v in x)
        )

    if data is None and (is_file(survey) or is_file(audit)):
        from cfeval.data.load import load_data

        data = load_data(fw, survey=survey, audit=audit)
    if data is not None:
        if isinstance(data, pd.DataFrame):
            raise UsageError("pass survey and audit frames as survey=... and audit=...")
        survey, audit = data.survey, data.audit
        report = data.report
        files = list(getattr(data, "files", []) or [])
    return _Engine(fw, survey, audit).run(report=report, files=files)


def _as_framework(framework: Framework | str | Path) -> Framework:
    if isinstance(framework, Framework):
        return framework
    from cfeval.framework.loader import load_framework

    return load_framework(framework)


class _Engine:
    def __init__(self, fw: Framework, survey: pd.DataFrame | None, audit: pd.DataFrame | None):
        import numpy as np

        self.fw = fw
        self.groups = list(fw.respondents)
        self.G = max(len(self.groups), 1)
        self.min_n = np.array([fw.respondents[g].min_n for g in self.groups] or [1])
        self.p_ci = 0.5 + fw.scoring.ci_level / 2  # the t quantile's probability
        self.survey = _tidy_survey(survey, fw)
        self.audit = _tidy_audit(audit, self.survey)
        self._units()
        if self.U == 0:
            raise DataError("no community to score: the survey and audit have no usable rows")
        self._flatten()

    # -- setup -----------------------------------------------------------------------

    def _units(self) -> None:
        """Sorted community × wave units; survey rows coded by unit and cell."""
        import numpy as np
        import pandas as pd

        s, a = self.survey, self.audit
        pairs = pd.concat([a[list(_ID_COLUMNS)], s[list(_ID_COLUMNS)].drop_duplicates()])
        units = pairs.drop_duplicates().sort_values(list(_ID_COLUMNS), kind="stable")
        self.units = units.reset_index(drop=True)
        self.U = len(self.units)
        key = pd.MultiIndex.from_frame(self.units)
        # Factorising the two key columns separately is far cheaper than building a
        # MultiIndex over a million rows; only the unique pairs are looked up.
        cc, cu = pd.factorize(s["community_id"], sort=False)
        wc, wu = pd.factorize(s["wave"], sort=False)
        combo = cc.astype(np.int64) * max(len(wu), 1) + wc
        uniq, inv = np.unique(combo, return_inverse=True)
        pair_idx = pd.MultiIndex.from_arrays(
            [np.asarray(cu)[uniq // max(len(wu), 1)], np.asarray(wu)[uniq % max(len(wu), 1)]]
        )
        self.row_unit = key.get_indexer(pair_idx)[inv].astype(np.int64)
        rc, ru = pd.factorize(s["respondent"], sort=False)
        gcode = (
            pd.Index(self.groups).get_indexer(ru).astype(np.int64)[rc]
            if len(s)
            else rc.astype(np.int64)
        )
        if (gcode < 0).any():
            bad = sorted(set(s.loc[gcode < 0, "respondent"].astype(str)))
            raise UsageError(f"survey has respondent groups the framework does not declare: {bad}")
        self.row_group = gcode
        self.cell = self.row_unit * self.G + gcode
        self.K = self.U * self.G
        self.w = s["weight"].to_numpy(dtype=np.float64)
        self.n_cell = np.bincount(self.cell, minlength=self.K).reshape(self.U, self.G)
        ai = pd.MultiIndex.from_frame(a[list(_ID_COLUMNS)])
        self.audit_row = ai.get_indexer(key)  # -1 where a unit has no audit row

    def _flatten(self) -> None:
        fw = self.fw
        points_mode = fw.scoring.method == "points"
        nodes: list[_Node] = []

        def amount(n) -> float:
            return (
                float(n.points) if points_mode else float(n.weight if n.weight is not None else 1.0)
            )

        def maxp(n) -> float:
            return float(n.points) if points_mode else 100.0

        def rec(node, prefix: str, level: int) -> int:
            path = f"{prefix}.{node.id}" if prefix else node.id
            kind = "indicator" if isinstance(node, Indicator) else "dimension"
            me = _Node(path, node.id, kind, level, node, amount(node), maxp(node))
            nodes.append(me)
            idx = len(nodes) - 1
            if isinstance(node, Dimension):
                me.children = [rec(c, path, level + 1) for c in node.children]
            return idx

        root = _Node("total", "total", "total", 0, fw, 1.0, fw.max_total())
        nodes.append(root)
        root.children = [rec(d, "", 1) for d in fw.dimensions]
        self.nodes = nodes

    # -- evaluation ------------------------------------------------------------------

    def run(self, report: Any = None, files: list | None = None) -> ScoreResult:
        from cfeval.scoring.result import ScoreResult, empty_report, provenance

        self.group_rows: list[dict] = []
        self._df_all: np.ndarray | None = None  # per-cell df when every row contributes
        values: dict[int, _Values] = {}
        for idx in reversed(range(len(self.nodes))):  # children before parents
            node = self.nodes[idx]
            if node.kind == "indicator":
                v = self._indicator(node)
            else:
                v = self._combine(node, [values[c] for c in node.children])
                for c in node.children:  # release respondent-level arrays early
                    values[c].z = values[c].mask = None
            v.var, v.n, v.df = self._variance(v)
            values[idx] = v
        if self.fw.scoring.missing == "fail":
            self._fail_on_missing(values)
        frames = self._frames(values)
        return ScoreResult(
            framework=self.fw,
            scores=frames["scores"],
            by_group=frames["by_group"],
            communities=frames["communities"],
            notes=frames["notes"],
            report=report if report is not None else empty_report(),
            provenance=provenance(self.fw, files or [], self.survey, self.audit),
        )

    def _indicator(self, node: _Node) -> _Values:
        ind: Indicator = node.obj
        if ind.source == "survey":
            return self._survey_indicator(ind)
        import numpy as np

        from cfeval.scoring.rules import RULES

        col = self.audit[ind.field] if ind.field in self.audit.columns else None
        raw = np.full(len(self.audit), np.nan) if col is None else col.to_numpy()
        per_unit = _take(raw, self.audit_row)
        att = RULES[ind.rule.type](per_unit, ind.rule)
        avail = ~np.isnan(att)
        return _Values(att, avail, avail.astype(np.float64), np.zeros(self.U, bool))

    def _survey_indicator(self, ind: Indicator) -> _Values:
        import numpy as np

        from cfeval.scoring.rules import RULES, rescale_items

        fw, s = self.fw, self.survey
        items = ind.items or []
        scales = [fw.scales[it.scale] for it in items]
        # Fortran order: each item column is contiguous for the column-wise work below.
        x = np.empty((len(s), len(items)), order="F")
        for j, it in enumerate(items):
            x[:, j] = s[it.id].to_numpy(dtype=np.float64) if it.id in s.columns else np.nan
            if it.respondents is not None:
                # An answer from a group the item is not asked of is not evidence for it.
                asked_item = np.isin(self.groups, it.respondents)
                x[~asked_item[self.row_group], j] = np.nan
        rescale_items(
            x,
            np.array([sc.low for sc in scales], dtype=np.float64),
            np.array([sc.high for sc in scales], dtype=np.float64),
            np.array([it.reverse for it in items]),
        )
        # Each group is asked its own items, so each needs its own share of them.
        needed_by_group = np.array(
            [ind.valid_items_needed(g) if ind.items_for(g) else 1 for g in self.groups]
        )
        needed = needed_by_group[self.row_group]
        y = RULES[ind.rule.type](x, ind.rule, needed=needed, scale=scales[0])
        del x
        asked = np.zeros(self.G, bool)
        asked[[self.groups.index(g) for g in ind.respondents or []]] = True
        valid = ~np.isnan(y)
        if not asked.all():
            valid &= asked[self.row_group]
        y[~valid] = 0.0  # y is ours: zero the unusable values in place
        wv = self.w * valid
        wy = wv * y
        K, U, G, cell = self.K, self.U, self.G, self.cell
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
        q = np.subtract(1.0, h)
        q[q <= 0] = np.inf  # a lone respondent (h = 1): no variance (NaN below)
        df_g = _bm_df(h, q, cell, n, K, s=W2 * (inv_w * inv_w).reshape(U, G))  # Σh² = ΣW²/W²
        np.sqrt(q, out=q)
        u /= q  # HC2: u / √(1 − h)
        del wv, y, h, q
        var_g = _cell_variance(u * u, cell, n, K)

        have = (n > 0) & asked
        suff = have & (n >= self.min_n)
        any_suff = suff.any(axis=1)
        used = np.where(any_suff[:, None], suff, have)
        gw = np.array(
            [(ind.group_weights or {}).get(g, 1.0) for g in self.groups], dtype=np.float64
        )
        wsum = (used * gw).sum(axis=1)
        a = np.divide(used * gw, wsum[:, None], out=np.zeros((U, G)), where=wsum[:, None] > 0)
        att = np.where(used, a * np.nan_to_num(ybar), 0.0).sum(axis=1)
        avail = wsum > 0
        att[~avail] = np.nan
        insufficient = avail & ~any_suff
        z = u
        z *= a.ravel()[cell]
        mask = valid & used.ravel()[cell]

        neff = np.divide(W * W, W2, out=np.full((U, G), np.nan), where=W2 > 0)
        se_g = 100 * np.sqrt(var_g)
        self.group_rows.append(
            {
                "ind": ind,
                "asked": asked,
                "score": 100 * ybar,
                "se": se_g,
                "df": df_g,
                "n": n.astype(np.int64),
                "n_eff": neff,
                "status": np.where(
                    ~have, "missing", np.where(n < self.min_n, "insufficient", "ok")
                ),
                "used": used,
            }
        )
        # The node's pieces follow from the groups': Σ (a u)² = a² Σ u² in a used cell.
        return _Values(
            att,
            avail,
            avail.astype(np.float64),
            insufficient,
            z,
            mask,
            cell_df=df_g,
            cell_var=np.where(used, a * a * var_g, 0.0),
            cell_n=np.where(used, n, 0.0),
        )

    def _combine(self, node: _Node, kids: list[_Values]) -> _Values:
        import numpy as np

        p = np.array([self.nodes[c].amount for c in node.children], dtype=np.float64)
        avail = np.stack([k.avail for k in kids])  # children × units
        if self.fw.scoring.missing == "renormalize":
            denom = (p[:, None] * avail).sum(axis=0)
            b = np.divide(p[:, None] * avail, denom, out=np.zeros(avail.shape), where=denom > 0)
            ok = denom > 0
        else:  # zero; also fail, which raises after the pass if anything is missing
            b = np.broadcast_to(p[:, None] / p.sum(), avail.shape).copy()
            b[~avail] = 0.0
            ok = np.ones(self.U, bool)
        att = (b * np.nan_to_num(np.stack([k.att for k in kids]))).sum(axis=0)
        att[~ok] = np.nan
        cov = (p[:, None] * np.stack([k.cov for k in kids])).sum(axis=0) / p.sum()
        insufficient = np.stack(
            [k.insufficient & (bb > 0) for k, bb in zip(kids, b, strict=True)]
        ).any(axis=0)
        z = mask = None
        for k, bb in zip(kids, b, strict=True):
            if k.z is None:
                continue
            # A child's mask is already empty in units where it has no data (b = 0 there).
            # One coefficient for every unit (the usual case) needs no per-row gather.
            coef = bb[0] if (bb == bb[0]).all() else bb[self.row_unit]
            if z is None:
                z, mask = coef * k.z, k.mask.copy()
            else:
                z += coef * k.z
                mask |= k.mask
        # Coefficients for potential gain: under `zero` a missing child still counts.
        gain_b = (
            b
            if self.fw.scoring.missing == "renormalize"
            else np.broadcast_to(p[:, None] / p.sum(), b.shape)
        )
        return _Values(att, ok, cov, insufficient, z, mask, b=list(gain_b))

    def _variance(self, v: _Values) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(variance of the attainment, contributing respondents, df) per unit."""
        import numpy as np

        if v.z is None:
            nan = np.full(self.U, np.nan)
            return nan, np.zeros(self.U, np.int64), nan.copy()
        if v.cell_var is not None:
            n, parts = v.cell_n, v.cell_var
        else:
            n = np.bincount(self.cell, weights=v.mask, minlength=self.K).reshape(self.U, self.G)
            parts = _cell_variance(v.z * v.z, self.cell, n, self.K)
        var = parts.sum(axis=1)
        ntot = n.sum(axis=1).astype(np.int64)
        var[ntot == 0] = np.nan
        return var, ntot, _satterthwaite(parts, self._cell_df(v, n), n)

    def _cell_df(self, v: _Values, n: np.ndarray) -> np.ndarray:
        """Per-cell df of a node: the Bell–McCaffrey df of its contributing rows' weights.

        Cells where every survey row contributes share one table (``_df_all``); only the
        rows of the other cells are summed again.
        """
        import numpy as np

        if v.cell_df is not None:
            return v.cell_df
        if self._df_all is None:
            self._df_all = self._bm_rows(np.ones(len(self.w), bool), self.n_cell)
        partial = (n > 0) & (n != self.n_cell)
        if not partial.any():
            return self._df_all
        rows = partial.ravel()[self.cell]
        rows &= v.mask
        return np.where(partial, self._bm_rows(rows, n), self._df_all)

    def _bm_rows(self, rows: np.ndarray, n: np.ndarray) -> np.ndarray:
        """Bell–McCaffrey df (U × G) of the weighted means over the selected rows."""
        import numpy as np

        idx = np.flatnonzero(rows)
        cell = self.cell[idx]
        h = self.w[idx]
        W = np.bincount(cell, weights=h, minlength=self.K)
        h /= W[cell]
        q = np.subtract(1.0, h)
        q[q <= 0] = np.inf
        return _bm_df(h, q, cell, n, self.K)

    def _fail_on_missing(self, values: dict[int, _Values]) -> None:
        lines = []
        for idx, node in enumerate(self.nodes):
            if node.kind != "indicator":
                continue
            for u in (~values[idx].avail).nonzero()[0]:
                cid, wave = self.units.iloc[u]
                lines.append(f"  {cid} (wave {wave}): {node.path}")
        if lines:
            head = f"scoring.missing is 'fail' and {len(lines)} indicator value(s) have no data:"
            raise DataError("\n".join([head, *lines[:50], *(["  ..."] if len(lines) > 50 else [])]))

    def _frames(self, values: dict[int, _Values]) -> dict[str, pd.DataFrame]:
        return _build_frames(self, values)


def _cell_variance(zz: np.ndarray, cell: np.ndarray, n: np.ndarray, K: int) -> np.ndarray:
    """``Σ z²`` per cell (U × G); NaN where a contributing cell has one respondent."""
    import numpy as np

    ss = np.bincount(cell, weights=zz, minlength=K).reshape(n.shape)
    ss[n == 1] = np.nan
    return ss


def _bm_df(
    h: np.ndarray,
    q: np.ndarray,
    cell: np.ndarray,
    n: np.ndarray,
    K: int,
    s: np.ndarray | None = None,
) -> np.ndarray:
    """Bell–McCaffrey degrees of freedom of each cell's HC2 variance (U × G).

    ``h`` is each row's leverage ``w / W`` in its cell's weighted mean (0 for rows outside
    it), ``q = 1 − h`` (``inf`` where ``h = 1``) and ``s`` the cells' ``Σ h²`` if known.
    Under the working model of independent answers with equal variance, the HC2 variance
    is the quadratic form ``ε' B ε`` with ``B = M' C M``, ``M = I − 1h'``, ``C = diag(c)``,
    ``c = h² / (1 − h)``; its Satterthwaite df is ``tr(B)² / tr(B²)``, which expands
    (docs/methods.md) to grouped sums. Equal weights give exactly ``n − 1``. NaN where a
    cell has fewer than two rows.
    """
    import numpy as np

    def csum(x):
        return np.bincount(cell, weights=x, minlength=K).reshape(n.shape)

    c = h * h
    if s is None:
        s = csum(c)  # Σ h²
    c /= q  # c = h² / (1 − h); 0 for a lone respondent
    c0 = csum(c)  # Σ c
    t = c * h
    c1 = csum(t)  # Σ c h
    t *= h
    c2 = csum(t)  # Σ c h²
    np.multiply(c, c, out=t)
    q2 = csum(t)  # Σ c²
    del c, t
    # Σ c² h = Σ c² − Σ c h² since c (1 − h) = h². Only this difference is taken: the
    # others (Σ c h = Σ c − Σ h², ...) would cancel badly in large cells.
    q3 = q2 - c2
    tr_b = c0 * (1 + s) - 2 * c1
    tr_b2 = (1 + 2 * s) * q2 - 4 * q3 + 2 * c0 * c2 + (s * c0) ** 2 + 2 * c1**2 - 4 * s * c0 * c1
    ok = (n > 1) & (tr_b2 > 0)
    return np.divide(tr_b * tr_b, tr_b2, out=np.full(n.shape, np.nan), where=ok)


def _satterthwaite(parts: np.ndarray, dfg: np.ndarray, n: np.ndarray) -> np.ndarray:
    """Welch–Satterthwaite degrees of freedom of ``Σ_g parts_g`` per unit.

    ``parts`` (U × G) are the per-cell variance components, ``dfg`` their df and ``n``
    the respondents behind each: ``df = (Σ v_g)² / Σ (v_g² / df_g)``; a single nonzero
    component keeps its own df exactly. Where every component is 0 the interval has width
    0 and ``Σ df_g`` is reported; NaN where the variance is NaN or nobody contributes.
    """
    import numpy as np

    live = n > 0
    num = parts.sum(axis=1)
    num *= num
    ok = live & (parts > 0)
    den = np.divide(parts * parts, dfg, out=np.zeros(parts.shape), where=ok).sum(axis=1)
    pooled = np.where(live, dfg, 0.0).sum(axis=1)
    df = np.divide(num, den, out=pooled, where=den > 0)
    single = ok.sum(axis=1) == 1
    df[single] = np.where(ok, dfg, 0.0).sum(axis=1)[single]
    df[~np.isfinite(num) | ~live.any(axis=1)] = np.nan
    return df


def _t_quantile(p: float, df: np.ndarray) -> np.ndarray:
    """Student-t quantile ``t_p(df)`` for an array of df; NaN where df is NaN."""
    import numpy as np

    df = np.asarray(df, dtype=np.float64)
    out = np.full(df.shape, np.nan)
    ok = np.isfinite(df) & (df > 0)
    out[ok] = stdtrit(df[ok], p)
    return out


def _take(values: np.ndarray, idx: np.ndarray) -> np.ndarray:
    """``values[idx]`` with NaN/None where ``idx`` is -1 (no audit row for the unit)."""
    import numpy as np

    out = np.empty(len(idx), dtype=values.dtype if values.dtype != bool else np.float64)
    if out.dtype == object:
        out[:] = None
    else:
        out = out.astype(np.float64)
        out[:] = np.nan
    hit = idx >= 0
    out[hit] = values[idx[hit]]
    return out


def _tidy_survey(survey: pd.DataFrame | None, fw: Framework) -> pd.DataFrame:
    """The survey frame with the id columns as strings and a weight column."""
    import numpy as np
    import pandas as pd

    if survey is None:
        cols = {"community_id": [], "wave": [], "respondent": [], "weight": []}
        return pd.DataFrame(cols).astype(
            {"weight": np.float64, "community_id": object, "wave": object}
        )
    missing = [c for c in ("community_id", "respondent") if c not in survey.columns]
    if missing:
        raise UsageError(f"survey frame lacks column(s) {missing}")
    out = survey.copy(deep=False)  # new columns only; item columns are shared, not copied
    out["community_id"] = out["community_id"].astype(str)
    out["wave"] = out["wave"].astype(str) if "wave" in out.columns else "1"
    out["respondent"] = out["respondent"].astype(str)
    if "weight" not in out.columns:
        out["weight"] = 1.0
    w = out["weight"].to_numpy(dtype=np.float64)
    if len(w) and not (np.isfinite(w) & (w > 0)).all():
        raise UsageError("survey weights must be positive numbers (data.py excludes bad weights)")
    return out


def _tidy_audit(audit: pd.DataFrame | None, survey: pd.DataFrame) -> pd.DataFrame:
    """The audit frame with string ids; an audit without ``wave`` applies to every wave."""
    import pandas as pd

    if audit is None:
        return pd.DataFrame(
            {"community_id": pd.Series(dtype=object), "wave": pd.Series(dtype=object)}
        )
    if "community_id" not in audit.columns:
        raise UsageError("audit frame lacks column 'community_id'")
    out = audit.copy()
    out["community_id"] = out["community_id"].astype(str)
    if "wave" not in out.columns:
        waves = survey[["community_id", "wave"]].drop_duplicates()
        out = out.merge(waves, on="community_id", how="left")
        out["wave"] = out["wave"].fillna("1")
    out["wave"] = out["wave"].astype(str)
    dup = out.duplicated(list(_ID_COLUMNS))
    if dup.any():
        first = out.loc[dup, list(_ID_COLUMNS)].iloc[0].tolist()
        raise UsageError(
            f"audit has more than one row for community {first[0]!r}, wave {first[1]!r}"
        )
    return out.sort_values(list(_ID_COLUMNS), kind="stable").reset_index(drop=True)


def _build_frames(eng: _Engine, values: dict[int, _Values]) -> dict[str, pd.DataFrame]:
    """The tidy result frames (scores, by_group, communities, notes) from the node values."""
    import numpy as np
    import pandas as pd

    fw, U, nodes = eng.fw, eng.U, eng.nodes
    T = fw.max_total()
    zero_policy = fw.scoring.missing != "renormalize"
    cid = eng.units["community_id"].to_numpy(dtype=object)
    wave = eng.units["wave"].to_numpy(dtype=object)

    # bonus (audit fields through their rules; no answer earns nothing) and the root
    bonus_rows = []
    bonus = np.zeros(U)
    for item in fw.bonus:
        att = _field_attainment(eng, item.field, item.rule)
        pts = item.points * np.nan_to_num(att)
        bonus += pts
        bonus_rows.append((item, pts))
    bonus = np.minimum(bonus, fw.scoring.bonus_cap)
    root = values[0]
    base = T * root.att
    root_points = np.minimum(base + bonus, T)

    # linear coefficient of each node in the root's attainment, top-down
    C = [np.zeros(U)] * len(nodes)
    C[0] = np.ones(U)
    for idx, node in enumerate(nodes):
        for c, bc in zip(node.children, values[idx].b, strict=True):
            C[c] = C[idx] * bc

    cols: dict[str, list] = {
        k: []
        for k in (
            "score",
            "points",
            "max_points",
            "se",
            "df",
            "half",
            "n",
            "coverage",
            "gain",
            "status",
        )
    }
    for idx, node in enumerate(nodes):
        v = values[idx]
        att = v.att
        if zero_policy and node.kind == "indicator":
            att = np.where(v.avail, att, 0.0)
        if idx == 0:
            pts, sc = root_points, 100 * root_points / T
            gain = T - root_points
        else:
            pts, sc = att * node.max_points, 100 * att
            gain = np.minimum(base + T * C[idx] * (1 - att) + bonus, T) - root_points
        status = np.where(
            v.cov == 0, "missing", np.where(v.insufficient, "insufficient", "ok")
        ).astype(object)
        cols["score"].append(sc)
        cols["points"].append(pts)
        cols["max_points"].append(np.full(U, node.max_points))
        cols["se"].append(100 * np.sqrt(v.var))
        cols["df"].append(v.df)
        cols["half"].append(_t_quantile(eng.p_ci, v.df) * cols["se"][-1])
        cols["n"].append(v.n)
        cols["coverage"].append(v.cov)
        cols["gain"].append(gain)
        cols["status"].append(status)

    veto_hit, veto_cap, veto_notes = _vetoes(eng)
    grade_ids = [g.id for g in fw.scoring.grades]
    root_score = cols["score"][0]
    g_before = np.array(
        [fw.grade_for(x).id if np.isfinite(x) else None for x in root_score], dtype=object
    )
    g_idx = np.array([grade_ids.index(g) if g is not None else -1 for g in g_before])
    g_after = np.where((g_idx >= 0) & veto_hit, np.maximum(g_idx, veto_cap), g_idx)
    grade = np.array([grade_ids[i] if i >= 0 else None for i in g_after], dtype=object)
    cols["status"][0] = np.where(veto_hit, "veto", cols["status"][0]).astype(object)

    def stack(key):  # node-major lists → unit-major flat array
        return np.stack(cols[key], axis=1).ravel()

    N = len(nodes)
    score = stack("score")
    half = stack("half")  # t_{(1+level)/2}(df) × se
    scores = pd.DataFrame(
        {
            "community_id": np.repeat(cid, N),
            "wave": np.repeat(wave, N),
            "path": np.tile(np.array([n.path for n in nodes], dtype=object), U),
            "node_id": np.tile(np.array([n.node_id for n in nodes], dtype=object), U),
            "kind": np.tile(np.array([n.kind for n in nodes], dtype=object), U),
            "level": np.tile(np.array([n.level for n in nodes], dtype=np.int64), U),
            "score": score,
            "points": stack("points"),
            "max_points": stack("max_points"),
            "ci_low": np.clip(score - half, 0, 100),
            "ci_high": np.clip(score + half, 0, 100),
            "df": stack("df"),
            "n": stack("n").astype(np.int64),
            "coverage": stack("coverage"),
            "potential_gain": stack("gain"),
            "status": stack("status"),
            "grade": np.where(np.tile(np.arange(N) == 0, U), np.repeat(grade, N), None),
        }
    )

    communities = pd.DataFrame({"community_id": cid, "wave": wave})
    for col in ("name", "city", "district"):
        communities[col] = (
            _take(eng.audit[col].to_numpy(dtype=object), eng.audit_row)
            if col in eng.audit.columns
            else None
        )
    root_rows = scores[scores["kind"] == "total"].reset_index(drop=True)
    for col in ("score", "points", "max_points", "ci_low", "ci_high"):
        communities[col] = root_rows[col].to_numpy()
    communities["grade"] = grade
    communities["grade_before_veto"] = g_before
    communities["bonus_points"] = bonus
    communities["vetoed"] = veto_hit
    for j, g in enumerate(eng.groups):
        communities[f"n_{g}"] = eng.n_cell[:, j].astype(np.int64)

    notes = _notes(eng, values, bonus_rows, veto_notes)
    return {
        "scores": scores,
        "by_group": _by_group(eng),
        "communities": communities,
        "notes": notes,
    }


def _field_attainment(eng: _Engine, field_name: str, rule) -> np.ndarray:
    import numpy as np

    from cfeval.scoring.rules import RULES

    if field_name not in eng.audit.columns:
        return np.full(eng.U, np.nan)
    return RULES[rule.type](_take(eng.audit[field_name].to_numpy(), eng.audit_row), rule)


def _vetoes(eng: _Engine) -> tuple[np.ndarray, np.ndarray, list]:
    """Which units are vetoed, the worst grade index each may keep, and note rows."""
    import numpy as np

    grade_ids = [g.id for g in eng.fw.scoring.grades]
    hit = np.zeros(eng.U, bool)
    cap = np.zeros(eng.U, np.int64)
    notes = []
    for item in eng.fw.veto:
        if item.field in eng.audit.columns:
            raw = _take(eng.audit[item.field].to_numpy(dtype=np.float64), eng.audit_row)
        else:
            raw = np.full(eng.U, np.nan)
        fired = raw == (1.0 if item.when else 0.0)
        limit = grade_ids.index(item.max_grade) if item.max_grade else len(grade_ids) - 1
        cap = np.where(fired, np.maximum(cap, limit), cap)
        hit |= fired
        notes.append((item, fired, grade_ids[limit]))
    return hit, cap, notes


def _label(label: dict[str, str]) -> str:
    return label.get("en") or next(iter(label.values()), "")


def _notes(
    eng: _Engine, values: dict[int, _Values], bonus_rows: list, veto_notes: list
) -> pd.DataFrame:
    import numpy as np
    import pandas as pd

    cid = eng.units["community_id"].to_numpy(dtype=object)
    wave = eng.units["wave"].to_numpy(dtype=object)
    parts = []

    def add(sel, kind, node_id, points, message):
        sel = np.asarray(sel).nonzero()[0]
        if len(sel):
            pts = np.broadcast_to(np.asarray(points, dtype=np.float64), (eng.U,))[sel]
            parts.append(
                pd.DataFrame(
                    {
                        "community_id": cid[sel],
                        "wave": wave[sel],
                        "kind": kind,
                        "id": node_id,
                        "points": pts,
                        "message": message,
                    }
                )
            )

    for item, pts in bonus_rows:
        add(
            pts > 0,
            "bonus",
            item.id,
            pts,
            f"bonus: {_label(item.label)} (capped at {eng.fw.scoring.bonus_cap:g} in total)",
        )
    for item, fired, grade_id in veto_notes:
        add(
            fired,
            "veto",
            item.id,
            np.nan,
            f"veto: {_label(item.label)}; grade at most {grade_id!r}",
        )
    for idx, node in enumerate(eng.nodes):
        if node.kind != "indicator":
            continue
        v = values[idx]
        add(
            ~v.avail,
            "missing",
            node.node_id,
            np.nan,
            f"no data for {node.path} ({eng.fw.scoring.missing})",
        )
        add(
            v.insufficient,
            "insufficient",
            node.node_id,
            np.nan,
            f"{node.path}: no respondent group reaches its min_n; all groups used",
        )
    for row in eng.group_rows:
        ind = row["ind"]
        for j, g in enumerate(eng.groups):
            left_out = row["asked"][j] & (row["n"][:, j] > 0) & ~row["used"][:, j]
            add(
                left_out,
                "insufficient",
                ind.id,
                np.nan,
                f"{ind.id}: group {g!r} below min_n {eng.fw.respondents[g].min_n}; left out of the combination",
            )
    cols = ["community_id", "wave", "kind", "id", "points", "message"]
    if not parts:
        return pd.DataFrame(
            {c: pd.Series(dtype=np.float64 if c == "points" else object) for c in cols}
        )
    out = pd.concat(parts, ignore_index=True)[cols]
    return out.sort_values(
        ["community_id", "wave", "kind", "id", "message"], kind="stable"
    ).reset_index(drop=True)


def _by_group(eng: _Engine) -> pd.DataFrame:
    """One row per unit × survey indicator × asked group, already in output order."""
    import numpy as np
    import pandas as pd

    paths = {n.node_id: n.path for n in eng.nodes}
    # Blocks of shape (units, groups asked) side by side: ravel() then gives unit-major
    # rows, indicators in framework order (group_rows is filled bottom-up, so reverse).
    rows = list(reversed(eng.group_rows))
    sel = [[eng.groups.index(g) for g in r["ind"].respondents or []] for r in rows]

    def block(key):
        if not rows:
            return np.empty(0)
        return np.concatenate(
            [r[key][:, js] for r, js in zip(rows, sel, strict=True)], axis=1
        ).ravel()

    def labels(values_per_row):
        per = np.array(
            [v for r, js in zip(rows, sel, strict=True) for v in values_per_row(r, js)],
            dtype=object,
        )
        return np.tile(per, eng.U)

    k = sum(len(js) for js in sel)
    sc, df = block("score"), block("df")
    half = _t_quantile(eng.p_ci, df) * block("se")
    return pd.DataFrame(
        {
            "community_id": np.repeat(eng.units["community_id"].to_numpy(dtype=object), k),
            "wave": np.repeat(eng.units["wave"].to_numpy(dtype=object), k),
            "path": labels(lambda r, js: [paths[r["ind"].id]] * len(js)),
            "node_id": labels(lambda r, js: [r["ind"].id] * len(js)),
            "respondent": labels(lambda r, js: [eng.groups[j] for j in js]),
            "score": sc,
            "ci_low": np.clip(sc - half, 0, 100),
            "ci_high": np.clip(sc + half, 0, 100),
            "df": df,
            "n": block("n").astype(np.int64),
            "n_eff": block("n_eff"),
            "status": block("status").astype(object),
            "used": block("used").astype(bool),
        }
    )
