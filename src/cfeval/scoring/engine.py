"""The scoring engine: a Framework and a validated Dataset → scores with linearised intervals.

The engine reads no files and checks no data: :func:`score` hands paths and frames to the
data stage (:func:`cfeval.load_data`) and framework ids to the framework stage first. One
pass, vectorised over every community × wave ("unit") at once; the steps live in

- :mod:`cfeval.scoring.survey` (steps 1–3), :mod:`cfeval.scoring.rules` (the rule types),
- this module (the tree, step 4, and the variance of every node),
- :mod:`cfeval.scoring.variance` (variance kernels, degrees of freedom, t quantiles),
- :mod:`cfeval.scoring.frames` and :mod:`cfeval.scoring.notes` (result frames, grades,
  bonus, vetoes, notes), :mod:`cfeval.scoring.result` (the value) and
  :mod:`cfeval.scoring.export` (its files).

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
with a contributing cell of one respondent, get no interval (NaN). Shares get an
interval built for proportions at their effective sample size, carried up to dimensions
and the total (:mod:`cfeval.scoring.proportions`); survey design columns (stratum,
cluster, fpc) make every variance design-based (:mod:`cfeval.scoring.design`). See
``docs/methods.md``.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from cfeval._columns import ID_COLUMNS
from cfeval.errors import DataError, UsageError
from cfeval.framework.model import Dimension, Framework, Indicator
from cfeval.i18n import Msg
from cfeval.scoring.design import design_from_frame, has_design, taylor_variance
from cfeval.scoring.proportions import SHARE_INTERVALS
from cfeval.scoring.values import Node, Values, take
from cfeval.scoring.variance import bm_df, cell_variance, row_sums, satterthwaite

if TYPE_CHECKING:
    import numpy as np

    from cfeval.data.load import Dataset
    from cfeval.scoring.result import ScoreResult

__all__ = ["score"]


def score(
    framework: Framework | str | Path,
    data: Dataset | None = None,
    *,
    survey: Any = None,
    audit: Any = None,
    mapping: Any = None,
    sheet: str | None = None,
    proposals: Any = None,
    lang: str | None = None,
    show_small_groups: bool = False,
) -> ScoreResult:
    """Score every community × wave of ``data`` with ``framework``.

    ``data`` is a :class:`cfeval.data.Dataset` from :func:`cfeval.load_data`. Instead, pass
    ``survey=`` / ``audit=`` as files or DataFrames (and ``mapping=`` / ``sheet=``): they
    are turned into a Dataset by :func:`cfeval.load_data` first, with the same checks as
    files, and its report travels with the result; ``proposals=`` is the children's proposal
    log, which ``proposal_log`` indicators score where it has proposals (a ``source`` note
    per community says whether the log or the audit sheet was used). ``framework`` may be a framework id or
    file, loaded by :func:`cfeval.load_framework`. ``lang`` is the language of the notes'
    and data-report messages (default: the environment's). Group results below a group's
    ``min_n`` are blanked unless ``show_small_groups`` (see :mod:`cfeval.scoring.privacy`).

    >>> result = score(fw, survey="survey.csv", audit="audit.xlsx")  # doctest: +SKIP
    >>> result.to_frame().query("kind == 'total'")[["community_id", "score", "grade"]]  # doctest: +SKIP
    """
    from cfeval.data.load import Dataset, load_data

    fw = framework if isinstance(framework, Framework) else _load_framework(framework)
    if data is None:
        data = load_data(
            fw,
            survey=survey,
            audit=audit,
            mapping=mapping,
            sheet=sheet,
            proposals=proposals,
            lang=lang,
        )
    elif not isinstance(data, Dataset):
        raise UsageError(Msg("pass survey and audit frames as survey=... and audit=..."))
    elif survey is not None or audit is not None or proposals is not None:
        raise UsageError(Msg("pass either a Dataset or survey=... / audit=..., not both"))
    from cfeval.scoring.privacy import mask_community_text

    # Children's data: no group of one published (the by-group frame is built without
    # the results of groups below min_n), no phone numbers in any output.
    result = _Engine(fw, data, show_small_groups).run(lang)
    result.communities = mask_community_text(result.communities)
    return result


def _load_framework(source: str | Path) -> Framework:
    """The framework stage resolves ids and files; the engine only takes a Framework."""
    from cfeval.framework.loader import load_framework

    return load_framework(source)


class _Engine:
    """One scoring pass over a validated Dataset. It trusts the data stage's checks
    (string ids, declared groups, positive weights, one audit row per unit) and never
    repeats them."""

    def __init__(self, fw: Framework, data: Dataset, show_small_groups: bool = False):
        import numpy as np

        self.fw = fw
        self.data = data
        self.show_small_groups = show_small_groups
        self.groups = list(fw.respondents)
        self.G = max(len(self.groups), 1)
        self.min_n = np.array([fw.respondents[g].min_n for g in self.groups] or [1])
        self.p_ci = 0.5 + fw.scoring.ci_level / 2  # the t quantile's probability
        self.share_interval = SHARE_INTERVALS[fw.scoring.share_interval]
        # Every column but the items: those are asked for an indicator at a time.
        self.survey = data.survey_rows
        self.audit = data.audit.reset_index(drop=True)
        self._units()
        if self.U == 0:
            raise DataError(Msg("no community to score: the survey and audit have no usable rows"))
        self._flatten()

    # -- setup -----------------------------------------------------------------------

    def _units(self) -> None:
        """Sorted community × wave units; survey rows coded by unit and cell."""
        import numpy as np
        import pandas as pd

        s, a = self.survey, self.audit
        # Factorising the two key columns separately is far cheaper than building a
        # MultiIndex over a million rows; only the unique pairs are looked up.
        cc, cu = pd.factorize(s["community_id"], sort=False)
        wc, wu = pd.factorize(s["wave"], sort=False)
        combo = cc.astype(np.int64) * max(len(wu), 1) + wc
        inv, uniq = pd.factorize(combo, sort=False)  # hashing: no sort of a million rows
        # Codes are given in order of first appearance, so the running maximum rises
        # exactly at each pair's first row: the rows drop_duplicates() would keep.
        top = np.maximum.accumulate(inv) if len(inv) else inv
        seen = np.flatnonzero(np.diff(top, prepend=-1) > 0)
        pairs = pd.concat([a[list(ID_COLUMNS)], s[list(ID_COLUMNS)].iloc[seen]])
        units = pairs.drop_duplicates().sort_values(list(ID_COLUMNS), kind="stable")
        self.units = units.reset_index(drop=True)
        self.U = len(self.units)
        key = pd.MultiIndex.from_frame(self.units)
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
        self.row_group = gcode
        self.cell = self.row_unit * self.G + gcode
        self.K = self.U * self.G
        self.w = s["weight"].to_numpy(dtype=np.float64)
        self.n_cell = np.bincount(self.cell, minlength=self.K).reshape(self.U, self.G)
        ai = pd.MultiIndex.from_frame(a[list(ID_COLUMNS)])
        self.audit_row = ai.get_indexer(key)  # -1 where a unit has no audit row
        # Design columns (stratum, cluster, fpc) switch variances to design-based ones.
        self.design = design_from_frame(s, self.row_unit, self.U) if has_design(s) else None

    def _flatten(self) -> None:
        fw = self.fw
        points_mode = fw.scoring.method == "points"
        nodes: list[Node] = []

        def amount(n) -> float:
            return (
                float(n.points) if points_mode else float(n.weight if n.weight is not None else 1.0)
            )

        def maxp(n) -> float:
            return float(n.points) if points_mode else 100.0

        def rec(node, prefix: str, level: int) -> int:
            path = f"{prefix}.{node.id}" if prefix else node.id
            kind = "indicator" if isinstance(node, Indicator) else "dimension"
            me = Node(path, node.id, kind, level, node, amount(node), maxp(node))
            nodes.append(me)
            idx = len(nodes) - 1
            if isinstance(node, Dimension):
                me.children = [rec(c, path, level + 1) for c in node.children]
            return idx

        root = Node("total", "total", "total", 0, fw, 1.0, fw.max_total())
        nodes.append(root)
        root.children = [rec(d, "", 1) for d in fw.dimensions]
        self.nodes = nodes

    # -- evaluation ------------------------------------------------------------------

    def run(self, lang: str | None = None) -> ScoreResult:
        from cfeval.i18n import resolve_lang, words
        from cfeval.scoring.frames import score_frames
        from cfeval.scoring.notes import notes_frame
        from cfeval.scoring.result import ScoreResult, provenance

        self.group_rows: list[dict] = []
        self.log_sources: list = []  # one LogSource per proposal_log indicator, with a log
        self._df_all: np.ndarray | None = None  # per-cell df when every row contributes
        values: dict[int, Values] = {}
        self._ahead = self._survey_ahead()
        for idx in reversed(range(len(self.nodes))):  # children before parents
            node = self.nodes[idx]
            if node.kind == "indicator":
                v = self._indicator(node)
            else:
                v = self._combine(node, [values[c] for c in node.children])
                for c in node.children:  # release respondent-level arrays early
                    values[c].z = values[c].mask = None
            v.var, v.n, v.df = self._variance(v)
            v.cell_var = v.cell_n = v.cell_df = None  # U × G pieces only _variance reads
            values[idx] = v
        # The look-ahead holds views of the survey's columns (and the engine, in a cycle
        # the garbage collector would only break later): let go of them now.
        self._ahead.close()
        self._ahead = None
        if self.fw.scoring.missing == "fail":
            self._fail_on_missing(values)
        index_run = None
        if self.fw.index is not None:  # a composite index across the units (index_mode.py)
            from cfeval.scoring.index_mode import index_pass

            index_run = index_pass(self, values)
        frames = score_frames(self, values)
        notes = notes_frame(
            self,
            values,
            frames["bonus_rows"],
            frames["veto_notes"],
            words(resolve_lang(lang)),
            frames["grading"],
        )
        if self.log_sources:
            import pandas as pd

            from cfeval.scoring.proposal_source import source_notes

            made = source_notes(self.units, self.log_sources, words(resolve_lang(lang)))
            notes = pd.concat([notes, made[notes.columns]], ignore_index=True)
        result = ScoreResult(
            framework=self.fw,
            scores=frames["scores"],
            by_group=frames["by_group"],
            communities=frames["communities"],
            notes=notes,
            report=self.data.report,
            provenance=provenance(self.fw, self.data),
            proposals=self.data.proposals,
        )
        if index_run is not None:
            from cfeval.scoring.index_mode import finish_result

            finish_result(result, self, index_run)
        return result

    def _indicator(self, node: Node) -> Values:
        ind: Indicator = node.obj
        if ind.source == "survey":
            from cfeval.scoring.survey import survey_indicator

            return survey_indicator(self, ind, next(self._ahead))
        import numpy as np

        from cfeval.scoring.rules import RULES

        col = self.audit[ind.field] if ind.field in self.audit.columns else None
        raw = np.full(len(self.audit), np.nan) if col is None else col.to_numpy()
        per_unit = take(raw, self.audit_row)
        if ind.rule.type == "proposal_log" and self.data.proposals is not None:
            from cfeval.scoring.proposal_source import log_values

            per_unit, source = log_values(
                self.units, self.data.proposals, ind.rule, per_unit, ind.id
            )
            self.log_sources.append(source)
        att = RULES[ind.rule.type](per_unit, ind.rule)
        avail = ~np.isnan(att)
        return Values(att, avail, avail.astype(np.float64), np.zeros(self.U, bool))

    def _survey_ahead(self):
        """The survey indicators' cells in the order the pass meets them, computed ahead
        on every core while the pass combines the ones before (same arrays, same sums)."""
        from cfeval._threads import ordered_map
        from cfeval.scoring.survey import item_columns, survey_cells

        order = [
            self.nodes[i].obj
            for i in reversed(range(len(self.nodes)))
            if self.nodes[i].kind == "indicator" and self.nodes[i].obj.source == "survey"
        ]
        if self.data.items_deferred:  # decoded from the files on the worker threads
            return ordered_map(lambda ind: survey_cells(self, ind, None), order)
        # Columns of a pandas frame are taken here, on the engine's thread.
        work = [(ind, item_columns(self, ind)) for ind in order]
        return ordered_map(lambda job: survey_cells(self, *job), work)

    def _combine(self, node: Node, kids: list[Values]) -> Values:
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
        z, mask = self._combine_rows(kids, b, avail)
        # Coefficients for potential gain: under `zero` a missing child still counts.
        gain_b = (
            b
            if self.fw.scoring.missing == "renormalize"
            else np.broadcast_to(p[:, None] / p.sum(), b.shape)
        )
        return Values(att, ok, cov, insufficient, z, mask, b=list(gain_b))

    def _combine_rows(self, kids: list[Values], b: np.ndarray, avail: np.ndarray):
        """The node's linearised values ``z = Σ_c b_c z_c`` per row, and its rows (mask).

        A child's mask is already empty in units where it has no data (b = 0 there).
        Most units share one set of coefficients (every child available); rows of those
        take it as a number, and only the rows of the other units (a community without
        children, say) gather their unit's: a million-row gather per child otherwise,
        at 50,000 communities where a few always differ. Same products, same order.
        """
        import numpy as np

        full = np.flatnonzero(avail.all(axis=0))
        odd = ~(b == b[:, full[:1]]).all(axis=0) if len(full) else None
        if odd is None or odd.sum() > self.U // 2:  # no common set: every row gathers
            fix, ref = slice(None), None
        else:
            fix = np.flatnonzero(odd[self.row_unit]) if odd.any() else np.empty(0, np.int64)
            ref = full[0]
        ufix = self.row_unit[fix]
        z = mask = zfix = None
        for k, bb in zip(kids, b, strict=True):
            if k.z is None:
                continue
            if z is None:
                z = bb[ref] * k.z if ref is not None else np.empty_like(k.z)
                mask, zfix = k.mask.copy(), bb[ufix] * k.z[fix]
            else:
                if ref is not None:
                    z += bb[ref] * k.z
                mask |= k.mask
                zfix += bb[ufix] * k.z[fix]
        if z is not None:
            z[fix] = zfix
        return z, mask

    def _variance(self, v: Values) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(variance of the attainment, contributing respondents, df) per unit."""
        import numpy as np

        if v.z is None:
            nan = np.full(self.U, np.nan)
            return nan, np.zeros(self.U, np.int64), nan.copy()
        if self.design is not None:
            return self._design_variance(v)
        if v.cell_var is not None:
            n, parts = v.cell_n, v.cell_var
        else:
            n = np.bincount(self.cell, weights=v.mask, minlength=self.K).reshape(self.U, self.G)
            parts = cell_variance(v.z * v.z, self.cell, n, self.K)
        var = row_sums(parts)
        ntot = row_sums(n).astype(np.int64)
        var[ntot == 0] = np.nan
        return var, ntot, satterthwaite(parts, self._cell_df(v, n), n)

    def _design_variance(self, v: Values) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Design-based variance of a node (strata, clusters, fpc) and the design's df."""
        import numpy as np

        n = v.cell_n
        if n is None:
            n = np.bincount(self.cell, weights=v.mask, minlength=self.K).reshape(self.U, self.G)
        ntot = n.sum(axis=1).astype(np.int64)
        var = taylor_variance(v.z, self.design)
        var[ntot == 0] = np.nan
        return var, ntot, np.where(ntot > 0, self.design.df, np.nan)

    def _cell_df(self, v: Values, n: np.ndarray) -> np.ndarray:
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
        return bm_df(h, q, cell, n, self.K)

    def _fail_on_missing(self, values: dict[int, Values]) -> None:
        lines = []
        for idx, node in enumerate(self.nodes):
            if node.kind != "indicator":
                continue
            for u in (~values[idx].avail).nonzero()[0]:
                cid, wave = self.units.iloc[u]
                lines.append(
                    Msg(
                        "  {community} (wave {wave}): {path}",
                        community=cid,
                        wave=wave,
                        path=node.path,
                    )
                )
        if lines:
            shown = [*lines[:50], *(["  ..."] if len(lines) > 50 else [])]
            # One Msg whose fields are Msgs: the CLI says every line in its language.
            fields = {f"l{i}": line for i, line in enumerate(shown)}
            body = "\n".join(f"{{l{i}}}" for i in range(len(shown)))
            head = Msg(
                "scoring.missing is 'fail' and {n} indicator value(s) have no data:",
                n=len(lines),
            )
            raise DataError(Msg("{head}\n" + body, head=head, **fields))
