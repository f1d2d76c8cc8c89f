"""A question's relative time rewritten against the day it is asked on."""

from __future__ import annotations

import pytest

from retrieval.text.asof import asks_recent, in_absolute_time

JUNE = "2023-06-14"  # a Wednesday
JANUARY = "2024-01-05"  # a Friday


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("去年全镇旅游收入多少？", "2022年全镇旅游收入多少？"),
        ("今年1-8月新开工项目几个？", "2023年1-8月新开工项目几个？"),
        ("四年前上半年港口吞吐量多少？", "2019年上半年港口吞吐量多少？"),
        ("三年前建成的大桥叫什么？", "2020年建成的大桥叫什么？"),
        ("上月签约了哪些企业？", "2023年5月签约了哪些企业？"),
        ("三个月前开工的是哪个项目？", "2023年3月开工的是哪个项目？"),
        ("上个季度出口额多少？", "2023年第一季度出口额多少？"),
        ("上周开园的是哪座公园？", "2023年6月5日至6月11日开园的是哪座公园？"),
        ("昨天揭牌的是什么机构？", "2023年6月13日揭牌的是什么机构？"),
        ("去年底建成了几座桥？", "2022年底建成了几座桥？"),
        ("今年以来引进人才多少名？", "2023年以来引进人才多少名？"),
        ("今年上半年比去年同期增长多少？", "2023年上半年比2022年同期增长多少？"),
    ],
)
def test_relative_time_becomes_absolute(question: str, expected: str) -> None:
    assert in_absolute_time(question, JUNE).text == expected


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("去年12月客流多少？", "2023年12月客流多少？"),
        ("上月客流多少？", "2023年12月客流多少？"),
        ("上周客流多少？", "2023年12月25日至12月31日客流多少？"),
        ("两周前客流多少？", "2023年12月18日至12月24日客流多少？"),
        ("上个季度客流多少？", "2023年第四季度客流多少？"),
        ("3天前客流多少？", "2024年1月2日客流多少？"),
    ],
)
def test_year_boundaries_asked_in_january(question: str, expected: str) -> None:
    assert in_absolute_time(question, JANUARY).text == expected


def test_a_week_across_the_new_year_names_both_years() -> None:
    # 2025-01-08 is a Wednesday; the week before runs from Monday 30 December 2024
    assert in_absolute_time("上周客流多少？", "2025-01-08").text == (
        "2024年12月30日至2025年1月5日客流多少？"
    )


@pytest.mark.parametrize(
    "question",
    [
        "科学城GDP增长多少？",  # no relative time
        "1-8月新签约多少个项目？",  # a part without a year: no year is added
        "截至目前累计引进多少家企业？",  # the day itself, no period to search for
        "近日开工的项目有哪些？",
        "最近有哪些新项目？",  # a recency wish
        "2021年营收多少？",  # already absolute
    ],
)
def test_what_is_kept_as_it_is(question: str) -> None:
    assert in_absolute_time(question, JUNE).text == question


def test_periods_keep_the_original_offsets() -> None:
    question = "去年和上月各签约多少？"
    timed = in_absolute_time(question, JUNE)
    assert [(p.text, p.date_from, p.date_to) for p in timed.periods] == [
        ("去年", "2022-01-01", "2022-12-31"),
        ("上月", "2023-05-01", "2023-05-31"),
    ]
    assert all(question[p.start_char : p.end_char] == p.text for p in timed.periods)
    assert timed.text == "2022年和2023年5月各签约多少？"


def test_a_bad_as_of_changes_nothing() -> None:
    assert in_absolute_time("去年营收多少？", "2023-02-30").text == "去年营收多少？"


@pytest.mark.parametrize(
    ("question", "recent"),
    [
        ("星湾港最近的吞吐量是多少？", True),
        ("最新的签约项目有哪些？", True),
        ("近期开工了什么？", True),
        ("What is the latest figure?", True),
        ("去年吞吐量多少？", False),
        ("The recentralisation plan?", False),
    ],
)
def test_asks_recent(question: str, recent: bool) -> None:
    assert asks_recent(question) is recent
    assert in_absolute_time(question, JUNE).recent is recent
