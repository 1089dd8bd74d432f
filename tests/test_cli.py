"""The command line: each command, error mapping, help texts, start-up imports, docs."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

import cfeval
import cfeval._paths
from cfeval.cli.app import app
from cfeval.framework.loader import framework_schema

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).parent / "fixtures" / "frameworks"
FULL = FIXTURES / "full.yaml"
BROKEN = FIXTURES / "broken"

# Wide enough that rich tables and trees do not wrap lines the tests read.
runner = CliRunner(env={"COLUMNS": "200"})


def _commands(command, prefix: tuple[str, ...] = ()):
    """Every command and group under ``command``, as (words after `cfeval`, command)."""
    yield prefix, command
    # typer vendors its own click, so duck-type rather than isinstance(click.Group)
    if hasattr(command, "commands"):
        for name, sub in command.commands.items():
            yield from _commands(sub, (*prefix, name))


ALL_COMMANDS = list(_commands(typer.main.get_command(app)))


@pytest.fixture
def fixtures_as_shipped(monkeypatch):
    monkeypatch.setattr(cfeval._paths, "shipped_dir", lambda name: FIXTURES)


def test_version():
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0
    assert result.stdout.strip() == f"cfeval {cfeval.__version__}"


def test_version_matches_the_installed_package():
    from importlib.metadata import version

    assert cfeval.__version__ == version("cfeval")


def test_frameworks_lists_id_version_title_and_indicator_count(fixtures_as_shipped):
    result = runner.invoke(app, ["frameworks", "--lang", "en"])
    assert result.exit_code == 0, result.output
    rows = [
        re.split(r"\s*│\s*", line.strip("│ "))
        for line in result.stdout.splitlines()
        if "Test framework" in line
    ]
    assert rows == [
        ["full", "1.0", "Test framework (all features)", "7"],
        ["index", "2.1", "Test framework (index mode)", "4"],
    ]


def test_frameworks_flags_a_broken_shipped_file(monkeypatch, tmp_path):
    shutil.copy(FULL, tmp_path / "good.yaml")
    shutil.copy(BROKEN / "duplicate_id.yaml", tmp_path / "bad.yaml")
    monkeypatch.setattr(cfeval._paths, "shipped_dir", lambda name: tmp_path)
    result = runner.invoke(app, ["frameworks"])
    assert result.exit_code == 2
    assert "refused, 1 problems: run `cfeval check bad`" in " ".join(result.stdout.split())


def test_frameworks_show_prints_the_tree_in_the_chosen_language():
    result = runner.invoke(app, ["frameworks", "show", str(FULL), "--lang", "en"])
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "Test framework (all features) (fixture-full 1.0, points mode, total 100)" in out
    assert "Children's council (children_council) · 10 points" in out
    assert "document review · audit field `has_council` · rule yes_no" in out
    assert "survey · survey of child, parent, 3 items · rule scale_mean" in out
    assert "Five-society linkage (five_society) · up to 5 points" in out
    assert "T/ZSX 3-2020" in out
    # the tree nests: the indicator sits two levels below its top dimension
    council = next(line for line in out.splitlines() if "(children_council)" in line)
    dimension = next(line for line in out.splitlines() if "(participation)" in line)
    assert council.index("Children's council") > dimension.index("Child participation") + 4
    zh = runner.invoke(app, ["frameworks", "show", str(FULL), "--lang", "zh"]).stdout
    assert "儿童议事会 (children_council)" in zh


def test_frameworks_show_index_mode_gives_weights():
    result = runner.invoke(app, ["frameworks", "show", str(FIXTURES / "index.yaml")])
    assert result.exit_code == 0, result.output
    assert "index mode, 0-100" in result.stdout
    assert "Services (services) · weight 2" in result.stdout
    assert "Lighting (lights) · weight 0.5" in result.stdout


def test_check_valid_framework_prints_a_summary():
    result = runner.invoke(app, ["check", str(FULL)])
    assert result.exit_code == 0, result.output
    rows = dict(
        re.split(r"\s*│\s*", line.strip("│ "), maxsplit=1)
        for line in result.stdout.splitlines()
        if line.startswith("│")
    )
    assert rows["framework"] == "fixture-full 1.0"
    assert rows["total"] == "100 points (declared total 100)"
    assert rows["dimensions"] == "3"
    assert rows["indicators"] == "7"
    assert rows["by source"] == "audit 3, records 2, survey 2"
    assert rows["by method"] == "document_review 1, field_inspection 2, records 2, survey 2"
    assert rows["survey items"] == "5"
    assert rows["bonus items"] == "1 (cap 5)"


def test_check_broken_framework_lists_every_problem_and_exits_2():
    path = BROKEN / "several_problems.yaml"
    result = runner.invoke(app, ["check", str(path)])
    assert result.exit_code == 2
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert lines[0] == f"Error: {path}: framework refused, 5 problems:"
    assert (
        lines[1]
        == f'  {path}:3:10  version  expected text, got the number 1.0; put it in quotes ("1.0")'
    )
    assert len(lines) == 6
    assert "Traceback" not in result.output


def test_check_unknown_framework_is_a_usage_error(fixtures_as_shipped):
    result = runner.invoke(app, ["check", "indx"])
    assert result.exit_code == 2
    assert "Did you mean 'index'?" in result.stderr


def test_bugs_keep_their_traceback(monkeypatch):
    import cfeval.framework.loader

    def broken(_):
        raise RuntimeError("a bug")

    monkeypatch.setattr(cfeval.framework.loader, "load_framework", broken)
    result = runner.invoke(app, ["check", str(FULL)])
    assert isinstance(result.exception, RuntimeError)
    assert result.exit_code == 1


def test_schema_prints_the_json_schema():
    result = runner.invoke(app, ["schema"])
    assert result.exit_code == 0
    assert json.loads(result.stdout) == framework_schema()


def test_schema_writes_a_file(tmp_path):
    out = tmp_path / "framework.schema.json"
    result = runner.invoke(app, ["schema", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert json.loads(out.read_text(encoding="utf-8")) == framework_schema()
    assert [p.name for p in tmp_path.iterdir()] == [out.name]  # no temporary file left


def test_schema_into_a_missing_folder_is_a_usage_error(tmp_path):
    result = runner.invoke(app, ["schema", "-o", str(tmp_path / "no" / "schema.json")])
    assert result.exit_code == 2
    assert "does not exist" in result.stderr


@pytest.mark.parametrize(
    "words, command", ALL_COMMANDS, ids=lambda x: " ".join(x) if isinstance(x, tuple) else ""
)
def test_every_command_has_help(words, command):
    assert (command.help or "").strip(), f"`cfeval {' '.join(words)}` has no help text"
    for param in command.params:
        if param.param_type_name == "option" and not getattr(param, "hidden", False):
            assert (param.help or "").strip(), (
                f"option {param.opts} of `cfeval {' '.join(words)}` has no help"
            )
    result = runner.invoke(app, [*words, "--help"])
    assert result.exit_code == 0


@pytest.mark.parametrize("words", [w for w, _ in ALL_COMMANDS if w], ids=" ".join)
def test_every_command_is_in_the_readme(words):
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    # a whole command, so "cfeval scores" does not count as documenting `cfeval score`
    assert re.search(rf"cfeval {re.escape(' '.join(words))}(?![\w-])", readme)


def test_readme_gives_the_two_set_up_commands_ci_runs():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8").strip().splitlines()
    assert ci[-2:] == ["bash scripts/setup.sh", "python -m pytest -q"]
    blocks = re.findall(r"```bash\n(.*?)```", readme.split("## Set up")[1].split("\n## ")[0], re.S)
    assert [b.strip() for b in blocks] == [
        "bash scripts/setup.sh && cfeval demo",
        "python -m pytest -q",
    ]


def test_cli_start_up_imports_nothing_heavy():
    code = "import sys, cfeval.cli.app; print(' '.join(sorted(sys.modules)))"
    loaded = set(
        subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, check=True
        ).stdout.split()
    )
    heavy = {"pandas", "numpy", "matplotlib", "weasyprint", "scipy", "pyarrow", "openpyxl"}
    assert loaded & heavy == set()


def test_python_dash_m_cfeval_runs_the_same_cli():
    result = subprocess.run(
        [sys.executable, "-m", "cfeval", "check", str(BROKEN / "tab.yaml")],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 2
    assert "tab.yaml:57:1" in result.stderr
    assert "Traceback" not in result.stderr


def test_console_script_is_installed():
    exe = shutil.which("cfeval") or str(Path(sys.executable).parent / "cfeval")
    result = subprocess.run([exe, "--version"], capture_output=True, text=True)
    assert result.returncode == 0
    assert result.stdout.strip() == f"cfeval {cfeval.__version__}"


def test_public_api_names_resolve():
    import importlib

    for name in cfeval.__all__:
        module = cfeval._API.get(name)
        if module and importlib.util.find_spec(module) is None:
            pytest.fail(f"cfeval.{name} points at missing module {module}")
        assert getattr(cfeval, name) is not None
    assert "load_framework" in dir(cfeval)
    with pytest.raises(AttributeError):
        cfeval.no_such_name  # noqa: B018


def test_frameworks_lists_every_shipped_framework():
    from cfeval.framework.loader import shipped_frameworks

    result = runner.invoke(app, ["frameworks"])
    assert result.exit_code == 0, result.output
    listed = [
        line.split("│")[1].strip() for line in result.stdout.splitlines() if line.startswith("│")
    ]
    assert listed == [fid for fid, _ in shipped_frameworks()]
    assert listed


def test_frameworks_show_refuses_a_language_the_framework_lacks():
    result = runner.invoke(
        app, ["frameworks", "show", str(FIXTURES / "index.yaml"), "--lang", "zh"]
    )
    assert result.exit_code == 2
    assert "fixture-index has no 'zh' texts; its languages: en" in result.stderr


@pytest.mark.parametrize("command", ["check", "score", "report"])
def test_data_commands_share_the_same_data_options(command):
    # One set of data options (SurveyOpt, AuditOpt, MappingOpt, SheetOpt) for every command
    # that reads data, so a mapping file that works for `check` works for `score` too.
    cmd = typer.main.get_command(app).commands[command]
    options = {name: p for p in cmd.params for name in p.opts}
    for flag in ("--survey", "--audit", "--mapping", "--sheet"):
        assert flag in options, flag
    assert options["--survey"].multiple


def test_score_reads_a_text_export_through_its_mapping_file(tmp_path):
    data = ROOT / "sample_data" / "chengdu"
    out = tmp_path / "scores.csv"
    result = runner.invoke(
        app,
        [
            "score",
            "chengdu-community",
            "--survey",
            str(data / "wjx_text_export.xlsx"),
            "--mapping",
            str(data / "wjx_mapping.yaml"),
            "-o",
            str(out),
        ],
    )
    assert result.exit_code in (0, 1), result.output
    # the children's answers arrived: a child-survey indicator has a score with n > 0
    import pandas as pd

    frame = pd.read_csv(out)
    voice = frame[frame["node_id"] == "children_voice"]
    assert len(voice) > 0 and (voice["n"] > 0).all()
