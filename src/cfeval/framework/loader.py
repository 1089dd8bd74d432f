"""Framework files: YAML in, a validated :class:`~cfeval.framework.Framework` out.

A broken framework is refused as a whole, with every problem listed as
``file.yaml:LINE:COL  dotted.path  message``. To know the line of each problem the YAML
is composed into nodes (``yaml.SafeLoader``, never the unsafe loaders) and turned into
plain Python values by hand, keeping a map from location tuples such as
``("dimensions", 0, "indicators", 2, "points")`` to the node's position. Pydantic's
errors and :func:`~cfeval.framework.cross_check`'s problems are then located through
that map, walking up to the nearest node that exists (a missing key points at the
mapping that lacks it).
"""

from __future__ import annotations

import copy
import difflib
import hashlib
import re
import types
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from cfeval.errors import FrameworkError, Problem, UsageError
from cfeval.framework.base import Loc
from cfeval.framework.checks import cross_check
from cfeval.framework.model import Framework
from cfeval.framework.rules import rule_union

__all__ = [
    "load_framework",
    "parse_framework",
    "shipped_frameworks",
    "dump_framework",
    "framework_schema",
    "framework_sha256",
]

#: Fields holding a pydantic discriminated union; pydantic puts the chosen tag into the
#: error location (``rule.bands.bands.0.min``), which is not a key in the file.
_TAGGED_FIELDS = frozenset({"rule"})

#: Keys whose value is a Label (a text per language).
_LABEL_KEYS = frozenset(
    {"label", "title", "text", "description", "recommendation", "evidence", "note", "unit", "help"}
)

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
        raise UsageError(f"cannot read framework file {str(id_or_path)!r}: {err.strerror}") from err
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        message = f"not UTF-8 text ({err.reason} at byte {err.start}); save the file as UTF-8"
        raise _single(str(id_or_path), message) from None
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
        raise UsageError(f"{text!r} is a folder; give a framework file or a shipped id")
    if looks_like_path:
        raise UsageError(f"framework file not found: {text}")
    hint = difflib.get_close_matches(text, shipped, n=1)
    known = ", ".join(shipped) or "none"
    extra = f" Did you mean {hint[0]!r}?" if hint else ""
    raise UsageError(
        f"no framework file or shipped framework called {text!r}.{extra} Shipped: {known}"
    )


# --------------------------------------------------------------------------- YAML → values + marks


@dataclass
class _Located:
    """Plain values of a YAML document plus where each location starts (0-based line, col)."""

    data: Any
    marks: dict[Loc, tuple[int, int]] = field(default_factory=dict)
    problems: list[tuple[Loc, tuple[int, int], str]] = field(default_factory=list)


def _single(source: str, message: str, mark: yaml.Mark | None = None) -> FrameworkError:
    """A refusal with one problem (empty file, not a mapping, YAML syntax)."""
    line, col = (mark.line + 1, mark.column + 1) if mark is not None else (None, None)
    return FrameworkError([Problem(source, line, col, "", message)], source)


#: libyaml's parser when PyYAML was built with it (about 4x faster), else the pure one.
_FAST_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _compose(text: str, source: str, loader_class: type = _FAST_LOADER) -> _Located:
    loader = loader_class(text)
    try:
        node = loader.get_single_node()
        if node is None:
            raise _single(
                source, "the file is empty; a framework is a YAML mapping starting with `id:`"
            )
        located = _Located(None)
        located.data = _construct(loader, node, (), located)
    except yaml.MarkedYAMLError as err:
        if loader_class is not yaml.SafeLoader:
            # Explain syntax errors with the pure-Python parser, whose messages name the
            # offending character (a tab, a quote) that the messages below rely on.
            return _compose(text, source, yaml.SafeLoader)
        raise FrameworkError([_syntax_problem(err, source, text)], source) from None
    except yaml.YAMLError as err:  # errors without a position (rare: reader errors)
        raise _single(source, f"not valid YAML: {err}") from None
    finally:
        loader.dispose()
    if not isinstance(located.data, dict):
        kinds = {str: "text", int: "number", float: "number", bool: "true/false", list: "list"}
        kind = kinds.get(type(located.data), type(located.data).__name__)
        message = f"a framework is a mapping of `key: value` lines, but the file holds a {kind}"
        raise _single(source, message, node.start_mark)
    return located


def _mark(mark) -> tuple[int, int]:
    return (mark.line, mark.column)


def _construct(
    loader: yaml.SafeLoader, node: yaml.Node, loc: Loc, out: _Located, stack: tuple = ()
) -> Any:
    """Turn a node into plain values, recording marks; duplicate keys become problems."""
    out.marks.setdefault(loc, _mark(node.start_mark))
    if id(node) in stack:
        raise yaml.constructor.ConstructorError(
            None, None, "an alias refers to itself (recursive `*anchor`)", node.start_mark
        )
    stack = (*stack, id(node))
    # Collections are walked by hand, so their tags must be checked by hand too
    # (`!!python/...` on a list would otherwise pass as a plain list).
    plain = {yaml.MappingNode: "tag:yaml.org,2002:map", yaml.SequenceNode: "tag:yaml.org,2002:seq"}
    if type(node) in plain and node.tag != plain[type(node)]:
        raise yaml.constructor.ConstructorError(
            None,
            None,
            f"could not determine a constructor for the tag {node.tag!r}",
            node.start_mark,
        )
    if isinstance(node, yaml.MappingNode):
        seen: dict[Any, yaml.Node] = {}
        for key_node, _ in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                continue
            key = loader.construct_object(key_node, deep=True)
            if not isinstance(key, str | int | float | bool) and key is not None:
                raise yaml.constructor.ConstructorError(
                    None, None, "a key must be a plain word or number", key_node.start_mark
                )
            if key in seen:
                first = seen[key].start_mark.line + 1
                out.problems.append(
                    (
                        (*loc, key),
                        _mark(key_node.start_mark),
                        f"duplicate key `{key}` (also on line {first}); YAML would silently keep only the last one",
                    )
                )
            else:
                seen[key] = key_node
        # `<<: *anchor` merges are resolved by PyYAML itself; own keys override merged ones.
        loader.flatten_mapping(node)
        result: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            key = loader.construct_object(key_node, deep=True)
            if key in result:
                # A duplicate key replaces the earlier value: forget where that value's
                # parts were, so later problems point into the value that is kept.
                prefix = (*loc, key)
                for stale in [m for m in out.marks if m[: len(prefix)] == prefix]:
                    del out.marks[stale]
            # A collection's own mark is the `key:` line (its value starts on the next line).
            if not isinstance(value_node, yaml.ScalarNode):
                out.marks[(*loc, key)] = _mark(key_node.start_mark)
            result[key] = _construct(loader, value_node, (*loc, key), out, stack)
        return result
    if isinstance(node, yaml.SequenceNode):
        return [
            _construct(loader, item, (*loc, i), out, stack) for i, item in enumerate(node.value)
        ]
    return loader.construct_object(node, deep=True)


def _runaway_quote(text: str, error_line: int) -> yaml.Mark | None:
    """Start of a quoted text that ran over several lines up to the error line, if any.

    An unclosed quote swallows the following lines until the next quote; the parser then
    complains there, far from the real mistake.
    """
    try:
        for token in yaml.scan(text, Loader=yaml.SafeLoader):
            start, end = token.start_mark, token.end_mark
            if (
                isinstance(token, yaml.ScalarToken)
                and token.style in ('"', "'")
                and start.line != end.line
                and end.line >= error_line
            ):
                return start
    except yaml.YAMLError:
        pass
    return None


def _syntax_problem(err: yaml.MarkedYAMLError, source: str, text: str) -> Problem:
    mark = err.problem_mark or err.context_mark
    problem = (err.problem or "").strip()
    context = (err.context or "").strip()
    runaway = _runaway_quote(text, mark.line) if mark else None
    if runaway is not None:
        mark = runaway
        message = "this quoted text runs on over the next lines: its closing quote is missing"
    elif "'\\t'" in problem:
        message = "a tab character; YAML indents with spaces only (replace the tab with spaces)"
    elif "quoted scalar" in context and "end of stream" in problem:
        mark = err.context_mark or mark
        message = "a quote opened here is never closed; add the closing quote"
    elif "quoted scalar" in context:
        mark = err.context_mark or mark
        message = f"the quoted text that starts here is broken ({problem}); check its closing quote"
    elif "flow sequence" in context or "flow mapping" in context:
        mark = err.context_mark or mark
        closer = "]" if "sequence" in context else "}"
        message = f"the bracket opened here is not closed: check for a missing `{closer}` or comma"
    elif "mapping values are not allowed" in problem:
        message = "a `key: value` where none is allowed; check the indentation of this line (or quote a value that contains ': ')"
    elif "did not find expected key" in problem or "expected <block end>" in problem:
        message = "bad indentation: this line does not line up with the keys above it"
    elif "did not find expected '-' indicator" in problem:
        message = "bad indentation: this list entry does not line up with the `- ` entries above it"
    elif "found undefined tag handle" in problem or "could not determine a constructor" in problem:
        message = "a `!tag` that plain YAML does not know; remove it"
    else:
        message = f"not valid YAML: {problem or context}"
    line, col = (mark.line + 1, mark.column + 1) if mark else (None, None)
    return Problem(source, line, col, "", message)


# --------------------------------------------------------------------------- validation


def _parse(text: str, source: str) -> Framework:
    located = _compose(text, source)
    problems = [
        Problem(source, line + 1, col + 1, _dotted(loc), msg)
        for loc, (line, col), msg in located.problems
    ]
    try:
        fw = Framework.model_validate(located.data)
    except ValidationError as err:
        errors = err.errors(include_url=False)
        for e in errors:
            loc, message = _explain(e, located)
            problems.append(_problem(source, loc, message, located))
        problems += _checks_despite_unknown_keys(errors, located, source)
        raise FrameworkError(problems, source) from None
    for loc, message in cross_check(fw):
        problems.append(_problem(source, loc, message, located))
    if problems:
        raise FrameworkError(problems, source)
    return fw


def _checks_despite_unknown_keys(errors: list, located: _Located, source: str) -> list[Problem]:
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
        loc = _strip_tags(tuple(e["loc"]), located.data)
        parent = data
        for part in loc[:-1]:
            parent = _child(parent, part)
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


def _problem(source: str, loc: Loc, message: str, located: _Located) -> Problem:
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


def _child(node: Any, part: Any) -> Any:
    if isinstance(node, dict):
        return node.get(part)
    if isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
        return node[part]
    return None


def _strip_tags(loc: tuple, data: Any) -> tuple:
    """Drop the discriminator tags pydantic inserts after union fields (``rule.bands...``)."""
    out: list = []
    node = data
    skip_next = False
    for i, part in enumerate(loc):
        if skip_next:
            skip_next = False
            continue
        out.append(part)
        node = _child(node, part)
        is_tag = i + 1 < len(loc) and isinstance(node, dict) and loc[i + 1] == node.get("type")
        skip_next = part in _TAGGED_FIELDS and is_tag
    return tuple(out)


def _explain(e: dict, located: _Located) -> tuple[Loc, str]:
    """A pydantic error as (file location, plain-English message)."""
    raw_loc = tuple(e["loc"])
    kind, ctx, value = e["type"], e.get("ctx") or {}, e.get("input")
    is_key = bool(raw_loc) and raw_loc[-1] == "[key]"
    loc = _strip_tags(raw_loc[:-1] if is_key else raw_loc, located.data)
    name = loc[-1] if loc else "framework"
    shown = _show(value)

    if kind == "extra_forbidden":
        valid = _valid_keys(raw_loc[:-1])
        close = difflib.get_close_matches(str(name), valid, n=1, cutoff=0.6) if valid else []
        if close:
            return loc, f"unknown key `{name}`; did you mean `{close[0]}`?"
        return loc, f"unknown key `{name}`" + (f"; valid keys: {', '.join(valid)}" if valid else "")
    if kind == "missing":
        return loc, f"missing required key `{name}`"
    if kind in ("union_tag_invalid", "union_tag_not_found"):
        tags = [
            typing.get_args(m.model_fields["type"].annotation)[0] for m in _members(rule_union())
        ]
        choices = ", ".join(tags)
        if kind == "union_tag_not_found":
            return loc, f"a rule needs `type`: one of {choices}"
        close = difflib.get_close_matches(str(ctx.get("tag")), tags, n=1)
        hint = f"; did you mean `{close[0]}`?" if close else ""
        return (*loc, "type"), f"unknown rule type {ctx.get('tag')!r}{hint} Rule types: {choices}"
    if kind == "literal_error":
        options = re.findall(r"'([^']*)'", str(ctx.get("expected", "")))
        close = difflib.get_close_matches(str(value), options, n=1)
        hint = f" Did you mean `{close[0]}`?" if close else ""
        return loc, f"{shown} is not allowed here; use one of: {', '.join(options)}.{hint}"
    if is_key:
        return (
            loc,
            f"the key {shown} must be {'a whole number' if kind.startswith('int') else 'text'}",
        )
    if kind == "string_type":
        if isinstance(value, bool):
            return (
                loc,
                f"expected text, got {str(value).lower()}: YAML reads unquoted yes/no/on/off/true/false as true/false; put the value in quotes",
            )
        if isinstance(value, int | float):
            return loc, f'expected text, got the number {value!r}; put it in quotes ("{value}")'
        if hasattr(value, "isoformat"):
            return loc, f'expected text, got the date {value}; put it in quotes ("{value}")'
        return loc, f"expected text, got {_kind(value)}"
    if kind == "string_pattern_mismatch":
        if loc == ("id",):
            return (
                loc,
                f"{shown} is not a valid framework id: use lowercase letters, digits and hyphens, starting with a letter",
            )
        return (
            loc,
            f"{shown} is not a valid id: use letters, digits and underscores, starting with a letter",
        )
    if kind in ("int_type", "int_parsing", "int_from_float"):
        return loc, f"expected a whole number, got {shown}"
    if kind in ("float_type", "float_parsing"):
        return loc, f"expected a number, got {shown}"
    if kind in ("bool_type", "bool_parsing"):
        return loc, f"expected true or false, got {shown}"
    if kind == "dict_type" and name in _LABEL_KEYS:
        return (
            loc,
            f"a text needs one entry per language, like {{zh: 儿童参与, en: Child participation}}; got {_kind(value)}",
        )
    if kind in ("dict_type", "model_type", "model_attributes_type"):
        return loc, f"expected a mapping of `key: value` entries, got {_kind(value)}"
    if kind == "list_type":
        return loc, f"expected a list (`- ` lines or [a, b]), got {_kind(value)}"
    bounds = {
        "greater_than": "greater than {gt}",
        "greater_than_equal": "at least {ge}",
        "less_than": "less than {lt}",
        "less_than_equal": "at most {le}",
    }
    if kind in bounds:
        return (
            loc,
            f"must be {bounds[kind].format(**{k: _num(v) for k, v in ctx.items()})} (got {shown})",
        )
    if kind == "too_short":
        need = ctx.get("min_length", 1)
        return loc, f"needs at least {need} entr{'y' if need == 1 else 'ies'}"
    if kind == "value_error":
        return loc, str(ctx.get("error", e["msg"])).removeprefix("Value error, ")
    return loc, e["msg"]


def _num(v: Any) -> str:
    return f"{v:g}" if isinstance(v, float) else str(v)


def _show(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _kind(value: Any) -> str:
    if value is None:
        return "nothing (an empty value)"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return f"{_show(value)}"


# --------------------------------------------------------------------------- model introspection


def _valid_keys(loc: tuple) -> list[str]:
    """Field names of the model at pydantic location ``loc`` (tags included), or []."""
    tp: Any = Framework
    for part in loc:
        tp = _step(tp, part)
        if tp is None:
            return []
    model = _as_model(tp)
    return list(model.model_fields) if model else []


def _members(tp: Any) -> list[Any]:
    origin = typing.get_origin(tp)
    if origin is typing.Annotated:
        return _members(typing.get_args(tp)[0])
    if origin in (typing.Union, types.UnionType):
        return [m for arg in typing.get_args(tp) for m in _members(arg) if m is not type(None)]
    return [tp]


def _as_model(tp: Any) -> type[BaseModel] | None:
    models = [m for m in _members(tp) if isinstance(m, type) and issubclass(m, BaseModel)]
    return models[0] if len(models) == 1 else None


def _step(tp: Any, part: Any) -> Any:
    members = _members(tp)
    models = [m for m in members if isinstance(m, type) and issubclass(m, BaseModel)]
    if len(models) > 1:  # a discriminated union: the next part is the tag
        for m in models:
            if typing.get_args(m.model_fields["type"].annotation) == (part,):
                return m
        return None
    if models:
        info = models[0].model_fields.get(part)
        return info.annotation if info else None
    for m in members:
        origin = typing.get_origin(m)
        if origin is list and isinstance(part, int):
            return typing.get_args(m)[0]
        if origin is dict:
            return typing.get_args(m)[1]
    return None


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
