"""Hybrid retrieval: dense (Chroma) and keyword (BM25) candidates fused into one ranking.

Fusion is a choice made by measurement (``python -m bench retrieval --sweep``): naive RRF with
k=60 ranks worse than dense alone on RGB, so the method, its constant and the weight of
each side are parameters, and the defaults are the measured best.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Literal, get_args

from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever
from pydantic import ConfigDict

from retrieval.errors import RetrievalError
from retrieval.index import Index
from retrieval.settings import DEFAULT_K
from retrieval.types import Chunk, Hit, SearchFilter

__all__ = [
    "FusionConfig",
    "FusionMethod",
    "HybridRetriever",
    "document_to_hit",
    "fuse",
    "hit_to_document",
    "hybrid_search",
]


FusionMethod = Literal["rrf", "weighted", "dense", "keyword"]
METHODS: tuple[FusionMethod, ...] = get_args(FusionMethod)


@dataclass(frozen=True)
class FusionConfig:
    """How dense and keyword candidates are combined.

    ``rrf``: sum of weight / (rrf_k + rank); ``weighted``: weighted sum of per-query
    min-max normalised scores. ``dense``/``keyword`` use one side only (baselines).
    ``candidates`` is how many each side contributes. Defaults chosen by a sweep on RGB
    (``python -m bench retrieval --sweep``): RRF k=10 and keyword weight 0.7 rank better than
    RRF k=60 (0.899 MRR@10) and dense alone (0.879). Re-ranking is the next step of the
    answer chain (``retrieval.answer.rerank``).
    """

    method: FusionMethod = "rrf"
    rrf_k: int = 10
    dense_weight: float = 1.0
    keyword_weight: float = 0.7
    candidates: int = 30

    def __post_init__(self) -> None:
        if self.method not in METHODS:
            raise RetrievalError(f"Unknown fusion method {self.method!r}: use one of {METHODS}.")
        if self.candidates < 1 or self.rrf_k < 0:
            raise RetrievalError("Fusion needs candidates >= 1 and rrf_k >= 0.")
        if min(self.dense_weight, self.keyword_weight) < 0:
            raise RetrievalError("Fusion weights must be >= 0.")


def hybrid_search(
    index: Index,
    question: str,
    k: int,
    config: FusionConfig | None = None,
    search: SearchFilter | None = None,
    *,
    vector: Sequence[float] | None = None,
) -> list[Hit]:
    """The ``k`` best chunks for ``question`` by fused dense and keyword search (``vector``:
    the question's embedding, when the caller embedded it beforehand)."""
    config = config or FusionConfig()
    pool = max(k, config.candidates)
    dense = (
        index.dense_search(question, pool, search, vector=vector)
        if config.method != "keyword"
        else []
    )
    keyword = index.keyword_search(question, pool, search) if config.method != "dense" else []
    return fuse(dense, keyword, config)[:k]


def fuse(dense: Sequence[Hit], keyword: Sequence[Hit], config: FusionConfig) -> list[Hit]:
    """One ranking from two, keeping each side's own score on the fused hits."""
    dense = dense if config.method != "keyword" else []
    keyword = keyword if config.method != "dense" else []
    scores: dict[str, float] = {}
    for hits, weight in ((dense, config.dense_weight), (keyword, config.keyword_weight)):
        for hit, value in zip(hits, _contributions(hits, config), strict=True):
            scores[hit.chunk.chunk_id] = scores.get(hit.chunk.chunk_id, 0.0) + weight * value
    by_id = {h.chunk.chunk_id: h for h in (*keyword, *dense)}
    dense_scores = {h.chunk.chunk_id: h.score for h in dense}
    keyword_scores = {h.chunk.chunk_id: h.score for h in keyword}
    ranked = sorted(scores, key=lambda cid: (-scores[cid], cid))
    return [
        replace(
            by_id[cid],
            score=scores[cid],
            rank=rank,
            method="hybrid",
            dense_score=dense_scores.get(cid),
            keyword_score=keyword_scores.get(cid),
        )
        for rank, cid in enumerate(ranked, start=1)
    ]


def _contributions(hits: Sequence[Hit], config: FusionConfig) -> list[float]:
    if config.method in {"rrf", "dense", "keyword"}:
        return [1.0 / (config.rrf_k + hit.rank) for hit in hits]
    values = [hit.score for hit in hits]
    low, high = (min(values), max(values)) if values else (0.0, 0.0)
    span = high - low
    return [(v - low) / span if span > 0 else 1.0 for v in values]


def hit_to_document(hit: Hit) -> Document:
    """A LangChain ``Document`` carrying the chunk's metadata and the scores."""
    chunk = hit.chunk
    metadata: dict[str, object] = {
        "chunk_id": chunk.chunk_id, "article_id": chunk.article_id, "source": chunk.source,
        "title": chunk.title, "section": chunk.section, "char_start": chunk.char_start,
        "char_end": chunk.char_end, "chunk_index": chunk.index, "date": chunk.date,
        "score": hit.score, "rank": hit.rank, "dense_score": hit.dense_score,
        "keyword_score": hit.keyword_score,
    }  # fmt: skip
    return Document(page_content=chunk.text, metadata=metadata, id=chunk.chunk_id)


def document_to_hit(document: Document) -> Hit:
    """The ``Hit`` a ``hit_to_document`` document came from (for LangChain compressors)."""
    meta = document.metadata
    chunk = Chunk(
        chunk_id=meta["chunk_id"], article_id=meta["article_id"], source=meta["source"],
        title=meta["title"], section=meta["section"], text=document.page_content,
        char_start=meta["char_start"], char_end=meta["char_end"], index=meta["chunk_index"],
        date=meta["date"],
    )  # fmt: skip
    return Hit(
        chunk, meta["score"], meta["rank"], "hybrid", meta["dense_score"], meta["keyword_score"]
    )


class HybridRetriever(BaseRetriever):
    """LangChain retriever over a WenBao index (``k`` passages, optional ``filter``)."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    index: Index
    k: int = DEFAULT_K
    fusion: FusionConfig = FusionConfig()
    filter: SearchFilter | None = None

    def _get_relevant_documents(
        self, query: str, *, run_manager: CallbackManagerForRetrieverRun
    ) -> list[Document]:
        hits = hybrid_search(self.index, query, self.k, self.fusion, self.filter)
        return [hit_to_document(hit) for hit in hits]
