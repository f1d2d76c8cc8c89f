"""Standalone questions for short follow-ups, without an LLM, by replacing what changed.

"那今年前三季度呢？" after "科学城核心区2021年GDP增长多少？" asks the same thing for another
period, so the standalone question is "科学城核心区今年前三季度GDP增长多少？": the follow-up's
PERIOD, METRIC or SUBJECT takes the place of the previous question's one. A follow-up that
names none of them (or one the previous question has no slot for) is handled as before: the
previous question with the follow-up's remaining words appended. Only words are moved; no
figure is ever rewritten.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import jieba.posseg as pseg

from retrieval.answer.subjects import METRICS, NAME_TAGS
from retrieval.text.keywords import JIEBA_LOCK
from retrieval.text.tokens import count_tokens

__all__ = ["METRICS", "FollowUp", "Kind", "condense_by_rule", "is_follow_up", "rewrite"]

Kind = Literal["period", "metric", "subject"]
Span = tuple[int, int]
FOLLOW_UP_MAX_TOKENS = 16

_FOLLOW_UP_LEAD = re.compile(
    r"^(?:那么?|那它|它|他|她|其中|其|该|这个?|此|还有|另外|and|what about)"
)
_FILLER = re.compile(r"^(?:那它的|那它|那么|那|它的|他的|她的|该|还有|另外)|呢[?？]?$")
_LEFTOVER_EDGES = " \t的、，,。?？!！和与及"

_D = "[0-9０-９]"
_JOIN = r"\s*[-~～—–至到]\s*"
_YEAR = rf"(?<!{_D})[12１２]{_D}{{3}}"
_CN_YEAR = "[零〇一二三四五六七八九]{4}"
_MONTH_NUM = rf"(?:(?<!{_D}){_D}{{1,2}}|十[一二]|[一二三四五六七八九十])"
_PERIOD_ATOMS = (
    rf"{_YEAR}年?{_JOIN}{_YEAR}年度?",
    rf"(?:{_YEAR}|{_CN_YEAR})(?:财年|年度?)",
    rf"{_MONTH_NUM}(?:月份?)?{_JOIN}{_MONTH_NUM}月份?",
    rf"{_MONTH_NUM}月份?(?:{_D}{{1,2}}[日号])?",
    rf"前{_MONTH_NUM}个月",
    "(?:前|第)?[一二三四1-4１-４]季度",
    "[Qq][1-4]",
    "上半年|下半年",
    "今年|去年|前年|明年|后年|当年|上年|本年|全年|年初|年末|年底",
    "本月|上月|当月|下月|上个月|本季度|上季度|当季|同期",
)
_PERIOD = re.compile(rf"(?<![比较年])(?:{'|'.join(_PERIOD_ATOMS)})+(?:以来|至今)?")
_YEAR_PART = re.compile(
    rf"^(?:{_PERIOD_ATOMS[0]}|{_PERIOD_ATOMS[1]}|今年|去年|前年|明年|后年|当年|上年|本年)"
)

_METRIC = re.compile(
    "|".join(re.escape(m) for m in sorted(METRICS, key=len, reverse=True)), re.IGNORECASE
)

_ORG_SUFFIXES = frozenset({"控股", "集团", "股份", "公司"})


@dataclass(frozen=True)
class FollowUp:
    """A follow-up made standalone, and what it replaced in the previous question.

    ``replaced`` holds ``(kind, old, new)`` triples; ``old`` is "" where a period was
    inserted into a previous question that had none.
    """

    question: str
    replaced: tuple[tuple[Kind, str, str], ...] = ()


@dataclass(frozen=True)
class _Token:
    word: str
    flag: str
    start: int
    end: int


def condense_by_rule(question: str, history: Sequence[str]) -> str:
    """A standalone question for a short follow-up, without an LLM (see ``rewrite``)."""
    return rewrite(question, history).question


def rewrite(question: str, history: Sequence[str]) -> FollowUp:
    """The follow-up ``question`` made standalone using the last question of ``history``.

    "那2022年呢?" after "国核铀业2021年利润总额多少?" gives "国核铀业2022年利润总额多少?";
    a question that is not a follow-up (or has no history) is returned unchanged.
    """
    if not history or not is_follow_up(question):
        return FollowUp(question)
    previous = history[-1].strip()
    remainder = _FILLER.sub("", question.strip()).strip(" ?？")
    replaced = _replace(previous, remainder)
    if replaced is None:
        return FollowUp(f"{previous} {remainder or question}".strip())
    return replaced


def is_follow_up(question: str) -> bool:
    """Starts like a follow-up ("那", "它", "what about") or is short and ends in "呢"."""
    text = question.strip()
    if _FOLLOW_UP_LEAD.match(text.lower()):
        return True
    return count_tokens(text) <= FOLLOW_UP_MAX_TOKENS and text.rstrip("?？").endswith("呢")


def _replace(previous: str, remainder: str) -> FollowUp | None:
    """``previous`` with the parts named in ``remainder`` replaced; None if none could be."""
    old = _parts(previous)
    edits: list[tuple[Span, str]] = []
    changes: list[tuple[Kind, str, str]] = []
    used: list[Span] = []
    for kind, (start, end) in _parts(remainder).items():
        target = old.get(kind) or _insertion_point(kind, old)
        if target is not None:
            new = _within_year(kind, previous[target[0] : target[1]], remainder[start:end])
            edits.append((target, new))
            used.append((start, end))
            changes.append((kind, previous[target[0] : target[1]], new))
    if not edits:
        return None
    question = _with_leftover(_apply(previous, edits), _cut(remainder, used))
    return FollowUp(question, tuple(c for c in changes if c[1] != c[2]))


def _parts(text: str) -> dict[Kind, Span]:
    """Where ``text`` names its period, metric and subject (the first of each)."""
    parts: dict[Kind, Span] = {}
    if period := _PERIOD.search(text):
        parts["period"] = period.span()
    taken = list(parts.values())
    metric = next((m for m in _METRIC.finditer(text) if not _overlaps(m.span(), taken)), None)
    if metric is not None:
        parts["metric"] = metric.span()
    if subject := _subject(text, list(parts.values())):
        parts["subject"] = subject
    return parts


def _within_year(kind: Kind, old: str, new: str) -> str:
    """A new period without a year ("1-8月", "上半年") keeps the old period's year, and
    "去年同期" after "今年1-8月" means "去年1-8月"."""
    if kind != "period":
        return new
    old_year, new_year = _year_part(old), _year_part(new)
    if not new_year:
        return old_year + new
    if new == f"{new_year}同期" and old[len(old_year) :]:
        return new_year + old[len(old_year) :]
    return new


def _year_part(period: str) -> str:
    match = _YEAR_PART.match(period)
    return match[0] if match else ""


def _insertion_point(kind: Kind, old: dict[Kind, Span]) -> Span | None:
    """Where a new period goes when the previous question has none: after the subject,
    else before the metric, else at the start. Other kinds are never inserted."""
    if kind != "period":
        return None
    position = old["subject"][1] if "subject" in old else old.get("metric", (0, 0))[0]
    return position, position


def _subject(text: str, blocked: list[Span]) -> Span | None:
    """The first organisation, place or person named in ``text``, with the nouns around it
    ("焦作" + "高新区"), outside the ``blocked`` spans (period and metric)."""
    tokens = [t for t in _tagged(text) if not _overlaps((t.start, t.end), blocked)]
    for index, token in enumerate(tokens):
        if token.flag.startswith(NAME_TAGS) and len(token.word) >= 2:
            return _extend(tokens, index)
    return None


def _extend(tokens: list[_Token], index: int) -> Span:
    """The span of ``tokens[index]`` grown over the adjacent nouns on either side."""
    first = last = index
    while first > 0 and _joins(tokens[first - 1], tokens[first]) and _nounish(tokens[first - 1]):
        first -= 1
    while last + 1 < len(tokens) and _joins(tokens[last], tokens[last + 1]):
        if not (_nounish(tokens[last + 1]) or tokens[last + 1].word in _ORG_SUFFIXES):
            break
        last += 1
    return tokens[first].start, tokens[last].end


def _tagged(text: str) -> list[_Token]:
    """jieba's part-of-speech tagging of ``text``, with character offsets."""
    with JIEBA_LOCK:
        pairs = [(str(pair.word), str(pair.flag)) for pair in pseg.cut(text)]
    tokens: list[_Token] = []
    offset = 0
    for word, flag in pairs:
        tokens.append(_Token(word, flag, offset, offset + len(word)))
        offset += len(word)
    return tokens


def _nounish(token: _Token) -> bool:
    return token.flag.startswith(("n", "j")) and not any(c.isdigit() for c in token.word)


def _joins(left: _Token, right: _Token) -> bool:
    return left.end == right.start


def _overlaps(span: Span, others: Sequence[Span]) -> bool:
    return any(span[0] < end and start < span[1] for start, end in others)


def _apply(text: str, edits: list[tuple[Span, str]]) -> str:
    """``text`` with each span replaced, right to left so earlier offsets stay valid."""
    for (start, end), new in sorted(edits, key=lambda edit: edit[0], reverse=True):
        text = text[:start] + new + text[end:]
    return text


def _cut(text: str, spans: list[Span]) -> str:
    """``text`` without the ``spans``, trimmed of particles and punctuation at the edges."""
    for start, end in sorted(spans, reverse=True):
        text = text[:start] + text[end:]
    return text.strip(_LEFTOVER_EDGES)


def _with_leftover(question: str, leftover: str) -> str:
    """The follow-up's unplaced words appended, unless the question already says them."""
    return f"{question} {leftover}" if leftover and leftover not in question else question
