"""A question's relative time read against the day it is asked on: 去年 → 2022年 (as of 2023).

Users ask in relative time (去年, 上月, 四年前上半年, 昨天) and articles write in absolute or
in their own relative time. ``in_absolute_time`` rewrites a question into its absolute form
for search and for matching passages: each expression ``resolve_periods`` finds, read
against the "as of" date, becomes the year, month, week or day it means, and the rest of
the question is kept as it is:

* 今年/去年/N年前, alone or with a part (今年1-8月, 去年底, 四年前上半年, 去年以来): the year
  word becomes the year (2023年1-8月, 2022年底, 2019年上半年, 2022年以来);
* 本月/上月/N个月前: 2023年5月; 本季度/上个季度: 2023年第一季度; 上周/N周前: 2023年6月5日至
  6月11日; 昨天/N天前: 2023年6月13日.

Not rewritten: a part without a year (1-8月: the question names no year, so none is added),
近日 and 截至目前 (they name no period to search for), and the recency words 最近, 最新, 近期
(``asks_recent``: a wish for the latest articles, not a period). Pure text, no I/O.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from retrieval.text.periods import resolve_periods
from retrieval.types import ResolvedPeriod

__all__ = ["TimedQuestion", "asks_recent", "in_absolute_time"]

_RECENT = re.compile(r"最近|最新|近期|近来|\blatest\b|\bmost recent\b|\brecent(?:ly)?\b", re.I)
_YEAR_WORD = re.compile(r"^(?:今年|本年|去年|上一?年|前年|明年|[\d一二两三四五六七八九十]+年前)")
_QUARTERS = "一二三四"
_KEPT = frozenset({"nearest_year", "sentence_year", "recent", "as_of"})


@dataclass(frozen=True)
class TimedQuestion:
    """A question in absolute time: ``text`` is the rewritten question, ``periods`` the
    relative expressions of the original question with the periods they mean (offsets in
    the original), ``recent`` whether it asks for the latest (最近, 最新)."""

    text: str
    periods: tuple[ResolvedPeriod, ...]
    recent: bool


def in_absolute_time(question: str, as_of: str) -> TimedQuestion:
    """``question`` with its relative time rewritten as of ``as_of`` (``YYYY-MM-DD``).

    A question with no relative time (or an ``as_of`` that is no date) comes back as it is.
    """
    periods = resolve_periods(question, as_of)
    parts: list[str] = []
    done = 0
    for period in periods:
        parts += [question[done : period.start_char], _absolute(period)]
        done = period.end_char
    text = "".join([*parts, question[done:]])
    return TimedQuestion(text, periods, asks_recent(question))


def asks_recent(question: str) -> bool:
    """The question wishes for the latest articles: 最近, 最新, 近期, 近来, latest, recent."""
    return _RECENT.search(question) is not None


def _absolute(period: ResolvedPeriod) -> str:
    """The words that say ``period`` in absolute time (its own text when kept as it is)."""
    first, last = date.fromisoformat(period.date_from), date.fromisoformat(period.date_to)
    if period.rule in _KEPT:
        return period.text
    if period.rule in ("relative_year", "year_to_date"):
        return _YEAR_WORD.sub(f"{first.year}年", period.text, count=1)
    if period.rule == "relative_month":
        return _months(first, last)
    if first == last:
        return _day(first)
    tail = f"{last.month}月{last.day}日" if last.year == first.year else _day(last)
    return f"{_day(first)}至{tail}"


def _months(first: date, last: date) -> str:
    """A month (2023年5月) or a quarter (2023年第一季度)."""
    if first.month == last.month:
        return f"{first.year}年{first.month}月"
    if first.month % 3 == 1 and last.month == first.month + 2:
        return f"{first.year}年第{_QUARTERS[first.month // 3]}季度"
    return f"{first.year}年{first.month}-{last.month}月"


def _day(day: date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"
