"""Framework YAML text → plain Python values, with the file position of every location.

The YAML is composed into nodes (``yaml.SafeLoader`` or its libyaml twin, never the
unsafe loaders) and turned into plain values by hand, keeping a map from location
tuples such as ``("dimensions", 0, "indicators", 2, "points")`` to the node's position.
Duplicate keys (which YAML would silently collapse) become problems; syntax errors
become one problem in plain words, at the place the mistake most likely is.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import yaml

from cfeval.errors import FrameworkError, Problem
from cfeval.framework.base import Loc
from cfeval.i18n import N_, Msg

__all__ = ["FAST_LOADER", "Located", "compose", "single_problem", "syntax_problem"]


@dataclass
class Located:
    """Plain values of a YAML document plus where each location starts (0-based line, col)."""

    data: Any
    marks: dict[Loc, tuple[int, int]] = field(default_factory=dict)
    problems: list[tuple[Loc, tuple[int, int], str]] = field(default_factory=list)


def single_problem(source: str, message: Msg, mark: yaml.Mark | None = None) -> FrameworkError:
    """A refusal with one problem (empty file, not a mapping, YAML syntax)."""
    line, col = (mark.line + 1, mark.column + 1) if mark is not None else (None, None)
    return FrameworkError([Problem(source, line, col, "", message)], source)


#: libyaml's parser when PyYAML was built with it (about 4x faster), else the pure one.
FAST_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def compose(text: str, source: str, loader_class: type = FAST_LOADER) -> Located:
    loader = loader_class(text)
    try:
        node = loader.get_single_node()
        if node is None:
            raise single_problem(
                source, Msg("the file is empty; a framework is a YAML mapping starting with `id:`")
            )
        located = Located(None)
        located.data = _construct(loader, node, (), located)
    except yaml.MarkedYAMLError as err:
        if loader_class is not yaml.SafeLoader:
            # Explain syntax errors with the pure-Python parser, whose messages name the
            # offending character (a tab, a quote) that the messages below rely on.
            return compose(text, source, yaml.SafeLoader)
        raise FrameworkError([syntax_problem(err, source, text)], source) from None
    except yaml.YAMLError as err:  # errors without a position (rare: reader errors)
        raise single_problem(source, Msg("not valid YAML: {error}", error=str(err))) from None
    finally:
        loader.dispose()
    if not isinstance(located.data, dict):
        kinds = {
            str: N_("text"),
            int: N_("number"),
            float: N_("number"),
            bool: N_("true/false"),
            list: N_("list"),
        }
        kind = kinds.get(type(located.data))
        message = Msg(
            "a framework is a mapping of `key: value` lines, but the file holds a {kind}",
            kind=Msg(kind) if kind else type(located.data).__name__,
        )
        raise single_problem(source, message, node.start_mark)
    return located


def _mark(mark) -> tuple[int, int]:
    return (mark.line, mark.column)


def _construct(
    loader: yaml.SafeLoader, node: yaml.Node, loc: Loc, out: Located, stack: tuple = ()
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
                message = Msg(
                    "duplicate key `{key}` (also on line {first}); YAML would silently keep only the last one",
                    key=key,
                    first=first,
                )
                out.problems.append(((*loc, key), _mark(key_node.start_mark), message))
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
    try:
        return loader.construct_object(node, deep=True)
    except ValueError:
        # `2024-13-01` matches YAML's date pattern but is no date (PyYAML raises a bare
        # ValueError): keep the text, and the model says at this place why it is wrong.
        return node.value


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


def _layout_message(problem: str, context: str) -> Msg:
    if "mapping values are not allowed" in problem:
        return Msg(
            "a `key: value` where none is allowed; check the indentation of this line "
            "(or quote a value that contains ': ')"
        )
    if "did not find expected key" in problem or "expected <block end>" in problem:
        return Msg("bad indentation: this line does not line up with the keys above it")
    if "did not find expected '-' indicator" in problem:
        return Msg(
            "bad indentation: this list entry does not line up with the `- ` entries above it"
        )
    if "found undefined tag handle" in problem or "could not determine a constructor" in problem:
        return Msg("a `!tag` that plain YAML does not know; remove it")
    return Msg("not valid YAML: {error}", error=problem or context)


def syntax_problem(err: yaml.MarkedYAMLError, source: str, text: str) -> Problem:
    mark = err.problem_mark or err.context_mark
    problem = (err.problem or "").strip()
    context = (err.context or "").strip()
    runaway = _runaway_quote(text, mark.line) if mark else None
    if runaway is not None:
        mark = runaway
        message = Msg("this quoted text runs on over the next lines: its closing quote is missing")
    elif "'\\t'" in problem:
        message = Msg(
            "a tab character; YAML indents with spaces only (replace the tab with spaces)"
        )
    elif "quoted scalar" in context and "end of stream" in problem:
        mark = err.context_mark or mark
        message = Msg("a quote opened here is never closed; add the closing quote")
    elif "quoted scalar" in context:
        mark = err.context_mark or mark
        message = Msg(
            "the quoted text that starts here is broken ({problem}); check its closing quote",
            problem=problem,
        )
    elif "flow sequence" in context or "flow mapping" in context:
        mark = err.context_mark or mark
        closer = "]" if "sequence" in context else "}"
        message = Msg(
            "the bracket opened here is not closed: check for a missing `{closer}` or comma",
            closer=closer,
        )
    else:
        message = _layout_message(problem, context)
    line, col = (mark.line + 1, mark.column + 1) if mark else (None, None)
    return Problem(source, line, col, "", message)
