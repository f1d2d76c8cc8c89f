"""Rule-based follow-up rewriting: a new period, metric or subject replaces the old one."""

from __future__ import annotations

import pytest

from retrieval.answer.followup import FollowUp, condense_by_rule, is_follow_up, rewrite

PROFIT_2021 = "国核铀业2021年利润总额多少?"
CORE_GDP_2021 = "科学城核心区2021年GDP增长多少？"


@pytest.mark.parametrize(
    ("question", "previous", "expected"),
    [
        ("那今年前三季度呢？", CORE_GDP_2021, "科学城核心区今年前三季度GDP增长多少？"),
        ("那2022年呢?", PROFIT_2021, "国核铀业2022年利润总额多少?"),
        ("那去年呢?", PROFIT_2021, "国核铀业去年利润总额多少?"),
        ("那2022年上半年呢?", PROFIT_2021, "国核铀业2022年上半年利润总额多少?"),
        ("那第三季度呢?", "比亚迪去年销量多少?", "比亚迪去年第三季度销量多少?"),
        ("那1至8月呢？", "上海2022年出口额多少？", "上海2022年1至8月出口额多少？"),
        ("那2019-2021年呢？", "上海2022年出口额多少？", "上海2019-2021年出口额多少？"),
        ("那去年同期呢？", "上海今年1-8月出口额多少？", "上海去年1-8月出口额多少？"),
    ],
)
def test_new_period_takes_the_old_ones_place(question: str, previous: str, expected: str) -> None:
    assert condense_by_rule(question, [previous]) == expected


def test_period_goes_after_the_subject_when_the_previous_question_had_none() -> None:
    assert condense_by_rule("那2022年上半年呢？", ["深圳市地区生产总值多少？"]) == (
        "深圳市2022年上半年地区生产总值多少？"
    )


def test_period_goes_first_when_there_is_no_subject_or_metric() -> None:
    assert condense_by_rule("那2022年呢?", ["新签约项目多少个?"]) == "2022年新签约项目多少个?"


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("那它的营业收入呢?", "国核铀业2021年营业收入多少?"),
        ("那净利润呢?", "国核铀业2021年净利润多少?"),
        ("那营收呢?", "国核铀业2021年营收多少?"),
    ],
)
def test_new_metric_takes_the_old_ones_place(question: str, expected: str) -> None:
    assert condense_by_rule(question, [PROFIT_2021]) == expected


def test_longest_metric_wins() -> None:
    result = rewrite("那工业总产值呢?", ["郑州市2021年地区生产总值多少?"])
    assert result.question == "郑州市2021年工业总产值多少?"
    assert result.replaced == (("metric", "地区生产总值", "工业总产值"),)


def test_new_subject_takes_the_old_ones_place() -> None:
    assert condense_by_rule("焦作高新区呢？", [CORE_GDP_2021]) == "焦作高新区2021年GDP增长多少？"
    assert condense_by_rule("那广州呢？", ["深圳市2022年GDP多少？"]) == "广州2022年GDP多少？"


def test_subject_is_appended_when_the_previous_question_names_none() -> None:
    assert condense_by_rule("焦作高新区呢？", ["新签约项目多少个?"]) == (
        "新签约项目多少个? 焦作高新区"
    )


def test_period_metric_and_subject_together() -> None:
    result = rewrite("那比亚迪2022年的销量呢？", ["宁德时代2021年营收多少？"])
    assert result.question == "比亚迪2022年销量多少？"
    assert set(result.replaced) == {
        ("period", "2021年", "2022年"),
        ("metric", "营收", "销量"),
        ("subject", "宁德时代", "比亚迪"),
    }


def test_replacements_are_reported() -> None:
    result = rewrite("那今年前三季度呢？", [CORE_GDP_2021])
    assert result == FollowUp(
        "科学城核心区今年前三季度GDP增长多少？", (("period", "2021年", "今年前三季度"),)
    )
    inserted = rewrite("那2022年呢?", ["新签约项目多少个?"])
    assert inserted.replaced == (("period", "", "2022年"),)


def test_replacement_of_a_part_with_the_same_text_is_not_reported() -> None:
    assert rewrite("那2021年呢?", [PROFIT_2021]) == FollowUp(PROFIT_2021, ())


def test_figures_in_the_previous_question_are_left_untouched() -> None:
    previous = "国核铀业2021年利润总额比上年增长12.9%吗?"
    assert condense_by_rule("那2022年呢?", [previous]) == (
        "国核铀业2022年利润总额比上年增长12.9%吗?"
    )


def test_unrecognised_follow_up_is_appended_like_before() -> None:
    assert condense_by_rule("其中百亿元级项目有几个?", ["新签约项目多少个?"]) == (
        "新签约项目多少个? 其中百亿元级项目有几个"
    )


@pytest.mark.parametrize(
    "question",
    ["焦作高新区产值增长多少?", "国核铀业2022年营业收入多少?", "What was revenue in 2022?"],
)
def test_a_question_that_is_not_a_follow_up_is_unchanged(question: str) -> None:
    assert not is_follow_up(question)
    assert rewrite(question, [PROFIT_2021]) == FollowUp(question, ())


def test_without_history_nothing_changes() -> None:
    assert condense_by_rule("那2022年呢?", []) == "那2022年呢?"


def test_english_follow_up_does_not_crash() -> None:
    result = condense_by_rule("what about 2022?", [PROFIT_2021])
    assert result.startswith(PROFIT_2021)
    assert "2022" in result
    assert condense_by_rule("What about Shanghai?", ["What was the GDP in 2021?"])


def test_only_the_last_question_of_the_history_is_used() -> None:
    history = ["上海2022年出口额多少？", PROFIT_2021]
    assert condense_by_rule("那2020年呢?", history) == "国核铀业2020年利润总额多少?"
