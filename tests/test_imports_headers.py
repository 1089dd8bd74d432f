"""Header matching of real exports: ids, standard names, question text, matrix rows, fuzzy
suggestions that are reported and never applied (cfeval.data.headers)."""

from __future__ import annotations

import pytest

from cfeval.data.headers import match_headers, matrix_parts, question_key
from cfeval.data.mapping import load_mapping
from cfeval.errors import UsageError
from cfeval.framework.loader import load_framework

FW = load_framework("chengdu-community")
LISTEN = "社区里的大人会认真听我说话。"  # c_voice_listen


def one(header, mapping=None, platform=None):
    (m,) = match_headers(FW, [header], "survey", mapping, platform)
    return m.target, m.how


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("c_voice_listen", ("c_voice_listen", "id")),
        ("社区编号", ("community_id", "standard")),
        ("1、社区编号", ("community_id", "standard")),
        ("２、年龄", ("age", "standard")),
        (f"3、{LISTEN}", ("c_voice_listen", "text")),
        (f"3. {LISTEN}", ("c_voice_listen", "text")),
        (f"3：{LISTEN}", ("c_voice_listen", "text")),
        # punctuation, spaces and Q-numbering differ: matched as question text
        ("Q3 社区里的大人，会认真听我说话", ("c_voice_listen", "question")),
        ("第3题 社区里的大人会认真 听我说话!", ("c_voice_listen", "question")),
        ("（3）社区里的大人会认真听我说话？", ("c_voice_listen", "question")),
        # matrix rows: 问卷星's two forms, a stem with its row, Kobo and ODK group paths
        # (numbering and brackets go with the punctuation: the row is the question text)
        (f"第4题({LISTEN})", ("c_voice_listen", "question")),
        (f"4.({LISTEN})", ("c_voice_listen", "question")),
        (f"4({LISTEN})", ("c_voice_listen", "matrix")),
        (f"4、请选择你的感受（{LISTEN}）", ("c_voice_listen", "matrix")),
        (f"4、以下说法—{LISTEN}", ("c_voice_listen", "matrix")),
        ("grp_voice/c_voice_listen", ("c_voice_listen", "matrix")),
        ("grp_voice-c_voice_listen", ("c_voice_listen", "matrix")),
        (f"我的看法/{LISTEN}", ("c_voice_listen", "matrix")),
    ],
)
def test_headers_are_placed(header, expected):
    assert one(header) == expected


@pytest.mark.parametrize("header", ["序号", "提交答卷时间", "_index", "_id", "KEY", "_uuid"])
def test_platform_running_numbers_are_never_respondent_ids(header):
    assert one(header) == (None, "system")


def test_a_mapping_can_still_take_a_running_number_as_the_id():
    mapping = load_mapping({"columns": {"序号": "respondent_id"}})
    assert one("序号", mapping) == ("respondent_id", "mapping")


def test_one_character_drift_is_a_suggestion_with_its_score_not_a_match():
    drifted = "社区里的大人会认真听我讲话。"  # 说 → 讲
    (m,) = match_headers(FW, [f"5、{drifted}"], "survey")
    assert (m.target, m.how) == (None, "unknown")
    # ratio of the 13-character question keys with one character changed: 2*12/26
    assert m.candidates[0] == ("c_voice_listen", round(100 * 24 / 26, 1))
    assert m.confident


def test_a_suggestion_never_points_at_a_target_another_column_holds():
    drifted = "社区里的大人会认真听我讲话。"
    matches = match_headers(FW, [LISTEN, drifted], "survey")
    assert matches[0].target == "c_voice_listen"
    assert all(t != "c_voice_listen" for t, _ in matches[1].candidates)


def test_unrelated_headers_get_no_suggestion():
    (m,) = match_headers(FW, ["您家住几楼"], "survey")
    assert (m.target, m.candidates) == (None, ())


def test_close_runners_up_are_not_confident():
    # Two items whose texts differ by one character: a header between them is no one's.
    fw = FW.model_copy(deep=True)
    items = fw.items()
    items[0].text["zh"] = "我在社区里感到安全"
    items[1].text["zh"] = "我在学校里感到安全"
    (m,) = match_headers(fw, ["我在社校里感到安全"], "survey")
    assert m.candidates == ((items[0].id, 88.9), (items[1].id, 88.9))
    assert not m.confident


def test_question_key_and_matrix_parts():
    assert question_key("１．我 知道？*") == question_key("Q1 我知道") == "我知道"
    assert question_key("2024年的活动") == "2024年的活动"  # a year is not numbering
    assert matrix_parts("第4题(安全)") == ["安全"]
    assert matrix_parts("plain") == []


def test_a_mapping_column_naming_nothing_is_refused_and_one_for_the_audit_is_left_to_it():
    with pytest.raises(UsageError, match="'Q1' maps to 'nothing_here'"):
        match_headers(FW, ["Q1"], "survey", load_mapping({"columns": {"Q1": "nothing_here"}}))
    shared = load_mapping({"columns": {"Q1": "c_voice_listen", "有议事会": "has_children_council"}})
    assert match_headers(FW, ["有议事会"], "audit", shared)[0].target == "has_children_council"
    assert match_headers(FW, ["Q1"], "audit", shared)[0].target is None


# --------------------------------------------------------------------------- laws

from hypothesis import given  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

ITEMS = FW.items()
NUMBERING = st.sampled_from(["", "1、", "12. ", "3：", "Q4 ", "q5.", "第6题 ", "(7)", "８．"])
NOISE = st.sampled_from(["", "。", "？", "！", "*", " ", "\u3000", "，"])


@given(st.sampled_from(ITEMS), NUMBERING, NOISE, NOISE)
def test_an_items_own_text_with_numbering_and_punctuation_is_always_that_item(it, num, a, b):
    text = it.text["zh"]
    i = len(text) // 2
    header = f"{num}{text[:i]}{a}{text[i:]}{b}"
    (m,) = match_headers(FW, [header], "survey")
    assert m.target == it.id


@given(st.text(max_size=30))
def test_question_key_is_idempotent_and_ignores_width(text):
    import unicodedata

    key = question_key(text)
    assert question_key(key) == key
    assert question_key(unicodedata.normalize("NFKC", text)) == key


@given(st.text(max_size=40))
def test_a_header_never_matches_by_similarity_alone(header):
    # Whatever the header, a match is exact after normalisation; similarity only suggests.
    (m,) = match_headers(FW, [header], "survey")
    if m.target is not None:
        assert m.how in {"id", "standard", "text", "question", "matrix"}
        assert not m.candidates
