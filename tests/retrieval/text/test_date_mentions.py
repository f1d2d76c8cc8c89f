"""Event dates written in a sentence, at the precision written (``date_mentions``)."""

from __future__ import annotations

import pytest

from retrieval.text.dates import date_mentions, yearless_dates


@pytest.mark.parametrize(
    ("text", "values"),
    [
        ("2018年11月3日，河湾码头开港。", ["2018-11-03"]),
        ("码头于2020年9月扩建", ["2020-09"]),
        ("2017年，公司迁往南岸。", ["2017"]),
        ("报道称 2016-04-09 发布", ["2016-04-09"]),
        ("2019年5月6日至8日举行，2021年再办", ["2019-05-06", "2021"]),
        ("2021年2月30日", ["2021-02"]),  # no such day: the month is still known
    ],
)
def test_dates_keep_the_precision_written(text: str, values: list[str]) -> None:
    assert [value for _, _, value in date_mentions(text)] == values


@pytest.mark.parametrize(
    "text", ["2010年代的码头", "2022年度报告", "投资2025亿元", "2022-23赛季", "编号12019年"]
)
def test_what_is_not_an_event_date(text: str) -> None:
    assert date_mentions(text) == []


def test_offsets_point_at_the_written_date() -> None:
    text = "据悉，2018年11月3日河湾码头开港"
    [(start, end, _)] = date_mentions(text)
    assert text[start:end] == "2018年11月3日"


def test_month_and_day_without_a_year() -> None:
    text = "3月12日开工，2019年4月1日完工，1-8月累计，2月30日无效"
    assert yearless_dates(text) == [(0, 5, 3, 12)]
