"""The language the command line speaks, and help texts translated when they are shown.

One policy (:func:`cfeval.i18n.resolve_lang`): ``--lang`` wins, given before the command
(``cfeval --lang zh check ...``) or after it (``cfeval check ... --lang zh``); otherwise
``CFEVAL_LANG``, then the locale (``zh_*`` → Chinese).

Typer fixes help texts when the command functions are defined, so they are English message
ids there and translated here, when click formats them. The language must be known before
click parses anything (``--help`` is handled during parsing), so :class:`CfevalGroup` reads
``--lang`` from the arguments first and opens a :func:`speaking` scope for the whole run.
Click's and typer's own words ("Usage:", "Options", "Missing argument" ...) go through the
standard :mod:`gettext` functions of the global domain; inside the scope that domain is the
``cli`` catalogue, so they speak the same language. No Babel is imported for this: the
standard library reads the compiled ``.mo`` file, and ``cfeval --help`` stays fast.
"""

from __future__ import annotations

import contextlib
import contextvars
import copy
import gettext
import inspect
import os
import re
from collections.abc import Iterator, Sequence

from typer.core import TyperCommand, TyperGroup

from cfeval.errors import CfevalError, UsageError
from cfeval.i18n import LOCALE_DIR, N_, Words, resolve_lang, words

__all__ = [
    "CfevalCommand",
    "CfevalGroup",
    "cli_lang",
    "cli_words",
    "lang_in_args",
    "show_click_error",
    "speaking",
]

#: (language, chosen explicitly) of the running command; None outside a run.
_SPOKEN: contextvars.ContextVar[tuple[str, bool] | None] = contextvars.ContextVar(
    "cfeval_cli_lang", default=None
)
_DOMAIN = "cli"  # locale/<lang>/LC_MESSAGES/cli.mo holds click's words as well as ours


def lang_in_args(args: Sequence[str]) -> str | None:
    """The last ``--lang X`` / ``--lang=X`` before a ``--``, as typed (None if absent)."""
    found = None
    for i, arg in enumerate(args):
        if arg == "--":
            break
        if arg == "--lang" and i + 1 < len(args):
            found = args[i + 1]
        elif arg.startswith("--lang="):
            found = arg.partition("=")[2]
    return found


def cli_lang() -> str:
    """The language of the running command (the environment's outside a run)."""
    spoken = _SPOKEN.get()
    return spoken[0] if spoken else resolve_lang(None)


def lang_is_explicit() -> bool:
    """Whether the user chose the language with ``--lang`` (not from the environment)."""
    spoken = _SPOKEN.get()
    return bool(spoken and spoken[1])


def cli_words() -> Words:
    """The :class:`~cfeval.i18n.Words` of the running command."""
    return words(cli_lang())


@contextlib.contextmanager
def speaking(args: Sequence[str]) -> Iterator[str]:
    """Speak the language ``args`` ask for (or the environment's) until the block ends.

    ``CFEVAL_LANG`` is set for the block so that library messages made without an explicit
    language (and worker processes) speak it too; ``LANGUAGE`` and the gettext domain make
    click's own messages follow. Everything is restored afterwards.
    """
    typed = lang_in_args(args)
    try:
        lang, explicit = resolve_lang(typed), typed is not None
    except UsageError:  # refused with a proper message by the option's callback
        lang, explicit = resolve_lang(None), False
    saved_env = {key: os.environ.get(key) for key in ("CFEVAL_LANG", "LANGUAGE")}
    saved_domain = gettext.textdomain()
    token = _SPOKEN.set((lang, explicit))
    os.environ["CFEVAL_LANG"] = os.environ["LANGUAGE"] = lang
    gettext.bindtextdomain(_DOMAIN, str(LOCALE_DIR))
    gettext.textdomain(_DOMAIN)
    try:
        yield lang
    finally:
        gettext.textdomain(saved_domain)
        for key, value in saved_env.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        _SPOKEN.reset(token)


def check_lang_option(value: str | None) -> str | None:
    """Callback of every ``--lang`` option: a known language or a usage error (exit 2)."""
    if value is None:
        return None
    try:
        return resolve_lang(value)
    except UsageError:
        import typer

        w = cli_words()
        message = w("unknown language {lang!r}; choose one of: {langs}", lang=value, langs="zh, en")
        raise typer.BadParameter(message) from None


def _tr(text: str | None) -> str:
    """A help text in the running language (message ids are the cleaned English text)."""
    if not text:
        return text or ""
    return cli_words()(inspect.cleandoc(text))


def _short(text: str, limit: int) -> str:
    """The first sentence of a help text, for the list of commands."""
    from typer._click.utils import make_default_short_help

    first = text.split("\n\n")[0]
    if "。" in first:  # Chinese sentences end without a space, which click looks for
        return first.split("。")[0]
    return make_default_short_help(first, limit)


class _Translated:
    """Help texts translated at the moment they are shown."""

    def format_usage(self, ctx, formatter) -> None:
        pieces = " ".join(self.collect_usage_pieces(ctx))
        formatter.write_usage(ctx.command_path, pieces, prefix=cli_words()("Usage:") + " ")

    def format_help_text(self, ctx, formatter) -> None:
        text = _tr(self.help).partition("\f")[0]
        if text:
            formatter.write_paragraph()
            with formatter.indentation():
                formatter.write_text(text)

    def get_short_help_str(self, limit: int = 45) -> str:
        return _short(_tr(self.short_help or self.help), limit)

    def format_options(self, ctx, formatter) -> None:
        args, opts = [], []
        for param in self.get_params(ctx):
            shown = copy.copy(param)  # never change the shared parameter objects
            shown.help = _tr(getattr(param, "help", None)) or None
            record = shown.get_help_record(ctx)
            if record is not None:
                (args if param.param_type_name == "argument" else opts).append(record)
        if args:
            with formatter.section(cli_words()("Arguments")):
                formatter.write_dl(args)
        if opts:
            with formatter.section(cli_words()("Options")):
                formatter.write_dl(opts)
        if hasattr(self, "format_commands"):
            self.format_commands(ctx, formatter)


class CfevalCommand(_Translated, TyperCommand):
    """Every cfeval command: help in the running language."""


class CfevalGroup(_Translated, TyperGroup):
    """A command group; as the root it also sets the language and maps user errors."""

    def main(self, args=None, prog_name=None, complete_var=None, standalone_mode=True, **extra):
        import sys

        import typer
        from typer._click.exceptions import ClickException

        argv = list(sys.argv[1:] if args is None else args)
        with speaking(argv):
            if not standalone_mode:
                return super().main(argv, prog_name, complete_var, False, **extra)
            # Not standalone, so that usage errors are shown here: the click inside typer
            # prints its own in English only.
            try:
                code = super().main(argv, prog_name, complete_var, False, **extra)
            except ClickException as err:
                show_click_error(err)
                code = err.exit_code
            except typer.Abort:
                typer.echo(cli_words()("Aborted!"), err=True)
                code = 1
        sys.exit(code if isinstance(code, int) else 0)

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except CfevalError as err:
            if ctx.parent is not None:  # the root group says it, once
                raise
            import typer

            # Sub-commands run inside this call, so this is the one place errors are mapped.
            w = cli_words()
            label = typer.style(w("Error: "), fg="red", bold=True)
            # An error that can put itself into words (a refused framework) speaks our language.
            text = err.text(w.lang) if callable(getattr(err, "text", None)) else str(err)
            typer.echo(label + text, err=True)
            raise typer.Exit(err.exit_code) from None


# Messages of the click inside typer (it has no catalogue), matched by their English text.
_CLICK_MESSAGES = [
    (
        r"Got unexpected extra argument\(s\) \((?P<args>.*)\)",
        N_("Got unexpected extra arguments ({args})"),
    ),
    (r"Input should be a valid integer.*", N_("not a whole number")),
    (
        r"(?P<value>.*) is not in the range (?P<range>.*)\.",
        N_("{value} is not in the range {range}."),
    ),
    (r"Option (?P<name>.*) requires an argument\.", N_("Option {name} requires an argument.")),
    (
        r"Input should be greater than or equal to (?P<min>.*)",
        N_("must be at least {min}"),
    ),
    (r"(?P<message>.*)\. Did you mean (?P<names>.*)\?", N_("{message}. Did you mean {names}?")),
]


def _click_message(text: str) -> str:
    w = cli_words()
    for pattern, message in _CLICK_MESSAGES:
        found = re.fullmatch(pattern, text, flags=re.S)
        if found:
            fields = {
                k: _click_message(v) if k == "message" else v for k, v in found.groupdict().items()
            }
            return w(message, **fields)
    return w(text)


def _error_text(err) -> str:
    """The message of a click error in the running language."""
    from typer._click import exceptions as click

    w = cli_words()
    param = getattr(err, "param", None)
    hint = getattr(err, "param_hint", None) or (param.get_error_hint() if param else None)
    if isinstance(hint, (list, tuple)):
        hint = " / ".join(repr(h) for h in hint)
    if isinstance(err, click.MissingParameter):
        kind = err.param_type or (param.param_type_name if param else "parameter")
        message = {
            "argument": N_("Missing argument {name}."),
            "option": N_("Missing option {name}."),
        }
        return w(message.get(kind, N_("Missing parameter {name}.")), name=hint or "")
    if isinstance(err, click.NoSuchOption):
        text = w("No such option: {name}", name=err.option_name)
        if err.possibilities:
            text += " " + w(
                "(Possible options: {names})", names=", ".join(sorted(err.possibilities))
            )
        return text
    if isinstance(err, click.BadParameter):
        message = _click_message(err.message)
        if hint is None:
            return w("Invalid value: {message}", message=message)
        return w("Invalid value for {name}: {message}", name=hint, message=message)
    return _click_message(err.format_message())


def show_click_error(err) -> None:
    """Print a click error the way click does (usage, hint, message), in the running language."""
    import typer
    from typer._click import exceptions as click

    if isinstance(err, click.NoArgsIsHelpError):  # its message is the (translated) help
        err.show()
        return
    w = cli_words()
    ctx = getattr(err, "ctx", None)
    if ctx is not None:
        hint = ""
        if ctx.command.get_help_option(ctx) is not None:
            option = ctx.help_option_names[0]
            hint = w("Try '{command} {option}' for help.", command=ctx.command_path, option=option)
        typer.echo(f"{ctx.get_usage()}\n{hint}\n", err=True, color=ctx.color)
    typer.echo(w("Error: {message}", message=_error_text(err)), err=True)
