"""Questions in time, for the answer chain: the "as of" day, the question in absolute time,
recent articles first for 最近/最新, and the passages' resolved periods.

A question is asked on a day (``AskOptions.as_of``, today when None): its 去年 is the year
before that day's, so the chain searches and matches with the question rewritten in absolute
time (``in_time``: 去年GDP → 2022年GDP as of 2023-06-14). A question that wishes for the
latest (最近, 最新, 近期) gets the newest of its comparably relevant hits first
(``prefer_recent``). The refusal rule reads a passage's relative periods as its dates
(``passage_periods``: 今年1-8月 in an article dated 2022 speaks of 2022年1-8月). With
``use_time=False`` each of these leaves its input as it is (the ``--no-time`` baseline).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import date

from retrieval.errors import RetrievalError
from retrieval.index import Index
from retrieval.text.asof import asks_recent, in_absolute_time
from retrieval.text.dates import iso_date
from retrieval.text.period_labels import period_label
from retrieval.types import Hit, ResolvedPeriod

__all__ = [
    "RECENCY_BONUS",
    "RECENT_BAND",
    "as_of_day",
    "as_written_lead",
    "check_as_of",
    "in_time",
    "passage_periods",
    "prefer_recent",
]

RECENT_BAND = 0.6
"""Hits whose fused score is at least this share of the best are "comparably relevant": among
them a 最近 question prefers the newest (about the top eight ranks under RRF k=10)."""
RECENCY_BONUS = 0.5
"""Added to the newest comparably relevant hit's score, as a share of the best score (the
oldest dated one gets 0, undated ones and ones dated after the "as of" day get nothing), so
that re-ranking, which starts from the fused score, keeps recent hits ahead. Not tuned: no
eval set asks for the latest; chosen to outweigh the re-ranker's coverage differences
between passages on the same subject."""


def check_as_of(as_of: str | None, name: str = "as_of") -> None:
    """Raise unless ``as_of`` is None or a possible ``YYYY-MM-DD`` date.

    Raises:
        RetrievalError: ``as_of`` is not such a date.
    """
    if as_of is not None and iso_date(as_of) != as_of:
        raise RetrievalError(
            f"{name} {as_of!r} is not a date: give the day the question is asked on as "
            "YYYY-MM-DD, e.g. 2023-06-14."
        )


def as_of_day(as_of: str | None) -> str:
    """The day a question is asked on: ``as_of``, or today when None."""
    return as_of if as_of is not None else date.today().isoformat()


def in_time(question: str, as_of: str | None, *, use_time: bool) -> str:
    """``question`` with its relative time (去年, 上月) rewritten as of ``as_of``."""
    return in_absolute_time(question, as_of_day(as_of)).text if use_time else question


def as_written_lead(question: str, day: str) -> str:
    """The note leading an answer that reads the question's relative time by the articles'
    own dates, because nothing covers it as of ``day``: names what it means on that day."""
    periods = in_absolute_time(question, day).periods
    labels = "、".join(dict.fromkeys(period_label(p) for p in periods))
    return (
        f"注意：按提问日期（{day}），{labels}，文章中没有这一时期的信息。"
        "以下按文章自己的日期理解问题中的时间（见引文旁的时间注释）："
    )


def prefer_recent(
    question: str, hits: Sequence[Hit], as_of: str | None, *, use_time: bool
) -> list[Hit]:
    """For a question wishing for the latest, ``hits`` with the newest comparably relevant
    ones raised (``RECENT_BAND``, ``RECENCY_BONUS``) and re-ordered; other questions' hits
    as they are."""
    if not use_time or not hits or not asks_recent(question):
        return list(hits)
    top = max(hit.score for hit in hits)
    day = as_of_day(as_of)
    floor = RECENT_BAND * top
    dates = sorted({d for h in hits if h.score >= floor and (d := _usable_date(h, day))})
    last = max(len(dates) - 1, 1)
    share = {d: i / last if len(dates) > 1 else 1.0 for i, d in enumerate(dates)}
    raised = [_raised(h, share, day, top) if h.score >= floor else h for h in hits]
    ordered = sorted(raised, key=lambda h: (-h.score, h.rank))
    return [replace(h, rank=i) for i, h in enumerate(ordered, start=1)]


def _raised(hit: Hit, share: dict[str, float], day: str, top: float) -> Hit:
    found = _usable_date(hit, day)
    if found is None:
        return hit
    return replace(hit, score=hit.score + RECENCY_BONUS * top * share[found])


def _usable_date(hit: Hit, day: str) -> str | None:
    """The hit's date, unless unknown or after the "as of" day (a year-only date counts as
    that year)."""
    found = hit.chunk.date
    if not found or found > day[: len(found)]:
        return None
    return found


def passage_periods(
    index: Index, hits: Sequence[Hit], *, use_time: bool
) -> dict[str, tuple[ResolvedPeriod, ...]]:
    """The resolved relative periods of each hit's article, by article id (none without
    ``use_time``)."""
    if not use_time:
        return {}
    articles = dict.fromkeys(hit.chunk.article_id for hit in hits)
    return {article_id: index.periods(article_id) for article_id in articles}
