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

# Wide enough that rich tables and trees do not wrap lines the tests read; English unless a
# test asks otherwise (the language comes from the environment, see test_lang_*).
runner = CliRunner(env={"COLUMNS": "200", "CFEVAL_LANG": "en"})


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
    assert "refused, 1 problem: run `cfeval check bad`" in " ".join(result.stdout.split())


def test_frameworks_show_prints_the_tree_in_the_chosen_language():
    result = runner.invoke(app, ["frameworks", "show", str(FULL), "--lang", "en"])
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "Test framework (all features) (fixture-full 1.0, points mode, total 100)" in out
    assert "Children's council (children_council) · 10 points" in out
    assert "Document review · audit checklist field `has_council` · rule yes_no" in out
    assert "Survey · survey of Children, Parents, 3 items · rule scale_mean" in out
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
    # --lang zh also makes the message Chinese
    assert result.stderr == "错误：fixture-index 没有 'zh' 语言的文字；它的语言：en\n"
    en = runner.invoke(app, ["--lang", "en", "frameworks", "show", str(FIXTURES / "index.yaml")])
    assert en.exit_code == 0, en.output  # an English-only framework speaks English
    zh = CliRunner(env={"COLUMNS": "200", "CFEVAL_LANG": "zh"}).invoke(
        app, ["frameworks", "show", str(FIXTURES / "index.yaml")]
    )
    # a language from the environment is not a demand: the labels fall back, the words do not
    assert zh.exit_code == 0, zh.output
    assert "Services (services) · 权重 2" in zh.stdout


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
    # the export's system columns (提交答卷时间 ...) are only `unknown-column` notes: exit 0
    assert result.exit_code == 0, result.output
    # the children's answers arrived: a child-survey indicator has a score with n > 0
    import pandas as pd

    frame = pd.read_csv(out)
    voice = frame[frame["node_id"] == "children_voice"]
    assert len(voice) > 0 and (voice["n"] > 0).all()


# --------------------------------------------------------------------------- language


def _speaking(lang_env: dict[str, str | None]) -> CliRunner:
    """A runner whose environment names a locale; every other language variable unset."""
    env = {"COLUMNS": "200", "CFEVAL_LANG": None, "LC_ALL": None, "LC_MESSAGES": None}
    env.update({"LANGUAGE": None, "LANG": None, **lang_env})
    return CliRunner(env=env)


def test_lang_zh_before_the_command_gives_chinese_help():
    result = runner.invoke(app, ["--lang", "zh", "--help"])
    assert result.exit_code == 0
    out = result.stdout
    assert out.startswith("用法： cfeval [OPTIONS] COMMAND [ARGS]...")
    for needle in ("评估社区的儿童友好程度", "选项", "命令", "显示本帮助并退出。"):
        assert needle in out, needle
    assert re.search(r"check +检查评价框架", out)  # the column width follows the longest name
    assert "Show this message" not in out and "Evaluate how" not in out


def test_lang_zh_command_help_translates_every_option():
    result = runner.invoke(app, ["--lang", "zh", "check", "--help"])
    assert result.exit_code == 0
    out = " ".join(result.stdout.split())
    for needle in (
        "检查评价框架；给出 --survey/--audit 时，再按框架检查数据。",
        "--out <path> 把全部数据问题写入这个 CSV 文件。",
        "--survey FILE 问卷数据文件",
        "[必填]",
    ):
        assert needle in out.replace("-o, ", ""), needle
    assert re.search(r"[A-Za-z]{4,}\.", out.split("参数")[1].replace("CSV", "")) is None


@pytest.mark.parametrize(
    ("env", "chinese"),
    [
        ({"LANG": "zh_CN.UTF-8"}, True),
        ({"LANG": "zh_TW.UTF-8"}, True),
        ({"LANG": "en_GB.UTF-8"}, False),
        ({"LANG": "zh_CN.UTF-8", "CFEVAL_LANG": "en"}, False),
        ({"LANG": "C"}, False),
    ],
)
def test_lang_default_comes_from_the_locale(env, chinese):
    result = _speaking(env).invoke(app, ["--help"])
    assert result.exit_code == 0
    assert ("评估社区的儿童友好程度" in result.stdout) is chinese
    assert ("Evaluate how child-friendly" in result.stdout) is not chinese


def test_lang_flag_beats_the_locale_and_works_after_the_command():
    zh_locale = _speaking({"LANG": "zh_CN.UTF-8"})
    result = zh_locale.invoke(app, ["check", str(FULL), "--lang", "en"])
    assert result.exit_code == 0, result.output
    assert "Framework" in result.stdout and "valid" in result.stdout
    result = runner.invoke(app, ["check", str(FULL), "--lang", "zh"])
    assert result.exit_code == 0, result.output
    assert f"评价框架 {FULL}：有效" in " ".join(result.stdout.split())


def test_chinese_error_messages_from_click_and_from_cfeval():
    missing = runner.invoke(app, ["--lang", "zh", "score"])
    assert missing.exit_code == 2
    assert missing.stderr.splitlines() == [
        "用法： cfeval score [OPTIONS] {FRAMEWORK}",
        "运行 'cfeval score --help' 查看帮助。",
        "",
        "错误：缺少参数 'FRAMEWORK'。",
    ]
    no_data = runner.invoke(app, ["--lang", "zh", "score", str(FULL)])
    assert no_data.exit_code == 2
    assert no_data.stderr == "错误：请给出数据：--survey 文件 和/或 --audit 文件\n"
    workers = runner.invoke(app, ["--lang", "zh", "demo", "--workers", "0"])
    assert workers.exit_code == 2
    assert workers.stderr.endswith("错误：'--workers' 的值无效：不能小于 1\n")
    typo = runner.invoke(app, ["--lang", "zh", "scor"])
    assert typo.exit_code == 2 and "没有命令 'scor'。是否想输入 'score'？" in typo.stderr


def test_an_unknown_language_is_a_usage_error_in_the_environment_language():
    result = runner.invoke(app, ["--lang", "fr", "check", str(FULL)])
    assert result.exit_code == 2
    assert result.stderr.endswith(
        "Error: Invalid value for '--lang': unknown language 'fr'; choose one of: zh, en\n"
    )
    assert result.stdout == ""


def test_the_language_does_not_leak_out_of_a_run(monkeypatch):
    import gettext
    import os

    monkeypatch.delenv("CFEVAL_LANG", raising=False)
    monkeypatch.delenv("LANGUAGE", raising=False)
    domain = gettext.textdomain()
    CliRunner().invoke(app, ["--lang", "zh", "--help"])
    assert "CFEVAL_LANG" not in os.environ and "LANGUAGE" not in os.environ
    assert gettext.textdomain() == domain


def _cli_catalogue() -> dict:
    from babel.messages.pofile import read_po

    from cfeval.i18n import LOCALE_DIR

    with (LOCALE_DIR / "zh" / "LC_MESSAGES" / "cli.po").open("rb") as fh:
        return {m.id if isinstance(m.id, str) else m.id[0]: m.string for m in read_po(fh) if m.id}


def test_every_help_text_and_message_of_the_cli_is_in_the_catalogue():
    """Help texts (walked from the commands) and messages (extracted from the code)."""
    import inspect

    from babel.messages.extract import extract_from_dir

    catalogue = _cli_catalogue()
    wanted = set()
    for _, command in ALL_COMMANDS:
        wanted.add(inspect.cleandoc(command.help))
        wanted |= {inspect.cleandoc(p.help) for p in command.params if getattr(p, "help", None)}
    keywords = {"w": None, "N_": None, "n": (1, 2)}
    for *_, message, _, _ in extract_from_dir(ROOT / "src" / "cfeval" / "cli", keywords=keywords):
        wanted.add(message if isinstance(message, str) else message[0])
    missing = sorted(m for m in wanted if not catalogue.get(m))
    assert not missing, "not in locale/zh/LC_MESSAGES/cli.po:\n" + "\n".join(missing)


def test_help_in_both_languages_stays_within_the_startup_imports():
    """`cfeval --lang zh --help` reads the compiled catalogue with the standard library."""
    code = (
        "import sys\n"
        "from cfeval.cli.app import main\n"
        "sys.argv = ['cfeval', '--lang', 'zh', 'check', '--help']\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "print('MODULES', ' '.join(sorted(sys.modules)))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert "检查评价框架" in out
    loaded = set(out.split("MODULES", 1)[1].split())
    # (typer itself brings pydantic in to describe option types)
    heavy = {"babel", "pandas", "numpy", "matplotlib", "weasyprint", "rich.table"}
    assert loaded & heavy == set()


# --------------------------------------------------------------------------- ci_level


def test_score_labels_the_interval_with_the_frameworks_level(index_framework, tmp_path):
    from cfeval.sample.generate import generate

    survey, audit = generate(index_framework, seed=3, broken=False)
    survey.to_csv(tmp_path / "s.csv", index=False)
    audit.to_csv(tmp_path / "a.csv", index=False)
    args = ["score", str(FIXTURES / "index.yaml"), "--survey", str(tmp_path / "s.csv")]
    args += ["--audit", str(tmp_path / "a.csv")]
    assert index_framework.scoring.ci_level == 0.9
    for lang, header in (("en", "90% CI"), ("zh", "90% 置信区间")):
        result = runner.invoke(app, [*args, "--lang", lang])
        assert result.exit_code == 0, result.output
        assert header in result.stdout and "95%" not in result.stdout


# --------------------------------------------------------------------------- sample, reference


def _tree(folder: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()
    }


def test_sample_writes_the_same_bytes_for_the_same_seed(tmp_path):
    args = ["sample", "--framework", str(FULL), "--seed", "3", "-o"]
    first = runner.invoke(app, [*args, str(tmp_path / "one")])
    assert first.exit_code == 0, first.output
    assert "survey.xlsx" in first.stdout and "bytes" in first.stdout
    files = _tree(tmp_path / "one")
    assert {"fixture/survey.csv", "fixture/audit.csv", "fixture/wjx_text_export.xlsx"} <= set(files)
    assert "cfeval sample --out sample_data --seed 3" in files["README.md"].decode("utf-8")
    assert runner.invoke(app, [*args, str(tmp_path / "two")]).exit_code == 0
    assert _tree(tmp_path / "two") == files
    assert runner.invoke(app, [*args[:-3], "--seed", "4", "-o", str(tmp_path / "4")]).exit_code == 0
    assert _tree(tmp_path / "4")["fixture/survey.csv"] != files["fixture/survey.csv"]


def test_sample_of_a_missing_framework_is_a_usage_error(tmp_path):
    result = runner.invoke(
        app, ["sample", "--framework", str(tmp_path / "nope.yaml"), "-o", str(tmp_path / "o")]
    )
    assert result.exit_code == 2
    assert "nope.yaml" in result.stderr and "Traceback" not in result.output
    assert not (tmp_path / "o").exists()


def test_reference_writes_what_the_docs_folder_holds(tmp_path):
    from cfeval.framework.loader import shipped_frameworks

    result = runner.invoke(app, ["reference", str(tmp_path), "--lang", "en"])
    assert result.exit_code == 0, result.output
    names = sorted(Path(line).name for line in result.stdout.split())
    assert names == sorted(f"{fid}.md" for fid, _ in shipped_frameworks())
    for name in names:
        assert (tmp_path / name).read_bytes() == (ROOT / "docs" / "frameworks" / name).read_bytes()
    zh = runner.invoke(app, ["reference", str(tmp_path / "zh"), "--lang", "zh"])
    assert zh.exit_code == 0, zh.output
    text = (tmp_path / "zh" / "chengdu-community.md").read_text(encoding="utf-8")
    assert "本文件由 `cfeval reference` 根据" in text


def test_the_private_parsers_are_gone():
    import importlib.util

    from cfeval.report import reference
    from cfeval.sample import generate

    assert not hasattr(reference, "main") and not hasattr(generate, "main")
    assert importlib.util.find_spec("cfeval.sample.__main__") is None


def test_architecture_map_names_every_module():
    """docs/architecture.md is the map newcomers read: a module missing from it is a gap."""
    doc = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    package = ROOT / "src" / "cfeval"
    missing = []
    for path in sorted(package.rglob("*.py")):
        rel = path.relative_to(package)
        if path.name == "__init__.py" and len(rel.parts) > 1:
            continue  # a stage folder is named by its heading row
        if rel.parts[:2] == ("framework", "rules"):
            continue  # one module per rule type, named by the rules/ row
        if f"`{rel.as_posix()}`" not in doc and f"`{path.name}`" not in doc:
            missing.append(rel.as_posix())
    assert not missing, "add to docs/architecture.md: " + ", ".join(missing)
    assert "tests/test_layout.py" in doc and "## Where to change what" in doc


# --------------------------------------------------------------------------- leaving


def test_leave_waits_for_threads_runs_exit_handlers_and_keeps_the_code():
    """The console script ends without the interpreter's teardown, but not without what a
    normal exit does: threads finish, exit handlers run, buffered output is written."""
    code = (
        "import atexit, sys, threading, time\n"
        "from cfeval.cli.app import leave\n"
        "atexit.register(lambda: print('handler', flush=False))\n"
        "def work():\n    time.sleep(0.2)\n    print('thread done', flush=False)\n"
        "threading.Thread(target=work).start()\n"
        "sys.stdout.write('buffered ' * 5000)\n"
        "leave(3)\n"
        "print('never')\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 3
    assert done.stdout.count("buffered") == 5000
    assert done.stdout.rstrip().endswith("thread done\nhandler")
    assert "never" not in done.stdout
    said = subprocess.run(
        [sys.executable, "-c", "from cfeval.cli.app import leave\nleave('no such thing')"],
        capture_output=True,
        text=True,
    )
    assert (said.returncode, said.stderr.strip()) == (1, "no such thing")


def test_the_console_script_exit_codes(tmp_path):
    """`python -m cfeval` (the console script's path): 0 ok, 1 data problems with the file
    still written, 2 a usage error; the output streams arrive whole."""
    run = [sys.executable, "-m", "cfeval"]
    ok = subprocess.run([*run, "frameworks"], capture_output=True, text=True)
    assert ok.returncode == 0 and "chengdu-community" in ok.stdout
    out = tmp_path / "scores.csv"
    data = ROOT / "sample_data" / "chengdu"
    args = ["score", "chengdu-community", "--survey", str(data / "survey.csv")]
    args += ["--audit", str(data / "audit.csv"), "-o", str(out)]
    scored = subprocess.run([*run, *args], capture_output=True, text=True)
    assert scored.returncode == 1  # the sample data has problems; the scores are written
    assert out.is_file() and "wrote" in scored.stdout
    wrong = subprocess.run([*run, "score", str(tmp_path / "none.yaml")], capture_output=True)
    assert wrong.returncode == 2
