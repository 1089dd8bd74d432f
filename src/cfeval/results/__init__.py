"""Stage 4, results: what a ScoreResult means (peers, ranks, strengths, priorities, gaps
between groups) as tidy tables, for reports, notebooks and the CLI alike.
"""
