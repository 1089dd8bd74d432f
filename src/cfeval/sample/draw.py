"""Synthetic people and places: communities, survey answers and audit values.

The model, in short: each community has a latent quality in [0, 1] (spread so that all
grades occur); each indicator of a community deviates from it a little (strengths and
weaknesses); a respondent's answer is that attainment plus a personal and an item-level
normal noise, rounded to the nearest scale step (ordered-probit-like), reversed for
reverse-worded items. Audit values come from each rule type's own inverse
(``synthesize`` in :mod:`cfeval.framework.rules`), so the rule that reads them yields
roughly the attainment they were drawn for.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

    from cfeval.framework.model import Framework

__all__ = [
    "DEFAULT_SEED",
    "Community",
    "Sample",
    "communities",
    "items_for",
    "questionnaire",
    "draw_attainments",
    "draw_survey",
    "draw_audit",
]

DEFAULT_SEED = 2024


# (city code, city, ((district code, district), ...), community names); three communities
# per district. Districts are real; the community names are invented.
_CITIES = (
    (
        "CD",
        "成都",
        (("JJ", "锦江区"), ("QY", "青羊区"), ("WH", "武侯区"), ("CH", "成华区")),
        ("桂花巷", "银杏湾", "竹溪里", "石榴园", "蜀锦坊", "荷风苑",
         "青檀路", "月桂湾", "杏林坊", "锦鲤池", "梧桐里", "芦苇岸"),
    ),
    (
        "HZ",
        "杭州",
        (("SC", "上城区"), ("GS", "拱墅区"), ("XH", "西湖区"), ("BJ", "滨江区")),
        ("桂语巷", "龙井湾", "荷香里", "梅影坊", "桑园路", "柳浪苑",
         "青瓷巷", "茶香坞", "玉兰里", "丝绸坊", "菱湖畔", "枫林坞"),
    ),
)  # fmt: skip

# Respondents per community and wave, (low, high) inclusive; kept a little inside the
# ranges the issue asks for (30-60, 20-40, 3-6) so a broken row cannot push them out.
_GROUP_N = {"child": (32, 58), "parent": (21, 39), "staff": (3, 6)}
_OTHER_N = (15, 30)
# Children rate their community a little more kindly than parents; staff more kindly still.
_GROUP_OFFSET = {"child": 0.03, "parent": -0.03, "staff": 0.06}
_GROUP_AGE = {"child": (6, 17), "parent": (26, 52), "staff": (23, 58)}
_OTHER_AGE = (18, 70)
_GROUP_FEMALE = {"child": 0.55, "parent": 0.68, "staff": 0.75}

_PERSON_SD = 0.12  # in attainment units: how much one respondent differs from the mean
_ITEM_SD = 0.16  # answer-level noise, same units
_SKIP_P, _BREAKOFF_P, _BREAKOFF_SKIP_P = 0.02, 0.05, 0.5
_DONT_KNOW_P = 0.03


@dataclass(frozen=True)
class Community:
    """A fictional community; ``quality`` is the latent wave-1 quality in [0, 1]."""

    id: str
    name: str
    city: str
    district: str
    quality: float
    waves: tuple[int, ...]
    improvement: float

    def quality_in(self, wave: int) -> float:
        """Latent quality in ``wave``: a mild improvement after wave 1."""
        return min(0.99, self.quality + self.improvement * (wave - 1))


@dataclass
class Sample:
    """A generated data set and a record of every imperfection put into it on purpose."""

    survey: pd.DataFrame
    audit: pd.DataFrame
    communities: list[Community]
    seed: int = DEFAULT_SEED
    # one dict per injected problem: file, row (spreadsheet row, header = 1), column, value, code, what
    injected: list[dict[str, Any]] = field(default_factory=list)


def communities(seed: int = DEFAULT_SEED, per_district: int = 3) -> list[Community]:
    """The fictional communities (four districts per city, ``per_district`` in each: 24 by
    default) with their latent quality.

    Qualities are evenly spread from 0.47 to 0.90 within each city (plus jitter) and
    shuffled, so every grade band is populated; four communities per city have a wave 2.
    A larger ``per_district`` (a whole district for printing tests: 25 gives 200) reuses
    the names with a number (``桂花巷2社区``); the default draws exactly the shipped sample.
    """
    import numpy as np

    if per_district < 1:
        raise ValueError("per_district must be at least 1")
    rng = np.random.default_rng(seed)
    out = []
    for code, city, districts, base_names in _CITIES:
        n = len(districts) * per_district
        quality = np.clip(np.linspace(0.47, 0.90, n) + rng.normal(0, 0.02, n), 0.05, 0.99)
        quality = quality[rng.permutation(n)]
        second = rng.choice(n, size=min(4, n), replace=False)
        improvement = rng.uniform(0.03, 0.08, n)
        for i in range(n):
            base, round_ = base_names[i % len(base_names)], i // len(base_names)
            dcode, district = districts[i // per_district]
            out.append(
                Community(
                    id=f"{code}-{dcode}-{i % per_district + 1:03d}",
                    name=f"{base}{round_ + 1 if round_ else ''}社区",
                    city=city,
                    district=district,
                    quality=round(float(quality[i]), 4),
                    waves=(1, 2) if i in second else (1,),
                    improvement=round(float(improvement[i]), 4),
                )
            )
    return out


def _units(fw: Framework) -> list[str]:
    """Everything that gets its own per-community deviation: indicators, bonus items, fields."""
    return (
        [ind.id for ind in fw.indicators()]
        + [f"bonus:{b.id}" for b in fw.bonus]
        + [f"field:{k}" for k in fw.fields]
    )


def draw_attainments(fw, comms, rng) -> dict[tuple[str, int, str], float]:
    """Target attainment per (community, wave, unit): quality plus a lasting deviation."""
    import numpy as np

    units = _units(fw)
    out = {}
    for c in comms:
        dev = rng.normal(0, 0.12, len(units))
        for w in c.waves:
            q = c.quality_in(w)
            for u, d in zip(units, dev, strict=True):
                out[(c.id, w, u)] = float(np.clip(q + d, 0.02, 0.99))
    return out


def draw_survey(fw, comms, att, rng) -> pd.DataFrame:
    """Every respondent of every community, wave and group, with their answers."""
    import numpy as np
    import pandas as pd

    items = fw.items()
    col = {it.id: j for j, it in enumerate(items)}
    item_offset = rng.normal(0, 0.05, len(items))
    asked = {g: questionnaire(fw, g) for g in fw.respondents}
    position_of = _answer_positions(fw, comms, att)
    blocks = []
    for c in comms:
        for w in c.waves:
            for g, pairs in asked.items():
                if not pairs:
                    continue
                lo, hi = _GROUP_N.get(g, _OTHER_N)
                n = int(rng.integers(lo, hi + 1))
                amin, amax = _GROUP_AGE.get(g, _OTHER_AGE)
                age = rng.integers(amin, amax + 1, n)
                female = rng.random(n) < _GROUP_FEMALE.get(g, 0.5)
                person = rng.normal(0, _PERSON_SD, n)
                skip_p = np.where(rng.random(n) < _BREAKOFF_P, _BREAKOFF_SKIP_P, _SKIP_P)
                values = np.full((n, len(items)), np.nan)
                for ind, it in pairs:
                    # The mean answer position that gives the indicator's attainment.
                    position = position_of[(c.id, w, ind.id)]
                    scale = fw.scales[it.scale]
                    steps = np.array(sorted(scale.values), dtype=float)
                    k = len(steps) - 1
                    a = position + _GROUP_OFFSET.get(g, 0.0) + item_offset[col[it.id]]
                    latent = (a + person + rng.normal(0, _ITEM_SD, n)) * k
                    idx = np.clip(np.rint(latent), 0, k).astype(int)
                    if it.reverse:
                        idx = k - idx
                    v = steps[idx]
                    if scale.missing_codes:
                        v = np.where(rng.random(n) < _DONT_KNOW_P, scale.missing_codes[0], v)
                    v = np.where(rng.random(n) < skip_p, np.nan, v)
                    values[:, col[it.id]] = v
                block = pd.DataFrame(
                    {
                        "community_id": c.id,
                        "wave": w,
                        "respondent": g,
                        "respondent_id": [f"{c.id}-W{w}-{g}-{i + 1:03d}" for i in range(n)],
                        "weight": _poststrat_weights(age, female, amin, amax),
                        "city": c.city,
                        "district": c.district,
                        "age": age,
                        "gender": np.where(female, "female", "male"),
                    }
                )
                # One frame for the answers, joined once: setting ~30 columns one by one
                # made 200 communities take half a minute.
                answers = pd.DataFrame(values, columns=[it.id for it in items])
                blocks.append(pd.concat([block, answers], axis=1))
    survey = pd.concat(blocks, ignore_index=True)
    survey["wave"] = survey["wave"].astype("int64")
    survey["age"] = survey["age"].astype("Int64")
    for it in items:
        survey[it.id] = survey[it.id].round().astype("Int64")
    return survey


def _answer_positions(fw, comms, att) -> dict[tuple[str, int, str], float]:
    """Per (community, wave, survey indicator): the mean answer position (0..1) that its
    rule turns into about the drawn attainment (the rule type's ``synthesize``)."""
    from cfeval.framework.rules import rule_type

    out = {}
    for ind in fw.indicators():
        if ind.source != "survey":
            continue
        synthesize = rule_type(ind.rule.type).synthesize
        for c in comms:
            for w in c.waves:
                out[(c.id, w, ind.id)] = synthesize(ind.rule, att[(c.id, w, ind.id)])
    return out


def items_for(indicator, group: str) -> list:
    """The items of a survey indicator that respondents of ``group`` are asked.

    Follows the framework: an item's ``respondents`` (default: every group of its
    indicator); see :meth:`cfeval.framework.Indicator.items_for`.
    """
    return indicator.items_for(group)


def questionnaire(framework: Framework, group: str) -> list[tuple[Any, Any]]:
    """``(indicator, item)`` pairs ``group`` answers, in framework order (see :func:`items_for`)."""
    return [(ind, it) for ind in framework.indicators() for it in items_for(ind, group)]


def _poststrat_weights(age, female, amin: int, amax: int):
    """Post-stratification to equal gender × age-half cells, trimmed to 0.5..2.

    Groups of fewer than ten (staff) are not a sample: weight 1.
    """
    import numpy as np

    n = len(age)
    if n < 10:
        return np.ones(n)
    cell = female.astype(int) * 2 + (age > (amin + amax) / 2).astype(int)
    counts = np.bincount(cell, minlength=4)
    w = 0.25 / (counts[cell] / n)
    return np.round(np.clip(w, 0.5, 2.0), 3)


def _field_rules(fw: Framework) -> dict[str, tuple[str, Any]]:
    """For each field, the unit whose attainment drives it and the rule that reads it."""
    out: dict[str, tuple[str, Any]] = {}
    for ind in fw.indicators():
        if ind.field and ind.field not in out:
            out[ind.field] = (ind.id, ind.rule)
    for b in fw.bonus:
        if b.field not in out:
            out[b.field] = (f"bonus:{b.id}", b.rule)
    return out


def draw_audit(fw, comms, att, rng) -> pd.DataFrame:
    """One audit row per community and wave; veto fields are clean (no incident)."""
    import pandas as pd

    drivers = _field_rules(fw)
    veto_fields = {v.field: v.when for v in fw.veto}
    rows = []
    for c in comms:
        # drawn once per community so that wave 2 only moves with the (improved) quality
        u = rng.random(len(fw.fields))
        noise = rng.normal(0, 0.08, len(fw.fields))
        for w in c.waves:
            row: dict[str, Any] = {
                "community_id": c.id,
                "wave": w,
                "name": c.name,
                "city": c.city,
                "district": c.district,
            }
            for j, (key, spec) in enumerate(fw.fields.items()):
                unit, rule = drivers.get(key, (f"field:{key}", None))
                a = att[(c.id, w, unit)]
                if key in veto_fields:
                    row[key] = int(not veto_fields[key])
                else:
                    # Booleans are drawn straight from the attainment; values read on a
                    # scale get a little measurement noise.
                    a_seen = a if spec.type == "boolean" else a + noise[j]
                    row[key] = _field_value(spec, rule, a_seen, u[j])
            rows.append(row)
    audit = pd.DataFrame(rows)
    for key, spec in fw.fields.items():
        if spec.type == "boolean":
            audit[key] = audit[key].astype("Int64")
        elif spec.type == "number":
            audit[key] = audit[key].astype("float64")
    audit["wave"] = audit["wave"].astype("int64")
    return audit


def _field_value(spec, rule, a: float, u: float) -> Any:
    """The audit value that gives about attainment ``a``: the rule's own inverse
    (:attr:`RuleType.synthesize <cfeval.framework.rules.RuleType>`), or, for a field no
    rule reads, a value placed by ``a`` along the field's values or range."""
    import math

    from cfeval.framework.rules import rule_type

    value = rule_type(rule.type).synthesize(rule, spec, a, u) if rule is not None else None
    if spec.type == "boolean":
        return int(u < a) if value is None else value
    if spec.type == "category":
        if value is not None:
            return value
        values = [cat.value for cat in spec.categories]
        return values[int(round(min(max(a, 0.0), 1.0) * (len(values) - 1)))]
    lo = spec.min if spec.min is not None else 0.0
    hi = spec.max if spec.max is not None else None
    v = lo + a * ((hi if hi is not None else lo + 100.0) - lo) if value is None else value
    v = max(v, lo)
    if hi is not None:
        v = min(v, hi)
    decimals = 0 if hi is None or hi - lo >= 20 else 1
    # floor, not round: a value drawn inside a band must not be rounded up into the next
    v = math.floor(v * 10**decimals + 1e-9) / 10**decimals
    return float(v)
