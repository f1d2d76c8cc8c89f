"""Relative time expressions resolved against an article's date: 今年 → 2022, 上月 → 2022-09.

News is written in relative time (今年1-8月, 上半年, 去年12月, 上周, 截至目前); an archive that
spans years needs each expression read against its own article's date, as HeidelTime's
"news" mode does. ``resolve_periods`` finds the expressions of a text and gives each its
absolute period (inclusive ISO dates) and the rule that resolved it (``PeriodRule``); the
text is never rewritten, a period is a span of it.

Rules, from a small table of patterns (pure, no I/O):

* 今年/本年, 去年/上年, 前年, 明年, N年前 (三年前, 5年前), alone or with a part of the year
  (上半年, 下半年, 全年, 年底, 前三季度, 第二季度, 前8个月, 1-8月, 1至8月, 7月, 7月15日,
  10月中旬): that part of that year; 今年以来: from 1 January to the date; 去年同期: the
  period named before it in its sentence (今年1-8月…比去年同期), a year earlier, else the
  whole year.
* a part of the year without a year: the year named earlier in the same sentence (2021年…，
  7月…), else the year that puts the period's end nearest the date (去年's 12月 in a January
  article, this year's 1-8月 in an October one), looking only forward after 预计/将/计划.
* 本月/上月/下月, 本季度/上个季度/下季度 (rule ``relative_month``), 本周/上周/下周 (Monday to
  Sunday), 今天/昨天/前天/明天, N个月前 / N周前 / N天前 (the month, week or day that holds
  the date N back), 近日/日前 (the ``RECENT_DAYS`` up to the date), 截至目前/目前/至今 (the
  date itself).

``named_periods`` reads the absolute ones (2022年, 2022年1-8月, 2022年上半年) the same way, for
comparing a question's periods with a passage's.

A year-only date ("2022", an inferred year) resolves the year rules only. JioNLP's
``parse_time`` (jionlp 1.5.31) was tried and not used: it reads 1-8月 as 1月8日, rejects
1至8月, a bare 7月, 本月, 上月, 近日 and 截至目前, and takes over a second to import.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import date, timedelta

from retrieval.types import PeriodRule, ResolvedPeriod

__all__ = ["RECENT_DAYS", "named_periods", "periods_within", "resolve_periods"]

RECENT_DAYS = 14
"""近日/日前: an event of the last two weeks up to the article's date."""

_YEAR_OFFSETS = {"今年": 0, "本年": 0, "去年": -1, "上年": -1, "上一年": -1, "前年": -2, "明年": 1}
_CN_DIGITS = dict(zip("一二三四五六七八九", range(1, 10), strict=True)) | {"两": 2}
_M = r"(?:1[0-2]|0?[1-9]|十[一二]?|[一二三四五六七八九])"
_N = r"(?<![\d第])(?:\d{1,2}|[一二两三四五六七八九十]{1,3})"  # a count: 3, 三, 两, 二十
_D = r"(?:3[01]|[12]\d|0?[1-9]|[二三]?十[一二三四五六七八九]?|[一二三四五六七八九])"
_DASH = r"\s*[-－—–~～至到]\s*"
_TENS = {"上旬": (1, 10), "初": (1, 10), "中旬": (11, 20), "下旬": (21, 31), "底": (21, 31)}
_PART = (
    r"(?P<half>[上下])半年|(?P<full>全)年|前(?P<quarters>[一二两三1-3])个?季度"
    rf"|第?(?P<quarter>[一二三四1-4])季度|前(?P<months>{_M})个月"
    rf"|(?P<m1>{_M})月?份?{_DASH}(?P<m2>{_M})月份?"
    rf"|(?P<m>{_M})月份?(?:(?P<d>{_D})[日号]|(?P<ten>上旬|中旬|下旬|初|底|末))?"
)
_WITH_YEAR = re.compile(
    rf"(?P<year>今年|本年|去年|(?<!以)上一?年|前年|明年|(?P<ago>{_N})年前)度?"
    rf"(?:(?P<since>以来)|(?P<same>同期)|{_PART}|年?(?P<end>[底末]))?"
)
_NAMED = re.compile(rf"(?<!\d)(?P<named>(?:19|20)\d{{2}})\s*年度?(?:{_PART}|年?(?P<end>[底末]))?")
_WITHOUT_YEAR = re.compile(
    rf"(?<![\d.．年第每近前后续超])(?<!\d[-－—–~～至到])(?:{_PART})"
    r"|(?<![\d〇零一二三四五六七八九十今去明前本上])年(?P<end>[底末])"
)
_WORDS = re.compile(
    r"(?P<day>今天|今日(?!头条)|昨天|昨日|前天|明天|明日(?!之))"
    r"|(?P<week>本周|这周|本星期|上周|上星期|上个星期|下周|下星期|下个星期)(?!期)"
    r"|(?P<month>本月|这个月|上月|上个月|下月|下个月)"
    r"|(?P<season>本季度|这个?季度|上一?个?季度|下一?个?季度)"
    rf"|(?P<ago>{_N})(?P<unit>个月|个?星期|个?礼拜|周|天)前"
    r"|(?P<recent>近日|(?<![\d一二三四五六七八九十节生假作周期])日前)"
    r"|(?P<asof>截[至止]目前|截[至止]当前|截至今[日天]|到目前为止|迄今为止|迄今|至今(?![年日天])"
    r"|目前|当前|如今)"
)
_DAY_WORDS = {"今天": 0, "今日": 0, "昨天": -1, "昨日": -1, "前天": -2, "明天": 1, "明日": 1}
_STEP = {"本": 0, "这": 0, "上": -1, "下": 1}
_WEEK_UNITS = ("星期", "个星期", "礼拜", "个礼拜", "周")
_COUNT = re.compile(r"\d{1,2}|[一二两三四五六七八九]|[二三四五六七八九]?十[一二三四五六七八九]?")
_SENTENCE_END = re.compile(r"[。！？!?\n]")
_ANCHOR = re.compile(r"(?<!\d)((?:19|20)\d{2})\s*年|(今年|本年|去年|(?<!以)上一?年|前年|明年)")
_NOT_ANCHOR = re.compile(r"[^，,；;。]*?(?:以来|开始|起)")
_FUTURE = re.compile(r"预计|计划|将|力争|有望|争取|拟|目标")


@dataclass(frozen=True)
class _Base:
    """The article's date: its year, and its day when the whole date is known."""

    year: int
    day: date | None


def resolve_periods(
    text: str, base: str | None, start: int = 0, end: int | None = None
) -> tuple[ResolvedPeriod, ...]:
    """The relative time expressions of ``text[start:end]`` resolved against ``base``.

    ``base`` is the article's date, ``YYYY-MM-DD`` or a year ``YYYY``; None (or anything
    else) resolves nothing. Offsets are absolute in ``text``; expressions never overlap, the
    longest at a place wins (今年1-8月 is one period, not 今年 and 1-8月).
    """
    known = _parse_base(base)
    if known is None:
        return ()
    stop = len(text) if end is None else end
    found: list[ResolvedPeriod] = []
    taken = 0
    for match in _candidates(text, start, stop):
        if match.start() < taken:
            continue
        period = _resolve(text, match, known, start)
        if period is not None:
            found.append(_same_period(text, match, period, found[-1] if found else None))
            taken = match.end()
    return tuple(found)


def named_periods(text: str) -> tuple[tuple[str, str], ...]:
    """The absolute periods ``text`` names (2022年, 2022年1-8月, 2022年上半年, 2022年7月15日), as
    inclusive ISO ``(date_from, date_to)`` pairs in text order."""
    spans = (_part(m, int(m["named"])) for m in _NAMED.finditer(text))
    return tuple((a.isoformat(), b.isoformat()) for a, b in (s for s in spans if s))


def periods_within(
    periods: Iterable[ResolvedPeriod], start: int, end: int
) -> tuple[ResolvedPeriod, ...]:
    """The periods whose whole span lies inside ``[start, end)`` (a passage or a quote)."""
    return tuple(p for p in periods if start <= p.start_char and p.end_char <= end)


def _parse_base(base: str | None) -> _Base | None:
    if base is None:
        return None
    if re.fullmatch(r"\d{4}", base):
        return _Base(int(base), None)
    try:
        day = date.fromisoformat(base)
    except ValueError:
        return None
    return _Base(day.year, day)


def _candidates(text: str, start: int, stop: int) -> list[re.Match[str]]:
    """Every match of the three tables, leftmost first and longest first at one place."""
    matches = [
        m
        for pattern in (_WITH_YEAR, _WITHOUT_YEAR, _WORDS)
        for m in pattern.finditer(text, start, stop)
    ]
    return sorted(matches, key=lambda m: (m.start(), -m.end()))


def _resolve(text: str, match: re.Match[str], base: _Base, start: int) -> ResolvedPeriod | None:
    groups = match.re.groupindex
    if "year" in groups:
        resolved = _with_year(match, base)
    elif "week" in groups:
        resolved = _word(match, base)
    else:
        resolved = _without_year(text, match, base, start)
    if resolved is None:
        return None
    (first, last), rule = resolved
    return ResolvedPeriod(
        match.start(), match.end(), match[0], first.isoformat(), last.isoformat(), rule
    )


_Resolved = tuple[tuple[date, date], PeriodRule]


def _with_year(match: re.Match[str], base: _Base) -> _Resolved | None:
    """今年…, 去年…, 三年前…: the part (or the whole) of the year the word names."""
    offset = _year_offset(match)
    if offset is None:
        return None
    year = base.year + offset
    if match["since"]:
        until = base.day or date(base.year, 12, 31)
        return (date(year, 1, 1), until), "year_to_date"
    span = _part(match, year)
    return (span, "relative_year") if span else None


def _year_offset(match: re.Match[str]) -> int | None:
    """Years from the date: 去年 -1, 明年 +1, 三年前 -3 (None for a count that is no number)."""
    if match["ago"] is None:
        return _YEAR_OFFSETS[match["year"]]
    count = _count(match["ago"])
    return None if count is None else -count


def _same_period(
    text: str, match: re.Match[str], period: ResolvedPeriod, previous: ResolvedPeriod | None
) -> ResolvedPeriod:
    """去年同期: the period named before it in the same sentence, moved by the year word's
    offset (今年1-8月…比去年同期 → last year's 1-8月); alone it stays the whole year."""
    groups = match.re.groupindex
    if "same" not in groups or not match["same"] or previous is None:
        return period
    if _SENTENCE_END.search(text, previous.end_char, period.start_char):
        return period
    offset = _year_offset(match) or 0
    first, last = (
        _years_later(date.fromisoformat(d), offset) for d in (previous.date_from, previous.date_to)
    )
    return replace(period, date_from=first.isoformat(), date_to=last.isoformat())


def _years_later(day: date, years: int) -> date:
    """The same day ``years`` later (29 February becomes the 28th)."""
    last = calendar.monthrange(day.year + years, day.month)[1]
    return day.replace(year=day.year + years, day=min(day.day, last))


def _without_year(text: str, match: re.Match[str], base: _Base, start: int) -> _Resolved | None:
    """A part of a year named without one: the sentence's year, else the nearest year."""
    if match["months"] or _is_loose_month(match):
        return None
    sentence = text[_sentence_start(text, match.start(), start) : match.start()]
    anchor = _anchor_year(sentence, base)
    if anchor is not None:
        span = _part(match, anchor)
        return (span, "sentence_year") if span else None
    spans = [s for y in (base.year - 1, base.year, base.year + 1) if (s := _part(match, y))]
    if not spans:
        return None
    if base.day is None:
        return next((s for s in spans if s[0].year == base.year), spans[0]), "nearest_year"
    return _nearest(spans, base.day, future=_FUTURE.search(sentence) is not None), "nearest_year"


def _is_loose_month(match: re.Match[str]) -> bool:
    """A lone month in Chinese numerals (三月) without a day: too often not a date."""
    month = match["m"]
    return bool(month) and not month.isdigit() and not match["d"] and not match["ten"]


def _nearest(spans: list[tuple[date, date]], day: date, *, future: bool) -> tuple[date, date]:
    """The span whose end is nearest ``day``; after a future word, one not ended before it."""
    ahead = [s for s in spans if s[1] >= day] if future else []
    return min(ahead or spans, key=lambda s: abs((s[1] - day).days))


def _sentence_start(text: str, position: int, floor: int) -> int:
    ends = [m.end() for m in _SENTENCE_END.finditer(text, floor, position)]
    return ends[-1] if ends else floor


def _anchor_year(sentence: str, base: _Base) -> int | None:
    """The last year named in the sentence before a part, unless it is a starting point
    ("自2020年启动以来")."""
    year = None
    for found in _ANCHOR.finditer(sentence):
        if _NOT_ANCHOR.match(sentence, found.end()):
            continue
        year = int(found[1]) if found[1] else base.year + _YEAR_OFFSETS[found[2]]
    return year


def _word(match: re.Match[str], base: _Base) -> _Resolved | None:
    """Words relative to the day itself: 昨天, 上周, 上月, 上季度, 三个月前, 近日, 截至目前."""
    day = base.day
    if day is None:
        return None
    if match["ago"]:
        return _ago(day, match)
    step = _STEP.get(match[0][0], 0)
    if match["week"]:
        monday = day - timedelta(days=day.weekday()) + timedelta(weeks=step)
        return (monday, monday + timedelta(days=6)), "relative_week"
    if match["month"] or match["season"]:
        span = _month(*_months_later(day, step)) if match["month"] else _quarter(day, step)
        return span, "relative_month"
    return _point(day, match)


def _point(day: date, match: re.Match[str]) -> _Resolved:
    """昨天 (a day), 近日 (the days up to the date), 截至目前 (the date itself)."""
    if match["day"]:
        shifted = day + timedelta(days=_DAY_WORDS[match[0]])
        return (shifted, shifted), "relative_day"
    if match["recent"]:
        return (day - timedelta(days=RECENT_DAYS), day), "recent"
    return (day, day), "as_of"


def _months_later(day: date, months: int) -> tuple[int, int]:
    """The (year, month) ``months`` after ``day``'s month (negative: before)."""
    year, month = divmod(day.year * 12 + day.month - 1 + months, 12)
    return year, month + 1


def _quarter(day: date, step: int) -> tuple[date, date]:
    """The quarter ``step`` quarters after the one holding ``day`` (本季度 0, 上季度 -1)."""
    year, month = _months_later(date(day.year, (day.month - 1) // 3 * 3 + 1, 1), 3 * step)
    return _month(year, month)[0], _month(year, month + 2)[1]


def _ago(day: date, match: re.Match[str]) -> _Resolved | None:
    """三个月前, 两周前, 3天前: the month, week or day that holds the date N units back."""
    count = _count(match["ago"])
    if count is None:
        return None
    unit = match["unit"]
    if unit == "个月":
        return _month(*_months_later(day, -count)), "relative_month"
    if unit in _WEEK_UNITS:
        monday = day - timedelta(days=day.weekday(), weeks=count)
        return (monday, monday + timedelta(days=6)), "relative_week"
    shifted = day - timedelta(days=count)
    return (shifted, shifted), "relative_day"


def _count(text: str) -> int | None:
    """A count in digits or Chinese numerals (3, 三, 两, 十二, 二十), or None."""
    return _number(text) if _COUNT.fullmatch(text) else None


def _part(match: re.Match[str], year: int) -> tuple[date, date] | None:
    """The dates of the part of ``year`` a match names (the whole year if it names none)."""
    if not 1 <= year <= 9999:
        return None
    if match["m"]:
        return _month_part(match, year)
    first, last = next((span(match) for group, span in _MONTH_SPANS if match[group]), (1, 12))
    if not 1 <= first <= last <= 12:
        return None
    return _month(year, first)[0], _month(year, last)[1]


_MONTH_SPANS: tuple[tuple[str, Callable[[re.Match[str]], tuple[int, int]]], ...] = (
    ("half", lambda m: (1, 6) if m["half"] == "上" else (7, 12)),
    ("end", lambda m: (12, 12)),
    ("quarters", lambda m: (1, 3 * _number(m["quarters"]))),
    ("months", lambda m: (1, _number(m["months"]))),
    ("quarter", lambda m: (3 * _number(m["quarter"]) - 2, 3 * _number(m["quarter"]))),
    ("m1", lambda m: (_number(m["m1"]), _number(m["m2"]))),
)
"""The months (first, last) of each kind of part, by the group that names it."""


def _month_part(match: re.Match[str], year: int) -> tuple[date, date] | None:
    """7月, 7月15日, 10月中旬 of ``year``."""
    month = _number(match["m"])
    first, last = _month(year, month)
    if match["d"]:
        day = _number(match["d"])
        if day > last.day:
            return None
        return first.replace(day=day), first.replace(day=day)
    if match["ten"]:
        low, high = _TENS.get(match["ten"], (21, 31))
        return first.replace(day=low), first.replace(day=min(high, last.day))
    return first, last


def _month(year: int, month: int) -> tuple[date, date]:
    """The first and last day of a month."""
    return date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1])


def _number(text: str) -> int:
    """A month, day or quarter number in digits or Chinese numerals (十一, 二十八)."""
    if text.isdigit():
        return int(text)
    tens, _, units = text.rpartition("十")
    if "十" not in text:
        return _CN_DIGITS[text]
    return (_CN_DIGITS.get(tens, 1) if tens else 1) * 10 + _CN_DIGITS.get(units, 0)
