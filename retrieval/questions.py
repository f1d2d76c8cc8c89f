"""What a question asks for: its kind, its parts, and (for follow-ups) its standalone form.

The extractive answerer and the refusal rule depend on this: a figure question is answered
only by a sentence holding a figure of the kind asked for, a "when" question by a date.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from retrieval.figures import Figure, find_figures
from retrieval.keywords import query_tokens
from retrieval.tokens import count_tokens

__all__ = ["Question", "analyse", "condense_by_rule", "is_english", "split_parts"]

FIGURE_WORDS = re.compile(
    r"多少|几[个家项次名位人年月天倍成]?|增长|增速|增幅|下降|降幅|比例|比重|占比|百分之|"
    r"投资|收入|营收|利润|产值|金额|总额|规模|数量|人数|票房|交付量|吞吐量|销量|产量|"
    r"GDP|亿元|万元|how (?:many|much)|what percent|\bnumber of\b",
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
WHERE_WORDS = re.compile(r"哪里|哪儿|在哪|何地|何处|地点|起点|终点|哪个城市|哪个国家|where\b")
UNIT_HINT = re.compile(
    r"(?:多少|几)(个百分点|亿元|万元|元|个|家|项|次|名|位|人|倍|吨|辆|套)|(百分之几|百分比|%)"
)
PERCENT_WORDS = re.compile(r"增长|增速|增幅|下降|降幅|比例|比重|占比|百分|percent|grow", re.I)
MONEY_WORDS = re.compile(
    r"投资|收入|营收|利润|金额|总额|票房|产值|销售额|融资|估值|资金|多少钱|亿元|万元"
)
_PART_SPLIT = re.compile(r"[，,；;]|以及|并且|(?<=[?？])")
_QUESTION_MARK = re.compile(r"多少|几|什么|哪|谁|何|吗|是否|怎样|如何|[?？]")
_FOLLOW_UP_LEAD = re.compile(
    r"^(?:那么?|那它|它|他|她|其中|其|该|这个?|此|还有|另外|and|what about)"
)
_FILLER = re.compile(r"^(?:那它的|那它|那么|那|它的|他的|她的|该|还有|另外)|呢[?？]?$")
_LATIN = re.compile(r"[A-Za-z]")
_CJK = re.compile(r"[\u4e00-\u9fff]")
FOLLOW_UP_MAX_TOKENS = 16


@dataclass(frozen=True)
class Question:
    """A question as the answerer sees it."""

    text: str
    kind: str
    keywords: tuple[str, ...]
    unit_hint: str | None
    parts: tuple[str, ...]
    expects: str | None = None
    constraints: tuple[Figure, ...] = ()


def analyse(text: str) -> Question:
    """Kind (``figure``, ``when``, ``who``, ``where``, ``what``), keywords, unit and parts."""
    hint = UNIT_HINT.search(text)
    return Question(
        text=text,
        kind=question_kind(text),
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


def question_kind(text: str) -> str:
    """The kind of answer the question wants; "when" beats "figure" (几月 is a date)."""
    for kind, pattern in (("when", WHEN_WORDS), ("who", WHO_WORDS), ("where", WHERE_WORDS)):
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


def is_english(text: str) -> bool:
    """Mostly Latin letters and no Chinese: answer texts and UI labels in English."""
    return bool(_LATIN.search(text)) and not _CJK.search(text)


def condense_by_rule(question: str, history: Sequence[str]) -> str:
    """A standalone question for a short, subject-less follow-up, without an LLM.

    "那它的营业收入呢?" after "国核铀业2021年利润总额多少?" becomes
    "国核铀业2021年利润总额多少? 营业收入": the previous question's subject and keywords are
    carried over, and the follow-up's own words (listed last) say what is asked now.
    """
    if not history or not _is_follow_up(question):
        return question
    previous = history[-1].strip()
    remainder = _FILLER.sub("", question.strip()).strip(" ?？")
    return f"{previous} {remainder or question}".strip()


def _is_follow_up(question: str) -> bool:
    text = question.strip()
    if _FOLLOW_UP_LEAD.match(text.lower()):
        return True
    return count_tokens(text) <= FOLLOW_UP_MAX_TOKENS and text.rstrip("?？").endswith("呢")
