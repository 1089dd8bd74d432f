"""Scoring results as a value: the tidy frames, the data report and the provenance.

:class:`ScoreResult` is what :func:`cfeval.score` returns; its writers (CSV, XLSX, JSON,
Parquet) live in :mod:`cfeval.scoring.export`. Provenance is assembled from what earlier
stages already decided: the framework's fingerprint was taken when the framework was
loaded, the data's when the files were read; nothing is read again here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cfeval._io import atomic_write
from cfeval.errors import UsageError
from cfeval.i18n import Msg

if TYPE_CHECKING:
    import pandas as pd

    from cfeval.data.load import Dataset
    from cfeval.framework.model import Framework

__all__ = ["ScoreResult", "SCORE_COLUMNS", "provenance"]

SCORE_COLUMNS = [
    "community_id", "wave", "path", "node_id", "kind", "level", "score", "points", "max_points",
    "ci_low", "ci_high", "df", "n", "coverage", "potential_gain", "status", "grade",
    "grade_status",
]  # fmt: skip
FORMATS = (".csv", ".xlsx", ".json", ".parquet")


@dataclass
class ScoreResult:
    """Scores of every community × wave × framework node, with their context.

    ``scores``, ``by_group``, ``communities`` and ``notes`` are the frames described in
    docs/architecture.md; ``report`` is the data report of the input; ``provenance``
    records the cfeval version, framework fingerprint, data fingerprints and settings.

    >>> result = cfeval.score(fw, survey=survey, audit=audit)  # doctest: +SKIP
    >>> result.write("scores.xlsx")  # doctest: +SKIP
    """

    framework: Framework
    scores: pd.DataFrame
    by_group: pd.DataFrame
    communities: pd.DataFrame
    notes: pd.DataFrame
    report: Any = None
    provenance: dict[str, Any] = field(default_factory=dict)
    treatment: pd.DataFrame | None = None
    """Index block: what outlier treatment did to each indicator (else None)."""
    treated_points: pd.DataFrame | None = None
    """Index block: every treated value (community, wave, indicator, before, after)."""
    index: Any = None
    """Index block: the nominal run (inputs and choices) that :func:`cfeval.sensitivity` varies."""
    proposals: pd.DataFrame | None = None
    """The children's proposal log's usable rows (``Dataset.proposals``; None without a
    log), for the reports' "You said, we did"; never written to the exports."""

    def to_frame(self) -> pd.DataFrame:
        """The tidy scores (one row per community × wave × node), a copy; with an index
        block also ``imputed`` (the value rests on an imputed indicator value)."""
        extra = ["imputed"] if "imputed" in self.scores.columns else []
        return self.scores[[*SCORE_COLUMNS, *extra]].copy()

    def by_group_frame(self) -> pd.DataFrame:
        """Survey indicators by respondent group (children, parents, ...), a copy."""
        return self.by_group.copy()

    def community(self, community_id: str, wave: str | None = None) -> pd.DataFrame:
        """The score rows of one community (all waves, or one), for reports.

        Raises :class:`~cfeval.errors.UsageError` for an unknown community or wave.
        """
        df = self.scores
        rows = df[df["community_id"] == str(community_id)]
        if wave is not None:
            rows = rows[rows["wave"] == str(wave)]
        if rows.empty:
            known = sorted(set(df["community_id"]))
            known_text = ", ".join(known[:10]) + (" ..." if len(known) > 10 else "")
            if wave is None:
                raise UsageError(
                    Msg(
                        "no scores for community {community!r}; known: {known}",
                        community=community_id,
                        known=known_text,
                    )
                )
            raise UsageError(
                Msg(
                    "no scores for community {community!r} wave {wave!r}; known: {known}",
                    community=community_id,
                    wave=wave,
                    known=known_text,
                )
            )
        return rows.reset_index(drop=True)

    def to_json(self) -> str:
        """All frames, the data-issue summary and provenance as one JSON document."""
        from cfeval.scoring.export import to_json

        return to_json(self)

    def write(self, path: str | Path, *, lang: str | None = None) -> Path:
        """Write the results; the format follows the suffix (.csv, .xlsx, .json, .parquet).

        CSV and Parquet hold the tidy scores; JSON and XLSX hold everything. ``lang``
        (``zh`` or ``en``) names the XLSX's sheets and headers in one language; without
        it they carry both, as "中文 English", for readers of either.
        """
        from cfeval.i18n import resolve_lang

        path = Path(path)
        suffix = path.suffix.lower()
        if suffix not in FORMATS:
            raise UsageError(
                Msg(
                    "cannot write {path!r}: use a .csv, .xlsx, .json or .parquet file name",
                    path=str(path),
                )
            )
        if not path.parent.exists():
            raise UsageError(
                Msg(
                    "cannot write {path!r}: folder {folder!r} does not exist",
                    path=str(path),
                    folder=str(path.parent),
                )
            )
        lang = None if lang is None else resolve_lang(lang)
        writers = {
            ".csv": self._write_csv,
            ".json": self._write_json,
            ".parquet": self._write_parquet,
            ".xlsx": lambda fh: self._write_xlsx(fh, lang),
        }
        atomic_write(path, writers[suffix])
        return path

    # -- writers (each takes an open binary file) ---------------------------------------

    def _write_csv(self, fh) -> None:
        from cfeval.scoring.export import write_csv

        write_csv(self, fh)

    def _write_json(self, fh) -> None:
        fh.write(self.to_json().encode("utf-8"))

    def _write_parquet(self, fh) -> None:
        self.to_frame().to_parquet(fh, index=False)

    def _write_xlsx(self, fh, lang: str | None = None) -> None:
        from cfeval.scoring.export import write_xlsx

        write_xlsx(self, fh, lang)


def provenance(fw: Framework, data: Dataset) -> dict[str, Any]:
    """What produced a result: cfeval version, framework fingerprint, data fingerprints, settings.

    The framework's fingerprint is the one taken when it was loaded (the sha256 of its
    file); a framework built in Python is fingerprinted by its content. Data files are
    named without their folder (so outputs do not depend on where the files lie), with
    the sha256 the data stage took of their bytes (of their content for frames).
    """
    import dataclasses

    from cfeval import __version__

    entries = []
    for f in data.files:
        info = dataclasses.asdict(f) if dataclasses.is_dataclass(f) else dict(vars(f))
        entry = {k: v for k, v in info.items() if isinstance(v, (str, int, float)) or v is None}
        for key in ("path", "file", "name"):
            if isinstance(entry.get(key), str):
                entry[key] = Path(entry[key]).name
        entries.append(entry)
    s = fw.scoring
    return {
        "cfeval_version": __version__,
        "framework": {"id": fw.id, "version": fw.version, "sha256": _framework_sha256(fw)},
        "data": entries,
        "settings": {
            "method": s.method,
            "missing": s.missing,
            "ci_level": s.ci_level,
            "bonus_cap": s.bonus_cap,
        },
    }


def _framework_sha256(fw: Framework) -> str:
    import hashlib

    if fw.source_sha256:
        return fw.source_sha256
    return hashlib.sha256(fw.model_dump_json().encode("utf-8")).hexdigest()
