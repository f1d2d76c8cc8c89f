"""Plain result types shared by ingestion and retrieval."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Chunk", "Hit", "IndexStats", "SearchFilter", "SourceInfo"]


@dataclass(frozen=True)
class Chunk:
    """A passage of one article, as stored in the index.

    ``text`` is always the original text ``source_text[char_start:char_end]`` (what users are
    shown and quoted); ``embed_text`` is what the embedder and keyword index see (title and
    section prefixed, normalised for matching).
    """

    chunk_id: str
    article_id: str
    source: str
    title: str
    section: str
    text: str
    char_start: int
    char_end: int
    index: int
    date: str | None = None
    embed_text: str = ""


@dataclass(frozen=True)
class Hit:
    """A chunk found for a query, with the score of the search that found it (higher is better)."""

    chunk: Chunk
    score: float
    rank: int
    method: str
    dense_score: float | None = None
    keyword_score: float | None = None


@dataclass(frozen=True)
class SourceInfo:
    """One ingested source file, as the ledger records it."""

    source: str
    articles: int
    chunks: int
    ingested_at: str


@dataclass(frozen=True)
class IndexStats:
    """Counts shown by the CLI and the UI sidebar."""

    files: int
    articles: int
    chunks: int
    embedding_model: str
    where: str
    last_ingest: str | None


@dataclass(frozen=True)
class SearchFilter:
    """Optional limits on a search: sources, articles, publish dates (inclusive, YYYY-MM-DD).

    A date limit excludes chunks whose article has no known date.
    """

    sources: tuple[str, ...] = ()
    article_ids: tuple[str, ...] = ()
    date_from: str | None = None
    date_to: str | None = None

    @property
    def empty(self) -> bool:
        return not (self.sources or self.article_ids or self.date_from or self.date_to)
