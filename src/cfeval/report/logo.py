"""A logo or seal for the report cover: read from the one path given, checked, embedded.

The file is recognised by its content, never by its name: PNG and JPEG are opened with
Pillow (which refuses decompression bombs) and must stay within :data:`MAX_BYTES` and
:data:`MAX_PIXELS` per side; an SVG must be plain drawing: no scripts, no event handlers,
no ``foreignObject``, no DOCTYPE or entities, and no reference to anything outside itself
(``href``, ``url(...)`` and ``@import`` may only point inside the file or at an embedded
PNG/JPEG). A file that breaks a rule is refused with the reason, not cleaned up: a seal
should look exactly as the federation drew it. The result is a ``data:`` URI, so the
renderer never opens or fetches anything for it.
"""

from __future__ import annotations

import base64
import io
import re
from pathlib import Path

from cfeval.i18n import Msg

__all__ = ["MAX_BYTES", "MAX_PIXELS", "read_logo"]

MAX_BYTES = 2 * 1024 * 1024
MAX_PIXELS = 4000  # per side

_SVG_FORBIDDEN_TAGS = {"script", "foreignobject", "iframe", "embed", "object", "audio", "video"}
_LOCAL_REF = re.compile(r"#[\w.:-]*|data:image/(png|jpeg);base64,[A-Za-z0-9+/=\s]*", re.ASCII)
_CSS_URL = re.compile(r"url\(\s*['\"]?([^'\")]*)", re.IGNORECASE)


def read_logo(path: str | Path) -> str:
    """The image at ``path`` as a ``data:`` URI; ValueError (a Msg) says why it is refused."""
    path = Path(path)
    try:
        if not path.is_file():
            raise ValueError(Msg("logo file not found: {path}", path=str(path)))
        if path.stat().st_size > MAX_BYTES:
            raise ValueError(
                Msg("the logo {path} is larger than 2 MB; use a smaller image", path=str(path))
            )
        data = path.read_bytes()
    except OSError as err:
        raise ValueError(
            Msg("cannot read logo {path}: {reason}", path=str(path), reason=err.strerror)
        ) from None
    if data.startswith(b"\x89PNG\r\n\x1a\n") or data.startswith(b"\xff\xd8\xff"):
        mime = _check_raster(data, path)
    elif _looks_like_svg(data):
        _check_svg(data, path)
        mime = "image/svg+xml"
    else:
        raise ValueError(
            Msg("{path} is not a PNG, JPEG or SVG image (judged by its content)", path=str(path))
        )
    return f"data:{mime};base64," + base64.b64encode(data).decode("ascii")


def _check_raster(data: bytes, path: Path) -> str:
    import warnings

    from PIL import Image

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as img:
                kind, size = img.format, img.size
                img.verify()
    except Exception:  # noqa: BLE001 - Pillow raises many kinds for a broken file
        raise ValueError(
            Msg("the logo {path} is a damaged or unreadable image", path=str(path))
        ) from None
    if kind not in ("PNG", "JPEG"):
        raise ValueError(Msg("{path} is not a PNG, JPEG or SVG image", path=str(path)))
    if max(size) > MAX_PIXELS or min(size) < 1:
        raise ValueError(
            Msg(
                "the logo {path} is {w}×{h} pixels; at most {max} on each side",
                path=str(path),
                w=size[0],
                h=size[1],
                max=MAX_PIXELS,
            )
        )
    return "image/png" if kind == "PNG" else "image/jpeg"


def _looks_like_svg(data: bytes) -> bool:
    head = data[:2048].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    return head.startswith((b"<svg", b"<?xml", b"<!--", b"<!doctype svg"))


def _check_svg(data: bytes, path: Path) -> None:
    import xml.etree.ElementTree as ET

    def refuse(why: str) -> ValueError:
        return ValueError(
            Msg("the SVG logo {path} is refused: {why}", path=str(path), why=Msg(why))
        )

    lowered = data.lower()
    # DOCTYPEs and entities (XXE, "billion laughs") are refused before any parsing.
    if b"<!doctype" in lowered or b"<!entity" in lowered:
        raise refuse("it declares a DOCTYPE or entities")
    try:
        root = ET.fromstring(data)
    except ET.ParseError:
        raise refuse("it is not well-formed XML") from None
    if _local(root.tag) != "svg":
        raise refuse("its root element is not <svg>")
    for el in root.iter():
        tag = _local(el.tag).lower()
        if tag in _SVG_FORBIDDEN_TAGS:
            raise refuse("it contains a script or embedded content")
        for name, value in el.attrib.items():
            attr = _local(name).lower()
            if attr.startswith("on"):
                raise refuse("it has event handlers (on... attributes)")
            if attr in ("href", "src") and not _LOCAL_REF.fullmatch(value.strip()):
                raise refuse("it refers to a file or address outside itself")
            if attr == "style" and _external_css(value):
                raise refuse("it refers to a file or address outside itself")
        if tag == "style" and _external_css(el.text or ""):
            raise refuse("it refers to a file or address outside itself")


def _external_css(css: str) -> bool:
    if "@import" in css.lower():
        return True
    return any(not _LOCAL_REF.fullmatch(url.strip()) for url in _CSS_URL.findall(css))


def _local(name: str) -> str:
    return name.rsplit("}", 1)[-1] if isinstance(name, str) else ""
