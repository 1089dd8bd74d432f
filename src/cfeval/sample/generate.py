"""Reproducible synthetic survey and audit data for any framework.

Every record made here is invented: fictional communities in two real cities, respondents
that are only ids. The generator reads what the framework declares (respondent groups,
scales, audit fields, indicators, rules) so the same code serves every framework.

Model, in short: each community has a latent quality in [0, 1] (spread so that all grades
occur); each indicator of a community deviates from it a little (strengths and
weaknesses); a respondent's answer is that attainment plus a personal and an item-level
normal noise, rounded to the nearest scale step (ordered-probit-like), reversed for
reverse-worded items. Audit values are drawn so that the rule that reads them yields
roughly the same attainment. Then the imperfections real files have are added: skipped
answers, "don't know" codes, post-stratification weights, a second wave for some
communities and a handful of deliberately broken rows (see :data:`BROKEN_CODES`).

``python -m cfeval.sample [--out sample_data] [--seed 2024]`` regenerates every file, byte
for byte.
"""

from __future__ import annotations

import argparse
import datetime
import io
import re
import sys
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cfeval._io import atomic_write
from cfeval._safety import csv_text, xlsx_value

if TYPE_CHECKING:
    import pandas as pd

    from cfeval.framework.model import Framework

__all__ = [
    "DEFAULT_SEED",
    "BROKEN_CODES",
    "Community",
    "Sample",
    "communities",
    "items_for",
    "questionnaire",
    "build",
    "generate",
    "wjx_text_export",
    "write_sample",
    "main",
]

DEFAULT_SEED = 2024

#: The data-report codes the deliberately broken survey rows should produce.
BROKEN_CODES = (
    "out-of-range",
    "not-a-number",
    "unknown-respondent-group",
    "unknown-community",
    "duplicate-respondent",
)

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

# Fixed time for xlsx metadata and zip entries: files must not depend on when they were made.
_FIXED_TIME = (2024, 1, 1, 0, 0, 0)
_FIXED_ISO = b"2024-01-01T00:00:00Z"


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


def communities(seed: int = DEFAULT_SEED) -> list[Community]:
    """The 24 fictional communities (12 per city) with their latent quality.

    Qualities are evenly spread from 0.47 to 0.90 within each city (plus jitter) and
    shuffled, so every grade band is populated; four communities per city have a wave 2.
    """
    import numpy as np

    rng = np.random.default_rng(seed)
    out = []
    for code, city, districts, names in _CITIES:
        n = len(names)
        quality = np.clip(np.linspace(0.47, 0.90, n) + rng.normal(0, 0.02, n), 0.05, 0.99)
        quality = quality[rng.permutation(n)]
        second = rng.choice(n, size=4, replace=False)
        improvement = rng.uniform(0.03, 0.08, n)
        for i, name in enumerate(names):
            dcode, district = districts[i // 3]
            out.append(
                Community(
                    id=f"{code}-{dcode}-{i % 3 + 1:03d}",
                    name=f"{name}社区",
                    city=city,
                    district=district,
                    quality=round(float(quality[i]), 4),
                    waves=(1, 2) if i in second else (1,),
                    improvement=round(float(improvement[i]), 4),
                )
            )
    return out


def generate(
    framework: Framework, seed: int = DEFAULT_SEED, *, broken: bool = True
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Synthetic ``(survey, audit)`` frames for ``framework``, fully determined by ``seed``.

    Columns follow docs/architecture.md: survey ``community_id, wave, respondent,
    respondent_id, weight, city, district, age, gender`` then every item id; audit
    ``community_id, wave, name, city, district`` then every field id (booleans as 1/0).
    ``broken=False`` leaves out the deliberately broken rows and the blank audit cell.

    >>> survey, audit = generate(fw, seed=7)  # doctest: +SKIP
    """
    sample = build(framework, seed, broken=broken)
    return sample.survey, sample.audit


def build(framework: Framework, seed: int = DEFAULT_SEED, *, broken: bool = True) -> Sample:
    """Like :func:`generate`, but also returns the communities and the injected problems."""
    import numpy as np

    comms = communities(seed)
    # Each framework gets its own stream; crc32 (not hash()) keeps it stable across runs.
    rng = np.random.default_rng([seed, zlib.crc32(framework.id.encode("utf-8"))])
    att = _attainments(framework, comms, rng)
    survey = _survey(framework, comms, att, rng)
    audit = _audit(framework, comms, att, rng)
    sample = Sample(survey=survey, audit=audit, communities=comms, seed=seed)
    if broken:
        _break(framework, sample)
    return sample


# --------------------------------------------------------------------------- model


def _units(fw: Framework) -> list[str]:
    """Everything that gets its own per-community deviation: indicators, bonus items, fields."""
    return (
        [ind.id for ind in fw.indicators()]
        + [f"bonus:{b.id}" for b in fw.bonus]
        + [f"field:{k}" for k in fw.fields]
    )


def _attainments(fw, comms, rng) -> dict[tuple[str, int, str], float]:
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


def _survey(fw, comms, att, rng) -> pd.DataFrame:
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
                block[[it.id for it in items]] = values
                blocks.append(block)
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


def _audit(fw, comms, att, rng) -> pd.DataFrame:
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


# --------------------------------------------------------------------------- imperfections


def _break(fw: Framework, sample: Sample) -> None:
    """Put the deliberately broken rows into the survey and one blank cell into the audit."""
    import pandas as pd

    s, audit = sample.survey, sample.audit
    chengdu = [c.id for c in sample.communities if c.id.startswith("CD-")]
    keys = ("file", "row", "column", "value", "code", "what")
    injected: list[dict[str, Any]] = []

    def note(*values: Any) -> None:
        injected.append(dict(zip(keys, values, strict=True)))

    def first_row(cid: str, group: str | None = None, answered: str | None = None) -> int:
        mask = s["community_id"] == cid
        if group is not None and answered is not None:
            # prefer a cell that held an answer; any row of the community will still do
            picked = mask & (s["respondent"] == group) & s[answered].notna()
            mask = picked if picked.any() else mask
        return int(mask.idxmax())

    # the first item each group answers: the broken cells go where a real answer was
    asked = [(g, q[0][1]) for g in fw.respondents if (q := questionnaire(fw, g))]
    (g0, it0), (g1, it1) = asked[0], asked[-1]
    for col in dict.fromkeys((it0.id, it1.id)):  # only these two lose their integer dtype
        s[col] = s[col].astype(object)
    scale = fw.scales[it0.scale]
    bad = max(scale.values) + 1
    while bad in scale.missing_codes:
        bad += 1
    r = first_row(chengdu[0], g0, it0.id)
    s.at[r, it0.id] = bad
    note("survey", r, it0.id, bad, "out-of-range", "answer outside the scale")
    r = first_row(chengdu[1], g1, it1.id)
    s.at[r, it1.id] = "很好"
    note("survey", r, it1.id, "很好", "not-a-number", "free text in an answer column")
    r = first_row(chengdu[2])
    group = "teacher" if "teacher" not in fw.respondents else "visitor"
    s.at[r, "respondent"] = group
    note(
        "survey",
        r,
        "respondent",
        group,
        "unknown-respondent-group",
        "a group the framework does not declare",
    )
    r = first_row(chengdu[3])
    wrong = chengdu[3][:-3] + "000"
    s.at[r, "community_id"] = wrong
    note("survey", r, "community_id", wrong, "unknown-community", "a mistyped community id")
    r = first_row(chengdu[4])
    s = pd.concat([s.loc[:r], s.loc[[r]], s.loc[r + 1 :]], ignore_index=True)
    note(
        "survey",
        r + 1,
        "respondent_id",
        s.at[r, "respondent_id"],
        "duplicate-respondent",
        "the same response submitted twice",
    )
    sample.survey = s

    # one audit value not recorded, to show a missing indicator and renormalisation
    indicator_fields = {ind.field for ind in fw.indicators() if ind.field}
    numbers = [
        k for k, spec in fw.fields.items() if spec.type == "number" and k in indicator_fields
    ]
    if numbers:
        r = int(audit["community_id"].str.startswith("HZ-").idxmax())
        audit.at[r, numbers[0]] = float("nan")
        note("audit", r, numbers[0], "", "missing", "value not recorded (the indicator is missing)")
    # one serious incident: a good Chengdu community with a single wave, for the veto demo
    if fw.veto:
        v = fw.veto[0]
        single = [c for c in sample.communities if c.id.startswith("CD-") and c.waves == (1,)]
        target = sorted(single, key=lambda c: -c.quality)[2]
        r = int((audit["community_id"] == target.id).idxmax())
        audit.at[r, v.field] = int(v.when)
        note(
            "audit",
            r,
            v.field,
            int(v.when),
            "veto",
            f"serious incident in {target.id}: veto {v.id!r} applies",
        )
    for item in injected:
        item["row"] = int(item["row"]) + 2  # as a spreadsheet shows it: the header is row 1
    sample.injected = injected


# --------------------------------------------------------------------------- 问卷星 export


def wjx_text_export(framework: Framework, sample: Sample, n_communities: int = 3) -> pd.DataFrame:
    """A 问卷星 "按选项文本" export of the child survey of a few communities.

    System columns first (序号, 提交答卷时间, 所用时间, 来源, 来源详情), then numbered
    questions: ``1、社区编号``, ``2、年龄``, ``3、性别`` and one column per child item
    headed ``N、<item text>``, cells holding the option text, skips as ``(跳过)``.
    Only clean wave-1 rows are exported; every row is a child.
    """
    import numpy as np
    import pandas as pd

    group = "child" if "child" in framework.respondents else next(iter(framework.respondents))
    items = [it for _, it in questionnaire(framework, group)]
    ids = [c.id for c in sample.communities if c.id.startswith("CD-")][5 : 5 + n_communities]
    s = sample.survey
    rows = s[s["community_id"].isin(ids) & (s["wave"] == 1) & (s["respondent"] == group)]
    rng = np.random.default_rng([sample.seed, zlib.crc32(b"wjx")])
    start = datetime.datetime(2024, 5, 11, 9, 0, 0)
    offsets = np.sort(rng.integers(0, 9 * 24 * 3600, len(rows)))
    out: dict[str, list] = {
        "序号": list(range(1, len(rows) + 1)),
        "提交答卷时间": [
            f"{t.year}/{t.month}/{t.day} {t.hour}:{t.minute:02d}:{t.second:02d}"
            for t in (start + datetime.timedelta(seconds=int(o)) for o in offsets)
        ],
        "所用时间": [f"{int(x)}秒" for x in rng.integers(90, 600, len(rows))],
        "来源": ["微信" if x < 0.8 else "手机提交" for x in rng.random(len(rows))],
        "来源详情": ["直接访问"] * len(rows),
        "1、社区编号": rows["community_id"].tolist(),
        "2、年龄": [int(a) for a in rows["age"]],
        "3、性别": ["女" if g == "female" else "男" for g in rows["gender"]],
    }
    for n, it in enumerate(items, start=4):
        labels = framework.scales[it.scale].labels
        lang = "zh" if "zh" in framework.languages else framework.languages[0]
        out[f"{n}、{it.text.get(lang, it.id)}"] = [
            "(跳过)" if pd.isna(v) else (labels[int(v)][lang] if int(v) in labels else str(int(v)))
            for v in rows[it.id]
        ]
    return pd.DataFrame(out)


# --------------------------------------------------------------------------- writers


# What the framework's labels cannot tell the reader about the 问卷星 export (cfeval.data.mapping).
_WJX_MAPPING = """\
# Mapping for wjx_text_export.xlsx (read it with this file as the mapping).
# Headers and option texts match the framework's own labels; the one thing the export
# cannot say is who answered: every row is a child.
respondent: child
"""


def _csv_bytes(df: pd.DataFrame) -> bytes:
    # %.10g: weights print as 1.25 and whole numbers as 65, never 65.0 or 1.2500000001
    text = csv_text(df, index=False, lineterminator="\n", float_format="%.10g")
    return text.encode("utf-8")


def _cell(v: Any) -> Any:
    import numpy as np
    import pandas as pd

    if v is None or (not isinstance(v, str) and pd.isna(v)):
        return None
    if isinstance(v, np.integer):
        return int(v)
    if isinstance(v, np.floating):
        return float(v)
    return v


def _xlsx_bytes(df: pd.DataFrame, sheet: str) -> bytes:
    """An xlsx file whose bytes depend only on ``df``: fixed metadata and zip entry times."""
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    wb.properties.creator = "cfeval.sample"
    wb.properties.created = wb.properties.modified = datetime.datetime(*_FIXED_TIME)
    ws = wb.create_sheet(sheet)
    ws.append([xlsx_value(ws, str(c)) for c in df.columns])
    for row in df.itertuples(index=False, name=None):
        ws.append([xlsx_value(ws, _cell(v)) for v in row])
    buf = io.BytesIO()
    wb.save(buf)
    return _normalise_zip(buf.getvalue())


def _normalise_zip(data: bytes) -> bytes:
    """Rewrite a zip with fixed entry times and attributes; openpyxl stamps ``modified`` on save."""
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            body = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                body = re.sub(
                    rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)",
                    rb"\g<1>" + _FIXED_ISO + rb"\g<2>",
                    body,
                )
            zi = zipfile.ZipInfo(info.filename, date_time=_FIXED_TIME)
            zi.compress_type = zipfile.ZIP_DEFLATED
            zi.create_system = 3  # the default depends on the platform
            zi.external_attr = 0o644 << 16
            dst.writestr(zi, body, compresslevel=6)
    return out.getvalue()


def _folder(fw: Framework, taken: set[str]) -> str:
    short = fw.id.split("-")[0]
    return fw.id if short in taken else short


def write_sample(
    frameworks: list[Framework], out: str | Path, seed: int = DEFAULT_SEED
) -> list[Path]:
    """Write survey/audit CSV and XLSX per framework into ``out/<short id>/`` and a README.

    The 问卷星 export is made for the framework whose folder is ``chengdu`` (else the first).
    Returns the written paths. Every file is written atomically and is byte-reproducible.
    """
    out = Path(out)
    written: list[Path] = []
    sections = []
    taken: set[str] = set()
    folders = []
    for fw in frameworks:
        folders.append(_folder(fw, taken))
        taken.add(folders[-1])
    wjx_folder = "chengdu" if "chengdu" in folders else folders[0]
    for fw, folder in zip(frameworks, folders, strict=True):
        sample = build(fw, seed)
        files = {
            "survey.csv": _csv_bytes(sample.survey),
            "survey.xlsx": _xlsx_bytes(sample.survey, "survey"),
            "audit.csv": _csv_bytes(sample.audit),
            "audit.xlsx": _xlsx_bytes(sample.audit, "audit"),
        }
        if folder == wjx_folder:
            files["wjx_text_export.xlsx"] = _xlsx_bytes(wjx_text_export(fw, sample), "Sheet1")
            files["wjx_mapping.yaml"] = _WJX_MAPPING.encode("utf-8")
        for name, data in files.items():
            path = out / folder / name
            atomic_write(path, data)
            written.append(path)
        sections.append((fw, folder, sample, {name: len(data) for name, data in files.items()}))
    readme = out / "README.md"
    atomic_write(readme, _readme(sections, seed).encode("utf-8"))
    written.append(readme)
    return written


def _readme(sections, seed: int) -> str:
    total = sum(sum(sizes.values()) for *_, sizes in sections)
    lines = [
        "# Sample data (synthetic)",
        "",
        "**Every record in this folder is synthetic.** The communities are fictional (the",
        "districts are real place names, the community names and ids are invented) and no",
        "real person is behind any row: respondents are ids only, with no names or phone",
        "numbers. Use these files to try cfeval, never as evidence about a real place.",
        "",
        "## How it was made",
        "",
        "`src/cfeval/sample.py` reads the framework (respondent groups, scales, audit fields,",
        "indicators and their rules) and draws, with `numpy.random.default_rng` and a fixed seed:",
        "",
        "- 24 communities, 12 in 成都 and 12 in 杭州, three per district, each with a latent",
        "  quality between about 0.47 and 0.90 (evenly spread, then shuffled) so that every",
        "  grade occurs; 4 communities per city also have a second wave (`wave` 2) with a",
        "  mild improvement (+0.03 to +0.08).",
        "- every indicator of a community deviates from that quality by a lasting normal",
        "  amount (sd 0.12), giving each community strengths and weaknesses;",
        "- survey answers: attainment + respondent effect (sd 0.12) + answer noise (sd 0.16),",
        "  rounded to the nearest scale step (ordered-probit-like); reverse-worded items are",
        "  answered reversed; children answer a little more kindly than parents. Each group",
        "  answers its own questionnaire: the items the framework asks of it (an item's",
        "  `respondents`, default every group of its indicator). Per community",
        "  and wave 32-58 children, 21-39 parents and 3-6 staff (groups the framework declares).",
        "- imperfections: about 2% skipped answers (blank), 5% of respondents who break off",
        "  and skip half, about 3% \"don't know\" (the scale's missing code), post-stratification",
        "  `weight`s to equal gender × age cells, trimmed to 0.5-2 (staff: 1).",
        "- audit values are drawn so that the rule reading them gives about the same",
        "  attainment; booleans are 1/0, numbers plain, categories their value.",
        "",
        "## Deliberate problems",
        "",
        "So that `cfeval check` has something to show. Rows are spreadsheet rows (header = 1);",
        "survey problems show up as data-report codes, the audit ones as indicator or",
        "community status in the scores.",
        "",
    ]
    for fw, folder, sample, _ in sections:
        lines += [
            f"`{folder}/` ({fw.id} {fw.version}):",
            "",
            "| file | row | column | value | shows up as | what |",
            "| --- | --- | --- | --- | --- | --- |",
        ]
        for p in sample.injected:
            lines.append(
                f"| {p['file']} | {p['row']} | {p['column']} | {p['value']} | {p['code']} | {p['what']} |"
            )
        lines.append("")
    lines += [
        '`chengdu/wjx_text_export.xlsx` is a 问卷星-style "按选项文本" export of the child',
        "survey of three Chengdu communities (wave 1): system columns 序号, 提交答卷时间, 所用时间,",
        "来源, 来源详情; questions headed `N、<question text>`; the scale's option text in the cells,",
        "skips as `(跳过)`. It has no respondent column: every row is a child, which",
        "`chengdu/wjx_mapping.yaml` (`respondent: child`) tells the reader.",
        "",
        "## Regenerate",
        "",
        "```",
        f"python -m cfeval.sample --out sample_data --seed {seed}",
        "```",
        "",
        "The output is byte-for-byte identical on every run (fixed seed, fixed float format,",
        "`\\n` line ends, xlsx written with fixed metadata and zip times); `tests/test_sample.py`",
        "checks it. Change a framework and the files must be regenerated.",
        "",
        "## Files",
        "",
        "| file | rows | bytes |",
        "| --- | --- | --- |",
    ]
    for _, folder, sample, sizes in sections:
        for name, size in sizes.items():
            rows = {"survey": len(sample.survey), "audit": len(sample.audit)}.get(
                name.split(".")[0], ""
            )
            lines.append(f"| {folder}/{name} | {rows} | {size:,} |")
    lines += ["", f"Total: {total:,} bytes.", ""]
    return "\n".join(lines)


def _load(ref: str | Path) -> Framework:
    try:
        from cfeval.framework.loader import load_framework
    except ImportError:  # the loader is not there yet in a bare checkout of the models
        import yaml

        from cfeval.framework.model import Framework

        return Framework.model_validate(yaml.safe_load(Path(ref).read_text(encoding="utf-8")))
    return load_framework(ref)


def _shipped() -> list[Framework]:
    from cfeval._paths import shipped_dir

    return [_load(p) for p in sorted(shipped_dir("frameworks").glob("*.yaml"))]


def main(argv: list[str] | None = None) -> int:
    """``python -m cfeval.sample``: regenerate the sample data of the shipped frameworks."""
    from cfeval.errors import CfevalError

    parser = argparse.ArgumentParser(
        prog="python -m cfeval.sample", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--out", default="sample_data", help="output folder (default: sample_data)")
    parser.add_argument(
        "--seed", type=int, default=DEFAULT_SEED, help=f"random seed (default: {DEFAULT_SEED})"
    )
    parser.add_argument(
        "--framework",
        action="append",
        help="framework id or path (repeatable; default: all shipped)",
    )
    args = parser.parse_args(argv)
    try:
        frameworks = [_load(f) for f in args.framework] if args.framework else _shipped()
        if not frameworks:
            raise CfevalError("no frameworks found; pass --framework ID_OR_PATH")
        paths = write_sample(frameworks, args.out, args.seed)
    except CfevalError as exc:
        print(exc, file=sys.stderr)
        return exc.exit_code
    for p in paths:
        print(f"{p}  {p.stat().st_size:,} bytes")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
