"""The one-line reasons of fact-check verdicts, in the claim's language (Chinese or English).

Every reason names the figures, dates or speakers that differ, quoting them as written on
each side (「文章为3141.9亿元，声称为3141.9万元」), so a reader sees the mistake without
opening the passage.
"""

from __future__ import annotations

from collections.abc import Sequence

from retrieval.text.figures import hard_spans
from retrieval.types import DiffPiece

__all__ = [
    "attribution",
    "differs",
    "kind_swap",
    "listed",
    "name_swap",
    "not_found",
    "quote_differs",
    "quote_found",
    "said_by",
    "same",
    "sentence_found",
    "wrong_place",
]

MAX_SHOWN = 40


def _cut(text: str, limit: int = MAX_SHOWN) -> str:
    """``text`` on one line, shortened to about ``limit`` characters, never inside a figure."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    end = limit - 1
    for start, stop in hard_spans(text):
        if start < end < stop:
            end = start
    return text[:end] + "…"


def same(stated: str, claimed: str, english: bool) -> str:
    """The evidence states the claimed figure or date (perhaps written another way)."""
    if english:
        return f"The article also says {stated}" + ("" if stated == claimed else f" (= {claimed})")
    return f"文章同样为{stated}" if stated == claimed else f"文章为{stated}，与声称的{claimed}相同"


def differs(stated: str, claimed: str, english: bool) -> str:
    """Another figure or date for the same thing."""
    if english:
        return f"The article says {stated}; the claim says {claimed}"
    return f"文章为{stated}，声称为{claimed}"


def kind_swap(stated: str, claimed: str, points: bool, english: bool) -> str:
    """The same number as percentage points in the article and a percentage in the claim (or
    the other way round)."""
    if english:
        what = (
            ("a gap in percentage points", "a percentage")
            if points
            else ("a percentage", "percentage points")
        )
        return f"The article's {stated} is {what[0]}; the claim gives it as {what[1]} ({claimed})"
    what = ("个百分点的差值", "百分比（增长率）") if points else ("百分比", "百分点")
    return f"文章中{stated}是{what[0]}，声称为{what[1]}{claimed}"


def attribution(claimed: str, where: str, instead: str, english: bool) -> str:
    """The claimed figure is in the article, but for something else (``where``) than the
    claim's (``instead``: its subject, metric or period)."""
    if english:
        return f"{claimed} in the article is {where}, not " + (instead or "what the claim says")
    return f"{claimed}在文章中是{where}，不是{_cut(instead) or '声称的对象'}"


def wrong_place(claimed: str, where: str, own: str, stated: str, english: bool) -> str:
    """The claimed figure belongs elsewhere, and the claim's own place holds another one."""
    if english:
        return f"{claimed} in the article is {where}; for {own} it says {stated}"
    return f"{claimed}在文章中是{where}，{own}为{stated}"


def name_swap(stated: str, claimed: str, english: bool) -> str:
    """The article's sentence names someone or somewhere else where the claim names ``claimed``."""
    if english:
        return f'The article says "{stated}" here, not "{claimed}"'
    return f"文章此处为「{_cut(stated)}」，声称为「{_cut(claimed)}」"


def listed(total_of: str, english: bool) -> str:
    """``where``: the total of a list, not one of its items; a long list is shown by its first
    item's start and its end ("华润微电子12英寸…等招商项目317个")."""
    cut = total_of.rfind("等")
    head, tail = (total_of[:cut], total_of[cut:]) if cut > 0 else ("", total_of)
    shown = (_cut(head, MAX_SHOWN // 2) if head else "") + _cut(tail)
    return f'the total of "{shown}"' if english else f"「{shown}」的合计"


def not_found(claimed: str, other_period: tuple[str, str] | None, english: bool) -> str:
    """Nothing states the claim; ``other_period`` is (period, figure) the article gives
    instead, when it covers only another period."""
    if other_period is not None:
        period, figure = other_period
        if english:
            return f"No figure for this period in the articles (they give {figure} for {period})"
        return f"文章中没有这一时期的数字（文章为{period}的{figure}）"
    return f"Not found in the articles: {claimed}" if english else f"文章中未找到{claimed}"


def quote_found(near: bool, english: bool) -> str:
    if english:
        return "The article has these words" + (" (punctuation or script differ)" if near else "")
    return "文章中有这段话（标点、空格或字形不同）" if near else "文章中有这段原话"


def quote_differs(diff: Sequence[DiffPiece], english: bool) -> str:
    """The first differences of a quote that is only close to the article's words."""
    changes = [p for p in diff if p.op != "equal"][:2]
    shown = [(_cut(p.article) or "∅", _cut(p.quote) or "∅") for p in changes]
    if english:
        parts = "; ".join(f'article "{a}", quote "{q}"' for a, q in shown)
        return f"The article's words differ: {parts}"
    parts = "；".join(f"文章为“{a}”，引文为“{q}”" for a, q in shown)
    return f"原话有出入：{parts}"


def said_by(stated: str, claimed: str, english: bool) -> str:
    """The words are in the article, said by someone else."""
    if english:
        return f"In the article {stated} says this, not {claimed}"
    return f"文章中这段话是{stated}说的，不是{claimed}"


def sentence_found(found: bool, english: bool) -> str:
    if english:
        return "The article says the same" if found else "Not found in the articles"
    return "文章中有相同的说法" if found else "文章中未找到这一说法"
