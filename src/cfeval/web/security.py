"""What keeps the workbench safe on an office network: who may bind where, the access
password, CSRF tokens, response headers, body-size limits and file types by content.

The password is kept only as a salted scrypt hash and compared in constant time. File
types are decided from the bytes (an XLSX is a zip holding ``[Content_Types].xml`` and an
``xl/`` part; Parquet starts and ends with ``PAR1``; CSV and YAML are text without NUL
bytes in UTF-8 or GB18030), never from the name a browser sent.
"""

from __future__ import annotations

import hashlib
import hmac
import io
import ipaddress
import secrets
import zipfile
from dataclasses import dataclass

from cfeval.errors import UsageError
from cfeval.i18n import Msg

__all__ = [
    "LOCAL_HOSTS",
    "Access",
    "Limits",
    "check_bind",
    "is_local",
    "new_token",
    "same_token",
    "sniff",
    "security_headers",
]

LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})
#: A password shorter than this is refused: the page is reachable by a whole office.
MIN_PASSWORD = 8

#: Strict policy: nothing inline, nothing from another origin, never framed.
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'"
)


def security_headers() -> list[tuple[bytes, bytes]]:
    """The headers every response carries."""
    pairs = {
        "content-security-policy": CSP,
        "x-content-type-options": "nosniff",
        "x-frame-options": "DENY",
        "referrer-policy": "no-referrer",
        "cross-origin-opener-policy": "same-origin",
        "cache-control": "no-store",
    }
    return [(k.encode(), v.encode()) for k, v in pairs.items()]


def is_local(host: str) -> bool:
    """True for an address only this machine can reach (loopback)."""
    if host in LOCAL_HOSTS:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_bind(host: str, password: str | None) -> None:
    """Refuse to serve other machines without a password, or with a short one.

    >>> check_bind("0.0.0.0", None)
    Traceback (most recent call last):
    ...
    cfeval.errors.UsageError: refusing to serve on 0.0.0.0 ...
    """
    if password is not None and len(password) < MIN_PASSWORD:
        raise UsageError(
            Msg("the access password must have at least {n} characters", n=MIN_PASSWORD)
        )
    if not is_local(host) and not password:
        raise UsageError(
            Msg(
                "refusing to serve on {host} without an access password: other computers "
                "could open everyone's data. Give --password (or set CFEVAL_WEB_PASSWORD), "
                "or leave --host at 127.0.0.1 to use it on this computer only",
                host=host,
            )
        )


@dataclass(frozen=True)
class Access:
    """The access password as a salted scrypt hash (the password itself is not kept)."""

    salt: bytes
    digest: bytes

    @classmethod
    def from_password(cls, password: str) -> Access:
        salt = secrets.token_bytes(16)
        return cls(salt, _hash(password, salt))

    def accepts(self, attempt: str) -> bool:
        """Constant-time comparison of the attempt's hash with the stored one."""
        return hmac.compare_digest(_hash(attempt, self.salt), self.digest)


def _hash(password: str, salt: bytes) -> bytes:
    return hashlib.scrypt(password.encode("utf-8"), salt=salt, n=2**14, r=8, p=1, dklen=32)


def new_token() -> str:
    """An unguessable token (session ids, CSRF tokens, job ids)."""
    return secrets.token_urlsafe(32)


def same_token(given: str | None, expected: str | None) -> bool:
    """Constant-time equality of two tokens; a missing one never matches."""
    if not given or not expected:
        return False
    return hmac.compare_digest(given.encode(), expected.encode())


@dataclass(frozen=True)
class Limits:
    """Upload limits: bytes per request (all files together) and files per form."""

    max_bytes: int = 50 * 1024 * 1024
    max_files: int = 10
    #: idle time after which a browser session's workspace is removed
    session_seconds: int = 4 * 3600


# --------------------------------------------------------------------------- sniffing

#: kinds a form field may accept -> the kinds of content allowed there
DATA_KINDS = ("xlsx", "parquet", "csv")


def sniff(data: bytes) -> str | None:
    """What ``data`` is by its content: ``xlsx``, ``parquet``, ``csv`` (text) or None.

    Text is anything that decodes as UTF-8 (with or without BOM) or GB18030 and has no NUL
    byte; whether it is a CSV or a YAML file is for the reader to say.
    """
    if data[:4] == b"PK\x03\x04":
        return "xlsx" if _is_xlsx(data) else None
    if len(data) >= 8 and data[:4] == b"PAR1" and data[-4:] == b"PAR1":
        return "parquet"
    head = data[: 256 * 1024]
    if not head.strip() or b"\x00" in head:
        return None
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            # A multi-byte character may be cut at the end of the sample.
            head.decode(encoding) if len(data) == len(head) else head[:-4].decode(encoding)
        except UnicodeDecodeError:
            continue
        return "csv"
    return None


def _is_xlsx(data: bytes) -> bool:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            names = set(zf.namelist())
    except zipfile.BadZipFile:
        return False
    return "[Content_Types].xml" in names and any(n.startswith("xl/") for n in names)
