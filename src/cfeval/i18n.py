"""Words people read, one catalogue per language, and numbers, dates and percentages in them.

Every person-facing sentence is an English message id marked in the code with
:func:`N_` (or passed straight to a :class:`Words`), translated through the gettext
catalogues in ``cfeval/locale/<lang>/LC_MESSAGES/<area>.po`` (one catalogue per area of the
package: ``cli``, ``data``, ``report`` ...; a message id shared by two areas must have one
translation, which a test checks). The compiled ``.mo`` files ship beside them and are read with the standard library's :mod:`gettext`, so ``cfeval
--help`` needs no Babel; Babel compiles the catalogues (``python -m cfeval.i18n``) and
formats numbers, percentages and dates for the locale.

One language policy everywhere: an explicit ``lang`` wins; otherwise ``CFEVAL_LANG``, then
the locale variables (``LC_ALL``, ``LC_MESSAGES``, ``LANG``, ``LANGUAGE``): ``zh_*`` → ``zh``,
anything else → ``en``.

>>> w = words("zh")
>>> w("{level} interval", level=w.percent(0.9))
'90% 置信区间'
>>> words("en")("{level} interval", level=words("en").percent(0.9))
'90% interval'
"""

from __future__ import annotations

import datetime
import functools
import gettext
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import datetime as dt

__all__ = [
    "LANGS",
    "SCORE_DIGITS",
    "Msg",
    "N_",
    "Words",
    "catalogue_files",
    "compile_catalogues",
    "resolve_lang",
    "score_text",
    "words",
]

LANGS = ("zh", "en")
LOCALE_DIR = Path(__file__).resolve().parent / "locale"
# Babel locales used for numbers and dates; en_GB writes "1 June 2024" as reports always did.
_BABEL_LOCALE = {"zh": "zh_Hans_CN", "en": "en_GB"}


#: Decimals of every score, interval bound, points value and change a person reads: the
#: one rule for the reports, their charts and the terminal (``Words.score``, ``score_text``).
SCORE_DIGITS = 1


def _exact(value: Any):
    """``value`` as the Decimal of its exact binary value, or None when missing/NaN.

    The exact value is rounded (as Python's own formatting does), not its shortest decimal
    text, so 71.45 shows as the 71.4 it is stored as (71.4499999...).
    """
    from decimal import Decimal

    if value is None:
        return None
    try:
        f = float(value)
    except (TypeError, ValueError):
        return None
    return None if f != f or f in (float("inf"), float("-inf")) else Decimal(f)


def score_text(value: Any, missing: str = "—") -> str:
    """A score for a chart label: :data:`SCORE_DIGITS` decimals, ``missing`` when absent.

    Both report languages write decimals with a point, so charts need no locale.

    >>> score_text(85), score_text(86.06), score_text(float("nan"))
    ('85.0', '86.1', '—')
    """
    exact = _exact(value)
    return missing if exact is None else f"{exact:.{SCORE_DIGITS}f}"


def N_(message: str) -> str:  # noqa: N802 - the gettext convention for "mark, translate later"
    """Mark ``message`` for the catalogue without translating it now (module-level tables)."""
    return message


def resolve_lang(lang: str | None = None) -> str:
    """The language to speak: ``lang`` if given, else from the environment.

    Raises :class:`~cfeval.errors.UsageError` for a language cfeval has no catalogue for.

    >>> resolve_lang("en")
    'en'
    """
    if lang is None:
        env = os.environ.get("CFEVAL_LANG")
        if env:
            lang = env
        else:
            for var in ("LC_ALL", "LC_MESSAGES", "LANG", "LANGUAGE"):
                value = os.environ.get(var, "")
                if value and value not in {"C", "POSIX"}:
                    return "zh" if value.lower().startswith("zh") else "en"
            return "en"
    lang = str(lang).strip().lower().replace("-", "_")
    if lang.startswith("zh"):
        return "zh"
    if lang.startswith("en"):
        return "en"
    from cfeval.errors import UsageError

    raise UsageError(f"unknown language {lang!r}; choose one of: {', '.join(LANGS)}")


def catalogue_files(lang: str, suffix: str = ".mo", locale_dir: Path = LOCALE_DIR) -> list[Path]:
    """The compiled (or source) catalogues of ``lang``, one per area, in a stable order."""
    return sorted((locale_dir / lang / "LC_MESSAGES").glob(f"*{suffix}"))


@functools.cache
def _translations(lang: str) -> gettext.NullTranslations:
    files = catalogue_files(lang)
    if not files:
        if lang == "en":  # message ids are English: an empty catalogue is a complete one
            return gettext.NullTranslations()
        raise FileNotFoundError(f"cfeval's {lang} catalogues are missing from {LOCALE_DIR}")
    chain: gettext.NullTranslations | None = None
    for path in files:
        with path.open("rb") as fh:
            t = gettext.GNUTranslations(fh)
        if chain is None:
            chain = t
        else:
            chain.add_fallback(t)
    return chain


class Words:
    """The words of one language: ``w("msgid", **fields)``, plurals, numbers, dates."""

    def __init__(self, lang: str) -> None:
        self.lang = resolve_lang(lang)
        self._t = _translations(self.lang)
        self.locale = _BABEL_LOCALE[self.lang]

    def __call__(self, message: str, /, **fields: Any) -> str:
        text = self._t.gettext(message)
        return text.format(**fields) if fields else text

    def p(self, context: str, message: str, /, **fields: Any) -> str:
        """A message whose English also means something else (gettext's ``msgctxt``).

        ``w.p("maximum", "Points")`` is the points a node is worth (分值), where
        ``w("Points")`` is the points it was awarded (得分).
        """
        text = self._t.pgettext(context, message)
        return text.format(**fields) if fields else text

    def n(self, singular: str, plural: str, count: int, /, **fields: Any) -> str:
        """A sentence with a count in it; ``{n}`` is the count."""
        text = self._t.ngettext(singular, plural, count)
        return text.format(n=count, **fields)

    def label(self, label: dict[str, str] | None) -> str:
        """A framework label (``{zh: ..., en: ...}``) in this language, else any language."""
        if not label:
            return ""
        return label.get(self.lang) or next(iter(label.values()))

    def percent(self, share: float, digits: int = 0) -> str:
        """``0.9`` → ``90%`` in the locale's way."""
        from babel.numbers import format_percent

        pattern = "#,##0%" if digits == 0 else "#,##0." + "0" * digits + "%"
        return format_percent(share, format=pattern, locale=self.locale)

    def number(self, value: float, digits: int = 1) -> str:
        """A number with exactly ``digits`` decimals (no grouping: scores are < 1000)."""
        from babel.numbers import format_decimal

        pattern = "0" if digits == 0 else "0." + "0" * digits
        return format_decimal(value, format=pattern, locale=self.locale)

    def score(self, value: Any, missing: str = "—") -> str:
        """A score, interval bound or points value: always :data:`SCORE_DIGITS` decimals
        (``85.0``, never ``85`` beside ``86.1``); ``missing`` for NaN/None."""
        exact = _exact(value)
        return missing if exact is None else self.number(exact, SCORE_DIGITS)

    def date(self, day: dt.date) -> str:
        """A date in words: ``2024年6月1日`` / ``1 June 2024``."""
        from babel.dates import format_date

        return format_date(day, format="long", locale=self.locale)


class Msg(str):
    """A sentence to put into words later: an English message id and its fields.

    It *is* the English text (a ``str``), so code and tests that compare messages keep
    working; :meth:`text` says it in another language when it is shown. Fields may be
    ``Msg`` themselves (a word inside a sentence) and are translated with it.

    >>> m = Msg("{level} interval", level="90%")
    >>> m, m.text("zh")
    ('90% interval', '90% 置信区间')
    """

    msgid: str
    fields: dict[str, Any]

    def __new__(cls, msgid: str, /, **fields: Any) -> Msg:
        self = super().__new__(cls, msgid.format(**fields) if fields else msgid)
        self.msgid = msgid
        self.fields = fields
        return self

    def text(self, lang: str | None = None) -> str:
        """The message in ``lang`` (None: the environment's language)."""
        w = words(lang)
        fields = {k: v.text(lang) if isinstance(v, Msg) else v for k, v in self.fields.items()}
        return w(self.msgid, **fields)

    def __reduce__(self):
        return (_msg, (self.msgid, self.fields))


def _msg(msgid: str, fields: dict[str, Any]) -> Msg:
    return Msg(msgid, **fields)


def words(lang: str | None = None) -> Words:
    """The (cached) :class:`Words` of ``lang``, or of the environment's language *now*."""
    # Resolved before the cache: caching on ``None`` would pin the first language seen,
    # and a later ``--lang`` (which sets CFEVAL_LANG) would not reach library messages.
    return _words(resolve_lang(lang))


@functools.cache
def _words(lang: str) -> Words:
    return Words(lang)


def compile_catalogues(locale_dir: Path = LOCALE_DIR) -> list[Path]:
    """Compile every ``.po`` under ``locale_dir`` into its ``.mo`` (needs Babel); returns them."""
    from io import BytesIO

    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    from cfeval._io import atomic_write

    fixed_date = datetime.datetime(2026, 11, 30, tzinfo=datetime.UTC)

    written = []
    for po in sorted(locale_dir.glob("*/LC_MESSAGES/*.po")):
        with po.open("rb") as fh:
            catalog = read_po(fh, locale=po.parts[-3])
        # A .po without dates in its header gets "now" from Babel; fixed dates make the
        # compiled file depend on the messages only, so recompiling changes no bytes.
        catalog.creation_date = catalog.revision_date = fixed_date
        buf = BytesIO()
        write_mo(buf, catalog)
        mo = atomic_write(po.with_suffix(".mo"), buf.getvalue())
        written.append(mo)
    return written


if __name__ == "__main__":
    for path in compile_catalogues():
        print(path)
