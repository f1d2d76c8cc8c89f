"""Publication dates: the one parser for dates in metadata, headers, file names and text.

Only complete dates count as dates (year, month and day): "今年7月" says nothing about the
year, and an impossible date ("2023-02-30") is skipped. Results are ISO ``YYYY-MM-DD``
strings. ``infer_year`` is the last resort: a year read from what the text reports on.
"""

from __future__ import annotations

import re
from datetime import date

__all__ = [
    "date_in_name",
    "date_mentions",
    "find_date",
    "infer_year",
    "iso_date",
    "yearless_dates",
]

_SPELLED = re.compile(
    r"(?<!\d)(?P<y>(?:19|20)\d{2})(?:\s*年\s*(?P<m1>\d{1,2})\s*月\s*(?P<d1>\d{1,2})\s*[日号]?"
    r"|\s*(?P<sep>[-/.])\s*(?P<m2>\d{1,2})\s*(?P=sep)\s*(?P<d2>\d{1,2})(?!\d))"
)
# Compact forms of URLs and feeds: "202308/05" in a path, or a bare "20230805".
_COMPACT = (
    re.compile(r"(?<!\d)(?P<y>(?:19|20)\d{2})(?P<m>\d{2})/(?P<d>\d{2})"),
    re.compile(r"^\s*(?P<y>(?:19|20)\d{2})(?P<m>\d{2})(?P<d>\d{2})\s*$"),
)
_ISO = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
# In a file name: "2022-09-14_…", "2022_09_14", "2022.09.14", "20220914…", "2022年9月14日…",
# never digits inside a longer run of letters or digits (a hash such as "3df20220914e").
_NAME_DATE = re.compile(
    r"(?<![0-9A-Za-z])(?P<y>(?:19|20)\d{2})"
    r"(?:(?P<sep>[-_.])(?P<m1>\d{1,2})(?P=sep)(?P<d1>\d{1,2})(?!\d)"
    r"|(?P<m2>\d{2})(?P<d2>\d{2})(?![0-9A-Za-z])"
    r"|年(?P<m3>\d{1,2})月(?P<d3>\d{1,2})[日号]?)"
)
_PLAUSIBLE_YEARS = range(1950, 2100)

# A year the text reports on, "2021年"; not a target ("到2025年", "2025年前") or a decade.
_YEAR_MENTION = re.compile(
    r"(?<!\d)((?:19|20)\d{2})\s*年(?!代)"
    r"(?:\s*(?P<part>\d|[上下]半年|前[一二两三四五六七八九十\d]|第|[一二三四]季度)|(?P<target>底?前))?"
)
_PLAN_BEFORE = re.compile(
    r"(?:(?<!截)[到至]|计划|预计|力争|争取|目标|规划|将于|将在|有望|预期|远景)\s*$"
)
_PLAN_WINDOW = 6
# The text speaks of the current year: 今年, 本年, or a part of a year named without one.
_THIS_YEAR = re.compile(
    r"今年|本年度?|(?<![\d年])(?:前[一二两三1-3]季度|[上下]半年|\d{1,2}\s*[-—–~～至到]\s*\d{1,2}\s*月)"
)


def find_date(text: str | None) -> str | None:
    """The first complete, possible date in ``text`` as ``YYYY-MM-DD``, or None.

    Accepts "2023年8月5日", "2023-08-05 17:56", "2023/8/5", "2023.08.05", ISO datetimes,
    "20230805" on its own and "202308/05" inside a URL.
    """
    if not text:
        return None
    for match in _SPELLED.finditer(text):
        found = _valid(match["y"], match["m1"] or match["m2"], match["d1"] or match["d2"])
        if found is not None:
            return found
    for pattern in _COMPACT:
        for match in pattern.finditer(text):
            found = _valid(match["y"], match["m"], match["d"])
            if found is not None:
                return found
    return None


def iso_date(text: str) -> str | None:
    """``text`` itself if it is exactly a possible ``YYYY-MM-DD`` date, else None."""
    match = _ISO.fullmatch(text.strip())
    return _valid(*match.groups()) if match else None


def date_in_name(name: str) -> str | None:
    """The first plausible date (1950-2099) in a file name, as ``YYYY-MM-DD``, or None.

    "2022-09-14_科学城.txt", "20220914-news.md" and "2022年9月14日 报道.docx" give
    "2022-09-14"; digits inside a longer alphanumeric run (a hash) are never a date.
    """
    for match in _NAME_DATE.finditer(name):
        month = match["m1"] or match["m2"] or match["m3"]
        found = _valid(match["y"], month, match["d1"] or match["d2"] or match["d3"])
        if found is not None and int(match["y"]) in _PLAUSIBLE_YEARS:
            return found
    return None


def infer_year(text: str) -> tuple[str, str] | None:
    """The year an undated text was written in, with the reason, or None.

    The latest year the text reports on by number, when the text also speaks of the current
    year (今年, 前三季度, 1-8月 without a year), is a past year: the text is from a later one.
    "2021年GDP增长12.9%；今年前三季度…" gives ``("2022", …)``; a part of a year named with
    its number ("2022年1-8月") makes that year the current one. Targets ("计划到2025年",
    "2025年前") are not reported years. A text naming no year, or no current-year words,
    gives None.
    """
    current = _THIS_YEAR.search(text)
    if current is None:
        return None
    full, partial = _reported_years(text)
    if not full and not partial:
        return None
    if partial and max(partial) > (max(full) if full else 0):
        year = max(partial)
        reason = f"the text reports on part of {year}年 by number and on 「{current[0]}」"
    else:
        year = max(full) + 1
        reason = f"the text reports on {year - 1}年 by number and on 「{current[0]}」, a later year"
    return str(year), reason


def _reported_years(text: str) -> tuple[list[int], list[int]]:
    """Years the text reports on: as whole years (sorted) and as parts of a year (2022年1-8月)."""
    full: list[int] = []
    partial: list[int] = []
    for match in _YEAR_MENTION.finditer(text):
        before = text[max(0, match.start() - _PLAN_WINDOW) : match.start()]
        if match["target"] or _PLAN_BEFORE.search(before):
            continue
        (partial if match["part"] else full).append(int(match[1]))
    return sorted(full), partial


def _valid(year: str, month: str, day: str) -> str | None:
    try:
        return date(int(year), int(month), int(day)).isoformat()
    except ValueError:
        return None


# Dates of events written in a sentence, at the precision written: "2019年2月25日" (day),
# "2023年10月" (month), "2020年" (year), "2019-02-25"; not a decade (2020年代) or a fiscal
# year (2020年度), and never a year inside a longer number.
_MENTION = re.compile(
    r"(?<![\d.])(?P<y>(?:19|20)\d{2})(?:\s*年(?![代度])(?:\s*(?P<m>\d{1,2})\s*月"
    r"(?:\s*(?P<d>\d{1,2})\s*[日号])?)?"
    r"|(?P<sep>[-/.])(?P<m2>\d{1,2})(?P=sep)(?P<d2>\d{1,2})(?!\d))"
)
# A month and day without a year ("7月15日"), not the end of a range ("1-8月") or of a year.
_YEARLESS = re.compile(r"(?<![\d年\-－—–~～至到.])(?P<m>\d{1,2})\s*月\s*(?P<d>\d{1,2})\s*[日号]")


def date_mentions(text: str) -> list[tuple[int, int, str]]:
    """Dates written with their year in ``text``, in text order, as ``(start, end, value)``.

    ``value`` keeps the precision written: ``YYYY-MM-DD``, ``YYYY-MM`` or ``YYYY``
    ("2019年2月25日", "2023年10月", "2020年"); an impossible day or month falls back to what
    is possible ("2023年2月30日" → ``2023-02``).
    """
    found: list[tuple[int, int, str]] = []
    for match in _MENTION.finditer(text):
        month, day = match["m"] or match["m2"], match["d"] or match["d2"]
        value = _partial(match["y"], month, day)
        if match["sep"] is not None and len(value) < len("YYYY-MM-DD"):
            continue
        found.append((match.start(), match.end(), value))
    return found


def yearless_dates(text: str) -> list[tuple[int, int, int, int]]:
    """Month-and-day dates written without a year ("7月15日"), as ``(start, end, month,
    day)``; a day no year has (2月30日) is skipped."""
    found: list[tuple[int, int, int, int]] = []
    for match in _YEARLESS.finditer(text):
        month, day = int(match["m"]), int(match["d"])
        if _valid("2000", str(month), str(day)) is not None:  # 2000: a leap year
            found.append((match.start(), match.end(), month, day))
    return found


def _partial(year: str, month: str | None, day: str | None) -> str:
    if month is None or not 1 <= int(month) <= 12:
        return year
    whole = _valid(year, month, day) if day is not None else None
    return whole or f"{year}-{int(month):02d}"
