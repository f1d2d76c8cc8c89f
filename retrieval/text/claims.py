"""Claims and their checkable facts, read from a pasted draft (the fact-check mode's input).

A fact-checker pastes a sentence or a whole article. Each sentence is a claim; its figures,
dates and periods and quotations are the facts to check (a sentence with none is checked
whole). Everything keeps offsets into the pasted text, so a result marks exact characters.

``figure_context`` says what a figure belongs to: the words naming it (合同投资额), the
sentence before it (where its subject is named), its period (今年1-8月) and a list it totals
(「A、B等招商项目317个」). It reads claims and evidence sentences alike, so both sides are
compared like for like. Pure functions; figures come from ``retrieval.text.figures`` (English
ones through ``retrieval.text.english``) and are never rewritten in what is shown.
"""

from __future__ import annotations

import functools
import re
from collections import Counter
from dataclasses import dataclass
from typing import Literal

import jieba.posseg as pseg

from retrieval.text.english import english_figures
from retrieval.text.figures import Figure, figure_key, find_figures, normalize_for_match
from retrieval.text.hanzi import to_simplified
from retrieval.text.keywords import JIEBA_LOCK
from retrieval.text.quotes import Quotation, find_quotations
from retrieval.text.sentences import split_sentences
from retrieval.types import FactKind

__all__ = [
    "Claim",
    "Fact",
    "FigureContext",
    "Period",
    "PeriodRelation",
    "Reading",
    "figure_context",
    "find_periods",
    "is_english",
    "overlap",
    "period_relation",
    "read_figures",
    "split_claims",
]

CONTEXT_CHARS = 300
"""How much of the paragraph before a sentence it inherits a subject or period from."""
LABEL_CHARS = 10
FIGURE_KINDS = frozenset({"percent", "points", "money", "count", "range"})

_CJK = re.compile(r"[\u3400-\u9fff]")
_LATIN = re.compile(r"[A-Za-z]{2,}")
_YEAR_LIKE = re.compile(r"(?:1[89]|20)\d\d")
_CLAUSE_END = re.compile(r"[，,；;：:、。！？!?]")
_CLOSING_QUOTES = '”」』"’'
_SPEAKER_ONLY = re.compile(
    r"[^，,。；;！？!?“”「」\n]{1,30}?(?:表示|说道|说|称|指出|介绍|强调|认为|透露|坦言|回应)[。.!！]?"
    r"|[A-Z][\w.\-' ]{0,40}\s(?:said|says|added|noted)[.!]?"
)
MIN_OVERLAP_CHARS = 6
"""A claim with fewer characters than this besides its figures overlaps nothing: too little
to tell what it is about."""
_RUN_JOINERS = " 、,，和及与"
_CLAUSE_SPLIT = re.compile(r"[，,；;：:。！？!?]")
_FILLER_END = re.compile(r"(?:约|达到?|为|了|共|超过?|近|逾|累计|合计|总计|实现|分别|是|的|已)+$")
_FILLER_START = re.compile(r"^(?:其中|包括|同时|此外|并且?|且|和|及|以及|其)+")
_LIST = re.compile(r"[^，,；;：:。！？!?]*、[^，,；;：:。！？!?]*等[^，,；;：:。！？!?]*")
_NOT_LABEL = re.compile(r"[\d\s.,%()（）\-]+")
# Period words: relative years, and parts of a year as months.
_YEARS = dict(今年="今年", 本年="今年", 去年="去年", 前年="前年", 明年="明年")
_YEARS |= {"this year": "今年", "last year": "去年"}
_PARTS = dict(上半年="1-6月", 前两季度="1-6月", 下半年="7-12月", 前三季度="1-9月")
_PARTS |= {"first half": "1-6月", "second half": "7-12月", "first three quarters": "1-9月"}
_QUARTER_MONTHS = ("1-3月", "4-6月", "7-9月", "10-12月")
_QUARTERS = {
    name: months
    for names in ("一二三四", "1234", ("first", "second", "third", "fourth"))
    for name, months in zip(names, _QUARTER_MONTHS, strict=True)
}
_PERIOD_RE = re.compile(
    "|".join(sorted(map(re.escape, {**_YEARS, **_PARTS}), key=len, reverse=True))
    + r"|第?(?P<q>[一二三四1-4])季度|\bQ(?P<qe>[1-4])\b|\b(?P<qw>first|second|third|fourth) quarter"
    + r"|\b(?P<year>(?:19|20)\d\d)\b(?![年\d])",
    re.IGNORECASE,
)
_KEY_YEAR = re.compile(r"(\d{4})年")
_KEY_MONTH = re.compile(r"(?<![\d年])(\d{1,2}(?:-\d{1,2})?)月")
_KEY_DAY = re.compile(r"(\d{1,2})日")


@dataclass(frozen=True)
class Reading:
    """A text as the figure parser reads it.

    ``read`` is ``text`` with English figures rewritten ("3.2 billion yuan" → "3200000000元",
    equal to ``text`` for Chinese); ``figures`` have offsets into ``read`` and ``spans`` are
    the same figures' offsets into ``text``.
    """

    text: str
    read: str
    figures: tuple[Figure, ...]
    spans: tuple[tuple[int, int], ...]


@dataclass(frozen=True)
class Period:
    """A time a figure or event belongs to: as written, and in comparable parts.

    ``year`` is a year ("2021") or a relative one ("今年", "去年"); ``part`` the months or day
    ("1-8月"; 上半年 is "1-6月", 第三季度 "7-9月"; "7月", "10月28日"). Either may be None.
    """

    text: str
    start: int
    end: int
    year: str | None
    part: str | None


PeriodRelation = Literal["same", "conflict", "unknown"]


@dataclass(frozen=True)
class FigureContext:
    """What a figure belongs to, read from its sentence.

    ``label``: the words right before it in its clause, naming what it measures ("合同投资额"),
    normalised, without periods or fillers (约, 达, 实现); ``subject``: the sentence before the
    figure, where its subject is named; ``period``: the nearest period before it in the
    sentence; ``total_of``: a list it totals ("华润…项目、中国平安…等招商项目317个"), when one
    ends in its clause or the one before, and ``members`` that list's items (a name found only
    there is one of several the figure is the total of).
    """

    label: str
    subject: str
    period: Period | None
    total_of: str | None
    members: str = ""


@dataclass(frozen=True)
class Fact:
    """One checkable fact of a claim; ``start``/``end`` are offsets in the pasted text.

    ``figure`` (offsets into the claim's ``Reading.read``), ``period`` (offsets into the claim)
    or ``quotation`` (offsets into the claim) says what it is; a ``name`` fact stands for the
    whole sentence, checked by overlap.
    """

    kind: FactKind
    text: str
    start: int
    end: int
    figure: Figure | None = None
    period: Period | None = None
    quotation: Quotation | None = None


@dataclass(frozen=True)
class Claim:
    """A sentence of the pasted text (``pasted[start:end]``) and its facts.

    ``context`` is the paragraph before it, from which a sentence naming no subject or period
    inherits them.
    """

    text: str
    start: int
    end: int
    facts: tuple[Fact, ...]
    context: str = ""

    @property
    def reading(self) -> Reading:
        return read_figures(self.text)


def split_claims(pasted: str) -> list[Claim]:
    """The claim sentences of ``pasted`` (those with a word in them), with their facts.

    A speaker tag cut off after a closing quote (「“……。”李克强表示。」) stays with the quote.
    """
    claims = []
    for start, end in _with_speakers(pasted, split_sentences(pasted, 0, len(pasted))):
        text = pasted[start:end]
        if _CJK.search(text) or _LATIN.search(text):
            facts = tuple(find_facts(text, start))
            claims.append(Claim(text, start, end, facts, paragraph_before(pasted, start)))
    return claims


def _with_speakers(text: str, spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for start, end in spans:
        quoted = merged and text[merged[-1][1] - 1] in _CLOSING_QUOTES
        if quoted and _SPEAKER_ONLY.fullmatch(text[start:end]):
            merged[-1] = (merged[-1][0], end)
        else:
            merged.append((start, end))
    return merged


def find_facts(text: str, offset: int = 0) -> list[Fact]:
    """The facts of one sentence, offsets shifted by ``offset``; a sentence with no figure,
    date or quotation gets one ``name`` fact: itself."""
    periods = find_periods(text)
    facts = [Fact("date", p.text, offset + p.start, offset + p.end, period=p) for p in periods]
    reading = read_figures(text)
    for figure, (start, end) in zip(reading.figures, reading.spans, strict=True):
        if _checkable(figure, reading) and not any(p.start <= start < p.end for p in periods):
            facts.append(Fact("figure", text[start:end], offset + start, offset + end, figure))
    for quote in find_quotations(text):
        start, end = offset + quote.start, offset + quote.end
        facts.append(Fact("quote", quote.text, start, end, quotation=quote))
    if not facts:
        facts.append(Fact("name", text, offset, offset + len(text)))
    return sorted(facts, key=lambda f: (f.start, f.end))


def paragraph_before(text: str, start: int) -> str:
    """The paragraph of ``text`` before ``start`` (at most ``CONTEXT_CHARS`` characters)."""
    begin = max(text.rfind("\n", 0, start) + 1, start - CONTEXT_CHARS)
    return text[begin:start]


@functools.lru_cache(maxsize=16384)
def read_figures(text: str) -> Reading:
    """The figures of ``text``; English ones are read after rewriting ("3.2 billion yuan")."""
    if not is_english(text):
        figures = tuple(find_figures(text))
        return Reading(text, text, figures, tuple((f.start, f.end) for f in figures))
    read, originals = english_figures(text)
    found, spans, cursor = [], [], 0
    for figure in find_figures(read):
        wording = originals.get(figure.raw, figure.raw)
        at = text.find(wording, cursor)
        if at >= 0:
            found.append(figure)
            spans.append((at, at + len(wording)))
            cursor = at + len(wording)
    return Reading(text, read, tuple(found), tuple(spans))


def is_english(text: str) -> bool:
    """Latin words and no Chinese: read (and answered) as English."""
    return bool(_LATIN.search(text)) and not _CJK.search(text)


def _checkable(figure: Figure, reading: Reading) -> bool:
    if figure.kind == "range":
        return not figure.unit.endswith(("月", "日", "年"))
    if figure.kind == "number":
        raw = figure.raw.replace(",", "")
        return is_english(reading.text) and len(raw) > 1 and not _YEAR_LIKE.fullmatch(raw)
    return figure.kind in FIGURE_KINDS


@functools.lru_cache(maxsize=16384)
def find_periods(text: str) -> tuple[Period, ...]:
    """Dates and periods of ``text`` in order; adjacent ones (今年 + 1-8月) are merged."""
    reading = read_figures(text)
    tokens = [
        (start, end, *_figure_period(figure))
        for figure, (start, end) in zip(reading.figures, reading.spans, strict=True)
        if _is_period_figure(figure)
    ]
    for match in _PERIOD_RE.finditer(text):
        if not any(s <= match.start() < e for s, e, _y, _p in tokens):
            tokens.append((match.start(), match.end(), *_word_period(match)))
    return tuple(_merge_periods(text, sorted(tokens)))


def _is_period_figure(figure: Figure) -> bool:
    if figure.kind == "range":
        return figure.unit == "月"
    return figure.kind == "date" and ":" not in figure_key(figure)


def _figure_period(figure: Figure) -> tuple[str | None, str | None]:
    key = figure_key(figure)
    year = _KEY_YEAR.search(key)
    rest = _KEY_YEAR.sub("", key)
    return (year[1] if year else None), (rest or None)


def _word_period(match: re.Match[str]) -> tuple[str | None, str | None]:
    quarter = match["q"] or match["qe"] or match["qw"]
    if quarter:
        return None, _QUARTERS[quarter.lower()]
    if match["year"]:
        return match["year"], None
    word = match[0].lower()
    return _YEARS.get(word), _PARTS.get(word)


def _merge_periods(
    text: str, tokens: list[tuple[int, int, str | None, str | None]]
) -> list[Period]:
    """Adjacent tokens that complete each other (a year, then months) become one period."""
    periods: list[Period] = []
    for start, end, year, part in tokens:
        last = periods[-1] if periods else None
        joins = last is not None and not text[last.end : start].strip()
        if last is not None and joins and not (last.year and year) and not (last.part and part):
            both = last.year or year, last.part or part
            periods[-1] = Period(text[last.start : end], last.start, end, *both)
        else:
            periods.append(Period(text[start:end], start, end, year, part))
    return periods


def period_relation(a: Period | None, b: Period | None) -> PeriodRelation:
    """``same`` when the two agree on what both state (year, months, day) and state something
    alike, ``conflict`` when they differ on it (2021年 vs 2022年, 1-8月 vs 1-9月), else
    ``unknown`` (今年 vs 2021年, or one period missing)."""
    if a is None or b is None:
        return "unknown"
    found = [_year_relation(a.year, b.year), *_part_relation(a.part, b.part)]
    if "conflict" in found:
        return "conflict"
    return "same" if "same" in found else "unknown"


def _year_relation(a: str | None, b: str | None) -> PeriodRelation:
    if a is None or b is None or a.isdigit() != b.isdigit():
        return "unknown"
    return "same" if a == b else "conflict"


def _part_relation(a: str | None, b: str | None) -> list[PeriodRelation]:
    if a is None or b is None:
        return ["unknown"]
    pairs = ((_KEY_MONTH, a, b), (_KEY_DAY, a, b))
    found: list[PeriodRelation] = []
    for pattern, left, right in pairs:
        x, y = pattern.search(left), pattern.search(right)
        if x and y:
            found.append("same" if x[1] == y[1] else "conflict")
    return found or ["unknown"]


def figure_context(sentence: str, figure: Figure) -> FigureContext:
    """What ``figure`` (found in ``sentence``) belongs to; see ``FigureContext``."""
    periods = find_periods(sentence)
    before = [p for p in periods if p.end <= figure.start]
    raw_label = _raw_label(sentence, _run_start(sentence, figure), before)
    listed = None if "分别" in raw_label else _total_of(sentence, figure)
    return FigureContext(
        label=_clean_label(raw_label[raw_label.rfind("等") + 1 :]),
        subject=sentence[: figure.start],
        period=before[-1] if before else None,
        total_of=listed[0] if listed else None,
        members=listed[1] if listed else "",
    )


def _run_start(sentence: str, figure: Figure) -> int:
    """Where the run of figures ``figure`` ends ("78.1%、9.6%" after 分别达) begins: its figures
    share the words before the first."""
    start = figure.start
    for other in reversed([f for f in read_figures(sentence).figures if f.end <= figure.start]):
        if sentence[other.end : start].strip(_RUN_JOINERS):
            break
        start = other.start
    return start


def _raw_label(sentence: str, start: int, periods: list[Period]) -> str:
    """The words between the last clause mark, figure or period before ``start`` and it."""
    bounds = [m.end() for m in _CLAUSE_END.finditer(sentence, 0, start)]
    bounds += [f.end for f in read_figures(sentence).figures if f.end <= start]
    bounds += [p.end for p in periods if p.end <= start]
    return sentence[max(bounds, default=0) : start]


def _clean_label(label: str) -> str:
    norm = normalize_for_match(label).lower()
    norm = _FILLER_START.sub("", _FILLER_END.sub("", norm))
    return _NOT_LABEL.sub("", norm)[-LABEL_CHARS:]


def _total_of(sentence: str, figure: Figure) -> tuple[str, str] | None:
    """The list clause a figure totals and the list's items, when the list ends in the
    figure's clause or the one before ("引进A、B等招商项目317个,合同投资额3141.9亿元")."""
    clauses = [m.end() for m in _CLAUSE_SPLIT.finditer(sentence, 0, figure.start)]
    earliest = clauses[-2] if len(clauses) >= 2 else 0
    lists = [m for m in _LIST.finditer(sentence, 0, figure.end) if m.end() > earliest]
    if not lists:
        return None
    clause = lists[-1][0]
    begin = _list_start(clause[: clause.index("、")])
    return clause[begin:].strip(), clause[begin : clause.rindex("等")].strip()


@functools.lru_cache(maxsize=4096)
def _list_start(head: str) -> int:
    """Where a list's first item begins in ``head`` (the text before its first 、): after the
    last verb of two characters or more, preposition or conjunction (引进, 包括, 与), else at
    the start (a one-character "verb" is often part of a name: 晶圆, 智能网联)."""
    with JIEBA_LOCK:
        words = [(str(w.word), str(w.flag)) for w in pseg.cut(to_simplified(head))]
    at = start = 0
    for word, flag in words:
        at += len(word)
        if (flag == "v" and len(word) > 1) or flag in {"p", "c"}:
            start = at
    return start


def overlap(claim: str, text: str) -> float:
    """Share (0..1) of the claim's letters and characters that ``text`` holds, its figures
    left out (a changed figure is what a check looks for, not a difference of wording); 0
    for a claim with fewer than ``MIN_OVERLAP_CHARS`` of them."""
    wanted = _chars(_without_figures(claim))
    total = sum(wanted.values())
    if total < MIN_OVERLAP_CHARS:
        return 0.0
    return sum((wanted & _chars(text)).values()) / total


@functools.lru_cache(maxsize=4096)
def _without_figures(text: str) -> str:
    reading = read_figures(text)
    kept, cursor = [], 0
    for figure, (start, end) in zip(reading.figures, reading.spans, strict=True):
        if figure.kind != "date":
            kept.append(text[cursor:start])
            cursor = end
    return "".join([*kept, text[cursor:]])


@functools.lru_cache(maxsize=16384)
def _chars(text: str) -> Counter[str]:
    return Counter(c for c in normalize_for_match(text).lower() if c.isalnum())
