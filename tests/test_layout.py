"""The package is shaped like the pipeline: each stage imports only earlier stages.

framework → data → scoring → results → report → sample → cli (top-level modules such as
``errors``, ``_io`` and ``_paths`` are the floor every stage stands on). Imports inside
functions count too: a lazy import of a later stage is still a backwards arrow.
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "cfeval"
STAGES = ["framework", "data", "scoring", "results", "report", "sample", "collect", "web", "cli"]


def _stage(module: str) -> int:
    """-1 for the floor (top-level modules), else the stage's position."""
    parts = module.split(".")
    if module == "cfeval.__main__":  # `python -m cfeval` is the CLI's front door
        return len(STAGES)
    if len(parts) >= 2 and parts[1] in STAGES:
        return STAGES.index(parts[1])
    return -1


def _module_name(path: Path) -> str:
    rel = path.relative_to(PACKAGE.parent).with_suffix("")
    return ".".join(rel.parts).removesuffix(".__init__")


def _imports(path: Path, module: str) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out += [(node.lineno, a.name) for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            if base == "cfeval":  # `from cfeval import report` names a module
                out += [(node.lineno, f"cfeval.{a.name}") for a in node.names]
            else:
                out.append((node.lineno, base))
    return [(line, name) for line, name in out if name.split(".")[0] == "cfeval"]


def test_no_module_imports_a_later_stage():
    backwards = []
    for path in sorted(PACKAGE.rglob("*.py")):
        module = _module_name(path)
        for line, name in _imports(path, module):
            if _stage(name) > _stage(module):
                backwards.append(f"{path.relative_to(PACKAGE)}:{line} ({module}) imports {name}")
    assert not backwards, "imports that run against the pipeline:\n" + "\n".join(backwards)


def test_every_stage_folder_is_a_listed_package():
    """pyproject lists packages by name; a stage folder it forgets would not be installed."""
    pyproject = (PACKAGE.parents[1] / "pyproject.toml").read_text(encoding="utf-8")
    for init in PACKAGE.rglob("__init__.py"):
        name = _module_name(init)
        assert f'"{name}"' in pyproject, f"{name} is missing from pyproject's packages"


def test_the_checker_sees_a_backwards_import(tmp_path):
    """The rule itself can fail: a data module importing the report stage is caught."""
    bad = tmp_path / "bad.py"
    bad.write_text("def f():\n    from cfeval.report import entry\n", encoding="utf-8")
    names = _imports(bad, "cfeval.data.bad")
    assert names == [(2, "cfeval.report")]
    assert _stage("cfeval.report") > _stage("cfeval.data.bad")


def test_no_merge_conflict_markers_are_committed():
    # Babel reads a .po with a conflict's marker lines without complaint, so a catalogue
    # merged badly would still compile: look for the markers in every text file we ship.
    root = Path(__file__).resolve().parents[1]
    suffixes = {".py", ".po", ".yaml", ".yml", ".md", ".j2", ".css", ".js", ".toml", ".sh"}
    markers = ("<<<<<<< ", ">>>>>>> ", "=======\n")
    found = []
    for folder in ("src", "tests", "docs", "frameworks", "benchmarks", "scripts"):
        for path in (root / folder).rglob("*"):
            if path.suffix in suffixes and path.is_file():
                for n, line in enumerate(path.read_text(errors="replace").splitlines(True), 1):
                    if line.startswith(markers):
                        found.append(f"{path.relative_to(root)}:{n}")
    assert found == []
