"""Stage 1, the framework: the YAML format as pydantic models, its whole-file checks, and the
loader that turns a file into a :class:`~cfeval.framework.model.Framework` with file:line errors.
"""
