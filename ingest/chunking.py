"""Cut segmented articles into token-bounded, sentence-aligned chunks for the index.

A chunk is always an exact slice of the original text, so a citation can point at its
offsets and quote it verbatim. Chunks are built from whole sentences; a sentence is split
only when it alone exceeds the budget, and then never inside a figure (a split figure is
the worst failure of the product).

Oversize rule: a sentence over ``max_tokens`` is cut after clause punctuation (，、,：:)
outside protected spans, consecutive clauses are re-joined while they fit, and a clause
still over budget is cut at the token boundary nearest the budget that lies outside every
protected span (preferred, if that keeps at least half the budget) or else outside every
hard span (figures, codes, Latin words). Only a hard span larger than the budget by itself
can leave a piece over budget.
"""

from __future__ import annotations

import hashlib
import itertools
import re
from collections.abc import Iterable
from dataclasses import dataclass

from ingest.types import Article, Paragraph
from retrieval.errors import ConfigError
from retrieval.settings import (
    CHUNK_OVERLAP_RANGE,
    CHUNK_TOKENS_RANGE,
    DEFAULT_CHUNK_OVERLAP,
    DEFAULT_CHUNK_TOKENS,
)
from retrieval.text.figures import hard_spans, normalize_for_match, protected_spans
from retrieval.text.sentences import Span, forbidden_positions, split_sentences, trimmed_pieces
from retrieval.text.tokens import count_tokens, token_boundaries
from retrieval.types import Chunk

__all__ = ["ChunkSettings", "chunk_article", "chunk_articles", "split_sentences"]

_CLAUSE_END_RE = re.compile(r"[，、,：:]+")


@dataclass(frozen=True)
class ChunkSettings:
    """How big chunks are and how many sentences consecutive chunks share.

    Raises:
        ConfigError: ``max_tokens`` or ``overlap_sentences`` is outside its range (settings).
    """

    max_tokens: int = DEFAULT_CHUNK_TOKENS
    overlap_sentences: int = DEFAULT_CHUNK_OVERLAP

    def __post_init__(self) -> None:
        low, high = CHUNK_TOKENS_RANGE
        if not low <= self.max_tokens <= high:
            raise ConfigError(
                f"chunk max_tokens must be {low}..{high}, got {self.max_tokens}: "
                "set WENBAO_CHUNK_TOKENS (or --chunk-tokens) within that range"
            )
        low, high = CHUNK_OVERLAP_RANGE
        if not low <= self.overlap_sentences <= high:
            raise ConfigError(
                f"chunk overlap_sentences must be {low}..{high}, got {self.overlap_sentences}: "
                "set WENBAO_CHUNK_OVERLAP within that range"
            )


def chunk_article(
    article: Article, text: str, settings: ChunkSettings = ChunkSettings()
) -> list[Chunk]:
    """The chunks of one article, in order, each an exact slice of ``text``.

    Sentences are packed across paragraphs of one section while the chunk stays within
    ``settings.max_tokens``; a new chunk repeats the last ``overlap_sentences`` sentences of
    the previous one (fewer if they would not fit with the next sentence; a piece of a split
    oversize sentence counts as a sentence). A chunk never spans a section change or a gap
    between paragraphs that holds more than whitespace (text the segmenter left out, such as
    a caption, must not leak into a chunk).

    Raises:
        ValueError: a paragraph span lies outside ``text`` or before the previous one.
        ConfigError: the token encoding is missing.
    """
    spans = [
        (section, span)
        for section, group in _paragraph_groups(article.paragraphs, text)
        for span in _pack(text, _units(text, group, settings.max_tokens), settings)
    ]
    return [
        _make_chunk(article, text, section, span, index)
        for index, (section, span) in enumerate(spans)
    ]


def chunk_articles(
    articles: Iterable[Article], text: str, settings: ChunkSettings = ChunkSettings()
) -> list[Chunk]:
    """The chunks of several articles cut from the same source ``text``, article by article.

    Raises:
        ValueError: a paragraph span lies outside ``text`` or before the previous one.
        ConfigError: the token encoding is missing.
    """
    return [chunk for article in articles for chunk in chunk_article(article, text, settings)]


def _paragraph_groups(
    paragraphs: Iterable[Paragraph], text: str
) -> list[tuple[str, list[Paragraph]]]:
    groups: list[tuple[str, list[Paragraph]]] = []
    previous: Paragraph | None = None
    for paragraph in paragraphs:
        _check_paragraph(paragraph, previous, text)
        if previous is not None and _continues(previous, paragraph, text):
            groups[-1][1].append(paragraph)
        else:
            groups.append((paragraph.section, [paragraph]))
        previous = paragraph
    return groups


def _continues(previous: Paragraph, paragraph: Paragraph, text: str) -> bool:
    same_section = previous.section == paragraph.section
    return same_section and not text[previous.end : paragraph.start].strip()


def _check_paragraph(paragraph: Paragraph, previous: Paragraph | None, text: str) -> None:
    if not 0 <= paragraph.start <= paragraph.end <= len(text):
        raise ValueError(f"paragraph {paragraph} lies outside the text of {len(text)} chars")
    if previous is not None and paragraph.start < previous.end:
        raise ValueError(f"paragraph {paragraph} starts before the end of {previous}")


def _units(text: str, paragraphs: list[Paragraph], max_tokens: int) -> list[Span]:
    units: list[Span] = []
    for paragraph in paragraphs:
        for start, end in split_sentences(text, paragraph.start, paragraph.end):
            if count_tokens(text[start:end]) <= max_tokens:
                units.append((start, end))
            else:
                units.extend(_split_oversize(text, start, end, max_tokens))
    return units


def _split_oversize(text: str, start: int, end: int, max_tokens: int) -> list[Span]:
    region = text[start:end]
    soft = forbidden_positions(protected_spans(region), start)
    hard = forbidden_positions(hard_spans(region), start)
    cuts = [start + m.end() for m in _CLAUSE_END_RE.finditer(region)]
    bounds = [start, *(c for c in cuts if c not in soft and start < c < end), end]
    clauses = trimmed_pieces(text, itertools.pairwise(bounds))
    pieces: list[Span] = []
    for clause_start, clause_end in _join_while_fits(text, clauses, max_tokens):
        pieces.extend(_token_split(text, clause_start, clause_end, max_tokens, (soft, hard)))
    return pieces


def _join_while_fits(text: str, spans: list[Span], max_tokens: int) -> list[Span]:
    joined: list[Span] = []
    for start, end in spans:
        if joined and count_tokens(text[joined[-1][0] : end]) <= max_tokens:
            joined[-1] = (joined[-1][0], end)
        else:
            joined.append((start, end))
    return joined


def _token_split(
    text: str, start: int, end: int, max_tokens: int, tiers: tuple[frozenset[int], frozenset[int]]
) -> list[Span]:
    pieces: list[Span] = []
    while (window := _overflow_window(text, start, end, max_tokens)) is not None:
        cut = _choose_cut(text, start, window, max_tokens, tiers)
        if cut is None:
            cut = next((k for k in range(window, end) if k not in tiers[1]), None)
        if cut is None:
            break
        pieces.append((start, cut))
        start = cut
    return trimmed_pieces(text, [*pieces, (start, end)])


def _overflow_window(text: str, start: int, end: int, max_tokens: int) -> int | None:
    """End of a prefix of ``text[start:end]`` holding more than ``max_tokens`` tokens, or
    ``None`` if all of it fits; kept short so a huge sentence is not re-encoded per cut."""
    size = max_tokens * 4
    while start + size < end:
        if count_tokens(text[start : start + size]) > max_tokens:
            return start + size
        size *= 2
    return end if count_tokens(text[start:end]) > max_tokens else None


def _choose_cut(
    text: str, start: int, end: int, max_tokens: int, tiers: tuple[frozenset[int], frozenset[int]]
) -> int | None:
    soft, hard = tiers
    boundaries = [(start + c, n) for c, n in token_boundaries(text[start:end])]
    preferred = [c for c, n in boundaries if max_tokens // 2 <= n <= max_tokens and c not in soft]
    fallback = [c for c, n in boundaries if n <= max_tokens and c not in hard]
    cut = _last_fitting(text, start, preferred, max_tokens) or _last_fitting(
        text, start, fallback, max_tokens
    )
    return cut or next((c for c, _n in boundaries if c not in hard), None)


def _last_fitting(text: str, start: int, cuts: list[int], max_tokens: int) -> int | None:
    for cut in reversed(cuts):
        if count_tokens(text[start:cut]) <= max_tokens:
            return cut
    return None


def _pack(text: str, units: list[Span], settings: ChunkSettings) -> list[Span]:
    chunks: list[Span] = []
    current: list[Span] = []
    for unit in units:
        if current and _tokens(text, current[0], unit) > settings.max_tokens:
            chunks.append((current[0][0], current[-1][1]))
            current = _overlap(text, current, unit, settings)
        current.append(unit)
    if current:
        chunks.append((current[0][0], current[-1][1]))
    return chunks


def _overlap(text: str, current: list[Span], unit: Span, settings: ChunkSettings) -> list[Span]:
    tail = current[max(0, len(current) - settings.overlap_sentences) :]
    while tail and _tokens(text, tail[0], unit) > settings.max_tokens:
        tail = tail[1:]
    return tail


def _tokens(text: str, first: Span, last: Span) -> int:
    return count_tokens(text[first[0] : last[1]])


def _make_chunk(article: Article, text: str, section: str, span: Span, index: int) -> Chunk:
    start, end = span
    body = text[start:end]
    digest = hashlib.sha256(f"{article.article_id}\x1f{start}\x1f{end}\x1f{body}".encode())
    embed_parts = (article.title, section, body)
    return Chunk(
        chunk_id=digest.hexdigest()[:32],
        article_id=article.article_id,
        source=article.source,
        title=article.title,
        section=section,
        text=body,
        char_start=start,
        char_end=end,
        index=index,
        date=article.date,
        embed_text="\n".join(normalize_for_match(p) for p in embed_parts if p.strip()),
    )
