"""``cfeval template`` and ``cfeval progress``: thin commands, exit codes, no tracebacks."""

from __future__ import annotations

import pandas as pd
import pytest
from typer.testing import CliRunner

from cfeval._paths import shipped_dir
from cfeval.cli.app import app

runner = CliRunner(env={"COLUMNS": "200", "CFEVAL_LANG": "en"})
SAMPLE = shipped_dir("sample_data") / "chengdu"


def test_template_writes_the_whole_kit_with_pdfs(tmp_path):
    from pyxform.xls2xform import convert

    kit = tmp_path / "kit"
    args = ["template", "chengdu-community", "-o", str(kit), "--community", "CD-JJ-001"]
    result = runner.invoke(app, [*args, "--lang", "zh"])
    assert result.exit_code == 0, result.output
    names = sorted(p.name for p in kit.iterdir())
    assert names == sorted(
        ["audit.xlsx", "xlsform_audit.xlsx", "proposals.xlsx", "proposals.csv"]
        + [
            f"{stem}_{g}{ext}"
            for g in ("child", "parent", "staff")
            for stem, ext in (
                ("questionnaire", ".pdf"),
                ("entry", ".xlsx"),
                ("xlsform", ".xlsx"),
                ("text", ".txt"),
            )
        ]
        + [f"text_{g}_mapping.yaml" for g in ("child", "parent", "staff")]
    )
    assert "已向" in result.output  # the kit's language is the command's
    for path in kit.glob("xlsform_*.xlsx"):
        convert(str(path), validate=False)
    assert (kit / "questionnaire_child.pdf").read_bytes().startswith(b"%PDF")


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (["template", "chengdu-community"], "Missing option '--out'"),
        (["template", "no-such-framework", "-o", "{tmp}/k"], "no framework file"),
        (
            ["template", "chengdu-community", "-o", "{tmp}/k", "--audit", "{tmp}/none.csv"],
            "not found",
        ),
        (["template", "chengdu-community", "-o", "{tmp}/file.txt"], "not a folder"),
        (["template", "chengdu-community", "-o", "{tmp}/k", "--lang", "fr"], "fr"),
        (["progress", "chengdu-community"], "--survey"),
        (["progress", "chengdu-community", "--survey", "{tmp}/none.csv"], "not found"),
        (
            [
                "progress",
                "chengdu-community",
                "--survey",
                str(SAMPLE / "survey.csv"),
                "-o",
                "{tmp}/p.json",
            ],
            ".csv or .xlsx",
        ),
    ],
)
def test_usage_mistakes_exit_2_without_a_traceback(tmp_path, args, said):
    (tmp_path / "file.txt").write_text("x", encoding="utf-8")
    args = [a.replace("{tmp}", str(tmp_path)) for a in args]
    result = runner.invoke(app, args)
    assert result.exit_code == 2, result.output
    assert said in result.output
    assert "Traceback" not in result.output
    assert not (tmp_path / "k").exists() and not (tmp_path / "p.json").exists()


def test_progress_exits_1_while_anything_is_short(tmp_path):
    out = tmp_path / "progress.csv"
    args = ["progress", "chengdu-community", "--survey", str(SAMPLE / "survey.csv")]
    result = runner.invoke(app, [*args, "--audit", str(SAMPLE / "audit.csv"), "-o", str(out)])
    assert result.exit_code == 1, result.output
    table = pd.read_csv(out, dtype={"wave": str})
    short = table[table["status"] != "ok"]
    assert set(short["community_id"]) == {"HZ-SC-001"}
    assert "HZ-SC-001" in result.output and "1 community × wave still short" in result.output


def test_progress_exits_0_when_everything_is_in(tmp_path):
    survey = pd.read_csv(SAMPLE / "survey.csv", dtype=str)
    audit = pd.read_csv(SAMPLE / "audit.csv", dtype=str)
    survey[survey["community_id"] == "CD-CH-001"].to_csv(tmp_path / "s.csv", index=False)
    audit[audit["community_id"] == "CD-CH-001"].to_csv(tmp_path / "a.csv", index=False)
    args = ["progress", "chengdu-community", "--survey", str(tmp_path / "s.csv")]
    result = runner.invoke(
        app, [*args, "--audit", str(tmp_path / "a.csv"), "-o", str(tmp_path / "p.xlsx")]
    )
    assert result.exit_code == 0, result.output
    assert "CD-CH-001" in result.output and "complete" in result.output
    assert (tmp_path / "p.xlsx").is_file()
