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
    "load_framework": "cfeval.loader",
    "parse_framework": "cfeval.loader",
    "dump_framework": "cfeval.loader",
    "framework_schema": "cfeval.loader",
    "shipped_frameworks": "cfeval.loader",
    "Framework": "cfeval.framework",
    "cross_check": "cfeval.framework",
    "CfevalError": "cfeval.errors",
    "FrameworkError": "cfeval.errors",
    "UsageError": "cfeval.errors",
    "DataError": "cfeval.errors",
    "read_survey": "cfeval.data",
    "read_audit": "cfeval.data",
    "load_data": "cfeval.data",
    "check": "cfeval.data",
    "DataReport": "cfeval.data",
    "score": "cfeval.engine",
    "ScoreResult": "cfeval.results",
    "render_report": "cfeval.report",
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
