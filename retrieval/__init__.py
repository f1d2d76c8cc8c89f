"""WenBao's retrieval package: index, hybrid search, answers with verified citations.

The public API is importable from here (``from retrieval import Answerer, Index, Settings``).
Names are resolved on first use, so ``import retrieval.errors`` stays light: loading the
embedder, Chroma and jieba happens only when a caller needs them.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from retrieval.answer.chain import Answerer, AskOptions
    from retrieval.answer.refusal import RefusalPolicy
    from retrieval.answer.rerank import AnswerAwareReranker, RerankConfig, reranked_search
    from retrieval.check import FactChecker
    from retrieval.errors import (
        ConfigError,
        EmbeddingError,
        IndexMismatchError,
        IngestError,
        LoadError,
        RetrievalError,
        StoreError,
        WenBaoError,
    )
    from retrieval.index import Index
    from retrieval.index.embeddings import WenBaoEmbeddings, load_embeddings
    from retrieval.search.hybrid import FusionConfig, HybridRetriever, hybrid_search
    from retrieval.settings import Settings
    from retrieval.types import (
        Answer,
        Chunk,
        Citation,
        Flag,
        Hit,
        IndexStats,
        SearchFilter,
        SourceInfo,
    )

_HOMES = {
    "Answerer": "answer.chain",
    "AskOptions": "answer.chain",
    "WenBaoEmbeddings": "index.embeddings",
    "load_embeddings": "index.embeddings",
    "ConfigError": "errors",
    "EmbeddingError": "errors",
    "FactChecker": "check",
    "IndexMismatchError": "errors",
    "IngestError": "errors",
    "LoadError": "errors",
    "RetrievalError": "errors",
    "StoreError": "errors",
    "WenBaoError": "errors",
    "FusionConfig": "search.hybrid",
    "HybridRetriever": "search.hybrid",
    "hybrid_search": "search.hybrid",
    "Index": "index",
    "RefusalPolicy": "answer.refusal",
    "AnswerAwareReranker": "answer.rerank",
    "RerankConfig": "answer.rerank",
    "reranked_search": "answer.rerank",
    "Settings": "settings",
    "Answer": "types",
    "Chunk": "types",
    "Citation": "types",
    "Flag": "types",
    "Hit": "types",
    "IndexStats": "types",
    "SearchFilter": "types",
    "SourceInfo": "types",
}

__all__ = [
    "Answer",
    "AnswerAwareReranker",
    "Answerer",
    "AskOptions",
    "Chunk",
    "Citation",
    "ConfigError",
    "EmbeddingError",
    "FactChecker",
    "Flag",
    "FusionConfig",
    "Hit",
    "HybridRetriever",
    "Index",
    "IndexMismatchError",
    "IndexStats",
    "IngestError",
    "LoadError",
    "RefusalPolicy",
    "RerankConfig",
    "RetrievalError",
    "SearchFilter",
    "Settings",
    "SourceInfo",
    "StoreError",
    "WenBaoEmbeddings",
    "WenBaoError",
    "hybrid_search",
    "load_embeddings",
    "reranked_search",
]


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'retrieval' has no attribute {name!r}")
    return getattr(importlib.import_module(f"retrieval.{home}"), name)
