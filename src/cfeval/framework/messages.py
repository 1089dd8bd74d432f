"""pydantic's validation errors in plain words, at the place in the file they are about.

pydantic reports a location in the model (``dimensions.0.indicators.2.rule.bands.bands.0.min``:
the discriminated union adds the chosen tag) and an error type; :func:`explain` turns one
error into the file's location and a :class:`~cfeval.i18n.Msg` a person can act on
(``unknown key `point`; did you mean `points`?``), looking at the models to list the
valid keys or rule types.
"""

from __future__ import annotations

import difflib
import re
import types
import typing
from typing import Any

from pydantic import BaseModel

from cfeval.framework.base import Loc
from cfeval.framework.model import Framework
from cfeval.framework.rules import rule_union
from cfeval.i18n import Msg

__all__ = ["explain", "strip_tags", "child"]

#: Fields holding a pydantic discriminated union; pydantic puts the chosen tag into the
#: error location (``rule.bands.bands.0.min``), which is not a key in the file.
_TAGGED_FIELDS = frozenset({"rule"})

#: Keys whose value is a Label (a text per language).
_LABEL_KEYS = frozenset(
    {"label", "title", "text", "description", "recommendation", "evidence", "note", "unit", "help"}
)

_BOUNDS = {
    "greater_than": ("must be greater than {limit} (got {value})", "gt"),
    "greater_than_equal": ("must be at least {limit} (got {value})", "ge"),
    "less_than": ("must be less than {limit} (got {value})", "lt"),
    "less_than_equal": ("must be at most {limit} (got {value})", "le"),
}


def child(node: Any, part: Any) -> Any:
    """``node[part]`` for plain YAML values, or None when there is no such part."""
    if isinstance(node, dict):
        return node.get(part)
    if isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
        return node[part]
    return None


def strip_tags(loc: tuple, data: Any) -> tuple:
    """Drop the discriminator tags pydantic inserts after union fields (``rule.bands...``)."""
    out: list = []
    node = data
    skip_next = False
    for i, part in enumerate(loc):
        if skip_next:
            skip_next = False
            continue
        out.append(part)
        node = child(node, part)
        is_tag = i + 1 < len(loc) and isinstance(node, dict) and loc[i + 1] == node.get("type")
        skip_next = part in _TAGGED_FIELDS and is_tag
    return tuple(out)


def explain(e: dict, data: Any, root: type[BaseModel] = Framework) -> tuple[Loc, Msg]:
    """A pydantic error (from ``err.errors()``) as (file location, message in words).

    ``data`` is the plain YAML value the model was validated from; ``root`` the model it
    was validated against (the framework, or another file read the same way, such as the
    report settings), whose keys are offered for a mistyped one.
    """
    raw_loc = tuple(e["loc"])
    kind, value = e["type"], e.get("input")
    is_key = bool(raw_loc) and raw_loc[-1] == "[key]"
    loc = strip_tags(raw_loc[:-1] if is_key else raw_loc, data)
    if is_key:
        want = "a whole number" if kind.startswith("int") else "text"
        return loc, Msg("the key {key} must be {want}", key=_show(value), want=Msg(want))
    for explainer in (_explain_keys, _explain_rule_tag, _explain_text, _explain_value):
        message = (
            explainer(e, loc, raw_loc, root)
            if explainer is _explain_keys
            else explainer(e, loc, raw_loc)
        )
        if message is not None:
            return message
    return loc, Msg(e["msg"])


def _explain_keys(
    e: dict, loc: Loc, raw_loc: tuple, root: type[BaseModel] = Framework
) -> tuple[Loc, Msg] | None:
    kind = e["type"]
    name = loc[-1] if loc else "framework"
    if kind == "extra_forbidden":
        valid = _valid_keys(raw_loc[:-1], root)
        close = difflib.get_close_matches(str(name), valid, n=1, cutoff=0.6) if valid else []
        if close:
            return loc, Msg(
                "unknown key `{key}`; did you mean `{close}`?", key=name, close=close[0]
            )
        if valid:
            return loc, Msg(
                "unknown key `{key}`; valid keys: {keys}", key=name, keys=", ".join(valid)
            )
        return loc, Msg("unknown key `{key}`", key=name)
    if kind == "missing":
        return loc, Msg("missing required key `{key}`", key=name)
    return None


def _explain_rule_tag(e: dict, loc: Loc, raw_loc: tuple) -> tuple[Loc, Msg] | None:
    kind, ctx = e["type"], e.get("ctx") or {}
    if kind not in ("union_tag_invalid", "union_tag_not_found"):
        return None
    tags = [typing.get_args(m.model_fields["type"].annotation)[0] for m in _members(rule_union())]
    choices = ", ".join(tags)
    if kind == "union_tag_not_found":
        return loc, Msg("a rule needs `type`: one of {choices}", choices=choices)
    close = difflib.get_close_matches(str(ctx.get("tag")), tags, n=1)
    tag = repr(ctx.get("tag"))
    if close:
        message = Msg(
            "unknown rule type {tag}; did you mean `{close}`? Rule types: {choices}",
            tag=tag,
            close=close[0],
            choices=choices,
        )
    else:
        message = Msg("unknown rule type {tag} Rule types: {choices}", tag=tag, choices=choices)
    return (*loc, "type"), message


def _explain_text(e: dict, loc: Loc, raw_loc: tuple) -> tuple[Loc, Msg] | None:
    kind, value = e["type"], e.get("input")
    shown = _show(value)
    if kind == "literal_error":
        options = re.findall(r"'([^']*)'", str((e.get("ctx") or {}).get("expected", "")))
        close = difflib.get_close_matches(str(value), options, n=1)
        fields = {"value": shown, "options": ", ".join(options)}
        if close:
            return loc, Msg(
                "{value} is not allowed here; use one of: {options}. Did you mean `{close}`?",
                close=close[0],
                **fields,
            )
        return loc, Msg("{value} is not allowed here; use one of: {options}.", **fields)
    if kind == "string_type":
        if isinstance(value, bool):
            return loc, Msg(
                "expected text, got {value}: YAML reads unquoted yes/no/on/off/true/false as "
                "true/false; put the value in quotes",
                value=str(value).lower(),
            )
        if isinstance(value, int | float):
            return loc, Msg(
                'expected text, got the number {value}; put it in quotes ("{value}")',
                value=repr(value),
            )
        if hasattr(value, "isoformat"):
            return loc, Msg(
                'expected text, got the date {value}; put it in quotes ("{value}")', value=value
            )
        return loc, Msg("expected text, got {kind}", kind=_kind(value))
    if kind == "string_pattern_mismatch":
        if loc == ("id",):
            return loc, Msg(
                "{value} is not a valid framework id: use lowercase letters, digits and "
                "hyphens, starting with a letter",
                value=shown,
            )
        return loc, Msg(
            "{value} is not a valid id: use letters, digits and underscores, starting with a letter",
            value=shown,
        )
    return None


def _explain_value(e: dict, loc: Loc, raw_loc: tuple) -> tuple[Loc, Msg] | None:
    kind, ctx, value = e["type"], e.get("ctx") or {}, e.get("input")
    shown = _show(value)
    name = loc[-1] if loc else "framework"
    simple = {
        ("int_type", "int_parsing", "int_from_float"): "expected a whole number, got {value}",
        ("float_type", "float_parsing"): "expected a number, got {value}",
        ("bool_type", "bool_parsing"): "expected true or false, got {value}",
    }
    for kinds, msgid in simple.items():
        if kind in kinds:
            return loc, Msg(msgid, value=shown)
    if kind == "dict_type" and name in _LABEL_KEYS:
        return loc, Msg(
            "a text needs one entry per language, like {example}; got {kind}",
            example="{zh: 儿童参与, en: Child participation}",
            kind=_kind(value),
        )
    if kind in ("dict_type", "model_type", "model_attributes_type"):
        return loc, Msg("expected a mapping of `key: value` entries, got {kind}", kind=_kind(value))
    if kind == "list_type":
        return loc, Msg("expected a list (`- ` lines or [a, b]), got {kind}", kind=_kind(value))
    if kind in _BOUNDS:
        msgid, key = _BOUNDS[kind]
        return loc, Msg(msgid, limit=_num(ctx.get(key)), value=shown)
    if kind == "too_short":
        need = ctx.get("min_length", 1)
        if need == 1:
            return loc, Msg("needs at least 1 entry")
        return loc, Msg("needs at least {need} entries", need=need)
    if kind == "value_error":
        error = ctx.get("error")
        if isinstance(error, ValueError) and error.args and isinstance(error.args[0], Msg):
            return loc, error.args[0]
        return loc, Msg(str(error if error is not None else e["msg"]).removeprefix("Value error, "))
    return None


def _num(v: Any) -> str:
    return f"{v:g}" if isinstance(v, float) else str(v)


def _show(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _kind(value: Any) -> str | Msg:
    if value is None:
        return Msg("nothing (an empty value)")
    if isinstance(value, dict):
        return Msg("a mapping")
    if isinstance(value, list):
        return Msg("a list")
    return f"{_show(value)}"


# --------------------------------------------------------------------------- model introspection


def _valid_keys(loc: tuple, root: type[BaseModel] = Framework) -> list[str]:
    """Field names of the model at pydantic location ``loc`` (tags included), or []."""
    tp: Any = root
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
