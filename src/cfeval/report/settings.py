"""Report settings: the letterhead of a federation's reports, from a small YAML file.

``cfeval report --settings report.yaml`` reads who issues the reports, how they are
numbered, the date of issue, the signature lines, a logo or seal, the footer and a
confidentiality line. The file is checked like a framework (every mistake at
``file:line:col  dotted.path``, exit code 2), and the logo is read and checked (type by
content, size, dimensions, no external references) when the file is loaded, so a bad
logo is refused before any report is rendered.

>>> s = parse_settings("issuer: {zh: 某区妇联, en: District Women's Federation}\\n")
>>> s.report_number({"city": "CD", "year": 2024, "seq": 7})
''
>>> parse_settings("number: '{city}-{year}-{seq:03d}'\\n").report_number(
...     {"city": "CD", "district": "JJ", "community": "C1", "year": 2024, "seq": 7})
'CD-2024-007'
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
import string
from pathlib import Path
from typing import Any

from pydantic import Field, PrivateAttr, ValidationError, field_validator

from cfeval.errors import FrameworkError, Problem, UsageError
from cfeval.framework.base import FormatModel
from cfeval.i18n import Msg, words

__all__ = [
    "NUMBER_FIELDS",
    "ReportSettings",
    "SettingsError",
    "Signature",
    "load_settings",
    "parse_settings",
]

#: The fields a report number pattern may use.
NUMBER_FIELDS = ("city", "district", "community", "year", "seq")
_INT_SPEC = re.compile(r"0?[1-9]?d")  # {seq}, {seq:3d}, {seq:03d}
_SIZE_CAP = 64 * 1024  # a settings file is a few lines
_NOT_A_MAPPING = Msg("report settings are `key: value` lines (issuer:, number:, logo: ...)")


class SettingsError(FrameworkError):
    """A report settings file was refused; ``problems`` lists every mistake (exit code 2)."""

    def text(self, lang: str | None = None) -> str:
        w = words(lang)
        head = w.n(
            "{source}: report settings refused, {n} problem:",
            "{source}: report settings refused, {n} problems:",
            len(self.problems),
            source=self.source,
        )
        return "\n".join([head, *("  " + p.text(lang) for p in self.problems)])


#: A text for the page: the same in every language, or one per language ({zh: ..., en: ...}).
Text = str | dict[str, str]


def _check_text(value: Text | None) -> Text | None:
    if isinstance(value, dict):
        unknown = sorted(set(value) - {"zh", "en"})
        if unknown:
            raise ValueError(
                Msg("unknown language {langs}; use zh and/or en", langs=", ".join(unknown))
            )
        if not value:
            raise ValueError(Msg("needs at least 1 entry"))
    if value is not None and not (value.strip() if isinstance(value, str) else all(value.values())):
        raise ValueError(Msg("is empty; leave the key out instead"))
    return value


class Signature(FormatModel):
    """One signature line: a role (who signs), optionally a name printed under the line."""

    role: Text
    """What the signer is, e.g. ``{zh: 评估组组长, en: Head of the assessment team}``."""
    name: str | None = None
    """Printed under the line; leave it out to sign by hand."""

    _role = field_validator("role")(_check_text)


class ReportSettings(FormatModel):
    """The letterhead of every report of a run; every key is optional (defaults: today's look)."""

    issuer: Text | None = None
    """The issuing body, on the cover and in the footer."""
    number: str | None = None
    """Report number pattern, e.g. ``{city}-{year}-{seq:03d}``; fields: city, district,
    community (its id), year (of the date of issue), seq (place of the community in the run)."""
    date_of_issue: dt.date | None = None
    """Printed on the cover (default: the report date)."""
    signatures: list[Signature] = Field(default_factory=list, max_length=6)
    """Signature lines at the end of the cover."""
    logo: str | None = None
    """A PNG, JPEG or SVG file (a path relative to this file), shown on the cover."""
    footer: Text | None = None
    """Footer text on every page, in place of the cfeval version."""
    confidentiality: Text | None = None
    """A line on the cover and every page, e.g. ``{zh: 内部资料 注意保密, en: Internal}``."""

    _texts = field_validator("issuer", "footer", "confidentiality")(_check_text)
    _logo_uri: str = PrivateAttr(default="")

    @field_validator("number")
    @classmethod
    def _pattern(cls, value: str | None) -> str | None:
        if value is not None:
            check_pattern(value)
        return value

    def report_number(self, fields: dict[str, Any]) -> str:
        """The report number for ``fields`` (see :data:`NUMBER_FIELDS`), "" without a pattern."""
        if not self.number:
            return ""
        return _format(self.number, fields)

    def text(self, name: str, lang: str) -> str:
        """A text setting (``issuer``, ``footer``, ``confidentiality``) in ``lang``, "" if unset."""
        return _in_lang(getattr(self, name), lang)


def _in_lang(value: Text | None, lang: str) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    return value.get(lang) or next(iter(value.values()))


# --------------------------------------------------------------------------- numbers


def check_pattern(pattern: str) -> None:
    """Refuse a number pattern that uses anything but plain fields (no attributes, indexes,
    conversions, nested fields) or an unknown field; raises ValueError with a Msg."""
    try:
        parts = list(string.Formatter().parse(pattern))
    except ValueError as err:
        raise ValueError(
            Msg("not a valid number pattern ({error}); write fields like {{seq:03d}}", error=err)
        ) from None
    for _literal, name, spec, conversion in parts:
        if name is None:
            continue
        if name not in NUMBER_FIELDS:
            raise ValueError(
                Msg(
                    "unknown field {{{name}}} in the number pattern; use: {fields}",
                    name=name,
                    fields=", ".join("{" + f + "}" for f in NUMBER_FIELDS),
                )
            )
        if conversion is not None or "{" in (spec or ""):
            raise ValueError(Msg("the field {{{name}}} may not have ! or nested fields", name=name))
        numeric = name in ("year", "seq")
        if spec and not (numeric and _INT_SPEC.fullmatch(spec)):
            raise ValueError(
                Msg(
                    "the field {{{name}}} cannot take the format {spec!r}; only year and seq "
                    "take a width such as :03d",
                    name=name,
                    spec=spec,
                )
            )


def _format(pattern: str, fields: dict[str, Any]) -> str:
    # The pattern was checked (check_pattern): plain names only, so nothing but the given
    # values can be reached; vformat with a plain dict looks up keys, never attributes.
    values = {k: str(fields.get(k, "")) for k in NUMBER_FIELDS if k not in ("year", "seq")}
    values.update(year=int(fields.get("year", 0)), seq=int(fields.get("seq", 0)))
    return string.Formatter().vformat(pattern, (), values)


# --------------------------------------------------------------------------- loading


def load_settings(path: str | Path) -> ReportSettings:
    """Read and check a report settings file (and its logo); :class:`SettingsError` lists
    every mistake with its file, line and column.

    >>> load_settings("report.yaml").issuer  # doctest: +SKIP
    {'zh': '某区妇女联合会', 'en': 'District Women’s Federation'}
    """
    path = Path(path)
    try:
        if path.stat().st_size > _SIZE_CAP:
            raise _one(
                str(path), Msg("the file is larger than 64 KB; a settings file is a few lines")
            )
        raw = path.read_bytes()
    except OSError as err:
        raise UsageError(
            Msg("cannot read settings file {path}: {reason}", path=str(path), reason=err.strerror)
        ) from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise _one(
            str(path),
            Msg(
                "not UTF-8 text ({reason} at byte {start}); save the file as UTF-8",
                reason=err.reason,
                start=err.start,
            ),
        ) from None
    return parse_settings(text, str(path), base=path.parent)


def parse_settings(
    text: str, source: str = "<settings>", base: str | Path | None = None
) -> ReportSettings:
    """Validate settings given as YAML text; a ``logo`` is read relative to ``base``."""
    from cfeval.framework.messages import explain
    from cfeval.framework.yaml_limits import yaml_limit_problem
    from cfeval.framework.yaml_text import compose

    limit = yaml_limit_problem(text)
    if limit is not None:
        line, column, message = limit
        raise SettingsError([Problem(source, line, column, "", message)], source)
    if not text.strip():
        return ReportSettings()
    try:
        located = compose(text, source)
    except FrameworkError as err:
        problems = [
            dataclasses.replace(p, message=_NOT_A_MAPPING)
            if getattr(p.message, "msgid", "").startswith("a framework is a mapping")
            else p
            for p in err.problems
        ]
        raise SettingsError(problems, source) from None
    problems = [
        Problem(source, line + 1, col + 1, _dotted(loc), msg)
        for loc, (line, col), msg in located.problems
    ]
    try:
        settings = ReportSettings.model_validate(located.data)
    except ValidationError as err:
        for e in err.errors(include_url=False):
            loc, message = explain(e, located.data, root=ReportSettings)
            problems.append(_problem(source, loc, message, located.marks))
        raise SettingsError(problems, source) from None
    if problems:
        raise SettingsError(problems, source)
    if settings.logo is not None:
        from cfeval.report.logo import read_logo

        folder = Path(base) if base is not None else Path.cwd()
        try:
            settings._logo_uri = read_logo(folder / settings.logo)
        except ValueError as err:
            raise SettingsError(
                [_problem(source, ("logo",), err.args[0], located.marks)], source
            ) from None
    return settings


def logo_uri(settings: ReportSettings | None) -> str:
    """The checked logo as a ``data:`` URI ("" without one)."""
    return getattr(settings, "_logo_uri", "") if settings is not None else ""


def _one(source: str, message: Msg) -> SettingsError:
    return SettingsError([Problem(source, None, None, "", message)], source)


def _problem(source: str, loc, message, marks) -> Problem:
    for end in range(len(loc), -1, -1):
        mark = marks.get(tuple(loc[:end]))
        if mark is not None:
            return Problem(source, mark[0] + 1, mark[1] + 1, _dotted(loc), message)
    return Problem(source, 1, 1, _dotted(loc), message)


def _dotted(loc) -> str:
    return ".".join(str(part) for part in loc)


# --------------------------------------------------------------------------- on the page


def number_fields(result, community_id: str | None, day: dt.date) -> dict[str, Any]:
    """The values of a report number: the community's city, district and id, the year of
    ``day`` and ``seq``, the community's place among all communities of the result by id
    (so a number does not change with the selection a run was made with)."""
    fields: dict[str, Any] = {"year": day.year, "seq": 0, "city": "", "district": ""}
    if community_id is None:
        return fields
    comm = result.communities
    ids = sorted(str(c) for c in comm["community_id"].unique())
    rows = comm[comm["community_id"].astype(str) == str(community_id)]
    for key in ("city", "district"):
        if key in rows.columns and len(rows):
            value = rows[key].iloc[-1]
            fields[key] = "" if value is None or value != value else str(value)
    fields.update(community=str(community_id), seq=ids.index(str(community_id)) + 1)
    return fields


def letterhead(
    settings: ReportSettings | None, lang: str, day: dt.date, fields: dict[str, Any] | None
) -> dict[str, Any]:
    """What the templates show of the settings (empty strings/lists when unset: today's look)."""
    from cfeval._safety import mask_pii

    s = settings or ReportSettings()
    w = words(lang)
    issued = s.date_of_issue
    return {
        "issuer": s.text("issuer", lang),
        "logo": logo_uri(s),
        "number": mask_pii(s.report_number(fields or {"year": day.year})) if fields else "",
        "date_of_issue": w.date(issued) if issued else "",
        "signatures": [
            {"role": _in_lang(g.role, lang), "name": g.name or ""} for g in s.signatures
        ],
        "footer": s.text("footer", lang),
        "confidentiality": s.text("confidentiality", lang),
        "words": {"number": w("Report number"), "date_of_issue": w("Date of issue")},
    }
