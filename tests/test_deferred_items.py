"""A pyarrow-read survey's item columns stay in their files until asked (data/items.py).

The engine decodes an indicator's columns at a time from the files (clean columns from
int8 codes where the scale allows); ``Dataset.survey`` builds the whole frame on first
use. Neither may change a value, a dtype, a score or an issue: each case here is compared
with the frame the careful path builds from the same rows given in memory, and with the
engine run on the built frame.
"""

from __future__ import annotations

import pickle
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

import cfeval
from cfeval.data.items import compact, expand
from cfeval.framework.loader import load_framework
from cfeval.scoring.engine import score

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "sample_data" / "chengdu"
FRAMES = ("scores", "by_group", "communities", "notes")
FW = "chengdu-community"


def _numeric_survey() -> pd.DataFrame:
    frame = pd.read_csv(DATA / "survey.csv", dtype=str, keep_default_na=False)
    fw = load_framework(FW)
    for it in fw.items():
        if it.id in frame:
            frame[it.id] = pd.to_numeric(frame[it.id], errors="coerce")
    frame["weight"] = pd.to_numeric(frame["weight"], errors="coerce")
    return frame


def _same_scores(a, b) -> None:
    for name in FRAMES:
        pd.testing.assert_frame_equal(getattr(a, name), getattr(b, name), check_exact=True)


def _scored_both_ways(fw, **sources):
    """Scores from the deferred columns, and from the frame built before scoring."""
    deferred = cfeval.load_data(fw, **sources)
    assert deferred.items_deferred
    built = cfeval.load_data(fw, **sources)
    built.survey  # noqa: B018 - build the frame first: the engine then reads it
    assert not built.items_deferred
    return deferred, score(fw, deferred), built, score(fw, built)


def _with_codes(frame: pd.DataFrame, fw) -> pd.DataFrame:
    """Missing codes (9) written into a few clean cells of every item column."""
    frame = frame.copy()
    for k, it in enumerate(fw.items()):
        if it.id in frame:
            frame.loc[[k % len(frame), (3 * k + 7) % len(frame)], it.id] = 9.0
    return frame


@pytest.mark.parametrize("kind", ["parquet", "csv"])
def test_deferred_columns_score_and_build_as_the_careful_path(kind, tmp_path):
    fw = load_framework(FW)
    frame = _with_codes(_numeric_survey(), fw)
    path = tmp_path / f"survey.{kind}"
    if kind == "parquet":
        frame.to_parquet(path, index=False)
    else:
        frame.to_csv(path, index=False)
    audit = DATA / "audit.csv"
    deferred, from_files, built, from_frame = _scored_both_ways(fw, survey=path, audit=audit)
    _same_scores(from_files, from_frame)
    careful = cfeval.load_data(fw, survey=frame, audit=audit)
    assert not careful.items_deferred
    # The sample has unknown communities and bad rows: rows are dropped across the file.
    assert careful.report.excluded_rows
    pd.testing.assert_frame_equal(deferred.survey, careful.survey, check_exact=True)
    pd.testing.assert_frame_equal(built.survey, careful.survey, check_exact=True)
    _same_scores(from_files, score(fw, careful))
    codes = [it.id for it in fw.items() if it.id in frame]
    assert careful.survey[codes].isin([9.0]).sum().sum() == 0  # a missing code is blank


def test_two_files_with_a_repeated_respondent_and_blank_rows(tmp_path):
    """Rows kept within each file, then across files (a duplicate respondent id in the
    second file, an unknown community), and blank rows the reader drops."""
    fw = load_framework(FW)
    frame = _numeric_survey()
    frame["respondent_id"] = [f"r{i}" for i in range(len(frame))]
    first, second = frame.iloc[: len(frame) // 2], frame.iloc[len(frame) // 2 :].copy()
    second = pd.concat([second, first.iloc[:3]], ignore_index=True)  # repeated ids
    a, b = tmp_path / "a.parquet", tmp_path / "b.csv"
    first.to_parquet(a, index=False)
    body = second.to_csv(index=False).splitlines()
    body[5:5] = ["," * (len(second.columns) - 1)] * 2  # two blank rows mid-file
    b.write_text("\n".join(body) + "\n", encoding="utf-8")
    audit = DATA / "audit.csv"
    deferred, from_files, _, from_frame = _scored_both_ways(fw, survey=[a, b], audit=audit)
    _same_scores(from_files, from_frame)
    assert deferred.report.summary().get("duplicate-respondent") == 3
    careful = cfeval.load_data(fw, survey=[first, second], audit=audit)
    pd.testing.assert_frame_equal(deferred.survey, careful.survey, check_exact=True)


def test_a_pyarrow_file_beside_an_xlsx_file_builds_one_block(tmp_path):
    fw = load_framework(FW)
    frame = _numeric_survey()
    path = tmp_path / "survey.parquet"
    frame.to_parquet(path, index=False)
    both = [path, DATA / "survey.xlsx"]
    ds = cfeval.load_data(fw, survey=both, audit=DATA / "audit.csv")
    assert not ds.items_deferred  # the XLSX file's items are a block: one frame for both
    one = cfeval.load_data(fw, survey=[frame, DATA / "survey.xlsx"], audit=DATA / "audit.csv")
    pd.testing.assert_frame_equal(ds.survey, one.survey, check_exact=True)


@pytest.mark.parametrize("kind", ["parquet", "csv"])
def test_columns_without_codes_are_decoded_again(kind, tmp_path, monkeypatch):
    """A scale whose values are not all within ±127 gives no int8 codes: its clean
    columns are read from their file a second time (missing codes blanked again)."""
    import cfeval.data.items as items

    monkeypatch.setattr(items, "compact", lambda scale, values: None)
    decoded = []
    again = items.PartItems._decode
    monkeypatch.setattr(
        items.PartItems,
        "_decode",
        lambda self, j, out=None: decoded.append(j) or again(self, j, out),
    )
    fw = load_framework(FW)
    frame = _with_codes(_numeric_survey(), fw)
    path = tmp_path / f"survey.{kind}"
    frame.to_parquet(path, index=False) if kind == "parquet" else frame.to_csv(path, index=False)
    audit = DATA / "audit.csv"
    deferred, from_files, _, from_frame = _scored_both_ways(fw, survey=path, audit=audit)
    assert decoded  # the second reading happened
    _same_scores(from_files, from_frame)
    careful = cfeval.load_data(fw, survey=frame, audit=audit)
    pd.testing.assert_frame_equal(deferred.survey, careful.survey, check_exact=True)
    _same_scores(from_files, score(fw, careful))


def test_item_columns_without_building_the_frame(tmp_path):
    fw = load_framework(FW)
    frame = _numeric_survey()
    path = tmp_path / "survey.parquet"
    frame.to_parquet(path, index=False)
    ds = cfeval.load_data(fw, survey=path, audit=DATA / "audit.csv")
    ids = [it.id for it in fw.items()][:4]
    columns = ds.item_columns([*ids, "no-such-item"])
    assert columns[-1] is None
    assert ds.items_deferred  # asking for columns builds nothing
    assert list(ds.survey_rows.columns) == [c for c in ds.survey_rows.columns if c not in ids]
    out = np.empty((len(ds.survey_rows), len(ids)), order="F")
    ds.fill_item_columns(ids, out)
    for j, item_id in enumerate(ids):
        np.testing.assert_array_equal(columns[j], ds.survey[item_id].to_numpy())
        np.testing.assert_array_equal(out[:, j], columns[j])
    assert not ds.items_deferred


def test_a_deferred_dataset_travels_as_its_frame(tmp_path):
    """Pickled (to a Dask worker, say), the file readers stay home: the frame goes."""
    fw = load_framework(FW)
    path = tmp_path / "survey.parquet"
    _numeric_survey().to_parquet(path, index=False)
    ds = cfeval.load_data(fw, survey=path, audit=DATA / "audit.csv")
    copy = pickle.loads(pickle.dumps(ds))
    assert not copy.items_deferred
    pd.testing.assert_frame_equal(copy.survey, ds.survey, check_exact=True)
    _same_scores(score(fw, copy), score(fw, ds))


def test_setting_the_survey_replaces_the_deferred_columns(tmp_path):
    fw = load_framework(FW)
    path = tmp_path / "survey.parquet"
    _numeric_survey().to_parquet(path, index=False)
    ds = cfeval.load_data(fw, survey=path, audit=DATA / "audit.csv")
    smaller = ds.survey.iloc[:10].reset_index(drop=True)
    other = cfeval.load_data(fw, survey=path, audit=DATA / "audit.csv")
    other.survey = smaller
    assert not other.items_deferred
    assert len(other.survey) == 10
    np.testing.assert_array_equal(
        other.item_columns([fw.items()[0].id])[0], smaller[fw.items()[0].id].to_numpy()
    )


WHOLE_SCALES = st.lists(st.integers(-127, 127), min_size=1, max_size=11, unique=True)


@given(values=WHOLE_SCALES, data=st.data())
def test_int8_codes_give_back_the_same_values(values, data):
    class Scale:  # only .values is read
        pass

    scale = Scale()
    scale.values = sorted(values)
    cells = data.draw(st.lists(st.sampled_from([*map(float, values), np.nan]), max_size=60))
    column = np.array(cells, dtype=np.float64)
    codes = compact(scale, column)
    assert codes is not None and codes.dtype == np.int8
    np.testing.assert_array_equal(expand(codes), column)  # NaN where NaN, else exact
    out = np.full(len(column), 7.0)
    assert expand(codes, out) is out
    np.testing.assert_array_equal(out, column)


@pytest.mark.parametrize("values", [[0, 0.5, 1], [1, 200], [-128, 0], [0, 128], []])
def test_scales_that_cannot_be_int8_codes(values):
    class Scale:
        pass

    scale = Scale()
    scale.values = values
    assert compact(scale, np.array([0.0, np.nan])) is None


def test_a_csv_keeps_only_the_columns_it_will_decode_again(tmp_path, monkeypatch):
    """Free-text answers, ids already converted and columns kept as codes are let go as
    soon as the file is checked; only a column without codes stays, until it is used."""
    import cfeval.data.items as items

    fw = load_framework(FW)
    frame = _numeric_survey()
    frame["comment"] = ["a long free-text answer"] * len(frame)
    path = tmp_path / "survey.csv"
    frame.to_csv(path, index=False)
    ds = cfeval.load_data(fw, survey=path, audit=DATA / "audit.csv")
    (part,) = ds._items.parts
    held = [i for i, c in enumerate(part.table.source.columns) if c is not None]
    assert held == []  # every item column became codes or checked values
    first = fw.items()[0].id
    assert (ds.item_columns([first])[0] == ds.survey[first].to_numpy()).sum() > 0

    keep = items.compact
    monkeypatch.setattr(items, "compact", lambda scale, v: None)  # no codes: decode again
    ds = cfeval.load_data(fw, survey=path, audit=DATA / "audit.csv")
    (part,) = ds._items.parts
    held = {i for i, c in enumerate(part.table.source.columns) if c is not None}
    assert held == {part.positions[j] for j in part.still_in_file()}
    assert part.table.headers.index("comment") not in held
    monkeypatch.setattr(items, "compact", keep)
    careful = cfeval.load_data(fw, survey=frame, audit=DATA / "audit.csv")
    pd.testing.assert_frame_equal(ds.survey, careful.survey, check_exact=True)
