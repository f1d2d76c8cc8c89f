"""Evidence for a claim: the sentences of the passages that hybrid search finds for it.

The claim itself is the query (dense + BM25, then the answer-aware re-ranking, which favours
passages stating the claim's figures). Every sentence of the found passages is evidence,
with the paragraph before it (and its article's title) from which it inherits a subject or
period it does not name, and the share of the claim's characters it holds. Article texts
are read once per check (``Library``), so a 3,000-character draft reads each article once,
and the queries of one check are embedded in one batch (``Library.prepare``): one call for
all claims costs a fraction of one call per claim.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from retrieval.answer.rerank import reranked_search
from retrieval.index import Index
from retrieval.text.claims import CONTEXT_CHARS, Reading, overlap, read_figures
from retrieval.text.sentences import split_sentences
from retrieval.types import Chunk, Hit, SearchFilter

__all__ = ["EMBED_BATCH", "Evidence", "Library", "Sentence"]

EMBED_BATCH = 32


@dataclass(frozen=True)
class Sentence:
    """A sentence of a found passage.

    ``start``/``end`` are offsets in the source's original text (citation coordinates);
    ``context`` is the article title and the paragraph before the sentence; ``overlap`` the
    share of the claim's characters it holds; ``rank`` its passage's search rank.
    """

    chunk: Chunk
    start: int
    end: int
    text: str
    context: str
    overlap: float
    rank: int

    @property
    def reading(self) -> Reading:
        return read_figures(self.text)


@dataclass(frozen=True)
class Evidence:
    """The evidence sentences for one claim, most overlapping first, and the passages found."""

    sentences: tuple[Sentence, ...]
    hits: tuple[Hit, ...]


class Library:
    """The index as a source of evidence for one check: searches, and article texts read once.

    ``k`` passages are searched per claim; ``search`` limits them (the benchmark hides the
    passages a claim was made from).
    """

    def __init__(self, index: Index, k: int, search: SearchFilter | None = None) -> None:
        self.index = index
        self.k = k
        self.search = search
        self._texts: dict[str, str | None] = {}
        self._bodies: dict[str, str] = {}
        self._vectors: dict[str, np.ndarray[Any, np.dtype[np.float32]]] = {}

    def prepare(self, queries: Sequence[str]) -> None:
        """Embed the queries a check will search for, in batches, ahead of the searches."""
        missing = [q for q in dict.fromkeys(queries) if q not in self._vectors]
        for start in range(0, len(missing), EMBED_BATCH):
            batch = missing[start : start + EMBED_BATCH]
            vectors = self.index.embeddings.embed_queries(batch)
            self._vectors.update(zip(batch, vectors, strict=True))

    def hits(self, query: str) -> list[Hit]:
        """The ``k`` best passages for ``query``: fused dense and keyword search, re-ranked
        (``reranked_search``, with the vector ``prepare`` made when there is one)."""
        vector = self._vectors.get(query)
        return reranked_search(
            self.index,
            query,
            self.k,
            search=self.search,
            vector=None if vector is None else vector.tolist(),
        )

    def evidence(self, claim: str) -> Evidence:
        """The sentences of the passages found for ``claim``; a sentence two overlapping
        passages share is kept once, from the better one."""
        hits = self.hits(claim)
        seen: set[tuple[str, int]] = set()
        found: list[Sentence] = []
        for hit in hits:
            for sentence in self._sentences(hit, claim):
                if (hit.chunk.article_id, sentence.start) not in seen:
                    seen.add((hit.chunk.article_id, sentence.start))
                    found.append(sentence)
        found.sort(key=lambda s: (-s.overlap, s.rank, s.start))
        return Evidence(tuple(found), tuple(hits))

    def body(self, article_id: str) -> str:
        """The article's title and own text (for a subject named only elsewhere in it)."""
        if article_id not in self._bodies:
            self._bodies[article_id] = self.index.article_body(article_id) or ""
        return self._bodies[article_id]

    def _sentences(self, hit: Hit, claim: str) -> list[Sentence]:
        chunk = hit.chunk
        source = self._text(chunk)
        return [
            Sentence(
                chunk=chunk,
                start=chunk.char_start + a,
                end=chunk.char_start + b,
                text=chunk.text[a:b],
                context=f"{chunk.title}\n{_before(source, chunk, a)}",
                overlap=overlap(claim, chunk.text[a:b]),
                rank=hit.rank,
            )
            for a, b in split_sentences(chunk.text, 0, len(chunk.text))
        ]

    def _text(self, chunk: Chunk) -> str | None:
        """The source's original text when the ledger holds it and it matches the chunk."""
        if chunk.article_id not in self._texts:
            article = self.index.article(chunk.article_id)
            self._texts[chunk.article_id] = article.text if article else None
        text = self._texts[chunk.article_id]
        same = text is not None and text[chunk.char_start : chunk.char_end] == chunk.text
        return text if same else None


def _before(source: str | None, chunk: Chunk, local: int) -> str:
    """The paragraph before a sentence (``local`` offset in the chunk), from the source text
    when available (it may begin before the chunk), else from the chunk."""
    text, at = (source, chunk.char_start + local) if source is not None else (chunk.text, local)
    begin = max(text.rfind("\n", 0, at) + 1, at - CONTEXT_CHARS)
    return text[begin:at]
