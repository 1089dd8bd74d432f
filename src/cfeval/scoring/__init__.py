"""Stage 3, scoring: a Framework and a validated Dataset become a
:class:`~cfeval.scoring.result.ScoreResult` (scores, intervals, grades, notes, provenance).

``engine`` (score and the tree) → ``survey`` (survey indicators) and ``rules`` (rule types)
→ ``variance`` (intervals) → ``frames`` / ``notes`` (result tables) → ``result`` (the value)
→ ``export`` (CSV, XLSX, JSON, Parquet).
"""
