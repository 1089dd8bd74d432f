"""Stage 8: the local web workbench (``cfeval serve``) for people who do not use a terminal.

Server-rendered pages (Starlette, Jinja2 with autoescape, the CLI's catalogue of words)
over the same library functions as the command line: frameworks, field kit, data checks,
scores and reports. See :func:`cfeval.web.server.serve` and docs/architecture.md.
"""
