"""Writing output files so that a reader never sees half of one."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO


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

    >>> atomic_write("scores.csv", "a,b\\n")  # doctest: +SKIP
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
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
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path
