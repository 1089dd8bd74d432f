"""Stage 3, scoring: a Framework and a Dataset become a
:class:`~cfeval.scoring.result.ScoreResult` (scores, intervals, grades, provenance), which
knows how to write itself as CSV, XLSX, JSON or Parquet.
"""
