"""Collecting data: the field kit a framework implies, and a monitor for fieldwork.

:func:`template` writes everything a team needs before any data exists (printable
questionnaires, an audit workbook, entry sheets for paper questionnaires, XLSForms for
KoboToolbox / ODK Collect, a plain-text questionnaire for 问卷星-style text import and its
mapping file); :func:`progress` tells coordinators what is still missing while data come
in. Names are loaded on first use so that importing the package stays cheap.
"""

from __future__ import annotations

import importlib
from typing import Any

_API = {
    "template": "cfeval.collect.kit",
    "progress": "cfeval.collect.progress",
    "write_progress": "cfeval.collect.progress",
}

__all__ = list(_API)


def __getattr__(name: str) -> Any:
    module = _API.get(name)
    if module is None:
        raise AttributeError(f"module 'cfeval.collect' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)
