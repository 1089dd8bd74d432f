"""Reliability of the survey scales: Cronbach's α and McDonald's ω with intervals.

For every survey indicator with at least two items asked of a respondent group, over the
respondents of that group who answered every item (listwise), with the items
reverse-coded and rescaled to 0..1 as the engine scores them:

* **Covariance.** ``C = Σ w (x − x̄)(x − x̄)' / Σ w`` with the survey weights (all 1 when
  the data has none); both coefficients are ratios of sums of ``C``, so the normalisation
  does not matter and integer weights act as frequency weights.
* **Cronbach's α** ``= k/(k−1) · (1 − Σ C_jj / Σ_ij C_ij)``. Interval: Feldt's F-based
  interval ``1 − (1 − α) · F_{1∓γ}(n−1, (n−1)(k−1))`` with ``γ = (1 − level)/2`` and
  ``n`` the Kish effective sample size ``(Σw)² / Σw²`` (= n for equal weights) — the
  interval pingouin and psych report.
* **McDonald's ω (total)** from a one-factor model fitted to the correlation matrix by
  iterated principal-axis factoring (communalities start at the squared multiple
  correlations; the fixed point is the unweighted-least-squares / "minres" solution),
  then put back on the items' scale: ``λ_j = ℓ_j s_j``, ``ψ_j = (1 − ℓ_j²) s_j²``,
  ``ω = (Σλ)² / ((Σλ)² + Σψ)``. With two items the model is not identified; the fit
  gives both items the standardized loading ``√r`` (for items of equal spread, ω is then
  the Spearman–Brown coefficient ``2r/(1+r)``). Interval: percentile bootstrap over
  respondents (``n_boot`` resamples, seeded, so results repeat exactly).
* **Items.** Item–rest correlation (the item against the sum of the others, weighted) and
  α if the item is dropped (NaN when fewer than two items would remain).

>>> rel = reliability(fw, data)  # doctest: +SKIP
>>> rel.below(0.7)[["indicator", "respondent", "alpha", "omega"]]  # doctest: +SKIP
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cfeval.errors import UsageError
from cfeval.i18n import N_, Msg

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

    from cfeval.framework.model import Framework

__all__ = ["Reliability", "reliability", "cronbach_alpha", "mcdonald_omega", "RELIABILITY_STATUS"]

#: Why a scale has no coefficient (msgids for the catalogue).
RELIABILITY_STATUS = {
    "ok": N_("ok"),
    "too_few_respondents": N_("too few respondents who answered every item"),
    "no_variance": N_("the items do not vary"),
}
# Below this many complete answers the coefficients are not estimated.
MIN_RESPONDENTS = 3
_PAF_ITER = 200
_PAF_TOL = 1e-9


@dataclass
class Reliability:
    """Reliability of every scale (``scales``) and its items (``items``), tidy frames."""

    scales: pd.DataFrame
    items: pd.DataFrame
    ci_level: float
    n_boot: int
    seed: int

    def below(self, threshold: float = 0.7) -> pd.DataFrame:
        """Scales whose α or ω is below ``threshold`` (the usual bar is 0.7)."""
        s = self.scales
        return s[(s["alpha"] < threshold) | (s["omega"] < threshold)].reset_index(drop=True)

    def write(self, path: str | Path, *, lang: str | None = None) -> list[Path]:
        """Write the tables: ``.xlsx`` (sheets ``scales`` and ``items``) or ``.csv`` (the
        scales, and the items beside it as ``NAME.items.csv``). Returns the files written."""
        from cfeval.results.tabular import write_tables

        return write_tables({"scales": self.scales, "items": self.items}, path)


def reliability(
    framework: Framework,
    data: Any,
    *,
    by: str | list[str] | None = None,
    n_boot: int = 1000,
    seed: int = 2024,
) -> Reliability:
    """α and ω with intervals for every multi-item survey indicator × respondent group.

    ``data`` is a :class:`cfeval.data.Dataset` or a tidy survey frame. ``by`` names survey
    columns to compute the coefficients separately for (``"wave"``, ``"city"``); by
    default all respondents of a group are pooled. The interval level is the framework's
    ``scoring.ci_level``.

    >>> reliability(fw, data, by="wave").scales  # doctest: +SKIP
    """
    import numpy as np
    import pandas as pd

    from cfeval.results._survey import item_matrix, survey_frame, survey_indicators

    if n_boot < 0:
        raise UsageError(Msg("n_boot must be 0 (no ω interval) or more"))
    survey = survey_frame(framework, data)
    by = [by] if isinstance(by, str) else list(by or [])
    absent = [c for c in by if c not in survey.columns]
    if absent:
        raise UsageError(
            Msg(
                "cannot split by {columns}: the survey has no such column",
                columns=", ".join(absent),
            )
        )
    level = float(framework.scoring.ci_level)
    rng = np.random.default_rng(seed)
    scale_rows, item_rows = [], []
    keys = survey[by].astype(str).agg("\x1f".join, axis=1) if by else pd.Series("", survey.index)
    for path, ind in survey_indicators(framework):
        for group in ind.respondents or []:
            if len(ind.items_for(group)) < 2:
                continue
            in_group = (survey["respondent"] == group).to_numpy()
            for key in sorted(set(keys[in_group])):
                rows = in_group & (keys == key).to_numpy()
                x, items = item_matrix(framework, survey.loc[rows], ind, group)
                w = survey.loc[rows, "weight"].to_numpy(dtype=np.float64)
                head = dict(zip(by, key.split("\x1f"), strict=True)) if by else {}
                head |= {"path": path, "indicator": ind.id, "respondent": group}
                s_row, i_rows = _scale(x, w, items, level, n_boot, rng)
                scale_rows.append(head | s_row)
                item_rows += [head | r for r in i_rows]
    scales = pd.DataFrame(scale_rows, columns=[*by, *_SCALE_COLUMNS])
    items = pd.DataFrame(item_rows, columns=[*by, *_ITEM_COLUMNS])
    return Reliability(scales, items, level, n_boot, seed)


_SCALE_COLUMNS = [
    "path", "indicator", "respondent", "k", "n", "n_eff", "alpha", "alpha_ci_low",
    "alpha_ci_high", "omega", "omega_ci_low", "omega_ci_high", "ci_level", "weighted", "status",
]  # fmt: skip
_ITEM_COLUMNS = [
    "path", "indicator", "respondent", "item", "reverse", "mean", "sd", "item_rest_r",
    "alpha_if_dropped", "loading",
]  # fmt: skip


def _scale(x, w, items, level, n_boot, rng) -> tuple[dict, list[dict]]:
    """One scale's row and its items' rows."""
    import numpy as np

    complete = ~np.isnan(x).any(axis=1)
    x, w = x[complete], w[complete]
    n, k = x.shape
    n_eff = float(w.sum() ** 2 / (w * w).sum()) if n else 0.0
    row = {"k": k, "n": n, "n_eff": n_eff, "ci_level": level, "weighted": bool(n and np.ptp(w) > 0)}
    nan = float("nan")
    empty = dict.fromkeys(
        ("alpha", "alpha_ci_low", "alpha_ci_high", "omega", "omega_ci_low", "omega_ci_high"), nan
    )
    item_rows = [
        {
            "item": it.id,
            "reverse": it.reverse,
            "mean": nan,
            "sd": nan,
            "item_rest_r": nan,
            "alpha_if_dropped": nan,
            "loading": nan,
        }  # fmt: skip
        for it in items
    ]
    if n < MIN_RESPONDENTS:
        return row | empty | {"status": "too_few_respondents"}, item_rows
    c = weighted_cov(x, w)
    sd = np.sqrt(np.diag(c))
    for j, r in enumerate(item_rows):
        r["mean"] = float(np.average(x[:, j], weights=w))
        r["sd"] = float(sd[j])
    if (sd <= 0).any():
        return row | empty | {"status": "no_variance"}, item_rows
    alpha = _alpha(c)
    lo, hi = feldt_interval(alpha, n_eff, k, level)
    omega, loadings = _omega(c)
    o_lo, o_hi = _omega_bootstrap(x, w, level, n_boot, rng)
    row |= {
        "alpha": alpha, "alpha_ci_low": lo, "alpha_ci_high": hi,
        "omega": omega, "omega_ci_low": o_lo, "omega_ci_high": o_hi, "status": "ok",
    }  # fmt: skip
    for j, r in enumerate(item_rows):
        rest = np.delete(np.arange(k), j)
        cov_jr = c[j, rest].sum()
        var_r = c[np.ix_(rest, rest)].sum()
        r["item_rest_r"] = float(cov_jr / np.sqrt(c[j, j] * var_r)) if var_r > 0 else nan
        r["alpha_if_dropped"] = _alpha(c[np.ix_(rest, rest)]) if k > 2 else nan
        r["loading"] = float(loadings[j])
    return row, item_rows


def weighted_cov(x: np.ndarray, w: np.ndarray) -> np.ndarray:
    """``Σ w (x − x̄)(x − x̄)' / Σ w`` of the columns of ``x``."""

    m = (w[:, None] * x).sum(axis=0) / w.sum()
    d = x - m
    return (d * w[:, None]).T @ d / w.sum()


def _alpha(c: np.ndarray) -> float:
    k = c.shape[0]
    total = c.sum()
    if k < 2 or total <= 0:
        return float("nan")
    return float(k / (k - 1) * (1 - c.trace() / total))


def cronbach_alpha(x: np.ndarray, weights: np.ndarray | None = None) -> float:
    """Cronbach's α of the item columns of ``x`` (rows with a NaN are left out)."""
    import numpy as np

    x = np.asarray(x, dtype=np.float64)
    w = np.ones(len(x)) if weights is None else np.asarray(weights, dtype=np.float64)
    ok = ~np.isnan(x).any(axis=1)
    return _alpha(weighted_cov(x[ok], w[ok]))


def feldt_interval(alpha: float, n: float, k: int, level: float) -> tuple[float, float]:
    """Feldt's interval for α from ``n`` respondents and ``k`` items."""
    from scipy.stats import f

    df1 = n - 1
    df2 = df1 * (k - 1)
    if df1 <= 0 or df2 <= 0:
        return float("nan"), float("nan")
    lo = 1 - (1 - alpha) * f.isf((1 - level) / 2, df1, df2)
    hi = 1 - (1 - alpha) * f.isf((1 + level) / 2, df1, df2)
    return float(lo), float(hi)


def _paf(r: np.ndarray) -> np.ndarray:
    """One-factor standardized loadings of correlation matrices ``r`` (``... × k × k``) by
    iterated principal-axis factoring; the loadings' sum is made positive."""
    import numpy as np

    r = np.asarray(r, dtype=np.float64)
    k = r.shape[-1]
    eye = np.eye(k, dtype=bool)
    try:
        h2 = 1 - 1 / np.diagonal(np.linalg.inv(r), axis1=-2, axis2=-1)
    except np.linalg.LinAlgError:
        h2 = np.abs(np.where(eye, 0, r)).max(axis=-1)
    h2 = np.clip(h2, 0.0, 1.0)
    red = r.copy()
    for _ in range(_PAF_ITER):
        red[..., eye] = h2
        vals, vecs = np.linalg.eigh(red)
        lam = vecs[..., -1] * np.sqrt(np.clip(vals[..., -1], 0, None))[..., None]
        new = np.clip(lam * lam, 0.0, 1.0)  # a Heywood case stops at a communality of 1
        done = np.abs(new - h2).max() < _PAF_TOL
        h2 = new
        if done:
            break
    sign = np.where(lam.sum(axis=-1) < 0, -1.0, 1.0)[..., None]
    return lam * sign


def _omega_from(c: np.ndarray, loadings: np.ndarray) -> np.ndarray:
    import numpy as np

    sd = np.sqrt(np.diagonal(c, axis1=-2, axis2=-1))
    lam = (loadings * sd).sum(axis=-1)
    psi = ((1 - np.clip(loadings**2, 0, 1)) * sd * sd).sum(axis=-1)
    return lam * lam / (lam * lam + psi)


def _corr(c: np.ndarray) -> np.ndarray:
    import numpy as np

    sd = np.sqrt(np.diagonal(c, axis1=-2, axis2=-1))
    return c / (sd[..., :, None] * sd[..., None, :])


def _omega(c: np.ndarray) -> tuple[float, np.ndarray]:
    loadings = _paf(_corr(c))
    return float(_omega_from(c, loadings)), loadings


def mcdonald_omega(x: np.ndarray, weights: np.ndarray | None = None) -> float:
    """McDonald's ω (total, one factor) of the item columns of ``x`` (NaN rows left out)."""
    import numpy as np

    x = np.asarray(x, dtype=np.float64)
    w = np.ones(len(x)) if weights is None else np.asarray(weights, dtype=np.float64)
    ok = ~np.isnan(x).any(axis=1)
    return _omega(weighted_cov(x[ok], w[ok]))[0]


def _omega_bootstrap(x, w, level: float, n_boot: int, rng) -> tuple[float, float]:
    """Percentile interval of ω over ``n_boot`` resamples of the respondents.

    Resamples are drawn as multinomial counts and folded into the weights, in chunks so
    that a large survey does not need ``n_boot × n`` numbers at once; each chunk's
    covariances come from one matrix product and its factor models from one batched
    eigen-decomposition per iteration.
    """
    import numpy as np

    if n_boot == 0:
        return float("nan"), float("nan")
    n, k = x.shape
    pairs = (x[:, :, None] * x[:, None, :]).reshape(n, k * k)
    chunk = max(1, min(n_boot, 2_000_000 // max(n, 1)))
    omegas = []
    done = 0
    while done < n_boot:
        b = min(chunk, n_boot - done)
        a = rng.multinomial(n, np.full(n, 1.0 / n), size=b) * w  # b × n
        sw = a.sum(axis=1)
        m = a @ x / sw[:, None]
        c = (a @ pairs).reshape(b, k, k) / sw[:, None, None] - m[:, :, None] * m[:, None, :]
        sd = np.sqrt(np.clip(np.diagonal(c, axis1=1, axis2=2), 0, None))
        ok = (sd > 0).all(axis=1)
        if ok.any():
            cc = c[ok]
            omegas.append(_omega_from(cc, _paf(_corr(cc))))
        done += b
    values = np.concatenate(omegas) if omegas else np.empty(0)
    if len(values) < 0.9 * n_boot:  # many degenerate resamples: no honest interval
        return float("nan"), float("nan")
    lo, hi = np.quantile(values, [(1 - level) / 2, (1 + level) / 2])
    return float(lo), float(hi)
