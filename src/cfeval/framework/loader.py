"""Framework files: YAML in, a validated :class:`~cfeval.framework.model.Framework` out.

A broken framework is refused as a whole, with every problem listed as
``file.yaml:LINE:COL  dotted.path  message``. The YAML is read into plain values with
the position of every location (:mod:`cfeval.framework.yaml_text`); pydantic's errors
(put into words by :mod:`cfeval.framework.messages`) and
:func:`~cfeval.framework.consistency.cross_check`'s problems are then located through that
map, walking up to the nearest node that exists (a missing key points at the mapping
that lacks it). Messages are :class:`~cfeval.i18n.Msg`: English, translated when shown.
"""

from __future__ import annotations

import copy
import difflib
import hashlib
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from cfeval.errors import FrameworkError, Problem, UsageError
from cfeval.framework.base import Loc
from cfeval.framework.consistency import cross_check
from cfeval.framework.messages import child, explain, strip_tags
from cfeval.framework.model import Framework
from cfeval.framework.yaml_limits import yaml_limit_problem
from cfeval.framework.yaml_text import Located, compose, single_problem
from cfeval.i18n import Msg

__all__ = [
    "load_framework",
    "parse_framework",
    "shipped_frameworks",
    "dump_framework",
    "framework_schema",
    "framework_sha256",
]

_SCHEMA_URL = "https://json-schema.org/draft/2020-12/schema"


# --------------------------------------------------------------------------- public API


def shipped_frameworks() -> list[tuple[str, Path]]:
    """The frameworks that ship with cfeval, as ``(id, path)`` sorted by id.

    A shipped framework is named after its id (``frameworks/<id>.yaml``).

    >>> [fid for fid, _ in shipped_frameworks()]  # doctest: +SKIP
    ['chengdu-community', ...]
    """
    from cfeval._paths import shipped_dir

    try:
        folder = shipped_dir("frameworks")
    except FileNotFoundError:
        return []
    paths = [*folder.glob("*.yaml"), *folder.glob("*.yml")]
    return sorted((p.stem, p) for p in paths)


def load_framework(id_or_path: str | Path) -> Framework:
    """Load a framework by shipped id (``"chengdu-community"``) or from a YAML file.

    An existing file wins over a shipped id of the same name. Raises
    :class:`~cfeval.errors.FrameworkError` listing every problem of a broken file, and
    :class:`~cfeval.errors.UsageError` when neither a file nor a shipped id matches.

    >>> load_framework("tests/fixtures/frameworks/full.yaml").id  # doctest: +SKIP
    'fixture-full'
    """
    path = _resolve(id_or_path)
    try:
        raw = path.read_bytes()
    except OSError as err:
        raise UsageError(
            Msg(
                "cannot read framework file {path}: {reason}",
                path=repr(str(id_or_path)),
                reason=err.strerror,
            )
        ) from err
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        message = Msg(
            "not UTF-8 text ({reason} at byte {start}); save the file as UTF-8",
            reason=err.reason,
            start=err.start,
        )
        raise single_problem(str(id_or_path), message) from None
    # Problems name the file as the user gave it, or the real file for a shipped id.
    source = str(id_or_path) if Path(id_or_path) == path else str(path)
    fw = _parse(text, source)
    fw._source_sha256 = hashlib.sha256(raw).hexdigest()
    fw._source_path = str(path)
    return fw


def parse_framework(text: str, source: str = "<framework>") -> Framework:
    """Validate a framework given as YAML text; ``source`` names it in problem messages.

    >>> parse_framework("id: x\\n", "inline.yaml")  # doctest: +SKIP
    Traceback (most recent call last):
    cfeval.errors.FrameworkError: inline.yaml: framework refused, 5 problems: ...
    """
    fw = _parse(text, source)
    fw._source_sha256 = hashlib.sha256(text.encode("utf-8")).hexdigest()
    return fw


def framework_sha256(fw: Framework) -> str:
    """Fingerprint of a framework for provenance.

    The sha256 of the file's bytes when it was loaded from a file (or of the text given
    to :func:`parse_framework`), else of its canonical YAML dump.
    """
    return fw.source_sha256 or hashlib.sha256(dump_framework(fw).encode("utf-8")).hexdigest()


def dump_framework(fw: Framework) -> str:
    """The framework as readable YAML (defaults and empty values left out, keys in model order).

    ``parse_framework(dump_framework(fw))`` gives back an equal framework.
    """
    data = _tidy(fw.model_dump(mode="python", exclude_defaults=True, exclude_none=True))
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=100)


def framework_schema() -> dict[str, Any]:
    """JSON Schema of the framework format, for editors (completion, red squiggles).

    Save it with ``cfeval schema -o framework.schema.json`` and point the editor at it,
    e.g. a first line ``# yaml-language-server: $schema=framework.schema.json``.
    """
    schema = Framework.model_json_schema()
    return {
        "$schema": _SCHEMA_URL,
        "title": "cfeval evaluation framework",
        "description": "An evaluation framework for child-friendly communities (cfeval).",
        **{k: v for k, v in schema.items() if k not in ("title", "description")},
    }


# --------------------------------------------------------------------------- resolving


def _resolve(id_or_path: str | Path) -> Path:
    path = Path(id_or_path)
    if path.is_file():
        return path
    text = str(id_or_path)
    looks_like_path = (
        isinstance(id_or_path, Path)
        or path.suffix in (".yaml", ".yml")
        or "/" in text
        or "\\" in text
    )
    shipped = dict(shipped_frameworks())
    if not looks_like_path and text in shipped:
        return shipped[text]
    if path.is_dir():
        raise UsageError(
            Msg("{path} is a folder; give a framework file or a shipped id", path=repr(text))
        )
    if looks_like_path:
        raise UsageError(Msg("framework file not found: {path}", path=text))
    hint = difflib.get_close_matches(text, shipped, n=1)
    known = ", ".join(shipped) or Msg("none")
    if hint:
        raise UsageError(
            Msg(
                "no framework file or shipped framework called {name}. Did you mean {close}? "
                "Shipped: {known}",
                name=repr(text),
                close=repr(hint[0]),
                known=known,
            )
        )
    raise UsageError(
        Msg(
            "no framework file or shipped framework called {name}. Shipped: {known}",
            name=repr(text),
            known=known,
        )
    )


# --------------------------------------------------------------------------- validation


def _parse(text: str, source: str) -> Framework:
    # Alias bombs, deep nesting and huge numbers are refused before any node is built.
    limit = yaml_limit_problem(text)
    if limit is not None:
        line, column, message = limit
        raise FrameworkError([Problem(source, line, column, "", message)], source)
    located = compose(text, source)
    problems = [
        Problem(source, line + 1, col + 1, _dotted(loc), msg)
        for loc, (line, col), msg in located.problems
    ]
    try:
        fw = Framework.model_validate(located.data)
    except ValidationError as err:
        errors = err.errors(include_url=False)
        for e in errors:
            loc, message = explain(e, located.data)
            problems.append(_problem(source, loc, message, located))
        problems += _checks_despite_unknown_keys(errors, located, source)
        raise FrameworkError(problems, source) from None
    for loc, message in cross_check(fw):
        problems.append(_problem(source, loc, message, located))
    if problems:
        raise FrameworkError(problems, source)
    return fw


def _checks_despite_unknown_keys(errors: list, located: Located, source: str) -> list[Problem]:
    """The whole-file problems of a file whose only structural mistakes are unknown keys.

    A mistyped key (`point:` for `points:`) is the commonest mistake, and without it the
    file is often valid: its cross-file problems (an unknown scale, grades out of order)
    then come in the same run instead of the next one. Problems that follow from the
    dropped key are left out: those of the node that lost it and its own attributes, and
    point sums of the nodes above it. A key dropped at the top of the file could affect
    anything, so then nothing more is checked.
    """
    if any(e["type"] != "extra_forbidden" for e in errors):
        return []
    data = copy.deepcopy(located.data)
    owners: list[Loc] = []
    for e in errors:
        loc = strip_tags(tuple(e["loc"]), located.data)
        parent = data
        for part in loc[:-1]:
            parent = child(parent, part)
        if not loc[:-1] or not isinstance(parent, dict):
            return []
        parent.pop(loc[-1], None)
        owners.append(loc[:-1])
    try:
        fw = Framework.model_validate(data)
    except ValidationError:
        return []

    def follows_from_a_dropped_key(loc: Loc) -> bool:
        for owner in owners:
            if loc == owner or loc[:-1] == owner:
                return True
            sums_above = loc[-1:] == ("points",) and owner[: len(loc) - 1] == loc[:-1]
            if sums_above or loc in (("dimensions",), ("scoring", "total")):
                return True
        return False

    return [
        _problem(source, loc, message, located)
        for loc, message in cross_check(fw)
        if not follows_from_a_dropped_key(loc)
    ]


def _problem(source: str, loc: Loc, message: Msg, located: Located) -> Problem:
    line, col = _locate(loc, located.marks)
    return Problem(source, line + 1, col + 1, _dotted(loc), message)


def _locate(loc: Loc, marks: dict[Loc, tuple[int, int]]) -> tuple[int, int]:
    for end in range(len(loc), -1, -1):
        mark = marks.get(tuple(loc[:end]))
        if mark is not None:
            return mark
    return (0, 0)


def _dotted(loc: Loc) -> str:
    return ".".join(str(part) for part in loc)


# --------------------------------------------------------------------------- dumping


def _tidy(value: Any) -> Any:
    """Whole floats as ints (``points: 10`` rather than ``10.0``), recursively."""
    if isinstance(value, dict):
        return {k: _tidy(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_tidy(v) for v in value]
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value
