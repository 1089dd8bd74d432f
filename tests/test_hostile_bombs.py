"""Parser bombs (YAML frameworks and mapping files, XLSX workbooks) are refused early.

Every bomb is generated here, run through every command, and refused with a clear
message; the refusal is bounded by a memory check (tracemalloc peak) and an alarm guard.
benchmarks/bench_hostile.py prints the time and peak memory of each.
"""

from __future__ import annotations

import pytest
from hostile_inputs import bounded, chengdu_data, cli, every_command, xlsx_bombs, yaml_bombs

from cfeval.errors import DataError, FrameworkError, UsageError
from cfeval.framework.yaml_limits import yaml_limit_problem

YAML = yaml_bombs()


@pytest.mark.parametrize("name", sorted(YAML))
def test_yaml_bomb_framework_is_refused_with_its_line(name, tmp_path):
    from cfeval.framework.loader import load_framework

    path = tmp_path / f"{name}.yaml"
    path.write_text(YAML[name], encoding="utf-8")
    with bounded(seconds=20, megabytes=50), pytest.raises(FrameworkError) as err:
        load_framework(path)
    problem = err.value.problems[0]
    assert problem.line is not None and problem.file == str(path)
    assert len(err.value.problems) == 1
    run = cli("check", path)
    assert run.exit_code == 2 and f"{path}:{problem.line}:" in run.output, run.output


@pytest.mark.parametrize("name", sorted(YAML))
def test_yaml_bomb_mapping_is_refused_by_every_command(name, tmp_path):
    from cfeval.data.mapping import load_mapping

    path = tmp_path / f"{name}.yaml"
    path.write_text(YAML[name].replace("id: ", "respondent: "), encoding="utf-8")
    survey, audit = chengdu_data(tmp_path / "d")
    data = ["--survey", survey, "--audit", audit, "--mapping", path]
    with bounded(seconds=20, megabytes=50), pytest.raises(UsageError, match="refused"):
        load_mapping(path)
    runs = every_command(tmp_path, data)
    for command, run in runs.items():
        assert run.exit_code == 2, (command, run.output)
        assert f"{path}:" in run.output and "mapping file refused" in run.output, run.output


def test_ordinary_anchors_and_aliases_still_load():
    text = "a: &x {k: [1, 2, 3]}\nb: *x\nc: *x\n"
    assert yaml_limit_problem(text) is None
    assert yaml_limit_problem("n: 123456789012345678901234567890\n") is None  # 30 digits
    assert yaml_limit_problem("s: '" + "9" * 100 + "'\n") is None  # quoted: text


@pytest.fixture(scope="module")
def xlsx(tmp_path_factory):
    return xlsx_bombs(tmp_path_factory.mktemp("xlsx"))


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("rows-3M", "more than 200,000 rows"),
        ("rows-300k", "more than 200,000 rows"),
        ("far-row", "more than 200,000 rows"),
        ("wide", "more than 2,000 columns"),
        ("huge-cell", "more than 32,767 characters"),
    ],
)
def test_xlsx_bomb_is_refused(xlsx, name, message, tmp_path):
    from cfeval.data.load import load_data
    from cfeval.framework.loader import load_framework

    fw = load_framework("chengdu-community")
    with bounded(seconds=30, megabytes=200), pytest.raises(DataError, match=message):
        load_data(fw, survey=xlsx[name])
    runs = every_command(tmp_path, ["--survey", xlsx[name]])
    for command, run in runs.items():
        assert run.exit_code == 1 and message in run.output, (command, run.output)


def _workbook(path, sheets: dict[str, list[list]], hidden=()):
    from openpyxl import Workbook

    wb = Workbook()
    wb.remove(wb.active)
    for title, rows in sheets.items():
        ws = wb.create_sheet(title)
        for row in rows:
            ws.append(row)
        if title in hidden:
            ws.sheet_state = "hidden"
    wb.save(path)
    return path


def test_sheet_rule_never_reads_a_hidden_sheet_silently(tmp_path):
    import pandas as pd

    from cfeval.data.load import load_data
    from cfeval.framework.loader import load_framework

    fw = load_framework("chengdu-community")
    survey, _ = chengdu_data(tmp_path / "d")
    rows = pd.read_csv(survey, dtype=str, keep_default_na=False)
    good = [list(rows.columns), *rows.to_numpy().tolist()]
    bad = [list(rows.columns), *[[*r[:9], *["1"] * (len(r) - 9)] for r in good[1:]]]
    # A hidden first sheet and one visible sheet: the visible one is read.
    path = _workbook(tmp_path / "h.xlsx", {"old": bad, "answers": good}, hidden={"old"})
    ds = load_data(fw, survey=path)
    assert ds.report.files[0].sheet == "answers"
    # Two visible sheets, neither named like a survey: refused, every sheet listed.
    path = _workbook(tmp_path / "two.xlsx", {"a": good, "b": good, "c": bad}, hidden={"c"})
    with pytest.raises(UsageError, match=r"3 sheets \(a, b, c \(hidden\)\).*--sheet"):
        load_data(fw, survey=path)
    run = cli("score", "chengdu-community", "--survey", path)
    assert run.exit_code == 2 and "c (hidden)" in run.output
    # Named like the data kind: chosen.
    path = _workbook(tmp_path / "named.xlsx", {"说明": [["x"]], "问卷 survey": good})
    assert load_data(fw, survey=path).report.files[0].sheet == "问卷 survey"
    # A hidden sheet named explicitly is read.
    path = _workbook(tmp_path / "h2.xlsx", {"old": bad, "answers": good}, hidden={"old"})
    assert load_data(fw, survey=path, sheet="old").report.files[0].sheet == "old"


def test_formula_without_cached_value_is_reported(tmp_path):
    from openpyxl import Workbook

    from cfeval.data.load import load_data
    from cfeval.framework.loader import load_framework

    fw = load_framework("chengdu-community")
    wb = Workbook()
    ws = wb.active
    ws.append(["community_id", "wave", "respondent", "respondent_id", "c_voice_listen"])
    ws.append(["CD-CH-001", 1, "child", "k1", "=1+2"])  # openpyxl saves no value
    ws.append(["CD-CH-001", 1, "child", "k2", 3])
    wb.save(tmp_path / "f.xlsx")
    report = load_data(fw, survey=tmp_path / "f.xlsx").report
    found = [i for i in report.issues if i.code == "formula-without-value"]
    assert [(i.row, i.column) for i in found] == [(2, "c_voice_listen")]
