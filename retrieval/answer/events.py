"""When a sentence's event happened: its date, how it was found, and how precisely.

A news sentence dates its event in one of a few ways, tried in this order:

1. an absolute date in the sentence itself (2019年2月25日, 2023年10月, 2020年), or a month
   and day without a year (7月15日) whose year the passage or article gives;
2. a relative expression resolved against the article's date (今年7月 → 2022-07), one of
   the ``ResolvedPeriod``s stored at ingest that overlaps the sentence;
3. a date that opens an earlier sentence of the same passage (news passages often start
   with "2023年6月18日，…" and go on without repeating it);
4. the article's publication date, marked as such (the event may be older);

else it is unknown. Precision is kept (day, month or year), so "the same month" is only
answered when both dates are known to the month. Pure functions.
"""

from __future__ import annotations

import calendar
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Literal

from retrieval.text.dates import date_mentions, yearless_dates
from retrieval.text.sentences import split_sentences
from retrieval.types import ResolvedPeriod

__all__ = [
    "EventDate",
    "EventOrigin",
    "Precision",
    "Unit",
    "date_label",
    "earlier",
    "event_date",
    "same_time",
]

EventOrigin = Literal["sentence", "period", "passage", "published"]
Precision = Literal["year", "month", "day"]
Unit = Literal["year", "month", "day", "week"]
_RANK: dict[str, int] = {"year": 0, "month": 1, "day": 2}
OPENING_CHARS = 3
"""A date counts as opening a sentence when it starts within its first few characters."""


@dataclass(frozen=True)
class EventDate:
    """An event's date as an inclusive range of days, with its precision and origin.

    ``first``/``last`` are ISO dates (2023-10-01 and 2023-10-31 for "2023年10月");
    ``written`` is the text it was read from (the date as the article writes it, or the
    relative expression, or the publication date).
    """

    first: str
    last: str
    precision: Precision
    origin: EventOrigin
    written: str

    @property
    def key(self) -> str:
        """The date at its own precision: ``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD``."""
        return self.first[: {"year": 4, "month": 7, "day": 10}[self.precision]]


def event_date(
    text: str,
    sentence: tuple[int, int],
    *,
    periods: Sequence[ResolvedPeriod] = (),
    published: str | None = None,
) -> EventDate | None:
    """The date of the event told by ``text[sentence[0]:sentence[1]]``, a passage's sentence.

    ``periods`` are the resolved periods overlapping the sentence (offsets need not match
    ``text``'s); ``published`` is the article's date (``YYYY-MM-DD`` or ``YYYY``).
    """
    start, end = sentence
    opening = _opening_date(text, start)
    own = _own_date(text[start:end], opening[0] if opening else published)
    if own is not None:
        return own
    if periods:
        period = periods[0]
        return _from_range(period.date_from, period.date_to, "period", period.text)
    if opening is not None:
        return _from_value(opening[0], "passage", opening[1])
    return _from_value(published, "published", published) if published else None


def earlier(a: EventDate, b: EventDate) -> bool | None:
    """Whether ``a`` happened before ``b``: None when their ranges overlap (the same day,
    or 2019年 against 2019年3月5日), so the order is not known."""
    if a.last < b.first:
        return True
    if b.last < a.first:
        return False
    return None


def same_time(a: EventDate, b: EventDate, unit: Unit) -> bool | None:
    """Whether ``a`` and ``b`` fall in the same year, month, day or (Monday to Sunday) week.

    None when it is not known: a date known only to the year cannot be in "the same month",
    unless the years already differ.
    """
    if unit == "week":
        if a.precision != "day" or b.precision != "day":
            return False if _differ(a, b, "month", apart=True) else None
        return _week(a.first) == _week(b.first)
    if _differ(a, b, unit):
        return False
    both = min(_RANK[a.precision], _RANK[b.precision])
    return True if both >= _RANK[unit] else None


def date_label(value: EventDate, english: bool = False) -> str:
    """The date as an answer shows it: 2019年2月25日, 2023年10月, 2020年 (2019-02-25 …)."""
    if english:
        return value.key
    parts = value.key.split("-")
    units = ("年", "月", "日")
    return "".join(f"{int(p) if i else p}{units[i]}" for i, p in enumerate(parts))


def _differ(a: EventDate, b: EventDate, unit: str, *, apart: bool = False) -> bool:
    """Both dates are known at least to the year, and differ at the finest unit (up to
    ``unit``) that both know; ``apart``: months differ by more than one (weeks can span a
    month's end)."""
    both = min(_RANK[a.precision], _RANK[b.precision], _RANK.get(unit, 2))
    width = (4, 7, 10)[both]
    if a.first[:width] == b.first[:width]:
        return False
    if not apart or both == 0:
        return True
    months = (int(a.first[:4]) * 12 + int(a.first[5:7])) - (
        int(b.first[:4]) * 12 + int(b.first[5:7])
    )
    return abs(months) > 1


def _week(iso: str) -> tuple[int, int]:
    year, week, _ = date.fromisoformat(iso).isocalendar()
    return year, week


def _own_date(sentence: str, base: str | None) -> EventDate | None:
    """The first date written in the sentence; a yearless 7月15日 takes the year of the
    passage's opening date or of the publication date."""
    mentions = date_mentions(sentence)
    yearless = yearless_dates(sentence)
    first = mentions[0] if mentions else None
    if yearless and (first is None or yearless[0][0] < first[0]):
        dated = _with_year(base, yearless[0], sentence)
        if dated is not None:
            return dated
    if first is None:
        return None
    return _from_value(first[2], "sentence", sentence[first[0] : first[1]])


def _with_year(
    base: str | None, found: tuple[int, int, int, int], sentence: str
) -> EventDate | None:
    if not base:
        return None
    start, end, month, day = found
    try:
        iso = date(int(base[:4]), month, day).isoformat()
    except ValueError:
        return None
    return _from_value(iso, "sentence", sentence[start:end])


def _opening_date(text: str, before: int) -> tuple[str, str] | None:
    """The date that opens the last sentence before offset ``before`` that opens with one
    (``(value, as written)``), or None."""
    found: tuple[str, str] | None = None
    for start, end in split_sentences(text, 0, before):
        mentions = date_mentions(text[start:end])
        if mentions and mentions[0][0] < OPENING_CHARS:
            a, b, value = mentions[0]
            found = (value, text[start + a : start + b])
    return found


def _from_value(value: str, origin: EventOrigin, written: str) -> EventDate | None:
    """A ``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD`` value as a range of days."""
    parts = value.split("-")
    try:
        year = int(parts[0])
        if len(parts) == 1:
            return EventDate(f"{year:04d}-01-01", f"{year:04d}-12-31", "year", origin, written)
        month = int(parts[1])
        if len(parts) == 2:
            last = calendar.monthrange(year, month)[1]
            first = f"{year:04d}-{month:02d}"
            return EventDate(f"{first}-01", f"{first}-{last:02d}", "month", origin, written)
        day = date(year, month, int(parts[2])).isoformat()
    except ValueError:
        return None
    return EventDate(day, day, "day", origin, written)


def _from_range(first: str, last: str, origin: EventOrigin, written: str) -> EventDate:
    """A period as an event date: precise to the finest unit that holds the whole period
    (上半年 → the year, 上月 → the month, 昨天 → the day)."""
    if first == last:
        return EventDate(first, last, "day", origin, written)
    if first[:7] == last[:7]:
        return EventDate(first, last, "month", origin, written)
    return EventDate(first, last, "year", origin, written)
