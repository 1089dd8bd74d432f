"""CSV files: which encoding, which delimiter, and Arrow's reader (streaming for large files).

Text is UTF-8 (with or without BOM) and otherwise GB18030 (what Chinese Excel writes as
"CSV"), never a further guess; the delimiter is sniffed from the header row (KoboToolbox
writes ``;``). A file of 16 MB or more is parsed by Arrow's streaming reader straight from
disk (:func:`stream_csv`), a smaller or unusual one from its bytes (:func:`read_csv`), with
pandas' C engine for ragged rows. Both give a :class:`~cfeval.data.readers.Table` whose
sheet rows count the blank lines above the header.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from pathlib import Path

from cfeval.data.readers import Table, _Columns, _drop_blank_rows, _lazy_table
from cfeval.errors import DataError
from cfeval.i18n import Msg

__all__ = ["decode", "sniff", "read_csv", "stream_csv", "STREAM_CSV_BYTES"]

_BLANK_LINES = re.compile(r"[\r\n]*")
_BLANK_BYTES = re.compile(rb"[\r\n]*")
_ONLY_SPACE = re.compile(r"\s*\Z")


def decode(raw: bytes, label: str) -> tuple[str, str]:
    """``(text, encoding)``; UTF-8 first (with or without BOM), then GB18030, never a guess."""
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        # Excel's "Unicode text"; refused by name rather than by a confusing decode error.
        raise DataError(
            Msg(
                "{file}: UTF-16 text (Excel's 'Unicode text'); save it as 'CSV UTF-8' instead",
                file=label,
            )
        )
    if raw.startswith(b"\xef\xbb\xbf"):
        try:
            return raw[3:].decode("utf-8"), "utf-8-sig"
        except UnicodeDecodeError:
            pass
    else:
        try:
            return raw.decode("utf-8"), "utf-8"
        except UnicodeDecodeError:
            pass
    try:
        return raw.decode("gb18030"), "gb18030"
    except UnicodeDecodeError as exc:
        raise DataError(
            Msg(
                "{file}: cannot read the text: it is neither UTF-8 nor GBK/GB18030 (bad byte at "
                "position {position}). Save it from Excel as 'CSV UTF-8'.",
                file=label,
                position=exc.start,
            )
        ) from None


def sniff(first_line: str) -> str:
    # Counting fields per candidate on the header row is steadier than csv.Sniffer on wide
    # files with commas inside Chinese question texts.
    best, fields = ",", 0
    for delim in (",", ";", "\t", "|"):
        n = len(next(csv.reader([first_line], delimiter=delim), []))
        if n > fields:
            best, fields = delim, n
    return best


def read_csv(raw: bytes, label: str, text_headers) -> Table:

    import pandas as pd
    import pyarrow as pa
    import pyarrow.csv as pcsv

    digest = _digest_beside(raw)
    encoding = _utf8(raw)
    if encoding is None:  # not UTF-8: GB18030 (or a clear error), decoded in full
        text, encoding = decode(raw, label)
        body = text.encode("utf-8")
        del text
    else:
        # Valid UTF-8 (checked by Arrow without decoding it into a str as large as the
        # file): pyarrow parses the bytes as they are.
        body = pa.py_buffer(raw)
        if encoding == "utf-8-sig":
            body = body[3:]  # a zero-copy slice
    head = _first_line(body)
    if head is None:
        return Table(pd.DataFrame(), [], label, 2, digest.result(), encoding, empty=True)
    first_line, skipped, start = head
    delim = sniff(first_line)
    headers, header_lines = _header(body, start, first_line, delim)
    keys = [f"c{i}" for i in range(len(headers))]
    strings = {k: pa.string() for k, h in zip(keys, headers, strict=True) if h in text_headers}
    data = body
    del body
    try:
        table = pcsv.read_csv(
            pa.BufferReader(data) if isinstance(data, pa.Buffer) else io.BytesIO(data),
            read_options=pcsv.ReadOptions(column_names=keys, skip_rows=header_lines + skipped),
            parse_options=pcsv.ParseOptions(delimiter=delim, ignore_empty_lines=False),
            convert_options=pcsv.ConvertOptions(column_types=strings, strings_can_be_null=True),
        )
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        # Odd files (ragged rows, stray quotes): the C engine is slower but forgiving.
        del data
        text = decode(raw, label)[0]
        start = _BLANK_LINES.match(text).end()
        try:
            frame = pd.read_csv(
                io.StringIO(text[start:]),
                sep=delim,
                header=None,
                skiprows=1,
                names=keys,
                dtype={k: "str" for k in strings},
                skip_blank_lines=False,
                engine="c",
            )
        except (pd.errors.ParserError, ValueError) as exc:
            raise DataError(
                Msg("{file}: not a readable table: {error}", file=label, error=exc)
            ) from None
    else:
        del data
        return _lazy_table(
            _Columns(table=table), table.num_rows, headers, label, 2 + skipped,
            digest.result(), encoding,
        )  # fmt: skip
    frame = _drop_blank_rows(frame)
    frame.columns = range(len(headers))
    return Table(frame, headers, label, 2 + skipped, digest.result(), encoding)


#: CSV files from this size on are parsed by Arrow's streaming reader straight from disk:
#: the file is never held whole beside its table (a million rows × 60 items peaked at
#: 1.45 GB through read_csv on the file's bytes, 0.59 GB streamed).
STREAM_CSV_BYTES = 16 << 20
#: Streamed files from this size on, without a quote character, are cut at line ends
#: into one range per thread, parsed side by side (one stream parses on one core: a
#: million rows × 60 items took 3.3 s as one stream, 1.4 s as two).
SPLIT_CSV_BYTES = 32 << 20


def stream_csv(path: Path, label: str, text_headers) -> Table | None:
    """A large UTF-8 CSV streamed by Arrow from the file; None for anything else (small,
    not UTF-8, an odd header or body): :func:`read_csv` then reads the bytes as always.

    Arrow checks that every text cell is UTF-8 or types its column as bytes (then this
    gives up), and a number cell cannot hide other bytes: a file it parses is the file
    :func:`read_csv` would have parsed as UTF-8.
    """
    import pyarrow as pa

    if path.suffix.lower() not in (".csv", ".txt", ".tsv"):
        return None
    if path.stat().st_size < STREAM_CSV_BYTES:
        return None
    with path.open("rb") as fh:
        probe = fh.read(1 << 20)
    if b"\x00" in probe[:4096] or probe.startswith((b"\xff\xfe", b"\xfe\xff")):
        return None
    bom = probe.startswith(b"\xef\xbb\xbf")
    body = probe[3:] if bom else probe
    start = _BLANK_BYTES.match(body).end()
    end = body.find(b"\n", start)
    if end < 0:
        return None  # a header row over a megabyte: the careful path
    try:
        first_line = body[start:end].decode("utf-8").rstrip("\r")
    except UnicodeDecodeError:
        return None
    if not first_line.strip() or first_line.count('"') % 2:
        return None  # blank, or a quoted header cell holding a line break: the careful path
    skipped = body.count(b"\n", 0, start)
    try:
        delim = sniff(first_line)
        headers = [h.strip() for h in next(csv.reader([first_line], delimiter=delim))]
    except csv.Error:
        return None  # the careful path says what is wrong with it
    keys = [f"c{i}" for i in range(len(headers))]
    strings = {k: pa.string() for k, h in zip(keys, headers, strict=True) if h in text_headers}
    digest = _digest_beside(path)
    try:
        table = _parse(path, keys, 1 + skipped, delim, strings)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        digest.cancel()
        return None
    if any(pa.types.is_binary(t) or pa.types.is_large_binary(t) for t in table.schema.types):
        digest.cancel()  # cells that are not UTF-8 (Arrow types them as bytes): GB18030?
        return None
    encoding = "utf-8-sig" if bom else "utf-8"
    return _lazy_table(
        _Columns(table=table), table.num_rows, headers, label, 2 + skipped, digest.result(),
        encoding,
    )  # fmt: skip


def _parse(path: Path, keys: list[str], skip: int, delim: str, strings: dict):
    """The file's rows (after ``skip`` lines) as an Arrow table, streamed from disk.

    A large file without quotes is cut at line ends (:func:`_cuts`) and its ranges are
    parsed on every core; each range after the first takes the column types Arrow
    inferred from the first block, as one stream does for its later blocks, so a cell that
    does not fit them fails the same way (and the caller falls back to the careful path).
    """
    import pyarrow as pa
    import pyarrow.csv as pcsv

    from cfeval._threads import ordered_map, worker_threads

    def stream(source, skip_rows: int, types: dict):
        return pcsv.open_csv(
            source,
            read_options=pcsv.ReadOptions(column_names=keys, skip_rows=skip_rows),
            parse_options=pcsv.ParseOptions(delimiter=delim, ignore_empty_lines=False),
            convert_options=pcsv.ConvertOptions(column_types=types, strings_can_be_null=True),
        )

    cuts = _cuts(path, worker_threads())
    if len(cuts) <= 2:
        return stream(path, skip, strings).read_all()
    ranges = [_Range(path, cuts[k], cuts[k + 1]) for k in range(len(cuts) - 1)]
    try:
        first = stream(ranges[0], skip, strings)
        frozen = dict(zip(keys, first.schema.types, strict=True))

        def read(k: int):
            return (first if k == 0 else stream(ranges[k], 0, frozen)).read_all()

        return pa.concat_tables(list(ordered_map(read, range(len(ranges)), len(ranges))))
    finally:
        for source in ranges:
            source.close()


def _cuts(path: Path, parts: int) -> list[int]:
    """Byte offsets ``[0, c1, …, size]`` that cut the file into ``parts`` ranges, each cut
    just after a line end; ``[0, size]`` (one range) for a small file, one with a quote
    character anywhere (a quoted cell may hold a line break: a line end is then no row
    end) or one without line ends where they would be needed."""
    size = path.stat().st_size
    if parts < 2 or size < max(SPLIT_CSV_BYTES, 1):
        return [0, size]
    buf = bytearray(1 << 22)  # one buffer read into again: no fresh memory per chunk
    with path.open("rb", buffering=0) as fh:
        while n := fh.readinto(buf):  # read, not mapped: mapped pages would count as ours
            if buf.find(b'"', 0, n) >= 0:
                return [0, size]
        cuts = [0]
        for k in range(1, parts):
            at = max(size * k // parts, cuts[-1])
            fh.seek(at)
            found = fh.read(1 << 20).find(b"\n")
            if found < 0 or at + found + 1 >= size:
                return [0, size]  # no line end within a megabyte of the cut, or at the end
            cuts.append(at + found + 1)
    return [*cuts, size]


class _Range(io.RawIOBase):
    """Bytes ``start``..``end`` of a file, read as a file of their own."""

    def __init__(self, path: Path, start: int, end: int) -> None:
        super().__init__()
        self._file = path.open("rb")
        self._file.seek(start)
        self._left = end - start

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        n = min(len(buffer), self._left)
        if n <= 0:
            return 0
        got = self._file.readinto(memoryview(buffer)[:n])
        self._left -= got
        return got

    def close(self) -> None:
        self._file.close()
        super().close()


def _digest_beside(source):
    """The sha256 (hex) of a file (a path) or of its bytes, computed on a thread while the
    caller parses it (hashlib lets go of the GIL on large data)."""
    from concurrent.futures import ThreadPoolExecutor

    from cfeval._io import file_sha256

    def digest() -> str:
        if isinstance(source, Path):
            return file_sha256(source)
        return hashlib.sha256(source).hexdigest()

    pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="cfeval-sha")
    future = pool.submit(digest)
    pool.shutdown(wait=False)
    return future


def _utf8(raw: bytes) -> str | None:
    """``"utf-8"`` or ``"utf-8-sig"`` when ``raw`` is valid UTF-8 (checked by Arrow's
    validator, without a decoded copy), None otherwise."""
    import numpy as np
    import pyarrow as pa

    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return None  # UTF-16: decode() says what to do
    bom = raw.startswith(b"\xef\xbb\xbf")
    data = pa.py_buffer(raw)[3 if bom else 0 :]
    offsets = pa.py_buffer(np.array([0, len(data)], dtype=np.int64))
    try:
        pa.Array.from_buffers(pa.large_binary(), 1, [None, offsets, data]).cast(pa.large_string())
    except pa.ArrowInvalid:
        return None
    return "utf-8-sig" if bom else "utf-8"


def _first_line(body) -> tuple[str, int, int] | None:
    """The header row's first line of a CSV's UTF-8 bytes, the blank lines above it and
    where it starts; None when the file holds nothing but blank lines and spaces.

    Only the opening of a large file is copied (doubled until it holds the first row).
    """
    view = memoryview(body)
    size = 1 << 16
    while True:
        probe = bytes(view[:size])
        start = _BLANK_BYTES.match(probe).end()
        end = probe.find(b"\n", start)
        if end >= 0 or size >= len(view):
            break
        size *= 2
    line = probe[start : end if end >= 0 else len(probe)].decode("utf-8")
    if not line.strip() and _ONLY_SPACE.match(bytes(view[start:]).decode("utf-8")):
        return None
    return line.rstrip("\r"), probe.count(b"\n", 0, start), start


def _header(body, start: int, first_line: str, delim: str) -> tuple[list[str], int]:
    """The header row's cells and the lines of text it spans.

    A header cell may hold a line break inside quotes (a question title exported with its
    line breaks): then the row is read by the csv module, which follows the quotes, from
    the header's first megabyte.
    """
    if first_line.count('"') % 2 == 0:
        return [h.strip() for h in next(csv.reader([first_line], delimiter=delim))], 1
    text = bytes(memoryview(body)[start : start + (1 << 20)]).decode("utf-8", errors="ignore")
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delim)
    cells = next(reader, [])
    return [h.strip() for h in cells], max(reader.line_num, 1)
