"""Safe rendering: autoescaping Jinja2 templates, a fetcher that only serves the assets,
glyph checks, and HTML → PDF (optionally PDF/A-3b) written atomically.

Nothing here knows about scores: it turns a context (see :mod:`cfeval.report.context`)
into HTML and HTML into PDF bytes. Jinja2 and WeasyPrint are imported on first use so
that ``cfeval --help`` stays fast.
"""

from __future__ import annotations

import functools
import logging
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cfeval._io import atomic_write
from cfeval._paths import asset_dir
from cfeval.errors import CfevalError

__all__ = ["render_html", "RenderLog", "pdf_bytes", "write_pdf"]


def _css_string(value: Any):
    """A CSS string literal for ``value``: every ASCII non-alphanumeric is hex-escaped.

    Used for the running header and footer, which live in a ``<style>`` block where HTML
    escaping does not apply; nothing in the result can close the string or the block.
    """
    from markupsafe import Markup

    # Six hex digits end an escape by themselves; non-ASCII characters cannot end a string.
    out = [f"\\{ord(ch):06x}" if ch.isascii() and not ch.isalnum() else ch for ch in str(value)]
    return Markup('"' + "".join(out) + '"')


def _page_counter(fmt: str):
    """CSS ``content`` for a "page {page} of {pages}" pattern of the translation table."""
    from markupsafe import Markup

    parts = []
    for piece in re.split(r"(\{pages?\})", fmt):
        if piece in ("{page}", "{pages}"):
            parts.append(f"counter({piece[1:-1]})")
        elif piece:
            parts.append(str(_css_string(piece)))
    return Markup(" ".join(parts))


@functools.cache
def _environment():
    # One environment per process: it keeps the compiled templates, which a batch would
    # otherwise recompile for every report.
    from jinja2 import Environment, FileSystemLoader, StrictUndefined

    # autoescape=True (not select_autoescape): the templates end in .j2, which
    # select_autoescape would not recognise as HTML.
    env = Environment(
        autoescape=True,
        loader=FileSystemLoader(str(asset_dir())),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["css_string"] = _css_string
    env.filters["page_counter"] = _page_counter
    return env


def render_html(template: str, context: dict) -> str:
    """Render an asset template (``report.html.j2`` or ``comparison.html.j2``) to HTML."""
    return _environment().get_template(template).render(**context)


def _asset_fetcher_class():
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class AssetFetcher(URLFetcher):
        """Serves ``data:`` URIs and regular files inside the assets folder; refuses the rest.

        ``requests`` records every URL asked for, ``refused`` the ones turned down, so tests
        (and the caller) can prove nothing outside the assets was opened.
        """

        def __init__(self, root: Path):
            super().__init__(allowed_protocols={"data", "file"}, fail_on_errors=False)
            self.root = root.resolve()
            self.requests: list[str] = []
            self.refused: list[str] = []

        def fetch(self, url, headers=None):
            self.requests.append(url)
            scheme = url.split(":", 1)[0].lower()
            if scheme == "data":
                return super().fetch(url, headers)
            if scheme == "file":
                from urllib.parse import unquote, urlsplit

                parts = urlsplit(url)
                raw = Path(unquote(parts.path))
                # realpath resolves symlinks and ``..`` before the containment check.
                real = Path(os.path.realpath(raw))
                if (
                    parts.netloc in ("", "localhost")
                    and real.is_relative_to(self.root)
                    and real.is_file()
                ):
                    import mimetypes

                    mime = mimetypes.guess_type(real.name)[0] or "application/octet-stream"
                    return URLFetcherResponse(url, real.read_bytes(), {"Content-Type": mime})
            self.refused.append(url)
            raise ValueError(f"cfeval reports load nothing outside their assets: {url}")

    return AssetFetcher


class _FontWatch(logging.Handler):
    """Collects WeasyPrint warnings about fonts and glyphs during one rendering."""

    def __init__(self):
        super().__init__(level=logging.WARNING)
        self.problems: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        if re.search(r"font|glyph", message, re.IGNORECASE):
            self.problems.append(message)


_COVERAGE: set[int] | None = None


def _font_coverage() -> set[int]:
    global _COVERAGE
    if _COVERAGE is None:
        from fontTools.ttLib import TTCollection

        from cfeval.report.charts import font_file

        with TTCollection(str(font_file("regular")), lazy=True) as coll:
            _COVERAGE = set(coll.fonts[0].getBestCmap())
    return _COVERAGE


def _uncovered(html: str) -> list[str]:
    """Characters of the document's text that the report font cannot draw (would be tofu)."""
    from html.parser import HTMLParser

    chars: set[str] = set()

    class Text(HTMLParser):
        def handle_data(self, data):
            chars.update(data)

    Text(convert_charrefs=True).feed(html)
    cover = _font_coverage()
    return sorted(c for c in chars if not c.isspace() and ord(c) >= 32 and ord(c) not in cover)


@dataclass
class RenderLog:
    """What one rendering fetched: every URL asked for and the ones refused."""

    requests: list[str] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)


def pdf_bytes(html: str, *, pdfa: bool = False, log: RenderLog | None = None) -> bytes:
    """Render final HTML to PDF bytes with the restrictive fetcher and the glyph checks.

    Raises :class:`CfevalError` when a character cannot be drawn by the report font or
    WeasyPrint warned about fonts, so a report with boxes instead of characters never ships.
    """
    missing = _uncovered(html)
    if missing:
        shown = " ".join(f"{c} (U+{ord(c):04X})" for c in missing[:10])
        raise CfevalError(
            f"the report font cannot draw these characters: {shown}; edit the text or the data"
        )
    import weasyprint

    fetcher = _asset_fetcher_class()(asset_dir())
    watch = _FontWatch()
    logger = logging.getLogger("weasyprint")
    logger.addHandler(watch)
    try:
        document = weasyprint.HTML(
            string=html, base_url=str(asset_dir()) + os.sep, url_fetcher=fetcher
        )
        data = document.write_pdf(pdf_variant="pdf/a-3b" if pdfa else None, uncompressed_pdf=False)
    finally:
        logger.removeHandler(watch)
    if log is not None:
        log.requests.extend(fetcher.requests)
        log.refused.extend(fetcher.refused)
    if watch.problems:
        raise CfevalError(
            "font problems while rendering the report: " + "; ".join(watch.problems[:5])
        )
    return data


def write_pdf(
    html: str, path: str | os.PathLike, *, pdfa: bool = False, log: RenderLog | None = None
) -> Path:
    """Render final HTML to ``path`` atomically (temp file + rename); returns the path."""
    path = Path(path)
    atomic_write(path, pdf_bytes(html, pdfa=pdfa, log=log))
    return path
