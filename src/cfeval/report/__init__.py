"""Stage 5, report: charts, words and templates that turn results into PDFs (WeasyPrint), and
the Markdown reference of a framework.
"""
