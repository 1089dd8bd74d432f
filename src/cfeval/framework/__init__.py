"""Stage 1, the framework: the YAML format, its checks, and the loader.

Where to change what:

- ``model.py``: the pydantic models of the format (tree, scales, fields, scoring, bonus, veto);
- ``rules/``: one module per rule type (parameters, whole-file checks, scoring, words,
  synthetic-data inverse) and ``rules/registry.py``, the dict that lists them;
- ``consistency.py``: ``cross_check``, the checks that need the whole file
  (``locations.py`` says where things are);
- ``loader.py``: YAML file or text → ``Framework``, with ``file:line:col`` problems
  (``yaml_text.py`` reads YAML with positions, ``messages.py`` puts pydantic's errors into words);
- ``vocabulary.py``: the words for the format's keywords (methods, sources, field types);
- ``check.py``: the library verbs behind ``cfeval check`` (``check_framework``,
  ``framework_summary``).

Every sentence a person reads is an English message id with its Chinese in
``locale/zh/LC_MESSAGES/framework.po``.
"""
