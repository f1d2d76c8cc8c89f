"""Question analysis: kind, expected figure, parts, constraints and follow-up rules."""

from __future__ import annotations

import pytest

from retrieval.questions import analyse, condense_by_rule, is_english, split_parts


@pytest.mark.parametrize(
    ("question", "kind", "expects", "unit"),
    [
        ("科学城核心区2021年GDP增长多少?", "figure", "percent", None),
        ("国核铀业2021年营业收入多少?", "figure", "money", None),
        ("新签约项目多少个?", "figure", None, "个"),
        ("黑石集团预测2022年美联储将加息几次", "figure", None, "次"),
        ("汽车产业产值高于重庆市多少个百分点?", "figure", "percent", "个百分点"),
        ("第七届香港立法会议员宣誓仪式的时间", "when", None, None),
        ("金凤实验室什么时候揭牌投用?", "when", None, None),
        ("2021赛季中超冠军", "who", None, None),
        ("智能网联汽车创新中心由谁领衔?", "who", None, None),
        ("首趟RCEP班列的起点？", "where", None, None),
        ("RCEP具体包括哪些国家", "what", None, None),
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
            "国核铀业2021年利润总额多少? 营业收入",
        ),
        (
            "其中百亿元级项目有几个?",
            ["新签约项目多少个?"],
            "新签约项目多少个? 其中百亿元级项目有几个",
        ),
        ("焦作高新区产值增长多少?", ["新签约项目多少个?"], "焦作高新区产值增长多少?"),
        ("那它的营业收入呢?", [], "那它的营业收入呢?"),
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
