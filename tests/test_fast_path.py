"""The fast path gives what the careful path gives: same frames, same issues, any thread count.

Numeric item columns of a CSV or Parquet file go straight from Arrow to numpy and are
checked with one comparison per scale value (``cells.clean_item_values``), on every core
(``cfeval._threads``); only a column with a cell to report takes the careful path. The
engine computes the survey indicators ahead on other threads. Neither may change a number,
an issue or its order: checked here against a DataFrame given in memory (which never takes
the fast path) and against a single thread.
"""

from __future__ import annotations

import threading
import time
from dataclasses import astuple
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import cfeval
from cfeval._threads import ordered_map
from cfeval.data.cells import clean_item_values
from cfeval.framework.loader import load_framework

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "sample_data" / "chengdu"
FRAMES = ("scores", "by_group", "communities", "notes")


def test_ordered_map_keeps_order_and_bounds_the_work_in_flight():
    started, lock = [], threading.Lock()

    def slow(i):
        with lock:
            started.append(i)
        time.sleep(0.002 * (7 - i % 7))  # later items finish first
        return i * i

    out = []
    for i, r in enumerate(ordered_map(slow, range(30), threads=3, ahead=4)):
        with lock:
            # Never more than `ahead` items started beyond the one just taken.
            assert len(started) <= i + 4
        out.append(r)
    assert out == [i * i for i in range(30)]


def test_ordered_map_raises_at_the_failing_item():
    def f(i):
        if i == 5:
            raise ValueError("five")
        return i

    got = []
    with pytest.raises(ValueError, match="five"):
        for r in ordered_map(f, range(20), threads=2):
            got.append(r)
    assert got == [0, 1, 2, 3, 4]


def test_one_thread_is_a_plain_loop():
    assert list(ordered_map(str, [3, 1, 2], threads=1)) == ["3", "1", "2"]


def test_clean_item_values_defers_any_cell_to_report():
    fw = load_framework("chengdu-community")
    item = fw.items()[0]
    scale = fw.scales[item.scale]
    lo, hi = scale.low, scale.high
    clean = np.array([lo, hi, np.nan, *scale.missing_codes], dtype=float)
    out = clean_item_values(fw, item, clean.copy())
    expected = np.where(np.isin(clean, scale.values), clean, np.nan)
    np.testing.assert_array_equal(out, expected)
    for bad in (hi + 1, lo - 1, -3.0, 99.0, (lo + hi) / 2 + 0.5, np.inf):
        if bad in scale.values or bad in scale.missing_codes:
            continue
        assert clean_item_values(fw, item, np.array([lo, bad])) is None


def _numeric_survey() -> pd.DataFrame:
    frame = pd.read_csv(DATA / "survey.csv", dtype=str, keep_default_na=False)
    fw = load_framework("chengdu-community")
    for it in fw.items():
        if it.id in frame:
            frame[it.id] = pd.to_numeric(frame[it.id], errors="coerce")  # texts → NaN
    frame["weight"] = pd.to_numeric(frame["weight"], errors="coerce")
    return frame


def _same(a, b, same_files=True) -> None:
    for name in FRAMES:
        pd.testing.assert_frame_equal(getattr(a, name), getattr(b, name), check_exact=True)
    start = 0 if same_files else 1  # the file's name differs from a frame's label
    assert [astuple(i)[start:] for i in a.report.issues] == [
        astuple(i)[start:] for i in b.report.issues
    ]


CELL = st.sampled_from([1.0, 2.0, 3.0, 4.0, 5.0, np.nan, 9.0, 0.0, 6.0, 99.0, -3.0, 2.5])


@settings(
    max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_parquet_fast_path_equals_the_in_memory_frame(tmp_path_factory, data):
    frame = _numeric_survey()
    fw = load_framework("chengdu-community")
    items = [it.id for it in fw.items() if it.id in frame]
    # Some columns get stray values (careful path), the others stay clean (fast path).
    for col in data.draw(st.lists(st.sampled_from(items), max_size=6, unique=True)):
        rows = data.draw(st.lists(st.integers(0, len(frame) - 1), max_size=5, unique=True))
        for r in rows:
            frame.loc[r, col] = data.draw(CELL)
    if data.draw(st.booleans()):  # an integer column (no blanks) takes the fast path too
        col = data.draw(st.sampled_from(items))
        frame[col] = frame[col].fillna(3).astype("int64")
    folder = tmp_path_factory.mktemp("fast")
    path = folder / "survey.parquet"
    frame.to_parquet(path, index=False)
    audit = DATA / "audit.csv"
    fast = cfeval.score(fw, survey=path, audit=audit)
    careful = cfeval.score(fw, survey=frame, audit=audit)
    assert careful.report.issues  # the sample data has bad rows and cells
    _same(fast, careful, same_files=False)


def test_clean_numeric_columns_skip_the_careful_check(tmp_path, monkeypatch):
    import cfeval.data.validate as validate

    calls = []
    careful = validate.item_values
    monkeypatch.setattr(
        validate,
        "item_values",
        lambda fw, it, *a, **k: calls.append(it.id) or careful(fw, it, *a, **k),
    )
    frame = _numeric_survey()
    path = tmp_path / "survey.parquet"
    frame.to_parquet(path, index=False)
    cfeval.score("chengdu-community", survey=path, audit=DATA / "audit.csv")
    fw = load_framework("chengdu-community")
    present = [it.id for it in fw.items() if it.id in frame]
    # Only the columns holding a value outside their scale (the sample has a few) are
    # checked cell by cell; every other column went through the fast path.
    assert 0 < len(calls) < len(present) // 2
    for col in calls:
        scale = fw.scales[next(it.scale for it in fw.items() if it.id == col)]
        ok = frame[col].isna() | frame[col].isin([*scale.values, *scale.missing_codes])
        assert not ok.all()


@pytest.mark.parametrize("source", ["csv", "parquet"])
def test_any_thread_count_gives_the_same_result(source, tmp_path, monkeypatch):
    survey = DATA / "survey.csv"
    if source == "parquet":
        survey = tmp_path / "survey.parquet"
        _numeric_survey().to_parquet(survey, index=False)
    runs = []
    for threads in ("1", "2", "5"):
        monkeypatch.setenv("CFEVAL_THREADS", threads)
        runs.append(cfeval.score("chengdu-community", survey=survey, audit=DATA / "audit.csv"))
    for other in runs[1:]:
        _same(runs[0], other)
    out = [tmp_path / f"s{i}.csv" for i in range(len(runs))]
    for r, p in zip(runs, out, strict=True):
        r.write(p)
    assert out[0].read_bytes() == out[1].read_bytes() == out[2].read_bytes()


# --------------------------------------------------------------------------- CSV bytes


def _read(path: Path):
    from cfeval.data.readers import read_table

    return read_table(path, str(path), None, set())


def test_a_header_row_longer_than_the_first_probe(tmp_path):
    headers = [f"column_{i:05d}_" + "x" * 40 for i in range(2_000)]  # ~100 KB of header
    path = tmp_path / "wide.csv"
    path.write_text(",".join(headers) + "\n" + ",".join("1" * 2_000) + "\n", encoding="utf-8")
    table = _read(path)
    assert table.headers == headers
    assert table.first_row == 2


def test_many_blank_lines_before_the_header_keep_sheet_rows(tmp_path):
    path = tmp_path / "blank.csv"
    path.write_bytes(b"\r\n" * 70_000 + "社区编号,q1\nA,1\nB,2\n".encode())
    table = _read(path)
    assert table.headers == ["社区编号", "q1"]
    assert table.first_row == 70_002  # the header is sheet row 70,001
    assert table.numbers(1).tolist() == [1.0, 2.0]


@pytest.mark.parametrize("body", ["", "\n\n", " \u3000 \n\t\n", "\ufeff\n \n"])
def test_blank_files_are_empty(tmp_path, body):
    path = tmp_path / "empty.csv"
    path.write_text(body, encoding="utf-8")
    assert _read(path).empty


def test_gbk_text_under_an_ascii_header_is_decoded(tmp_path):
    path = tmp_path / "gbk.csv"
    path.write_bytes("community_id,name,q1\nA,锦江社区,3\n".encode("gb18030"))
    table = _read(path)
    assert table.encoding == "gb18030"
    assert table.column(1).tolist() == ["锦江社区"]
    assert table.numbers(2).tolist() == [3.0]


def test_bom_and_checksum_are_those_of_the_file(tmp_path):
    import hashlib

    path = tmp_path / "bom.csv"
    raw = "\ufeff社区编号,q1\nA,1\n".encode()
    path.write_bytes(raw)
    table = _read(path)
    assert table.encoding == "utf-8-sig"
    assert table.headers == ["社区编号", "q1"]
    assert table.sha256 == hashlib.sha256(raw).hexdigest()


def test_the_engine_leaves_no_cycle_holding_the_survey(monkeypatch):
    """A cycle through the engine would keep a shard's survey in memory until the garbage
    collector ran, so out-of-core scoring would hold two shards at once."""
    import gc
    import weakref

    from cfeval.scoring import engine

    engines = []
    run = engine._Engine.run

    def spy(self, *args, **kwargs):
        engines.append(weakref.ref(self))
        return run(self, *args, **kwargs)

    monkeypatch.setattr(engine._Engine, "run", spy)
    gc.disable()
    try:
        cfeval.score("chengdu-community", survey=DATA / "survey.csv", audit=DATA / "audit.csv")
        assert engines and engines[0]() is None  # freed by reference counting alone
    finally:
        gc.enable()


def _numbers_then(text: str, rows: int = 40_000) -> bytes:
    body = "".join(f"C{i % 50},{i % 5 + 1},{(i * 7) % 5 + 1}\n" for i in range(rows))
    return ("community_id,q1,q2\n" + body + f"C1,{text},3\n").encode()


CSV_CASES = {
    "plain": b"community_id,q1\nA,1\nB,\nC,3\n",
    "bom and blank lines": "\ufeff\r\n\r\n社区编号,q1\nA,1\n".encode(),
    "semicolons": "community_id;q1;name\nA;1;锦江\n".encode(),
    "gbk": "community_id,name,q1\nA,锦江社区,3\n".encode("gb18030"),
    "gbk header": "社区编号,q1\nA,3\n".encode("gb18030"),
    "ragged": b"community_id,q1\nA,1,extra\nB\n",
    "quoted newline": b'community_id,q1,note\nA,1,"two\nlines"\nB,2,x\n',
    "header only": b"community_id,q1\n",
    "text after many numbers": _numbers_then("abc"),
    "bad utf-8 after many numbers": _numbers_then("x")[:-4] + b"\xb2\xe2,3\n",
    "blank rows inside": b"community_id,q1\nA,1\n,\n\nB,2\n",
    "line break in a quoted header cell": '"社区\n编号",q1,"第二题\r\n说明"\nA,1,2\nB,3,\n'.encode(),
    "line breaks in header and body": b'"community\nid",q1\nA,"1\n"\nB,2\n',
    "header cell over the csv module's limit": (
        "community_id," + "x" * 140_000 + "\nA,1\n"
    ).encode(),
}


@pytest.mark.parametrize("name", sorted(CSV_CASES))
def test_streamed_csv_reads_as_the_in_memory_path(name, tmp_path, monkeypatch):
    """Large CSVs are streamed by Arrow from disk; what comes out is what the in-memory
    path gives (or the same error), whatever the file holds."""
    from cfeval.data import csvs

    path = tmp_path / "survey.csv"
    path.write_bytes(CSV_CASES[name])

    def read(threshold, split=1 << 40):
        monkeypatch.setattr(csvs, "STREAM_CSV_BYTES", threshold)
        monkeypatch.setattr(csvs, "SPLIT_CSV_BYTES", split)
        try:
            t = _read(path)
        except Exception as exc:  # noqa: BLE001 - the very same error is expected
            return type(exc), str(exc)
        cols = [
            [None if v != v else v for v in t.column(i).tolist()]  # NaN != NaN
            for i in range(len(t.headers) if not t.empty else 0)
        ]
        return t.headers, t.first_row, t.encoding, t.sha256, t.empty, cols

    assert read(0) == read(1 << 40)
    # Cut into three ranges parsed side by side (when the file allows it): the same again.
    monkeypatch.setenv("CFEVAL_THREADS", "3")
    assert read(0, split=0) == read(1 << 40)


def test_csv_ranges_are_cut_at_line_ends_and_only_without_quotes(tmp_path, monkeypatch):
    from cfeval.data import csvs

    monkeypatch.setattr(csvs, "SPLIT_CSV_BYTES", 0)
    path = tmp_path / "survey.csv"
    data = _numbers_then("4")
    path.write_bytes(data)
    cuts = csvs._cuts(path, 3)
    assert len(cuts) == 4 and cuts[0] == 0 and cuts[-1] == len(data)
    assert all(data[c - 1 : c] == b"\n" for c in cuts[1:-1])
    assert cuts == sorted(set(cuts))
    path.write_bytes(data.replace(b"C1,4,3", b'"C1",4,3'))  # one quote: one range
    assert csvs._cuts(path, 3) == [0, len(data) + 2]
    path.write_bytes(b"a,b\n" + b"1" * 3_000_000)  # no line end near the cut
    assert len(csvs._cuts(path, 2)) == 2
    monkeypatch.setattr(csvs, "SPLIT_CSV_BYTES", len(data) + 1)  # small files: one range
    path.write_bytes(data)
    assert len(csvs._cuts(path, 2)) == 2


def test_a_split_csv_that_changes_type_in_a_later_range_takes_the_careful_path(
    tmp_path, monkeypatch
):
    """Numbers in the first range fix the column's type; a text in a later range then
    fails the fast reader as it fails one stream's later block: the careful path reads
    the file, and its text is reported as a cell, not lost."""
    from cfeval.data import csvs

    monkeypatch.setattr(csvs, "STREAM_CSV_BYTES", 0)
    monkeypatch.setattr(csvs, "SPLIT_CSV_BYTES", 0)
    monkeypatch.setenv("CFEVAL_THREADS", "2")
    path = tmp_path / "survey.csv"
    path.write_bytes(_numbers_then("abc", rows=200_000))
    assert len(csvs._cuts(path, 2)) == 3
    assert csvs.stream_csv(path, str(path), set()) is None  # not the fast reader's file
    table = _read(path)
    assert table.column(1).tolist()[-1] == "abc"


@pytest.mark.parametrize(
    ("name", "streamed"),
    [("plain", True), ("bom and blank lines", True), ("semicolons", True), ("gbk", False),
     ("gbk header", False), ("bad utf-8 after many numbers", False), ("ragged", False),
     ("line break in a quoted header cell", False)],
)  # fmt: skip
def test_which_csvs_are_streamed(name, streamed, tmp_path, monkeypatch):
    from cfeval.data import csvs

    monkeypatch.setattr(csvs, "STREAM_CSV_BYTES", 0)
    path = tmp_path / "survey.csv"
    path.write_bytes(CSV_CASES[name])
    assert (csvs.stream_csv(path, str(path), set()) is not None) is streamed


def test_a_line_break_in_a_quoted_header_cell_keeps_every_column(tmp_path):
    """Survey platforms export question titles with their line breaks; the header is one
    row of three cells, and the data rows start after it."""
    path = tmp_path / "survey.csv"
    path.write_bytes(CSV_CASES["line break in a quoted header cell"])
    table = _read(path)
    assert table.headers == ["社区\n编号", "q1", "第二题\r\n说明"]
    assert table.first_row == 2  # Excel shows the header as one row
    assert table.column(0).tolist() == ["A", "B"]
    assert table.numbers(1).tolist() == [1.0, 3.0]


@pytest.mark.parametrize("codec", ["utf-8", "gb18030"])
def test_peek_headers_follows_a_quoted_line_break(tmp_path, codec):
    from cfeval.data.readers import peek_headers

    path = tmp_path / "survey.csv"
    path.write_bytes('"社区\n编号",q1,"题\r\n二"\nA,1,2\n'.encode(codec))
    assert peek_headers(path) == ["社区\n编号", "q1", "题\r\n二"]
