"""Library verbs behind ``cfeval check``: load a framework for checking and summarise it.

The command line prints what these return; notebooks and other tools call them directly.

>>> fw = check_framework("chengdu-community")  # doctest: +SKIP
>>> dict(framework_summary(fw, "en"))["indicators"]  # doctest: +SKIP
'23'
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING

from cfeval.i18n import N_, words

if TYPE_CHECKING:
    from cfeval.framework.model import Framework

__all__ = ["check_framework", "framework_summary"]


def check_framework(path_or_id: str | Path) -> Framework:
    """Load and check a framework (a shipped id or a YAML file); return it when valid.

    Raises :class:`~cfeval.errors.FrameworkError` listing every problem of a broken file
    (each with ``file:line:col`` and dotted path; ``err.text(lang)`` puts them into words)
    and :class:`~cfeval.errors.UsageError` when no file or shipped id matches.

    >>> check_framework("tests/fixtures/frameworks/full.yaml").id  # doctest: +SKIP
    'fixture-full'
    """
    from cfeval.framework.loader import load_framework

    return load_framework(path_or_id)


def _num(value: float | None) -> str:
    return "" if value is None else f"{value:g}"


def framework_summary(fw: Framework, lang: str | None = None) -> list[tuple[str, str]]:
    """Counts that describe a framework, as ``(what, value)`` rows in ``lang``.

    Rule, source and method names are the framework file's own keywords, so the summary
    can be compared with the file. ``lang`` None speaks the environment's language.

    >>> framework_summary(fw, "en")[0]  # doctest: +SKIP
    ('framework', 'fixture-full 2024.1')
    """
    from cfeval.framework.model import Dimension

    w = words(lang)
    nodes = [node for _, node in fw.walk()]
    indicators = fw.indicators()
    by_source = Counter(ind.source for ind in indicators)
    by_method = Counter(ind.method for ind in indicators)
    if fw.scoring.method == "points":
        total = w(
            "{points} points (declared total {total})",
            points=_num(sum(d.points or 0 for d in fw.dimensions)),
            total=_num(fw.scoring.total),
        )
    else:
        total = w("index, 0-100")
    bonus = (
        w("{n} (cap {cap})", n=len(fw.bonus), cap=_num(fw.scoring.bonus_cap)) if fw.bonus else "0"
    )
    rows = [
        (N_("framework"), f"{fw.id} {fw.version}"),
        (
            N_("scoring"),
            w(
                "{method}, missing data: {missing}",
                method=fw.scoring.method,
                missing=fw.scoring.missing,
            ),
        ),
        (N_("total"), total),
        (N_("dimensions"), str(sum(isinstance(n, Dimension) for n in nodes))),
        (N_("indicators"), str(len(indicators))),
        (N_("  by source"), ", ".join(f"{k} {v}" for k, v in sorted(by_source.items()))),
        (N_("  by method"), ", ".join(f"{k} {v}" for k, v in sorted(by_method.items()))),
        (N_("survey items"), str(len(fw.items()))),
        (N_("respondent groups"), ", ".join(fw.respondents) or w("none")),
        (N_("audit fields"), str(len(fw.fields))),
        (N_("grades"), ", ".join(f"{g.id} ≥ {_num(g.min)}" for g in fw.scoring.grades)),
        (N_("bonus items"), bonus),
        (N_("veto items"), str(len(fw.veto))),
    ]
    return [(w(what), value) for what, value in rows]
