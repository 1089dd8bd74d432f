"""The ``index:`` block of a framework: how a composite index is built from the indicators.

A framework in index mode (``scoring.method: index``) without this block scores as it
always did: each indicator's rule gives an attainment, dimensions are weighted arithmetic
means. With it, the indicators' values are compared across the communities being scored,
as the OECD/JRC Handbook and the COINr package do it: outlier treatment, imputation,
normalisation across units (or a named reference set), aggregation chosen per level,
alternative weight sets and a data-availability threshold per level; the ``sensitivity``
part says what ``cfeval sensitivity`` varies. The formulas are in docs/methods.md.

Levels are numbered by depth of the node being computed: 0 is the total (aggregating the
top dimensions), 1 the top dimensions (aggregating their children), and so on. A weight
noise level names the depth of the weighted nodes (1: the top dimensions' weights).
"""

from __future__ import annotations

from typing import Literal, get_args

from pydantic import Field, model_validator

from cfeval.framework.base import FormatModel
from cfeval.i18n import Msg

__all__ = [
    "NORMALISATIONS",
    "AGGREGATIONS",
    "IMPUTATIONS",
    "Treatment",
    "Normalisation",
    "IndicatorIndex",
    "Level",
    "ReferenceSet",
    "SensitivitySettings",
    "IndexSettings",
]

NormalisationName = Literal[
    "minmax", "zscore", "rank", "prank", "borda", "dist2max", "dist2targ", "goalposts",
    "categorical",
]  # fmt: skip
AggregationName = Literal["amean", "gmean", "hmean", "median"]
ImputationName = Literal["none", "parent_mean", "city_mean"]

# The names as tuples, taken from the types so that each list is written once.
NORMALISATIONS = get_args(NormalisationName)
AGGREGATIONS = get_args(AggregationName)
IMPUTATIONS = get_args(ImputationName)

# Which parameters each normalisation takes (a parameter given to another method is a mistake).
_PARAMS = {
    "minmax": {"range"},
    "zscore": {"mean_sd"},
    "rank": set(),
    "borda": set(),
    "prank": {"scale"},
    "dist2max": {"scale"},
    "dist2targ": {"target", "cap", "scale"},
    "goalposts": {"goalposts", "truncate", "scale"},
    "categorical": {"thresholds", "scores", "percentiles"},
}


class Treatment(FormatModel):
    """Outlier treatment of one indicator's values across the units (COINr ``Treat``)."""

    method: Literal["none", "winsorise", "log"] = "none"
    """none; winsorise (COINr's loop, then the log transform if still skewed, see
    `log_fallback`); or log (COINr's log_CT transform whenever the skew/kurtosis check fails)."""

    winmax: int = Field(default=5, ge=0)
    """Most points winsorised (COINr's winmax, default 5)."""

    skew_thresh: float = Field(default=2.0, gt=0)
    """Absolute skewness above which an indicator may be treated (COINr default 2)."""

    kurt_thresh: float = 3.5
    """Excess kurtosis above which an indicator may be treated (COINr default 3.5)."""

    log_fallback: bool = True
    """When winsorising up to winmax points does not pass the check, log-transform instead."""


class Normalisation(FormatModel):
    """How one indicator's values are put on a common scale across the units."""

    method: NormalisationName = "minmax"
    """minmax, zscore, rank, prank (percentile rank), borda, dist2max, dist2targ, goalposts
    or categorical."""

    range: tuple[float, float] = (0.0, 100.0)
    """minmax: the lowest and highest values of the result (COINr l_u, default 0..100)."""

    mean_sd: tuple[float, float] = (0.0, 1.0)
    """zscore: the mean and standard deviation of the result (COINr m_sd, default 0, 1)."""

    target: float | None = None
    """dist2targ: the target, in the indicator's own units."""

    cap: bool = False
    """dist2targ: values beyond the target count as the target (COINr cap_max)."""

    goalposts: tuple[float, float] | None = None
    """goalposts: the low and high posts, in the indicator's own units."""

    truncate: bool = True
    """goalposts: values beyond the posts count as the posts (COINr trunc2posts)."""

    scale: float = Field(default=100.0, gt=0)
    """prank, dist2max, dist2targ, goalposts: the result is COINr's value times this (1 gives
    COINr's own numbers; the default 100 puts them on the grades' 0..100)."""

    thresholds: tuple[float, ...] | None = None
    """categorical: the ascending cut points between categories, in the indicator's own
    units, or percentiles (0..100) of the units' values when `percentiles` is true."""

    scores: tuple[float, ...] | None = None
    """categorical: the score of each category, lowest category first (one more than the
    thresholds; default evenly spaced from 0 to 100)."""

    percentiles: bool = False
    """categorical: the thresholds are percentiles of the units' (or the reference set's)
    values instead of fixed values."""

    reference: str | None = None
    """Key of `index.reference_sets`: the units whose values fix the normalisation (default:
    every unit scored in the run)."""

    @model_validator(mode="after")
    def _params(self) -> Normalisation:
        extra = sorted(
            k for k in self.model_fields_set & _ALL_PARAMS if k not in _PARAMS[self.method]
        )
        if extra:
            raise ValueError(
                Msg(
                    "{params} does not belong to normalisation {method}",
                    params=", ".join(f"`{k}`" for k in extra),
                    method=self.method,
                )
            )
        if self.method == "dist2targ" and self.target is None:
            raise ValueError(Msg("normalisation dist2targ needs `target`"))
        if self.method == "goalposts":
            if self.goalposts is None:
                raise ValueError(Msg("normalisation goalposts needs `goalposts: [low, high]`"))
            if self.goalposts[0] == self.goalposts[1]:
                raise ValueError(Msg("the two goalposts must differ"))
        if self.method == "categorical":
            self._check_categorical()
        if self.method == "minmax" and not self.range[0] < self.range[1]:
            raise ValueError(Msg("`range` must go from a lower to a higher value"))
        if self.method == "zscore" and not self.mean_sd[1] > 0:
            raise ValueError(Msg("the standard deviation in `mean_sd` must be above 0"))
        return self

    def _check_categorical(self) -> None:
        cuts = self.thresholds
        if not cuts:
            raise ValueError(Msg("normalisation categorical needs `thresholds`"))
        if any(b <= a for a, b in zip(cuts, cuts[1:], strict=False)):
            raise ValueError(Msg("`thresholds` must go up from one to the next"))
        if self.percentiles and not all(0 <= c <= 100 for c in cuts):
            raise ValueError(Msg("percentile `thresholds` must lie between 0 and 100"))
        if self.scores is not None and len(self.scores) != len(cuts) + 1:
            raise ValueError(
                Msg("`scores` needs {n} values, one more than the thresholds", n=len(cuts) + 1)
            )

    def category_scores(self) -> tuple[float, ...]:
        """categorical: the scores of the categories (given, or evenly spaced 0..100)."""
        if self.scores is not None:
            return tuple(self.scores)
        k = len(self.thresholds or ())
        return tuple(100.0 * i / k for i in range(k + 1))

    def positive(self) -> bool:
        """Whether every normalised value is above 0 (what geometric/harmonic means need):
        minmax onto a range above 0 over the units themselves (a reference set can leave a
        unit below its range), or rank."""
        if self.method == "minmax":
            return self.range[0] > 0 and self.reference is None
        if self.method == "categorical":
            return min(self.category_scores()) > 0
        return self.method == "rank"


_ALL_PARAMS = {
    "range", "mean_sd", "target", "cap", "goalposts", "truncate", "scale",
    "thresholds", "scores", "percentiles",
}  # fmt: skip


class IndicatorIndex(FormatModel):
    """Settings of one indicator in the index (override the block's defaults)."""

    value: Literal["attainment", "field"] = "attainment"
    """attainment: the rule's result in 0..1 (survey means and shares keep their sampling
    error); field: the audit field's own number (number and boolean fields only)."""

    direction: Literal[1, -1] = 1
    """1: higher is better; -1: lower is better (applied before normalising)."""

    treatment: Treatment | None = None
    """Outlier treatment of this indicator (default: `index.treatment`)."""

    normalisation: Normalisation | None = None
    """Normalisation of this indicator (default: `index.normalisation`)."""


class Level(FormatModel):
    """How the nodes at one depth combine their children."""

    aggregation: AggregationName | None = None
    """amean, gmean, hmean or median (default: `index.aggregation`)."""

    min_data: float | None = Field(default=None, ge=0, le=1)
    """Share of children with data a unit needs to be scored at this level (COINr dat_thresh;
    default: `index.min_data`); below it the unit is marked, not scored."""


class ReferenceSet(FormatModel):
    """A named set of units that fixes a normalisation: every condition given must hold."""

    communities: list[str] | None = Field(default=None, min_length=1)
    """Community ids in the set."""

    cities: list[str] | None = Field(default=None, min_length=1)
    """Cities whose communities are in the set."""

    waves: list[str] | None = Field(default=None, min_length=1)
    """Waves in the set (e.g. the baseline ["1"])."""

    @model_validator(mode="after")
    def _some(self) -> ReferenceSet:
        if not (self.communities or self.cities or self.waves):
            raise ValueError(Msg("a reference set needs `communities`, `cities` or `waves`"))
        return self


class SensitivitySettings(FormatModel):
    """What `cfeval sensitivity` varies (each entry is one uncertain input)."""

    weight_noise: dict[int, float] = Field(default_factory=dict)
    """Depth → noise factor: each weight at that depth is multiplied by 1 + u × factor, u
    uniform in -1..1 (COINr get_noisy_weights)."""

    weight_sets: list[str] = Field(default_factory=list)
    """Alternative weight sets (keys of `index.weight_sets`) tried beside the nominal one."""

    normalisations: list[Normalisation] = Field(default_factory=list)
    """Alternative normalisations applied to every indicator, tried beside the nominal ones."""

    imputation: bool = False
    """Try the run with and without the block's imputation."""

    aggregations: list[AggregationName] = Field(default_factory=list)
    """Alternative aggregations applied at every level, tried beside the nominal ones."""

    sampling: bool = True
    """Draw survey indicators from their sampling distributions (their standard errors)."""

    runs: int = Field(default=1000, ge=10)
    """Model runs; a sensitivity analysis with d inputs uses N (d + 2) runs."""

    noise_draws: int = Field(default=100, ge=1)
    """Noisy weight sets drawn once, among which each run picks (COINr Nrep)."""


class IndexSettings(FormatModel):
    """The composite index: treatment, imputation, normalisation, aggregation, weights."""

    treatment: Treatment = Field(default_factory=Treatment)
    """Outlier treatment of every indicator (default none)."""

    imputation: ImputationName = "none"
    """none; parent_mean (mean of the unit's other indicators in the same dimension, on a
    min-max scale, COINr row imputation); city_mean (mean of the indicator in the same city
    and wave, COINr i_mean_grp)."""

    normalisation: Normalisation = Field(default_factory=Normalisation)
    """Normalisation of every indicator (default minmax to 0..100 across the units)."""

    reference_sets: dict[str, ReferenceSet] = Field(default_factory=dict)
    """Named sets of units a normalisation can be fixed on."""

    aggregation: AggregationName = "amean"
    """Aggregation at every level without its own (default amean, the weighted mean)."""

    min_data: float | None = Field(default=None, ge=0, le=1)
    """Data-availability threshold at every level without its own (default: none)."""

    levels: dict[int, Level] = Field(default_factory=dict)
    """Depth → aggregation and threshold of that level (0: the total)."""

    weight_sets: dict[str, dict[str, float]] = Field(default_factory=dict)
    """Named weight sets: node id → weight (nodes not named keep their `weight`)."""

    weights: str | None = None
    """The weight set used for the scores (default: the nodes' own `weight`)."""

    indicators: dict[str, IndicatorIndex] = Field(default_factory=dict)
    """Indicator id → its own settings."""

    sensitivity: SensitivitySettings = Field(default_factory=SensitivitySettings)
    """What `cfeval sensitivity` varies."""
