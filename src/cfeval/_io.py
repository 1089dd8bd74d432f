"""Writing output files so that a reader never sees half of one."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

# Temporary files being written by this process right now, so that a signal handler that
# must leave at once (a batch worker told to stop) can remove them without unwinding.
_IN_PROGRESS: set[str] = set()


def atomic_write(
    path: str | Path,
    data: bytes | str | Callable[[BinaryIO], None],
    *,
    encoding: str = "utf-8",
) -> Path:
    """Write ``data`` to ``path`` via a temporary file in the same folder and a rename.

    ``data`` is bytes, text (encoded with ``encoding``, line ends kept as given) or a
    function that writes to the open binary file. On any failure the temporary file is
    removed and an existing ``path`` is left as it was. Missing folders are created. The
    file gets the mode an ordinary new file would (``0o666`` less the umask), not
    ``mkstemp``'s private ``0o600``.

    A file system that refuses (disk full, read-only folder, ``path`` is a folder) raises
    :class:`~cfeval.errors.UsageError` naming the file. The temporary file's name holds
    this process's id, so a write killed outright (``kill -9``) leaves a file the next
    write to ``path`` recognises as orphaned and removes.

    >>> atomic_write("scores.csv", "a,b\\n")  # doctest: +SKIP
    """
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        _remove_orphans(path)
        fd, tmp = tempfile.mkstemp(
            dir=path.parent, prefix=f".{path.name}.cfeval-{os.getpid()}-", suffix=".tmp"
        )
    except OSError as exc:
        raise _refused(path, exc) from None
    _IN_PROGRESS.add(tmp)
    try:
        umask = os.umask(0)
        os.umask(umask)
        os.fchmod(fd, 0o666 & ~umask)
        with os.fdopen(fd, "wb") as fh:
            if callable(data):
                data(fh)
            else:
                fh.write(data.encode(encoding) if isinstance(data, str) else data)
        os.replace(tmp, path)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise _refused(path, exc) from None
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    finally:
        _IN_PROGRESS.discard(tmp)
    return path


def file_sha256(path: Path) -> str:
    """The file's sha256 (hex), read in 4 MB pieces (hashlib lets go of the GIL meanwhile)."""
    import hashlib

    digest = hashlib.sha256()
    with Path(path).open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 22), b""):
            digest.update(chunk)
    return digest.hexdigest()


def remove_in_progress() -> None:
    """Remove the temporary files this process is writing (for a handler about to exit)."""
    for tmp in list(_IN_PROGRESS):
        with contextlib.suppress(OSError):
            os.unlink(tmp)


def _refused(path: Path, exc: OSError):
    from cfeval.errors import UsageError

    reason = "it is a folder" if path.is_dir() else (exc.strerror or str(exc))
    return UsageError(f"cannot write {path}: {reason}")


def _remove_orphans(path: Path) -> None:
    """Temporary files of ``path`` left by a process that no longer runs."""
    import glob

    for tmp in path.parent.glob(f".{glob.escape(path.name)}.cfeval-*-*.tmp"):
        pid = tmp.name[len(path.name) + 9 :].split("-", 1)[0]
        if pid.isdigit() and not _alive(int(pid)):
            tmp.unlink(missing_ok=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process
    return True


def deterministic_zip(
    data: bytes,
    *,
    date_time: tuple[int, int, int, int, int, int] = (1980, 1, 1, 0, 0, 0),
    doc_date: str = "2000-01-01T00:00:00Z",
    doc_fields: tuple[str, ...] = ("created", "modified"),
    mode: int = 0o600,
    keep_compressed: bool = False,
) -> bytes:
    """Rewrite a zip package (XLSX, DOCX) so identical content gives identical bytes.

    Every entry gets ``date_time``, ``mode`` and Unix as its system (the default depends
    on the platform), deflated at zlib's default level; in ``docProps/core.xml`` the
    ``dcterms`` dates named by ``doc_fields`` become ``doc_date`` (openpyxl stamps the
    time of saving there).

    ``keep_compressed`` keeps the deflated bytes of every other entry as they are and
    rewrites only the headers: for a package deflated by :mod:`zipfile` at its default
    level (XlsxWriter, openpyxl) the result is the same, byte for byte, without inflating
    and deflating hundreds of megabytes again.

    >>> deterministic_zip(workbook_bytes)  # doctest: +SKIP
    """
    import io
    import re
    import zipfile

    fields = "|".join(re.escape(f) for f in doc_fields)
    stamp = re.compile(rb"(<dcterms:(?:" + fields.encode() + rb")[^>]*>)[^<]*(</dcterms:)")
    src = zipfile.ZipFile(io.BytesIO(data))

    def body_of(info: zipfile.ZipInfo) -> bytes:
        body = src.read(info.filename)
        if info.filename == "docProps/core.xml" and doc_fields:
            body = stamp.sub(rb"\g<1>" + doc_date.encode() + rb"\g<2>", body)
        return body

    if keep_compressed and _fits_zip32(src.infolist(), len(data)):
        return _rezip_raw(data, src.infolist(), body_of, date_time, mode)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            zi = zipfile.ZipInfo(info.filename, date_time=date_time)
            zi.compress_type = zipfile.ZIP_DEFLATED
            zi.create_system = 3
            zi.external_attr = mode << 16
            dst.writestr(zi, body_of(info), compresslevel=6)
    return out.getvalue()


def _fits_zip32(infos, total: int) -> bool:
    """No entry or offset near the sizes where :mod:`zipfile` switches to ZIP64 records."""
    limit = (1 << 31) - 1  # zipfile.ZIP64_LIMIT; zipfile also plans 5% headroom
    return total < limit and all(
        i.file_size * 1.05 < limit and i.flag_bits & ~0x800 == 0 for i in infos
    )


def _rezip_raw(data: bytes, infos, body_of, date_time, mode: int) -> bytes:
    """The package with each deflated entry copied as is, headers laid out as zipfile does."""
    import struct
    import zlib

    dosdate = (date_time[0] - 1980) << 9 | date_time[1] << 5 | date_time[2]
    dostime = date_time[3] << 11 | date_time[4] << 5 | (date_time[5] // 2)
    view = memoryview(data)
    out: list[bytes] = []
    central: list[bytes] = []
    offset = 0
    for info in infos:
        name = info.filename.encode("ascii" if info.filename.isascii() else "utf-8")
        flags = 0 if info.filename.isascii() else 0x800
        if info.compress_type == zlib.DEFLATED and info.filename != "docProps/core.xml":
            # The local header is 30 bytes, then the name and the extra field.
            at = info.header_offset
            n, m = struct.unpack("<HH", view[at + 26 : at + 30])
            start = at + 30 + n + m
            packed = bytes(view[start : start + info.compress_size])
            crc, size = info.CRC, info.file_size
        else:
            body = body_of(info)
            deflate = zlib.compressobj(6, zlib.DEFLATED, -15)  # zipfile's level-6 deflater
            packed = deflate.compress(body) + deflate.flush()
            crc, size = zlib.crc32(body), len(body)
        fields = (20, 0, flags, 8, dostime, dosdate, crc, len(packed), size, len(name), 0)
        out.append(struct.pack("<4s2B4HL2L2H", b"PK\x03\x04", *fields) + name)
        out.append(packed)
        central.append(
            struct.pack(
                "<4s4B4HL2L5H2L", b"PK\x01\x02", 20, 3, *fields, 0, 0, 0, mode << 16, offset
            )
            + name
        )
        offset += 30 + len(name) + len(packed)
    directory = b"".join(central)
    end = struct.pack(
        "<4s4H2LH", b"PK\x05\x06", 0, 0, len(infos), len(infos), len(directory), offset, 0
    )
    return b"".join([*out, directory, end])
