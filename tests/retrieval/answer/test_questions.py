"""Question analysis: kind, expected figure, parts, constraints and follow-up rules."""

from __future__ import annotations

import pytest

from retrieval.answer.followup import condense_by_rule
from retrieval.answer.questions import analyse, clean_text, has_content, is_english, split_parts


@pytest.mark.parametrize(
    ("question", "kind", "expects", "unit"),
    [
        ("科学城核心区2021年GDP增长多少?", "figure", "percent", None),
        ("国核铀业2021年营业收入多少?", "figure", "money", None),
        ("新签约项目多少个?", "figure", None, "个"),
        ("市气象台预计今年还会出现几次寒潮", "figure", None, "次"),
        ("汽车产业产值高于重庆市多少个百分点?", "figure", "percent", "个百分点"),
        ("新体育馆落成典礼的时间", "when", None, None),
        ("金凤实验室什么时候揭牌投用?", "when", None, None),
        ("2021赛季市篮球联赛冠军", "who", None, None),
        ("智能网联汽车创新中心由谁领衔?", "who", None, None),
        ("首趟中欧货运班列从哪里出发？", "where", None, None),
        ("新园区具体包括哪些产业", "what", None, None),
        ("科学城核心区GDP同比增长12.9%", "claim", None, None),
        ("新园区首期投资20亿元。", "claim", None, None),
        ("The new bridge cost 3 billion yuan to build.", "claim", None, None),
        ("How much did GDP grow?", "figure", "percent", None),
    ],
)
def test_kind_expected_figure_and_unit(
    question: str, kind: str, expects: str | None, unit: str | None
) -> None:
    analysed = analyse(question)
    assert (analysed.kind, analysed.expects, analysed.unit_hint) == (kind, expects, unit)


@pytest.mark.parametrize(
    ("question", "parts"),
    [
        (
            "今年1-8月新签约多少个项目，合同投资额多少?",
            ["今年1-8月新签约多少个项目", "合同投资额多少"],
        ),
        ("2021年,科学城核心区GDP增长多少?", ["2021年,科学城核心区GDP增长多少?"]),
        ("营业收入多少，利润总额多少？", ["营业收入多少", "利润总额多少"]),
    ],
)
def test_multi_part_questions_split_only_on_asking_pieces(question: str, parts: list[str]) -> None:
    assert split_parts(question) == parts


def test_dates_in_the_question_become_constraints() -> None:
    assert [f.raw for f in analyse("今年1-8月和2021年的投资多少?").constraints] == [
        "1-8月",
        "2021年",
    ]


@pytest.mark.parametrize(
    ("question", "history", "expected"),
    [
        (
            "那它的营业收入呢?",
            ["国核铀业2021年利润总额多少?"],
            "国核铀业2021年营业收入多少?",
        ),
        (
            "其中百亿元级项目有几个?",
            ["新签约项目多少个?"],
            "新签约项目多少个? 其中百亿元级项目有几个",
        ),
        ("焦作高新区产值增长多少?", ["新签约项目多少个?"], "焦作高新区产值增长多少?"),
        ("那它的营业收入呢?", [], "那它的营业收入呢?"),
        (
            "那今年前三季度呢？",
            ["科学城核心区2021年GDP增长多少？"],
            "科学城核心区今年前三季度GDP增长多少？",
        ),
    ],
)
def test_follow_up_rule(question: str, history: list[str], expected: str) -> None:
    assert condense_by_rule(question, history) == expected


@pytest.mark.parametrize(
    ("text", "english"),
    [("What is the GDP?", True), ("GDP增长多少?", False), ("12.9%", False)],
)
def test_language(text: str, english: bool) -> None:
    assert is_english(text) is english


@pytest.mark.parametrize(
    ("question", "content"),
    [
        ("' OR 1=1 --", False),
        ("' OR 'x'='x", False),
        ("？？？", False),
        ("2021", False),
        ("GDP?", True),
        ("猫?", True),
        ("1=1; DROP TABLE users", True),
        ("国核铀业营收多少?", True),
    ],
)
def test_content_words_are_letters_not_operators_or_stopwords(question: str, content: bool) -> None:
    assert has_content(analyse(question)) is content


def test_clean_text_replaces_what_no_model_can_read() -> None:
    assert clean_text("营收\ud800多少\x00?\udcff\t\n") == "营收\ufffd多少 ?\ufffd\t\n"
    assert clean_text("正常的问题？") == "正常的问题？"
