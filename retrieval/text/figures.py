"""Find, parse and compare the figures (numbers with their units) in news text.

Figures are what readers check first, so one module owns what a figure looks like: chunking
uses it never to cut inside one, and answer verification uses it to compare a figure in an
answer with the figures of the cited passages. A figure is wrong if its scale word (万, 亿),
its unit or its approximator (多, 余) is lost, so all three are part of what is compared.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Literal, get_args

from retrieval.text.hanzi import to_simplified

__all__ = [
    "KINDS",
    "Figure",
    "FigureKind",
    "figure_key",
    "figure_keys",
    "find_figures",
    "hard_spans",
    "normalize_for_match",
    "protected_spans",
    "same_figure",
]

MAX_BRACKET_SPAN = 200
MAX_TOKEN_SPAN = 80

_D = "[0-9０-９]"
_NUM = rf"(?:{_D}{{1,3}}(?:,{_D}{{3}})+(?!{_D})|{_D}+)(?:[.．]{_D}+)?"
_LEAD = rf"(?<!{_D})(?<!{_D}[.．])"
_SCALE = r"(?:[十百千]?(?:万亿|亿|万)|千(?![瓦克米伏帕卡兆])|百(?![分米克]))"
_APPROX = "[多余]"
_QUANT = rf"{_LEAD}(?P<num>{_NUM})(?P<ap1>{_APPROX})?(?P<scale>{_SCALE})?(?P<ap2>{_APPROX})?"
_MONEY = (
    "(?:美元|港元|港币|欧元|日元|英镑|韩元|澳元|卢布|人民币|元)"
    "(?:/(?:平方米|千克|公斤|吨|斤|人|月|年|天|股|桶|件|份))?"
)
_COUNT_CN = (
    "个|家|项|名|位|人|次|只|件|座|条|台|辆|所|批|款|种|类|部|支|户|套|张|份|篇|场|届|架|艘|栋|处"
)
_COUNT = (
    f"(?:个月|人次|{_COUNT_CN}|期|株|头|枚|颗|吨|公斤|千克|克|斤|平方公里|平方米|立方米|公里|"
    "千米|厘米|毫米|纳米|米|亩|公顷|升|千瓦时|兆瓦|千瓦|瓦|英寸|倍|岁|天|小时|分钟|秒|周|年|度|层|"
    "(?:kWh|km|kg|kW|MW|GW|GB|TB|nm|mm|cm)(?![A-Za-z]))"
)
_PERCENT = "[%％‰]"
_POINTS = "个?百分点"
_UNIT_ANY = f"(?:{_PERCENT}|{_POINTS}|{_MONEY}|{_COUNT}|年|月|日)"
_YEAR = f"[12１２]{_D}{{3}}"
_MD = f"{_D}{{1,2}}"
_CN_DIGITS = "零〇一二两三四五六七八九"
_CN_NUM = f"(?<![{_CN_DIGITS}十百千万])[一二两三四五六七八九十][{_CN_DIGITS}十百千万]*"

_DATE_RE = re.compile(
    rf"{_LEAD}(?:{_YEAR}年{_MD}月{_MD}[日号]|{_YEAR}年{_MD}月|{_MD}月{_MD}[日号]|{_YEAR}年"
    rf"|{_MD}月|{_MD}日|{_YEAR}[-/.]{_MD}[-/.]{_MD}(?![0-9０-９.．])"
    rf"|{_MD}[:：]{_D}{{2}}(?:[:：]{_D}{{2}})?(?!{_D})|{_MD}[时点]{_MD}分)"
    f"|[{_CN_DIGITS}]{{4}}年"
)
_RANGE_RE = re.compile(
    rf"{_LEAD}(?P<num>{_NUM})(?P<scale>{_SCALE})?(?P<unit>{_UNIT_ANY})?[-~～—–至到]"
    rf"(?P<num2>{_NUM})(?P<scale2>{_SCALE})?(?P<unit2>{_UNIT_ANY})"
)
_PERCENT_RE = re.compile(rf"{_LEAD}(?P<num>{_NUM})(?P<unit>{_PERCENT})")
_POINTS_RE = re.compile(rf"{_LEAD}(?P<num>{_NUM})(?P<unit>{_POINTS})")
_MONEY_RE = re.compile(rf"{_QUANT}(?P<unit>{_MONEY})")
_COUNT_RE = re.compile(rf"{_QUANT}(?P<unit>{_COUNT})")
_NUMBER_RE = re.compile(_QUANT)
_CN_PERCENT_RE = re.compile(
    rf"百分之(?:(?P<num>{_NUM})|(?P<cn>[{_CN_DIGITS}十百千]+)(?:点(?P<cn_frac>[{_CN_DIGITS}]+))?)"
)
_CN_COUNT_RE = re.compile(rf"(?P<num>{_CN_NUM})(?P<ap1>{_APPROX})?(?P<unit>{_COUNT_CN})")
_DATE_PART_RE = re.compile(r"(\d+)([年月日号时点分])")
_DIGITS_RE = re.compile(r"\d+")
_RANGE_JOIN_RE = re.compile(r"[-~～—–至到]")
_TOKEN_RE = re.compile(
    r"https?://[!-~]*[A-Za-z0-9/#=&_-]"
    r"|[A-Za-z0-9０-９]+(?:[.:：/\-_@'’+][A-Za-z0-9０-９]+)*"
)
_PAIRS = ("（）", "()", "《》", "“”", "‘’", "「」", "『』", "【】", '""')
_BRACKET_RE = re.compile(
    "|".join(
        f"{re.escape(p[0])}[^{re.escape(p)}\\n]{{0,{MAX_BRACKET_SPAN - 2}}}{re.escape(p[1])}"
        for p in _PAIRS
    )
)
_SPACE_RE = re.compile(r"\s+")

_SCALE_VALUES = {"十": 10, "百": 100, "千": 1000, "万": 10**4, "亿": 10**8}
_CN_VALUES = {ch: i for i, ch in enumerate("零一二三四五六七八九")} | {"〇": 0, "两": 2}
_UNIT_ALIASES = {"百分点": "个百分点", "港币": "港元"}


FigureKind = Literal["percent", "points", "money", "count", "number", "range", "date"]
KINDS: frozenset[FigureKind] = frozenset(get_args(FigureKind))


@dataclass(frozen=True)
class Figure:
    """One figure as written in a text, with its value in base units.

    ``raw`` is exactly ``text[start:end]``. ``value`` has scale words applied ("4.29亿元" is
    429000000) and is ``None`` for dates and ranges, which compare by ``figure_key``. An
    approximator stays in ``unit`` ("40多家" has unit "多家") so it never equals "40家".
    """

    raw: str
    start: int
    end: int
    value: Decimal | None
    unit: str
    kind: FigureKind


_Builder = Callable[[re.Match[str]], Figure | None]


def normalize_for_match(text: str) -> str:
    """NFKC (full-width digits, letters and punctuation to half-width) and single spaces.

    NFKC maps each full-width digit to the same ASCII digit, so figures keep their digits;
    Traditional characters become Simplified ones (``retrieval.text.hanzi``), so 「總投資」 matches
    「总投资」.
    """
    return _SPACE_RE.sub(" ", to_simplified(unicodedata.normalize("NFKC", text))).strip()


def find_figures(text: str) -> list[Figure]:
    """Every figure in ``text``, in order and non-overlapping (leftmost, then longest wins).

    Matching runs on the Simplified form (same length), so "1.2億元" is money like "1.2亿元";
    each figure's ``raw`` is still the original text.
    """
    simple = to_simplified(text)
    candidates = [
        (match.start(), match.start() - match.end(), priority, figure)
        for priority, (pattern, build) in enumerate(_RULES)
        for match in pattern.finditer(simple)
        if (figure := build(match)) is not None
    ]
    chosen: list[Figure] = []
    for _start, _length, _priority, figure in sorted(candidates, key=lambda c: c[:3]):
        if not chosen or figure.start >= chosen[-1].end:
            chosen.append(figure)
    if simple == text:
        return chosen
    return [replace(f, raw=text[f.start : f.end]) for f in chosen]


def figure_key(figure: Figure) -> str:
    """The canonical form two figures share exactly when they state the same fact.

    Values are written in base units without exponent or trailing zeros ("429000000元"),
    dates in Chinese order without leading zeros ("2023年8月5日", "17:56").

    Raises:
        ValueError: ``figure`` was not made by ``find_figures`` and is inconsistent (a
            quantity without a value, a range whose ``raw`` is not a range).
    """
    if figure.kind == "date":
        return _date_key(figure.raw)
    if figure.kind == "range":
        low, high = _range_bounds(figure.raw)
        return f"{_plain(low)}-{_plain(high)}{figure.unit}"
    if figure.value is None:
        raise ValueError(f"figure {figure.raw!r} of kind {figure.kind!r} has no value")
    return f"{_plain(figure.value)}{figure.unit}"


def same_figure(a: Figure, b: Figure) -> bool:
    """Whether ``a`` and ``b`` state the same fact: same kind, value, unit and approximator.

    "4.29亿元" equals "42900万元"; "12.9%" never equals "12.9个百分点" (other kinds).
    """
    return a.kind == b.kind and figure_key(a) == figure_key(b)


def figure_keys(text: str) -> set[str]:
    """Keys of every figure in ``text``: as written (normalised, with and without thousands
    separators) and canonical, so "3141.9亿元" gives {"3141.9亿元", "314190000000元"}."""
    keys: set[str] = set()
    for figure in find_figures(text):
        written = normalize_for_match(figure.raw)
        keys.update({written, written.replace(",", ""), figure_key(figure)})
    return keys


def hard_spans(text: str) -> list[tuple[int, int]]:
    """Spans no splitter may ever cut: figures (with "A-B" joins of two figures), times,
    versions, codes, e-mail addresses, URLs and other Latin/digit tokens up to
    ``MAX_TOKEN_SPAN`` characters."""
    figures = _join_figures(text, [(f.start, f.end) for f in find_figures(text)])
    tokens = [m.span() for m in _TOKEN_RE.finditer(text) if len(m[0]) <= MAX_TOKEN_SPAN]
    return _merge(figures + tokens)


def protected_spans(text: str) -> list[tuple[int, int]]:
    """Spans a splitter must not cut inside: ``hard_spans`` plus bracketed and quoted text.

    A bracket or quote protects only up to its matching closer within ``MAX_BRACKET_SPAN``
    characters on the same line, so an unmatched quote does not protect the rest of the text.
    """
    brackets = [m.span() for m in _BRACKET_RE.finditer(text)]
    return _merge(hard_spans(text) + brackets)


def _merge(spans: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start < merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def _join_figures(text: str, spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    joined: list[tuple[int, int]] = []
    for start, end in spans:
        if joined and _RANGE_JOIN_RE.fullmatch(text[joined[-1][1] : start]):
            joined[-1] = (joined[-1][0], end)
        else:
            joined.append((start, end))
    return joined


def _number(raw: str) -> Decimal:
    return Decimal(unicodedata.normalize("NFKC", raw).replace(",", ""))


def _scale(word: str | None) -> Decimal:
    result = Decimal(1)
    for char in word or "":
        result *= _SCALE_VALUES[char]
    return result


def _plain(value: Decimal) -> str:
    text = format(value.normalize(), "f")
    return "0" if text in {"-0", "0"} else text


def _unit(raw: str) -> str:
    unit = unicodedata.normalize("NFKC", raw)
    return _UNIT_ALIASES.get(unit, unit)


def _cn_int(numeral: str) -> int:
    total, section, digit = 0, 0, 0
    for char in numeral:
        if char in _CN_VALUES:
            digit = _CN_VALUES[char]
        elif char == "万":
            total, section, digit = total + (section + digit) * 10**4, 0, 0
        else:
            section, digit = section + (digit or 1) * _SCALE_VALUES[char], 0
    return total + section + digit


def _cn_year(raw: str) -> str:
    return "".join(str(_CN_VALUES[c]) if c in _CN_VALUES else c for c in raw)


def _figure(match: re.Match[str], value: Decimal | None, unit: str, kind: FigureKind) -> Figure:
    value = None if value is None else Decimal(_plain(value))
    return Figure(match[0], match.start(), match.end(), value, unit, kind)


def _build_quantity(kind: FigureKind) -> _Builder:
    def build(match: re.Match[str]) -> Figure:
        groups = match.groupdict()
        value = _number(match["num"]) * _scale(groups.get("scale"))
        approx = (groups.get("ap1") or "") + (groups.get("ap2") or "")
        return _figure(match, value, approx + _unit(groups.get("unit") or ""), kind)

    return build


def _build_cn_count(match: re.Match[str]) -> Figure | None:
    if match["num"] == "一":
        return None
    unit = (match["ap1"] or "") + match["unit"]
    return _figure(match, Decimal(_cn_int(match["num"])), unit, "count")


def _build_cn_percent(match: re.Match[str]) -> Figure:
    if match["num"]:
        return _figure(match, _number(match["num"]), "%", "percent")
    fraction = "".join(str(_CN_VALUES[c]) for c in match["cn_frac"] or "零")
    return _figure(match, Decimal(f"{_cn_int(match['cn'])}.{fraction}"), "%", "percent")


def _build_range(match: re.Match[str]) -> Figure | None:
    unit = _unit(match["unit2"])
    if match["unit"] and _unit(match["unit"]) != unit:
        return None
    low, high = _range_bounds(match[0])
    return _figure(match, None, unit, "range") if low < high else None


def _range_bounds(raw: str) -> tuple[Decimal, Decimal]:
    match = _RANGE_RE.fullmatch(to_simplified(raw))
    if match is None:
        raise ValueError(f"{raw!r} is not a range such as 1-8月")
    high_scale = _scale(match["scale2"])
    low_scale = _scale(match["scale"]) if match["scale"] else high_scale
    return _number(match["num"]) * low_scale, _number(match["num2"]) * high_scale


def _build_date(match: re.Match[str]) -> Figure | None:
    key = _date_key(match[0])
    parts = {unit: int(number) for number, unit in _DATE_PART_RE.findall(key)}
    valid = 1 <= parts.get("月", 1) <= 12 and 1 <= parts.get("日", 1) <= 31
    return _figure(match, None, "", "date") if valid and _valid_time(key) else None


def _valid_time(key: str) -> bool:
    if ":" not in key:
        return True
    numbers = [int(n) for n in key.split(":")]
    return numbers[0] <= 24 and all(n < 60 for n in numbers[1:])


def _date_key(raw: str) -> str:
    text = _cn_year(to_simplified(unicodedata.normalize("NFKC", raw)))
    numbers = [str(int(n)) for n in _DIGITS_RE.findall(text)]
    if "年" not in text and "月" not in text and "日" not in text:
        if ":" in text or "分" in text:
            return ":".join(numbers)
        return f"{numbers[0]}年{numbers[1]}月{numbers[2]}日"
    units = "".join(u for _n, u in _DATE_PART_RE.findall(text)).replace("号", "日")
    return "".join(number + unit for number, unit in zip(numbers, units, strict=True))


_RULES: tuple[tuple[re.Pattern[str], _Builder], ...] = (
    (_DATE_RE, _build_date),
    (_RANGE_RE, _build_range),
    (_POINTS_RE, _build_quantity("points")),
    (_PERCENT_RE, _build_quantity("percent")),
    (_CN_PERCENT_RE, _build_cn_percent),
    (_MONEY_RE, _build_quantity("money")),
    (_COUNT_RE, _build_quantity("count")),
    (_CN_COUNT_RE, _build_cn_count),
    (_NUMBER_RE, _build_quantity("number")),
)
