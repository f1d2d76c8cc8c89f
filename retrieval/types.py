"""Plain result types shared by ingestion and retrieval."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

__all__ = [
    "VERDICT_ORDER",
    "Answer",
    "AnswerMode",
    "ArticleDate",
    "ArticleText",
    "CheckReport",
    "CheckedClaim",
    "CheckedFact",
    "Chunk",
    "Citation",
    "DateOrigin",
    "DiffPiece",
    "FactKind",
    "Flag",
    "FlagKind",
    "Hit",
    "HitMethod",
    "IndexStats",
    "PeriodRule",
    "QuoteFound",
    "QuoteMatch",
    "Reliability",
    "ResolvedPeriod",
    "SearchFilter",
    "SourceInfo",
    "Verdict",
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
    """An article's original text (the one citation offsets point into) and its metadata.

    ``date`` is ``YYYY-MM-DD``, or ``YYYY`` when only the year is inferred; ``date_origin``
    says where it came from (``DateOrigin``; None when unknown, or for an index from before
    origins were kept) and ``date_reason`` how an ``inferred`` date was reached.
    """

    article_id: str
    source: str
    title: str
    date: str | None
    text: str
    byline: str = ""
    date_origin: DateOrigin | None = None
    date_reason: str = ""


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
    the answer may miss passages of it. ``periods``: the relative time expressions inside
    the quote (今年, 上月…) with the absolute periods they mean, resolved against the article's
    date (shown beside the quote, never inserted into it).
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
    periods: tuple[ResolvedPeriod, ...] = ()


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


Verdict = Literal["supported", "contradicted", "misattributed", "not_found"]
"""A fact-check verdict, from best to worst: ``supported`` (a passage states the same fact for
the same subject, metric and period), ``contradicted`` (a passage gives another figure or date
for them), ``misattributed`` (the figure or quote exists but belongs to another subject,
metric, period or speaker), ``not_found`` (nothing relevant)."""
VERDICT_ORDER: tuple[Verdict, ...] = ("supported", "not_found", "misattributed", "contradicted")
"""Verdicts from best to worst: a claim's verdict is the worst of its facts'."""
FactKind = Literal["figure", "date", "quote", "name"]
QuoteFound = Literal["exact", "near", "closest", "none"]


@dataclass(frozen=True)
class CheckedFact:
    """One checkable fact of a claim and its verdict.

    ``start``/``end`` are offsets in the pasted text (``text == pasted[start:end]``).
    ``reason`` is one line in the claim's language naming the differing figures; ``stated``
    is what the evidence says instead (the other figure, date or speaker), when it differs.
    Citation highlights mark the evidence sentence and figure inside each passage.
    """

    kind: FactKind
    text: str
    start: int
    end: int
    verdict: Verdict
    reason: str
    citations: tuple[Citation, ...] = ()
    stated: str | None = None


@dataclass(frozen=True)
class CheckedClaim:
    """A claim sentence of the pasted text (``pasted[start:end]``): the worst of its facts."""

    text: str
    start: int
    end: int
    verdict: Verdict
    facts: tuple[CheckedFact, ...]


@dataclass(frozen=True)
class CheckReport:
    """The fact-check of a pasted text: its claims in order, and the worst verdict of all."""

    text: str
    verdict: Verdict
    claims: tuple[CheckedClaim, ...]
    seconds: float = 0.0


@dataclass(frozen=True)
class DiffPiece:
    """One piece of a character diff: ``equal`` text, or what the quote has (``quote``) where
    the article has ``article`` (either may be empty)."""

    op: Literal["equal", "replace", "delete", "insert"]
    quote: str
    article: str


@dataclass(frozen=True)
class QuoteMatch:
    """Where a quotation appears in the articles.

    ``found``: ``exact`` (character for character), ``near`` (equal after normalising
    whitespace, punctuation, full/half width and Traditional/Simplified), ``closest`` (no match;
    the most similar passage span, with ``diff``), ``none`` (nothing similar). ``citation``
    highlights the matched span (absolute offsets in the original file); ``similarity`` is in
    ``[0, 1]``.
    """

    quote: str
    found: QuoteFound
    citation: Citation | None = None
    similarity: float = 0.0
    diff: tuple[DiffPiece, ...] = ()


DateOrigin = Literal["given", "metadata", "filename", "dateline", "inferred"]
"""Where an article's publication date came from, in order of precedence: ``given`` (``--date``
or a correction), ``metadata`` (the record's or file's own), ``filename`` (``2022-09-14_….txt``),
``dateline`` (``本报讯（2022年9月14日）``, a masthead ``2022年9月14日 星期三``), ``inferred`` (a
year read from the text, or the date of another article of the same file)."""

PeriodRule = Literal[
    "relative_year",
    "year_to_date",
    "sentence_year",
    "nearest_year",
    "relative_month",
    "relative_week",
    "relative_day",
    "recent",
    "as_of",
]
"""How a relative time expression was resolved against its article's date:
``relative_year`` (今年/去年/前年/明年, with any part: 今年上半年, 去年12月), ``year_to_date``
(今年以来: from 1 January to the date), ``sentence_year`` (a part without a year, 1-8月, in a
sentence that named its year earlier), ``nearest_year`` (a part without a year: the year that
puts its end nearest the date; a future one after 预计/将/计划), ``relative_month`` (本月,
上月), ``relative_week`` (本周, 上周, Monday to Sunday), ``relative_day`` (昨天, 前天),
``recent`` (近日, 日前: the two weeks up to the date), ``as_of`` (截至目前, 目前: the date)."""


@dataclass(frozen=True)
class ResolvedPeriod:
    """A relative time expression of an article and the absolute period it means.

    ``text == original_text[start_char:end_char]`` (the text is never rewritten);
    ``date_from``/``date_to`` are inclusive ISO dates (``YYYY-MM-DD``).
    """

    start_char: int
    end_char: int
    text: str
    date_from: str
    date_to: str
    rule: PeriodRule


@dataclass(frozen=True)
class ArticleDate:
    """An article's publication date as the index keeps it (for a sources panel)."""

    article_id: str
    source: str
    title: str
    date: str | None
    date_origin: DateOrigin | None = None
    date_reason: str = ""
