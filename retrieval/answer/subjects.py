"""What a question is about: the names, metric and period it asks for, and whether a text has them.

A confident figure for the wrong subject is the worst answer this product can give: asked
about 焦作高新区's GDP growth, an article about another district's 12.9% must not answer. So
the answerer checks that the article a sentence comes from mentions every name the question
gives (places, organisations, people; found by jieba's tagger), that the sentence states the
metric asked for (营业收入 is not 利润总额) and that the passage covers the period asked about.
Pure text functions; matching is on normalised text (half-width, Simplified).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from dataclasses import dataclass

import jieba.posseg as pseg

from retrieval.answer.questions import is_cross_lingual
from retrieval.text.figures import normalize_for_match
from retrieval.text.hanzi import to_simplified
from retrieval.text.keywords import JIEBA_LOCK, STOPWORDS
from retrieval.text.periods import named_periods
from retrieval.types import ResolvedPeriod

__all__ = [
    "METRICS",
    "NAME_TAGS",
    "Focus",
    "focus",
    "metric_conflict",
    "period_conflict",
    "subject_mismatch",
    "unmentioned",
]

NAME_TAGS = ("nr", "ns", "nt", "nz")
NOUN_TAGS = (*NAME_TAGS, "n")
MIN_NAME_CHARS = 2
# Economic metrics news reports figures for (matched longest first, so 营业收入 wins over
# 收入); follow-up rewriting uses the same list.
METRICS = tuple(
    sorted(
        (
            "地区生产总值 生产总值 GDP 营业收入 营业总收入 主营业务收入 营收 收入 财政收入 "
            "一般公共预算收入 利润总额 营业利润 净利润 归母净利润 利润 工业总产值 产值 "
            "工业增加值 增加值 合同投资额 固定资产投资 投资额 总投资 销售额 销售收入 销量 "
            "产量 出口额 进口额 进出口总额 进出口额 交易额 成交额 税收 社会消费品零售总额 "
            "增速 增长率 增幅 降幅 人口 常住人口 就业人数 客流量 营业额 市值 票房 融资额 订单"
        ).split(),
        key=len,
        reverse=True,
    )
)
_METRIC_RE = re.compile("|".join(map(re.escape, METRICS)), re.IGNORECASE)
# Synonyms a passage may use for a metric named in the question (matching only).
_METRIC_FORMS = {
    "gdp": ("gdp", "生产总值"),
    "生产总值": ("生产总值", "gdp"),
    "营收": ("营收", "营业收入", "收入"),
    "增速": ("增速", "增长", "增幅"),
    "增长率": ("增长率", "增速", "增长"),
    "增幅": ("增幅", "增速", "增长"),
}
_RATE_METRICS = frozenset({"增速", "增长率", "增幅", "降幅"})
_YEAR = re.compile(r"(?<!\d)(?:19|20)\d{2}(?=年)")
# 截至目前/目前 name the day a figure stands at, not the period it covers.
_POINTS = frozenset({"as_of"})
_RELATIVE = re.compile(
    r"今年|去年|前年|明年|上半年|下半年|前三季度|第?[一二三四1-4]季度|本月|上月|"
    r"\d{1,2}\s*[-至到~～]\s*\d{1,2}\s*月"
)


@dataclass(frozen=True)
class Focus:
    """The names (subjects) and metrics a question names, normalised for matching.

    ``parts`` holds, for each name, its words that the tagger marked as proper names
    (焦作高新区 → 高新区 when 焦作 is tagged as a common noun): a text mentions a name when
    it has the whole name or every one of those words.
    """

    names: tuple[str, ...]
    metrics: tuple[str, ...]
    parts: tuple[tuple[str, ...], ...] = ()


def focus(question: str) -> Focus:
    """The subjects and metrics of ``question``; none for a question without Chinese."""
    text = normalize_for_match(question)
    metrics = tuple(dict.fromkeys(m.lower() for m in _METRIC_RE.findall(text)))
    runs = _names(text)
    return Focus(
        names=tuple(name for name, _ in runs), metrics=metrics, parts=tuple(p for _, p in runs)
    )


def unmentioned(about: Focus, text: str) -> tuple[str, ...]:
    """The names of ``about`` that ``text`` never mentions.

    A name counts as mentioned when it is there whole, or when every word of it that is a
    proper name is (科学城核心区 in 「西部(重庆)科学城核心区」; 重庆科学城 in
    「西部(重庆)科学城」).
    """
    norm = normalize_for_match(text).lower()
    parts = about.parts or tuple(() for _ in about.names)
    return tuple(
        name
        for name, words in zip(about.names, parts, strict=True)
        if not _mentioned(name, words, norm)
    )


def subject_mismatch(about: Focus, text: str) -> tuple[str, ...]:
    """The names that make ``text``'s article unable to answer.

    One name: it must be mentioned. Several (a comparison of two events, a list): their
    articles differ, so one article mentioning any of them is enough.
    """
    missing = unmentioned(about, text)
    if len(about.names) > 1 and len(missing) < len(about.names):
        return ()
    return missing


def metric_conflict(metrics: tuple[str, ...], sentence: str) -> bool:
    """The sentence states a metric, but none that the question asks for.

    A growth rate asked for is not a level (增速 vs 产值) and a level is not another level
    (营业收入 vs 利润总额); a sentence without any metric word is no conflict.
    """
    if not metrics:
        return False
    norm = normalize_for_match(sentence).lower()
    stated = {m.lower() for m in _METRIC_RE.findall(norm)}
    if not stated:
        return False
    asked_level = [m for m in metrics if m not in _RATE_METRICS]
    return bool(asked_level) and not any(_states(m, norm) for m in asked_level)


def period_conflict(question: str, sentence: str, periods: Sequence[ResolvedPeriod] = ()) -> bool:
    """The sentence is about another period than the one asked for.

    Only explicit evidence counts: the question names years and the sentence names only
    other years, or the question names a relative period (今年前三季度) and no year while
    the sentence names a year but not that period. A sentence naming no period is no
    conflict (its passage may set the period).

    ``periods`` are the sentence's relative expressions resolved against its article's date
    (今年上半年 in a 2022 article: 2022-01-01..2022-06-30). When it has some, they count as
    the sentence's periods beside the years it names, and a question naming a period
    (2022年上半年) conflicts only with a sentence none of whose periods overlaps it.
    """
    q, s = normalize_for_match(question), normalize_for_match(sentence)
    stated = [(p.date_from, p.date_to) for p in periods if p.rule not in _POINTS]
    asked = named_periods(q)
    if stated and asked:
        spans = [*stated, *named_periods(s)]
        return not any(a[0] <= b[1] and b[0] <= a[1] for a in asked for b in spans)
    asked_years, stated_years = set(_YEAR.findall(q)), set(_YEAR.findall(s))
    if asked_years and stated_years:
        return not asked_years & stated_years
    asked_relative = {m.replace(" ", "") for m in _RELATIVE.findall(q)}
    if asked_relative and not asked_years and stated_years:
        stated_relative = {m.replace(" ", "") for m in _RELATIVE.findall(s)}
        return not asked_relative & stated_relative
    return False


def _states(metric: str, norm: str) -> bool:
    return any(form in norm for form in _METRIC_FORMS.get(metric, (metric,)))


def _names(text: str) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """Runs of nouns holding at least one proper-name tag (焦作/n + 高新区/nr → 焦作高新区),
    each with its proper-name words."""
    if is_cross_lingual(text):
        return ()
    names: dict[str, tuple[str, ...]] = {}
    run: list[tuple[str, str]] = []
    for word, flag in (*_tagged(text), ("", "x")):
        if flag.startswith(NOUN_TAGS) and _is_name(word) and len("".join(w for w, _ in run)) < 8:
            run.append((word, flag))
            continue
        proper = tuple(
            w.lower() for w, f in run if f.startswith(NAME_TAGS) and len(w) >= MIN_NAME_CHARS
        )
        if proper:
            names.setdefault("".join(w for w, _ in run).lower(), proper)
        run = [(word, flag)] if flag.startswith(NOUN_TAGS) and _is_name(word) else []
    return tuple(names.items())


def _is_name(word: str) -> bool:
    return word.lower() not in STOPWORDS and not _METRIC_RE.fullmatch(word)


@functools.lru_cache(maxsize=4096)
def _tagged(text: str) -> tuple[tuple[str, str], ...]:
    with JIEBA_LOCK:
        return tuple((str(p.word), str(p.flag)) for p in pseg.cut(to_simplified(text)))


def _mentioned(name: str, words: tuple[str, ...], norm: str) -> bool:
    if name in norm:
        return True
    return bool(words) and all(word in norm for word in words)
