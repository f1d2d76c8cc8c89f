"""Event dates of sentences: their sources in order, precision, and comparisons."""

from __future__ import annotations

from retrieval.answer.events import EventDate, date_label, earlier, event_date, same_time
from retrieval.types import ResolvedPeriod

PASSAGE = "2018年11月3日，河湾码头开港。首批货轮当天靠岸。"


def _sentence(text: str, part: str) -> tuple[int, int]:
    at = text.index(part)
    return at, at + len(part)


def _day(iso: str) -> EventDate:
    return EventDate(iso, iso, "day", "sentence", iso)


def test_a_date_in_the_sentence_wins() -> None:
    found = event_date(PASSAGE, _sentence(PASSAGE, "2018年11月3日，河湾码头开港。"))
    assert found is not None
    assert (found.key, found.precision, found.origin) == ("2018-11-03", "day", "sentence")


def test_a_later_sentence_takes_the_passage_opening_date() -> None:
    found = event_date(PASSAGE, _sentence(PASSAGE, "首批货轮当天靠岸。"), published="2018-11-05")
    assert found is not None
    assert (found.key, found.origin, found.written) == ("2018-11-03", "passage", "2018年11月3日")


def test_a_resolved_period_dates_a_relative_sentence() -> None:
    text = "今年5月，南岸大桥合龙。"
    period = ResolvedPeriod(0, 4, "今年5月", "2021-05-01", "2021-05-31", "relative_year")
    found = event_date(text, (0, len(text)), periods=(period,), published="2021-08-02")
    assert found is not None
    assert (found.key, found.precision, found.origin) == ("2021-05", "month", "period")


def test_a_yearless_day_takes_the_year_of_its_context() -> None:
    text = "3月12日，北港隧道开工。"
    found = event_date(text, (0, len(text)), published="2020-06-01")
    assert found is not None and found.key == "2020-03-12"


def test_publication_date_last_then_unknown() -> None:
    text = "北港隧道开工。"
    found = event_date(text, (0, len(text)), published="2020")
    assert found is not None
    assert (found.key, found.precision, found.origin) == ("2020", "year", "published")
    assert event_date(text, (0, len(text))) is None


def test_order_is_unknown_when_ranges_overlap() -> None:
    year = EventDate("2019-01-01", "2019-12-31", "year", "sentence", "2019年")
    assert earlier(_day("2018-05-01"), _day("2019-03-05")) is True
    assert earlier(_day("2019-03-05"), _day("2018-05-01")) is False
    assert earlier(year, _day("2019-03-05")) is None
    assert earlier(_day("2019-03-05"), _day("2019-03-05")) is None


def test_same_time_compares_at_the_unit_both_know() -> None:
    year = EventDate("2019-01-01", "2019-12-31", "year", "sentence", "2019年")
    assert same_time(_day("2019-03-05"), _day("2019-03-28"), "month") is True
    assert same_time(_day("2019-03-05"), _day("2019-04-01"), "month") is False
    assert same_time(year, _day("2019-03-05"), "month") is None  # month unknown
    assert same_time(year, _day("2020-03-05"), "month") is False  # years already differ
    assert same_time(year, _day("2019-03-05"), "year") is True
    assert same_time(_day("2024-01-01"), _day("2024-01-07"), "week") is True  # Mon..Sun
    assert same_time(_day("2024-01-07"), _day("2024-01-08"), "week") is False


def test_labels_keep_precision() -> None:
    month = EventDate("2023-10-01", "2023-10-31", "month", "sentence", "2023年10月")
    assert date_label(month) == "2023年10月"
    assert date_label(_day("2019-02-05")) == "2019年2月5日"
    assert date_label(month, english=True) == "2023-10"
