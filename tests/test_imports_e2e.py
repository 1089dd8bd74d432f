"""Real-looking exports end to end: `mapping suggest` → check with the draft as written →
score, every row accounted for and the same scores as the clean sample data.

The fixtures are made here from the shipped sample generator (chengdu, wave 1, six
communities): children in a 问卷星 by-text export, parents in a 问卷星 by-number export with
-3/-2 codes, each with its own headers (question text, matrix rows, one drifted character),
communities by name, and 序号 restarting at 1 in both files.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import yaml

from cfeval.data.load import load_data
from cfeval.data.mapping import load_mapping
from cfeval.data.suggest import suggest_mapping
from cfeval.framework.loader import load_framework
from cfeval.sample.generate import generate, questionnaire
from cfeval.scoring.engine import score

FW = load_framework("chengdu-community")
COMMUNITIES = ["CD-JJ-001", "CD-JJ-002", "CD-QY-001", "CD-WH-003", "CD-CH-001", "CD-CH-002"]
CHILD_DRIFT = "c_help_who"  # its header loses one character to a typo
PARENT_DRIFT = "p_space_alone"


def _system(n: int) -> dict[str, list]:
    return {
        "序号": list(range(1, n + 1)),
        "提交答卷时间": ["2024/5/11 9:00:00"] * n,
        "所用时间": ["180秒"] * n,
        "来源": ["微信"] * n,
        "来源详情": ["直接访问"] * n,
        "来自IP": ["10.0.0.1(四川-成都)"] * n,
    }


def _drift(text: str) -> str:
    # one character replaced, as a person retyping the question might
    i = len(text) // 2
    return text[:i] + ("的" if text[i] != "的" else "了") + text[i + 1 :]


def children_export(rows: pd.DataFrame, names: dict[str, str]) -> pd.DataFrame:
    """问卷星 按选项文本: names for communities, option labels, (跳过), a 第N题(…) matrix."""
    items = [it for _, it in questionnaire(FW, "child")]
    out = _system(len(rows))
    out["1、您所在的社区"] = [names[c] for c in rows["community_id"]]
    out["2、年龄"] = rows["age"].astype(int).tolist()
    for n, it in enumerate(items, start=3):
        labels = FW.scales[it.scale].labels
        text = it.text["zh"]
        if it.id == CHILD_DRIFT:
            header = f"{n}、{_drift(text)}"
        elif n % 3 == 0:
            header = f"第{n}题({text})"  # a matrix row
        else:
            header = f"{n}、{text}"
        out[header] = ["(跳过)" if pd.isna(v) else labels[int(v)]["zh"] for v in rows[it.id]]
    return pd.DataFrame(out)


def parents_export(rows: pd.DataFrame, names: dict[str, str]) -> pd.DataFrame:
    """问卷星 按选项序号: -3 / -2 for skipped / not shown, 4.(…) and 4(…) matrix rows."""
    items = [it for _, it in questionnaire(FW, "parent")]
    out = _system(len(rows))
    out["1：社区名称"] = [names[c].removesuffix("社区") for c in rows["community_id"]]
    for n, it in enumerate(items, start=2):
        text = it.text["zh"]
        header = (
            f"{n}. {_drift(text)}" if it.id == PARENT_DRIFT
            else f"{n}.({text})" if n % 2 else f"{n}({text})"
        )  # fmt: skip
        codes = [-3 if i % 2 else -2 for i in range(len(rows))]
        out[header] = np.where(rows[it.id].isna(), codes, rows[it.id]).astype(int)
    return pd.DataFrame(out)


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    survey, audit = generate(FW, broken=False)
    survey = survey[survey["community_id"].isin(COMMUNITIES) & (survey["wave"] == 1)]
    audit = audit[audit["community_id"].isin(COMMUNITIES) & (audit["wave"] == 1)]
    names = dict(zip(audit["community_id"], audit["name"], strict=True))
    d = tmp_path_factory.mktemp("exports")
    kids = survey[survey["respondent"] == "child"]
    adults = survey[survey["respondent"] == "parent"]
    children = children_export(kids, names)
    # one child names a community the audit does not have: excluded, with a reason
    stray = children.iloc[[0]].assign(**{"1、您所在的社区": "不存在社区"})
    pd.concat([children, stray], ignore_index=True).to_excel(d / "children.xlsx", index=False)
    parents_export(adults, names).to_excel(d / "parents.xlsx", index=False)
    audit.to_csv(d / "audit.csv", index=False)
    # The clean sample as cfeval's own format: what the exports must score like.
    clean = pd.concat([kids, adults]).drop(columns=["weight", "respondent_id"])
    clean.to_csv(d / "clean.csv", index=False)
    return d, len(kids) + 1, len(adults)


def _draft(files, name):
    d = files[0]
    text = suggest_mapping(FW, d / f"{name}.xlsx")
    (d / f"{name}.yaml").write_text(text, encoding="utf-8")
    return text


def test_the_drafts_say_what_they_guessed(files):
    kids = _draft(files, "children")
    parents = _draft(files, "parents")
    assert "platform: wjx" in kids and "platform: wjx" in parents
    assert kids.count("respondent: child  # CHECK") == 1
    assert parents.count("respondent: parent  # CHECK") == 1
    drifted = next(line for line in kids.splitlines() if f": {CHILD_DRIFT}  #" in line)
    assert "CHECK: suggested, similarity" in drifted
    assert '"序号"' not in yaml.safe_load(kids)["columns"]
    assert "#   platform columns: 序号, 提交答卷时间" in kids
    assert "(跳过) → blank" in kids and "-3 → blank" in parents and "-2 → blank" in parents
    assert "不太同意 → 2" not in kids  # child3 has no such option; agree5 is the parents'
    mapping = load_mapping(files[0] / "children.yaml")
    assert mapping.respondent == "child"
    assert mapping.columns["1、您所在的社区"] == "community_id"


def test_check_with_the_drafts_and_score_like_the_clean_sample(files):
    d, n_kids, n_adults = files
    _draft(files, "children")
    _draft(files, "parents")
    ds = load_data(
        FW,
        survey=[d / "children.xlsx", d / "parents.xlsx"],
        audit=d / "audit.csv",
        mapping=[d / "children.yaml", d / "parents.yaml"],
    )
    report = ds.report
    # Only the stray community is a problem; the rest are notes.
    problems = [(i.code, i.value) for i in report.issues if i.severity != "info"]
    assert problems == [("unknown-community", "不存在社区")]
    assert {i.code for i in report.issues} <= {
        "unknown-community", "platform-column", "platform-blank", "community-by-name",
        "encoding",
    }  # fmt: skip
    # every row accounted for: used + excluded with a reason = read
    read = {f.path.rsplit("/", 1)[-1]: (f.rows_read, f.rows_used) for f in report.files}
    assert read["children.xlsx"] == (n_kids, n_kids - 1)
    assert read["parents.xlsx"] == (n_adults, n_adults)
    assert dict(report.excluded_rows) == {"unknown-community": 1}
    assert ds.survey["respondent"].value_counts().to_dict() == {
        "child": n_kids - 1,
        "parent": n_adults,
    }
    clean = load_data(FW, survey=d / "clean.csv", audit=d / "audit.csv")
    assert not clean.report.has_problems
    got, want = score(FW, ds).scores, score(FW, clean).scores
    cols = ["community_id", "path", "score", "points", "ci_low", "ci_high", "n", "status"]
    pd.testing.assert_frame_equal(got[cols], want[cols])


def test_without_the_drafts_nothing_is_guessed(files):
    d, _, _ = files
    ds = load_data(FW, survey=[d / "children.xlsx"], audit=d / "audit.csv")
    codes = ds.report.summary()
    # no group column and no mapping: the rows are not silently taken as children
    assert codes["missing-column"] >= 1 and ds.survey.empty
    # the drifted header is reported with its candidate and score, and not used
    (line,) = [i for i in ds.report.issues if i.code == "header-suggestion"]
    assert line.value == CHILD_DRIFT
    assert f"{CHILD_DRIFT} (95.5)" in line.message  # 2*21/44: one of 22 characters changed


def test_repeated_mappings_that_cannot_be_paired_are_refused(files):
    from cfeval.errors import UsageError

    d, _, _ = files
    with pytest.raises(UsageError, match="3 mapping files for 2 survey file"):
        load_data(
            FW,
            survey=[d / "children.xlsx", d / "parents.xlsx"],
            mapping=[{"respondent": "child"}] * 3,
        )


# --------------------------------------------------------------------------- command line


def _cli(*args):
    from typer.testing import CliRunner

    from cfeval.cli.app import app

    return CliRunner(env={"COLUMNS": "200", "CFEVAL_LANG": "en"}).invoke(
        app, [str(a) for a in args]
    )


def test_the_commands_suggest_check_and_score(files):
    d, n_kids, n_adults = files
    for name in ("children", "parents"):
        result = _cli("mapping", "suggest", "chengdu-community", d / f"{name}.xlsx",
                      "-o", d / f"cli-{name}.yaml")  # fmt: skip
        assert result.exit_code == 0, result.output
        assert (d / f"cli-{name}.yaml").read_text(encoding="utf-8") == suggest_mapping(
            FW, d / f"{name}.xlsx"
        )
    data = ["--audit", d / "audit.csv",
            "--survey", d / "children.xlsx", "--mapping", d / "cli-children.yaml",
            "--survey", d / "parents.xlsx", "--mapping", d / "cli-parents.yaml"]  # fmt: skip
    result = _cli("check", "chengdu-community", *data, "--out", d / "issues.csv")
    assert result.exit_code == 1  # the one stray community
    issues = pd.read_csv(d / "issues.csv")
    assert issues.loc[issues["severity"] != "info", "code"].tolist() == ["unknown-community"]
    result = _cli("score", "chengdu-community", *data, "-o", d / "scores.csv")
    assert result.exit_code == 1, result.output
    scores = pd.read_csv(d / "scores.csv")
    assert sorted(scores["community_id"].unique()) == sorted(COMMUNITIES)


def test_the_commands_refuse_mappings_that_cannot_be_paired(files):
    d, _, _ = files
    m = d / "one.yaml"
    m.write_text("respondent: child\n", encoding="utf-8")
    result = _cli("check", "chengdu-community", "--survey", d / "children.xlsx",
                  "--survey", d / "parents.xlsx", "--mapping", m, "--mapping", m, "--mapping", m)  # fmt: skip
    assert result.exit_code == 2
    assert "3 mapping files for 2 survey file(s)" in result.stderr
    assert "Traceback" not in result.output


def test_suggest_of_a_missing_file_is_a_usage_error(tmp_path):
    result = _cli("mapping", "suggest", "chengdu-community", tmp_path / "nope.xlsx")
    assert result.exit_code == 2 and "file not found" in result.stderr
    result = _cli("mapping", "suggest", "chengdu-community", tmp_path / "x.xlsx", "-o",
                  tmp_path / "no" / "m.yaml")  # fmt: skip
    assert result.exit_code == 2


def test_suggest_with_the_audit_writes_the_names_it_matched(files):
    d, _, _ = files
    text = suggest_mapping(FW, d / "parents.xlsx", audit=d / "audit.csv")
    communities = yaml.safe_load(text)["communities"]
    # the parents' file shortens the names (桂花巷 for 桂花巷社区): matched one to one
    assert communities == {name.removesuffix("社区"): cid for cid, name in _names(d).items()}
    text = suggest_mapping(FW, d / "children.xlsx", audit=d / "audit.csv")
    assert '# "不存在社区": ?  # 1 rows; unknown; candidates: none' in text


def _names(d):
    audit = pd.read_csv(d / "audit.csv")
    return dict(zip(audit["community_id"], audit["name"], strict=True))


# --------------------------------------------------------------------------- Kobo and ODK


def kobo_export(rows: pd.DataFrame, names: dict[str, str], path) -> None:
    """KoboToolbox CSV with labels: `;`, every field quoted, group paths, n/a for skips."""
    items = [it for _, it in questionnaire(FW, "parent")]
    n = len(rows)
    out = {"start": ["2024-05-11T09:00:00"] * n, "end": ["2024-05-11T09:05:00"] * n}
    out["基本信息/您所在的社区"] = [names[c] for c in rows["community_id"]]
    for it in items:
        labels = FW.scales[it.scale].labels
        out[f"家长问卷/{it.text['zh']}"] = [
            "n/a" if pd.isna(v) else labels[int(v)]["zh"] for v in rows[it.id]
        ]
    out |= {"_id": range(1, n + 1), "_uuid": [f"u{i}" for i in range(n)],
            "_submission_time": ["2024-05-11T09:05:01"] * n, "_index": range(1, n + 1)}  # fmt: skip
    pd.DataFrame(out).to_csv(path, sep=";", index=False, quoting=1)


def odk_export(rows: pd.DataFrame, path) -> None:
    """ODK Central CSV with names: group-question headers, codes, blanks for skips."""
    items = [it for _, it in questionnaire(FW, "child")]
    n = len(rows)
    out = {"SubmissionDate": ["2024-05-11T09:05:01.000Z"] * n,
           "intro-community_id": rows["community_id"].tolist()}  # fmt: skip
    for it in items:
        out[f"views-{it.id}"] = rows[it.id].astype("Int64").tolist()
    out |= {"meta-instanceID": [f"uuid:{i}" for i in range(n)], "KEY": [f"uuid:{i}" for i in range(n)],
            "SubmitterID": [7] * n, "ReviewState": [""] * n}  # fmt: skip
    pd.DataFrame(out).to_csv(path, index=False)


def test_kobo_and_odk_exports_through_their_drafts(files):
    d, _, _ = files
    survey, audit = generate(FW, broken=False)
    survey = survey[survey["community_id"].isin(COMMUNITIES) & (survey["wave"] == 1)]
    names = _names(d)
    kids = survey[survey["respondent"] == "child"]
    adults = survey[survey["respondent"] == "parent"]
    kobo_export(adults, names, d / "kobo.csv")
    odk_export(kids, d / "odk.csv")
    drafts = []
    for name in ("kobo", "odk"):
        text = suggest_mapping(FW, d / f"{name}.csv")
        assert f"platform: {name}" in text
        (d / f"{name}.yaml").write_text(text, encoding="utf-8")
        drafts.append(d / f"{name}.yaml")
    assert "respondent: parent  # CHECK" in drafts[0].read_text(encoding="utf-8")
    assert "respondent: child  # CHECK" in drafts[1].read_text(encoding="utf-8")
    ds = load_data(
        FW, survey=[d / "kobo.csv", d / "odk.csv"], audit=d / "audit.csv", mapping=drafts
    )
    assert not ds.report.has_problems
    assert ds.survey["respondent_id"].isna().all()  # _id, _index, KEY are not respondent ids
    clean = load_data(FW, survey=d / "clean.csv", audit=d / "audit.csv")
    cols = ["community_id", "path", "score", "points", "ci_low", "ci_high", "n", "status"]
    pd.testing.assert_frame_equal(score(FW, ds).scores[cols], score(FW, clean).scores[cols])


def test_a_draft_reads_back_exactly_whatever_the_headers_hold(tmp_path):
    # Headers that look like YAML, comments or quotes stay data in the draft.
    hostile = ["a: b\n# c", '"quoted"', "- [x]", "社区里的大人会认真听我说话。 #"]
    frame = pd.DataFrame({h: ["是"] for h in hostile})
    frame.insert(0, "社区", ["CD-JJ-001"])
    frame.to_excel(tmp_path / "odd.xlsx", index=False)
    text = suggest_mapping(FW, tmp_path / "odd.xlsx")
    draft = yaml.safe_load(text)
    assert draft["columns"] == {"社区": "community_id", hostile[3]: "c_voice_listen"}
    # every unplaced header is named on a single comment line
    for h in hostile[:3]:
        assert sum(json_quoted(h) in line for line in text.splitlines()) == 1


def json_quoted(text):
    import json

    return json.dumps(text, ensure_ascii=False)
