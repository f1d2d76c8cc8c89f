"""Citations with the resolved periods of the text they quote (今年 → 2022, 上月 → 2022-09).

The periods were resolved against each article's date at ingest and stored with the article
(``Index.periods``); an answer's citations take those inside their quote, so a reader sees
which year 今年 was without the quote being rewritten. One lookup per cited article, however
many of its passages are cited.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace

from retrieval.text.periods import periods_within
from retrieval.types import Answer, Citation, ResolvedPeriod

__all__ = ["PeriodLookup", "with_periods"]

PeriodLookup = Callable[[str], Sequence[ResolvedPeriod]]
"""An article's resolved periods by its id, in text order (``Index.periods``)."""


def with_periods(answer: Answer, lookup: PeriodLookup) -> Answer:
    """``answer`` with each citation's ``periods``: the article's periods inside its quote."""
    if not answer.citations:
        return answer
    articles = dict.fromkeys(c.article_id for c in answer.citations)
    found = {article_id: tuple(lookup(article_id)) for article_id in articles}
    cited = tuple(_dated(c, found[c.article_id]) for c in answer.citations)
    return replace(answer, citations=cited)


def _dated(citation: Citation, periods: Sequence[ResolvedPeriod]) -> Citation:
    inside = periods_within(periods, citation.char_start, citation.char_end)
    return replace(citation, periods=inside)
