"""Given dates applied to articles, and their periods resolved, without embedding anything.

A date given to a source (``--date``) or a corrected one (``Index.set_article_date``) changes
what the stores say about an article: its date and origin (``given``) in the ledger, the
``date`` of its chunks in the ledger and in the vectors' metadata, and the periods its
relative expressions resolve to. Its text, chunks and vectors stay as they are, so nothing is
embedded again. The same rules run when a source is written (``Index.write_source``): the
given dates win over what ingest found, and every article's periods are resolved from its
chunks' stretch of the original text.
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence

from retrieval.errors import ConfigError
from retrieval.index.ledger import Ledger
from retrieval.index.store import ChromaStore
from retrieval.text.dates import iso_date
from retrieval.text.periods import resolve_periods
from retrieval.types import ArticleText, Chunk, ResolvedPeriod

__all__ = [
    "apply_given",
    "article_periods",
    "checked_date",
    "periods_by_article",
    "redate_article",
    "redate_chunks",
]


def checked_date(date: str) -> str:
    """``date`` if it is a possible ``YYYY-MM-DD`` date.

    Raises:
        ConfigError: it is not (one line, saying the form expected).
    """
    found = iso_date(date)
    if found is None:
        raise ConfigError(f"a date must be YYYY-MM-DD (for example 2022-10-20), not {date!r}")
    return found


def apply_given(
    articles: Sequence[ArticleText],
    chunks: Sequence[Chunk],
    source_date: str | None,
    corrections: Mapping[str, str],
) -> tuple[list[ArticleText], list[Chunk]]:
    """Articles and chunks with the given dates: an article's correction, else the source's."""
    dated = [_given(a, corrections.get(a.article_id) or source_date) for a in articles]
    days = {a.article_id: a.date for a in dated}
    return dated, [
        c if days.get(c.article_id, c.date) == c.date else
        dataclasses.replace(c, date=days[c.article_id])
        for c in chunks
    ]  # fmt: skip


def _given(article: ArticleText, date: str | None) -> ArticleText:
    if date is None:
        return article
    return dataclasses.replace(article, date=date, date_origin="given", date_reason="")


def article_periods(
    article: ArticleText, spans: Iterable[tuple[int, int]]
) -> tuple[ResolvedPeriod, ...]:
    """The periods of the stretch of ``article.text`` its chunks cover (a file may hold
    several articles), resolved against the article's date."""
    found = list(spans)
    if not found or article.date is None:
        return ()
    start = min(s for s, _e in found)
    end = max(e for _s, e in found)
    return resolve_periods(article.text, article.date, start, end)


def periods_by_article(
    articles: Sequence[ArticleText], chunks: Iterable[Chunk]
) -> dict[str, tuple[ResolvedPeriod, ...]]:
    """Each article's periods, by article id, from the chunks written for it."""
    spans: dict[str, list[tuple[int, int]]] = defaultdict(list)
    for chunk in chunks:
        spans[chunk.article_id].append((chunk.char_start, chunk.char_end))
    return {a.article_id: article_periods(a, spans[a.article_id]) for a in articles}


def redate_chunks(ledger: Ledger, store: ChromaStore, chunks: Sequence[Chunk]) -> None:
    """Store the new ``date`` of chunks whose text is unchanged, vectors first."""
    by_date: dict[str | None, list[str]] = defaultdict(list)
    for chunk in chunks:
        by_date[chunk.date].append(chunk.chunk_id)
    for date, ids in by_date.items():
        store.set_dates(ids, date)
    ledger.dates.set_chunk_dates((c.chunk_id, c.date) for c in chunks)


def redate_article(
    ledger: Ledger, store: ChromaStore, article: ArticleText, date: str
) -> ArticleText:
    """Give a stored article a ``given`` date in both stores and resolve its periods again."""
    if article.date == date and article.date_origin == "given":
        return article
    dated = _given(article, date)
    spans = ledger.dates.chunk_spans(article.article_id)
    store.set_dates([chunk_id for chunk_id, _s, _e in spans], date)
    ledger.dates.redate(dated, article_periods(dated, ((s, e) for _c, s, e in spans)))
    return dated
