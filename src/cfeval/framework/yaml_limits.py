"""Limits on YAML files (frameworks, mapping files), checked before any object is built.

A few kilobytes of YAML can describe billions of nodes through aliases (an "alias bomb"),
nest deeper than the parser's C stack, or spell an integer with millions of digits.
:func:`yaml_limit_problem` walks libyaml's event stream once, keeping only counters: the
size each anchored node would expand to, the nesting depth, the length of integer
literals. It stops at the first limit passed, so a bomb is refused in milliseconds and a
few megabytes, with the line and column where it starts.

Syntax errors are not judged here: the scan stops and leaves them to the loader, which
explains them.
"""

from __future__ import annotations

import yaml

__all__ = ["MAX_BYTES", "MAX_DEPTH", "MAX_NODES", "MAX_INT_DIGITS", "yaml_limit_problem"]

#: Largest YAML text accepted (the shipped frameworks are about 50 kB).
MAX_BYTES = 5_000_000
#: Deepest nesting of lists and mappings (a framework needs about 12).
MAX_DEPTH = 100
#: Most nodes once every alias is expanded (the shipped frameworks have about 5,000).
MAX_NODES = 500_000
#: Longest integer literal (a count or a year needs a handful of digits).
MAX_INT_DIGITS = 30

_PARSER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_RESOLVER = yaml.resolver.Resolver()
_INT = "tag:yaml.org,2002:int"


def yaml_limit_problem(text: str) -> tuple[int, int, str] | None:
    """``(line, column, message)`` of the first limit ``text`` passes, or None (1-based).

    >>> yaml_limit_problem("a: &x [1]\\nb: *x\\n") is None
    True
    >>> yaml_limit_problem("[" * 200 + "]" * 200)[2]
    'nested more than 100 levels deep'
    """
    if len(text) > MAX_BYTES:
        return 1, 1, f"the file is larger than {MAX_BYTES:,} characters; a YAML file here is small"
    loader = _PARSER(text)
    # One entry per open collection: [nodes inside so far, anchor or None].
    stack: list[list] = [[0, None]]
    sizes: dict[str, int] = {}
    total = 0
    try:
        while loader.check_event():
            event = loader.get_event()
            problem, size = _step(event, stack, sizes)
            if problem is None and size:
                total += size
                if total > MAX_NODES:
                    problem = (
                        f"more than {MAX_NODES:,} values once aliases (*name) are expanded; "
                        "an alias bomb?"
                    )
            if problem is not None:
                mark = event.start_mark
                return mark.line + 1, mark.column + 1, problem
    except yaml.YAMLError as err:
        # libyaml 0.2.5+ (bundled with newer PyYAML wheels) stops at its own nesting limit
        # while scanning ahead, before our count reaches MAX_DEPTH: that is the same refusal.
        # Any other error is a syntax error, which the loader explains with its position.
        if "nesting depth" in str(getattr(err, "problem", "")):
            mark = err.problem_mark
            return mark.line + 1, mark.column + 1, f"nested more than {MAX_DEPTH} levels deep"
        return None
    finally:
        loader.dispose()
    return None


def _step(event, stack: list[list], sizes: dict[str, int]) -> tuple[str | None, int]:
    """Account for one event: ``(problem or None, nodes it adds to the document)``."""
    if isinstance(event, yaml.CollectionStartEvent):
        stack.append([1, event.anchor])
        if len(stack) - 1 > MAX_DEPTH:
            return f"nested more than {MAX_DEPTH} levels deep", 0
        return None, 1
    if isinstance(event, yaml.CollectionEndEvent):
        size, anchor = stack.pop()
        stack[-1][0] += size
        if anchor is not None:
            sizes[anchor] = size
        return None, 0
    if isinstance(event, yaml.AliasEvent):
        size = sizes.get(event.anchor, 1)
        stack[-1][0] += size
        return None, size
    if isinstance(event, yaml.ScalarEvent):
        stack[-1][0] += 1
        if event.anchor is not None:
            sizes[event.anchor] = 1
        if event.implicit[0] and len(event.value) > MAX_INT_DIGITS:
            tag = _RESOLVER.resolve(yaml.ScalarNode, event.value, (True, False))
            if tag == _INT:
                return f"an integer of {len(event.value):,} characters; numbers here are short", 0
        return None, 1
    return None, 0
