"""The human note for a resolved period: 「今年 = 2022年」, 「今年1-8月 = 2022年1月—8月」.

A citation quotes 今年 as written; the note beside it says which year (or month, or day) that
was, from the period the article's date resolved it to (``retrieval.text.periods``). The note
names the period at its natural grain: whole years as years, whole months as months, else
days, with the shared year (and month) written once. ``iso=True`` gives the ISO 8601 form
(``2022``, ``2022-01/2022-08``, ``2022-10-19``) for English readers. Pure, no I/O.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable
from datetime import date

from retrieval.types import ResolvedPeriod

__all__ = ["period_label", "period_notes", "period_span"]

_DASH = "—"


def period_label(period: ResolvedPeriod, *, iso: bool = False) -> str:
    """``今年 = 2022年``: the expression as written, then the period it means."""
    return f"{period.text} = {period_span(period.date_from, period.date_to, iso=iso)}"


def period_notes(periods: Iterable[ResolvedPeriod], *, iso: bool = False) -> tuple[str, ...]:
    """The labels of ``periods`` in text order, each once (a passage may say 今年 thrice)."""
    return tuple(dict.fromkeys(period_label(p, iso=iso) for p in periods))


def period_span(date_from: str, date_to: str, *, iso: bool = False) -> str:
    """An inclusive ISO date range in words: ``2022年``, ``2022年9月``, ``2022年10月10日—16日``.

    Dates that are not ISO dates are shown as given, joined by a dash.
    """
    try:
        first, last = date.fromisoformat(date_from), date.fromisoformat(date_to)
    except ValueError:
        return date_from if date_from == date_to else f"{date_from}{_DASH}{date_to}"
    if _whole_years(first, last):
        return _years(first, last, iso)
    if _whole_months(first, last):
        return _months(first, last, iso)
    return _days(first, last, iso)


def _whole_years(first: date, last: date) -> bool:
    return (first.month, first.day) == (1, 1) and (last.month, last.day) == (12, 31)


def _whole_months(first: date, last: date) -> bool:
    return first.day == 1 and last.day == calendar.monthrange(last.year, last.month)[1]


def _years(first: date, last: date, iso: bool) -> str:
    if iso:
        return f"{first.year}" if first.year == last.year else f"{first.year}/{last.year}"
    if first.year == last.year:
        return f"{first.year}年"
    return f"{first.year}年{_DASH}{last.year}年"


def _months(first: date, last: date, iso: bool) -> str:
    if iso:
        a, b = f"{first.year}-{first.month:02d}", f"{last.year}-{last.month:02d}"
        return a if a == b else f"{a}/{b}"
    start = f"{first.year}年{first.month}月"
    if (first.year, first.month) == (last.year, last.month):
        return start
    end = f"{last.month}月" if first.year == last.year else f"{last.year}年{last.month}月"
    return f"{start}{_DASH}{end}"


def _days(first: date, last: date, iso: bool) -> str:
    if iso:
        return first.isoformat() if first == last else f"{first.isoformat()}/{last.isoformat()}"
    start = f"{first.year}年{first.month}月{first.day}日"
    if first == last:
        return start
    if first.year != last.year:
        end = f"{last.year}年{last.month}月{last.day}日"
    elif first.month != last.month:
        end = f"{last.month}月{last.day}日"
    else:
        end = f"{last.day}日"
    return f"{start}{_DASH}{end}"
