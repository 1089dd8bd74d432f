"""cfeval: evaluate how child-friendly a community is.

The public API, loaded lazily so that ``import cfeval`` (and ``cfeval --help``) stays fast:
pandas, pydantic models and WeasyPrint are imported the first time a name is used.

>>> import cfeval
>>> fw = cfeval.load_framework("chengdu-community")  # doctest: +SKIP
>>> result = cfeval.score(fw, cfeval.load_data(fw, survey="survey.csv", audit="audit.xlsx"))  # doctest: +SKIP
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

# name -> module that defines it
_API = {
    "load_framework": "cfeval.framework.loader",
    "parse_framework": "cfeval.framework.loader",
    "dump_framework": "cfeval.framework.loader",
    "framework_schema": "cfeval.framework.loader",
    "shipped_frameworks": "cfeval.framework.loader",
    "check_framework": "cfeval.framework.check",
    "framework_summary": "cfeval.framework.check",
    "Framework": "cfeval.framework.model",
    "cross_check": "cfeval.framework.consistency",
    "CfevalError": "cfeval.errors",
    "FrameworkError": "cfeval.errors",
    "UsageError": "cfeval.errors",
    "DataError": "cfeval.errors",
    "read_survey": "cfeval.data.load",
    "read_audit": "cfeval.data.load",
    "load_data": "cfeval.data.load",
    "check": "cfeval.data.load",
    "DataReport": "cfeval.data.load",
    "suggest_mapping": "cfeval.data.suggest",
    "read_proposals": "cfeval.data.proposals",
    "proposal_measures": "cfeval.data.proposal_measures",
    "score": "cfeval.scoring.engine",
    "score_partitioned": "cfeval.scoring.partitioned",
    "ScoreResult": "cfeval.scoring.result",
    "peers": "cfeval.results.insights",
    "peer_medians": "cfeval.results.insights",
    "rank": "cfeval.results.insights",
    "strengths": "cfeval.results.insights",
    "priorities": "cfeval.results.insights",
    "shortfalls": "cfeval.results.insights",
    "you_said_we_did": "cfeval.results.proposals",
    "render_report": "cfeval.report.entry",
    "wave_changes": "cfeval.results.waves",
    "render_comparison": "cfeval.report.entry",
    "render_batch": "cfeval.report.entry",
    "run_demo": "cfeval.report.entry",
    "render_district": "cfeval.report.booklet",
    "write_booklet": "cfeval.report.booklet",
    "write_manifest": "cfeval.report.booklet",
    "load_settings": "cfeval.report.settings",
    "ReportSettings": "cfeval.report.settings",
    "select_communities": "cfeval.results.selection",
    "write_framework_docs": "cfeval.report.reference",
    "write_sample": "cfeval.sample.generate",
    "reliability": "cfeval.results.reliability",
    "breakdown": "cfeval.results.breakdowns",
    "write_analysis": "cfeval.results.analysis_export",
    "anonymised_microdata": "cfeval.results.analysis_export",
    "write_microdata": "cfeval.results.analysis_export",
    "template": "cfeval.collect.kit",
    "progress": "cfeval.collect.progress",
    "write_progress": "cfeval.collect.progress",
    "sensitivity": "cfeval.results.sensitivity",
    "SensitivityResult": "cfeval.results.sensitivity",
    "serve": "cfeval.web.server",
}

__all__ = ["__version__", *_API]


def __getattr__(name: str) -> Any:
    module = _API.get(name)
    if module is None:
        raise AttributeError(f"module 'cfeval' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value  # later look-ups skip this function
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_API})
