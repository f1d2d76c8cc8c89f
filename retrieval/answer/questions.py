"""What a question asks for: its kind, its parts, and (for follow-ups) its standalone form.

The extractive answerer and the refusal rule depend on this: a figure question is answered
only by a sentence holding a figure of the kind asked for, a "when" question by a date.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from retrieval.text.figures import Figure, find_figures
from retrieval.text.keywords import query_tokens

__all__ = [
    "Question",
    "QuestionKind",
    "analyse",
    "clean_text",
    "has_content",
    "is_claim",
    "is_cross_lingual",
    "is_english",
    "split_parts",
]

FIGURE_WORDS = re.compile(
    r"多少|几[个家项次名位人年月天倍成]?|增长|增速|增幅|下降|降幅|比例|比重|占比|百分之|"
    r"投资|收入|营收|利润|产值|金额|总额|规模|数量|人数|票房|销量|产量|"
    r"GDP|亿元|万元|how (?:many|much)|what percent|\bnumber of\b|how (?:fast|big|large|long)",
    re.IGNORECASE,
)
WHEN_WORDS = re.compile(
    r"何时|什么时候|哪天|哪一天|哪年|哪一年|几月|几号|日期|时间|when\b|what date|what year",
    re.IGNORECASE,
)
WHO_WORDS = re.compile(
    r"谁|哪位|何人|哪个人|哪些人|冠军|领衔|负责人|董事长|主席|哪家|哪个公司|哪些企业|"
    r"who\b|which company",
    re.IGNORECASE,
)
WHERE_WORDS = re.compile(r"哪里|哪儿|在哪|何地|何处|地点|哪个城市|哪个国家|where\b", re.I)
UNIT_HINT = re.compile(
    r"(?:多少|几)(个百分点|亿元|万元|元|个|家|项|次|名|位|人|倍|吨|辆|套)|(百分之几|百分比|%)"
)
PERCENT_WORDS = re.compile(
    r"增长|增速|增幅|下降|降幅|比例|比重|占比|百分|percent|grow|\brate\b|\bshare\b", re.I
)
MONEY_WORDS = re.compile(
    r"投资|收入|营收|利润|金额|总额|票房|产值|销售额|融资|估值|资金|多少钱|亿元|万元|"
    r"invest|revenue|income|profit|yuan|dollars?\b|\bcost|spend|spent|worth|budget|sales",
    re.I,
)
_PART_SPLIT = re.compile(r"[，,；;]|以及|并且|(?<=[?？])")
_QUESTION_MARK = re.compile(r"多少|几|什么|哪|谁|何|吗|是否|怎样|如何|怎么|为什么|啥|[?？]")
_ENGLISH_ASKING = re.compile(
    r"^\s*(?:who|what|when|where|which|why|how|whose|whom|is|are|was|were|did|does|do|can|"
    r"could|has|have|had|will|would|should|tell me|list|name|give)\b",
    re.I,
)
_ASKING = re.compile(
    r"多少(?!年来)|几(?!乎)|什么|哪|谁|(?<![任])何(?!况)|吗|是否|怎样|怎么|为什么|啥|[?？]"
)
CLAIM_MIN_CHARS = 8
_SENTENCE_END = ("。", "！", "!", ".", "；", ";", "”", "」")
_COMMA = re.compile(r"[，,]")
_STATED_KINDS = frozenset({"percent", "points", "money", "count"})
_LATIN = re.compile(r"[A-Za-z]")
_CJK = re.compile(r"[\u4e00-\u9fff]")
MIN_LATIN_LETTERS = 2
_UNREADABLE = re.compile(r"[\ud800-\udfff]")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


QuestionKind = Literal["figure", "when", "who", "where", "what", "claim"]


@dataclass(frozen=True)
class Question:
    """A question as the answerer sees it."""

    text: str
    kind: QuestionKind
    keywords: tuple[str, ...]
    unit_hint: str | None
    parts: tuple[str, ...]
    expects: str | None = None
    constraints: tuple[Figure, ...] = ()


def analyse(text: str) -> Question:
    """Kind (``figure``, ``when``, ``who``, ``where``, ``what``, ``claim``), keywords, unit and
    parts."""
    kind = question_kind(text)
    hint = UNIT_HINT.search(text) if kind != "claim" else None
    return Question(
        text=text,
        kind=kind,
        keywords=tuple(query_tokens(text)),
        unit_hint=(hint.group(1) or "%") if hint else None,
        parts=tuple(split_parts(text)),
        expects=expected_figure(text),
        constraints=tuple(f for f in find_figures(text) if f.kind in {"date", "range"}),
    )


def expected_figure(text: str) -> str | None:
    """The kind of figure a figure question wants: ``percent``, ``money`` or None (any).

    "增长多少" asks for a rate even when the subject is money ("营业收入增长多少"), so a
    rate word wins over a money word.
    """
    if question_kind(text) != "figure":
        return None
    if PERCENT_WORDS.search(text):
        return "percent"
    return "money" if MONEY_WORDS.search(text) else None


def question_kind(text: str) -> QuestionKind:
    """The kind of answer the question wants; "when" beats "figure" (几月 is a date).

    A statement (a sentence pasted from a draft) is a ``claim``: it is answered by the
    sentences that state it, not by a figure it already holds.
    """
    if is_claim(text):
        return "claim"
    patterns: tuple[tuple[QuestionKind, re.Pattern[str]], ...] = (
        ("when", WHEN_WORDS),
        ("who", WHO_WORDS),
        ("where", WHERE_WORDS),
    )
    for kind, pattern in patterns:
        if pattern.search(text):
            return kind
    return "figure" if FIGURE_WORDS.search(text) else "what"


def split_parts(text: str) -> list[str]:
    """The sub-questions of a multi-part question ("多少个项目，合同投资额多少?" → two).

    A piece becomes its own part only if it asks something itself; otherwise it stays
    attached to its neighbour, so a clause that just sets context is not split off.
    """
    pieces = [p.strip(" ?？") for p in _PART_SPLIT.split(text) if p and p.strip(" ?？")]
    asking = [p for p in pieces if _QUESTION_MARK.search(p)]
    return asking if len(asking) > 1 else [text.strip()]


def is_claim(text: str) -> bool:
    """A statement rather than a question: no question word or mark, and it reads as a
    sentence (ends like one, has a comma, or states a figure), not as a keyword query such
    as 「新园区开工时间」."""
    body = text.strip()
    if len(body) < CLAIM_MIN_CHARS:
        return False
    if not _CJK.search(body):
        asking = body.endswith("?") or _ENGLISH_ASKING.match(body)
        return not asking and (body.endswith(".") or "," in body)
    if _ASKING.search(body):
        return False
    sentence_like = body.endswith(_SENTENCE_END) or bool(_COMMA.search(body))
    return sentence_like or any(_stated_figure(f) for f in find_figures(body))


def _stated_figure(figure: Figure) -> bool:
    """A percentage, amount or count written in digits: 「增长12.9%」 states something;
    「2021赛季」 or 「第七届」 only names what is asked about."""
    return figure.kind in _STATED_KINDS and any(ch.isdigit() for ch in figure.raw)


def clean_text(text: str) -> str:
    """``text`` as a model can read it: a lone surrogate (from undecodable command-line
    bytes or a JSON ``"\\ud800"``) becomes U+FFFD and a control character a space, instead
    of crashing the embedder's UTF-8 encoding."""
    return _CONTROL.sub(" ", _UNREADABLE.sub("\ufffd", text))


def has_content(question: Question) -> bool:
    """Whether the question names anything to look for: a keyword (stopwords, punctuation
    and operators already dropped) holding a Chinese character or a Latin word of two
    letters or more. 「' OR 1=1 --」 or 「？？？」 has none and cannot be answered."""
    return any(_content_token(token) for token in question.keywords)


def _content_token(token: str) -> bool:
    if _CJK.search(token):
        return True
    return sum(ch.isalpha() for ch in token) >= MIN_LATIN_LETTERS


def is_cross_lingual(text: str) -> bool:
    """No Chinese characters at all: words cannot match the articles, only meaning can."""
    return not _CJK.search(text)


def is_english(text: str) -> bool:
    """Mostly Latin letters and no Chinese: answer texts and UI labels in English."""
    return bool(_LATIN.search(text)) and not _CJK.search(text)
