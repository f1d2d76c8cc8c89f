"""English figures rewritten the way ``retrieval.text.figures`` reads Chinese ones.

"4.29 billion yuan" becomes "4290000000元", "12 percentage points" "12个百分点" and
"Oct 28, 2022" "2022年10月28日", so an English answer's figures are checked against Chinese
passages by value and scale. Each rewrite keeps its original wording for messages.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from decimal import Decimal
from functools import partial

__all__ = ["english_figures"]

_EN_NUM = r"(?<![\d.,])(?P<num>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)"
_EN_MONEY_RE = re.compile(
    rf"(?:(?P<pre>RMB|CNY|US\$|\$|¥|￥)\s?)?{_EN_NUM}(?!\s*[十百千万亿元%％])"
    r"(?:\s*(?P<scale>thousand|million|billion|trillion|bn|mn)\b)?"
    r"(?:\s*(?P<post>yuan|renminbi|RMB|CNY|(?:US |U\.S\. )?dollars|USD)\b)?",
    re.IGNORECASE,
)
_EN_PERCENT_RE = re.compile(
    rf"{_EN_NUM}\s*(?:(?P<points>percentage points?|ppts?\b)|percent\b|per cent\b|pct\b)",
    re.IGNORECASE,
)
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_MONTH = (
    r"(?P<month>Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?"
    r"|Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\b\.?"
)
_DAY = r"(?P<day>\d{1,2})(?:st|nd|rd|th)?\b"
_YEAR = r"(?:,?\s+(?P<year>\d{4})\b)"
_EN_DATE_RES = (
    re.compile(rf"\b{_DAY}\s+{_MONTH}{_YEAR}?"),
    re.compile(rf"\b{_MONTH}\s+{_DAY}{_YEAR}?"),
    re.compile(rf"\b{_MONTH}{_YEAR}"),
)
_EN_SCALES = dict(thousand=10**3, million=10**6, mn=10**6, billion=10**9, bn=10**9, trillion=10**12)


def english_figures(text: str) -> tuple[str, dict[str, str]]:
    """English figures rewritten the way ``find_figures`` reads them ("4.29 billion yuan" as
    "4290000000元", "Oct 28, 2022" as "2022年10月28日"), with each rewrite's original wording."""
    originals: dict[str, str] = {}
    for pattern, build in _EN_RULES:
        text = pattern.sub(partial(_swap, build=build, originals=originals), text)
    return text, originals


def _swap(
    match: re.Match[str], build: Callable[[re.Match[str]], str | None], originals: dict[str, str]
) -> str:
    new = build(match)
    if new is None:
        return match[0]
    originals[new] = match[0].strip()
    return new


def _en_money(match: re.Match[str]) -> str | None:
    if not (match["scale"] or match["post"] or match["pre"]):
        return None
    scale = _EN_SCALES.get((match["scale"] or "").lower(), 1)
    value = Decimal(match["num"].replace(",", "")) * scale
    currency = f"{match['pre'] or ''}{match['post'] or ''}".lower()
    unit = "美元" if ("$" in currency or "dollar" in currency or "usd" in currency) else "元"
    return format(value.normalize(), "f") + (unit if match["pre"] or match["post"] else "")


def _en_percent(match: re.Match[str]) -> str:
    return match["num"].replace(",", "") + ("个百分点" if match["points"] else "%")


def _en_date(match: re.Match[str]) -> str:
    groups = match.groupdict()
    month = _MONTHS.index(match["month"][:3]) + 1
    year = f"{groups['year']}年" if groups.get("year") else ""
    day = f"{int(groups['day'])}日" if groups.get("day") else ""
    return f"{year}{month}月{day}"


_EN_RULES: tuple[tuple[re.Pattern[str], Callable[[re.Match[str]], str | None]], ...] = (
    *((pattern, _en_date) for pattern in _EN_DATE_RES),
    (_EN_PERCENT_RE, _en_percent),
    (_EN_MONEY_RE, _en_money),
)
