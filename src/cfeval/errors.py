"""The one error root of cfeval.

User mistakes (a broken framework, a file that cannot be read, bad usage) raise a
subclass of :class:`CfevalError`; the command line prints its message without a
traceback and exits with :attr:`CfevalError.exit_code`. Bugs keep their traceback.
Data problems inside otherwise readable files are *not* raised: they are collected in a
:class:`cfeval.data.DataReport`.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["CfevalError", "FrameworkError", "Problem", "UsageError", "DataError"]


class CfevalError(Exception):
    """Root of every error cfeval raises for a user's mistake."""

    exit_code = 2


class UsageError(CfevalError):
    """The command or call was used wrongly (unknown framework id, missing file, bad flag)."""

    exit_code = 2


class DataError(CfevalError):
    """Data cannot be used at all (no rows left, unreadable file) or the missing policy is `fail`."""

    exit_code = 1


@dataclass(frozen=True, order=True)
class Problem:
    """One mistake in a framework file: where it is and what is wrong.

    ``line`` and ``column`` are 1-based and point at the offending YAML node; they are
    ``None`` when the framework did not come from a file.
    """

    file: str
    line: int | None
    column: int | None
    path: str
    message: str

    def __str__(self) -> str:
        where = self.file
        if self.line is not None:
            where += f":{self.line}:{self.column or 1}"
        return f"{where}  {self.path or '<root>'}  {self.message}"


class FrameworkError(CfevalError):
    """A framework file was refused; ``problems`` lists every mistake found."""

    exit_code = 2

    def __init__(self, problems: list[Problem], source: str = "<framework>"):
        self.problems = sorted(problems, key=lambda p: (p.line or 0, p.column or 0, p.path))
        self.source = source
        count = len(self.problems)
        head = f"{source}: framework refused, {count} problem{'s' if count != 1 else ''}:"
        super().__init__("\n".join([head, *("  " + str(p) for p in self.problems)]))
