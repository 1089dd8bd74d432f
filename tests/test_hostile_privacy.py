"""Children's data: small groups suppressed in every output, phone numbers masked."""

from __future__ import annotations

import csv
import io
import json

import pandas as pd
from hostile_inputs import chengdu_data, cli
from hypothesis import given, settings
from hypothesis import strategies as st

PHONE = "13812345678"


def _one_child(tmp_path):
    def edit(df):
        kids = df[(df.community_id == "CD-CH-001") & (df.respondent == "child")]
        df = df.drop(kids.index[1:])
        df.loc[kids.index[0], "c_voice_listen"] = f"我叫小明 电话{PHONE}"
        return df

    return chengdu_data(tmp_path / "d", names={"CD-CH-001": f"桂花巷 {PHONE}"}, survey_edit=edit)


def _child_rows(rows):
    return [r for r in rows if r["community_id"] == "CD-CH-001" and r["respondent"] == "child"]


def test_a_group_of_one_is_not_published_unless_asked(tmp_path):
    from openpyxl import load_workbook

    survey, audit = _one_child(tmp_path)
    data = ["--survey", survey, "--audit", audit]
    for flag in ([], ["--show-small-groups"]):
        for fmt in ("json", "xlsx"):
            run = cli("score", "chengdu-community", *data, *flag, "-o", tmp_path / f"s.{fmt}")
            assert run.exit_code == 1, run.output  # the bad answer is a data problem
        doc = json.loads((tmp_path / "s.json").read_text(encoding="utf-8"))
        rows = _child_rows(doc["by_group"])
        assert rows and all(r["n"] == 1 and r["status"] == "insufficient" for r in rows)
        ws = load_workbook(tmp_path / "s.xlsx", read_only=True).worksheets[3]
        sheet = list(ws.iter_rows(values_only=True))
        header = sheet[0]
        col = {name: i for i, name in enumerate(header)}
        score_col = next(i for name, i in col.items() if name and "score" in name)
        cid_col = next(i for name, i in col.items() if name and "community_id" in name)
        xlsx_rows = [r for r in sheet[1:] if r[cid_col] == "CD-CH-001" and "child" in r]
        if flag:
            assert all(r["score"] is not None for r in rows)
            assert all(r[score_col] is not None for r in xlsx_rows)
        else:
            assert all(r["score"] is None and r["ci_low"] is None for r in rows)
            assert xlsx_rows and all(r[score_col] is None for r in xlsx_rows)
    # The community's own scores are there (the group of one is left out of them).
    assert any(c["community_id"] == "CD-CH-001" for c in doc["communities"])


def test_phone_numbers_are_masked_in_exports_and_issues(tmp_path):
    survey, audit = _one_child(tmp_path)
    data = ["--survey", survey, "--audit", audit]
    for fmt in ("json", "xlsx", "csv"):
        cli("score", "chengdu-community", *data, "-o", tmp_path / f"s.{fmt}")
    cli("check", "chengdu-community", *data, "-o", tmp_path / "issues.csv")
    text = (tmp_path / "s.json").read_text(encoding="utf-8")
    assert PHONE not in text and "桂花巷 ***********" in text
    issues = (tmp_path / "issues.csv").read_text(encoding="utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(issues)))
    assert "我叫小明 电话***********" in [r["value"] for r in rows]
    assert PHONE not in issues
    import zipfile

    with zipfile.ZipFile(tmp_path / "s.xlsx") as z:
        assert all(PHONE not in z.read(n).decode("utf-8", "replace") for n in z.namelist())


def test_report_shows_no_score_for_a_group_of_one(tmp_path):
    from cfeval.data.load import load_data
    from cfeval.framework.loader import load_framework
    from cfeval.report.context import build_context
    from cfeval.scoring.engine import score

    survey, audit = _one_child(tmp_path)
    fw = load_framework("chengdu-community")
    result = score(fw, load_data(fw, survey=survey, audit=audit))
    ctx = build_context(result, "CD-CH-001", lang="en")
    text = json.dumps(ctx, default=str, ensure_ascii=False)
    assert PHONE not in text
    child = result.by_group.query("community_id == 'CD-CH-001' and respondent == 'child'")
    assert child["score"].isna().all() and (child["n"] == 1).all()


# Phone-like text: digits (ASCII and full-width), separators, the ID card's X, CJK.
_PIECES = st.sampled_from(["1", "3", "8", "0", "9", "5", "X", " ", "-", "+86", "(", ")",
                           "１", "社区", "a", "13812345678", "028", "110101199003077", "\t"])  # fmt: skip
_TEXTS = st.lists(_PIECES, max_size=14).map("".join)


@settings(max_examples=150, deadline=None)
@given(texts=st.lists(st.one_of(_TEXTS, st.none()), max_size=8))
def test_community_texts_are_masked_as_mask_pii_masks_each(texts):
    # The names are masked once per distinct text and only where a number can hide
    # (a quick check over all texts first): the same as mask_pii on each text.
    from cfeval._safety import mask_pii
    from cfeval.scoring.privacy import mask_community_text

    frame = pd.DataFrame({"name": pd.Series(texts, dtype=object)})
    got = mask_community_text(frame)["name"].tolist()
    assert [None if pd.isna(g) else g for g in got] == [
        None if t is None else mask_pii(t) for t in texts
    ]
