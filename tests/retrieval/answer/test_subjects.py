"""What a question is about, and whether a text mentions it."""

from __future__ import annotations

from retrieval.answer.subjects import focus, metric_conflict, subject_mismatch, unmentioned


def test_names_are_noun_runs_with_a_proper_name_in_them() -> None:
    about = focus("焦作高新区2021年的GDP增速是多少？")
    assert about.names == ("焦作高新区",)
    assert about.metrics == ("gdp", "增速")


def test_a_question_without_chinese_names_nothing() -> None:
    assert focus("How fast did the economy grow?").names == ()


def test_traditional_names_are_found_in_simplified_form() -> None:
    assert focus("國核鈾業項目總投資多少？").metrics == ("总投资",)


def test_a_name_counts_as_mentioned_whole_or_by_its_proper_name_words() -> None:
    article = "西部(重庆)科学城核心区的地区生产总值同比增长"
    assert unmentioned(focus("科学城核心区的GDP增长多少？"), article) == ()
    assert unmentioned(focus("焦作高新区的GDP增长多少？"), article) == ("焦作高新区",)


def test_one_of_several_names_is_enough_for_a_comparison() -> None:
    about = focus("焦作高新区和科学城核心区哪个增长更快？")
    assert len(about.names) == 2
    assert subject_mismatch(about, "科学城核心区GDP同比增长12.9%") == ()
    assert subject_mismatch(about, "某县GDP同比增长3%") == about.names


def test_a_sentence_stating_another_level_metric_conflicts() -> None:
    assert metric_conflict(("营业收入",), "公司利润总额达到5亿元")
    assert not metric_conflict(("营业收入",), "公司营业收入达到5亿元")
    assert not metric_conflict(("营业收入",), "公司去年表现不错")
    assert not metric_conflict(("营收",), "全年收入达到5亿元，利润总额1亿元")
