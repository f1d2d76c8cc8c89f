"""The note beside a quote: what its 今年, 上月 or 上周 means, at the period's own grain."""

from __future__ import annotations

import pytest

from retrieval.text.period_labels import period_label, period_notes, period_span
from retrieval.text.periods import resolve_periods
from retrieval.types import ResolvedPeriod


def resolved(text: str, base: str, expression: str) -> ResolvedPeriod:
    """The period the real resolver gives ``expression`` in ``text`` against ``base``."""
    found = [p for p in resolve_periods(text, base) if p.text == expression]
    assert found, (expression, resolve_periods(text, base))
    return found[0]


@pytest.mark.parametrize(
    ("text", "base", "expression", "label"),
    [
        pytest.param("今年，茶园面积扩大。", "2022-10-20", "今年", "今年 = 2022年", id="year"),
        pytest.param(
            "今年1-8月，出口额增长。", "2022-10-20", "今年1-8月", "今年1-8月 = 2022年1月—8月",
            id="month-range",
        ),
        pytest.param(
            "前三季度，产值持续增长。", "2022-10-20", "前三季度", "前三季度 = 2022年1月—9月",
            id="quarters-without-year",
        ),
        pytest.param("上月，新厂投产。", "2022-10-20", "上月", "上月 = 2022年9月", id="month"),
        pytest.param(
            "昨天，规划发布。", "2022-10-20", "昨天", "昨天 = 2022年10月19日", id="single-day"
        ),
        pytest.param(
            "上周，镇里开会。", "2022-10-20", "上周", "上周 = 2022年10月10日—16日", id="week"
        ),
        pytest.param(
            "上周，镇里开会。", "2022-10-05", "上周", "上周 = 2022年9月26日—10月2日",
            id="week-across-months",
        ),
        pytest.param(
            "上周，镇里开会。", "2023-01-04", "上周", "上周 = 2022年12月26日—2023年1月1日",
            id="week-across-years",
        ),
        pytest.param(
            "去年12月，茶价上涨。", "2023-01-05", "去年12月", "去年12月 = 2022年12月",
            id="last-december-asked-in-january",
        ),
        pytest.param("去年，茶价上涨。", "2023-01-05", "去年", "去年 = 2022年", id="year-boundary"),
        pytest.param(
            "截至目前，签约项目12个。", "2022-10-20", "截至目前", "截至目前 = 2022年10月20日",
            id="as-of",
        ),
    ],
)  # fmt: skip
def test_labels_name_the_period_at_its_grain(
    text: str, base: str, expression: str, label: str
) -> None:
    assert period_label(resolved(text, base, expression)) == label


@pytest.mark.parametrize(
    ("text", "base", "expression", "label"),
    [
        pytest.param("今年，茶园扩大。", "2022-10-20", "今年", "今年 = 2022", id="year"),
        pytest.param(
            "今年1-8月，出口增长。", "2022-10-20", "今年1-8月", "今年1-8月 = 2022-01/2022-08",
            id="months",
        ),
        pytest.param("上月，新厂投产。", "2022-10-20", "上月", "上月 = 2022-09", id="month"),
        pytest.param("昨天，规划发布。", "2022-10-20", "昨天", "昨天 = 2022-10-19", id="day"),
        pytest.param(
            "上周，镇里开会。", "2023-01-04", "上周", "上周 = 2022-12-26/2023-01-01", id="week"
        ),
    ],
)  # fmt: skip
def test_iso_labels_for_english_readers(text: str, base: str, expression: str, label: str) -> None:
    assert period_label(resolved(text, base, expression), iso=True) == label


@pytest.mark.parametrize(
    ("first", "last", "words"),
    [
        ("2021-01-01", "2022-12-31", "2021年—2022年"),
        ("2021-12-01", "2022-02-28", "2021年12月—2022年2月"),
        ("2022-02-01", "2022-02-27", "2022年2月1日—27日"),  # one day short of the month
        ("2024-02-01", "2024-02-29", "2024年2月"),  # a leap February is a whole month
        ("2022", "2022", "2022"),  # not an ISO date: shown as given
        ("2022", "2023", "2022—2023"),
    ],
)
def test_spans_of_several_years_months_and_unparsed_dates(
    first: str, last: str, words: str
) -> None:
    assert period_span(first, last) == words


def test_notes_keep_text_order_and_say_each_label_once() -> None:
    text = "今年1-8月，出口增长。今年，茶园扩大。上月新厂投产，今年还将扩建。"
    notes = period_notes(resolve_periods(text, "2022-10-20"))
    assert notes == ("今年1-8月 = 2022年1月—8月", "今年 = 2022年", "上月 = 2022年9月")
