"""Analysis exports: .dta/.sav read back with their labels, R CSV + dictionary, microdata."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pyreadstat
import pytest

from cfeval.errors import UsageError
from cfeval.framework.loader import load_framework
from cfeval.results.analysis_export import (
    anonymised_microdata,
    data_dictionary,
    write_analysis,
    write_microdata,
)
from cfeval.results.breakdowns import breakdown
from cfeval.results.waves import wave_changes
from cfeval.scoring.engine import score

ORACLE = Path(__file__).parent / "fixtures" / "oracle" / "points.yaml"


@pytest.fixture(scope="module")
def fw():
    fw = load_framework(ORACLE).model_copy(deep=True)
    fw.scoring.ci_level = 0.9  # the labels must follow the framework's level
    return fw


def _survey() -> pd.DataFrame:
    rng = np.random.default_rng(3)
    rows = []
    for cid in ("C1", "=HYPERLINK(1)"):
        for wave in ("1", "2"):
            for i in range(8):
                group = "child" if i < 6 else "parent"
                rows.append({"community_id": cid, "wave": wave, "respondent": group,
                             "respondent_id": f"{cid}-{wave}-{i}-13800138000",
                             "gender": ["female", "male"][i % 2], "age": 8 + i,
                             "name": f"Child {i}", "phone": "13800138000",
                             **{k: float(rng.integers(1, 6)) for k in ("v1", "v2", "v3", "s1", "s2")}})  # fmt: skip
    return pd.DataFrame(rows)


@pytest.fixture(scope="module")
def survey():
    return _survey()


@pytest.fixture(scope="module")
def result(fw, survey):
    audit = pd.DataFrame(
        {
            "community_id": ["C1", "C1", "=HYPERLINK(1)", "=HYPERLINK(1)"],
            "wave": ["1", "2", "1", "2"],
            "has_council": [0.0, 1.0, 1.0, 1.0],
            "area": [50.0, 80.0, 20.0, 20.0],
            "partners": 0.0,
            "incident": 0.0,
        }  # fmt: skip
    )
    drop = ["respondent_id", "gender", "age", "name", "phone"]
    return score(fw, survey=survey.drop(columns=drop), audit=audit)


@pytest.mark.parametrize("suffix", [".dta", ".sav"])
def test_scores_read_back_with_labels(fw, result, tmp_path, suffix):
    frame = result.to_frame()
    (path,) = write_analysis(frame, tmp_path / f"scores{suffix}", framework=fw, lang="zh")
    reader = pyreadstat.read_dta if suffix == ".dta" else pyreadstat.read_sav
    data, meta = reader(str(path))
    assert len(data) == len(frame)
    labels = meta.column_names_to_labels
    assert labels["score"] == "得分率（0–100）"
    assert labels["ci_low"] == "90% 置信区间下限"  # the framework's level, not a typed 95%
    assert meta.file_label.startswith("手算检验")
    values = meta.variable_value_labels
    assert values["node_id"][1] == "总分" and "声音" in values["node_id"].values()
    # Codes map back to exactly the original values.
    ids = {"总分": "total", "甲": "dim_a", "声音": "voice", "议事会": "council", "乙": "dim_b",
           "安全感": "safe", "空间": "space"}  # fmt: skip
    decoded = data["node_id"].map(values["node_id"]).map(ids)
    assert list(decoded) == list(frame["node_id"])
    grades = data["grade"].map(values["grade"])
    expected = frame["grade"].map({"good": "良好", "ok": "合格", "low": "待合格"})
    assert grades.fillna("").tolist() == expected.fillna("").tolist()
    # A community id that looks like a formula cannot run when the data is re-exported.
    assert "'=HYPERLINK(1)" in set(data["community_id"])
    assert np.allclose(data["score"], frame["score"])


def test_breakdown_and_changes_export(fw, survey, result, tmp_path):
    table = breakdown(fw, survey, "gender").table
    (path,) = write_analysis(table, tmp_path / "b.sav", framework=fw, lang="en")
    data, meta = pyreadstat.read_sav(str(path), apply_value_formats=True)
    assert set(data["suppression"]) <= {"shown", "fewer respondents than the minimum",
                                         "hidden so that another hidden cell cannot be worked out"}  # fmt: skip
    assert set(data["respondent"]) == {"Children", "Parents"}
    assert meta.column_names_to_labels["suppressed"] == "Hidden to protect respondents"
    changes = wave_changes(result, ("1", "2"))
    (path,) = write_analysis(changes, tmp_path / "c.dta", framework=fw, lang="en")
    data, meta = pyreadstat.read_dta(str(path), apply_value_formats=True)
    assert set(data["change_class"]) <= {
        "clear improvement", "clear decline", "no clear change", "unchanged", "not comparable"
    }  # fmt: skip
    assert meta.column_names_to_labels["change"] == "Change in score"


def test_r_csv_with_dictionary(fw, survey, tmp_path):
    table = breakdown(fw, survey, "gender").table
    written = write_analysis(table, tmp_path / "b.csv", framework=fw, lang="en")
    assert [p.name for p in written] == ["b.csv", "b.dictionary.csv", "b.dictionary.md"]
    text = written[0].read_text(encoding="utf-8")
    assert ",NA," in text and "TRUE" in text and "FALSE" in text
    assert '"\'=HYPERLINK(1)"' in text and ",=HYPERLINK" not in text
    back = pd.read_csv(written[0], keep_default_na=True)
    assert len(back) == len(table)
    dic = pd.read_csv(written[1]).set_index("variable")
    assert dic.loc["ci_high", "label"] == "Upper bound of the 90% interval"
    assert "small_cell = fewer respondents than the minimum" in dic.loc["suppression", "values"]
    assert dic.loc["is_total", "type"] == "logical"
    md = written[2].read_text(encoding="utf-8")
    assert md.startswith("| variable | type | label | values |")
    assert (
        data_dictionary(table, framework=fw, lang="zh")
        .set_index("variable")
        .loc["respondent", "values"]
        == "child = 儿童; parent = 家长"
    )


def test_microdata_drops_identifiers_and_free_text(fw, survey, tmp_path):
    raw = survey.copy()
    raw["comment"] = "call me"
    raw["v1"] = raw["v1"].astype(object)
    raw.loc[0, "v1"] = "很好"
    frame, removed = anonymised_microdata(fw, raw)
    assert removed["dropped_columns"] == ["respondent_id", "name", "phone", "comment"]
    assert removed["blanked_cells"] == 1
    assert {"name", "phone", "comment", "respondent_id"}.isdisjoint(frame.columns)
    assert frame["rid"].is_unique and frame["rid"].str.fullmatch(r"R\d{6}").all()
    # 2 parents per community × wave, min_n 2: not small; 6 children, min_n 3: not small
    assert not frame["small_group"].any()
    few = raw[~((raw["respondent"] == "parent") & raw.index.isin([6, 14]))]
    assert anonymised_microdata(fw, few)[0]["small_group"].sum() == 2

    again, _ = anonymised_microdata(fw, raw)
    pd.testing.assert_frame_equal(frame, again)  # seeded: the same ids every time
    other, _ = anonymised_microdata(fw, raw, seed=1)
    assert not frame["rid"].equals(other["rid"])
    seq, info = anonymised_microdata(fw, raw, ids="sequential")
    assert info["seed"] is None and set(seq["rid"]) == set(frame["rid"])

    written = write_microdata(fw, raw, tmp_path / "micro.dta", lang="en")
    data, meta = pyreadstat.read_dta(str(written[0]))
    assert meta.column_names_to_labels["v1"] == "one"
    assert meta.variable_value_labels["respondent"] == {1: "Children", 2: "Parents"}
    blob = b"".join(p.read_bytes() for p in written)
    assert b"13800138000" not in blob and b"Child 1" not in blob and b"call me" not in blob
    note = written[1].read_text(encoding="utf-8")
    assert "Columns removed: respondent_id, name, phone, comment." in note
    assert "1 answer that was not a number was blanked." in note


def test_bad_requests(fw, result, survey, tmp_path):
    with pytest.raises(UsageError, match="use a .dta, .sav or .csv"):
        write_analysis(result.to_frame(), tmp_path / "x.xls", framework=fw)
    with pytest.raises(UsageError, match="does not exist"):
        write_analysis(result.to_frame(), tmp_path / "no" / "x.dta", framework=fw)
    with pytest.raises(UsageError, match="'random' or 'sequential'"):
        anonymised_microdata(fw, survey, ids="names")
    assert not list(tmp_path.iterdir())  # nothing half-written


def test_microdata_of_an_empty_survey(fw, survey, tmp_path):
    frame, removed = anonymised_microdata(fw, survey.iloc[:0])
    assert frame.empty and frame["small_group"].dtype == bool and removed["small_groups"] == 0
    written = write_microdata(fw, survey.iloc[:0], tmp_path / "empty.sav", lang="zh")
    data, _ = pyreadstat.read_sav(str(written[0]))
    assert len(data) == 0
