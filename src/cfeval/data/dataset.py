"""The data stage's result: tidy survey and audit frames with their report.

A survey read by pyarrow leaves its item columns in their files after validation
(:mod:`cfeval.data.items`): the engine asks for an indicator's few columns at a time
(:meth:`Dataset.item_columns`), and :attr:`Dataset.survey` builds the whole frame, the
same one as ever, the first time anyone asks for it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

    from cfeval.data.issues import DataReport, FileInfo
    from cfeval.data.items import SurveyItems
    from cfeval.framework.model import Framework

__all__ = ["Dataset", "with_items"]


def with_items(framework: Framework, base: pd.DataFrame, block: np.ndarray) -> pd.DataFrame:
    """The survey frame: ``base``'s columns (ids, group, weight, description), then one
    float64 column per item from the column-major ``block``, which becomes the frame's
    float block as it is (copying 60 million-row columns again would double the peak)."""
    import pandas as pd

    out = pd.DataFrame(block, columns=[it.id for it in framework.items()], copy=False)
    for i, name in enumerate(base.columns):
        out.insert(i, name, base[name])
    return out


class Dataset:
    """Tidy survey and audit frames (see docs/architecture.md) with their report.

    ``items`` (keyword only) are the survey's item columns still in their files; then
    ``survey`` given here holds the other columns and :attr:`survey` adds the items on
    first use.
    """

    def __init__(
        self,
        framework: Framework,
        survey: pd.DataFrame,
        audit: pd.DataFrame,
        report: DataReport,
        files: list[FileInfo],
        proposals: pd.DataFrame | None = None,
        *,
        items: SurveyItems | None = None,
    ) -> None:
        self.framework = framework
        self._survey = survey
        self._items = items
        self.audit = audit
        self.report = report
        self.files = files
        #: The children's proposal log's usable rows
        #: (:func:`cfeval.data.proposals.read_proposals`), or None when no log was given.
        self.proposals = proposals

    @property
    def survey(self) -> pd.DataFrame:
        """One row per usable response: ids, group, weight, description, then every item."""
        if self._items is not None:
            items, self._items = self._items, None
            self._survey = with_items(self.framework, self._survey, items.block())
            items.close()
        return self._survey

    @survey.setter
    def survey(self, frame: pd.DataFrame) -> None:
        if self._items is not None:
            self._items.close()
        self._survey, self._items = frame, None

    @property
    def survey_rows(self) -> pd.DataFrame:
        """The survey's rows with at least every column but the items (ids, group, weight,
        design and description columns), without building the item columns."""
        return self._survey

    @property
    def items_deferred(self) -> bool:
        """Whether the item columns are still in their files (decoded when asked, and
        :meth:`item_columns` may then be called from several threads at once)."""
        return self._items is not None

    def item_columns(self, ids: list[str]) -> list[np.ndarray | None]:
        """The survey's columns for the items ``ids`` (float64; None for an unknown id)."""
        import numpy as np

        if self._items is not None:
            return [self._items.column_of(i) for i in ids]
        s = self._survey
        return [s[i].to_numpy(dtype=np.float64) if i in s.columns else None for i in ids]

    def fill_item_columns(self, ids: list[str], out: np.ndarray) -> None:
        """Write the items ``ids``' columns into ``out``'s columns (NaN for an unknown id);
        with :attr:`items_deferred`, decoded straight there (thread-safe)."""
        import numpy as np

        for j, item_id in enumerate(ids):
            if self._items is not None and self._items.column_of(item_id, out[:, j]) is not None:
                continue
            col = self.item_columns([item_id])[0]
            out[:, j] = np.nan if col is None else col

    def __getstate__(self) -> dict:
        self.survey  # noqa: B018 - a file reader does not travel: build the frame first
        return dict(self.__dict__)

    def __repr__(self) -> str:
        return (
            f"Dataset({self.framework.id!r}, survey={len(self._survey)} rows, "
            f"audit={len(self.audit)} rows, issues={len(self.report.issues)})"
        )
