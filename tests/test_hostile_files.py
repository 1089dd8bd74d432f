"""Broken survey files through every command; file-system trouble on reading and writing."""

from __future__ import annotations

import errno
import os
from pathlib import Path

import pytest
from hostile_inputs import FRAMEWORK, chengdu_data, cli, every_command


def _broken_surveys(folder: Path) -> dict[str, Path]:
    survey, _ = chengdu_data(folder / "base")
    text = survey.read_text(encoding="utf-8")
    header, body = text.split("\n", 1)
    import pandas as pd

    frame = pd.read_csv(survey, dtype=str, keep_default_na=False)
    files = {
        "no-community": frame.drop(columns="community_id"),
        "no-respondent": frame.drop(columns="respondent"),
    }
    out = {}
    for name, df in files.items():
        out[name] = folder / f"{name}.csv"
        df.to_csv(out[name], index=False)
    for name, content in {
        "empty": b"",
        "header-only": (header + "\n").encode(),
        "binary": bytes(range(256)) * 20,
        "binary-xlsx": b"PK\x03\x04" + os.urandom(2000),
        "long-header": ("community_id," + "x" * 140_000 + "\nA,1\n").encode(),
    }.items():
        out[name] = folder / (f"{name}.xlsx" if name.endswith("xlsx") else f"{name}.csv")
        out[name].write_bytes(content)
    return out


@pytest.mark.parametrize("with_audit", [False, True], ids=["survey-only", "with-audit"])
def test_broken_surveys_give_a_message_in_every_command(tmp_path, with_audit):
    _, audit = chengdu_data(tmp_path / "a")
    for name, path in _broken_surveys(tmp_path / "s").items():
        data = ["--survey", path] + (["--audit", audit] if with_audit else [])
        (tmp_path / name).mkdir()
        runs = every_command(tmp_path / name, data)  # asserts: no traceback anywhere
        for command, run in runs.items():
            # report's exit code is about the PDFs (1 when one failed), not the data.
            codes = {2} if name == "long-header" else {0, 1} if command == "report" else {1}
            assert run.exit_code in codes, (name, command, run.output)
        if with_audit and name in ("no-community", "empty", "header-only", "no-respondent"):
            # What can be scored is scored from the audit, and the output is written.
            assert (tmp_path / name / "scores.json").exists(), name
            assert len(list((tmp_path / name / "reports").glob("*.pdf"))) == 3, name


def test_same_survey_file_twice_is_refused(tmp_path):
    survey, audit = chengdu_data(tmp_path)
    run = cli("score", "chengdu-community", "--survey", survey, "--survey", survey)
    assert run.exit_code == 2 and "given twice" in run.output


def test_the_same_content_under_two_names_is_refused(tmp_path):
    """A copy of a file sent twice would count every answer twice; every command (check,
    score to each format, report) refuses it and names both files, in one pass and in
    shards (Parquet), writing nothing. The web page: tests/test_web.py."""
    import shutil

    import pandas as pd

    survey, audit = chengdu_data(tmp_path / "d")
    copy = tmp_path / "copy of survey.csv"
    shutil.copy(survey, copy)
    frame = pd.read_csv(survey, dtype=str, keep_default_na=False)
    pq_a, pq_b = tmp_path / "a.parquet", tmp_path / "b.parquet"
    frame.to_parquet(pq_a, index=False)
    shutil.copy(pq_a, pq_b)
    out = tmp_path / "out"
    out.mkdir()
    data = ["--survey", survey, "--survey", copy, "--audit", audit]
    runs = every_command(out, data)
    runs.update({
        "shards": cli(
            "score", FRAMEWORK, "--survey", pq_a, "--survey", pq_b, "--audit", audit,
            "--shard-rows", "200", "-o", out / "t.csv",
        ),
    })  # fmt: skip
    for name, run in runs.items():
        assert run.exit_code == 2, (name, run.output)
        assert "the same content as" in run.output and "given twice" in run.output, name
    assert not list(out.iterdir())
    # Different files with the same rows are not the same file: no refusal.
    copy.write_text(copy.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    assert cli("check", FRAMEWORK, "--survey", survey, "--survey", copy).exit_code != 2


def test_a_read_error_is_a_message(tmp_path, monkeypatch):
    from cfeval.data.load import load_data
    from cfeval.errors import DataError
    from cfeval.framework.loader import load_framework

    fw = load_framework("chengdu-community")
    survey, _ = chengdu_data(tmp_path)
    real = Path.read_bytes

    def failing(self):
        if self.name == "survey.csv":
            raise OSError(errno.EIO, os.strerror(errno.EIO))
        return real(self)

    monkeypatch.setattr(Path, "read_bytes", failing)
    with pytest.raises(DataError, match="survey.csv: cannot read the file: Input/output error"):
        load_data(fw, survey=survey)


def test_output_problems_are_usage_errors(tmp_path, monkeypatch):
    survey, audit = chengdu_data(tmp_path / "d")
    data = ["--survey", survey, "--audit", audit]
    (tmp_path / "folder.csv").mkdir()
    run = cli("score", "chengdu-community", *data, "-o", tmp_path / "folder.csv")
    assert run.exit_code == 2 and "it is a folder" in run.output, run.output

    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(os, "replace", full)
    for fmt in ("csv", "xlsx", "json", "parquet"):
        out = tmp_path / f"x.{fmt}"
        run = cli("score", "chengdu-community", *data, "-o", out)
        assert run.exit_code == 2 and "No space left on device" in run.output, run.output
        assert not out.exists()
        assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


def test_orphaned_temporary_files_are_removed_by_the_next_write(tmp_path):
    import subprocess
    import sys

    from cfeval._io import atomic_write

    # A process that dies (SIGKILL) while writing leaves its temporary file behind.
    code = (
        "import os, time; from cfeval._io import atomic_write;"
        f"atomic_write({str(tmp_path / 'x.xlsx')!r}, lambda fh: os.kill(os.getpid(), 9))"
    )
    proc = subprocess.run([sys.executable, "-c", code], env={**os.environ, "PYTHONPATH": "src"})
    assert proc.returncode == -9
    assert len(list(tmp_path.glob(".x.xlsx.cfeval-*.tmp"))) == 1
    atomic_write(tmp_path / "x.xlsx", b"ok")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["x.xlsx"]


def test_dollar_signs_in_labels_are_drawn_as_text():
    import matplotlib

    from cfeval.report import district_charts

    uri = district_charts.heatmap(
        [r"$\foo$ broken mathtext", "$5 and $10"], ["a"], [[50.0], [60.0]]
    )
    assert uri.startswith("data:image/svg+xml")
    assert matplotlib.rcParams["text.parse_math"] is False


def test_waves_are_normalised_once_and_checked_against_the_audit(tmp_path):
    from cfeval.data.load import load_data
    from cfeval.framework.loader import load_framework

    def survey_edit(df):
        df = df.copy()
        df.loc[df["community_id"] == "CD-CH-001", "wave"] = "1.0"  # the same wave as 1
        first = df.index[df["community_id"] == "CD-CH-002"][:2]
        df.loc[first, "wave"] = "2024-06-01"  # a date: refused
        df.loc[df["community_id"] == "CD-JJ-001", "wave"] = "2"  # the audit has only 1
        return df

    survey, audit = chengdu_data(tmp_path, survey_edit=survey_edit)
    fw = load_framework("chengdu-community")
    ds = load_data(fw, survey=survey, audit=audit)
    assert set(ds.survey.loc[ds.survey["community_id"] == "CD-CH-001", "wave"]) == {"1"}
    dates = [i for i in ds.report.issues if i.code == "wave-is-a-date"]
    assert len(dates) == 2 and dates[0].value == "2024-06-01"
    assert ds.report.excluded_rows["wave-is-a-date"] == 2
    mismatch = [(i.value, i.message) for i in ds.report.issues if i.code == "wave-not-in-audit"]
    assert mismatch == [
        (
            "2",
            "community CD-JJ-001: the survey has wave 2, the audit has only wave(s) 1; "
            "the two are scored apart until the waves match",
        )
    ]


def test_escape_sequences_in_ids_reach_the_terminal_escaped(tmp_path):
    survey, audit = chengdu_data(tmp_path, ids={"CD-CH-001": "X\x1b[2J\x07", "CD-CH-002": "B"})
    run = cli("score", "chengdu-community", "--survey", survey, "--audit", audit)
    assert "\x1b[2J" not in run.output and "\\x1b[2J\\x07" in run.output, run.output
    run = cli("check", "chengdu-community", "--survey", survey)
    assert "\x1b[2J" not in run.output


def test_a_huge_cell_is_capped_in_messages(tmp_path):
    def survey_edit(df):
        df = df.copy()
        df.loc[df.index[0], "community_id"] = "Z" * 2_000_000
        return df

    survey, audit = chengdu_data(tmp_path, survey_edit=survey_edit)
    run = cli("check", "chengdu-community", "--survey", survey, "--audit", audit)
    assert run.exit_code == 1 and len(run.output) < 20_000, len(run.output)


@pytest.mark.parametrize("where", ["a column's pages", "the footer's pandas metadata"])
def test_a_parquet_file_damaged_inside_is_a_message(tmp_path, where):
    """The file opens (magic bytes, schema); then a column's pages, or the JSON the footer
    keeps for pandas, do not decode. Every command, in one pass and in shards, says which
    file is unreadable and writes nothing."""
    import pandas as pd
    import pyarrow.parquet as pq

    survey, audit = chengdu_data(tmp_path / "d")
    frame = pd.read_csv(survey, dtype=str, keep_default_na=False)
    good = tmp_path / "good.parquet"
    frame.to_parquet(good, index=False, compression=None)
    raw = bytearray(good.read_bytes())
    if where == "a column's pages":
        chunk = pq.ParquetFile(good).metadata.row_group(0).column(frame.columns.get_loc("age"))
        at = chunk.data_page_offset + 40
    else:
        at = raw.rindex(b'"pandas_type"') + 20
    raw[at : at + 200] = bytes(b ^ 0xFF for b in raw[at : at + 200])
    bad = tmp_path / "bad.parquet"
    bad.write_bytes(bytes(raw))
    data = ["--survey", bad, "--audit", audit]
    (tmp_path / "out").mkdir()
    runs = every_command(tmp_path / "out", data)
    runs["shards"] = cli(
        "score", FRAMEWORK, *data, "--shard-rows", "100", "-o", tmp_path / "out" / "s.csv"
    )
    for name, run in runs.items():
        assert run.exit_code == 1, (name, run.output)
        assert "bad.parquet: not a readable Parquet file" in run.output, (name, run.output)
    assert not list((tmp_path / "out").rglob("*.*")), "no output file"


def test_a_csv_cut_into_ranges_with_a_misfit_cell_through_every_command(tmp_path, monkeypatch):
    """Large CSVs are parsed in ranges (forced small here); a text in a later range's
    number column sends the file down the careful read in every command: the cell is
    reported with its own sheet row, the scores still come out, nothing crashes."""
    from cfeval.data import csvs

    monkeypatch.setattr(csvs, "STREAM_CSV_BYTES", 0)
    monkeypatch.setattr(csvs, "SPLIT_CSV_BYTES", 0)
    monkeypatch.setenv("CFEVAL_THREADS", "2")
    survey, audit = chengdu_data(tmp_path / "base")
    lines = survey.read_text(encoding="utf-8").splitlines()
    head = lines[0].split(",")
    cells = lines[-2].split(",")
    cells[head.index("c_voice_say")] = "zzz"
    lines[-2] = ",".join(cells)
    survey.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert len(csvs._cuts(survey, 2)) == 3  # really read in two ranges
    (tmp_path / "out").mkdir()
    runs = every_command(tmp_path / "out", ["--survey", survey, "--audit", audit])
    row = str(len(lines) - 1)
    for name, run in runs.items():
        assert run.exit_code == (0 if name == "report" else 1), (name, run.output)
    assert "zzz" in runs["check"].output and row in runs["check"].output
    for fmt in ("csv", "xlsx", "json", "parquet"):
        assert (tmp_path / "out" / f"scores.{fmt}").stat().st_size > 0
    assert list((tmp_path / "out" / "reports").glob("*.pdf"))
