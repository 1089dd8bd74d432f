"""Uncertainty and sensitivity of a composite index's ranking: :func:`sensitivity`.

The index of a framework with an ``index:`` block is recomputed many times
(:func:`cfeval.scoring.index_compute.compute`) while the inputs named in
``index.sensitivity`` vary, each driven by one column of a Saltelli design
(:mod:`cfeval.results.sensitivity_indices`):

- ``weights``: every weight at a depth listed in ``weight_noise`` is multiplied by
  ``1 + e × factor``, ``e`` uniform in -1..1; ``noise_draws`` such weight sets are drawn once
  and each run picks one (COINr ``get_noisy_weights``);
- ``weight_set``, ``normalisation``, ``imputation``, ``aggregation``: each run picks one of
  the nominal choice and the alternatives listed, with equal probability;
- ``sampling``: every survey indicator is drawn from its sampling distribution, normal with
  the standard error the engine computed (its linearised, design-based variance), kept
  within 0..1; audit values carry no sampling error. This input is what COINr lacks: the
  ranking's uncertainty from who happened to answer the survey, beside the method's.

A discrete choice from a uniform draw u among k alternatives is alternative ⌊u k⌋. The
rank statistics (median, 5th and 95th percentile, R's default quantiles) and the share of
runs in which a unit keeps its nominal grade come from the 2N runs of A and B, as COINr's
``get_sensitivity``; the indices' output is COINr's too: the mean absolute rank change
against the nominal ranking. Ranks are 1 for the best, ties share the lowest rank (R
``rank(ties.method = "min")``); a unit not scored in a run has no rank in it. A run that
fails (an aggregation meeting a zero) counts as not scored for every unit, like COINr's
failed regeneration.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cfeval.errors import CfevalError, UsageError
from cfeval.i18n import Msg

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

__all__ = ["SensitivityResult", "sensitivity", "rank_units"]

RANK_COLUMNS = [
    "community_id",
    "wave",
    "score",
    "grade",
    "nominal_rank",
    "median_rank",
    "rank_q05",
    "rank_q95",
    "mean_rank",
    "grade_kept",
]


@dataclass
class SensitivityResult:
    """Rank intervals per unit and sensitivity indices per uncertain input.

    ``ranks``: ``community_id, wave, score, grade, nominal_rank, median_rank, rank_q05,
    rank_q95, mean_rank, grade_kept`` (share of runs with the nominal grade), best first.
    ``indices``: ``input, first_order, total`` with bootstrap ``_q05``/``_q95`` columns
    (empty when only one input varies). ``settings``: runs, N, seed, inputs.
    """

    ranks: pd.DataFrame
    indices: pd.DataFrame
    settings: dict[str, Any] = field(default_factory=dict)

    def write(self, out_dir: str | Path) -> list[Path]:
        """``ranks.csv``, ``indices.csv`` and ``sensitivity.xlsx`` (formula-safe) in ``out_dir``."""
        from cfeval._io import atomic_write
        from cfeval.results.tabular import csv_text, write_tables

        out = Path(out_dir)
        if not out.is_dir():
            raise UsageError(Msg("folder {folder!r} does not exist", folder=str(out)))
        tables = {"ranks": self.ranks, "indices": self.indices}
        written = [atomic_write(out / f"{k}.csv", csv_text(v)) for k, v in tables.items()]
        return [*written, *write_tables(tables, out / "sensitivity.xlsx")]


def rank_units(totals: np.ndarray) -> np.ndarray:
    """Ranks of each row's units, best (highest) first, ties min, NaN unranked."""
    import numpy as np

    from cfeval.scoring.index_methods import rank_min

    return rank_min(-np.atleast_2d(np.asarray(totals, dtype=float)), axis=1)


@dataclass
class _Input:
    name: str
    choose: Any  # (u: float) -> value for the run


def _inputs(fw, run, rng) -> list[_Input]:
    """The uncertain inputs the framework's ``index.sensitivity`` names."""
    import numpy as np

    from cfeval.scoring.index_mode import nominal_choices

    sens = fw.index.sensitivity
    tree, nominal = run.inputs.tree, run.inputs.nominal
    pick = lambda alts: lambda u: alts[min(int(u * len(alts)), len(alts) - 1)]  # noqa: E731
    out: list[_Input] = []
    if sens.weight_noise:
        factor = np.array([sens.weight_noise.get(int(d), 0.0) for d in tree.depth])
        noise = 1 + rng.uniform(-1, 1, size=(sens.noise_draws, len(tree.ids))) * factor
        out.append(_Input("weights", pick(list(noise))))
    if sens.weight_sets:
        sets = [nominal.weights] + [nominal_choices(fw, tree, s).weights for s in sens.weight_sets]
        out.append(_Input("weight_set", pick(sets)))
    if sens.normalisations:
        n_ind = len(tree.indicator_nodes)
        alts = [nominal.normalisations] + [[n] * n_ind for n in sens.normalisations]
        out.append(_Input("normalisation", pick(alts)))
    if sens.imputation:
        out.append(_Input("imputation", pick([nominal.imputation, "none"])))
    if sens.aggregations:
        dims = tree.columns < 0
        alts = [nominal.aggregations] + [
            [a if dim else None for dim in dims] for a in sens.aggregations
        ]
        out.append(_Input("aggregation", pick(alts)))
    if sens.sampling and (run.inputs.se > 0).any():
        out.append(_Input("sampling", lambda u: u))
    return out


def _one_run(run, inputs: list[_Input], row: np.ndarray, seed: int) -> np.ndarray:
    """The total of every unit for one row of the design."""
    import numpy as np

    from cfeval.scoring.index_compute import compute, with_choices

    base = run.inputs
    chosen = {i.name: i.choose(u) for i, u in zip(inputs, row, strict=True)}
    changes = {}
    weights = chosen.get("weight_set", base.nominal.weights)
    if "weights" in chosen:
        weights = weights * chosen["weights"]
    changes["weights"] = weights
    if "normalisation" in chosen:
        changes["normalisations"] = chosen["normalisation"]
    if "imputation" in chosen:
        changes["imputation"] = chosen["imputation"]
    if "aggregation" in chosen:
        changes["aggregations"] = chosen["aggregation"]
    values = None
    if "sampling" in chosen:
        # The draw is a function of the design's value, so A's row and an AB_i row that
        # keeps A's sampling column get the very same draw.
        key = int(chosen["sampling"] * 2**52)
        z = np.random.default_rng([seed, key]).standard_normal(base.values.shape)
        lo, hi = base.bounds[:, 0], base.bounds[:, 1]
        values = np.clip(base.values + base.se * z, lo, hi)
    try:
        out = compute(base, with_choices(base.nominal, **changes), values)
    except CfevalError:
        return np.full(base.values.shape[0], np.nan)
    return out.node_values[:, 0]


def _grades(fw, totals: np.ndarray, cap: np.ndarray) -> np.ndarray:
    """Grade index per run and unit (0 = best; -1 unscored), vetoes applied."""
    import numpy as np

    mins = np.array([g.min for g in fw.scoring.grades])
    g = (totals[..., None] < mins - 1e-9).sum(axis=-1)  # grades are listed highest first
    g = np.minimum(g, len(mins) - 1)
    g = np.where(cap >= 0, np.maximum(g, cap), g)
    return np.where(np.isnan(totals), -1, g)


def sensitivity(
    framework=None,
    data=None,
    *,
    result=None,
    survey: Any = None,
    audit: Any = None,
    mapping: Any = None,
    sheet: str | None = None,
    runs: int | None = None,
    seed: int = 2024,
    bootstrap: int = 1000,
    progress: bool = False,
    lang: str | None = None,
) -> SensitivityResult:
    """Rank intervals and sensitivity indices of a composite index (``index:`` block).

    Pass a framework with ``data`` / ``survey=`` / ``audit=`` as for :func:`cfeval.score`,
    or ``result=`` a :class:`~cfeval.ScoreResult` already scored. ``runs`` (default the
    framework's ``index.sensitivity.runs``) is the number of model runs, N (d + 2) for d
    uncertain inputs; ``seed`` makes them reproducible; ``bootstrap`` replicates give the
    indices' intervals; ``progress`` shows a progress bar.

    >>> sa = sensitivity("research-index", survey="survey.csv", audit="audit.csv")  # doctest: +SKIP
    >>> sa.ranks[["community_id", "nominal_rank", "rank_q05", "rank_q95"]]  # doctest: +SKIP
    """
    import numpy as np

    from cfeval.results.sensitivity_indices import saltelli_design

    if result is None:
        from cfeval.scoring.engine import score

        if framework is None:
            raise UsageError(Msg("pass a framework and its data, or result="))
        result = score(
            framework, data, survey=survey, audit=audit, mapping=mapping, sheet=sheet, lang=lang
        )
    fw, run = result.framework, result.index
    if run is None:
        raise UsageError(
            Msg("sensitivity needs a framework with an `index` block ({id} has none)", id=fw.id)
        )
    rng = np.random.default_rng(seed)
    inputs = _inputs(fw, run, rng)
    if not inputs:
        raise UsageError(Msg("index.sensitivity varies nothing: name weights, methods or sampling"))
    d = len(inputs)
    total_runs = runs if runs is not None else fw.index.sensitivity.runs
    n = total_runs // (d + 2)
    if n < 2:
        raise UsageError(
            Msg("at least {runs} runs are needed for {d} inputs", runs=2 * (d + 2), d=d)
        )
    design = saltelli_design(n, d, rng)
    totals = np.empty((len(design), run.inputs.values.shape[0]))
    with _progress(progress, len(design), lang) as step:
        for r, row in enumerate(design):
            totals[r] = _one_run(run, inputs, row, seed)
            step()
    return _summarise(result, run, inputs, totals, n, bootstrap, rng, seed)


def _summarise(result, run, inputs, totals, n, bootstrap, rng, seed) -> SensitivityResult:
    import numpy as np
    import pandas as pd

    from cfeval.results.sensitivity_indices import sensitivity_indices

    fw = result.framework
    nominal = run.output.node_values[:, 0]
    nominal_rank = rank_units(nominal)[0]
    ranks = rank_units(totals)
    ua = ranks[: 2 * n]
    with np.errstate(invalid="ignore"):
        import warnings

        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            q05, med, q95 = np.nanquantile(ua, [0.05, 0.5, 0.95], axis=0)
            mean = np.nanmean(ua, axis=0)
    cap = run.veto_cap if run.veto_cap is not None else np.full(len(nominal), -1)
    g_nom = _grades(fw, nominal, cap)
    kept = (_grades(fw, totals[: 2 * n], cap) == g_nom).mean(axis=0)
    grade_ids = [g.id for g in fw.scoring.grades]
    frame = pd.DataFrame(
        {
            "community_id": run.units["community_id"].to_numpy(dtype=object),
            "wave": run.units["wave"].to_numpy(dtype=object),
            "score": nominal,
            "grade": [grade_ids[g] if g >= 0 else None for g in g_nom],
            "nominal_rank": nominal_rank,
            "median_rank": med,
            "rank_q05": q05,
            "rank_q95": q95,
            "mean_rank": mean,
            "grade_kept": np.where(g_nom >= 0, kept, np.nan),
        }
    )
    frame = frame.sort_values(["nominal_rank", "community_id"], na_position="last", kind="stable")
    # COINr's output of the indices: mean absolute rank change against the nominal ranking.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        y = np.nanmean(np.abs(ranks - nominal_rank), axis=1)
    names = [i.name for i in inputs]
    indices = sensitivity_indices(np.nan_to_num(y), n, names, bootstrap, rng)
    settings = {"runs": len(totals), "n": n, "seed": seed, "inputs": names, "bootstrap": bootstrap}
    return SensitivityResult(frame.reset_index(drop=True), indices, settings)


class _progress:
    """A rich progress bar on stderr when asked for, else nothing."""

    def __init__(self, show: bool, total: int, lang: str | None) -> None:
        self.show, self.total, self.lang = show, total, lang

    def __enter__(self):
        if not self.show:
            return lambda: None
        from rich.progress import Progress

        from cfeval.i18n import words

        self._bar = Progress(transient=True)
        self._bar.__enter__()
        task = self._bar.add_task(words(self.lang)("Sensitivity runs"), total=self.total)
        return lambda: self._bar.advance(task)

    def __exit__(self, *exc) -> None:
        if self.show:
            self._bar.__exit__(*exc)
