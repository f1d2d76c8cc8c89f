"""Plain result types shared by ingestion and retrieval."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

__all__ = [
    "Answer",
    "AnswerMode",
    "ArticleText",
    "Chunk",
    "Citation",
    "Flag",
    "FlagKind",
    "Hit",
    "HitMethod",
    "IndexStats",
    "Reliability",
    "SearchFilter",
    "SourceInfo",
]


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
class ArticleText:
    """An article's original text (the one citation offsets point into) and its metadata."""

    article_id: str
    source: str
    title: str
    date: str | None
    text: str
    byline: str = ""


HitMethod = Literal["dense", "keyword", "hybrid", "rrf60"]
"""Which search found a hit; ``rrf60`` is the retrieval benchmark's naive-fusion baseline."""


@dataclass(frozen=True)
class Hit:
    """A chunk found for a query, with the score of the search that found it (higher is better)."""

    chunk: Chunk
    score: float
    rank: int
    method: HitMethod
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

    A date limit excludes chunks whose article has no known date. ``exclude_article_ids``
    hides articles as if they were not ingested (the refusal benchmark uses it).
    """

    sources: tuple[str, ...] = ()
    article_ids: tuple[str, ...] = ()
    date_from: str | None = None
    date_to: str | None = None
    exclude_article_ids: tuple[str, ...] = ()

    @property
    def empty(self) -> bool:
        limits = (self.sources, self.article_ids, self.date_from, self.date_to)
        return not (any(limits) or self.exclude_article_ids)


@dataclass(frozen=True)
class Citation:
    """Passage ``[n]`` of an answer: where it is in the original file, and its exact text.

    ``quote == original_text[char_start:char_end]``; ``highlights`` are the absolute offsets
    of the sentences the answer quotes or rests on, for marking inside the passage.
    ``incomplete``: the passage's source was not fully ingested (a run stopped half way), so
    the answer may miss passages of it.
    """

    n: int
    chunk_id: str
    article_id: str
    source: str
    title: str
    section: str
    char_start: int
    char_end: int
    quote: str
    date: str | None = None
    highlights: tuple[tuple[int, int], ...] = ()
    incomplete: bool = False


FlagKind = Literal[
    "unsupported_figure", "wrong_passage", "uncited_figure", "missing_passage", "unsupported_name"
]


@dataclass(frozen=True)
class Flag:
    """A verification finding about one answer sentence.

    ``kind`` is one of ``unsupported_figure`` (not in the cited passages), ``wrong_passage``
    (in another retrieved passage, not the cited one), ``uncited_figure`` (a sentence states a
    figure without any citation), ``missing_passage`` (a marker pointing to no passage; removed
    from the text), ``unsupported_name`` (a person/organisation not in the cited passages).
    """

    kind: FlagKind
    sentence: str
    item: str
    message: str


Reliability = Literal["reliable", "check", "insufficient"]
AnswerMode = Literal["extractive", "llm"]


@dataclass(frozen=True)
class Answer:
    """The result of a question: text with ``[n]`` markers, its citations and findings.

    ``confidence`` is the answerability model's probability that the passages answer the
    question; ``reliability`` reads it in words: ``reliable`` (可靠), ``check`` (需核实: show
    the answer as a quote to check) or ``insufficient`` (不足以回答: a refusal). A refusal may
    still cite what the articles say instead (another subject, metric or figure).
    """

    question: str
    standalone_question: str
    text: str
    refused: bool
    citations: tuple[Citation, ...]
    flags: tuple[Flag, ...]
    mode: AnswerMode
    seconds: float = 0.0
    key_figures: tuple[str, ...] = ()
    notice: str | None = None
    confidence: float | None = None
    reliability: Reliability | None = None
