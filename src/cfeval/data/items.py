"""Survey item columns decoded from their files when asked, instead of held as a block.

A survey read by pyarrow (Parquet, CSV, a shard of either) keeps its item columns
compact after validation: a clean column (every cell a scale value, a missing code or
blank) is kept as int8 codes when its scale's values are small whole numbers (every
shipped scale), else decoded from its file again, with the same result, when the engine
asks for it; only a column with a cell the data stage reported keeps its checked values.
The engine thus goes through an indicator's few columns at a time, and a million-row
survey never builds its 60-column float64 block (480 MB of fresh memory, which on the
development VM cost more than all the decoding). :attr:`cfeval.data.dataset.Dataset.survey`
builds the block, exactly as the data stage used to, the first time someone asks for the
frame.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np

    from cfeval.data.readers import Table
    from cfeval.framework.model import Framework

__all__ = ["PartItems", "SurveyItems", "scratch", "compact", "expand"]

#: The code of a blank cell in a compact column (never a scale value: see compact()).
_BLANK = -128


def scratch(local, n: int):
    """The calling thread's reusable float64 buffer of ``n`` values in ``local`` (a
    ``threading.local``): checking column after column touches no fresh memory, and the
    buffers go when ``local`` does."""
    import numpy as np

    buf = getattr(local, "buf", None)
    if buf is None or len(buf) != n:
        buf = local.buf = np.empty(n)
    return buf


def compact(scale, values):
    """A checked column (scale values or NaN) as int8 codes, when every value of the scale
    is a whole number between -127 and 127 (else None): the values themselves, -128 for
    blank. 1 MB a million rows instead of 8, turned back into the same float64 values
    (:func:`expand`) faster than the column is decoded again."""
    import numpy as np

    allowed = np.asarray(scale.values, dtype=np.float64)
    if not len(allowed) or (allowed != np.round(allowed)).any() or np.abs(allowed).max() > 127:
        return None
    codes = np.empty(len(values), np.int8)
    with np.errstate(invalid="ignore"):  # NaN has no int8 value; it is replaced below
        np.copyto(codes, values, casting="unsafe")
    codes[np.isnan(values)] = _BLANK
    return codes


def expand(codes, out=None):
    """The float64 values of :func:`compact`'s codes (in ``out`` if given)."""
    import numpy as np

    out = np.empty(len(codes)) if out is None else out
    out[:] = codes
    out[codes == _BLANK] = np.nan
    return out


@dataclass
class PartItems:
    """One file's item columns: where each is in its table, and the checked values of the
    columns that had a reported cell. ``keep`` selects the rows the file kept (None: all)."""

    framework: Framework
    table: Table
    #: Per ``framework.items()``: the column's position in ``table``, None when absent.
    positions: list[int | None]
    #: Item index → checked values (every row of the file) of a column with a bad cell.
    checked: dict[int, Any] = field(default_factory=dict)
    #: Item index → a clean column's values as int8 codes (:func:`compact`).
    codes: dict[int, Any] = field(default_factory=dict)
    keep: Any = None

    def __post_init__(self) -> None:
        self._items = self.framework.items()

    def still_in_file(self) -> list[int]:
        """The items whose column is decoded from the file again when asked."""
        return [
            j
            for j, pos in enumerate(self.positions)
            if pos is not None and j not in self.checked and j not in self.codes
        ]

    @property
    def n_rows(self) -> int:
        return len(self.table.frame) if self.keep is None else int(self.keep.sum())

    def column(self, j: int, out=None):
        """Item ``j``'s values for the kept rows (float64, NaN blank), in ``out`` if given;
        None when the file has no such column. Safe to call from several threads."""
        pos = self.positions[j]
        if pos is None:
            return None
        values = self.checked.get(j)
        if values is None:
            direct = out if self.keep is None else None
            codes = self.codes.get(j)
            values = self._decode(j, direct) if codes is None else expand(codes, direct)
            if values is out:
                return out
        picked = values if self.keep is None else values[self.keep]
        if out is None:
            return picked
        out[:] = picked
        return out

    def _decode(self, j: int, out=None):
        """A column the data stage found clean (numbers, each a scale value, a missing
        code or blank), decoded again: as :func:`clean_item_values` left it, missing codes
        blank, without comparing every cell with the scale a second time."""
        import numpy as np

        values = self.table.numbers(self.positions[j], out)
        if values is None:  # the same bytes were numbers when the data stage read them
            raise RuntimeError(f"{self.table.label}: column {self._items[j].id} changed")
        codes = self.framework.scales[self._items[j].scale].missing_codes
        if codes:
            values[np.isin(values, codes)] = np.nan
        return values

    def close(self) -> None:
        self.table.close()


class SurveyItems:
    """Every file's item columns as one survey's: the files' kept rows in order, then the
    rows ``keep`` selects across files (duplicates and unknown communities dropped)."""

    def __init__(self, framework: Framework, parts: list[PartItems], keep=None):
        self.framework = framework
        self.parts = parts
        self.keep = keep
        self.ids = [it.id for it in framework.items()]
        self._index = {item_id: j for j, item_id in enumerate(self.ids)}
        total = sum(p.n_rows for p in parts)
        self.n_rows = total if keep is None else int(keep.sum())

    def column(self, j: int, out=None) -> np.ndarray:
        """Item ``j`` for every survey row (float64, NaN blank); thread-safe."""
        import numpy as np

        if len(self.parts) == 1 and self.keep is None:
            values = self.parts[0].column(j, out)
            if values is not None:
                return values
            if out is None:
                return np.full(self.n_rows, np.nan)
            out[:] = np.nan
            return out
        pieces = []
        for part in self.parts:
            values = part.column(j)
            pieces.append(np.full(part.n_rows, np.nan) if values is None else values)
        whole = pieces[0] if len(pieces) == 1 else np.concatenate(pieces)
        if self.keep is not None:
            whole = whole[self.keep]
        if out is None:
            return whole
        out[:] = whole
        return out

    def column_of(self, item_id: str, out=None):
        """Item ``item_id``'s column (see :meth:`column`); None when the framework has no
        such item."""
        j = self._index.get(item_id)
        return None if j is None else self.column(j, out)

    def block(self) -> np.ndarray:
        """Every item as one column-major float64 block (the survey frame's float block),
        its columns decoded on every core."""
        import numpy as np

        from cfeval._threads import ordered_map

        out = np.empty((self.n_rows, len(self.ids)), order="F")
        for _ in ordered_map(lambda j: self.column(j, out[:, j]), range(len(self.ids))):
            pass
        return out

    def close(self) -> None:
        """Let the files' columns go (once the block is built, or the survey dropped)."""
        for part in self.parts:
            part.close()
        self.parts = []
