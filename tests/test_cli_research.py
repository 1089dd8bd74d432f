"""The research commands: compare, reliability, breakdown, export (over the library verbs)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pyreadstat
import pytest
from typer.testing import CliRunner

from cfeval.cli.app import app

ROOT = Path(__file__).resolve().parents[1]
ORACLE = Path(__file__).parent / "fixtures" / "oracle" / "points.yaml"
runner = CliRunner()


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    """A clean two-wave survey and audit for the oracle framework (no data problems)."""
    import numpy as np

    folder = tmp_path_factory.mktemp("data")
    rng = np.random.default_rng(5)
    rows = []
    for cid in ("C1", "C2"):
        for wave in ("1", "2"):
            for i in range(9 if (cid, wave) == ("C2", "2") else 12):  # one parent: below min_n
                group = "child" if i < 8 else "parent"
                base = 2 + (wave == "2") + (cid == "C2")
                answers = np.clip(base + rng.integers(0, 3, 5), 1, 5)
                rows.append({"community_id": cid, "wave": wave, "respondent": group,
                             "respondent_id": f"{cid}{wave}{i}", "gender": ["f", "m"][i % 2],
                             **dict(zip(["v1", "v2", "v3", "s1", "s2"], answers.tolist(), strict=True))})  # fmt: skip
    pd.DataFrame(rows).to_csv(folder / "survey.csv", index=False)
    pd.DataFrame(
        {
            "community_id": ["C1", "C1", "C2", "C2"],
            "wave": ["1", "2", "1", "2"],
            "has_council": [0, 1, 1, 1],
            "area": [50, 60, 80, 80],
            "partners": 0,
            "incident": 0,
        }  # fmt: skip
    ).to_csv(folder / "audit.csv", index=False)
    return ["--survey", str(folder / "survey.csv"), "--audit", str(folder / "audit.csv")]


def test_compare_prints_and_writes_the_changes(files, tmp_path):
    out = tmp_path / "changes.xlsx"
    result = runner.invoke(
        app, ["compare", str(ORACLE), *files, "--waves", "1", "2", "-o", str(out), "--lang", "en"]
    )
    assert result.exit_code == 0, result.output
    assert "Change from wave 1 to wave 2" in result.stdout
    sheet = pd.read_excel(out, sheet_name="changes")
    assert set(sheet["community_id"]) == {"C1", "C2"}
    assert {"change", "ci_low", "ci_high", "change_class"} <= set(sheet.columns)


def test_compare_to_stata_and_bad_waves(files, tmp_path):
    out = tmp_path / "changes.dta"
    result = runner.invoke(app, ["compare", str(ORACLE), *files, "-o", str(out), "--lang", "zh"])
    assert result.exit_code == 0, result.output
    _, meta = pyreadstat.read_dta(str(out))
    assert meta.column_names_to_labels["change"] == "得分率变化"
    bad = runner.invoke(app, ["compare", str(ORACLE), *files, "--waves", "1", "3"])
    assert bad.exit_code == 2 and "wave '3' is not in the results" in bad.stderr
    wrong = runner.invoke(app, ["compare", str(ORACLE), *files, "-o", str(tmp_path / "x.pdf")])
    assert wrong.exit_code == 2 and not (tmp_path / "x.pdf").exists()


def test_reliability_command(files, tmp_path):
    out = tmp_path / "rel.csv"
    result = runner.invoke(
        app, ["reliability", str(ORACLE), files[0], files[1], "--boot", "50", "-o", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert "below 0.7" in result.stdout
    assert (tmp_path / "rel.items.csv").exists()
    assert set(pd.read_csv(out)["indicator"]) == {"voice", "safe"}


def test_breakdown_command(files, tmp_path):
    out = tmp_path / "by_gender.sav"
    result = runner.invoke(
        app, ["breakdown", str(ORACLE), files[0], files[1], "--by", "gender", "-o", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert "cells by gender" in result.stdout
    data, _ = pyreadstat.read_sav(str(out))
    assert len(data) > 0
    bad = runner.invoke(app, ["breakdown", str(ORACLE), files[0], files[1], "--by", "school"])
    assert bad.exit_code == 2 and "cannot break down by 'school'" in bad.stderr
    bins = runner.invoke(
        app, ["breakdown", str(ORACLE), *files[:2], "--by", "gender", "--bins", "a"]
    )
    assert bins.exit_code == 2 and "--bins" in bins.stderr


@pytest.mark.parametrize("table", ["scores", "groups", "microdata"])
def test_export_command(files, tmp_path, table):
    out = tmp_path / f"{table}.sav"
    result = runner.invoke(app, ["export", str(ORACLE), *files, "--table", table, "-o", str(out)])
    assert result.exit_code == 0, result.output
    data, meta = pyreadstat.read_sav(str(out))
    assert meta.column_labels and len(data)
    if table == "microdata":
        assert "respondent_id" not in data.columns and (tmp_path / "microdata.README.md").exists()
    if table == "groups":  # a group below its min_n is never shown as precise
        small = data["status"].map(meta.variable_value_labels["status"]) == "too few respondents"
        assert small.any() and data.loc[small, "score"].isna().all()


def test_export_refuses_unknown_table(files, tmp_path):
    result = runner.invoke(
        app, ["export", str(ORACLE), *files, "--table", "names", "-o", str(tmp_path / "x.dta")]
    )
    assert result.exit_code == 2 and "--table must be" in result.stderr


def test_compare_of_audit_values_only_says_exact(files, tmp_path):
    result = runner.invoke(app, ["compare", str(ORACLE), files[2], files[3], "--lang", "en"])
    assert result.exit_code == 0, result.output
    assert "exact (audit)" in result.stdout
