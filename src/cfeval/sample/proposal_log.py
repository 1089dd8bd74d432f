"""A synthetic children's proposal log for the sample communities (seeded, reproducible).

For a framework with a ``proposals:`` section, every Chengdu sample community (the 成都
ones: its observation groups keep a log; the 杭州 ones do not, so the sample shows both
sources) gets about as many proposals per wave as its audit sheet records, answered and
reported back at about the audit's rate. The children's words come from a small bank of
invented proposals per topic; ``raised_by`` names a group, never a child. Two rows are
broken on purpose (an answer dated before the proposal, a topic the framework lacks), so
``cfeval check --proposals`` has something to show; they are listed in the README.
"""

from __future__ import annotations

import datetime as dt
import zlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

    from cfeval.framework.model import Framework
    from cfeval.sample.draw import Sample

__all__ = ["draw_proposals", "LOG_CITY"]

#: Communities of this city keep a log in the sample.
LOG_CITY = "成都"
_WAVE_START = {"1": dt.date(2023, 6, 1), "2": dt.date(2024, 6, 1)}
_GROUPS = ("儿童观察团", "儿童议事会", "四年级二班", "五年级一班")
_WORDS = {
    "play_space": ("希望小区里多装几个秋千", "滑梯太旧了，想换一个新的", "想要一块可以踢球的草地"),
    "way_to_school": ("上学路口车太多，希望有人帮我们过马路", "学校门口的斑马线看不清了"),
    "traffic": ("电动车停在楼道口，我们没法走路", "小区里的车开得太快了"),
    "green_clean": ("希望花园里多一些垃圾桶", "小河边有臭味，想让它变干净"),
    "facilities": ("篮球架的篮网坏了", "儿童之家的灯有一盏不亮"),
    "activities": ("暑假想要有科学小实验活动", "想在周末一起读绘本"),
    "safety": ("晚上小路太黑了，想装路灯", "楼顶的门没有锁，很危险"),
    "other": ("想有一个可以安静写作业的地方",),
}
_BODY = {
    "play_space": "property_management",
    "way_to_school": "traffic_police",
    "traffic": "property_management",
    "green_clean": "street_office",
    "facilities": "residents_committee",
    "activities": "social_organisation",
    "safety": "street_office",
    "other": "residents_committee",
}
_ACTIONS = ("已经完成改造", "已安排专人负责", "已列入本季度计划并开始施工", "已买好材料并安装")
_REASONS = (
    "今年没有这笔经费，明年再申请",
    "这块地不归社区管，已转给有关部门",
    "安全上有风险，换一个办法",
)
_HOW = ("观察团见面会", "公示栏", "书面回复")
_ANSWERS = ("accepted", "partly", "declined")


def draw_proposals(fw: Framework, sample: Sample, broken: bool = True) -> pd.DataFrame | None:
    """The sample's proposal log (columns of :data:`cfeval.data.proposals.COLUMNS`, dates
    as ``YYYY-MM-DD`` text), or None when the framework keeps no log. The two broken rows
    are added to ``sample.injected`` (``file`` ``proposals``)."""
    import numpy as np
    import pandas as pd

    from cfeval.data.proposals import COLUMNS

    if fw.proposals is None:
        return None
    rng = np.random.default_rng([sample.seed, zlib.crc32(f"{fw.id}/proposals".encode())])
    topics = [t.id for t in fw.proposals.topics if t.id in _WORDS]
    bodies = {b.id for b in fw.proposals.bodies}
    # a social worker writes the Chinese names, not the ids (both are read back)
    names = {c.id: c.label.get("zh") or c.id for c in [*fw.proposals.topics, *fw.proposals.bodies]}
    rows: list[dict[str, Any]] = []
    audit = sample.audit.sort_values(["community_id", "wave"], kind="stable")
    for rec in audit.to_dict("records"):
        if rec.get("city") != LOG_CITY:
            continue
        n = _count(rec.get("proposals_recorded"), rng)
        share = _share(rec.get("proposals_answered_pct"))
        start = _WAVE_START.get(str(rec["wave"]), _WAVE_START["1"])
        for _ in range(n):
            topic = topics[int(rng.integers(len(topics)))]
            rows.append(_proposal(rec, topic, start, share, bodies, rng))
    frame = pd.DataFrame(rows, columns=list(COLUMNS))
    for column in ("topic", "referred_to"):
        frame[column] = frame[column].map(names)
    frame = frame.sort_values(["community_id", "wave", "date_raised"], kind="stable")
    frame = frame.reset_index(drop=True)
    if broken and len(frame) >= 4:
        _break(frame, sample)
    return frame


def _count(value, rng) -> int:
    if value is None or value != value:
        return int(rng.integers(2, 6))
    return max(1, int(round(float(value))))


def _share(value) -> float:
    return 0.5 if value is None or value != value else min(max(float(value) / 100, 0.0), 1.0)


def _proposal(rec: dict, topic: str, start: dt.date, share: float, bodies, rng) -> dict:
    bank = _WORDS[topic]
    raised = start + dt.timedelta(days=int(rng.integers(0, 270)))
    body = _BODY[topic] if _BODY[topic] in bodies else sorted(bodies)[0]
    row = {
        "community_id": rec["community_id"],
        "wave": str(rec["wave"]),
        "date_raised": raised.isoformat(),
        "raised_by": _GROUPS[int(rng.integers(len(_GROUPS)))],
        "topic": topic,
        "proposal": bank[int(rng.integers(len(bank)))],
        "referred_to": body,
    }
    answered_p = min(1.0, share + 0.15)
    if rng.random() >= answered_p:
        return row  # still waiting for an answer
    answer = _ANSWERS[int(rng.choice(3, p=[0.55, 0.25, 0.20]))]
    answered = raised + dt.timedelta(days=int(rng.integers(3, 50)))
    row.update(date_answered=answered.isoformat(), answer=answer)
    if answer == "declined":
        row["reason"] = _REASONS[int(rng.integers(len(_REASONS)))]
    elif rng.random() < (0.8 if answer == "accepted" else 0.5):
        row["action"] = _ACTIONS[int(rng.integers(len(_ACTIONS)))]
    if rng.random() < share / answered_p:
        told = answered + dt.timedelta(days=int(rng.integers(2, 20)))
        row.update(date_reported_back=told.isoformat(), reported_how=_HOW[int(rng.integers(3))])
    return row


def _break(frame: pd.DataFrame, sample: Sample) -> None:
    """Two mistakes a social worker makes, recorded like the sample's other problems."""
    row = 2  # the first data row: its answer is dated a week before it was raised
    raised = dt.date.fromisoformat(frame.loc[0, "date_raised"])
    early = (raised - dt.timedelta(days=7)).isoformat()
    frame.loc[0, ["date_answered", "answer"]] = [early, "accepted"]
    frame.loc[0, ["date_reported_back", "reported_how"]] = [None, None]
    sample.injected.append(
        {"file": "proposals", "row": row, "column": "date_answered", "value": early,
         "code": "dates-out-of-order", "what": "an answer dated before the proposal"}
    )  # fmt: skip
    frame.loc[3, "topic"] = "作业太多"
    sample.injected.append(
        {"file": "proposals", "row": 5, "column": "topic", "value": "作业太多",
         "code": "unknown-topic", "what": "a topic the framework does not list (row kept)"}
    )  # fmt: skip
