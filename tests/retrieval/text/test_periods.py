"""Relative time expressions resolved against an article's date, each kind and its edges."""

from __future__ import annotations

import itertools

import pytest

from retrieval.text.periods import RECENT_DAYS, named_periods, periods_within, resolve_periods
from retrieval.types import ResolvedPeriod

OCTOBER = "2022-10-20"  # a Thursday
JANUARY = "2023-01-10"  # a Tuesday


def resolved(text: str, base: str | None) -> list[tuple[str, str, str, str]]:
    return [(p.text, p.date_from, p.date_to, p.rule) for p in resolve_periods(text, base)]


@pytest.mark.parametrize(
    ("text", "base", "expected"),
    [
        ("今年产值增长。", OCTOBER, ("今年", "2022-01-01", "2022-12-31", "relative_year")),
        ("去年产值增长。", OCTOBER, ("去年", "2021-01-01", "2021-12-31", "relative_year")),
        ("比前年多。", OCTOBER, ("前年", "2020-01-01", "2020-12-31", "relative_year")),
        ("明年建成。", OCTOBER, ("明年", "2023-01-01", "2023-12-31", "relative_year")),
        ("今年上半年增长。", OCTOBER, ("今年上半年", "2022-01-01", "2022-06-30", "relative_year")),
        ("今年下半年开工。", OCTOBER, ("今年下半年", "2022-07-01", "2022-12-31", "relative_year")),
        (
            "今年前三季度领跑。",
            OCTOBER,
            ("今年前三季度", "2022-01-01", "2022-09-30", "relative_year"),
        ),
        (
            "今年第二季度回升。",
            OCTOBER,
            ("今年第二季度", "2022-04-01", "2022-06-30", "relative_year"),
        ),
        ("今年1-8月签约。", OCTOBER, ("今年1-8月", "2022-01-01", "2022-08-31", "relative_year")),
        ("今年1至8月签约。", OCTOBER, ("今年1至8月", "2022-01-01", "2022-08-31", "relative_year")),
        (
            "今年前8个月签约。",
            OCTOBER,
            ("今年前8个月", "2022-01-01", "2022-08-31", "relative_year"),
        ),
        ("今年7月签约。", OCTOBER, ("今年7月", "2022-07-01", "2022-07-31", "relative_year")),
        (
            "去年12月底前完工。",
            OCTOBER,
            ("去年12月底", "2021-12-21", "2021-12-31", "relative_year"),
        ),
        ("今年以来增长。", OCTOBER, ("今年以来", "2022-01-01", "2022-10-20", "year_to_date")),
        ("本月开放。", OCTOBER, ("本月", "2022-10-01", "2022-10-31", "relative_month")),
        ("上月开放。", OCTOBER, ("上月", "2022-09-01", "2022-09-30", "relative_month")),
        ("本周开放。", OCTOBER, ("本周", "2022-10-17", "2022-10-23", "relative_week")),
        ("上周开放。", OCTOBER, ("上周", "2022-10-10", "2022-10-16", "relative_week")),
        ("昨天开放。", OCTOBER, ("昨天", "2022-10-19", "2022-10-19", "relative_day")),
        ("昨日开放。", OCTOBER, ("昨日", "2022-10-19", "2022-10-19", "relative_day")),
        ("前天开放。", OCTOBER, ("前天", "2022-10-18", "2022-10-18", "relative_day")),
        ("近日，园区开放。", OCTOBER, ("近日", "2022-10-06", "2022-10-20", "recent")),
        ("截至目前，已引进项目。", OCTOBER, ("截至目前", "2022-10-20", "2022-10-20", "as_of")),
    ],
)
def test_each_kind_against_a_known_date(
    text: str, base: str, expected: tuple[str, str, str, str]
) -> None:
    assert resolved(text, base) == [expected]


def test_recent_days_is_the_window_of_recent() -> None:
    (period,) = resolve_periods("日前，项目签约。", OCTOBER)
    assert period.rule == "recent" and period.date_from == "2022-10-06" and RECENT_DAYS == 14


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("去年12月签约。", ("去年12月", "2022-12-01", "2022-12-31", "relative_year")),
        ("上月增长。", ("上月", "2022-12-01", "2022-12-31", "relative_month")),
        ("上周开工。", ("上周", "2023-01-02", "2023-01-08", "relative_week")),
        # a part of a year without one, in January: last year's (it ended days ago)
        ("12月签约。", ("12月", "2022-12-01", "2022-12-31", "nearest_year")),
        ("1-12月累计增长。", ("1-12月", "2022-01-01", "2022-12-31", "nearest_year")),
        ("前三季度增长。", ("前三季度", "2022-01-01", "2022-09-30", "nearest_year")),
        ("今年以来增长。", ("今年以来", "2023-01-01", "2023-01-10", "year_to_date")),
        ("去年以来增长。", ("去年以来", "2022-01-01", "2023-01-10", "year_to_date")),
    ],
)
def test_year_boundaries_in_january(text: str, expected: tuple[str, str, str, str]) -> None:
    assert resolved(text, JANUARY) == [expected]


def test_month_range_without_a_year_is_this_years_in_october() -> None:
    assert resolved("1-8月新签约项目59个。", OCTOBER) == [
        ("1-8月", "2022-01-01", "2022-08-31", "nearest_year")
    ]
    assert resolved("1至8月新签约。", OCTOBER)[0][1:3] == ("2022-01-01", "2022-08-31")
    assert resolved("7月签约。", OCTOBER)[0][1:3] == ("2022-07-01", "2022-07-31")


def test_a_future_word_looks_forward() -> None:
    # "12月" in a January article is last December, unless the sentence speaks of a plan.
    assert resolved("预计12月竣工。", JANUARY)[0][1:] == (
        "2023-12-01",
        "2023-12-31",
        "nearest_year",
    )


def test_a_part_takes_the_year_named_earlier_in_its_sentence() -> None:
    text = "2021年营业收入32亿元，其中7月增长最快。今年7月又签约。"
    assert resolved(text, OCTOBER) == [
        ("7月", "2021-07-01", "2021-07-31", "sentence_year"),
        ("今年7月", "2022-07-01", "2022-07-31", "relative_year"),
    ]
    # a starting point ("自2020年…以来") is not the sentence's year
    assert resolved("自2020年启动以来，7月签约。", OCTOBER)[0][1:] == (
        "2022-07-01",
        "2022-07-31",
        "nearest_year",
    )


def test_days_and_tens_of_a_month_in_digits_and_numerals() -> None:
    assert resolved("10月28日开工。", "2022-11-02")[0][1:3] == ("2022-10-28", "2022-10-28")
    assert resolved("十月二十八日开工。", "2022-11-02")[0][1:3] == ("2022-10-28", "2022-10-28")
    assert resolved("10月中旬开工。", "2022-11-02")[0][1:3] == ("2022-10-11", "2022-10-20")
    assert resolved("今年2月30日", OCTOBER) == []  # no such day


@pytest.mark.parametrize(
    "text",
    [
        "2021年1-8月增长12.9%。",  # absolute: it names its year
        "2021年上半年增长。",
        "2021年底建成。",
        "节日前完工。",
        "3日前报名。",
        "规模以上年营业收入增长。",
        "三月三是节日。",  # a lone month in numerals is too often not a date
        "历时6个月建成。",
    ],
)
def test_what_is_not_a_relative_period(text: str) -> None:
    assert resolved(text, OCTOBER) == []


def test_a_year_alone_resolves_only_the_year_rules() -> None:
    text = "今年7月签约。1-8月增长，上月开工，昨天揭牌，截至目前完成。"
    assert resolved(text, "2022") == [
        ("今年7月", "2022-07-01", "2022-07-31", "relative_year"),
        ("1-8月", "2022-01-01", "2022-08-31", "nearest_year"),
    ]
    assert resolve_periods(text, None) == () and resolve_periods(text, "not a date") == ()


def test_offsets_point_into_the_original_text_and_never_overlap() -> None:
    text = "本报讯 今年1-8月，园区新签约项目59个；去年12月至今年1月，上周又签约。"
    periods = resolve_periods(text, JANUARY)
    assert [p.text for p in periods] == ["今年1-8月", "去年12月", "今年1月", "上周"]
    assert all(text[p.start_char : p.end_char] == p.text for p in periods)
    assert all(a.end_char <= b.start_char for a, b in itertools.pairwise(periods))


def test_a_range_of_the_text_and_periods_within() -> None:
    text = "今年7月签约。上月开工。"
    second = text.index("上月")
    assert [p.text for p in resolve_periods(text, OCTOBER, second)] == ["上月"]
    assert [p.text for p in resolve_periods(text, OCTOBER, 0, second)] == ["今年7月"]
    periods = resolve_periods(text, OCTOBER)
    assert periods_within(periods, 0, 4) == (periods[0],)
    assert periods_within(periods, 0, 3) == ()  # only whole spans count
    assert all(isinstance(p, ResolvedPeriod) for p in periods_within(periods, 0, len(text)))


JUNE = "2023-06-14"  # a Wednesday


@pytest.mark.parametrize(
    ("text", "base", "expected"),
    [
        ("三年前开业。", JUNE, ("三年前", "2020-01-01", "2020-12-31", "relative_year")),
        ("两年前投产。", JUNE, ("两年前", "2021-01-01", "2021-12-31", "relative_year")),
        ("5年前建成。", JUNE, ("5年前", "2018-01-01", "2018-12-31", "relative_year")),
        ("二十年前种下。", JUNE, ("二十年前", "2003-01-01", "2003-12-31", "relative_year")),
        (
            "四年前上半年营收下滑。",
            JUNE,
            ("四年前上半年", "2019-01-01", "2019-06-30", "relative_year"),
        ),
        ("五年前3月动工。", JUNE, ("五年前3月", "2018-03-01", "2018-03-31", "relative_year")),
        ("三个月前动工。", JUNE, ("三个月前", "2023-03-01", "2023-03-31", "relative_month")),
        ("两周前开园。", JUNE, ("两周前", "2023-05-29", "2023-06-04", "relative_week")),
        ("2个星期前开园。", JUNE, ("2个星期前", "2023-05-29", "2023-06-04", "relative_week")),
        ("3天前揭牌。", JUNE, ("3天前", "2023-06-11", "2023-06-11", "relative_day")),
        ("本季度交付。", JUNE, ("本季度", "2023-04-01", "2023-06-30", "relative_month")),
        ("上个季度交付。", JUNE, ("上个季度", "2023-01-01", "2023-03-31", "relative_month")),
        ("上一季度交付。", JUNE, ("上一季度", "2023-01-01", "2023-03-31", "relative_month")),
        ("下季度交付。", JUNE, ("下季度", "2023-07-01", "2023-09-30", "relative_month")),
        # a quarter word on the last day of a month
        ("本季度交付。", "2023-05-31", ("本季度", "2023-04-01", "2023-06-30", "relative_month")),
        # across the year boundary, in January
        ("上个季度交付。", JANUARY, ("上个季度", "2022-10-01", "2022-12-31", "relative_month")),
        ("两个月前动工。", JANUARY, ("两个月前", "2022-11-01", "2022-11-30", "relative_month")),
        ("三周前开园。", JANUARY, ("三周前", "2022-12-19", "2022-12-25", "relative_week")),
        ("12天前揭牌。", JANUARY, ("12天前", "2022-12-29", "2022-12-29", "relative_day")),
        ("一年前开业。", JANUARY, ("一年前", "2022-01-01", "2022-12-31", "relative_year")),
    ],
)
def test_counts_back_and_quarter_words(
    text: str, base: str, expected: tuple[str, str, str, str]
) -> None:
    assert resolved(text, base) == [expected]


@pytest.mark.parametrize(
    "text",
    [
        "2021年前完成改造。",  # before 2021: an absolute year
        "一两年前开始试点。",  # no count
        "多年前来过。",
        "提前3天报名。",
        "前3天客流最多。",
    ],
)
def test_what_is_no_count_back(text: str) -> None:
    assert resolved(text, JUNE) == []


def test_years_back_need_only_a_year_and_day_words_a_day() -> None:
    assert resolved("三年前开业，三个月前扩建。", "2023") == [
        ("三年前", "2020-01-01", "2020-12-31", "relative_year")
    ]


def test_same_period_last_year_follows_the_period_before_it() -> None:
    text = "今年1-8月销量增长5%，比去年同期多出2万辆。去年同期的数字另有统计。"
    assert resolved(text, OCTOBER) == [
        ("今年1-8月", "2022-01-01", "2022-08-31", "relative_year"),
        ("去年同期", "2021-01-01", "2021-08-31", "relative_year"),
        # a new sentence: nothing before it to follow, so the whole of last year
        ("去年同期", "2021-01-01", "2021-12-31", "relative_year"),
    ]
    # 29 February a year later is the 28th
    leap = resolved("上月产量增长，较去年同期多。", "2024-03-10")
    assert leap[1][1:3] == ("2023-02-01", "2023-02-28")


def test_named_periods_are_the_absolute_ones() -> None:
    assert named_periods(
        "2022年1-8月增长，2021年上半年持平，2020年底建成，2019年7月15日签约。"
    ) == (
        ("2022-01-01", "2022-08-31"),
        ("2021-01-01", "2021-06-30"),
        ("2020-12-01", "2020-12-31"),
        ("2019-07-15", "2019-07-15"),
    )
    assert named_periods("2023年营收增长") == (("2023-01-01", "2023-12-31"),)
    assert named_periods("今年1-8月增长") == ()
