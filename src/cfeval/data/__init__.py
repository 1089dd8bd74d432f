"""Stage 2, data: survey and audit files (or frames) read, mapped and checked into a
:class:`~cfeval.data.load.Dataset` whose :class:`~cfeval.data.issues.DataReport` lists every
unusable cell. Later stages trust a Dataset and never re-read or re-check files.
"""
