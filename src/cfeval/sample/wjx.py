"""A 问卷星 (wjx.cn) "按选项文本" export of synthetic answers, as real exports look."""

from __future__ import annotations

import datetime
import zlib
from typing import TYPE_CHECKING

from cfeval.sample.draw import questionnaire

if TYPE_CHECKING:
    import pandas as pd

    from cfeval.framework.model import Framework
    from cfeval.sample.draw import Sample

__all__ = ["wjx_text_export"]


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
