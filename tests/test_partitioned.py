"""Scoring in shards (out of core) and on a Dask cluster equals the in-memory run.

Every statistic lies within a community × wave, so shards of whole communities scored one
by one (or on workers) and put side by side must give the very frames and files of one
pass over all rows: compared exactly here, on the shipped sample data (blank and bad
cells, missing codes, duplicates, unknown communities) cut into several Parquet files,
with shards forced small.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import cfeval
from cfeval.errors import UsageError
from cfeval.scoring.partitioned import score_partitioned

ROOT = Path(__file__).resolve().parents[1]
FRAMES = ("scores", "by_group", "communities", "notes")


def _as_parquet_files(csv: Path, folder: Path, pieces: int) -> list[Path]:
    """The survey as text cells (bad cells stay bad), cut into ``pieces`` Parquet files."""
    frame = pd.read_csv(csv, dtype=str, keep_default_na=False)
    paths = []
    for i, part in enumerate(np.array_split(np.arange(len(frame)), pieces)):
        path = folder / f"survey_{i}.parquet"
        frame.iloc[part].to_parquet(path, index=False)
        paths.append(path)
    return paths


def _same(a, b) -> None:
    for name in FRAMES:
        pd.testing.assert_frame_equal(getattr(a, name), getattr(b, name), check_exact=True)
    assert a.provenance == b.provenance
    assert sorted(map(repr, a.report.issues)) == sorted(map(repr, b.report.issues))
    assert a.report.excluded_rows == b.report.excluded_rows
    assert a.report.files == b.report.files


@pytest.mark.parametrize(
    ("framework_id", "folder"),
    [("chengdu-community", "chengdu"), ("unicef-cfci", "unicef")],
)
def test_shards_equal_the_in_memory_run(framework_id, folder, tmp_path):
    data = ROOT / "sample_data" / folder
    files = _as_parquet_files(data / "survey.csv", tmp_path, 3)
    audit = data / "audit.csv"
    whole = cfeval.score(framework_id, survey=files, audit=audit)
    assert whole.report.has_problems  # the sample data is deliberately imperfect
    parts = score_partitioned(framework_id, files, audit, shard_rows=300, scratch=tmp_path)
    _same(whole, parts)
    for fmt in ("csv", "json", "parquet", "xlsx"):
        a = whole.write(tmp_path / f"whole.{fmt}").read_bytes()
        b = parts.write(tmp_path / f"parts.{fmt}").read_bytes()
        assert a == b, fmt
    assert not list(tmp_path.glob(".cfeval-shards-*"))  # the scratch folder is removed


def test_one_shard_is_the_in_memory_run_too(tmp_path):
    data = ROOT / "sample_data" / "hangzhou"
    files = _as_parquet_files(data / "survey.csv", tmp_path, 1)
    whole = cfeval.score("hangzhou-community", survey=files, audit=data / "audit.csv")
    _same(whole, score_partitioned("hangzhou-community", files, data / "audit.csv"))


@st.composite
def _surveys(draw):
    n = draw(st.integers(1, 60))
    communities = draw(
        st.lists(st.sampled_from(["A", "B", "C", " b ", "D"]), min_size=n, max_size=n)
    )
    cells = st.sampled_from(["1", "2", "3", "4", "5", "", "9", "x", "7", "-3", "2.5"])
    groups = st.sampled_from(["child", "parent", "nobody"])
    return pd.DataFrame(
        {
            "community_id": communities,
            "respondent": draw(st.lists(groups, min_size=n, max_size=n)),
            "weight": draw(
                st.lists(st.sampled_from(["1", "2", "0.5", "", "-1"]), min_size=n, max_size=n)
            ),
            **{q: draw(st.lists(cells, min_size=n, max_size=n)) for q in ("q1", "q2", "q3")},
        }
    )


FRAMEWORK = """
id: tiny
version: "1"
title: {zh: 小, en: tiny}
provenance: {note: {zh: 测试, en: test}}
scoring:
  method: points
  total: 10
  grades: [{id: a, min: 50, label: {zh: 好, en: good}}, {id: b, min: 0, label: {zh: 差, en: poor}}]
respondents:
  child: {label: {zh: 儿童, en: children}, min_n: 2}
  parent: {label: {zh: 家长, en: parents}, min_n: 2}
scales:
  agree5: {values: [1, 2, 3, 4, 5], missing_codes: [9]}
dimensions:
  - id: d
    label: {zh: 维度, en: dimension}
    points: 10
    indicators:
      - id: i1
        label: {zh: 指标, en: indicator}
        points: 6
        method: survey
        source: survey
        respondents: [child, parent]
        items:
          - {id: q1, scale: agree5, text: {zh: 一, en: one}}
          - {id: q2, scale: agree5, text: {zh: 二, en: two}, reverse: true}
        rule: {type: scale_mean}
        recommendation: {zh: 建议, en: advice}
      - id: i2
        label: {zh: 指标二, en: indicator two}
        points: 4
        method: survey
        source: survey
        respondents: [child]
        items:
          - {id: q3, scale: agree5, text: {zh: 三, en: three}}
        rule: {type: share_favourable, cut: 4}
        recommendation: {zh: 建议, en: advice}
"""


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(survey=_surveys(), pieces=st.integers(1, 3), shard_rows=st.integers(1, 40))
def test_shards_equal_one_pass_on_random_data(tmp_path_factory, survey, pieces, shard_rows):
    """Any data, any cut into files, any shard size: the same frames and report."""
    tmp = tmp_path_factory.mktemp("random")
    fw_path = tmp / "tiny.yaml"
    fw_path.write_text(FRAMEWORK, encoding="utf-8")
    fw = cfeval.load_framework(fw_path)
    files = []
    for i, part in enumerate(np.array_split(np.arange(len(survey)), pieces)):
        if len(part):
            files.append(tmp / f"s{i}.parquet")
            survey.iloc[part].to_parquet(files[-1], index=False)
    try:
        whole = cfeval.score(fw, survey=files)
    except cfeval.CfevalError as err:  # nothing to score: the shards must say the same
        with pytest.raises(type(err)):
            score_partitioned(fw, files, shard_rows=shard_rows, scratch=tmp)
        return
    _same(whole, score_partitioned(fw, files, shard_rows=shard_rows, scratch=tmp))


def test_shards_read_parquet_only(tmp_path):
    data = ROOT / "sample_data" / "chengdu"
    with pytest.raises(UsageError, match="reads Parquet files"):
        score_partitioned("chengdu-community", [data / "survey.csv"], data / "audit.csv")


def test_a_dask_cluster_gives_byte_identical_files(tmp_path):
    """Shards scored on a LocalCluster's workers: the very bytes of the local run."""
    from distributed import LocalCluster

    data = ROOT / "sample_data" / "tzsx"
    files = _as_parquet_files(data / "survey.csv", tmp_path, 2)
    audit = data / "audit.csv"
    local = cfeval.score("tzsx-community", survey=files, audit=audit)
    with LocalCluster(
        n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None
    ) as cluster:
        remote = score_partitioned(
            "tzsx-community", files, audit, shard_rows=400, scheduler=cluster.scheduler_address
        )
    _same(local, remote)
    for fmt in ("csv", "json", "parquet", "xlsx"):
        a = local.write(tmp_path / f"local.{fmt}").read_bytes()
        assert a == remote.write(tmp_path / f"remote.{fmt}").read_bytes(), fmt


def test_cli_scores_on_worker_processes_and_in_shards(tmp_path, monkeypatch):
    """`cfeval score --scheduler local:2` (real worker processes: everything is pickled
    there and back) and `--shard-rows` write the file the plain command writes."""
    from typer.testing import CliRunner

    from cfeval.cli.app import app

    data = ROOT / "sample_data" / "chengdu"
    files = _as_parquet_files(data / "survey.csv", tmp_path, 2)
    args = ["score", "chengdu-community", "--audit", str(data / "audit.csv")]
    for f in files:
        args += ["--survey", str(f)]
    monkeypatch.delenv("CFEVAL_SCHEDULER", raising=False)
    runner = CliRunner()
    plain = runner.invoke(app, [*args, "-o", str(tmp_path / "plain.csv")])
    assert plain.exit_code == 1, plain.output  # the sample data has problems: still written
    sharded = runner.invoke(app, [*args, "--shard-rows", "500", "-o", str(tmp_path / "s.csv")])
    assert sharded.exit_code == 1, sharded.output
    monkeypatch.setenv("CFEVAL_SCHEDULER", "local:2")
    remote = runner.invoke(app, [*args, "-o", str(tmp_path / "remote.csv")])
    assert remote.exit_code == 1, remote.output
    expected = (tmp_path / "plain.csv").read_bytes()
    assert (tmp_path / "s.csv").read_bytes() == expected
    assert (tmp_path / "remote.csv").read_bytes() == expected
    assert remote.output.replace("remote.csv", "plain.csv") == plain.output


def test_cli_refuses_a_bad_scheduler_address(tmp_path):
    from typer.testing import CliRunner

    from cfeval.cli.app import app

    data = ROOT / "sample_data" / "chengdu"
    files = _as_parquet_files(data / "survey.csv", tmp_path, 1)
    result = CliRunner().invoke(
        app, ["score", "chengdu-community", "--survey", str(files[0]), "--scheduler", "nowhere"]
    )
    assert result.exit_code == 2
    assert "not an address" in result.output
    assert "Traceback" not in result.output


def test_an_index_framework_is_refused(tmp_path):
    """An index: block normalises across communities: shards would change its scores."""
    fw = cfeval.load_framework(ROOT / "tests" / "fixtures" / "oracle" / "composite.yaml")
    assert fw.index is not None
    data = ROOT / "sample_data" / "chengdu"
    files = _as_parquet_files(data / "survey.csv", tmp_path, 1)
    with pytest.raises(UsageError, match="compares communities with each other"):
        score_partitioned(fw, files)


def test_a_rows_shard_is_the_crc32_of_its_community_id():
    import zlib

    from cfeval.data.shards import shard_of

    ids = np.array(["A", None, "B", "A", "锦江-001", "", "B"], dtype=object)
    expected = [zlib.crc32((i or "").encode()) % 7 for i in ids]
    assert shard_of(ids, 7, None, None).tolist() == expected
    assert shard_of(np.array([], dtype=object), 3, None, None).tolist() == []
