"""WenBao's retrieval package: index, hybrid search, answers with verified citations.

The public API is importable from here (``from retrieval import Answerer, Index, Settings``).
Names are resolved on first use, so ``import retrieval.errors`` stays light: loading the
embedder, Chroma and jieba happens only when a caller needs them.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from retrieval.chain import Answerer, AskOptions
    from retrieval.embeddings import WenBaoEmbeddings, load_embeddings
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
    from retrieval.hybrid import FusionConfig, HybridRetriever, hybrid_search
    from retrieval.index import Index
    from retrieval.refusal import RefusalPolicy
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
    "Answerer": "chain",
    "AskOptions": "chain",
    "WenBaoEmbeddings": "embeddings",
    "load_embeddings": "embeddings",
    "ConfigError": "errors",
    "EmbeddingError": "errors",
    "IndexMismatchError": "errors",
    "IngestError": "errors",
    "LoadError": "errors",
    "RetrievalError": "errors",
    "StoreError": "errors",
    "WenBaoError": "errors",
    "FusionConfig": "hybrid",
    "HybridRetriever": "hybrid",
    "hybrid_search": "hybrid",
    "Index": "index",
    "RefusalPolicy": "refusal",
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
    "Answerer",
    "AskOptions",
    "Chunk",
    "Citation",
    "ConfigError",
    "EmbeddingError",
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
    "RetrievalError",
    "SearchFilter",
    "Settings",
    "SourceInfo",
    "StoreError",
    "WenBaoEmbeddings",
    "WenBaoError",
    "hybrid_search",
    "load_embeddings",
]


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'retrieval' has no attribute {name!r}")
    return getattr(importlib.import_module(f"retrieval.{home}"), name)
