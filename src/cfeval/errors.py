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

    def text(self, lang: str | None = None) -> str:
        """The message in ``lang``: translated when it was raised with an
        :class:`~cfeval.i18n.Msg`, else as it is (``str(err)`` is always English)."""
        from cfeval.i18n import Msg

        if len(self.args) == 1 and isinstance(self.args[0], Msg):
            return self.args[0].text(lang)
        return str(self)


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
        return self.text("en")

    def text(self, lang: str | None = None) -> str:
        """``file:line:col  dotted.path  message`` with the message in ``lang``.

        ``message`` is English; when it is an :class:`~cfeval.i18n.Msg` it is put into
        ``lang``'s words here, at display time.
        """
        where = self.file
        if self.line is not None:
            where += f":{self.line}:{self.column or 1}"
        text = self.message.text(lang) if hasattr(self.message, "text") else self.message
        return f"{where}  {self.path or '<root>'}  {text}"


class FrameworkError(CfevalError):
    """A framework file was refused; ``problems`` lists every mistake found."""

    exit_code = 2

    def __init__(self, problems: list[Problem], source: str = "<framework>"):
        self.problems = sorted(problems, key=lambda p: (p.line or 0, p.column or 0, p.path))
        self.source = source
        super().__init__(self.text("en"))

    def text(self, lang: str | None = None) -> str:
        """The refusal and every problem, one per line, in ``lang``'s words."""
        from cfeval.i18n import words

        w = words(lang)
        head = w.n(
            "{source}: framework refused, {n} problem:",
            "{source}: framework refused, {n} problems:",
            len(self.problems),
            source=self.source,
        )
        return "\n".join([head, *("  " + p.text(lang) for p in self.problems)])
