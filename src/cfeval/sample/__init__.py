"""Synthetic sample data: a seeded generator driven by a framework, and the writer of the
shipped sample_data folder.
"""
